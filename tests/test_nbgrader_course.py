"""End to end, with real nbgrader and real Jupyter kernels: the course the build writes is autograded with no hand
edits, the gradebook holds the batch grader's scores, and the audit finds exactly the student who tampered.

One class of notebooks for the first lesson: the solutions, the stubs, a common mistake (with stray
output on stderr), a notebook that hangs at import, one that kills its kernel, and one that rewrites
the grader from an earlier cell.  The first autograde runs without TrustedScores, so every score in
the gradebook comes from the autograder cells running in the kernels.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from classbuilder import TAMPERING, catalogue_mistakes, solved, with_cell_after, with_code_before, with_mistake, write_notebook
from conftest import copy_course, run_cli

from graders import results as results_io
from graders.course import Course, load_course

pytestmark = pytest.mark.slow

STRAY_OUTPUT = 'import sys, warnings\nwarnings.warn("a stray warning")\nprint("stray output", file=sys.stderr)\n'
HANG = "while True:  # never returns\n    pass\n"
CRASH = "import os\nos._exit(3)\n"


@dataclass
class Autograded:
    folder: Path  # the nbgrader course folder
    course: Course
    batch: dict[str, results_io.StudentResult]
    mistake: str  # the exercise the mistake student gets wrong

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
    process = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=folder, capture_output=True, text=True, timeout=1200)
    assert process.returncode == 0, f"nbgrader {' '.join(args)} exited {process.returncode}:\n{process.stderr[-3000:]}"
    return process


@pytest.fixture(scope="module")
def autograded(tmp_path_factory) -> Autograded:
    root = copy_course(tmp_path_factory.mktemp("course"))
    course_file = root / "course.toml"
    # The notebook that hangs at import costs import_timeout once per grading: 5 s here, not 20.
    course_file.write_text(course_file.read_text().replace("\nimport_timeout = 20.0\n", "\nimport_timeout = 5.0\n"))
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
    }.items():
        write_notebook(submitted, student, lesson.id, notebook)
    nbgrader(folder, "autograde", lesson.id, "--TrustedScores.enabled=False")
    out = root / "batch"
    run_cli("grade", str(submitted), "--out", str(out), "--jobs", "2", "--course", str(course_file))
    batch = {path.parent.name: results_io.read(path) for path in out.glob("*/result.json")}
    return Autograded(folder, course, batch, f"{lesson.id}.{mistaken.entry}")


def test_the_release_has_stubs_and_no_hidden_tests(autograded):
    lesson = autograded.lesson
    release = json.loads((autograded.folder / "release" / lesson.id / f"{lesson.id}.ipynb").read_text())
    code = "\n".join("".join(cell["source"]) for cell in release["cells"] if cell["cell_type"] == "code")
    assert "BEGIN SOLUTION" not in code and "hidden_score" not in code
    assert code.count("raise NotImplementedError()") == len(lesson.exercises)


def test_the_gradebook_holds_the_batch_graders_scores_for_every_student_who_did_not_tamper(autograded):
    gradebook = autograded.gradebook()
    assert sorted(autograded.batch) == ["crashes", "hangs", "mistake", "reference", "stubs", "tamper"]
    for student in sorted(set(autograded.batch) - {"tamper"}):
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
                assert result.score == 0 and words in result.tests[0].message, (student, exercise.id)
            elif lesson.modules[0] != lesson.modules[-1]:
                assert result.score == exercise.points, (student, exercise.id)


def test_the_audit_flags_exactly_the_tamperer_until_trusted_scores_regrade_them(autograded):
    folder, course_file = str(autograded.folder), str(autograded.folder.parent / "course.toml")
    gradebook = autograded.gradebook()
    assert all(gradebook[("tamper", e.id)] == e.points for e in autograded.lesson.exercises), "the tampering worked"
    audit = run_cli("audit", folder, "--course", course_file, "--jobs", "2", check=False)
    assert audit.returncode == 1, audit.stdout + audit.stderr
    rows = [line.split() for line in audit.stdout.splitlines()[1:-1]]
    assert sorted((row[0], row[1]) for row in rows) == sorted(("tamper", e.id) for e in autograded.lesson.exercises)

    nbgrader(autograded.folder, "autograde", autograded.lesson.id, "--student", "tamper", "--force")
    gradebook = autograded.gradebook()
    for key, score in autograded.batch_scores("tamper").items():
        assert gradebook[key] == pytest.approx(score, abs=1e-6), key
    audit = run_cli("audit", folder, "--course", course_file, "--student", "tamper", check=False)
    assert audit.returncode == 0 and "no differences" in audit.stdout, audit.stdout + audit.stderr


def test_feedback_and_export_run_with_no_hand_edits(autograded):
    lesson = autograded.lesson
    nbgrader(autograded.folder, "generate_feedback", lesson.id)
    for student in autograded.batch:
        assert (autograded.folder / "feedback" / student / lesson.id / f"{lesson.id}.html").is_file(), student
    mistake = (autograded.folder / "feedback" / "mistake" / lesson.id / f"{lesson.id}.html").read_text()
    assert "This looks like" in mistake, "feedback shows what the hidden tests found"
    nbgrader(autograded.folder, "export")
    rows = {row["student_id"]: float(row["score"]) for row in csv.DictReader((autograded.folder / "grades.csv").open())}
    gradebook = autograded.gradebook()
    for student in autograded.batch:
        assert rows[student] == pytest.approx(sum(v for (s, _), v in gradebook.items() if s == student), abs=1e-4)
