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
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from classbuilder import (
    TAMPERING,
    catalogue_mistakes,
    first_cell_of,
    solved,
    with_cell_after,
    with_code_before,
    with_mistake,
    write_notebook,
)
from conftest import copy_course, run_cli

from graders.course.model import Course, load_course
from graders.course.notebook_code import cell_source
from graders.grading import results as results_io
from graders.notebooks.bridge import SELF_CHECK_HEADER

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

# The three ways correct notebooks lost points when only some of a student's code was graded:
# a helper in a cell above Part 1, a helper of Part 1 used in Part 2, and a constant computed
# with a call (lesson 1's notebook: mse in Part 1, CrossEntropyOnProbabilities in Part 2).
HELPER_ABOVE_PART_1 = "def _mean_of(values):\n    return values.mean()\n"
HELPERS_IN_PART_1 = (
    "LOG_FLOOR = float(-100)\n\n\ndef _log_clamped(p):\n    return torch.log(p).clamp(min=LOG_FLOOR)\n"
    "\n\nfor lr in (0.1, 1.0):  # scratch work, and a name only it sets\n    path = [lr]\nlast = path[-1]\n"
)
DROPPED = "`last = path[-1]`, is not graded: it reads path"
HELPERS_USED = {
    "code-mse": ("return squared_error.mean()", "return _mean_of(squared_error)"),
    "code-CrossEntropyOnProbabilities": (
        "torch.log(probabilities).clamp(min=-100)",
        "_log_clamped(probabilities)",
    ),
}

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
    log: str  # what `nbgrader autograde` printed

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


def with_helpers(reference: dict, first_module: str) -> dict:
    """The reference, written with helpers wherever a student puts them (HELPERS_USED)."""
    notebook = with_cell_after(reference, first_module, HELPERS_IN_PART_1)
    above = {
        "cell_type": "code",
        "execution_count": None,
        "id": "above",
        "metadata": {},
        "outputs": [],
        "source": HELPER_ABOVE_PART_1,
    }
    notebook["cells"].insert(first_cell_of(notebook, first_module), above)
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in HELPERS_USED:
            old, new = HELPERS_USED[grade_id]
            assert old in cell_source(cell), grade_id
            cell["source"] = cell_source(cell).replace(old, new)
    return notebook


def submit(folder: Path, student: str, lesson: str, notebook: dict) -> None:
    """As `nbgrader submit` does: the notebook with the other files of the released assignment."""
    write_notebook(folder / "submitted", student, lesson, notebook)
    for path in (folder / "release" / lesson).iterdir():
        if path.suffix != ".ipynb":
            shutil.copyfile(path, folder / "submitted" / student / lesson / path.name)


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
    # Huber's linear part without its offset: wrong only beyond delta, so it keeps part of the
    # points and its feedback has a figure (the sweep crosses delta)
    _, _, mistaken = next(
        m for m in catalogue_mistakes(course) if m[2].function.__name__ == "huber_no_offset"
    )
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
        "helpers": with_helpers(reference, first),
    }.items():
        submit(folder, student, lesson.id, notebook)
    # The gradebook exists before the attacks run, as it does from a course's second assignment on.
    nbgrader(folder, "db", "student", "add", "reference")
    before = fingerprints(root)
    autograde = nbgrader(folder, "autograde", lesson.id, f"--Execute.timeout={CELL_TIMEOUT}")
    out = root / "batch"
    run_cli("grade", str(submitted), "--out", str(out), "--jobs", "2", "--course", str(course_file))
    batch = {path.parent.name: results_io.read(path) for path in out.glob("*/result.json")}
    return Autograded(
        folder, course, batch, f"{lesson.id}.{mistaken.entry}", before, autograde.stderr
    )


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
        ["crashes", "hangs", "helpers", "mistake", "reference", "stubs", "tamper", *ATTACKERS]
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


def test_autograde_raises_no_false_alarm_on_untouched_autograder_cells(autograded):
    assert "Attribute 'checksum'" not in autograded.log
    assert "has changed" not in autograded.log


def test_a_helper_anywhere_and_a_constant_computed_with_a_call_are_graded(autograded):
    assert autograded.batch["helpers"].score == autograded.lesson.points
    # what could not be graded is named, with its cell, in both feedbacks
    assert any(DROPPED in note for note in autograded.batch["helpers"].notes)
    assert DROPPED in autograded_outputs(autograded, "helpers")
    for key, score in autograded.batch_scores("helpers").items():
        assert autograded.gradebook()[key] == pytest.approx(score, abs=1e-6), key


def self_checks(autograded, student: str) -> dict[str, str]:
    """grade_id -> what the self-check in that autograder cell printed in the sandboxed kernel of
    `nbgrader autograde`."""
    lesson = autograded.lesson.id
    notebook = json.loads(
        (autograded.folder / "autograded" / student / lesson / f"{lesson}.ipynb").read_text()
    )
    checks = {}
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
        if grade_id.startswith("test-"):
            text = "".join("".join(o.get("text", "")) for o in cell["outputs"])
            _, kept, after = text.partition(SELF_CHECK_HEADER)  # TrustedScores keeps it, on stdout
            checks[grade_id] = after.split("\n\n")[0] if kept else ""
    return checks


