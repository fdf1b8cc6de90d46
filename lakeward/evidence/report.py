"""The bundle's HTML report: one self-contained file (inline CSS and SVG, no script, no network)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from html import escape
from typing import Any

from lakeward.evidence.controls import STATUSES, Control
from lakeward.evidence.items import Item

COLORS = {
    "pass": "#1a7f37",
    "fail": "#cf222e",
    "waived": "#9a6700",
    "manual": "#6639ba",
    "not evaluated": "#6e7781",
    "stale": "#bc4c00",
    "collected": "#1a7f37",
    "CRITICAL": "#8b0000",
    "HIGH": "#cf222e",
    "MEDIUM": "#bc4c00",
    "LOW": "#9a6700",
    "passed": "#1a7f37",
    "failed": "#cf222e",
}
CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#1f2328}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f6f8fa}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;white-space:nowrap}
.meta{color:#57606a}.sup{font-size:12px;color:#57606a}
details summary{cursor:pointer}.counts span{margin-right:14px}svg text{font:12px system-ui,sans-serif}
"""


def _badge(status: str) -> str:
    return f'<span class="badge" style="background:{COLORS.get(status, "#6e7781")}">{escape(status)}</span>'


def _bar_chart(title: str, series: dict[str, dict[str, float]], keys: list[str], fmt: str = "{:.0f}") -> str:
    """Horizontal stacked bars: one row per label, one segment per key."""
    if not series:
        return f"<p class='meta'>{escape(title)}: no data collected.</p>"
    width, row, left = 720, 26, 250
    top = max(sum(values.get(k, 0) for k in keys) for values in series.values()) or 1
    height = row * len(series) + 30
    parts = [f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}">']
    for i, (label, values) in enumerate(series.items()):
        y, x = 10 + i * row, float(left)
        parts.append(f'<text x="0" y="{y + 14}">{escape(label[:38])}<title>{escape(label)}</title></text>')
        for key in keys:
            value = values.get(key, 0)
            w = (width - left - 60) * value / top
            if w > 0:
                fill = COLORS.get(key, "#0969da")
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="18" fill="{fill}">'
                    f"<title>{escape(key)}: {fmt.format(value)}</title></rect>"
                )
                x += w
        total = sum(values.get(k, 0) for k in keys)
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 14}">{fmt.format(total)}</text>')
    legend_y = height - 6
    for j, key in enumerate(keys):
        x = left + j * 110
        parts.append(
            f'<rect x="{x}" y="{legend_y - 10}" width="10" height="10" fill="{COLORS.get(key, "#0969da")}"/>'
            f'<text x="{x + 14}" y="{legend_y}">{escape(key)}</text>'
        )
    parts.append("</svg>")
    return f"<h3>{escape(title)}</h3>" + "".join(parts)


def findings_chart(items: list[Item]) -> str:
    scan = next((i for i in items if i.kind == "scan" and "scan/findings.json" in i.files), None)
    series: dict[str, dict[str, float]] = {}
    if scan is not None:
        counts = Counter((f["severity"], f["status"]) for f in json.loads(scan.files["scan/findings.json"]))
        for severity in ("CRITICAL", "HIGH", "MEDIUM", "LOW"):
            row = {status: float(counts[(severity, status)]) for status in ("failed", "waived", "passed")}
            if sum(row.values()):
                series[severity] = row
    return _bar_chart("Findings by severity", series, ["failed", "waived", "passed"])


def metrics_chart(items: list[Item]) -> str:
    evaluations = next((i for i in items if i.kind == "evaluations" and i.files), None)
    latest: dict[str, float] = {}
    if evaluations is not None:
        for run in json.loads(evaluations.files["mlflow/evaluations.json"]):
            for metric, value in run["metrics"].items():
                latest[f"{run['experiment']}/{metric}"] = value
    series = {name: {"value": value} for name, value in sorted(latest.items())[:30]}
    return _bar_chart("Evaluation metrics (latest run per experiment)", series, ["value"], "{:.3f}")


