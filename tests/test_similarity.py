"""Similar submissions: copies are flagged however disguised, independent solutions and the stub never.

The independent class is tests/similarity/independent/ (five correct lesson-1 losses.py written
in five styles, each graded 24/24 on losses) with the sample class's ada, who writes her own way
too.  Copies are made from them as a copier makes them: identifiers renamed, functions
reordered, comments and layout redone (``disguised``).  One class is graded end to end, once,
for the report, the pages, similarity.csv and what students see.
"""

from __future__ import annotations

import ast
import builtins
import csv
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from classbuilder import EXERCISES, entries_of, write_notebook
from conftest import ROOT, run_cli

from graders.course.model import Similarity
from graders.notebooks.source import lesson_notebook
from graders.packaging.build import given_code
from graders.pipeline import similarity as similarity_stage
from graders.reports import similarity as similarity_module
from graders.reports import similaritypage
from graders.reports.similarity import compare_module, normalise

INDEPENDENT = Path(__file__).resolve().parent / "similarity" / "independent"
ADA = ROOT / "samples" / "class" / "ada"
MODULE = "lesson1/losses.py"
ENTRIES = entries_of("lesson1", "losses")
DEFAULTS = Similarity()  # course.toml sets none
KEEP = set(dir(builtins)) | {"torch", "input", "target", "reduction", "delta", "Tensor"}


def independent_sources() -> dict[str, str]:
    sources = {p.parts[-3]: p.read_text() for p in sorted(INDEPENDENT.glob("*/lesson1/losses.py"))}
    sources["ada"] = (ADA / MODULE).read_text()
    return sources


def disguised(source: str, seed: int) -> str:
    """``source`` as a copier hands it in: every name of their own renamed (the entry points and
    their parameters stay: the grader calls them), top-level definitions shuffled, docstrings
    and comments dropped, and the layout redone by ``ast.unparse``."""
    renamed: dict[str, str] = {}

    def rename(name: str) -> str:
        if name in KEEP or name in ENTRIES:
            return name
        return renamed.setdefault(name, f"q{len(renamed)}_{name[::-1].strip('_')}")

    class Renamer(ast.NodeTransformer):
        def visit_Name(self, node):
            node.id = rename(node.id)
            return node

        def visit_arg(self, node):
            node.arg = rename(node.arg)
            return node

        def visit_FunctionDef(self, node):
            node.name = rename(node.name)
            node.body = [n for n in node.body if not _is_docstring(n)] or [ast.Pass()]
            self.generic_visit(node)
            return node

        def visit_ClassDef(self, node):
            node.name = rename(node.name)
            self.generic_visit(node)
            return node

    tree = Renamer().visit(ast.parse(source))
    imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    rest = [n for n in tree.body if n not in imports and not _is_docstring(n)]
    random.Random(seed).shuffle(rest)
    tree.body = imports + rest
    return "# all my own work\n" + ast.unparse(tree) + "\n"


