"""Rich progress bars, one per pipeline stage, drawn on stderr so that `--json` stdout stays clean."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lakeward.output import errors


@contextmanager
def stage_bars(enabled: bool = True) -> Iterator[Callable[[str, int], Callable[[int], None]]]:
    """Yield the `progress(stage, total)` callback that `run_pipeline` takes."""
    bars = Progress(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        disable=not enabled,
        transient=False,
    )

    def start(stage: str, total: int) -> Callable[[int], None]:
        task = bars.add_task(stage, total=max(total, 1) if total else 1, completed=0 if total else 1)
        return lambda done: bars.advance(task, done)

    with bars:
        yield start
