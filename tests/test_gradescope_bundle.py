"""The Gradescope autograder zip: what it holds, and its run_autograder grading an upload as Gradescope would run it."""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
import zipfile

import pytest
from conftest import run_cli

from graders.course.errors import CourseError
from graders.course.model import ROOT, load_course
from graders.grading.mutants import catalogue_mistakes
from graders.grading.results import CaseResult, ExerciseResult, StudentResult
from graders.reports.gradescope import gradescope_results


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """The zip for lesson 1, unpacked where Gradescope unpacks it (``<root>/source``)."""
    root = tmp_path_factory.mktemp("autograder")
    archive = root / "autograder.zip"
    process = run_cli("gradescope-bundle", "--out", str(archive), "--lesson", "lesson1")
    assert "upload it as the assignment's autograder" in process.stdout
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(root / "source")
        modes = {info.filename: info.external_attr >> 16 for info in bundle.infolist()}
    for script in ("setup.sh", "run_autograder"):  # extractall drops the mode; Gradescope keeps it
        assert modes[script] & stat.S_IXUSR, script
        (root / "source" / script).chmod(0o755)
    return root


def run_autograder(root, files: dict[str, str], python: str = sys.executable) -> dict:
    """Gradescope's run: the upload in ``<root>/submission``, the verdict read from ``<root>/results/results.json``."""
    return run_autograder_logged(root, files, python)[0]


def run_autograder_logged(
    root, files: dict[str, str], python: str = sys.executable
) -> tuple[dict, str]:
    """``run_autograder``, and what it printed (Gradescope shows that to the instructor only)."""
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    for name, text in files.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_text(text)
    (root / "submission").mkdir(exist_ok=True)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": python}
    process = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True
    )
    assert process.returncode == 0, process.stderr
    return json.loads(
        (root / "results" / "results.json").read_text()
    ), process.stdout + process.stderr


def solution(module: str) -> str:
    return (ROOT / "solutions" / "lesson1" / f"{module}.py").read_text()


def test_the_zip_holds_the_scripts_and_the_graders_but_no_student_material(autograder):
    source = autograder / "source"
    for name in (
        "course.toml",
        "pyproject.toml",
        "graders/lesson1/test_losses.py",
        "solutions/lesson1/losses.py",
    ):
        assert (source / name).is_file(), name
    assert (
        not (source / "exercises").exists()
        and not (source / "tests").exists()
        and not (source / "nbgrader").exists()
    )
    assert not list(source.rglob("__pycache__"))
    assert "--lesson lesson1" in (source / "run_autograder").read_text()


def test_an_upload_of_loose_files_is_graded_like_a_submission_folder(autograder):
    lesson1 = load_course().lesson("lesson1")
    files = {
        f"{module}.py": (ROOT / "solutions" / "lesson1" / f"{module}.py").read_text()
        for module in dict.fromkeys(e.module for e in lesson1.exercises)
    }
    files["notes.txt"] = "not part of the assignment"
    results = run_autograder(autograder, files)
    assert results["score"] == lesson1.points
    assert [t["name"] for t in results["tests"]] == [e.id for e in lesson1.exercises]
    assert all(t["status"] == "passed" and t["score"] == t["max_score"] for t in results["tests"])


def test_a_mistake_in_an_upload_is_named_in_gradescope(autograder):
    mistake = next(
        m
        for _, _, m in catalogue_mistakes(load_course())
        if m.function.__name__ == "mse_sum_for_mean"
    )
    losses = (ROOT / "solutions" / "lesson1" / "losses.py").read_text() + "\n\n" + mistake.source()
    results = run_autograder(autograder, {"lesson1/losses.py": losses})
    score = f"{results['score']:.2f}".rstrip("0").rstrip(".")  # 19.4773 shown as 19.48
    points = load_course().lesson("lesson1").points
    assert results["output"].split("\n")[0] == f"Graded lesson1/losses.py: {score} / {points:g}"
    tests = {t["name"]: t for t in results["tests"]}
    mse = tests["lesson1.mse"]  # its name and score at once; what was expected once published
    assert mse["status"] == "failed" and 0 < mse["score"] < mse["max_score"]
    assert mse["visibility"] == "visible" and "the sum instead of the mean" not in mse["output"]
    assert "lesson1.mse: details" in mse["output"] and "when grades are published" in mse["output"]
    details = tests["lesson1.mse: details"]
    assert details["visibility"] == "after_published" and details["max_score"] == 0
    assert "the sum instead of the mean" in details["output"]
    selection = tests["lesson1.choose_loss"]
    assert (
        selection["score"] == 0 and "selection.py" in selection["output"]
    )  # not uploaded: one clear error, at once: it tells nothing of the hidden tests
    assert "lesson1.choose_loss: details" not in tests
    assert all(t["visibility"] == "visible" for t in tests.values() if t["max_score"] > 0)


