"""Lineage from OpenLineage run events (JSON array, one event per line, or a folder of those)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from lakeward.errors import LakewardError
from lakeward.evidence.items import Item, not_evaluated, parse_time
from lakeward.evidence.verifier import canonical_json

TITLE = "Lineage (OpenLineage events)"


def read_events(path: Path) -> list[dict[str, Any]]:
    files = (
        sorted(p for p in path.rglob("*") if p.suffix in (".json", ".jsonl", ".ndjson"))
        if path.is_dir()
        else [path]
    )
    events: list[dict[str, Any]] = []
    for file in files:
        text = file.read_text(encoding="utf-8")
        try:
            loaded = (
                json.loads(text)
                if file.suffix == ".json"
                else [json.loads(x) for x in text.splitlines() if x.strip()]
            )
        except ValueError as exc:
            raise LakewardError(
                f"not valid JSON: {exc}", source=str(file), fix="one OpenLineage event per line"
            ) from None
        for index, event in enumerate(loaded if isinstance(loaded, list) else [loaded]):
            for field in ("eventTime", "job", "run"):
                if not isinstance(event, dict) or field not in event:
                    raise LakewardError(
                        f"event {index} has no {field}",
                        source=str(file),
                        field=field,
                        fix="write OpenLineage RunEvents (eventType, eventTime, run, job, inputs, outputs)",
                    )
            events.append(event)
    return events


def _dataset(ref: dict[str, Any]) -> str:
    return f"{ref.get('namespace', '')}/{ref.get('name', '')}"


def lineage_graph(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Nodes (datasets and jobs) and edges (dataset -> job -> dataset) of the completed runs."""
    nodes: dict[str, str] = {}
    edges: set[tuple[str, str]] = set()
    for event in events:
        if event.get("eventType", "COMPLETE") not in ("COMPLETE", "RUNNING", "START"):
            continue
        job = f"{event['job'].get('namespace', '')}/{event['job'].get('name', '')}"
        nodes[job] = "job"
        for ref in event.get("inputs", []):
            nodes[_dataset(ref)] = "dataset"
            edges.add((_dataset(ref), job))
        for ref in event.get("outputs", []):
            nodes[_dataset(ref)] = "dataset"
            edges.add((job, _dataset(ref)))
    return {
        "nodes": [{"id": node, "type": kind} for node, kind in sorted(nodes.items())],
        "edges": [{"from": a, "to": b} for a, b in sorted(edges)],
    }


def collect_lineage(path: Path | None, now: dt.datetime) -> Item:
    if path is None or not path.exists():
        return not_evaluated(
            "lineage", "lineage", TITLE, str(path), "no OpenLineage events given (--lineage)"
        )
    events = read_events(path)
    if not events:
        return not_evaluated("lineage", "lineage", TITLE, str(path), "no events in the lineage source")
    graph = lineage_graph(events)
    latest = max((t for t in (parse_time(e["eventTime"]) for e in events) if t), default=None)
    failed = sum(e.get("eventType") in ("FAIL", "ABORT") for e in events)
    summary = {
        "events": len(events),
        "jobs": sum(n["type"] == "job" for n in graph["nodes"]),
        "datasets": sum(n["type"] == "dataset" for n in graph["nodes"]),
        "edges": len(graph["edges"]),
        "failed_runs": failed,
    }
    files = {"lineage/events.json": canonical_json(events), "lineage/graph.json": canonical_json(graph)}
    return Item("lineage", "lineage", TITLE, path.name, summary=summary, files=files).stamp(now, latest)
