# ruff: noqa: E501 (the handbook prose reads better unwrapped)
"""Writes demo/corpus: the platform handbook of Tidewater Freight, a fictional logistics company.

The text is original and deterministic (seeded). A few documents carry planted PII (test card and
IBAN numbers, reserved 555 phone numbers, example.com addresses) for the masking stage to find.
Run once and commit the output: `python scripts/make_demo_corpus.py`.
"""

from __future__ import annotations

import random
import shutil
from html import escape
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "demo" / "corpus"
SERVICES = {
    "dispatch": ("assigns loads to carriers", "Kafka topic dispatch.events", "p95 under 300 ms"),
    "rating": (
        "prices shipments from lane, weight and fuel surcharge",
        "Postgres cluster rating-db",
        "p95 under 150 ms",
    ),
    "tracking": (
        "ingests GPS pings from trucks every 30 seconds",
        "Delta table bronze.gps_pings",
        "lag under 2 minutes",
    ),
    "billing": ("turns delivered loads into invoices", "the ledger service", "close within 3 business days"),
    "docs-ocr": (
        "reads bills of lading and customs forms",
        "an S3 bucket with object lock",
        "95% field accuracy",
    ),
    "eta-model": (
        "predicts arrival times per stop",
        "the feature store table eta_features",
        "MAE under 14 minutes",
    ),
    "carrier-portal": (
        "lets carriers accept tenders and upload PODs",
        "the API gateway",
        "99.9% monthly uptime",
    ),
    "yard": (
        "tracks trailers in the yard and dock doors",
        "a Redis stream per site",
        "door status under 5 s old",
    ),
    "claims": (
        "handles damage and shortage claims",
        "the claims workflow engine",
        "first response within 1 day",
    ),
    "search": ("answers questions over this handbook", "the llm_dev.curated tables", "answer in under 2 s"),
}
TEAMS = ["Platform", "Data Engineering", "ML Platform", "Carrier Experience", "Finance Systems", "Security"]
SITES = ["Savannah", "Tacoma", "Joliet", "Laredo", "Harrisburg", "Stockton"]
VERBS = ["drain", "restart", "scale out", "roll back", "pause", "re-run"]