def test_an_upload_without_any_file_of_the_assignment_says_what_to_upload(autograder):
    results = run_autograder(autograder, {"homework.py": "print('hello')\n"})
    assert results["score"] == 0 and "upload losses.py, selection.py" in results["output"]


def test_an_unknown_lesson_is_one_error_line(tmp_path):
    process = run_cli(
        "gradescope-bundle", "--out", str(tmp_path / "a.zip"), "--lesson", "lesson9", check=False
    )
    assert (
        process.returncode == 2 and process.stderr.count("\n") == 1 and "lesson9" in process.stderr
    )
    assert not (tmp_path / "a.zip").exists()


def test_a_bad_argument_is_one_error_line(tmp_path):
    process = run_cli(
        "gradescope-bundle", "--out", str(tmp_path / "a.zip"), "--lessn", "x", check=False
    )
    assert process.returncode == 2 and process.stderr.count("\n") == 1, process.stderr
    assert "--lessn" in process.stderr and "usage:" not in process.stderr
    inside = subprocess.run(
        [sys.executable, "-m", "graders.packaging.gradescope_bundle", "arrange"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert inside.returncode == 2 and inside.stderr.count("\n") == 1, inside.stderr
    assert "usage:" not in inside.stderr


def test_the_zip_holds_only_the_lessons_it_grades(autograder):
    source = autograder / "source"
    for folder in ("solutions", "graders"):
        lessons = sorted(p.name for p in (source / folder).iterdir() if p.name.startswith("lesson"))
        assert lessons == ["lesson1"], folder
    bundled = load_course(source / "course.toml")
    course = load_course()
    assert [lesson.id for lesson in bundled.lessons] == ["lesson1"]
    assert bundled.lesson("lesson1") == course.lesson("lesson1")
    assert (bundled.limits, bundled.tolerances, bundled.timeout) == (
        course.limits,
        course.tolerances,
        course.timeout,
    )
    assert bundled.root == source  # its own graders/ and solutions/, never the repository's


def test_a_zip_without_lesson_holds_every_lesson(tmp_path):
    run_cli("gradescope-bundle", "--out", str(tmp_path / "all.zip"))
    with zipfile.ZipFile(tmp_path / "all.zip") as bundle:
        names = set(bundle.namelist())
    for lesson in load_course().lessons:
        assert f"solutions/{lesson.id}/__init__.py" in names
        assert f"graders/{lesson.id}/__init__.py" in names


def test_a_course_toml_elsewhere_gives_a_bundle_that_finds_its_own_graders(tmp_path):
    course_file = tmp_path / "elsewhere" / "course.toml"
    course_file.parent.mkdir()
    relative = os.path.relpath(ROOT, course_file.parent)
    text = (ROOT / "course.toml").read_text()
    course_file.write_text(text.replace("[course]\n", f'[course]\nroot = "{relative}"\n', 1))
    archive = tmp_path / "a.zip"
    run_cli(
        "gradescope-bundle",
        "--course",
        str(course_file),
        "--lesson",
        "lesson2",
        "--out",
        str(archive),
    )
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(tmp_path / "source")
    bundled = load_course(tmp_path / "source" / "course.toml")
    assert bundled.root == tmp_path / "source"
    assert [lesson.id for lesson in bundled.lessons] == ["lesson2"]


NOTEBOOK_PACKAGES = {"nbgrader", "nbformat", "nbclient", "nbconvert", "ipykernel", "jupyter_client"}


def dev_torch_pin() -> str:
    return re.search(
        r"torch_requirement=\$\{TORCH:-torch==([0-9.]+)\}", (ROOT / "dev").read_text()
    )[1]


def test_setup_installs_the_torch_of_dev_from_the_cpu_index_and_only_the_core(autograder):
    setup = (autograder / "source" / "setup.sh").read_text()
    assert (
        f'"torch=={dev_torch_pin()}" --index-url https://download.pytorch.org/whl/cpu' in setup
    ), setup
    installs = [line for line in setup.splitlines() if "pip install" in line]
    assert len(installs) == 2 and installs[1].endswith(" -e ."), installs  # no extra
    assert "--device cpu" in (autograder / "source" / "run_autograder").read_text()


def test_a_cuda_bundle_installs_the_same_torch_from_pypi(tmp_path):
    run_cli("gradescope-bundle", "--cuda", "--lesson", "lesson1", "--out", str(tmp_path / "a.zip"))
    with zipfile.ZipFile(tmp_path / "a.zip") as bundle:
        setup = bundle.read("setup.sh").decode()
        run = bundle.read("run_autograder").decode()
    assert f'"torch=={dev_torch_pin()}"' in setup and "whl/cpu" not in setup
    assert "--device all" in run


def test_grading_needs_nothing_of_nbgrader_or_jupyter():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {re.split(r"[<>=\[ ]", d)[0] for d in project["dependencies"]}
    assert not core & NOTEBOOK_PACKAGES, core
    assert NOTEBOOK_PACKAGES - {"jupyter_client"} <= {
        re.split(r"[<>=\[ ]", d)[0] for d in project["optional-dependencies"]["nbgrader"]
    }
    assert '-e ".[nbgrader,dev]"' in (ROOT / "dev").read_text()  # ./dev and CI still get it all
    imported = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, graders.__main__, graders.pipeline.grade, graders.grading.plugin, "
            "graders.reports.report, graders.reports.gradescope, graders.packaging.gradescope_bundle; "
            "print(sorted({m.split('.')[0] for m in sys.modules}))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert not set(json.loads(imported.stdout.replace("'", '"'))) & NOTEBOOK_PACKAGES


def _own_autograder(tmp_path, autograder):
    """A copy of the unpacked zip that a test may break."""
    shutil.copytree(autograder / "source", tmp_path / "source", symlinks=True)
    return tmp_path


def _missing_python(root, tmp_path):
    return str(tmp_path / "no-such-python"), "no-such-python"


def _broken_course_toml(root, tmp_path):
    course = root / "source" / "course.toml"
    course.write_text(course.read_text().replace("points = 5", 'points = "five"', 1))
    return sys.executable, "'points' must be a positive number"


def _crashing_grade(root, tmp_path):
    wrapper = tmp_path / "python"
    wrapper.write_text(
        "#!/usr/bin/env bash\n"
        'if [ "$2" = graders ]; then echo "grader crashed (simulated)" >&2; exit 139; fi\n'
        f'exec {sys.executable} "$@"\n'
    )
    wrapper.chmod(0o755)
    return str(wrapper), "grader crashed (simulated)"


def _crashing_arrange(root, tmp_path):
    wrapper = tmp_path / "python"
    wrapper.write_text(
        "#!/usr/bin/env bash\n"
        'if [ "$2" = graders.packaging.gradescope_bundle ]; then echo "arrange crashed (simulated)" >&2; exit 1; fi\n'
        f'exec {sys.executable} "$@"\n'
    )
    wrapper.chmod(0o755)
    return str(wrapper), "arrange crashed (simulated)"


@pytest.mark.parametrize(
    "breakage", [_missing_python, _broken_course_toml, _crashing_arrange, _crashing_grade]
)
def test_when_grading_cannot_run_the_student_is_told_and_the_reason_is_kept_from_them(
    tmp_path, autograder, breakage
):
    root = _own_autograder(tmp_path, autograder)
    python, reason = breakage(root, tmp_path)
    results, log = run_autograder_logged(root, {"losses.py": solution("losses")}, python)
    assert results["score"] == 0 and results["tests"] == []
    assert "Grading failed" in results["output"] and "contact the course staff" in results["output"]
    assert results["visibility"] == "visible" and results["stdout_visibility"] == "hidden"
    assert reason in log  # for the instructor, in Gradescope's stdout
    assert reason not in json.dumps(results) and str(root) not in json.dumps(results)


def test_browser_renamed_files_are_graded_and_the_student_is_told(autograder):
    lesson1 = load_course().lesson("lesson1")
    results = run_autograder(
        autograder,
        {
            "losses (1).py": solution("losses"),
            "hw/Selection.py": solution("selection"),
            "notes.txt": "not part of the assignment",
            ".git/HEAD": "ref: refs/heads/main\n",  # what nobody hands in on purpose: not listed
            "__MACOSX/._losses.py": "",
        },
    )
    assert results["score"] == lesson1.points
    output = results["output"]
    assert ".git" not in output and "MACOSX" not in output
    assert output.startswith(
        f"Graded hw/Selection.py, losses (1).py: {lesson1.points:g} / {lesson1.points:g}"
    )
    assert "graded losses (1).py as losses.py" in output
    assert "graded hw/Selection.py as selection.py" in output
    assert "ignored notes.txt" in output
    assert results["visibility"] == "visible" and "submission" not in output.split("\n")[0]


def test_of_two_copies_of_a_file_the_exact_name_is_graded_and_the_other_listed(autograder):
    results = run_autograder(
        autograder,
        {
            "losses-1.py": solution("losses"),
            "losses.py": solution("losses"),
            "selection.py": solution("selection"),
        },
    )
    assert results["output"].startswith("Graded losses.py, selection.py: ")
    assert "ignored losses-1.py: losses.py was uploaded too" in results["output"]


def test_a_renamed_notebook_is_graded(autograder):
    lesson1 = load_course().lesson("lesson1")
    notebook = (ROOT / "nbgrader" / "source" / "lesson1" / "lesson1.ipynb").read_text()
    results = run_autograder(autograder, {"lesson1 (2).ipynb": notebook, "losses.py": "x = 1\n"})
    assert results["score"] == lesson1.points
    assert results["output"].startswith("Graded lesson1 (2).ipynb: ")
    assert "graded lesson1 (2).ipynb as lesson1.ipynb" in results["output"]
    assert "ignored losses.py: lesson1 (2).ipynb is graded for lesson1" in results["output"]


def _course_with(tmp_path, table: str):
    path = tmp_path / "course.toml"
    path.write_text(table + "\n" + (ROOT / "course.toml").read_text())  # before any other table
    return path


def test_course_toml_sets_when_students_see_the_details(tmp_path):
    assert load_course().gradescope_details == "after_published"
    for value in ("hidden", "after_due_date", "after_published", "visible"):
        path = _course_with(tmp_path, f'[gradescope]\ndetails = "{value}"\n')
        assert load_course(path).gradescope_details == value


@pytest.mark.parametrize(
    "table, message",
    [
        (
            '[gradescope]\ndetails = "later"\n',
            r"course\.toml:\d+: \[gradescope\]: 'details' must be one of 'hidden', 'after_due_date', "
            r"'after_published', 'visible', got 'later'",
        ),
        (
            '[gradescope]\ndetail = "hidden"\n',
            r"course\.toml:\d+: unknown key 'detail' in \[gradescope\]",
        ),
        ("gradescope = 3\n", r"\[gradescope\] must be a table"),
    ],
)
def test_a_bad_gradescope_setting_is_one_line_naming_key_and_line(tmp_path, table, message):
    path = _course_with(tmp_path, table)
    with pytest.raises(CourseError) as error:
        load_course(path)
    assert re.search(message, str(error.value)) and "\n" not in str(error.value), str(error.value)
    if "later" in table:
        line = int(re.search(r"course\.toml:(\d+)", str(error.value))[1])
        assert path.read_text().splitlines()[line - 1] == 'details = "later"'
    process = run_cli(
        "gradescope-bundle", "--course", str(path), "--out", str(tmp_path / "a.zip"), check=False
    )
    assert process.returncode == 2 and process.stderr.count("\n") == 1


def _half_right() -> StudentResult:
    wrong = "got the sum instead of the mean: expected 1.5, got 6.0"
    tests = [
        CaseResult("test_mse_values[a]", 0, 1, "failed", wrong, failure="wrong_value"),
        CaseResult("test_mse_values[b]", 1, 1, "passed"),
    ]
    return StudentResult("submission", 2.5, 5, [ExerciseResult("lesson1.mse", 2.5, 5, tests)])


@pytest.mark.parametrize("details", ["hidden", "after_due_date", "after_published"])
def test_the_details_get_a_test_of_their_own_at_the_set_visibility(details):
    results = gradescope_results(load_course(), _half_right(), details=details)
    scored, detail = results["tests"]
    assert (scored["name"], scored["score"], scored["max_score"], scored["visibility"]) == (
        "lesson1.mse",
        2.5,
        5,
        "visible",
    )
    assert (
        "expected 1.5" not in scored["output"] and "1 of 2 hidden tests passed" in scored["output"]
    )
    assert (detail["name"], detail["score"], detail["max_score"]) == ("lesson1.mse: details", 0, 0)
    assert detail["visibility"] == details and "expected 1.5" in detail["output"]
    assert results["score"] == 2.5  # the details are worth nothing: the total is the exercises'


def test_visible_details_stay_in_the_exercises_own_test():
    results = gradescope_results(load_course(), _half_right(), details="visible")
    (test,) = results["tests"]
    assert test["visibility"] == "visible" and "expected 1.5" in test["output"]
