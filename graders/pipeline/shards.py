"""Running the hidden graders over groups of submissions, each group in one pytest process.

A shard is one ``python -m pytest`` process over the hidden graders of the chosen lessons
with one ``--submission`` per student; it writes ``<out>/<student>/result.json`` for each
student as soon as that student is done.  ``LocalExecutor`` runs ``jobs`` shards side by
side on this machine; graders/pipeline/cluster.py runs the same command on Dask workers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from graders.course.errors import HarnessError
from graders.course.model import Course, Lesson

LOG_DIR = ".logs"


@dataclass(frozen=True)
class ShardSpec:
    """What every shard of one grading run shares."""

    course: Course
    lessons: tuple[Lesson, ...]
    device: str = "all"
    sandbox: str = "auto"
    child_walls: str = "auto"

    def command(self, submissions: list[tuple[str, Path]], results_dir: Path) -> list[str]:
        """The pytest command line of one shard."""
        files = sorted(
            {
                str(self.course.grader_file(e.lesson, e.module))
                for lesson in self.lessons
                for e in lesson.exercises
            }
        )
        root = self.course.root
        args = [
            sys.executable,
            "-m",
            "pytest",
            *files,
            # --tb=no: result.json holds every message; pytest's failure section only costs time
            # (it scans every report for each failure).  Internal grader errors keep their traceback.
            # -s: no student code runs in this process, so there is nothing of it to capture, and
            # a grader's own print (or warning: no:warnings) goes straight to the shard's log, at
            # no cost per case.  Plugins are named, never discovered (see ``environment``).
            "-p",
            "graders.grading.plugin",
            "-p",
            "timeout",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:logging",
            "-p",
            "no:warnings",
            "-q",
            "-s",
            "--no-header",
            "--tb=no",
            "--rootdir",
            str(root),
            "-c",
            str(root / "graders" / "pytest.ini"),
            "--course",
            str(self.course.file or root / "course.toml"),
            "--results-dir",
            str(results_dir),
            "--device",
            self.device,
            "--sandbox",
            self.sandbox,
            "--child-walls",
            self.child_walls,
        ]
        for student, folder in submissions:
            args += ["--submission", f"{student}={Path(folder).resolve()}"]
        return args

    def environment(self) -> dict[str, str]:
        """The shard's environment: the course on the path, and no pytest plugin but the ones named.

        Whatever plugins the instructor's environment happens to have installed stay out of
        grading: one that reorders, reruns or skips tests (pytest-randomly, pytest-rerunfailures)
        would change grades, and every plugin's per-test hooks cost time on each of a class's
        many thousand cases.
        """
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(self.course.root), env.get("PYTHONPATH")])
        )
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        return env


def run_shard(
    spec: ShardSpec, submissions: list[tuple[str, Path]], results_dir: Path, log: Path
) -> None:
    """Grade ``submissions`` in one pytest process; raises HarnessError if the graders could not run."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as handle:
        process = subprocess.run(
            spec.command(submissions, results_dir),
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=spec.course.root,
            env=spec.environment(),
        )
    check_exit(process.returncode, log)


def check_exit(returncode: int, log: Path) -> None:
    if returncode not in (0, 1):  # 1: some tests failed, which is what grading is for
        tail = log.read_text(errors="replace").strip().splitlines()[-5:] if log.is_file() else []
        raise HarnessError(
            f"the hidden graders could not run (pytest exit code {returncode}); see {log}: {' | '.join(tail)}"
        )


class LocalExecutor:
    """``jobs`` shards as subprocesses on this machine; students are dealt round-robin."""

    def __init__(self, jobs: int):
        self.jobs = jobs

    def run(
        self,
        spec: ShardSpec,
        submissions: list[tuple[str, Path]],
        out: Path,
        poll: Callable[[], None],
    ) -> None:
        jobs = max(1, min(self.jobs, len(submissions)))
        shards = [submissions[i::jobs] for i in range(jobs)]
        running = []
        for number, shard in enumerate(shards):
            log = out / LOG_DIR / f"shard-{number}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            handle = log.open("w")
            process = subprocess.Popen(
                spec.command(shard, out),
                stdout=handle,
                stderr=subprocess.STDOUT,
                cwd=spec.course.root,
                env=spec.environment(),
            )
            running.append((process, handle, log))
        try:
            while any(process.poll() is None for process, _, _ in running):
                poll()
                time.sleep(0.2)
            poll()
        except BaseException:  # Ctrl-C: stop the shards; results written so far stay
            for process, _, _ in running:
                process.terminate()
            for process, _, _ in running:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
            raise
        finally:
            for _, handle, _ in running:
                handle.close()
        for process, _, log in running:
            check_exit(process.returncode, log)
