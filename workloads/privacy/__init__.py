"""Privacy: entity-level PII detection (Presidio + spaCy), masking or keyed pseudonymization, cohort
(k-anonymity) checks and differentially private release of aggregates."""