def _is_docstring(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def with_numbers_and_strings_changed(source: str) -> str:
    """Every number and every string literal replaced: what literal normalisation must ignore."""
    source = re.sub(r"\b\d+\.\d+\b", "7.25", source)
    return re.sub(r'"[a-z ]*"', '"other words"', source)


@pytest.fixture(scope="module")
def given(course):
    return given_code(course, course.lesson("lesson1"))["losses"]


def compared(sources: dict[str, str], given, settings=DEFAULTS):
    return compare_module(MODULE, sources, given, settings, shown=len(sources) ** 2)


def scores(result) -> dict[tuple[str, str], float]:
    students = result.students
    pairs = [(a, b) for i, a in enumerate(students) for b in students[i + 1 :]]
    return dict(zip(pairs, result.scores))


def test_independent_correct_solutions_are_never_flagged(given):
    result = compared(independent_sources(), given)
    assert len(result.students) == 6 and len(result.scores) == 15
    assert not result.pairs, [(p.first, p.second, p.score) for p in result.pairs]
    # with room to spare: nothing comes near the threshold
    assert max(result.scores) < 0.6 * DEFAULTS.threshold, scores(result)


def test_renamed_reordered_reformatted_copies_are_flagged(given):
    sources = independent_sources()
    sources["copy-of-kofi"] = disguised(sources["kofi"], seed=1)
    sources["copy-of-lena"] = with_numbers_and_strings_changed(disguised(sources["lena"], seed=2))
    sources["verbatim-ines"] = sources["ines"]
    assert "def _finish" not in sources["copy-of-kofi"]  # really renamed
    result = compared(sources, given)
    flagged = {(p.first, p.second): p for p in result.pairs}
    assert set(flagged) == {
        ("copy-of-kofi", "kofi"),
        ("copy-of-lena", "lena"),
        ("ines", "verbatim-ines"),
    }
    assert flagged[("ines", "verbatim-ines")].score == 1.0
    assert all(p.score >= 0.9 for p in flagged.values()), flagged


def test_a_module_copied_into_a_longer_one_is_flagged(given):
    sources = independent_sources()
    extra = (INDEPENDENT / "mateo" / MODULE).read_text().split("\n\n\n", 2)[-1]
    sources["padded"] = (
        disguised(sources["noor"], seed=3) + "\n\n" + extra.replace("def ", "def my_")
    )
    result = compared(sources, given)
    pair = next(p for p in result.pairs if {p.first, p.second} == {"noor", "padded"})
    assert pair.shares[0] > 0.9 and pair.shares[1] < pair.shares[0]


def test_the_stub_and_the_given_notebook_code_never_count(given, course):
    stub = (EXERCISES / MODULE).read_text()
    sources = {"stub-a": stub, "stub-b": stub, "stub-c": disguised(stub, seed=4)}
    notebook_code = given[1]
    sources["notebook-given"] = notebook_code
    result = compared(sources, given)
    assert not result.pairs and max(result.scores) == 0.0
    # the same files do match when nobody says they were given: the test can fail
    assert compared(sources, []).pairs


SHORT_HELPER = """

def _same_shape(first, second):
    if first.shape != second.shape:
        raise ValueError(f"shapes {tuple(first.shape)} and {tuple(second.shape)} differ")
    return first.reshape(-1), second.reshape(-1)
"""


def test_in_a_class_that_shares_most_code_a_few_uncommon_tokens_are_not_a_copy(given, monkeypatch):
    noor, kofi = INDEPENDENT / "noor" / MODULE, INDEPENDENT / "kofi" / MODULE
    noor, kofi = noor.read_text(), kofi.read_text()
    sources = {f"class-{i:02d}": noor for i in range(DEFAULTS.common + 1)}  # all common code
    # two more who wrote the class's code and the same short helper: little code of their own
    sources["helper-a"] = noor + SHORT_HELPER
    sources["helper-b"] = disguised(noor + SHORT_HELPER, seed=5)
    # one whose cross entropies (three of five losses) are their own, and a disguised copy
    helper = kofi[kofi.index("def _finish") : kofi.index("def mse")]
    own = noor[: noor.index("def binary_cross_entropy")] + helper
    own += kofi[kofi.index("def binary_cross_entropy") :]
    sources["own"], sources["copy-of-own"] = own, disguised(own, seed=6)
    result = compared(sources, given)
    assert [(p.first, p.second) for p in result.pairs] == [("copy-of-own", "own")]
    # the copy's share is of its own code, not of the code the whole class wrote
    assert result.pairs[0].score > 0.9
    # the helper matches, but it is too small a part of their code to score high
    assert 0 < scores(result)[("helper-a", "helper-b")] < DEFAULTS.threshold / 2
    # without the floor under the share, the helper is most of their own code: flagged
    monkeypatch.setattr(similarity_module, "OWN_CODE_FLOOR", 0.0)
    assert scores(compared(sources, given))[("helper-a", "helper-b")] >= DEFAULTS.threshold


def test_a_copied_function_shows_against_the_rest_of_its_module(given):
    sources = independent_sources()
    kofi, noor = sources["kofi"], sources["noor"]
    start = kofi.index("def cross_entropy")
    sources["borrower"] = noor[: noor.index("def cross_entropy")] + kofi[start:]
    result = compared(sources, given)
    borrowed = scores(result)[("borrower", "kofi")]
    assert 0.05 < borrowed < DEFAULTS.threshold  # part of the module, under the threshold
    assert borrowed > max(s for (a, b), s in scores(result).items() if "borrower" not in (a, b))


def test_a_match_spans_code_and_each_reordered_function_is_a_match_of_its_own(given):
    sources = {"kofi": independent_sources()["kofi"]}
    sources["copy"] = disguised(sources["kofi"], seed=5)
    pair = compared(sources, given).pairs[0]
    code = sources["copy"]
    marked = "".join(code[start:end] for start, end in pair.spans[1])
    assert "torch.log1p(torch.exp(-torch.abs(input)))" in marked
    assert len(set(pair.matches[0])) >= 3  # shuffled functions: several matches, numbered alike
    assert set(pair.matches[0]) == set(pair.matches[1])


def test_normalising_keeps_the_structure_only():
    first = normalise("x = foo(1.5, 'a')  # note\ny = x ** 2\n")
    second = normalise('weight = bar(3, "bb")\n\n\nresult   =   weight ** 7\n')
    assert first.tokens == second.tokens
    assert normalise("if a:\n    return b\n").tokens != normalise("while a:\n    return b\n").tokens


def test_scores_are_the_same_in_every_process():
    """copydetect hashes with Python's hash(), salted per process; the scores here must not move."""
    script = (
        "import json, sys\n"
        "from tests.test_similarity import compared, independent_sources, disguised\n"
        "from graders.course.model import load_course\n"
        "from graders.packaging.build import given_code\n"
        "course = load_course()\n"
        "sources = independent_sources()\n"
        "sources['copy'] = disguised(sources['lena'], 7)\n"
        "given = given_code(course, course.lesson('lesson1'))['losses']\n"
        "print(json.dumps(compared(sources, given).scores))\n"
    )
    runs = []
    for seed in ("1", "2"):
        process = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}"},
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(process.stdout))
    assert runs[0] == runs[1] and max(runs[0]) > 0.9


