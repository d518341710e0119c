"""End to end, with real nbgrader and real Jupyter kernels: the course the build writes is autograded with no hand
edits, the gradebook holds the batch grader's scores, and no notebook can change them.

One class of notebooks for the first lesson: the solutions, the stubs, a common mistake (with stray
output on stderr), a notebook that hangs at import, one that kills its kernel, one that rewrites the
grader from an earlier cell, and the attacks on the trust boundary: one that rewrites its own
submitted notebook with the reference's, one that reads the solutions, the hidden graders and the
source notebook, one that writes into the gradebook and graders/, and one that ignores the
interrupt and loops.  Kernels run in the sandbox (graders/notebooks/kernel_sandbox.py), and the scores come
from the notebooks as collected (TrustedScores).
"""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from classbuilder import (
    TAMPERING,
    catalogue_mistakes,
    solved,
    with_cell_after,
    with_code_before,
    with_mistake,
    write_notebook,
)
from conftest import copy_course, run_cli

from graders.course.model import Course, load_course
from graders.grading import results as results_io

pytestmark = pytest.mark.slow

# The attacks run as cells a student added; the kernel's folder is autograded/<student>/<lesson>.
FORGES_ITS_SUBMISSION = """import pathlib
here = pathlib.Path.cwd()
nbgrader_folder = here.parents[2]
submitted = nbgrader_folder / "submitted" / here.parent.name / here.name / (here.name + ".ipynb")
try:
    submitted.write_bytes((nbgrader_folder / "source" / here.name / (here.name + ".ipynb")).read_bytes())
    print("forged")
except OSError as exc:
    print("could not forge:", type(exc).__name__)
"""
READS_THE_ANSWERS = """import pathlib
here = pathlib.Path.cwd()
course = here.parents[3]
for name in ["solutions/{lesson}/{module}.py", "graders/{lesson}/test_{module}.py",
             "nbgrader/source/{lesson}/{lesson}.ipynb", "course.toml", "nbgrader/gradebook.db",
             "nbgrader/submitted/reference/{lesson}/{lesson}.ipynb"]:
    try:
        print("LEAKED", name, (course / name).read_bytes()[:3000])
    except OSError as exc:
        print("could not read", name, type(exc).__name__)
"""
WRITES_THE_GRADEBOOK_AND_GRADERS = """import pathlib, sqlite3
course = pathlib.Path.cwd().parents[3]
try:
    with sqlite3.connect(course / "nbgrader" / "gradebook.db") as db:
        db.execute("UPDATE grade SET auto_score = 1000")
    print("rewrote the gradebook")
except Exception as exc:
    print("could not open the gradebook:", type(exc).__name__)
for target in [course / "graders" / "notebook_grading.py", course / "graders" / "planted.py"]:
    try:
        with open(target, "a") as handle:
            handle.write("raise SystemExit")
        print("wrote", target.name)
    except OSError as exc:
        print("could not write", target.name, type(exc).__name__)
"""
IGNORES_THE_INTERRUPT = (
    "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n"
)
ATTACKERS = ("forges", "reads", "writes", "deaf")
CELL_TIMEOUT = "10"  # seconds for an ordinary cell (nbgrader's Execute.timeout), lower than its 30 for the test

STRAY_OUTPUT = 'import sys, warnings\nwarnings.warn("a stray warning")\nprint("stray output", file=sys.stderr)\n'
HANG = "while True:  # never returns\n    pass\n"
CRASH = "import os\nos._exit(3)\n"


@dataclass
class Autograded:
    folder: Path  # the nbgrader course folder
    course: Course
    batch: dict[str, results_io.StudentResult]
    mistake: str  # the exercise the mistake student gets wrong
    before: dict[str, str]  # fingerprints() of the course before autograde ran

    @property
    def lesson(self):
        return self.course.lessons[0]

    def gradebook(self) -> dict[tuple[str, str], float | None]:
        """(student, exercise id) -> the auto score nbgrader holds now."""
        from nbgrader.api import Gradebook

        lesson, scores = self.lesson.id, {}
        with Gradebook(f"sqlite:///{self.folder / 'gradebook.db'}") as gradebook:
            for student in self.batch:
                for exercise in self.lesson.exercises:
                    grade = gradebook.find_grade(f"test-{exercise.entry}", lesson, lesson, student)
                    scores[(student, exercise.id)] = grade.auto_score
        return scores

    def batch_scores(self, student: str) -> dict[tuple[str, str], float]:
        return {(student, e.id): e.score for e in self.batch[student].exercises}


