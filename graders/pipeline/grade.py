"""``python -m graders grade PATH --out OUT``: grade one submission or a whole class.

The pipeline, stage by stage (``grade`` below lists them in order):

1. discover   the submission folders under PATH (one, or one per student)
2. lessons    which lessons to grade (--lesson, else every lesson any submission has)
3. plan       read each submission (as text) and keep every result in OUT whose fingerprint
              still matches: only new or changed submissions are graded again (--force: all)
4. graders    run the hidden graders, in local shards or on Dask: each submission's code runs
              in its own sandboxed child; comparisons, scores and OUT/<student>/result.json
              happen in the grader processes (graders/grading/plugin.py), each written atomically
5. collect    read every result.json back, validated against the schema
6. similarity keep the graded code in OUT and compare every pair of submissions, module by
              module, for the instructor (graders/pipeline/similarity.py; --no-similarity: off)
7. report     feedback (Markdown and HTML) and Gradescope JSON per student, class.csv,
              and report.html with plots and the similar submissions

The exit code is 0 whenever grading completed, whatever the scores.  An interrupted run
keeps every result already written; running the same command again finishes the rest.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from graders.course import fingerprint
from graders.course.errors import ArgumentParser, UsageError
from graders.course.model import COURSE_FILE, Course, Lesson, load_course
from graders.course.submission import discover, lessons_present, load
from graders.grading import results as results_io
from graders.pipeline.progress import GradingProgress
from graders.pipeline.shards import LOG_DIR, LocalExecutor, ShardSpec
from graders.reports.report import write_reports


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
    force: bool = False
    scheduler: str | None = None  # a Dask scheduler address
    dask_local: int = 0  # workers of a local Dask cluster
    dask_chunk: int | None = None  # submissions per Dask task (default: automatic)
    gradescope: Path | None = None
    similarity: bool = True


@dataclass
class Graded:
    course: Course
    lessons: list[Lesson]
    results: list[results_io.StudentResult]
    missing: list[str]
    regraded: list[str]
    kept: list[str]


def grade(path: Path, options: Options) -> Graded:
    """Run every stage in order; each stage is one function below."""
    course = load_course(options.course_file)
    if options.device == "cuda" and "cuda" not in resolved_devices("cuda"):
        raise UsageError(
            "--device cuda: this machine has no CUDA device (torch.cuda.is_available() is False); "
            "use --device cpu or all"
        )
    entries = discover(path, course, skip=(options.out,))
    lessons = select_lessons(course, entries, options.lessons)
    with hold(options.out):
        todo, kept = plan(course, entries, lessons, options)
        run_graders(course, lessons, todo, options)
        results, missing = collect(entries, options.out)
        compare_similar(course, lessons, entries, results, options)
        report(course, lessons, results, options)
    return Graded(course, lessons, results, missing, [student for student, _ in todo], kept)


LOCK_FILE = ".lock"  # in OUT: held by the one run writing there


@contextlib.contextmanager
def hold(out: Path):
    """OUT for this run alone: created if needed, and locked until the run ends (the lock goes with
    the process, however it ends).  A second run into the same OUT is refused, naming the first."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle = open(out / LOCK_FILE, "a+")
    except OSError as exc:
        raise UsageError(
            f"--out {out}: cannot be created or written ({exc.strerror}); give a folder you can write"
        ) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip().rstrip(",") or "another process"
            raise UsageError(
                f"--out {out}: {holder} is grading into it now; wait for it to finish, or give "
                "another --out"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}, started at {time.strftime('%H:%M:%S')},\n")
        handle.flush()
        yield


def select_lessons(
    course: Course, entries: list[tuple[str, Path]], requested: list[str]
) -> list[Lesson]:
    if requested:
        return [course.lesson(lesson_id) for lesson_id in dict.fromkeys(requested)]
    present = lessons_present([folder for _, folder in entries], course)
    if not present:
        names = ", ".join(f"{lesson.id}/" for lesson in course.lessons)
        example = next(f"{module}.py" for lesson in course.lessons for module in lesson.modules)
        raise UsageError(
            f"no submission holds a lesson folder ({names}) or a course file ({example}, ...); "
            "check PATH, or pass --lesson to grade every student as handing in nothing"
        )
    return present


