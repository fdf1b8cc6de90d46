"""Rich renderings of the RAG commands' results for people (`--json` prints the objects instead)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text


def answer_view(answer: dict) -> Group:
    table = Table(title="citations", show_lines=False)
    for column in ("chunk", "document", "source", "score"):
        table.add_column(column)
    for c in answer["citations"]:
        table.add_row(c["chunk_id"][:12], c["doc_id"], c["source"], f"{c['score']:.4f}")
    notes = [f"prompt {answer['prompt']['uri']}", f"{answer['latency_ms']:.0f} ms"]
    notes += [f"{g['stage']} {g['action']}: {g['reason']}" for g in answer["guardrails"]]
    header = Text(answer["answer"], style="yellow" if answer["fallback"] else "")
    return Group(header, table, Text("; ".join(notes), style="dim"))


def eval_view(result: dict) -> Group:
    systems = Table(
        title=f"retrieval ({result['questions']} questions, {result['corpus_documents']} documents)"
    )
    names = list(next(iter(result["systems"].values())))
    backends = result.get("backends") or {"": {"systems": result["systems"]}}
    systems.add_column("backend")
    systems.add_column("system")
    for name in names:
        systems.add_column(name, justify="right")
    for backend, measured in backends.items():
        for system, values in measured["systems"].items():
            systems.add_row(backend, system, *(f"{values[n]:.4f}" for n in names))
    answers = Table(title=f"answers ({result['answered']} questions)")
    answers.add_column("metric")
    answers.add_column("value", justify="right")
    for name, value in result["answers"].items():
        answers.add_row(name, f"{value:.4f}" if isinstance(value, float) else str(value))
    lat = result["retrieval_latency_ms"]
    tail = (
        f"hybrid retrieval latency p50 {lat['p50']:.2f} ms, p99 {lat['p99']:.2f} ms; run {result['run_id']}"
    )
    if result.get("model_version"):
        tail += f"; registered version {result['model_version']} as candidate"
    return Group(systems, answers, Text(tail, style="dim"))


def release_view(result: dict) -> Table:
    title = f"release {result['model']} v{result['candidate']}: " + (
        "promoted to champion" if result["promoted"] else "blocked"
    )
    table = Table(title=title)
    for column in ("metric", "value", "needs", "ok"):
        table.add_column(column)
    for c in result["checks"]:
        value = "missing" if c["value"] is None else f"{c['value']:.4f}"
        table.add_row(
            c["metric"], value, f"{c['operator']} {c['threshold']:g}", "yes" if c["passed"] else "NO"
        )
    return table


def monitor_view(result: dict) -> Table:
    table = Table(
        title=f"drift: {result['recent_size']} recent vs {result['reference_size']} reference requests"
    )
    for column in ("signal", "method", "PSI", "KS", "p", "reference", "recent", "breach"):
        table.add_column(column)
    for s in result["signals"]:
        ks = "" if s["ks"] is None else f"{s['ks']:.3f}"
        p = "" if s["p_value"] is None else f"{s['p_value']:.3g}"
        table.add_row(
            s["name"],
            s["method"],
            f"{s['psi']:.3f}",
            ks,
            p,
            f"{s['reference']:.3f}",
            f"{s['recent']:.3f}",
            "BREACH" if s["breach"] else "",
        )
    return table


def shadow_view(report: dict) -> Group:
    table = Table(
        title=f"shadow: challenger {report['challenger']} against champion {report['champion']} "
        f"on {report['requests']} replayed requests ({report['skipped']} skipped)"
    )
    for column in ("metric", "champion", "challenger", "needs", "result"):
        table.add_column(column)
    for c in report["checks"]:
        table.add_row(
            c["metric"],
            f"{c['champion']:g}",
            f"{c['challenger']:g}",
            f"{c['operator']} {c['threshold']:g}",
            "[green]pass" if c["passed"] else "[red]FAIL",
        )
    return Group(table, Text(f"{len(report['disagreements'])} request(s) answered differently", style="dim"))