def nbgrader(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """An instructor's ``nbgrader ARGS`` in the course folder."""
    process = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert process.returncode == 0, (
        f"nbgrader {' '.join(args)} exited {process.returncode}:\n{process.stderr[-3000:]}"
    )
    return process


@pytest.fixture(scope="module")
def autograded(tmp_path_factory) -> Autograded:
    root = copy_course(tmp_path_factory.mktemp("course"))
    course_file = root / "course.toml"
    # The notebook that hangs at import costs import_timeout once per grading: 5 s here, not 20.
    course_file.write_text(
        course_file.read_text().replace("\nimport_timeout = 20.0\n", "\nimport_timeout = 5.0\n")
    )
    course = load_course(course_file)
    assert course.import_timeout == 5.0
    run_cli("build", "--course", str(course_file))
    folder, lesson = root / "nbgrader", course.lessons[0]
    nbgrader(folder, "generate_assignment", lesson.id)
    release = json.loads((folder / "release" / lesson.id / f"{lesson.id}.ipynb").read_text())
    source = json.loads((folder / "source" / lesson.id / f"{lesson.id}.ipynb").read_text())
    reference = solved(release, source)
    first, last = lesson.modules[0], lesson.modules[-1]
    _, _, mistaken = next(m for m in catalogue_mistakes(course) if m[0] == lesson.id)
    mistake = with_mistake(with_code_before(reference, first, STRAY_OUTPUT), mistaken)
    submitted = folder / "submitted"
    for student, notebook in {
        "reference": reference,
        "stubs": release,
        "mistake": mistake,
        "hangs": with_code_before(reference, last, HANG),
        "crashes": with_code_before(reference, last, CRASH),
        "tamper": with_cell_after(release, first, TAMPERING),
        "forges": with_cell_after(release, first, FORGES_ITS_SUBMISSION),
        "reads": with_cell_after(
            release, first, READS_THE_ANSWERS.format(lesson=lesson.id, module=first)
        ),
        "writes": with_cell_after(release, first, WRITES_THE_GRADEBOOK_AND_GRADERS),
        "deaf": with_cell_after(reference, last, IGNORES_THE_INTERRUPT),
    }.items():
        write_notebook(submitted, student, lesson.id, notebook)
    # The gradebook exists before the attacks run, as it does from a course's second assignment on.
    nbgrader(folder, "db", "student", "add", "reference")
    before = fingerprints(root)
    nbgrader(folder, "autograde", lesson.id, f"--Execute.timeout={CELL_TIMEOUT}")
    out = root / "batch"
    run_cli("grade", str(submitted), "--out", str(out), "--jobs", "2", "--course", str(course_file))
    batch = {path.parent.name: results_io.read(path) for path in out.glob("*/result.json")}
    return Autograded(folder, course, batch, f"{lesson.id}.{mistaken.entry}", before)


def fingerprints(root: Path) -> dict[str, str]:
    """sha256 of every file of the course that no kernel may change: the submissions, graders, solutions, sources."""
    watched = [
        root / "nbgrader" / "submitted",
        root / "graders",
        root / "solutions",
        root / "nbgrader" / "source",
    ]
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in watched
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_the_release_has_stubs_and_no_hidden_tests(autograded):
    lesson = autograded.lesson
    release = json.loads(
        (autograded.folder / "release" / lesson.id / f"{lesson.id}.ipynb").read_text()
    )
    code = "\n".join(
        "".join(cell["source"]) for cell in release["cells"] if cell["cell_type"] == "code"
    )
    assert "BEGIN SOLUTION" not in code and "hidden_score" not in code
    assert code.count("raise NotImplementedError()") == len(lesson.exercises)


def test_the_gradebook_holds_the_batch_graders_scores_for_every_student(autograded):
    gradebook = autograded.gradebook()
    assert sorted(autograded.batch) == sorted(
        ["crashes", "hangs", "mistake", "reference", "stubs", "tamper", *ATTACKERS]
    )
    for student in sorted(autograded.batch):
        for key, score in autograded.batch_scores(student).items():
            assert gradebook[key] == pytest.approx(score, abs=1e-6), key
    assert autograded.batch["reference"].score == autograded.lesson.points
    assert autograded.batch["stubs"].score == 0


def test_partial_credit_reaches_the_gradebook_and_stray_stderr_costs_nothing(autograded):
    gradebook = autograded.gradebook()
    points = {e.id: e.points for e in autograded.lesson.exercises}
    assert 0 < gradebook[("mistake", autograded.mistake)] < points[autograded.mistake]
    for exercise, maximum in points.items():
        if exercise != autograded.mistake:
            assert gradebook[("mistake", exercise)] == maximum, exercise


def test_notebooks_that_hang_or_crash_get_clear_results_for_their_exercises_only(autograded):
    lesson = autograded.lesson
    for student, words in (("hangs", "took longer than 5 s"), ("crashes", "exited with code 3")):
        for exercise in lesson.exercises:
            result = autograded.batch[student].exercise(exercise.id)
            if exercise.module == lesson.modules[-1]:
                assert result.score == 0 and words in result.tests[0].message, (
                    student,
                    exercise.id,
                )
            elif lesson.modules[0] != lesson.modules[-1]:
                assert result.score == exercise.points, (student, exercise.id)


def autograded_outputs(autograded, student: str) -> str:
    """Everything the student's autograded notebook shows: what its cells printed, as text."""
    lesson = autograded.lesson.id
    notebook = json.loads(
        (autograded.folder / "autograded" / student / lesson / f"{lesson}.ipynb").read_text()
    )
    return json.dumps([cell.get("outputs", []) for cell in notebook["cells"]])


def test_no_kernel_changed_a_submission_the_graders_the_solutions_or_the_sources(autograded):
    after = fingerprints(autograded.folder.parent)
    changed = sorted(
        path
        for path in set(autograded.before) | set(after)
        if autograded.before.get(path) != after.get(path)
    )
    assert changed == []
    assert "could not forge: " in autograded_outputs(autograded, "forges")
    assert (
        autograded.batch["forges"].score == 0
        and autograded.gradebook()[("forges", autograded.lesson.exercises[0].id)] == 0
    )


def test_no_kernel_wrote_the_gradebook(autograded):
    outputs = autograded_outputs(autograded, "writes")
    assert (
        "could not open the gradebook" in outputs
        and "could not write notebook_grading.py" in outputs
    )
    assert (
        "rewrote the gradebook" not in outputs
        and not (autograded.folder.parent / "graders" / "planted.py").exists()
    )
    for key, score in autograded.batch_scores("reference").items():
        assert autograded.gradebook()[key] == pytest.approx(score, abs=1e-6), key


def test_no_kernel_read_the_answers(autograded):
    lesson, module = autograded.lesson.id, autograded.lesson.modules[0]
    outputs = autograded_outputs(autograded, "reads")
    assert "LEAKED" not in outputs and outputs.count("could not read") == 6
    solution = (autograded.folder.parent / "solutions" / lesson / f"{module}.py").read_text()
    body = next(
        line.strip() for line in solution.splitlines() if line.strip().startswith("return ")
    )
    for student in autograded.batch:
        assert body not in autograded_outputs(autograded, student), student


def test_a_kernel_that_ignores_the_interrupt_costs_its_cell_and_the_notebook_is_graded(autograded):
    lesson = autograded.lesson
    outputs = autograded_outputs(autograded, "deaf")
    assert (
        f"still running after {CELL_TIMEOUT} s" in outputs
        and "did not stop when interrupted" in outputs
    )
    assert autograded.batch["deaf"].score == lesson.points
    for key, score in autograded.batch_scores("deaf").items():
        assert autograded.gradebook()[key] == pytest.approx(score, abs=1e-6), key


def test_the_audit_agrees_with_the_gradebook_for_every_student(autograded):
    folder, course_file = str(autograded.folder), str(autograded.folder.parent / "course.toml")
    audit = run_cli("audit", folder, "--course", course_file, "--jobs", "2", check=False)
    assert audit.returncode == 0 and "no differences" in audit.stdout, audit.stdout + audit.stderr


def test_feedback_and_export_run_with_no_hand_edits(autograded):
    lesson = autograded.lesson
    nbgrader(autograded.folder, "generate_feedback", lesson.id)
    for student in autograded.batch:
        assert (
            autograded.folder / "feedback" / student / lesson.id / f"{lesson.id}.html"
        ).is_file(), student
    mistake = (
        autograded.folder / "feedback" / "mistake" / lesson.id / f"{lesson.id}.html"
    ).read_text()
    assert "This looks like" in mistake, "feedback shows what the hidden tests found"
    for student in autograded.batch:  # but never the hidden tests' code
        page = (
            autograded.folder / "feedback" / student / lesson.id / f"{lesson.id}.html"
        ).read_text()
        assert "HIDDEN TESTS" not in page and "graders.notebooks.grading" not in page, student
    nbgrader(autograded.folder, "export")
    rows = {
        row["student_id"]: float(row["score"])
        for row in csv.DictReader((autograded.folder / "grades.csv").open())
    }
    gradebook = autograded.gradebook()
    for student in autograded.batch:
        assert rows[student] == pytest.approx(
            sum(v for (s, _), v in gradebook.items() if s == student), abs=1e-4
        )
