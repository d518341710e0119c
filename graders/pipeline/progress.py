"""Progress of a long grading run: submissions done, how many fell short, time left.

On a terminal it is a rich progress bar on stderr; in a log (CI, a batch job) it prints a
plain line each time another tenth of the class is done.
"""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from graders.grading.results import StudentResult


class GradingProgress:
    def __init__(self, total: int, skipped: int = 0, quiet: bool = False):
        self.total, self.done, self.short, self.quiet = total, 0, 0, quiet
        self.started = time.monotonic()
        self.console = Console(stderr=True)
        self.bar: Progress | None = None
        self.next_line = 0.1
        if quiet:
            return
        if skipped:
            print(
                f"{skipped} submission(s) unchanged since their last grading: kept (use --force to regrade)",
                file=sys.stderr,
            )
        if self.console.is_terminal and total:
            self.bar = Progress(
                TextColumn("grading"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[short]} below full marks"),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=self.console,
            )
            self.task = self.bar.add_task("grading", total=total, short=0)
            self.bar.start()

    def graded(self, result: StudentResult) -> None:
        self.done += 1
        self.short += result.score < result.max_score
        if self.bar is not None:
            self.bar.update(self.task, advance=1, short=self.short)
        elif not self.quiet and self.total and self.done / self.total >= self.next_line - 1e-9:
            elapsed = time.monotonic() - self.started
            left = elapsed / self.done * (self.total - self.done)
            print(
                f"graded {self.done}/{self.total}, {self.short} below full marks, "
                f"{elapsed:.0f} s elapsed, about {left:.0f} s left",
                file=sys.stderr,
            )
            self.next_line = (int(self.done / self.total * 10) + 1) / 10

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
