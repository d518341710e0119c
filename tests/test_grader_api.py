"""Hidden graders use one API (graders/api.py): the engine's modules stay the engine's."""

import ast
from pathlib import Path

from graders.course.model import ROOT, load_course

ENGINE_PACKAGES = ("course", "pipeline", "grading", "host", "reports", "notebooks", "packaging")


def lesson_files():
    for lesson in load_course().lessons:
        yield from sorted((ROOT / "graders" / lesson.id).glob("*.py"))


def engine_imports(path: Path, package: str | None = None) -> list[str]:
    """The modules of the engine that ``path`` imports (graders.api and probe code excluded),
    relative imports resolved against ``package`` (by default the file's own, graders.<lesson>)."""
    package = package or f"graders.{path.parent.name}"
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names = []
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parent + ([node.module] if node.module else []))
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "graders" and len(parts) > 1 and parts[1] in ENGINE_PACKAGES:
                found.append(name)
    return sorted(set(found))


def test_relative_imports_of_the_engine_are_found_too(tmp_path):
    grader = tmp_path / "test_sneaky.py"
    grader.write_text("from ..grading import compare\nfrom . import mistakes_sneaky\n")
    assert engine_imports(grader, "graders.lesson9") == [
        "graders.grading",
        "graders.grading.compare",
    ]


def test_graders_import_the_engine_only_through_the_api():
    offenders = {
        str(path.relative_to(ROOT)): engine_imports(path)
        for path in lesson_files()
        if engine_imports(path)
    }
    assert not offenders, f"import these from graders.api instead: {offenders}"


def test_the_api_offers_what_it_documents():
    from graders import api

    for name in api.__all__:
        assert getattr(api, name) is not None
        assert f"``{name}" in api.__doc__, f"graders/api.py's docstring does not describe {name}"


MEMO_TESTS = """
import pytest


def test_named(memo):
    assert memo("reference", lambda: 1) == 1
    assert memo("another", lambda: 2) == 2


def test_named_twice(memo):
    memo("reference", lambda: 1)
    memo("reference", lambda: 2)


def test_unnamed(memo):
    memo(lambda: 1)
"""


def test_memo_is_keyed_by_name_and_refuses_unnamed_or_repeated_names(pytester):
    pytester.makepyfile(test_memo=MEMO_TESTS)
    result = pytester.runpytest_inprocess("-p", "graders.grading.plugin", "-q")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["*memo takes a name and a function*"])
    result.stdout.fnmatch_lines(["*memo('reference') is asked twice in one case*"])


SEEDED_TESTS = """
import pytest


@pytest.mark.inputs("values")
@pytest.mark.exercise("lesson1.mse")
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_{name}(seed, reduction):
    print("SEED {name}", reduction, seed)
"""


def test_inputs_are_seeded_by_their_name_so_a_renamed_test_keeps_them(pytester):
    names = ["mse_values", "mse_matches_the_reference"]  # another file, another function
    pytester.makepyfile(**{f"test_{name}": SEEDED_TESTS.format(name=name) for name in names})
    result = pytester.runpytest_inprocess("-p", "graders.grading.plugin", "-s", "-q")
    result.assert_outcomes(passed=4)
    seeds = {name: {} for name in names}
    for line in result.outlines:
        if line.lstrip(".").startswith("SEED"):
            _, name, reduction, seed = line.lstrip(".").split()
            seeds[name][reduction] = seed
    assert seeds["mse_values"] == seeds["mse_matches_the_reference"]
    assert len(set(seeds["mse_values"].values())) == 2  # each case its own seed


def test_a_test_that_names_no_inputs_is_refused(pytester):
    pytester.makepyfile(
        test_unnamed="""
import pytest

@pytest.mark.exercise("lesson1.mse")
def test_unnamed(gen):
    pass
"""
    )
    result = pytester.runpytest_inprocess("-p", "graders.grading.plugin", "-q")
    assert result.ret != 0
    assert "name this test's inputs with @pytest.mark.inputs" in result.stderr.str()


def test_probe_files_import_only_what_the_sandbox_holds():
    # The sandbox holds graders/worker/ and the probe files alone (graders/host/sandbox.py): a
    # probe file that imports anything else works here and stops every zygote there.
    offenders = []
    for lesson in load_course().lessons:
        for path in sorted((ROOT / "graders" / lesson.id).glob("probes_*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                modules = []
                if isinstance(node, ast.ImportFrom):
                    modules = [("." * node.level) + (node.module or "")]
                elif isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                for module in modules:
                    parts = module.split(".")
                    allowed = (
                        parts[0] != "graders"
                        and not module.startswith(".")
                        or parts[:2] == ["graders", "worker"]
                        or (parts[:2] == ["graders", lesson.id] and parts[-1].startswith("probes_"))
                    )
                    if not allowed:
                        offenders.append(f"{path.relative_to(ROOT)}: {module}")
    assert not offenders, (
        f"probe files may import graders.worker and their probes_* only: {offenders}"
    )