RUNBOOK_STEPS = [
    "Check the dashboard for the {svc} service and note the time the alert first fired.",
    "Confirm whether the error rate is above the budget for {slo}; if it is not, downgrade the page.",
    "Look at the last three deploys in the release channel; a bad deploy is the cause about half the time.",
    "If a deploy is suspect, {verb} it with the deploy tool and watch the error rate for ten minutes.",
    "When the dependency ({dep}) is slow, open its own dashboard before touching {svc}.",
    "Write a short status note in the incident channel every thirty minutes, even when nothing changed.",
    "Never edit production data by hand; use the repair job so that the change is logged and reviewed.",
    "Hand over with a written summary if the incident runs past the end of your shift.",
]
POLICY_RULES = [
    "Access is granted to groups, never to individual users, and reviewed every quarter.",
    "Personal tokens expire after thirty days; service principals use OAuth machine-to-machine credentials.",
    "Clusters must use one of the published cluster policies; the policy fixes the runtime and caps workers.",
    "Tables that hold customer data are tagged, and their masks are applied in Unity Catalog, not in code.",
    "Secrets live in the secret scope of the workspace; a secret in a notebook is an incident.",
    "Data leaves the account only through an approved share, and the share is logged.",
    "Every job that writes a table records its expectations, and a failed expectation stops the job.",
    "Logs are kept for ninety days in dev and one year in prod, in a bucket with object lock.",
]
FAQ = [
    (
        "How do I get access to the {svc} tables?",
        "Ask your lead to add you to the {team} readers group. Access arrives within an hour.",
    ),
    (
        "Why did my job cluster not start?",
        "Most often the policy rejected a setting: check the node type and the number of workers against the policy.",
    ),
    ("Who owns {svc}?", "The {team} team owns it; their on-call rotation is listed in the paging tool."),
    (
        "Can I run {svc} locally?",
        "Yes: the repository has a make target that starts it with test data and no cloud access.",
    ),
    (
        "How fresh is the data from {svc}?",
        "The target is {slo}; the freshness expectation alerts when it slips.",
    ),
    (
        "What happens when a deploy fails?",
        "The pipeline stops, the previous version keeps serving, and the author is notified.",
    ),
]
ADR_OPTIONS = [
    ("batch nightly", "simple to operate but leaves data up to a day old"),
    ("stream with micro-batches", "fresh within minutes at the cost of an always-on cluster"),
    ("change data feed", "processes only what changed and keeps a history of deletions"),
    ("a managed vector index", "less to run but ties us to one vendor's API"),
    ("an embedded index in the lakehouse", "portable and cheap, rebuilt by the pipeline"),
]
POSTMORTEM_CAUSES = [
    "a schema change upstream added a nullable column that the reader did not expect",
    "a certificate expired on the internal load balancer",
    "a retry storm after a brief network partition doubled the load",
    "the autoscaler hit the policy's worker cap during the Monday peak",
    "a backfill job shared a cluster with the hourly job and starved it",
    "a config flag meant for dev was merged into the prod environment file",
]
PII_LINES = [
    "Contact: Priya Natarajan, priya.natarajan@example.com, (555) 201-4477.",
    "Escalate to Dr. Owen Maddox on +1 555 013 2290 if the site manager cannot be reached.",
    "The test corporate card 4111 1111 1111 1111 was used for the vendor trial; cancel it afterwards.",
    "Refunds for the pilot customer go to IBAN DE89 3704 0044 0532 0130 00.",
    "The contractor listed SSN 219-09-9999 on the form by mistake; the form was destroyed.",
    "Name: Lucia Ferreira (finance), reachable at lucia.f@example.org.",
    "Ms. Hannah Okafor approved the exception; her direct line is 555-010-7723.",
    "Card on file: 5555-5555-5555-4444, expires 09/29; replace it with a virtual card.",
    "Payment sent to GB82 WEST 1234 5698 7654 32 for the Tacoma lease.",
    "Mr. Tomas Lindqvist (tomas.lindqvist@example.net) is the Joliet safety officer.",
]


def md_doc(title: str, sections: list[tuple[str, list[str]]]) -> str:
    parts = [f"# {title}", ""]
    for heading, paragraphs in sections:
        parts += [f"## {heading}", ""] + [p + "\n" for p in paragraphs]
    return "\n".join(parts).rstrip() + "\n"


def txt_doc(title: str, sections: list[tuple[str, list[str]]]) -> str:
    parts = [title.upper(), ""]
    for heading, paragraphs in sections:
        parts += [heading, "-" * len(heading), ""] + [p + "\n" for p in paragraphs]
    return "\n".join(parts).rstrip() + "\n"


def html_doc(title: str, sections: list[tuple[str, list[str]]]) -> str:
    body = [f"<h1>{escape(title)}</h1>"]
    for heading, paragraphs in sections:
        body.append(f"<h2>{escape(heading)}</h2>")
        body += [f"<p>{escape(p)}</p>" for p in paragraphs]
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8"><title>'
        + escape(title)
        + "</title><style>body{font-family:sans-serif}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n<footer>Tidewater Freight internal handbook</footer>\n</body></html>\n"
    )