# -- one class, graded end to end ------------------------------------------------------------------


def notebook_with(course, module_code: str) -> dict:
    """lesson 1's notebook, its losses cells replaced by one cell holding ``module_code``."""
    lesson = course.lesson("lesson1")
    notebook = lesson_notebook(course, lesson, outline="")
    first = True
    cells = []
    for cell in notebook["cells"]:
        if cell.get("metadata", {}).get("graders", {}).get("module") == "losses":
            if not first:
                continue
            first = False
            cell = {**cell, "source": module_code.splitlines(keepends=True)}
            cell["metadata"] = {"graders": {"module": "losses"}}
        cells.append(cell)
    return {**notebook, "cells": cells}


@pytest.fixture(scope="module")
def similar_class(tmp_path_factory, course):
    folder = tmp_path_factory.mktemp("similar-class")
    for student in sorted(INDEPENDENT.iterdir()):
        shutil.copytree(student, folder / student.name)
    shutil.copytree(ADA, folder / "ada")
    (folder / "zed" / "lesson1").mkdir(parents=True)  # kofi's, disguised
    (folder / "zed" / MODULE).write_text(disguised((INDEPENDENT / "kofi" / MODULE).read_text(), 11))
    # lena's, disguised, pasted into the notebook
    write_notebook(
        folder,
        "nb-student",
        "lesson1",
        notebook_with(course, disguised((INDEPENDENT / "lena" / MODULE).read_text(), 12)),
    )
    for name in ("stub-one", "stub-two"):
        shutil.copytree(EXERCISES / "lesson1", folder / name / "lesson1")
    out = tmp_path_factory.mktemp("similar-out")
    graded = run_cli("grade", str(folder), "--out", str(out), "--lesson", "lesson1", "--jobs", "2")
    return folder, out, graded


