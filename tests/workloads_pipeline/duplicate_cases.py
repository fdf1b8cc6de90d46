"""A labelled set of document pairs for the duplicate rule: templated policy pages, tickets and
runbooks of a freight company. True duplicates are copies that differ in whitespace, case or
punctuation, and re-exports whose footer changed; false duplicates share a template (and sometimes a
title) but differ in subject or values."""

from __future__ import annotations

from dataclasses import dataclass

POLICY = """# {subject} policy

Owner: {owner} | Review cycle: every {cycle} months

## Purpose

This policy sets out how Northwind Freight staff handle {topic}. It applies to every employee,
contractor and temporary worker in all regions, and to every system that supports the business.

## Rules

- {rule_one}
- {rule_two}
- Exceptions need written approval from the {approver} before they take effect.

## Enforcement

Breaches are reported to the compliance team within five business days. Repeated breaches are
handled under the disciplinary procedure, and the policy owner reviews each case at the next
quarterly review.

_Exported from the policy wiki on {exported}._
"""

POLICIES = {
    "travel": dict(
        subject="Travel",
        owner="Finance",
        cycle="12",
        topic="business travel",
        rule_one="Book flights through the travel portal at least 14 days ahead.",
        rule_two="Economy class is the default for flights under six hours.",
        approver="head of finance",
    ),
    "expenses": dict(
        subject="Expenses",
        owner="Finance",
        cycle="12",
        topic="expense claims",
        rule_one="Submit claims with itemised receipts within 30 days of spending.",
        rule_two="Alcohol and personal entertainment are never reimbursed.",
        approver="head of finance",
    ),
    "remote-work": dict(
        subject="Remote work",
        owner="People",
        cycle="12",
        topic="working away from the office",
        rule_one="Agree remote days with your manager one week in advance.",
        rule_two="Work only from a private space where screens cannot be overlooked.",
        approver="people partner",
    ),
    "laptops": dict(
        subject="Laptop",
        owner="IT",
        cycle="6",
        topic="company laptops",
        rule_one="Keep full-disk encryption and automatic updates switched on.",
        rule_two="Never leave a laptop unattended in a vehicle or a public place.",
        approver="IT security lead",
    ),
    "passwords": dict(
        subject="Password",
        owner="IT",
        cycle="6",
        topic="passwords and second factors",
        rule_one="Use the password manager for every work account.",
        rule_two="Turn on a hardware key or an authenticator app for email and the VPN.",
        approver="IT security lead",
    ),
    "retention": dict(
        subject="Data retention",
        owner="Legal",
        cycle="12",
        topic="keeping and deleting records",
        rule_one="Keep shipment records for seven years after delivery.",
        rule_two="Delete applicant data six months after a hiring decision.",
        approver="general counsel",
    ),
    "visitors": dict(
        subject="Visitor",
        owner="Facilities",
        cycle="12",
        topic="visitors to depots and offices",
        rule_one="Sign every visitor in at reception and issue a dated badge.",
        rule_two="Escort visitors on the yard at all times and issue a high-visibility vest.",
        approver="site manager",
    ),
    "gifts": dict(
        subject="Gifts and hospitality",
        owner="Legal",
        cycle="12",
        topic="gifts and hospitality from carriers and customers",
        rule_one="Declare any gift worth more than 50 euros in the gifts register.",
        rule_two="Never accept cash, vouchers or gifts during a tender.",
        approver="general counsel",
    ),
}


def policy(name: str, exported: str = "2024-03-01") -> str:
    return POLICY.format(exported=exported, **POLICIES[name])


