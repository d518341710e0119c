"""``python -m graders gradescope-bundle``: the autograder zip a Gradescope assignment uploads as is.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` there once when it
builds the assignment's image, and ``run_autograder`` once per submission.  The zip holds
those two scripts and what grading reads for the lessons it grades (course.toml cut down to
them, graders/, solutions/, and the files pip needs to install the project's core); the
students' stubs, the nbgrader course, the tests and the other lessons stay out.

``run_autograder`` calls ``python -m graders.packaging.gradescope_bundle arrange``: students upload
their files as they are (``losses.py``, ``losses (1).py``, ``lesson1.ipynb``, or the ``lesson1/``
folder itself), and ``arrange`` lays them out like ``exercises/`` and notes how; ``python -m
graders grade`` grades them; ``finish`` writes /autograder/results/results.json from the result
and the notes.  Where any step fails, bash writes a results.json that says so (docs/gradescope.md).
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import sys
import tomllib
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from graders.course.errors import ArgumentParser, HarnessError, UsageError
from graders.course.model import COURSE_FILE, ROOT, Course, load_course
from graders.course.submission import course_file_name
from graders.grading import results as results_io
from graders.reports.gradescope import gradescope_results

# What grading reads, relative to the course root; the hidden graders' own test files are in graders/.
CONTENTS = ("pyproject.toml", "README.md", "graders", "solutions")  # and course.toml, cut down
_LESSON = re.compile(r"lesson[0-9]+\Z")
_HEADER = re.compile(r"\s*(\[\[?)\s*([A-Za-z0-9_.\"\s-]+?)\s*\]\]?\s*(#.*)?$")
_ROOT_KEY = re.compile(r"\s*root\s*=")
SKIPPED = ("__pycache__", ".pytest_cache")
# The torch ./dev installs (its one pin): read from there, so that the image grades with the
# torch the course was tested with.
_DEV_TORCH = re.compile(r"torch_requirement=\$\{TORCH:-torch==([0-9][0-9A-Za-z.+]*)\}")
CPU_INDEX = "https://download.pytorch.org/whl/cpu"

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, in /autograder/source, when it builds the assignment's image.
set -euo pipefail
cd /autograder/source
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Python 3.11 (Gradescope's Ubuntu images carry an older python3) and bubblewrap, the sandbox.
apt-get install -y -qq software-properties-common >/dev/null
if ! apt-cache show python3.11-venv >/dev/null 2>&1; then
    add-apt-repository -y ppa:deadsnakes/ppa >/dev/null
    apt-get update -qq
fi
apt-get install -y -qq python3.11 python3.11-venv bubblewrap >/dev/null
# Where the container forbids namespaces, student code runs as this user, never as root
# (graders/host/unprivileged.py).
id graders-student >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin graders-student
python3.11 -m venv .venv
{torch}
# The project's core only: grading needs neither nbgrader nor Jupyter (the [nbgrader] extra).
.venv/bin/pip install -q --disable-pip-version-check -e .
# Import torch once, so the first submission does not pay for compiling its bytecode.
.venv/bin/python -c "import torch, graders.grading.plugin"
"""

RUN = """\
#!/usr/bin/env bash
# Gradescope runs this once per submission; the student's files are in /autograder/submission.
# It always leaves /autograder/results/results.json.  Where grading cannot run, that file gives
# a score of 0 and asks the student to contact the course staff; bash writes it, since Python
# may be what is missing, and the reason goes to this script's output, which Gradescope shows
# to the instructor only (stdout_visibility "hidden").
set -uo pipefail
exec 2>&1
root=${{AUTOGRADER_ROOT:-/autograder}}
python=${{AUTOGRADER_PYTHON:-$root/source/.venv/bin/python}}
results=$root/results/results.json

fallback() {{
    mkdir -p "$root/results" && cat >"$results.partial" <<'JSON' && mv -f "$results.partial" "$results"
{failure}
JSON
}}
failed() {{
    echo "run_autograder: grading failed: $1"
    fallback
    exit 0
}}
logs() {{
    tail -n 40 "$work/out/.logs/"*.log 2>/dev/null
}}

fallback  # until grading has finished, the result says that it did not
cd "$root/source" || failed "no folder $root/source"
work=$(mktemp -d) || failed "mktemp -d failed"
"$python" -m graders.packaging.gradescope_bundle arrange "$root/submission" "$work/submission" {lessons} \\
    --results "$results" --notes "$work/arranged.json"
status=$?
if [ $status -eq {nothing} ]; then
    exit 0  # nothing of the assignment was uploaded: results.json says what to upload
fi
[ $status -eq 0 ] || failed "arrange exited with status $status, running $python (its output is above)"
"$python" -m graders grade "$work/submission" --out "$work/out" --quiet --device {device} --jobs 1 {lessons}
status=$?
if [ $status -ne 0 ]; then
    logs
    failed "python -m graders grade exited with status $status (its output, and the end of its logs, are above)"
fi
"$python" -m graders.packaging.gradescope_bundle finish "$work/out" "$work/arranged.json" --results "$results"
status=$?
if [ $status -ne 0 ]; then
    logs
    failed "finish exited with status $status (its output, and the end of the grading logs, are above)"
fi
exit 0
"""
# What a student reads when grading could not run; the reason is in the autograder's output.
FAILURE = {
    "score": 0,
    "output": (
        "Grading failed: the autograder could not grade this submission, so this 0 is not your "
        "grade. Please contact the course staff: they can see what went wrong."
    ),
    "tests": [],
    "visibility": "visible",
    "stdout_visibility": "hidden",
}
NOTHING_TO_GRADE = 3  # arrange's exit code when no file of the assignment was uploaded
# Files an upload may carry that nobody handed in on purpose: skipped without a note.
_SYSTEM_FILES = (
    "__pycache__",
    "__MACOSX",
    ".git",
    ".pytest_cache",
    ".ipynb_checkpoints",
    ".DS_Store",
)
IGNORED_LISTED = 20  # ignored files named one by one in the student's output; then a count


