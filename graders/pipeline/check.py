"""``python -m graders check lesson1.huber_loss``: what the test suite demands of one exercise, in a minute.

It grades, in one run of the exercise's lesson, a class made for the exercise:

- ``reference``: the solutions, which must get full marks, and ``stub``: exercises/, zero;
- one mutant per catalogue mistake of the exercise (graders/grading/mutants.py), each of which
  must lose points and be named, and be told apart from every other mistake of the exercise;
- the correct variants that write the exercise differently, the catalogue's own
  (``@catalogue.variant``) and those in tests/submissions/correct-*, which must get full marks;
- the attacks (tests/attacks/), the bad submissions (tests/submissions/bad-*) and the sample
  class (samples/class/): those that leave the exercise's module alone must keep it at full
  marks, and the sample students must keep the scores in samples/expected_scores.json;
- the corpus of correct code written as real code is (tests/corpus/), which must get full marks.

It then runs the visible tests on every mistake (graders/pipeline/visible.py): each must fail
one, or a student could learn its rule only by losing points.

Then it prints, for each mistake, every test it fails and every mistake the feedback named
it as (``mistake_views``): a mistake copied from a neighbour that fails tests it was not
written for shows at once.  ``indistinguishable`` finds pairs of mistakes that no hidden case
tells apart; the suite runs the same check on every exercise (tests/test_mistakes_are_caught.py).

``python -m graders mutant lesson1.huber_loss huber_swapped`` grades one mistake by hand
and prints its feedback.
"""

from __future__ import annotations

import argparse
import ast
import functools
import json
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from graders.course.errors import ArgumentParser, UsageError
from graders.course.model import COURSE_FILE, ROOT, Course, Exercise, load_course
from graders.grading.mistakes import Mistake, named_in
from graders.grading.mutants import (
    EXERCISES,
    SOLUTIONS,
    copy_submission,
    laid_over_solutions,
    mistakes_of,
    submission_name,
    variants_of,
    write_mutant,
)
from graders.grading.results import ExerciseResult, StudentResult
from graders.pipeline.visible import caught_by_visible_tests

TEST_SUBMISSIONS = ROOT / "tests" / "submissions"
ATTACKS = ROOT / "tests" / "attacks"
CORPUS = ROOT / "tests" / "corpus"  # correct code written as real code is
SAMPLE_CLASS = ROOT / "samples" / "class"
SAMPLE_GOLDENS = ROOT / "samples" / "expected_scores.json"


# -- what a class's results say about one exercise's mistakes --------------------------------------


@dataclass
class MistakeView:
    """How the hidden graders saw one catalogue mistake, submitted as a mutant."""

    mistake: Mistake
    student: str
    score: float
    max_score: float
    failed: list[str] = field(default_factory=list)  # the tests it did not pass
    named: Counter = field(default_factory=Counter)  # mistake name -> failed tests naming it
    alone: int = 0  # failed tests that name it and no other mistake of the exercise
    naming: list[set[str]] = field(default_factory=list)  # per failed test, the mistakes named

    def together(self, other: str) -> bool:
        """Whether every failed test that names this mistake or ``other`` names both."""
        mine = self.mistake.name
        return all({mine, other} <= names for names in self.naming if names & {mine, other})

    @property
    def problems(self) -> list[str]:
        if self.score >= self.max_score:
            return ["gets full marks: no hidden case catches it"]
        if not self.named[self.mistake.name]:
            return ["loses points, but the feedback never names it"]
        return []


def mutant_name(exercise: Exercise, mistake: Mistake) -> str:
    return submission_name(exercise.lesson, mistake)


def mistake_views(
    results: dict[str, StudentResult], exercise: Exercise, mistakes: list[Mistake]
) -> list[MistakeView]:
    """One view per mistake, from the results of its mutant (``mutant_name``)."""
    names = {m.name for m in mistakes}
    views = []
    for mistake in mistakes:
        graded = _exercise_result(results, mutant_name(exercise, mistake), exercise)
        view = MistakeView(mistake, mutant_name(exercise, mistake), graded.score, graded.max_score)
        for test in graded.tests:
            if test.status == "passed":
                continue
            view.failed.append(test.name)
            named = set(named_in(test.message)) & names
            view.naming.append(named)
            view.named.update(named)
            view.alone += named == {mistake.name}
        views.append(view)
    return views


