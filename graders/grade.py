"""``python -m graders grade PATH --out OUT``: grade one submission or a whole class.

The pipeline, stage by stage (``grade`` below lists them in order):

1. discover   the submission folders under PATH (one, or one per student)
2. lessons    which lessons to grade (--lesson, else every lesson any submission has)
3. graders    run the hidden graders in a pytest process per shard: each submission's code
              runs in its own sandboxed child; comparisons, scores and OUT/<student>/result.json
              happen in the grader process (graders/plugin.py)
4. collect    read every result.json back, validated against the schema
5. report     OUT/<student>/feedback.md and OUT/class.csv

The exit code is 0 whenever grading completed, whatever the scores.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import results as results_io
from .classtable import write_class_csv
from .course import COURSE_FILE, Course, Lesson, load_course
from .errors import HarnessError, UsageError
from .feedback import write_feedback
from .submission import discover, lessons_present

LOG_DIR = ".logs"


@dataclass
class Options:
    out: Path
    lessons: list[str] = field(default_factory=list)
    device: str = "all"
    sandbox: str = "auto"
    jobs: int = 1
    course_file: Path = COURSE_FILE
    quiet: bool = False
    child_walls: str = "auto"  # "off": rlimits only, to measure what the walls cost (bench/)


@dataclass
class Graded:
    course: Course
    lessons: list[Lesson]
    results: list[results_io.StudentResult]
    missing: list[str]


def grade(path: Path, options: Options) -> Graded:
    """Run every stage in order; each stage is one function below."""
    course = load_course(options.course_file)
    entries = discover(path, course)
    lessons = select_lessons(course, entries, options.lessons)
    run_graders(course, entries, lessons, options)
    results, missing = collect(entries, options.out)
    report(course, lessons, results, options.out)
    return Graded(course, lessons, results, missing)


def select_lessons(course: Course, entries: list[tuple[str, Path]], requested: list[str]) -> list[Lesson]:
    if requested:
        return [course.lesson(lesson_id) for lesson_id in dict.fromkeys(requested)]
    present = lessons_present([folder for _, folder in entries], course)
    if not present:
        names = ", ".join(f"{lesson.id}/" for lesson in course.lessons)
        raise UsageError(f"no submission contains a lesson folder ({names}); check PATH or pass --lesson")
    return present


def run_graders(course: Course, entries: list[tuple[str, Path]], lessons: list[Lesson], options: Options) -> None:
    """One pytest process per shard of students, ``options.jobs`` at a time."""
    files = sorted({str(course.grader_file(e.lesson, e.module)) for lesson in lessons for e in lesson.exercises})
    jobs = max(1, min(options.jobs, len(entries)))
    shards = [entries[i::jobs] for i in range(jobs)]
    logs = options.out / LOG_DIR
    logs.mkdir(parents=True, exist_ok=True)
    processes = []
    for number, shard in enumerate(shards):
        args = [
            sys.executable, "-m", "pytest", *files,
            "-p", "graders.plugin", "-p", "no:cacheprovider", "-p", "no:logging", "-q", "--no-header",
            "--rootdir", str(course.root), "-c", str(course.root / "graders" / "pytest.ini"),
            "--course", str(options.course_file), "--results-dir", str(options.out),
            "--device", options.device, "--sandbox", options.sandbox, "--child-walls", options.child_walls,
        ]  # fmt: skip
        for student, folder in shard:
            args += ["--submission", f"{student}={folder.resolve()}"]
        log = (logs / f"shard-{number}.log").open("w")
        processes.append((subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=course.root, env=_env(course)), log, number))
    _wait(processes, entries, options)


def _env(course: Course) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(course.root), env.get("PYTHONPATH")]))
    return env


def _wait(processes, entries, options: Options) -> None:
    total, shown = len(entries), -1
    try:
        while any(p.poll() is None for p, _, _ in processes):
            done = sum((options.out / student / "result.json").is_file() for student, _ in entries)
            if done != shown and not options.quiet:
                print(f"graded {done} of {total} submission(s)", file=sys.stderr)
                shown = done
            time.sleep(0.2)
    except KeyboardInterrupt:
        for process, _, _ in processes:
            process.terminate()
        raise
    for process, log, number in processes:
        log.close()
        if process.returncode not in (0, 1):  # 1: some tests failed, which is what grading is for
            tail = (options.out / LOG_DIR / f"shard-{number}.log").read_text(errors="replace").strip().splitlines()[-5:]
            raise HarnessError(
                f"the hidden graders could not run (pytest exit code {process.returncode}); "
                f"see {options.out / LOG_DIR / f'shard-{number}.log'}: {' | '.join(tail)}"
            )


def collect(entries: list[tuple[str, Path]], out: Path) -> tuple[list[results_io.StudentResult], list[str]]:
    results, missing = [], []
    for student, _ in entries:
        path = out / student / "result.json"
        if path.is_file():
            results.append(results_io.read(path))
        else:
            missing.append(student)
    return results, missing


def report(course: Course, lessons: list[Lesson], results: list[results_io.StudentResult], out: Path) -> None:
    for result in results:
        write_feedback(course, result, out / result.student / "feedback.md")
    write_class_csv(course, lessons, results, out / "class.csv")


def main(argv: list[str] | None = None) -> int:
    """Grade one submission or a class folder: result.json and feedback per student, class.csv."""
    parser = argparse.ArgumentParser(prog="python -m graders grade", description=main.__doc__)
    parser.add_argument("path", type=Path, help="a submission folder (lesson1/, ...) or a class folder (one folder per student)")
    parser.add_argument("--out", type=Path, required=True, help="folder for results, feedback and the class table")
    parser.add_argument("--lesson", action="append", default=[], help="grade only this lesson (repeatable)")
    parser.add_argument("--device", default="all", choices=("cpu", "cuda", "all"), help="where value tests run (default all)")
    parser.add_argument("--sandbox", default="auto", choices=("auto", "bwrap", "none"), help="student code isolation")
    parser.add_argument("--jobs", type=int, default=1, help="grading processes to run in parallel (default 1)")
    parser.add_argument("--course", type=Path, default=COURSE_FILE, help="course.toml to use")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out}: exists and is not a folder")
    options = Options(args.out, args.lesson, args.device, args.sandbox, args.jobs, args.course)
    started = time.perf_counter()
    graded = grade(args.path, options)
    seconds = time.perf_counter() - started
    for result in graded.results:
        print(f"{result.student:<24} {result.score:8.2f} / {result.max_score:g}")
    for student in graded.missing:
        print(f"{student:<24} NOT GRADED: see {args.out / LOG_DIR}", file=sys.stderr)
    print(
        f"graded {len(graded.results)} submission(s) in {seconds:.1f} s: results and feedback in {args.out}/<student>/, "
        f"class table in {args.out / 'class.csv'}"
    )
    return 0