def torch_pin(dev: Path = ROOT / "dev") -> str:
    """The torch version ``./dev`` pins (``torch_requirement=${TORCH:-torch==2.13.0}``)."""
    try:
        found = _DEV_TORCH.search(dev.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(
            f"{dev}: cannot be read ({exc.strerror}); the bundle installs the torch it pins"
        ) from None
    if found is None:
        raise UsageError(
            f"{dev}: no line torch_requirement=${{TORCH:-torch==VERSION}}; the bundle installs "
            "the torch it pins"
        )
    return found[1]


def setup_script(cuda: bool = False) -> str:
    """setup.sh: the torch of ./dev, its CPU build unless ``cuda``, then the project's core."""
    version = torch_pin()
    if cuda:
        torch = (
            f"# torch {version}, the version ./dev pins, from PyPI: its CUDA build (several GB), "
            "asked for with --cuda.\n"
            f'.venv/bin/pip install -q --disable-pip-version-check "torch=={version}"'
        )
    else:
        torch = (
            f"# torch {version}, the version ./dev pins, as its CPU build: Gradescope's graders have "
            "no GPU,\n# and the CUDA build is several GB (gradescope-bundle --cuda installs it).\n"
            f'.venv/bin/pip install -q --disable-pip-version-check "torch=={version}" '
            f"--index-url {CPU_INDEX}"
        )
    return SETUP.format(torch=torch)


def build_bundle(
    course: Course, lessons: list[str], zip_path: Path, *, cuda: bool = False
) -> list[str]:
    """Write the autograder zip for ``lessons`` (all of the course's when empty); return the names in it.

    ``cuda``: install torch's CUDA build and grade on the GPU too when there is one.
    """
    known = [lesson.id for lesson in course.lessons]
    unknown = [lesson for lesson in lessons if lesson not in known]
    if unknown:
        raise UsageError(
            f"--lesson {unknown[0]}: not a lesson of {course.file}; the lessons are {', '.join(known)}"
        )
    graded = [lesson for lesson in known if not lessons or lesson in lessons]
    flags = " ".join(f"--lesson {lesson}" for lesson in lessons)
    names = []
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    partial = zip_path.with_name(zip_path.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
        run = RUN.format(
            lessons=flags,
            device="all" if cuda else "cpu",
            failure=json.dumps(FAILURE, indent=1),
            nothing=NOTHING_TO_GRADE,
        )
        for name, text in (("setup.sh", setup_script(cuda)), ("run_autograder", run)):
            _add_script(bundle, name, text)
            names.append(name)
        bundle.writestr("course.toml", bundled_course_toml(course, graded))
        names.append("course.toml")
        for entry in CONTENTS:
            source = course.root / entry
            if not source.exists():
                raise UsageError(
                    f"{source}: missing; the bundle needs it (is {course.root} a whole course?)"
                )
            files = (
                [source]
                if source.is_file()
                else sorted(p for p in source.rglob("*") if p.is_file())
            )
            for path in files:
                if any(part in SKIPPED for part in path.parts) or path.suffix == ".pyc":
                    continue
                relative = path.relative_to(source).parts
                if relative and _LESSON.match(relative[0]) and relative[0] not in graded:
                    continue  # another lesson's graders or solutions: not this assignment's
                name = entry if path == source else f"{entry}/{path.relative_to(source).as_posix()}"
                bundle.write(path, name)
                names.append(name)
    partial.replace(zip_path)
    return names


def bundled_course_toml(course: Course, lessons: list[str]) -> str:
    """The course's course.toml with only ``lessons`` left, and no ``[course] root``.

    The zip holds only those lessons' graders and solutions, so it must not name the others;
    and it sits beside its own graders/ and solutions/, so a ``root`` naming the instructor's
    repository would lead nowhere in the container.  The file is cut as text, so that its
    comments stay, and checked against the parsed original.
    """
    text = course.file.read_text(encoding="utf-8")
    chunks: list[list[str]] = [[]]  # the lines before the first table, then one chunk per table
    for line in text.splitlines(keepends=True):
        if _HEADER.match(line):
            chunks.append([])
        chunks[-1].append(line)
    kept, in_course, keep_lesson = [], False, True
    for chunk in chunks:
        header = _HEADER.match(chunk[0]) if chunk else None
        name = header.group(2).replace('"', "").strip() if header else ""
        if header and header.group(1) == "[[" and name == "lesson":
            try:
                lesson = tomllib.loads("".join(chunk))["lesson"][0].get("id")
            except (tomllib.TOMLDecodeError, KeyError, IndexError):
                lesson = None  # a table cut in two: the check below refuses the result
            keep_lesson = lesson in lessons
        elif header and not name.startswith("lesson."):
            keep_lesson = True
        if not keep_lesson:
            continue
        in_course = header is not None and header.group(1) == "[" and name == "course"
        kept += [line for line in chunk if not (in_course and _ROOT_KEY.match(line))]
    result = "".join(kept)
    original = tomllib.loads(text)
    original.get("course", {}).pop("root", None)
    original["lesson"] = [lesson for lesson in original["lesson"] if lesson.get("id") in lessons]
    if tomllib.loads(result) != original:
        raise UsageError(
            f"{course.file}: could not cut it down to {', '.join(lessons)} (write each lesson as "
            "[[lesson]] and its exercises as [[lesson.exercise]] tables below it)"
        )
    return result


def _add_script(bundle: zipfile.ZipFile, name: str, text: str) -> None:
    """An executable file (Gradescope runs the scripts with the mode the zip gives them)."""
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | 0o755) << 16
    bundle.writestr(info, text)


@dataclass
class Arranged:
    """What ``arrange`` did with an upload."""

    files: list[str] = field(default_factory=list)  # graded, as the student named them
    notes: list[str] = field(default_factory=list)  # for the student: renames, what was ignored
    log: list[str] = field(default_factory=list)  # what went where, for the instructor


def arrange(course: Course, lessons: list[str], source: Path, destination: Path) -> Arranged:
    """Lay a Gradescope upload out like exercises/, and say how.

    Accepted at any depth: a module (``losses.py``) or a lesson's notebook (``lesson1.ipynb``),
    also under the names browsers give a second copy or another case (``losses (1).py``,
    ``losses-1.py``, ``Losses.py``; ``course_file_name``), which the notes name.  Of two
    candidates for one file the exact name, then the shallower one, is graded; a lesson's
    notebook is graded instead of its modules, as ``submission.load`` does.  Everything else is
    ignored, and the notes list it.
    """
    wanted = [lesson for lesson in course.lessons if not lessons or lesson.id in lessons]
    names = {f"{lesson.id}.ipynb": lesson.id for lesson in wanted}
    names.update({f"{module}.py": lesson.id for lesson in wanted for module in lesson.modules})
    if not source.is_dir():
        raise UsageError(f"{source}: no submission folder")
    arranged, ignored = Arranged(), []
    candidates: dict[str, list[tuple[tuple, Path]]] = {}
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        relative = path.relative_to(source)
        if any(part in _SYSTEM_FILES for part in relative.parts):
            continue
        name = course_file_name(path.name, names)
        if name is None:
            ignored.append(f"ignored {relative.as_posix()}: not a file of this assignment")
            continue
        rank = (path.name != name, len(relative.parts), relative.as_posix())
        candidates.setdefault(name, []).append((rank, path))
    notebooks = {
        names[name]: min(found)[1] for name, found in candidates.items() if name.endswith(".ipynb")
    }
    for name in names:  # in the course's order
        found = sorted(candidates.get(name, []))
        if not found:
            continue
        lesson = names[name]
        notebook = notebooks.get(lesson)
        if notebook is not None and not name.endswith(".ipynb"):
            for _, path in found:
                ignored.append(
                    f"ignored {path.relative_to(source).as_posix()}: "
                    f"{notebook.relative_to(source).as_posix()} is graded for {lesson} "
                    "(when a lesson's notebook is uploaded, its code is what is graded)"
                )
            continue
        (_, path), others = found[0], found[1:]
        relative = path.relative_to(source).as_posix()
        for _, other in others:
            ignored.append(
                f"ignored {other.relative_to(source).as_posix()}: {relative} was uploaded too"
            )
        target = destination / lesson / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.resolve().is_relative_to(source.resolve()):
            shutil.copyfile(path, target)
        else:  # kept as a link, never read here: the loader grades it as missing and says why
            target.symlink_to(path.resolve())
        arranged.files.append(relative)
        arranged.log.append(f"{relative} -> {target.relative_to(destination)}")
        if path.name != name:
            arranged.notes.append(f"graded {relative} as {name}")
    arranged.files.sort()
    if len(ignored) > IGNORED_LISTED:
        ignored[IGNORED_LISTED:] = [f"... and {len(ignored) - IGNORED_LISTED} more files ignored"]
    arranged.notes += ignored
    destination.mkdir(parents=True, exist_ok=True)
    return arranged


def write_results(path: Path, results: dict) -> None:
    """Write a results.json whole or not at all (Gradescope reads what is there when the run ends)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(path)


def main(argv: list[str] | None = None) -> int:
    """Write the autograder zip (setup.sh, run_autograder, the graders) a Gradescope assignment uploads."""
    parser = ArgumentParser(prog="python -m graders gradescope-bundle", description=main.__doc__)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("autograder.zip"),
        help="the zip to write (default autograder.zip)",
    )
    parser.add_argument(
        "--lesson",
        action="append",
        default=[],
        help="grade only this lesson (repeatable; default all)",
    )
    parser.add_argument(
        "--cuda",
        action="store_true",
        help="install torch's CUDA build (several GB) and grade on the GPU too, for a Gradescope "
        "image with one (default: the CPU build, grading on the CPU)",
    )
    parser.add_argument("--course", type=Path, default=COURSE_FILE, help="course.toml to use")
    args = parser.parse_args(argv)
    course = load_course(args.course)
    names = build_bundle(course, args.lesson, args.out, cuda=args.cuda)
    graded = ", ".join(args.lesson) if args.lesson else "every lesson"
    print(
        f"wrote {args.out} ({len(names)} files; grades {graded}): upload it as the assignment's "
        "autograder on Gradescope"
    )
    return 0


def _container(argv: list[str]) -> int:
    """What run_autograder calls in the container.

    ``arrange SRC DEST [--lesson L]... --results FILE --notes FILE``: lay the upload out; exit
    NOTHING_TO_GRADE, with FILE telling the student what to upload, when it holds nothing to grade.
    ``finish OUT NOTES --results FILE``: Gradescope's results.json from the one result in OUT.
    """
    parser = ArgumentParser(prog="python -m graders.packaging.gradescope_bundle")
    verbs = parser.add_subparsers(dest="verb", required=True)
    arranging = verbs.add_parser("arrange")
    arranging.add_argument("source", type=Path)
    arranging.add_argument("destination", type=Path)
    arranging.add_argument("--lesson", action="append", default=[])
    arranging.add_argument("--results", type=Path, required=True)
    arranging.add_argument("--notes", type=Path, required=True)
    finishing = verbs.add_parser("finish")
    finishing.add_argument("out", type=Path)
    finishing.add_argument("notes", type=Path)
    finishing.add_argument("--results", type=Path, required=True)
    args = parser.parse_args(argv)
    course = load_course()
    if args.verb == "finish":
        return _finish(course, args.out, args.notes, args.results)
    arranged = arrange(course, args.lesson, args.source, args.destination)
    print("\n".join(arranged.log + arranged.notes))
    if not arranged.files:
        wanted = [
            lesson for lesson in course.lessons if not args.lesson or lesson.id in args.lesson
        ]
        modules = ", ".join(f"{m}.py" for lesson in wanted for m in lesson.modules)
        notebooks = " or ".join(f"{lesson.id}.ipynb" for lesson in wanted)
        output = (
            f"No file of this assignment was found in your submission: upload {modules} "
            f"(or the notebook {notebooks})."
        )
        if arranged.notes:
            output += "\n\nWhat your upload held:\n" + "\n".join(f"- {n}" for n in arranged.notes)
        write_results(
            args.results,
            {
                "score": 0,
                "output": output,
                "tests": [],
                "visibility": "visible",
                "stdout_visibility": "hidden",
            },
        )
        return NOTHING_TO_GRADE
    args.notes.write_text(json.dumps(asdict(arranged), indent=1) + "\n", encoding="utf-8")
    return 0


def _finish(course: Course, out: Path, notes: Path, results: Path) -> int:
    found = sorted(out.glob("*/result.json"))
    if len(found) != 1:
        raise UsageError(f"{out}: {len(found)} result.json files, not one; see {out / '.logs'}")
    arranged = Arranged(**json.loads(notes.read_text(encoding="utf-8")))
    result = results_io.read(found[0])
    write_results(
        results,
        gradescope_results(
            course,
            result,
            files=arranged.files,
            notes=arranged.notes,
            details=course.gradescope_details,
        ),
    )
    print(f"graded {', '.join(arranged.files)}: {result.score:g} / {result.max_score:g}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(_container(sys.argv[1:]))
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
