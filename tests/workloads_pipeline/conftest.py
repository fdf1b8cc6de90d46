"""Shared fixtures: a small handbook corpus with planted PII, and one Spark session per test run."""

from __future__ import annotations

from pathlib import Path

import pytest

PLANTED = {
    "email": "jordan.miles@example.com",
    "phone": "+1 415 555 0134",
    "card": "4111 1111 1111 1111",
    "card_dashes": "5555-5555-5555-4444",
    "iban": "GB82 WEST 1234 5698 7654 32",
    "ssn": "219-09-9999",
    "name": "Margarethe Quill",
}

DOCS = {
    "onboarding.md": (
        "# Onboarding\n\nWelcome to the platform team. Your buddy will walk you through the first week.\n\n"
        "## Accounts\n\nRequest accounts through the portal. Contact: Margarethe Quill at "
        f"{PLANTED['email']} or {PLANTED['phone']}.\n\n"
        "## On-call\n\nYou join the rotation after shadowing two shifts. Pages go to the phone app."
    ),
    "expenses.txt": (
        "Expense policy\n\nReimbursements are paid to IBAN "
        f"{PLANTED['iban']} within ten business days. The trial card {PLANTED['card']} and the backup "
        f"card {PLANTED['card_dashes']} must be cancelled after the pilot. An SSN such as {PLANTED['ssn']} "
        "never goes into a ticket."
    ),
    "runbook.html": (
        "<html><head><title>Dispatch runbook</title></head><body><h1>Dispatch runbook</h1>"
        "<p>Restart the dispatch service with the deploy tool when the queue backs up.</p>"
        "<h2>Escalation</h2><p>Call Dr. Margarethe Quill if the restart does not drain the queue.</p>"
        "<script>var secret = 1;</script></body></html>"
    ),
    "glossary/lane.md": "# Lane\n\nA lane is an origin and destination pair that carriers bid on.",
}


def write_corpus(root: Path, docs: dict[str, str] = DOCS) -> Path:
    for name, text in docs.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture(scope="session")
def spark():
    from workloads.engines.spark import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()
