"""Similar submissions, the stage after grading: ``grade`` runs it (unless --no-similarity), and
``python -m graders similarity OUT`` runs it again from what OUT holds, without grading.

``grade`` keeps the code it graded in ``OUT/.similarity/code/<student>.json`` (module ->
code; a notebook's extracted modules), whether or not it compares, so that the comparison
can run later, or again with other [similarity] settings, without the class folder.  The
comparison (graders/reports/similarity.py) writes:

- ``OUT/.similarity/pairs.json``: per module, the histogram of every pair's score, the
  highest score and the flagged pairs, and one image of every module's histogram;
  report.html's section "Similar submissions" is rendered from it;
- ``OUT/similarity/<lesson>-<module>-<n>.html``: each flagged pair side by side (the
  ``PAGES_PER_MODULE`` most similar of each module: settings that flag half a large class
  must not write a hundred thousand pages);
- ``OUT/similarity.csv``: every flagged pair.

Instructors only: nothing of it reaches a student's feedback or gradescope.json.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path

from graders.course.errors import ArgumentParser, UsageError
from graders.course.model import COURSE_FILE, Course, Lesson, load_course
from graders.course.submission import Submission
from graders.grading import results as results_io
from graders.reports import similaritypage
from graders.reports.classpage import write_class_page
from graders.reports.similarity import compare_module

CODE = Path(".similarity") / "code"
PAIRS, PAGES, CSV = similaritypage.PAIRS, similaritypage.PAGES, similaritypage.CSV
BINS = 20  # the histogram's: 5% each


def keep_code(out: Path, submissions: list[Submission], lessons: list[Lesson]) -> None:
    """OUT/.similarity/code/<student>.json: the graded lessons' code of each submission."""
    folder = out / CODE
    folder.mkdir(parents=True, exist_ok=True)
    modules = {f"{lesson.id}/{module}.py" for lesson in lessons for module in lesson.modules}
    for submission in submissions:
        code = {path: text for path, text in sorted(submission.files.items()) if path in modules}
        _write(folder / f"{submission.student}.json", json.dumps(code, ensure_ascii=False))


def kept_code(out: Path, students: list[str]) -> dict[str, dict[str, str]]:
    """The code ``keep_code`` kept for each of ``students`` that has any."""
    code = {}
    for student in students:
        path = out / CODE / f"{student}.json"
        try:
            code[student] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            raise UsageError(
                f"{path}: unreadable ({exc}); run `python -m graders grade` again to keep the code"
            ) from None
    return code


def compare(course: Course, lessons: list[Lesson], out: Path, students: list[str]) -> dict:
    """Compare every pair of ``students`` on each module of ``lessons``; write pairs.json, the
    pages and similarity.csv; return what pairs.json holds."""
    from graders.packaging.build import given_code
    from graders.reports.similaritypage import histograms_png

    settings = course.similarity
    code = kept_code(out, students)
    clear(out)
    pages = out / PAGES
    shown = similaritypage.PAGES_PER_MODULE  # pairs per module located and given a page
    modules = []
    for lesson in lessons:
        given = given_code(course, lesson)
        for module in lesson.modules:
            path = f"{lesson.id}/{module}.py"
            sources = {s: files[path] for s, files in code.items() if path in files}
            compared = compare_module(path, sources, given[module], settings, shown)
            counts = [0] * BINS
            for score in compared.scores:
                counts[min(BINS - 1, int(score * BINS))] += 1
            flagged = []
            for number, pair in enumerate(compared.pairs, start=1):
                page = PAGES / similaritypage.page_name(path, number) if number <= shown else None
                record = {
                    "first": pair.first,
                    "second": pair.second,
                    "score": pair.score,
                    "shares": list(pair.shares),
                    "tokens": pair.tokens,
                    "page": page.as_posix() if page else "",
                }
                flagged.append(record)
                if page:
                    pages.mkdir(parents=True, exist_ok=True)
                    text = similaritypage.pair_page(
                        path,
                        record,
                        (sources[pair.first], sources[pair.second]),
                        pair.spans,
                        pair.matches,
                    )
                    _write(out / page, text)
            modules.append(
                {
                    "module": path,
                    "students": len(compared.students),
                    "pairs": len(compared.scores),
                    "highest": max(compared.scores, default=0.0),
                    "histogram": counts,
                    "flagged": flagged,
                }
            )
    data = {
        "schema": similaritypage.SCHEMA,
        "settings": {
            "threshold": settings.threshold,
            "min_match": settings.min_match,
            "window": settings.window,
            "common": settings.common,
        },
        "modules": modules,
        "histogram_png": histograms_png(modules, settings.threshold)
        if any(module["pairs"] for module in modules)
        else "",
    }
    _write(out / PAIRS, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    _write(out / CSV, similaritypage.csv_text(modules))
    return data


def clear(out: Path) -> None:
    """Remove what a comparison wrote (never the kept code): no stale pair outlives a regrade."""
    (out / PAIRS).unlink(missing_ok=True)
    (out / CSV).unlink(missing_ok=True)
    shutil.rmtree(out / PAGES, ignore_errors=True)


def _write(path: Path, text: str) -> None:
    """Atomically, with mode 0666 less the umask, like every file in OUT (docs/results.md)."""
    temporary = path.parent / f".{path.name}-{secrets.token_hex(6)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    """Compare the graded code in OUT again (after `grade --no-similarity`, or with new [similarity] settings)."""
    parser = ArgumentParser(prog="python -m graders similarity", description=main.__doc__)
    parser.add_argument(
        "out", type=Path, help="an output folder written by `python -m graders grade`"
    )
    parser.add_argument("--course", type=Path, default=COURSE_FILE, help="course.toml to use")
    args = parser.parse_args(argv)
    course = load_course(args.course)
    if not args.out.is_dir():
        raise UsageError(f"{args.out}: no such folder; give the --out of a `grade` run")
    students = sorted(p.parent.name for p in args.out.glob("*/result.json"))
    if not students:
        raise UsageError(
            f"{args.out}: no <student>/result.json files; run `python -m graders grade` first"
        )
    if not (args.out / CODE).is_dir():
        raise UsageError(
            f"{args.out}: holds no kept code ({CODE}/); grade the class again with this version"
        )
    results = [results_io.read(args.out / s / "result.json") for s in students]
    graded = {e.id.split(".")[0] for r in results for e in r.exercises}
    lessons = [lesson for lesson in course.lessons if lesson.id in graded]
    data = compare(course, lessons, args.out, students)
    write_class_page(course, lessons, results, args.out / "report.html", data)
    flagged = sum(len(m["flagged"]) for m in data["modules"])
    print(
        f"compared {len(students)} submission(s): {flagged} pair(s) at or over "
        f"{100 * course.similarity.threshold:.0f}% in {args.out / CSV}, shown in "
        f"{args.out / 'report.html'}"
    )
    return 0