def plan(course: Course, entries: list[tuple[str, Path]], lessons: list[Lesson], options: Options):
    """(submissions to grade, students whose stored result is still valid)."""
    existing = {student: options.out / student / "result.json" for student, _ in entries}
    if options.force or not any(path.is_file() for path in existing.values()):
        return list(entries), []
    devices = resolved_devices(options.device)
    todo, kept = [], []
    for student, folder in entries:
        expected = fingerprint.of_grading(
            course, load(student, folder, lessons).fingerprint(), lessons, devices
        )
        try:
            stored = (
                results_io.read(existing[student]).fingerprint
                if existing[student].is_file()
                else None
            )
        except results_io.ResultsError:
            stored = None  # unreadable: grade again
        if stored == expected:
            kept.append(student)
        else:
            todo.append((student, folder))
    return todo, kept


def resolved_devices(option: str) -> list[str]:
    """The devices grading will use; imports torch only to ask about CUDA when it matters."""
    if option == "cpu":
        return ["cpu"]
    import torch

    return [
        d
        for d in (["cpu", "cuda"] if option == "all" else ["cuda"])
        if d != "cuda" or torch.cuda.is_available()
    ]


def run_graders(
    course: Course, lessons: list[Lesson], todo: list[tuple[str, Path]], options: Options
) -> None:
    if not todo:
        return
    options.out.mkdir(parents=True, exist_ok=True)
    for student, _ in todo:  # a stale result must not count as done while its student is regraded
        (options.out / student / "result.json").unlink(missing_ok=True)
    spec = ShardSpec(course, tuple(lessons), options.device, options.sandbox, options.child_walls)
    progress = GradingProgress(len(todo), quiet=options.quiet)
    pending = {student for student, _ in todo}

    def poll() -> None:
        for student in sorted(pending):
            path = options.out / student / "result.json"
            if path.is_file():
                pending.discard(student)
                progress.graded(results_io.read(path))

    try:
        if options.scheduler or options.dask_local:
            from graders.pipeline.cluster import DaskExecutor

            DaskExecutor(options.scheduler, options.dask_local, options.dask_chunk).run(
                spec, todo, options.out, poll
            )
        else:
            LocalExecutor(options.jobs).run(spec, todo, options.out, poll)
    finally:
        progress.close()


def collect(
    entries: list[tuple[str, Path]], out: Path
) -> tuple[list[results_io.StudentResult], list[str]]:
    results, missing = [], []
    for student, _ in entries:
        path = out / student / "result.json"
        if path.is_file():
            results.append(results_io.read(path))
        else:
            missing.append(student)
    return results, missing


def compare_similar(
    course: Course,
    lessons: list[Lesson],
    entries: list[tuple[str, Path]],
    results: list[results_io.StudentResult],
    options: Options,
) -> None:
    """A class's graded code, kept in OUT; every pair compared unless --no-similarity."""
    if len(entries) < 2:
        return
    from graders.pipeline import similarity

    graded = {result.student for result in results}
    similarity.keep_code(
        options.out,
        [load(student, folder, lessons) for student, folder in entries if student in graded],
        lessons,
    )
    if options.similarity:
        similarity.compare(course, lessons, options.out, sorted(graded))
    else:
        similarity.clear(options.out)


def report(
    course: Course, lessons: list[Lesson], results: list[results_io.StudentResult], options: Options
) -> None:
    write_reports(course, lessons, results, options.out)
    if options.gradescope is not None:
        from graders.reports.gradescope import write_gradescope

        if len(results) != 1:
            raise UsageError(
                f"--gradescope {options.gradescope}: needs exactly one submission, got {len(results)}"
            )
        write_gradescope(course, results[0], options.gradescope)


def similar_pairs(out: Path) -> int | None:
    """How many pairs the run's comparison flagged; None when it made none."""
    from graders.reports.similaritypage import stored

    data = stored(out)
    return None if data is None else sum(len(m["flagged"]) for m in data["modules"])