def lineage_svg(items: list[Item]) -> str:
    """Datasets and jobs laid out in columns by their distance from the sources."""
    lineage = next((i for i in items if i.kind == "lineage" and i.files), None)
    if lineage is None:
        return "<p class='meta'>Lineage: not evaluated (no OpenLineage events collected).</p>"
    graph = json.loads(lineage.files["lineage/graph.json"])
    incoming: dict[str, list[str]] = defaultdict(list)
    for edge in graph["edges"]:
        incoming[edge["to"]].append(edge["from"])
    depth = {node["id"]: 0 for node in graph["nodes"]}
    for _ in range(len(depth)):
        changed = False
        for node, parents in incoming.items():
            new = max(depth[p] + 1 for p in parents)
            if new > depth[node] and new < len(depth):
                depth[node], changed = new, True
        if not changed:
            break
    columns: dict[int, list[str]] = defaultdict(list)
    for node in sorted(depth):
        columns[depth[node]].append(node)
    col_w, row_h, box_w = 190, 48, 160
    pos = {n: (10 + d * col_w, 10 + r * row_h) for d, nodes in columns.items() for r, n in enumerate(nodes)}
    width = 20 + (max(columns) + 1) * col_w
    height = 20 + max(len(nodes) for nodes in columns.values()) * row_h
    kinds = {node["id"]: node["type"] for node in graph["nodes"]}
    parts = [
        f'<svg role="img" aria-label="Lineage graph" viewBox="0 0 {width} {height}" '
        f'style="width:100%;max-width:{width}px;height:auto">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto"><path d="M0,0L10,5L0,10z" fill="#57606a"/></marker></defs>',
    ]
    for edge in graph["edges"]:
        (x1, y1), (x2, y2) = pos[edge["from"]], pos[edge["to"]]
        parts.append(
            f'<line x1="{x1 + box_w}" y1="{y1 + 15}" x2="{x2}" y2="{y2 + 15}" stroke="#57606a" '
            'marker-end="url(#arrow)"/>'
        )
    for node, (x, y) in pos.items():
        job = kinds[node] == "job"
        fill, rx = ("#ddf4ff", 4) if job else ("#fff8c5", 14)
        label = node.rsplit("/", 1)[-1]
        parts.append(
            f'<rect class="{kinds[node]}" x="{x}" y="{y}" width="{box_w}" height="30" rx="{rx}" '
            f'fill="{fill}" stroke="#57606a"><title>{escape(node)}</title></rect>'
            f'<text x="{x + 8}" y="{y + 19}">{escape(label[:24])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _control_row(control: Control) -> str:
    supports = "".join(
        f"<li>{_badge(s.status)} {escape(s.type)} <code>{escape(s.ref)}</code>: {escape(s.rationale)}"
        f"<span class='sup'> ({escape(s.detail)})</span></li>"
        for s in control.supports
    )
    manual = f"<li>manual: {escape(control.manual)}</li>" if control.manual else ""
    why = f"<div class='sup'>{escape(control.rationale)}</div>" if control.rationale else ""
    cells = [
        f"<code>{escape(control.id)}</code>",
        escape(control.framework),
        f"{escape(control.title)}{why}<details><summary>{escape(control.detail)}</summary>"
        f"<ul>{supports}{manual}</ul></details>",
        _badge(control.status),
    ]
    return f"<tr class='control' data-status='{escape(control.status)}'>" + _cells(cells) + "</tr>"


def _item_row(item: Item) -> str:
    cells = [
        f"<code>{escape(item.id)}</code>",
        escape(item.title),
        _badge(item.status),
        escape(item.collected_at or "-"),
        escape(item.expires_at or "-"),
        escape(item.note),
    ]
    return "<tr class='item'>" + _cells(cells) + "</tr>"


def _cells(cells: list[str]) -> str:
    return "".join(f"<td>{cell}</td>" for cell in cells)


def _head(*names: str) -> str:
    return "<thead><tr>" + "".join(f"<th>{name}</th>" for name in names) + "</tr></thead>"


def render(meta: dict[str, Any], controls: list[Control], items: list[Item]) -> str:
    """The whole report as one HTML document."""
    counts = Counter(c.status for c in controls)
    summary = "".join(f"<span>{_badge(s)} {counts.get(s, 0)}</span>" for s in STATUSES)
    previous = meta.get("previous") or {}
    chain = f"follows {escape(previous['digest'])}" if previous else "first of its chain"
    title = f"Lakeward audit evidence: {escape(meta['environment'])}"
    commit = escape(str(meta.get("commit")))
    controls_table = _head("Control", "Framework", "Title and supports", "Status") + "<tbody>"
    controls_table += "".join(_control_row(c) for c in controls) + "</tbody>"
    items_table = _head("Item", "What", "Status", "Collected", "Expires", "Note") + "<tbody>"
    items_table += "".join(_item_row(i) for i in items) + "</tbody>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>{CSS}</style></head><body>
<h1>{title}</h1>
<p class="meta">Collected {escape(meta["created"])} from commit <code>{commit}</code>;
bundle #{meta["sequence"]}, {chain}.
Verify offline with <code>lakeward evidence verify</code> or <code>scripts/verify_evidence.py</code>.</p>
<h2>Controls</h2><p class="counts">{summary}</p>
<table id="controls">{controls_table}</table>
<h2>Charts</h2>{findings_chart(items)}{metrics_chart(items)}
<h2>Lineage</h2>{lineage_svg(items)}
<h2>Evidence items</h2><table id="items">{items_table}</table>
</body></html>
"""
