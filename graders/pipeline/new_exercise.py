"""``python -m graders new-exercise lesson1 robust huber_loss``: the files of a new exercise, to fill in.

It writes, into the two places an exercise lives (docs/writing-graders.md walks through each):

- ``solutions/<lesson>/<module>.py``: the entry point, its docstring to write and its body
  between ``### BEGIN SOLUTION`` and ``### END SOLUTION``;
- ``solutions/<lesson>/test_<module>.py``: a visible test;
- ``graders/<lesson>/test_<module>.py``: a hidden grader with its marks and named inputs;
- ``graders/<lesson>/mistakes_<module>.py``: the catalogue, with the first mistake and the
  first correct variant to write;
- ``course.toml``: the exercise's entry at the end of its lesson.

Files that exist are appended to, never overwritten.  Each piece says what to write in a
``TODO``, and nothing passes until it is written: the reference raises NotImplementedError, so
``python -m graders check <lesson>.<entry>`` fails until the exercise is done.
"""

from __future__ import annotations

import re
from pathlib import Path

from graders.course.errors import ArgumentParser, UsageError
from graders.course.model import COURSE_FILE, ROOT, load_course

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

SOLUTION_MODULE = '''"""{title}: TODO say what this module's exercises teach."""
'''

SOLUTION = '''

def {entry}(input, target):
    """TODO what the student reads: what to compute, the formula, why it is built this way, and
    what PyTorch calls it.  Students get this docstring and a stub.

    Args:
        input: TODO
        target: TODO

    Returns:
        TODO
    """
    ### BEGIN SOLUTION
    raise NotImplementedError("TODO write the reference solution")
    ### END SOLUTION
'''

VISIBLE_TESTS_MODULE = '''"""Visible tests for {lesson}/{module}.py: small and fast, against PyTorch where it can."""

import torch
from checks import check_close

from {lesson} import {module}
'''

VISIBLE_TEST = """

def test_{entry}_matches_torch():
    input, target = torch.tensor([0.5, 1.0, -2.0]), torch.tensor([1.0, 1.0, 0.0])
    want = torch.tensor(0.0)  # TODO what PyTorch computes, e.g. torch.nn.functional.<loss>(...)
    check_close({module}.{entry}(input, target), want, "{entry}(input, target)")
"""

GRADER_MODULE = '''"""Hidden graders for {lesson}/{module}.py: TODO what the cases cover, and why."""

import pytest

from graders.api import describe_call, load_reference

from .mistakes_{module} import catalogue

ref = load_reference("{lesson}.{module}")
'''

GRADER = """

@pytest.mark.inputs("{words} values")
@pytest.mark.exercise("{lesson}.{entry}", weight=1)
@pytest.mark.parametrize("shape", [(7,), (4, 3)], ids=str)
def test_{entry}_values(student, expect, gen, dtype, shape):
    # TODO inputs that expose mistakes: several shapes, extreme values, both dtypes
    input, target = gen.normal(*shape, dtype=dtype), gen.normal(*shape, dtype=dtype)
    expect.close(
        student.call(input, target),
        ref.{entry}(input, target),
        what=describe_call("{entry}", input, target),
        mistakes=catalogue.of("{entry}"),
        recompute=lambda wrong: wrong(input, target),
    )
"""

CATALOGUE_MODULE = '''"""Plausible wrong implementations of {lesson}/{module}.py, recognised by their output.

Each function is a complete wrong answer with the entry point's signature (see
graders/grading/mistakes.py): graders name it when a student's result equals its output, and the
test suite grades it as a mutant submission that must lose points.  Each is pasted into the
solution's module, so it may use what that module imports.
"""

from graders.api import Catalogue

catalogue = Catalogue()
'''

MISTAKE = """

# -- {entry} --------------------------------------------------------------------------------
# TODO at least five mistakes students make, each a complete function with the entry's signature.


@catalogue.mistake(
    "{entry}",
    "TODO what the mistake is, read after 'This looks like '",
    "TODO what to change",
)
def {entry}_todo(input, target):
    raise NotImplementedError("TODO write a wrong {entry} a student would write")


# TODO two correct answers written differently from the reference: the suite grades each as a
# submission that must get full marks.
@catalogue.variant("{entry}", "TODO how it differs from the reference")
def {entry}_variant_todo(input, target):
    raise NotImplementedError("TODO write a right {entry}, differently from the reference")
"""