def _internal_errors(logs: Path) -> int:
    """How many cases the shards' logs of this run report as internal grader errors."""
    if not logs.is_dir():
        return 0
    return sum(
        log.read_text(errors="replace").count("INTERNAL GRADER ERROR:")
        for log in logs.glob("shard-*.log")
    )


def main(argv: list[str] | None = None) -> int:
    """Grade one submission or a class: result, feedback and Gradescope JSON per student, class table and page."""
    parser = ArgumentParser(prog="python -m graders grade", description=main.__doc__)
    parser.add_argument(
        "path",
        type=Path,
        help="a submission folder (lesson1/, ...) or a class folder (one folder per student)",
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="folder for results, feedback and the class reports"
    )
    parser.add_argument(
        "--lesson", action="append", default=[], help="grade only this lesson (repeatable)"
    )
    parser.add_argument(
        "--device",
        default="all",
        choices=("cpu", "cuda", "all"),
        help="where value tests run (default all)",
    )
    parser.add_argument(
        "--sandbox",
        default="auto",
        choices=("auto", "bwrap", "none"),
        help="student code isolation: auto (bubblewrap when it works), bwrap (required), none (debugging only)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="grading processes side by side (default: all cores)",
    )
    parser.add_argument(
        "--force", action="store_true", help="regrade every submission, even unchanged ones"
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="grade on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786)",
    )
    parser.add_argument(
        "--dask-local",
        type=int,
        default=0,
        metavar="N",
        help="grade on a local Dask cluster of N workers",
    )
    parser.add_argument(
        "--dask-chunk",
        type=int,
        default=None,
        metavar="N",
        help="submissions per Dask task (default: automatic)",
    )
    parser.add_argument(
        "--gradescope",
        type=Path,
        metavar="FILE",
        help="also write Gradescope's results.json for a single submission to FILE",
    )
    parser.add_argument(
        "--no-similarity",
        dest="similarity",
        action="store_false",
        help="do not compare the submissions' code (python -m graders similarity OUT does it later)",
    )
    parser.add_argument("--course", type=Path, default=COURSE_FILE, help="course.toml to use")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.dask_local < 0:
        raise UsageError("--dask-local must be at least 1")
    if args.dask_chunk is not None and args.dask_chunk < 1:
        raise UsageError("--dask-chunk must be at least 1")
    if args.scheduler and args.dask_local:
        raise UsageError("give either --scheduler or --dask-local, not both")
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out}: exists and is not a folder")
    options = Options(
        args.out,
        lessons=args.lesson,
        device=args.device,
        sandbox=args.sandbox,
        jobs=args.jobs,
        course_file=args.course,
        quiet=args.quiet,
        force=args.force,
        scheduler=args.scheduler,
        dask_local=args.dask_local,
        dask_chunk=args.dask_chunk,
        gradescope=args.gradescope,
        similarity=args.similarity,
    )
    started = time.perf_counter()
    graded = grade(args.path, options)
    seconds = time.perf_counter() - started
    for result in graded.results:
        print(f"{result.student:<24} {result.score:8.2f} / {result.max_score:g}")
    for student in graded.missing:
        print(f"{student:<24} NOT GRADED: see {args.out / LOG_DIR}", file=sys.stderr)
    grader_errors = _internal_errors(args.out / LOG_DIR)
    if grader_errors:
        print(
            f"warning: {grader_errors} test(s) hit an internal grader error and were scored as errors "
            f"for their student only; the reasons are in {args.out / LOG_DIR} (INTERNAL GRADER ERROR)",
            file=sys.stderr,
        )
    flagged = similar_pairs(args.out)
    if flagged is not None:
        print(f"similar submissions: {flagged} pair(s) in {args.out / 'similarity.csv'}")
    kept = f" ({len(graded.kept)} unchanged, kept)" if graded.kept else ""
    print(  # last: scripts read the count from it
        f"graded {len(graded.regraded)} submission(s){kept} in {seconds:.1f} s: results and feedback in "
        f"{args.out}/<student>/, class table in {args.out / 'class.csv'}, class report in {args.out / 'report.html'}"
    )
    return 0
