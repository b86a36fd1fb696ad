"""Progress display for long operations: rows, rows/s and ETA per table, off with ``--disable-pb``."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Rows per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "- rows/s")


class RowProgress:
    """One bar per table plus nothing else; a no-op when disabled."""

    def __init__(self, console: Console, disabled: bool) -> None:
        self.disabled = disabled
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            disable=disabled,
            transient=False,
        )

    def __enter__(self) -> RowProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._progress.__exit__(*exc)

    def add(self, description: str, total: int | None) -> TaskID:
        return self._progress.add_task(description, total=total or None)

    def advance(self, task: TaskID, rows: int) -> None:
        self._progress.advance(task, rows)

    def note(self, text: str) -> None:
        """A line above the bars (printed as it is when the bars are off)."""
        self._progress.console.print(text, markup=False, highlight=False)

    def finish(self, task: TaskID, rows: int) -> None:
        self._progress.update(task, total=rows, completed=rows)
