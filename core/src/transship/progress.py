"""Progress display for long operations: rows, rows/s and ETA per table, off with ``--disable-pb``."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Column
from rich.text import Text


class RateColumn(ProgressColumn):
    """Rows per second: the recent speed, or over the whole task once it is finished (a table loaded faster
    than the speed window still gets its rate)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if not speed and task.finished and task.elapsed:
            speed = task.completed / task.elapsed if task.elapsed > 0 else None
        return Text(f"{speed:,.0f} rows/s" if speed else "", no_wrap=True, overflow="ellipsis")


class CountColumn(ProgressColumn):
    """``done/total`` rows with thousands separators (``done`` alone while the total is unknown)."""

    def render(self, task: Task) -> Text:
        done = f"{int(task.completed):,}"
        text = f"{done}/{int(task.total):,}" if task.total is not None else done
        return Text(text, style="progress.download", no_wrap=True)


class RowProgress:
    """One bar per table plus nothing else; a no-op when disabled."""

    def __init__(self, console: Console, disabled: bool) -> None:
        self.disabled = disabled
        self._progress = Progress(
            # the name gives way first on a narrow terminal: counts, rate and times are never cut or wrapped
            TextColumn("{task.description}", table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis")),
            BarColumn(bar_width=10),
            CountColumn(table_column=Column(no_wrap=True, min_width=19, justify="right")),
            RateColumn(table_column=Column(no_wrap=True, min_width=14, justify="right")),
            TimeElapsedColumn(table_column=Column(no_wrap=True, min_width=7)),
            TextColumn("ETA", table_column=Column(no_wrap=True, min_width=3)),
            TimeRemainingColumn(table_column=Column(no_wrap=True, min_width=7)),
            console=console,
            disable=disabled,
            transient=False,
            expand=True,  # the name column (ratio 1) takes what the fixed columns leave
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