ACCESS = """# Access review: {system}

System owner: {owner}. Review frequency: {frequency}.

## Scope

This page records how access to the system is reviewed. The review covers every human account, every
service account and every API token that can read or change data in the system, in production and in
staging alike. Accounts of contractors and of staff on leave are included; accounts that were
disabled before the review period started are not.

## Roles

The system owner runs the review and signs it off. Each line manager confirms or revokes the accounts
of their reports. The security team reviews break-glass and shared accounts, and internal audit
samples one review a year to check that the evidence is complete and that revocations happened on
time.

## Procedure

1. Export the list of accounts and their roles from the identity provider on the first business day
   of the review period.
2. Send each manager the list of their reports' accounts and ask them to confirm or revoke each one,
   giving a reason for every role above read-only.
3. Remind managers who have not answered after five business days, and escalate to their director
   after eight.
4. Revoke every account that is not confirmed within ten business days, and every role whose reason
   is missing.
5. File the exported list, the answers and the revocations as evidence in the compliance folder,
   named after the system and the review period.

## Exceptions

Break-glass accounts are reviewed by the security team instead of a manager, and every use of one
is checked against an incident ticket. Any other exception needs written approval from the system
owner, is recorded in the exceptions register and expires after one review cycle.

## Records

Evidence is kept for seven years. Questions about this review go to the compliance team through the
service desk.

_Exported from the policy wiki on 2024-03-01._
"""

ACCESS_REVIEWS = {
    "tms": dict(system="the transport management system", owner="Dispatch", frequency="quarterly"),
    "wms": dict(system="the warehouse management system", owner="Warehousing", frequency="quarterly"),
    "ledger": dict(system="the finance ledger", owner="Finance", frequency="monthly"),
    "payroll": dict(system="payroll", owner="People", frequency="monthly"),
    "crm": dict(system="the customer portal", owner="Sales", frequency="quarterly"),
    "telematics": dict(system="truck telematics", owner="Fleet", frequency="twice a year"),
    "email": dict(system="email and calendars", owner="IT", frequency="twice a year"),
    "data-warehouse": dict(system="the data warehouse", owner="Data", frequency="quarterly"),
}


def access_review(name: str) -> str:
    return ACCESS.format(**ACCESS_REVIEWS[name])


TICKET = """# {key}: {summary}

Reporter: dispatch desk | Priority: {priority} | Queue: {queue}

## Description

{description}

## Steps taken

1. Checked the {service} dashboard for errors in the last hour.
2. Restarted the {service} worker with the deploy tool.
3. Confirmed that the queue drained and that new {items} were accepted.

Last synced from the ticket system on {synced}.
"""

TICKETS = {
    "INC-4101": dict(
        summary="Tenders stuck in pending",
        priority="P2",
        queue="dispatch",
        description="Tenders sent to carriers after 09:00 stayed in pending and never reached the portal.",
        service="tender",
        items="tenders",
    ),
    "INC-4102": dict(
        summary="Invoices not exported",
        priority="P3",
        queue="billing",
        description="The nightly export to the ledger skipped every invoice dated after the 14th.",
        service="invoice",
        items="invoices",
    ),
    "INC-4103": dict(
        summary="Yard check-ins slow",
        priority="P2",
        queue="yard",
        description="Drivers waited up to twenty minutes at the gate because check-ins timed out.",
        service="yard",
        items="check-ins",
    ),
}


def ticket(key: str, synced: str = "2024-05-02 08:14") -> str:
    return TICKET.format(key=key, synced=synced, **TICKETS[key])


RUNBOOK = """# Restart the {service} service

## When to use

Use this runbook when the {service} queue in {region} backs up for more than {minutes} minutes or the
health check fails twice in a row.

## Steps

1. Drain traffic with `deploy drain {service} --region {region}`.
2. Restart the workers with `deploy restart {service} --region {region}`.
3. Watch the {metric} panel until it is back under {threshold}.

## Escalation

Page the {team} team if the queue does not drain within {minutes} minutes of the restart.
"""

RUNBOOKS = {
    "tender-eu": dict(
        service="tender",
        region="eu-west-1",
        minutes="10",
        metric="queue depth",
        threshold="500",
        team="dispatch platform",
    ),
    "tender-us": dict(
        service="tender",
        region="us-east-1",
        minutes="15",
        metric="queue depth",
        threshold="800",
        team="dispatch platform",
    ),
    "billing-eu": dict(
        service="billing",
        region="eu-west-1",
        minutes="10",
        metric="export lag",
        threshold="5 minutes",
        team="finance systems",
    ),
}


def runbook(name: str) -> str:
    return RUNBOOK.format(**RUNBOOKS[name])


@dataclass(frozen=True)
class Pair:
    """Two documents (file name, text) and whether they are the same document."""

    why: str
    a: tuple[str, str]
    b: tuple[str, str]
    same: bool