def test_self_checks_run_in_the_sandboxed_kernel_and_say_what_fails(autograded):
    for student in ("reference", "helpers"):
        assert set(self_checks(autograded, student).values()) == {""}, student
    for grade_id, text in self_checks(autograded, "stubs").items():
        entry = grade_id.removeprefix("test-")
        assert text.startswith(f"{entry}: ") and "not implemented yet" in text, grade_id
    mistaken = self_checks(autograded, "mistake")
    entry = autograded.mistake.split(".")[-1]
    assert "visible tests fail" in mistaken[f"test-{entry}"], mistaken
    assert [g for g, text in mistaken.items() if text] == [f"test-{entry}"]


def test_nbgrader_validate_reports_the_failing_self_checks(autograded):
    lesson = autograded.lesson.id
    notebook = Path("submitted") / "stubs" / lesson / f"{lesson}.ipynb"
    stubs = nbgrader(autograded.folder, "validate", str(notebook))
    assert "VALIDATION FAILED" in stubs.stdout and "not implemented yet" in stubs.stdout
    assert f"{autograded.lesson.exercises[0].entry}: " in stubs.stdout
    notebook = Path("submitted") / "helpers" / lesson / f"{lesson}.ipynb"
    helpers = nbgrader(autograded.folder, "validate", str(notebook))
    assert "Success! Your notebook passes all the tests." in helpers.stdout, helpers.stdout


def test_a_student_filling_in_the_notebook_sees_each_self_check_turn_silent(autograded, tmp_path):
    """The released notebook in a student's own kernel, cell by cell: every check says "not
    implemented yet"; the first exercise with a catalogue mistake, then right; then everything."""
    import nbformat
    from nbclient import NotebookClient

    lesson = autograded.lesson
    folder = shutil.copytree(autograded.folder / "release" / lesson.id, tmp_path / lesson.id)
    notebook = nbformat.read(folder / f"{lesson.id}.ipynb", as_version=4)
    source = json.loads(
        (autograded.folder / "source" / lesson.id / f"{lesson.id}.ipynb").read_text()
    )
    solutions = {cell["id"]: cell_source(cell) for cell in source["cells"]}
    cells = {  # every code cell, by grade_id (or id), in order
        cell.metadata.get("nbgrader", {}).get("grade_id", cell.id): i
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
    }
    entry = lesson.exercises[0].entry
    _, _, mistake = next(m for m in catalogue_mistakes(autograded.course) if m[2].entry == entry)
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )

    def run(grade_id: str, code: str | None = None) -> str:
        """Run one cell (with new code), as the student does; what it wrote to stderr."""
        index = cells[grade_id]
        if code is not None:
            notebook.cells[index].source = code
        client.execute_cell(notebook.cells[index], index)
        return "".join(
            o.get("text", "") for o in notebook.cells[index].outputs if o.get("name") == "stderr"
        )

    with client.setup_kernel():
        checks = {}
        for grade_id in cells:
            text = run(grade_id)
            if grade_id.startswith("test-"):
                checks[grade_id] = text
        assert len(checks) == len(lesson.exercises)
        for grade_id, text in checks.items():
            assert "not implemented yet" in text, grade_id  # and the cells below still ran

        solution = solutions[f"{entry}-code"]
        run(f"code-{entry}", solution + "\n\n" + mistake.source())
        text = run(f"test-{entry}")
        assert (
            f"{entry}: " in text and "visible tests fail" in text and "not implemented" not in text
        )
        assert "expected" in text or "Hint" in text or "raise" in text, text

        run(f"code-{entry}", solution)
        assert run(f"test-{entry}") == ""
        assert "not implemented yet" in run(f"test-{lesson.exercises[1].entry}")

        for grade_id in cells:
            if grade_id.startswith("code-") or grade_id.endswith("-imports"):
                run(grade_id, solutions[notebook.cells[cells[grade_id]].id])
        for exercise in lesson.exercises:
            assert run(f"test-{exercise.entry}") == "", exercise.id


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
    assert "data:image/png;base64," in mistake, "and the figure beside the failure"
    assert "No description has been provided" not in mistake, "with its description as alt text"
    for student in autograded.batch:  # but never the hidden tests' code
        page = (
            autograded.folder / "feedback" / student / lesson.id / f"{lesson.id}.html"
        ).read_text()
        assert "HIDDEN TESTS" not in page and "graders.notebooks.grading" not in page, student
    nbgrader(autograded.folder, "export")
    course_file = str(autograded.folder.parent / "course.toml")
    by_exercise = autograded.folder / "by-exercise.csv"
    run_cli("export", str(autograded.folder), "--course", course_file, "--out", str(by_exercise))
    table = {row["student"]: row for row in csv.DictReader(by_exercise.open())}
    assert sorted(table) == sorted(autograded.batch)
    for (student, exercise), score in autograded.gradebook().items():
        assert float(table[student][exercise]) == pytest.approx(score, abs=1e-6), (
            student,
            exercise,
        )
    rows = {
        row["student_id"]: float(row["score"])
        for row in csv.DictReader((autograded.folder / "grades.csv").open())
    }
    gradebook = autograded.gradebook()
    for student in autograded.batch:
        assert rows[student] == pytest.approx(
            sum(v for (s, _), v in gradebook.items() if s == student), abs=1e-4
        )
        assert float(table[student]["total"]) == pytest.approx(rows[student], abs=1e-4), student