def indistinguishable(views: list[MistakeView]) -> list[tuple[MistakeView, MistakeView]]:
    """Pairs of mistakes that no hidden case tells apart: wherever the feedback names either (on
    either one's mutant), it names both.

    Feedback then names both mistakes to every student who makes either: add a case on which
    they differ, or make them one catalogue entry.  (A mistake named alongside another on every
    case, while that other is also named alone somewhere, shows in its view: alone in 0 cases.)
    """
    pairs = []
    for i, a in enumerate(views):
        for b in views[i + 1 :]:
            named = a.named[a.mistake.name] and b.named[b.mistake.name]
            if named and a.together(b.mistake.name) and b.together(a.mistake.name):
                pairs.append((a, b))
    return pairs


def describe_view(view: MistakeView) -> list[str]:
    """The per-mistake view: score, the tests it fails, and what the feedback named it as."""
    tests = Counter(name.split("[", 1)[0] for name in view.failed)
    lines = [
        f"  {view.mistake.function.__name__} ({view.mistake.name}): "
        f"{view.score:g} / {view.max_score:g}, fails {len(view.failed)} case(s)",
        "    fails: " + (", ".join(f"{t} x{n}" for t, n in sorted(tests.items())) or "nothing"),
    ]
    named = ", ".join(
        f"{'itself' if name == view.mistake.name else repr(name)} x{n}"
        for name, n in view.named.most_common()
    )
    lines.append(f"    named as: {named or 'nothing'}; alone in {view.alone} case(s)")
    if view.named[view.mistake.name] and not view.alone:
        lines.append(
            "    note: always named together with another mistake; a case of its own would help"
        )
    lines += [f"    PROBLEM: {problem}" for problem in view.problems]
    return lines


def _exercise_result(results: dict[str, StudentResult], student: str, exercise: Exercise):
    result = results.get(student)
    graded = result.exercise(exercise.id) if result else None
    if graded is None:
        return ExerciseResult(exercise.id, 0.0, float(exercise.points), [])
    return graded


# -- the class made for one exercise ----------------------------------------------------------------


def overlay_touches(overlay: Path, exercise: Exercise) -> bool:
    """Whether a submission laid over the solutions may change how ``exercise`` is graded.

    It may when one of its modules in the exercise's lesson does not parse, or runs code at
    import beyond imports, plain constants and undecorated definitions (such code runs in the
    process that grades every exercise of the lesson), or, in the exercise's own module, binds
    a name the solution's entry point uses (the entry point itself, a helper, an import).
    """
    # an overlay's own `import torch` binds what the solution's does
    used, same_imports = solution_bindings(exercise)
    for module in sorted((overlay / exercise.lesson).glob("*.py")):
        try:
            body = ast.parse(module.read_text()).body
        except (SyntaxError, ValueError, OSError):
            return True
        own = module.stem == exercise.module
        for node in body:
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # a docstring
            bound = _bound_names(node)
            if bound is None:
                return True  # code that runs at import
            if own and bound & used and ast.dump(node) not in same_imports:
                return True
    return False


