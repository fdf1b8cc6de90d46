"""The evidence commands' console text for people (`--json` prints the result objects instead)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.markup import escape
from rich.text import Text

from lakeward.evidence.diff import has_changes
from lakeward.output import line

if TYPE_CHECKING:
    from lakeward.evidence.bundle import ExportResult
    from lakeward.evidence.keys import KeyPair
    from lakeward.evidence.publish import PublishResult
    from lakeward.evidence.verifier import Verification


def keygen_view(pair: KeyPair) -> Group:
    """Where the keys are; the fingerprint alone on the last line, for scripts."""
    paths = line(f"private key {pair.private} (keep secret)\npublic key  {pair.public}", highlight=True)
    return Group(paths, Text(pair.fingerprint, no_wrap=True, overflow="ignore"))


def export_view(result: ExportResult) -> Text:
    counts = ", ".join(f"{count} {name}" for name, count in result.controls.items() if count)
    return line(
        f"[green]bundle[/] {result.bundle} #{result.sequence}\ndigest {result.digest}\ncontrols: {counts}",
        highlight=True,
    )


# What to do about a bundle that does not verify, by the verifier's exit code.
FIXES = {
    2: "pass an evidence bundle folder and the *.pub.pem file `lakeward evidence keygen` wrote",
    3: "the bundle changed after signing: fetch the published copy again; do not trust this one",
    4: "check --pubkey is the signer's key; a bad signature means the bundle must not be trusted",
    5: "pass --previous the bundle this one chains to, or export a new chain",
}


def verify_view(result: Verification) -> Group:
    """Each problem, each stale item, then the verdict with the digest and the chain."""
    lines = [line(f"[red]FAIL[/] [{code}] {escape(message)}") for code, message in result.problems]
    lines += [line(f"[yellow]stale[/] {escape(item)} is past its expires_at") for item in result.stale]
    if result.problems:
        lines.append(line(f"  fix: {escape(FIXES[result.exit_code])}"))
    verdict = "[green]verified[/]" if result.ok else "[red]NOT verified[/]"
    lines.append(
        line(
            f"{verdict} {result.bundle}: digest {result.digest}, chain {escape(result.chain)}",
            highlight=True,
            wrap=False,
        )
    )
    lines.append(line(f"drift report: {escape(result.drift)}"))
    return Group(*lines)


def diff_view(diff: dict[str, dict[str, Any]]) -> Group:
    """One line per added (+), removed (-) or changed (~) fact, by section."""
    lines = []
    for section, parts in diff.items():
        for kind, sign in (("added", "+"), ("removed", "-"), ("changed", "~")):
            for key, value in parts[kind].items():
                shown = " -> ".join(value) if kind == "changed" else value
                lines.append(line(f"{section:15} {sign} {escape(key)}: {escape(str(shown))}", wrap=False))
    if not has_changes(diff):
        lines.append(line("no differences", highlight=True))
    return Group(*lines)


def publish_view(result: PublishResult) -> Text:
    return line(
        f"published {result.objects} objects to s3://{result.bucket}/{result.prefix} "
        f"(COMPLIANCE until {result.retain_until})",
        highlight=True,
    )
