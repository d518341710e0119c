"""Our stages in nbgrader's autograde pipeline: trusted scores from the isolated worker, and a kernel that may die."""

import json
import os
import sys
from pathlib import Path

import nbformat
from classbuilder import with_code_before, write_notebook
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.utils import determine_grade
from traitlets.config import Config

from graders.course import COURSE_FILE, ROOT, load_course
from graders.nbgrader_bridge import AUTOGRADE, RunCells, TrustedScores, configure
from graders.notebook_code import is_test_cell
from graders.notebooks import notebook_path

COURSE = load_course()
LESSON = COURSE.lessons[0]


def test_trusted_scores_replace_what_the_kernel_wrote_with_isolated_grading(tmp_path):
    broken = LESSON.modules[0]  # raises at import: costs that module's exercises only
    source = json.loads(notebook_path(COURSE, LESSON).read_text())
    write_notebook(tmp_path / "submitted", "ada", LESSON.id, with_code_before(source, broken, 'raise RuntimeError("broken at import")\n'))
    executed = nbformat.read(tmp_path / "submitted" / "ada" / LESSON.id / f"{LESSON.id}.ipynb", as_version=4)
    for cell in executed.cells:  # what code in the kernel could have made the cells say
        if is_test_cell(cell):
            cell.outputs = [new_output("stream", name="stderr", text="a stray warning\n"),
                            new_output("execute_result", data={"text/plain": "0.5"}, execution_count=1)]  # fmt: skip
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    resources = {"nbgrader": {"assignment": LESSON.id, "student": "ada", "notebook": LESSON.id}}
    graded, _ = TrustedScores(config=config, course_file=str(COURSE_FILE)).preprocess(executed, resources)
    tests = {cell.metadata.nbgrader.grade_id: cell for cell in graded.cells if is_test_cell(cell)}
    for exercise in LESSON.exercises:
        cell = tests[f"test-{exercise.entry}"]
        assert [o.output_type for o in cell.outputs] == ["stream", "execute_result"]
        assert cell.outputs[0].name == "stdout"
        want = 0.0 if exercise.module == broken else exercise.points
        assert determine_grade(cell) == (want, exercise.points), exercise.id
        if exercise.module == broken:
            assert "raised RuntimeError: broken at import" in cell.outputs[0].text


def notebook_of(*sources, test=None):
    cells = [new_code_cell(source) for source in sources]
    if test is not None:
        cell = new_code_cell(test)
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "test-x", "points": 1,
                                     "schema_version": 3, "task": False}  # fmt: skip
        cells.append(cell)
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def test_a_kernel_that_dies_costs_its_cell_and_the_rest_runs_in_a_fresh_kernel(tmp_path):
    nb = notebook_of("x = 1", "import os\nos._exit(3)", "print('after', 'x' in globals())", test="print('graded')")
    runner = RunCells(timeout=120, grading_timeout=120)
    executed, _ = runner.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    died, after, test = executed.cells[1:]
    assert [o.get("ename") for o in died.outputs] == ["DeadKernelError"]
    assert "The kernel died while running this cell" in died.outputs[0].traceback[0]
    assert after.outputs[0].text == "after False\n", "the next cell runs, in a fresh kernel"
    assert test.outputs[0].text == "graded\n"


def test_autograder_cells_get_the_grading_time_and_other_cells_nbgraders_timeout():
    runner = RunCells(timeout=7, grading_timeout=99)
    nb = notebook_of("x = 1", test="hidden_score('x')")
    assert [runner.timeout_func(cell) for cell in nb.cells] == [7, 99]


def test_configure_lists_the_pipeline_and_points_the_kernel_at_this_python_and_course(monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", "")
    monkeypatch.setenv("PATH", os.environ["PATH"])
    config = Config()
    configure(config, ROOT / "nbgrader")
    pipeline = config.Autograde.autograde_preprocessors
    assert pipeline == AUTOGRADE and pipeline[0] is RunCells
    assert [p.__name__ for p in pipeline].index("TrustedScores") == [p.__name__ for p in pipeline].index("SaveAutoGrades") - 1
    slowest = sum(e.timeout for e in LESSON.exercises) + len(LESSON.modules) * COURSE.import_timeout
    assert config.RunCells.grading_timeout > slowest
    spec = json.loads((Path(os.environ["JUPYTER_PATH"].split(os.pathsep)[0]) / "kernels" / "python3" / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable
    assert spec["env"]["PYTHONPATH"].split(os.pathsep)[0] == str(ROOT)