def documents(rng: random.Random) -> list[tuple[str, str, list[tuple[str, list[str]]]]]:
    docs = []
    for svc, (what, dep, slo) in SERVICES.items():
        team = rng.choice(TEAMS)
        fill = {"svc": svc, "dep": dep, "slo": slo, "team": team, "verb": rng.choice(VERBS)}
        steps = rng.sample(RUNBOOK_STEPS, 5)
        docs.append(
            (
                f"runbooks/{svc}",
                f"Runbook: {svc}",
                [
                    (
                        "What it does",
                        [
                            f"The {svc} service {what}. It depends on {dep} and is owned by the {team} team.",
                            f"Its service level objective is {slo}, measured over a rolling 28 days.",
                        ],
                    ),
                    (
                        "When it pages",
                        [
                            f"The page fires when the {svc} error budget burns fourteen times faster than "
                            f"allowed for an hour, or {rng.randint(2, 6)} times faster for six hours."
                        ],
                    ),
                    ("Steps", [f"{i}. {s.format(**fill)}" for i, s in enumerate(steps, 1)]),
                ],
            )
        )
        docs.append(
            (
                f"services/{svc}",
                f"Service overview: {svc}",
                [
                    (
                        "Purpose",
                        [
                            f"{svc} {what}. It handles about {rng.randint(2, 90)} thousand requests an hour at peak "
                            f"and stores its state in {dep}."
                        ],
                    ),
                    (
                        "Interfaces",
                        [
                            f"Clients call {svc} through the internal API gateway with a service principal. "
                            f"Batch consumers read its output tables from the {rng.choice(['silver', 'gold'])} "
                            f"schema of the {rng.choice(['llm_dev', 'llm_prod'])} catalog."
                        ],
                    ),
                    (
                        "Ownership",
                        [
                            f"The {team} team owns {svc}. Changes go through a pull request with one review "
                            f"from the owning team and green checks."
                        ],
                    ),
                ],
            )
        )
        q = rng.sample(FAQ, 3)
        docs.append(
            (
                f"faq/{svc}",
                f"FAQ: {svc}",
                [(question.format(**fill), [answer.format(**fill)]) for question, answer in q],
            )
        )
    for number in range(1, 13):
        rules = rng.sample(POLICY_RULES, 4)
        topic = rng.choice(["access", "compute", "data handling", "secrets", "retention", "sharing"])
        docs.append(
            (
                f"policies/policy-{number:02d}",
                f"Policy {number:02d}: {topic}",
                [
                    (
                        "Scope",
                        [
                            f"This policy covers {topic} for every workspace in the {rng.choice(['dev', 'prod'])} "
                            f"environment and for every team, including contractors."
                        ],
                    ),
                    ("Rules", rules),
                    (
                        "Exceptions",
                        [
                            f"An exception needs a ticket, an owner and an end date no more than "
                            f"{rng.choice([30, 60, 90])} days away; the Security team reviews it."
                        ],
                    ),
                ],
            )
        )
    for number in range(1, 16):
        site, svc = rng.choice(SITES), rng.choice(list(SERVICES))
        cause = rng.choice(POSTMORTEM_CAUSES)
        minutes = rng.randint(12, 240)
        docs.append(
            (
                f"postmortems/pm-{number:03d}",
                f"Postmortem {number:03d}: {svc} degraded at {site}",
                [
                    (
                        "Summary",
                        [
                            f"For {minutes} minutes the {svc} service was degraded for the {site} site. "
                            f"The cause was that {cause}."
                        ],
                    ),
                    (
                        "Timeline",
                        [
                            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d} the first alert fired.",
                            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d} the on-call engineer "
                            f"decided to {rng.choice(VERBS)} the latest deploy.",
                            "The error rate returned to normal and the incident was closed.",
                        ],
                    ),
                    (
                        "What we change",
                        [
                            f"Add an expectation that catches this before it reaches {svc}.",
                            f"Document the recovery in the {svc} runbook.",
                            "Review the alert threshold with the owning team.",
                        ],
                    ),
                ],
            )
        )
    for number in range(1, 11):
        chosen = rng.sample(ADR_OPTIONS, 3)
        subject = rng.choice(["document search", "tracking ingestion", "invoice exports", "ETA features"])
        docs.append(
            (
                f"decisions/adr-{number:03d}",
                f"ADR {number:03d}: {subject}",
                [
                    (
                        "Context",
                        [
                            f"We need a way to keep {subject} current without running more infrastructure than "
                            f"a team of {rng.randint(3, 8)} can operate."
                        ],
                    ),
                    ("Options", [f"{name.capitalize()}: {why}." for name, why in chosen]),
                    (
                        "Decision",
                        [
                            f"We chose {chosen[0][0]}, because it is {chosen[0][1].split(' but ')[0]}. "
                            f"We will revisit this in {rng.choice(['six months', 'a year'])}."
                        ],
                    ),
                ],
            )
        )
    for site in SITES:
        docs.append(
            (
                f"sites/{site.lower()}",
                f"Site guide: {site}",
                [
                    (
                        "Hours",
                        [
                            f"The {site} terminal runs {rng.choice(['two', 'three'])} shifts; the yard closes "
                            f"from {rng.randint(1, 3)} am to {rng.randint(4, 5)} am for maintenance."
                        ],
                    ),
                    (
                        "Systems",
                        [
                            f"{site} uses the yard service for dock doors and reads ETA predictions every "
                            f"{rng.choice([5, 10, 15])} minutes."
                        ],
                    ),
                    (
                        "Safety",
                        [
                            "Visitors sign in at the gate and wear a vest in the yard at all times.",
                            "Report near misses in the safety form on the same day.",
                        ],
                    ),
                ],
            )
        )
    glossary = [
        "bill of lading",
        "tender",
        "proof of delivery",
        "detention",
        "drayage",
        "lane",
        "accessorial",
        "cross-dock",
        "deadhead",
        "linehaul",
        "chassis",
        "demurrage",
    ]
    for term in glossary:
        docs.append(
            (
                f"glossary/{term.replace(' ', '-')}",
                f"Glossary: {term}",
                [
                    (
                        "Meaning",
                        [
                            f"In Tidewater's systems, {term} is used as the industry defines it; the data model "
                            f"stores it in the {rng.choice(list(SERVICES))} tables."
                        ],
                    ),
                    (
                        "Example",
                        [
                            f"A dispatcher might say: the {term} on this load needs a second look before the "
                            f"{rng.choice(SITES)} cut-off."
                        ],
                    ),
                ],
            )
        )
    onboarding = [
        "first week",
        "laptop and accounts",
        "on-call",
        "writing a runbook",
        "using the handbook search",
        "requesting data access",
        "cost awareness",
        "release process",
        "code review",
        "incident roles",
    ]
    for topic in onboarding:
        docs.append(
            (
                f"onboarding/{topic.replace(' ', '-')}",
                f"Onboarding: {topic}",
                [
                    (
                        "Why it matters",
                        [
                            f"New engineers ask about {topic} in their first month more than anything "
                            f"else, so this page keeps the answer short."
                        ],
                    ),
                    (
                        "What to do",
                        rng.sample(
                            POLICY_RULES
                            + [
                                s.format(
                                    svc="your service",
                                    dep="its dependency",
                                    slo="its objective",
                                    verb="roll back",
                                )
                                for s in RUNBOOK_STEPS
                            ],
                            3,
                        ),
                    ),
                ],
            )
        )
    return docs


