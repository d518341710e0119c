"""``python -m graders build``: write exercises/ and the nbgrader course from solutions/;
``--check`` fails when anything generated is stale.

Generated files are described as one mapping {path: text}, produced by the generators in
``GENERATORS``; writing and checking both work from that mapping, so they cannot disagree.
Each generator owns a path: a folder it owns entirely (a file there that it does not generate
is stale, and ``build`` removes it), or a single file.  ``nbgrader/`` itself is not owned: it
also holds the instructor's gradebook and submissions.
Before generating, the course is validated: every exercise in course.toml has its entry
point and a solution region in solutions/, and a hidden grader module in graders/.
"""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from graders.course import notebook_code
from graders.course.errors import ArgumentParser, CourseError
from graders.course.model import Course, Lesson, load_course
from graders.notebooks import source as notebooks

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_IGNORED = ("__pycache__", ".pytest_cache", ".ipynb_checkpoints")
_DEF = re.compile(r"\s*(?:async\s+)?(def|class)\s+([A-Za-z_][A-Za-z0-9_]*)")


def strip_solutions(source: str, filename: str) -> str:
    """Replace each solution region with a stub: ``raise NotImplementedError`` inside a function."""
    out: list[str] = []
    lines = source.splitlines(keepends=True)
    start = None
    for number, line in enumerate(lines, start=1):
        marker = line.strip()
        if marker == BEGIN:
            if start is not None:
                raise CourseError(
                    f"{filename}:{number}: {BEGIN} inside another solution region; close the first with {END}"
                )
            start = number
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}# YOUR CODE HERE\n")
            if indent:
                name = _enclosing_definition(lines[: number - 1], len(indent))
                out.append(f'{indent}raise NotImplementedError("{name} is not implemented yet")\n')
        elif marker == END:
            if start is None:
                raise CourseError(f"{filename}:{number}: {END} without a matching {BEGIN}")
            start = None
        elif start is None:
            out.append(line)
    if start is not None:
        raise CourseError(f"{filename}:{start}: {BEGIN} is never closed; add {END}")
    return "".join(out)


def _enclosing_definition(before: list[str], indent: int) -> str:
    """The name of the innermost def/class that encloses a line indented by ``indent``."""
    names: list[tuple[int, str]] = []
    for line in before:
        match = _DEF.match(line)
        if match:
            depth = len(line) - len(line.lstrip())
            names = [(d, n) for d, n in names if d < depth] + [(depth, match.group(2))]
    enclosing = [n for d, n in names if d < indent]
    return ".".join(enclosing) if enclosing else "this code"


def exercise_files(course: Course) -> dict[Path, str]:
    """exercises/: every file of solutions/, with solution regions stripped from Python files."""
    solutions, exercises = course.root / "solutions", course.root / "exercises"
    files = {}
    for path in sorted(solutions.rglob("*")):
        if path.is_dir() or any(part in _IGNORED for part in path.parts):
            continue
        relative = path.relative_to(solutions)
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            text = strip_solutions(text, str(path.relative_to(course.root)))
        files[exercises / relative] = text
    return files


GENERATORS: list[tuple[str, Callable[[Course], dict[Path, str]]]] = [
    ("exercises", exercise_files),
    ("nbgrader/source", notebooks.notebook_files),
    ("nbgrader/nbgrader_config.py", notebooks.config_files),
]


def validate(course: Course) -> None:
    """Every exercise has an entry point with a solution region, and a hidden grader module."""
    for exercise in course.exercises:
        solution = course.solution_file(exercise)
        if not solution.is_file():
            raise CourseError(
                f"course.toml: {exercise.id} lives in {solution.relative_to(course.root)}, which does not exist"
            )
        source = solution.read_text(encoding="utf-8")
        tree = ast.parse(source, filename=str(solution))
        definition = next(
            (
                n
                for n in tree.body
                if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == exercise.entry
            ),
            None,
        )
        if definition is None:
            raise CourseError(
                f"{solution.relative_to(course.root)}: no top-level function or class {exercise.entry!r} "
                f"for exercise {exercise.id} in course.toml"
            )
        body = source.splitlines()[definition.lineno - 1 : definition.end_lineno]
        if not any(line.strip() == BEGIN for line in body):
            raise CourseError(
                f"{solution.relative_to(course.root)}:{definition.lineno}: {exercise.entry} has no {BEGIN} region, "
                "so students would receive the solution"
            )
        grader = course.grader_file(exercise.lesson, exercise.module)
        if not grader.is_file():
            raise CourseError(f"{exercise.id}: no hidden grader {grader.relative_to(course.root)}")