def flagged_rows(out: Path) -> list[dict]:
    with open(out / "similarity.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_grade_lists_the_copied_pairs_and_nothing_else(similar_class):
    folder, out, graded = similar_class
    rows = flagged_rows(out)
    assert {(r["module"], r["first"], r["second"]) for r in rows} == {
        (MODULE, "kofi", "zed"),
        (MODULE, "lena", "nb-student"),
    }, rows
    assert "similar submissions: 2 pair(s)" in graded.stdout
    for row in rows:
        assert float(row["score"]) >= 0.9 and (out / row["page"]).is_file()
    # the notebook student is compared on the module graded from their notebook
    kept = json.loads((out / ".similarity" / "code" / "nb-student.json").read_text())
    assert "def huber_loss" in kept[MODULE] and '"cell_type"' not in kept[MODULE]


def test_report_shows_the_pairs_the_histogram_and_the_caveat(similar_class):
    _, out, _ = similar_class
    page = (out / "report.html").read_text()
    section = page[page.index("<h2 id='similar'>") :]
    assert "evidence for a person to review, not proof" in section
    assert "short exercise" in section
    assert section.count("data:image/png;base64,") == 1  # every module's pairs together
    # a row per module; the two flagged pairs are both on losses.py, linked from its row
    table = section[section.index("<table class='modules'>") :]
    table = table[: table.index("</table>")]
    modules = json.loads((out / ".similarity" / "pairs.json").read_text())["modules"]
    assert table.count("<tr><td>") == len(modules) > 1
    assert f"<a href='#similar-lesson1-losses'>{MODULE}</a>" in section
    links = re.findall(r"href='(similarity/[^']+)'", section)
    assert len(links) == 2 and all((out / link).is_file() for link in links)
    side = next(t for t in ((out / link).read_text() for link in links) if "zed" in t)
    assert side.count("<mark") >= 4 and "<title>lesson1/losses.py: kofi and zed" in side
    assert "../kofi/feedback.html" in side and "../zed/feedback.html" in side


SIDES = """<script>
const sides = [...document.querySelectorAll('.side pre')].map(p => p.getBoundingClientRect());
document.body.dataset.measured = JSON.stringify({
  window: window.innerWidth,
  page: document.documentElement.scrollWidth,
  pageClient: document.documentElement.clientWidth,
  sides: sides.map(r => [r.left, r.top, r.width]),
});
</script></body>"""


def test_a_pair_page_shows_the_two_sides_next_to_each_other_in_chromium(similar_class, tmp_path):
    from test_reports import measured_in_chromium

    _, out, _ = similar_class
    row = next(r for r in flagged_rows(out) if r["second"] == "zed")
    page = tmp_path / "pair.html"
    page.write_text((out / row["page"]).read_text().replace("return ", "return " + "x" * 300, 1))
    measured = measured_in_chromium(page, tmp_path, SIDES)
    (left, top, width), (right, right_top, right_width) = measured["sides"]
    assert top == right_top and left + width <= right, measured  # side by side
    assert min(width, right_width) > 500, measured
    assert measured["page"] <= measured["pageClient"], measured  # a long line wraps


def test_students_see_nothing_of_it(similar_class):
    _, out, _ = similar_class
    partners = {"kofi": "zed", "zed": "kofi", "nb-student": "lena", "lena": "nb-student"}
    for student, partner in partners.items():
        for name in ("feedback.md", "feedback.html", "gradescope.json", "result.json"):
            text = (out / student / name).read_text().lower()
            for word in ("similarity", "similar submission", "side by side", partner):
                assert word not in text, (student, name, word)


def test_no_similarity_leaves_class_csv_alone_and_similarity_compares_later(
    similar_class, tmp_path
):
    folder, out, _ = similar_class
    plain = tmp_path / "plain"
    shutil.copytree(out, plain)  # every result kept: nothing is graded again
    rerun = run_cli(
        "grade", str(folder), "--out", str(plain), "--lesson", "lesson1", "--no-similarity"
    )
    assert "10 unchanged, kept" in rerun.stdout and "similar submissions" not in rerun.stdout
    assert (plain / "class.csv").read_text() == (out / "class.csv").read_text()
    # the last comparison's pairs are gone with it, never left stale
    assert not (plain / "similarity.csv").exists() and not (plain / "similarity").exists()
    assert "--no-similarity" in (plain / "report.html").read_text()
    later = run_cli("similarity", str(plain))
    assert "2 pair(s)" in later.stdout
    assert (plain / "similarity.csv").read_text() == (out / "similarity.csv").read_text()
    assert "<h2 id='similar'>" in (plain / "report.html").read_text()


def graded_copy_with_threshold(similar_class, tmp_path, threshold: str) -> tuple[Path, Path]:
    """A copy of the graded class's OUT, and a course.toml of this course at ``threshold``."""
    _, out, _ = similar_class
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    toml = tmp_path / "course.toml"
    text = (
        (ROOT / "course.toml").read_text().replace("[course]\n", f'[course]\nroot = "{ROOT}"\n', 1)
    )
    assert "\nthreshold = 0.6\n" in text  # [similarity] as course.toml has it
    toml.write_text(text.replace("\nthreshold = 0.6\n", f"\nthreshold = {threshold}\n"))
    return copy, toml


def test_the_threshold_comes_from_course_toml(similar_class, tmp_path):
    copy, toml = graded_copy_with_threshold(similar_class, tmp_path, "0.05")
    run_cli("similarity", str(copy), "--course", str(toml))
    assert len(flagged_rows(copy)) > 2
    assert "reach 5%" in (copy / "report.html").read_text()


def test_settings_that_flag_most_pairs_write_pages_for_the_most_similar_only(
    similar_class, tmp_path, monkeypatch
):
    copy, toml = graded_copy_with_threshold(similar_class, tmp_path, "0.01")
    monkeypatch.setattr(similaritypage, "PAGES_PER_MODULE", 2)
    assert similarity_stage.main([str(copy), "--course", str(toml)]) == 0
    rows = flagged_rows(copy)
    on_losses = [row for row in rows if row["module"] == MODULE]
    assert len(on_losses) > 2  # the copies and much else
    # the two most similar have their page, and only they; the CSV lists every pair
    assert [bool(row["page"]) for row in on_losses] == [True, True] + [False] * (len(on_losses) - 2)
    pages = {p.name for p in (copy / "similarity").iterdir()}
    assert pages == {Path(row["page"]).name for row in rows if row["page"]}
    assert {(r["first"], r["second"]) for r in on_losses[:2]} == {
        ("kofi", "zed"),
        ("lena", "nb-student"),
    }
    report = (copy / "report.html").read_text()
    assert all(f"href='{row['page']}'" in report for row in rows if row["page"])
    assert "href=''" not in report  # a pair without a page has no link


def test_similarity_refuses_a_folder_it_cannot_use(tmp_path):
    missing = run_cli("similarity", str(tmp_path / "nowhere"), check=False)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    assert "no such folder" in missing.stderr
    empty = run_cli("similarity", str(tmp_path), check=False)
    assert empty.returncode == 2 and "run `python -m graders grade` first" in empty.stderr