def _bound_names(node: ast.stmt) -> set[str] | None:
    """The names a top-level statement binds, or None when it runs code of its own at import."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        if node.decorator_list or (
            isinstance(node, ast.ClassDef)
            and any(
                not isinstance(item, ast.FunctionDef | ast.Pass | ast.Expr) for item in node.body
            )
        ):
            return None
        return {node.name}
    if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Constant):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if all(isinstance(target, ast.Name) for target in targets):
            return {target.id for target in targets}
    return None


@functools.cache
def solution_bindings(exercise: Exercise) -> tuple[frozenset[str], frozenset[str]]:
    """(``exercise``'s entry point and every module-level name it uses in the solution, followed
    through helpers; the solution module's imports, as ``ast.dump`` strings): read once."""
    try:
        body = ast.parse((SOLUTIONS / exercise.module_path).read_text()).body
    except (OSError, SyntaxError, ValueError):
        return frozenset({exercise.entry}), frozenset()
    defined = {}
    for node in body:
        for name in _bound_names(node) or ():
            defined[name] = node
    used, todo = set(), [exercise.entry]
    while todo:
        name = todo.pop()
        if name in used:
            continue
        used.add(name)
        node = defined.get(name)
        if node is not None:
            todo += [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in defined]
    imports = {ast.dump(node) for node in body if isinstance(node, ast.Import | ast.ImportFrom)}
    return frozenset(used), frozenset(imports)


def defines(overlay: Path, exercise: Exercise) -> bool:
    module = overlay / exercise.module_path
    try:
        body = ast.parse(module.read_text()).body if module.is_file() else []
    except (SyntaxError, ValueError):
        return False
    return any(
        isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == exercise.entry
        for node in body
    )


@dataclass
class CheckClass:
    """The class ``write_check_class`` wrote, and what each student must get on the exercise."""

    folder: Path
    exercise: Exercise
    mistakes: list[Mistake]
    full_marks: list[str] = field(default_factory=list)
    zero: list[str] = field(default_factory=list)
    goldens: dict[str, float] = field(default_factory=dict)  # sample student -> score
    touched: list[str] = field(default_factory=list)  # graded, but nothing is demanded


def write_check_class(course: Course, exercise: Exercise, folder: Path) -> CheckClass:
    lesson = exercise.lesson
    made = CheckClass(folder, exercise, mistakes_of(course, exercise))
    copy_submission(SOLUTIONS, folder / "reference", [lesson])
    copy_submission(EXERCISES, folder / "stub", [lesson])
    made.full_marks.append("reference")
    made.zero.append("stub")
    for mistake in made.mistakes:
        write_mutant(folder / mutant_name(exercise, mistake), lesson, exercise.module, mistake)
    for variant in variants_of(course, exercise):
        student = submission_name(lesson, variant)
        write_mutant(folder / student, lesson, exercise.module, variant)
        made.full_marks.append(student)
    overlays = []
    if TEST_SUBMISSIONS.is_dir():
        overlays += sorted(p for p in TEST_SUBMISSIONS.iterdir() if (p / lesson).is_dir())
    if ATTACKS.is_dir():
        overlays += sorted(p for p in ATTACKS.iterdir() if (p / lesson).is_dir())
    for overlay in overlays:
        student = f"{overlay.parent.name}-{overlay.name}"
        laid_over_solutions(folder / student, overlay, overlay.parent.name)
        if overlay.name.startswith("correct-"):
            if defines(overlay, exercise):
                made.full_marks.append(student)
            else:
                shutil.rmtree(folder / student)  # a variant of the lesson's other exercises
        elif overlay_touches(overlay, exercise):
            made.touched.append(student)
        else:
            made.full_marks.append(student)
    if CORPUS.is_dir():
        for overlay in sorted(p for p in CORPUS.iterdir() if (p / lesson).is_dir()):
            if defines(overlay, exercise):
                student = f"corpus-{overlay.name}"
                laid_over_solutions(folder / student, overlay, "corpus")
                made.full_marks.append(student)
    goldens = json.loads(SAMPLE_GOLDENS.read_text()) if SAMPLE_GOLDENS.is_file() else {}
    if SAMPLE_CLASS.is_dir():
        for sample in sorted(p for p in SAMPLE_CLASS.iterdir() if (p / lesson).is_dir()):
            shutil.copytree(sample, folder / f"sample-{sample.name}", symlinks=True)
            want = goldens.get(sample.name, {}).get(exercise.id)
            if want is None:
                made.touched.append(f"sample-{sample.name}")
            else:
                made.goldens[f"sample-{sample.name}"] = float(want)
    return made


def verdicts(made: CheckClass, results: dict[str, StudentResult]) -> tuple[list[str], list[str]]:
    """(lines to show, problems): every demand on the class, and those not met."""
    exercise = made.exercise
    lines, problems = [], []

    def score_of(student: str) -> ExerciseResult:
        return _exercise_result(results, student, exercise)

    def demand(student: str, ok: bool, wanted: str, graded: ExerciseResult) -> None:
        shown = f"{graded.score:g} / {graded.max_score:g}"
        lines.append(f"  {'ok ' if ok else 'BAD'} {student}: {shown}, {wanted}")
        if not ok:
            failing = [
                f"{t.name}: {' / '.join(t.message.splitlines())[:300]}"
                for t in graded.tests
                if t.status != "passed"
            ]
            problems.append(f"{student}: {shown}, expected {wanted}")
            lines.extend(f"        {line}" for line in failing[:3])

    lines.append(f"{exercise.id}: the reference, the stub and the submissions that leave it alone")
    for student in made.full_marks:
        graded = score_of(student)
        demand(student, graded.score == graded.max_score, "full marks", graded)
    for student in made.zero:
        graded = score_of(student)
        demand(student, graded.score == 0, "zero", graded)
    for student, want in made.goldens.items():
        graded = score_of(student)
        ok = abs(graded.score - want) < 5e-5  # the goldens keep four decimals
        demand(student, ok, f"{want:g} (samples/expected_scores.json)", graded)
    for student in made.touched:
        graded = score_of(student)
        lines.append(f"  --  {student}: {graded.score:g} / {graded.max_score:g} (changes it)")
    views = mistake_views(results, exercise, made.mistakes)
    lines.append(f"{exercise.id}: {len(views)} catalogue mistakes")
    if len(views) < 5:
        problems.append(f"only {len(views)} catalogue mistakes; write at least five")
    for view in views:
        lines += describe_view(view)
        problems += [f"{view.mistake.function.__name__}: {p}" for p in view.problems]
    for a, b in indistinguishable(views):
        problems.append(
            f"{a.mistake.function.__name__} and {b.mistake.function.__name__}: no hidden case tells "
            "them apart, so the feedback names both; add a case where they differ, or merge them"
        )
    return lines, problems


def visible_test_problems(exercise: Exercise, made: CheckClass, lines: list[str]) -> list[str]:
    """The mistakes no visible test fails on (graders/pipeline/visible.py): rules a student
    could learn only by losing points.  Adds a line to ``lines``."""
    entries = [(exercise.lesson, exercise.module, mistake) for mistake in made.mistakes]
    caught = caught_by_visible_tests(entries)
    missed = [m for m in made.mistakes if not caught[submission_name(exercise.lesson, m)]]
    lines.append(
        f"{exercise.id}: the visible tests fail on {len(made.mistakes) - len(missed)} of "
        f"{len(made.mistakes)} mistakes"
    )
    test_file = f"solutions/{exercise.lesson}/test_{exercise.module}.py"
    return [
        f"{m.function.__name__}: passes every visible test; add one for its rule to {test_file}"
        for m in missed
    ]


def grade_folder(folder: Path, out: Path, lesson: str, course_file: Path, jobs: int):
    from graders.pipeline.grade import Options, grade

    graded = grade(
        folder,
        Options(out=out, lessons=[lesson], jobs=jobs, course_file=course_file, quiet=True),
    )
    return {result.student: result for result in graded.results}


def main(argv: list[str] | None = None) -> int:
    """Check one exercise as the test suite would: reference, stub, mistakes, variants, attacks, sample."""
    parser = ArgumentParser(prog="python -m graders check", description=main.__doc__)
    parser.add_argument("exercise", help="the exercise's id, as in course.toml: lesson1.huber_loss")
    # Most of a check's wall clock waits on the attacks' timeouts (an infinite loop, a sleep at
    # import), not on the CPU: more shards than cores spread those waits.
    parser.add_argument("--jobs", type=int, default=6, help="grading processes (default 6)")
    parser.add_argument("--keep", type=Path, help="keep the class and its results in this folder")
    parser.add_argument("--course", type=Path, default=COURSE_FILE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    course = load_course(args.course)
    exercise = find_exercise(course, args.exercise)
    work = args.keep or Path(tempfile.mkdtemp(prefix="graders-check-"))
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        raise UsageError(f"--keep {args.keep}: the folder is not empty; give a new one")
    try:
        made = write_check_class(course, exercise, work / "class")
        results = grade_folder(made.folder, work / "out", exercise.lesson, args.course, args.jobs)
        lines, problems = verdicts(made, results)
        problems += visible_test_problems(exercise, made, lines)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("\n".join(lines))
    if problems:
        print(f"\n{len(problems)} problem(s):")
        print("\n".join(f"  {p}" for p in problems))
        return 1
    print(f"\n{exercise.id}: everything the suite demands of it holds")
    return 0


def find_exercise(course: Course, exercise_id: str) -> Exercise:
    try:
        return course.exercise(exercise_id)
    except Exception:
        known = ", ".join(e.id for e in course.exercises)
        raise UsageError(f"no exercise {exercise_id!r} in course.toml; one of: {known}") from None
