"""Rich renderings of the rollout commands' results for people (`--json` prints the objects instead)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text


def _served(release: dict) -> str:
    champion = release.get("champion", {}).get("version")
    challenger = release.get("challenger")
    if champion is None:
        return "nothing served"
    if challenger is None:
        return f"v{champion} 100%"
    share = challenger["traffic_percent"]
    return f"v{champion} {100 - share}% + v{challenger['version']} {share}%"


def step_view(result: dict) -> Group:
    table = Table(title=f"rollout {result['action']}: {result['environment']} / {result['endpoint']}")
    for column in ("gate", "result", "detail"):
        table.add_column(column)
    for gate in result["gates"]:
        table.add_row(gate["name"], "[green]pass" if gate["passed"] else "[red]breach", gate["detail"])
    lines = [f"{_served(result['before'])} -> {_served(result['after'])}; written to {result['file']}"]
    if result["override"]:
        o = result["override"]
        lines.append(
            f"frozen, proceeding under the override of {o['owner']} until {o['expires']}: {o['reason']}"
        )
    moved = ", ".join(f"{a} -> {'(removed)' if v is None else v}" for a, v in result["aliases"].items())
    if moved:
        lines.append(f"aliases: {moved}")
    return Group(table, Text("\n".join(lines)))
