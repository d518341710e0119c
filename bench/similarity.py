"""What comparing every pair of submissions costs, on synthetic lesson-1 classes.

    python bench/similarity.py make CLASS --students 200      # a class folder to grade
    python bench/similarity.py compare --students 200 1000    # the comparison alone, in process
    python bench/similarity.py settings                       # copies against independents, per setting

Each synthetic student's losses.py takes each loss function from one of six independent correct
implementations (tests/similarity/independent/ and the sample class's ada), with every helper
they need, puts lines of its own between each function's statements (``own_line``: a random
expression, since real students write the same idea with steps and checks of their own), then
renames its own names, shuffles its definitions and redoes its layout (tests/test_similarity.py
``disguised``); selection.py is ada's or the reference's, disguised alike.  One student in
twenty hands in a disguised copy of a classmate's, so the class has known copied pairs.  So
pairs share anything from nothing to whole functions, as a real class does, and every
comparison path runs.

``compare`` prints, per class size, the comparison's wall time and peak memory (tracemalloc)
over both modules, and how many of the known copied pairs were flagged and how many others,
with the course's settings and with no passage treated as common (``common`` very large: every
pair that shares a fingerprint is measured, the worst case).
The cost inside grading is measured by timing ``grade`` against ``grade --no-similarity`` on
a class made by ``make`` (docs/measurements.md).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import itertools
import random
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_similarity import ADA, INDEPENDENT, MODULE, disguised  # noqa: E402

from graders.course.model import load_course  # noqa: E402
from graders.packaging.build import given_code  # noqa: E402
from graders.reports.similarity import compare_module  # noqa: E402
from graders.reports.similaritypage import PAGES_PER_MODULE  # noqa: E402

LOSSES = ("mse", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits")
LOSSES += ("cross_entropy",)


def implementations() -> list[dict[str, str]]:
    """Per implementation: its imports and helpers ("" key) and each loss function's source."""
    files = [p / MODULE for p in sorted(INDEPENDENT.iterdir())] + [ADA / MODULE]
    found = []
    for path in files:
        source = path.read_text()
        tree = ast.parse(source)
        parts = {"": []}
        for node in tree.body:
            text = ast.get_source_segment(source, node)
            name = getattr(node, "name", None)
            if name in LOSSES:
                parts[name] = text
            elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
                parts[""].append(text)
        found.append(parts)
    return found


def own_line(rng: random.Random) -> str:
    """A statement of some 25 tokens whose shape is this student's own: an expression tree of
    random operators and calls, as a student's own checks, asserts and intermediate values are."""

    def expression(depth: int) -> str:
        if depth == 0:
            return rng.choice(["input", "target", "1.0", "2", "input.shape[0]"])
        if rng.random() < 0.4:
            call = rng.choice(["torch.abs", "torch.exp", "float", "torch.sqrt", "len"])
            return f"{call}({expression(depth - 1)})"
        operator = rng.choice(["+", "-", "*", "/", "**", "%"])
        return f"({expression(depth - 1)} {operator} {expression(depth - 1)})"

    return f"_own = {expression(3)}"


def with_own_lines(source: str, rng: random.Random) -> str:
    """Each loss function with lines of the student's own between its statements, one per two:
    real students write the same idea with intermediate steps and checks of their own, so
    their code is not made only of what classmates write too."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in LOSSES:
            for _ in range(max(1, len(node.body) // 2)):
                at = rng.randrange(len(node.body))  # never after the final return
                node.body.insert(at, ast.parse(own_line(rng)).body[0])
    return ast.unparse(tree)


def student_code(rng: random.Random, pool: list[dict], selections: list[str]) -> dict[str, str]:
    chosen = [rng.randrange(len(pool)) for _ in LOSSES]
    helpers = []
    for index in dict.fromkeys(chosen):
        helpers += [h for h in pool[index][""] if h not in helpers]
    imports = [h for h in helpers if h.startswith(("import", "from"))]
    rest = [h for h in helpers if h not in imports]
    body = imports + rest + [pool[i][name] for i, name in zip(chosen, LOSSES)]
    seed = rng.randrange(1 << 30)
    return {
        "losses.py": disguised(with_own_lines("\n\n\n".join(body) + "\n", rng), seed),
        "selection.py": disguised(rng.choice(selections), seed),
    }


def synthetic_class(students: int, seed: int = 0) -> tuple[dict[str, dict[str, str]], set]:
    """Student -> module -> code, and the pairs of students whose code is one original's."""
    rng = random.Random(seed)
    pool = implementations()
    selections = [
        (ADA / "lesson1" / "selection.py").read_text(),
        (ROOT / "solutions" / "lesson1" / "selection.py").read_text(),
    ]
    made: dict[str, dict[str, str]] = {}
    original_of: dict[str, str] = {}
    for number in range(students):
        name = f"s{number:04d}"
        if made and rng.random() < 0.05:  # a copy of a classmate's, disguised again
            copied = rng.choice(sorted(made))
            original_of[name] = original_of[copied]
            made[name] = {
                m: disguised(code, rng.randrange(1 << 30)) for m, code in made[copied].items()
            }
        else:
            original_of[name] = name
            made[name] = student_code(rng, pool, selections)
    copies = {
        (first, second)
        for first, second in itertools.combinations(sorted(made), 2)
        if original_of[first] == original_of[second]
    }
    return made, copies