COURSE_ENTRY = """
[[lesson.exercise]]
entry = "{entry}"
module = "{module}"
points = {points}
summary = "TODO one line on what the exercise asks"
forbidden = []  # TODO the ready-made calls it replaces: dotted names and aten:: names
"""


def add_to_course_toml(path: Path, lesson: str, block: str) -> None:
    """``block`` at the end of ``lesson``'s part of course.toml, before the next [[lesson]]."""
    text = path.read_text()
    start = re.search(rf'^\[\[lesson\]\]\s*\nid = "{re.escape(lesson)}"', text, re.MULTILINE)
    if start is None:
        raise UsageError(f"{path}: no [[lesson]] with id = {lesson!r}")
    following = re.search(r"^(# -+\n)?\[\[lesson\]\]", text[start.end() :], re.MULTILINE)
    at = start.end() + following.start() if following else len(text)
    head = text[:at].rstrip("\n") + "\n"
    tail = text[at:]
    path.write_text(head + block + ("\n" + tail if tail else ""))


def append(path: Path, header: str, piece: str, names: dict) -> str:
    """Append ``piece`` to ``path``, starting it with ``header`` when it is new; what was done."""
    existed = path.is_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text() if existed else header.format(**names)
    path.write_text(text.rstrip("\n") + "\n" + piece.format(**names))
    return f"{'added to' if existed else 'wrote'} {path.relative_to(ROOT)}"


def main(argv: list[str] | None = None) -> int:
    """Write the files of a new exercise, to fill in: solution, visible test, grader, mistakes, course.toml."""
    parser = ArgumentParser(prog="python -m graders new-exercise", description=main.__doc__)
    parser.add_argument("lesson", help="a lesson of course.toml: lesson1")
    parser.add_argument("module", help="the student module: robust (solutions/<lesson>/robust.py)")
    parser.add_argument("entry", help="the function or class students write: huber_loss")
    parser.add_argument("--points", type=int, default=4, help="the exercise's points (default 4)")
    args = parser.parse_args(argv)
    course = load_course(COURSE_FILE)
    lesson = next((lesson for lesson in course.lessons if lesson.id == args.lesson), None)
    if lesson is None:
        known = ", ".join(lesson.id for lesson in course.lessons)
        raise UsageError(f"no lesson {args.lesson!r} in course.toml; one of: {known}")
    for what, name in (("module", args.module), ("entry", args.entry)):
        if not _NAME.fullmatch(name) or name.startswith("test_"):
            raise UsageError(
                f"{what} {name!r} must be a Python name that does not start with test_"
            )
    if any(e.entry == args.entry for e in course.exercises):
        raise UsageError(f"course.toml already has an exercise {args.entry!r}; choose another name")
    names = {
        "lesson": args.lesson,
        "module": args.module,
        "entry": args.entry,
        "title": lesson.title,
        "words": args.entry.replace("_", " "),
        "points": args.points,
    }
    solutions, graders = ROOT / "solutions" / args.lesson, ROOT / "graders" / args.lesson
    done = [
        append(solutions / f"{args.module}.py", SOLUTION_MODULE, SOLUTION, names),
        append(solutions / f"test_{args.module}.py", VISIBLE_TESTS_MODULE, VISIBLE_TEST, names),
        append(graders / f"test_{args.module}.py", GRADER_MODULE, GRADER, names),
        append(graders / f"mistakes_{args.module}.py", CATALOGUE_MODULE, MISTAKE, names),
    ]
    add_to_course_toml(COURSE_FILE, args.lesson, COURSE_ENTRY.format(**names))
    done.append("added the exercise to course.toml")
    exercise = f"{args.lesson}.{args.entry}"
    print("\n".join(done))
    print(
        f"""
Next (docs/writing-graders.md walks through each):
  1. write the solution and its docstring, and the visible test, in solutions/{args.lesson}/
  2. fill in course.toml's entry: summary, points, forbidden calls
  3. write the hidden grader's cases and at least five mistakes in graders/{args.lesson}/
  4. two correct variants written differently (@catalogue.variant, beside the mistakes)
  5. python -m graders build            (the stub in exercises/, the notebook in nbgrader/)
  6. python -m graders check {exercise}   (what the suite demands of it, in a minute)"""
    )
    return 0
