"""Audit evidence: collect the platform's controls into a signed, chained, offline-verifiable bundle."""
