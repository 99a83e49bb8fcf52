"""What a build tells the person running it while it runs: a bar per stage, with rows per second.

The pipeline talks to a `Reporter`; the CLI gives it a rich one, tests and the Python API a
silent one. A stage has steps (files, tables, SQL files) and counts the rows it handled.
"""

from __future__ import annotations

import time


class Reporter:
    """Silent: the Python API's default."""

    def start(self, stage: str, steps: int | None = None) -> None:
        pass

    def step(self, label: str = "", rows: int = 0) -> None:
        pass

    def finish(self, rows: int | None = None) -> None:
        pass


class CallbackReporter(Reporter):
    """The older API: one call with the stage's name as each stage starts."""

    def __init__(self, fn):
        self.fn = fn

    def start(self, stage: str, steps: int | None = None) -> None:
        self.fn(stage)


class RichReporter(Reporter):
    """A rich progress bar per stage: steps done, rows handled, rows per second, time."""

    def __init__(self, console):
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("[bold]{task.fields[stage]:<11}"), BarColumn(bar_width=24),
            TextColumn("{task.completed:>3.0f}/{task.total:<3.0f}"),
            TextColumn("{task.fields[rows]:>12,} baris/rows"), TextColumn("{task.fields[rate]:>10} rows/s"),
            TimeElapsedColumn(), TextColumn("[dim]{task.fields[label]}"),
            console=console, transient=False)
        self.task = None
        self.rows = 0
        self.t0 = 0.0

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()

    def _rate(self) -> str:
        dt = time.perf_counter() - self.t0
        return f"{self.rows / dt:,.0f}" if self.rows and dt > 0 else "–"

    def start(self, stage: str, steps: int | None = None) -> None:
        self.rows, self.t0 = 0, time.perf_counter()
        self.task = self.progress.add_task(stage, total=steps or 1, stage=stage, rows=0, rate="–", label="")

    def step(self, label: str = "", rows: int = 0) -> None:
        self.rows += rows
        self.progress.update(self.task, advance=1, rows=self.rows, rate=self._rate(), label=label)

    def finish(self, rows: int | None = None) -> None:
        if rows is not None and rows > self.rows:
            self.rows = rows
        total = self.progress.tasks[self.task].total
        self.progress.update(self.task, completed=total, rows=self.rows, rate=self._rate(), label="")