def generated(course: Course) -> dict[Path, str]:
    validate(course)
    files: dict[Path, str] = {}
    for _, generator in GENERATORS:
        files.update(generator(course))
    return files


def stale(course: Course, files: dict[Path, str]) -> list[str]:
    """Differences between the generated files and what is on disk, one line each."""
    problems = []
    for path, text in files.items():
        relative = path.relative_to(course.root)
        if not path.is_file():
            problems.append(f"{relative} is missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{relative} differs from what {_source_of(relative)} generates")
    for root in _output_roots(course):
        for path in sorted(root.rglob("*")):
            if path.is_file() and path not in files and not any(p in _IGNORED for p in path.parts):
                problems.append(f"{path.relative_to(course.root)} is not generated by anything")
    return problems


def _source_of(relative: Path) -> str:
    if relative.parts[0] == "exercises":
        return "solutions/" + "/".join(relative.parts[1:])
    if relative.suffix == ".ipynb":
        return f"solutions/{relative.parts[-2]}/, course.toml and {notebooks.OUTLINE}"
    return "the build"


def _output_roots(course: Course) -> list[Path]:
    """The folders generators own entirely (a generator that owns one file sweeps nothing)."""
    return [course.root / name for name, _ in GENERATORS if (course.root / name).is_dir()]


def write(course: Course, files: dict[Path, str]) -> int:
    for root in _output_roots(course):
        if root.exists():
            for path in sorted(root.rglob("*"), reverse=True):
                if path.is_file() and path not in files:
                    path.unlink()
                elif path.is_dir() and path.name in _IGNORED:
                    shutil.rmtree(path)
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
    changed = 0
    for path, text in files.items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed += 1
    return changed


def main(argv: list[str] | None = None) -> int:
    """Generate exercises/ and the nbgrader course from solutions/ (or, with --check, verify they are up to date)."""
    parser = ArgumentParser(prog="python -m graders build", description=main.__doc__)
    parser.add_argument(
        "--check", action="store_true", help="fail if a generated file is stale; write nothing"
    )
    parser.add_argument(
        "--course", default=None, help="path to course.toml (default: the repository's)"
    )
    args = parser.parse_args(argv)
    course = load_course(args.course) if args.course else load_course()
    files = generated(course)
    if args.check:
        problems = stale(course, files)
        for problem in problems:
            print(f"stale: {problem}")
        if problems:
            print(
                "generated files are out of date: run `python -m graders build` and commit the result"
            )
            return 1
        print(f"build is up to date ({len(files)} generated files)")
        return 0
    changed = write(course, files)
    print(f"wrote {changed} of {len(files)} generated files")
    return 0


def given_code(course: Course, lesson: Lesson) -> dict[str, list[str]]:
    """What every student was given of each module of ``lesson``: the exercise stub (exercises/)
    and the code of the released notebook's cells for it, both made from solutions/ as ``build``
    makes them.  Similarity never counts it (graders/reports/similarity.py)."""
    notebook = notebooks.lesson_notebook(course, lesson, outline="")
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["source"] = strip_solutions("".join(cell["source"]), f"{lesson.id}.ipynb")
    released = notebook_code.extract(notebook, lesson.modules).modules
    given = {}
    for module in lesson.modules:
        solution = course.root / "solutions" / lesson.id / f"{module}.py"
        relative = str(solution.relative_to(course.root))
        stub = strip_solutions(solution.read_text(encoding="utf-8"), relative)
        given[module] = [stub] + ([released[module]] if module in released else [])
    return given