def make(folder: Path, students: int) -> None:
    for name, modules in synthetic_class(students)[0].items():
        (folder / name / "lesson1").mkdir(parents=True, exist_ok=True)
        for module, code in modules.items():
            (folder / name / "lesson1" / module).write_text(code)
    print(f"wrote {students} submissions to {folder}")


def compare(sizes: list[int]) -> None:
    course = load_course()
    lesson = course.lesson("lesson1")
    settings = course.similarity

    def run(made: dict, copies: set, chosen) -> tuple[int, int]:
        """Both modules compared, the stub and notebook code read as grade reads them; the
        flagged pairs of losses.py that are copies, and every other flagged pair."""
        found, others = 0, 0
        given = given_code(course, lesson)
        for module in lesson.modules:
            sources = {s: m[f"{module}.py"] for s, m in made.items()}
            compared = compare_module(
                f"lesson1/{module}.py", sources, given[module], chosen, PAGES_PER_MODULE
            )
            for pair in compared.pairs:
                if module == "losses" and (pair.first, pair.second) in copies:
                    found += 1
                else:
                    others += 1
        return found, others

    for students in sizes:
        made, copies = synthetic_class(students)
        for label, chosen in (
            ("course settings", settings),
            ("nothing common (worst case)", dataclasses.replace(settings, common=10**9)),
        ):
            started = time.perf_counter()
            found, others = run(made, copies, chosen)
            seconds = time.perf_counter() - started
            tracemalloc.start()  # a second run: tracing slows every allocation several fold
            run(made, copies, chosen)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(
                f"{students:5d} submissions, {label:28s}: {seconds:6.2f} s, "
                f"peak {peak / 2**20:6.1f} MiB; flagged {found} of the {len(copies)} copied "
                f"pairs of losses.py, and {others} other pair(s)",
                flush=True,
            )


def settings_sweep() -> None:
    """The scores docs/similarity.md gives, for the default settings and their neighbours:
    tests/test_similarity.py's independent class, its disguised copies, the reference, and one
    borrowed function."""
    from test_similarity import (
        compared,
        independent_sources,
        scores,
        with_numbers_and_strings_changed,
    )

    course = load_course()
    given = given_code(course, course.lesson("lesson1"))["losses"]
    reference = (ROOT / "solutions" / MODULE).read_text()
    for min_match, window in ((20, 8), (12, 8), (15, 8), (25, 10), (20, 4), (20, 10)):
        chosen = dataclasses.replace(course.similarity, min_match=min_match, window=window)
        sources = independent_sources()
        independent = max(compared(sources, given, chosen).scores)
        against = scores(compared({**sources, "~reference": reference}, given, chosen))
        to_reference = [score for pair, score in against.items() if "~reference" in pair]
        copies = dict(sources)
        for number, student in enumerate(sorted(sources), start=1):
            copies[f"~copy-of-{student}"] = disguised(sources[student], number)
        copies["~copy-of-lena"] = with_numbers_and_strings_changed(copies["~copy-of-lena"])
        copied = [
            s
            for (a, b), s in scores(compared(copies, given, chosen)).items()
            if b == f"~copy-of-{a}"
        ]
        kofi, noor = sources["kofi"], sources["noor"]
        borrower = noor[: noor.index("def cross_entropy")] + kofi[kofi.index("def cross_entropy") :]
        borrowed = scores(compared({**sources, "borrower": borrower}, given, chosen))[
            ("borrower", "kofi")
        ]
        print(
            f"min_match {min_match:2d}, window {window:2d}: copies {min(copied):.0%} to "
            f"{max(copied):.0%}; independents at most {independent:.0%}; against the reference "
            f"{min(to_reference):.0%} to {max(to_reference):.0%}; one borrowed function {borrowed:.0%}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    made = verbs.add_parser("make")
    made.add_argument("folder", type=Path)
    made.add_argument("--students", type=int, default=200)
    compared = verbs.add_parser("compare")
    compared.add_argument("--students", type=int, nargs="+", default=[200, 1000])
    verbs.add_parser("settings")
    args = parser.parse_args()
    if args.verb == "make":
        make(args.folder, args.students)
    elif args.verb == "settings":
        settings_sweep()
    else:
        compare(args.students)


if __name__ == "__main__":
    main()
