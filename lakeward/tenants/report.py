"""The tenant commands' console text for people (`lakeward tenant plan` prints its own markdown)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group
from rich.text import Text

from lakeward.output import line
from lakeward.tenants.model import Tenant
from lakeward.tenants.offboard import Removal


def created_view(name: str, path: Path) -> Text:
    return line(f"[green]wrote[/] {path}: review it, then `lakeward tenant plan {name}`", highlight=True)


def validated_view(paths: list[Path], tenants: list[Tenant]) -> Group:
    """One `ok` line per spec with its data classification."""
    return Group(
        *(
            line(f"[green]ok[/] {path} ({tenant.metadata.data_classification.value})", highlight=True)
            for path, tenant in zip(paths, tenants, strict=True)
        )
    )


def removal_view(removal: Removal) -> Text:
    verb = "destroyed" if removal.mode == "destroy" else "archived"
    return line(
        f"[green]{verb}[/] {removal.tenant} ({removal.path}); deploy or destroy: {', '.join(removal.stacks)}",
        highlight=True,
    )