def _respaced(text: str) -> str:
    return text.replace("\n\n", "\n\n\n").replace(". ", ".  ").replace("\n", "\r\n")


TRUE_DUPLICATES = [
    Pair(
        "policy re-saved with other line breaks",
        ("travel.md", policy("travel")),
        ("travel-copy.md", _respaced(policy("travel"))),
        True,
    ),
    Pair(
        "policy with its headings re-cased",
        ("laptops.md", policy("laptops")),
        (
            "Laptops.md",
            policy("laptops").replace("# Laptop policy", "# LAPTOP POLICY").replace("## Rules", "## RULES"),
        ),
        True,
    ),
    Pair(
        "policy with other bullets and punctuation",
        ("passwords.md", policy("passwords")),
        (
            "passwords-old.md",
            policy("passwords")
            .replace("- ", "* ")
            .replace(" | ", " / ")
            .replace("Exceptions need", "Exceptions: need"),
        ),
        True,
    ),
    Pair(
        "policy re-exported on another day",
        ("retention.md", policy("retention")),
        ("retention-2024-09.md", policy("retention", exported="2024-09-14 by j.okafor")),
        True,
    ),
    Pair(
        "ticket synced twice",
        ("INC-4101.md", ticket("INC-4101")),
        ("export/INC-4101.md", ticket("INC-4101", synced="2024-05-03 17:40 (second sync)")),
        True,
    ),
    Pair(
        "ticket copied with Windows line endings and lowercased key",
        ("INC-4102.md", ticket("INC-4102")),
        ("inc-4102.txt", _respaced(ticket("INC-4102").replace("INC-4102", "inc-4102"))),
        True,
    ),
    Pair(
        "runbook saved twice",
        ("tender-eu.md", runbook("tender-eu")),
        ("tender-eu (1).md", runbook("tender-eu")),
        True,
    ),
    Pair(
        "runbook with its code spans unformatted",
        ("billing-eu.md", runbook("billing-eu")),
        ("billing-eu-plain.md", runbook("billing-eu").replace("`", "")),
        True,
    ),
]

FALSE_DUPLICATES = [
    *[
        Pair(
            f"access review template, {a} and {b}",
            (f"{a}.md", access_review(a)),
            (f"{b}.md", access_review(b)),
            False,
        )
        for a, b in [
            ("tms", "wms"),
            ("ledger", "payroll"),
            ("crm", "data-warehouse"),
            ("telematics", "email"),
        ]
    ],
    *[
        Pair(f"policy template, {a} and {b}", (f"{a}.md", policy(a)), (f"{b}.md", policy(b)), False)
        for a, b in [
            ("travel", "expenses"),
            ("laptops", "passwords"),
            ("retention", "gifts"),
            ("remote-work", "visitors"),
            ("expenses", "gifts"),
        ]
    ],
    Pair(
        "same policy title, another retention period",
        ("retention.md", policy("retention")),
        (
            "retention-logistics.md",
            policy("retention").replace("seven years after delivery", "ten years after delivery"),
        ),
        False,
    ),
    Pair(
        "same policy title, another approver",
        ("travel.md", policy("travel")),
        ("travel-sales.md", policy("travel").replace("head of finance", "head of sales")),
        False,
    ),
    Pair(
        "ticket template, two incidents",
        ("INC-4101.md", ticket("INC-4101")),
        ("INC-4103.md", ticket("INC-4103")),
        False,
    ),
    Pair(
        "ticket template, same summary, another incident",
        ("INC-4102.md", ticket("INC-4102")),
        ("INC-4102-reopened.md", ticket("INC-4102").replace("after the 14th", "after the 21st")),
        False,
    ),
    Pair(
        "runbook template, another service",
        ("tender-eu.md", runbook("tender-eu")),
        ("billing-eu.md", runbook("billing-eu")),
        False,
    ),
    Pair(
        "same runbook title, another region",
        ("tender-eu.md", runbook("tender-eu")),
        ("tender-us.md", runbook("tender-us")),
        False,
    ),
    Pair(
        "same runbook title, another threshold",
        ("tender-eu.md", runbook("tender-eu")),
        ("tender-eu-peak.md", runbook("tender-eu").replace("under 500", "under 2000")),
        False,
    ),
]

LABELLED = TRUE_DUPLICATES + FALSE_DUPLICATES