def main() -> None:
    rng = random.Random(20261126)
    docs = documents(rng)
    pii_targets = rng.sample(range(len(docs)), len(PII_LINES))
    shutil.rmtree(OUT, ignore_errors=True)
    for index, (stem, title, sections) in enumerate(docs):
        if index in pii_targets:
            heading, paragraphs = sections[-1]
            sections[-1] = (heading, [*paragraphs, PII_LINES[pii_targets.index(index)]])
        kind = ("md", "md", "md", "txt", "html")[index % 5]
        text = {"md": md_doc, "txt": txt_doc, "html": html_doc}[kind](title, sections)
        path = OUT / f"{stem}.{kind}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    # An exact and a near duplicate, as real exports have.
    policy = next((OUT / "policies").glob("policy-03.*"))
    near = policy.read_text().replace("every team", "every single team", 1)
    assert near != policy.read_text()
    (OUT / "wip").mkdir()
    (OUT / "wip" / f"policy-03-draft{policy.suffix}").write_text(near)
    (OUT / "runbooks" / "old").mkdir()
    (OUT / "runbooks" / "old" / "dispatch.md").write_text(
        (OUT / "runbooks").glob("dispatch.*").__next__().read_text()
    )
    print(f"wrote {len(docs) + 2} documents to {OUT}")


if __name__ == "__main__":
    main()
