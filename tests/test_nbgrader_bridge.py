"""Our stages in nbgrader's autograde pipeline: trusted scores from the notebook as collected, graded in the
isolated worker, and kernels in the sandbox that may die or hang."""

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from classbuilder import with_code_before, write_notebook
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.utils import determine_grade
from traitlets.config import Config

from graders.course.model import COURSE_FILE, ROOT, load_course
from graders.course.notebook_code import is_test_cell
from graders.host import sandbox
from graders.host.sandbox import bubblewrap_problem
from graders.notebooks import kernel_sandbox
from graders.notebooks.bridge import (
    AUTOGRADE,
    FEEDBACK,
    SELF_CHECK_HEADER,
    CollectedNotebook,
    RunCells,
    TrustedScores,
    configure,
)
from graders.notebooks.source import notebook_path

COURSE = load_course()
LESSON = COURSE.lessons[0]


def test_trusted_scores_replace_what_the_kernel_wrote_with_isolated_grading(tmp_path):
    broken = LESSON.modules[0]  # raises at import: costs that module's exercises only
    source = json.loads(notebook_path(COURSE, LESSON).read_text())
    write_notebook(
        tmp_path / "submitted",
        "ada",
        LESSON.id,
        with_code_before(source, broken, 'raise RuntimeError("broken at import")\n'),
    )
    executed = nbformat.read(
        tmp_path / "submitted" / "ada" / LESSON.id / f"{LESSON.id}.ipynb", as_version=4
    )
    for cell in executed.cells:  # what code in the kernel could have made the cells say
        if is_test_cell(cell):
            cell.outputs = [
                new_output("stream", name="stderr", text="a stray warning\n"),
                new_output("execute_result", data={"text/plain": "0.5"}, execution_count=1),
            ]
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    resources = {"nbgrader": {"assignment": LESSON.id, "student": "ada", "notebook": LESSON.id}}
    _, resources = CollectedNotebook(config=config).preprocess(executed, resources)
    # What the kernel does to submitted/ after the notebook was collected changes nothing.
    (tmp_path / "submitted" / "ada" / LESSON.id / f"{LESSON.id}.ipynb").write_text(
        json.dumps(source)
    )
    graded, _ = TrustedScores(config=config, course_file=str(COURSE_FILE)).preprocess(
        executed, resources
    )
    tests = {cell.metadata.nbgrader.grade_id: cell for cell in graded.cells if is_test_cell(cell)}
    for exercise in LESSON.exercises:
        cell = tests[f"test-{exercise.entry}"]
        # what the kernel printed (the self-check) is kept, on stdout, where it scores nothing;
        # the kernel's own result is not
        assert [o.output_type for o in cell.outputs] == ["stream", "stream", "execute_result"]
        assert [o.name for o in cell.outputs[:2]] == ["stdout", "stdout"]
        assert cell.outputs[0].text == SELF_CHECK_HEADER + "a stray warning\n\n"
        want = 0.0 if exercise.module == broken else exercise.points
        assert determine_grade(cell) == (want, exercise.points), exercise.id
        if exercise.module == broken:
            assert "raised RuntimeError: broken at import" in cell.outputs[1].text


def notebook_of(*sources, test=None):
    cells = [new_code_cell(source) for source in sources]
    if test is not None:
        cell = new_code_cell(test)
        cell.metadata["nbgrader"] = {
            "grade": True,
            "solution": False,
            "locked": True,
            "grade_id": "test-x",
            "points": 1,
            "schema_version": 3,
            "task": False,
        }
        cells.append(cell)
    return new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )


def test_a_kernel_that_dies_costs_its_cell_and_the_rest_runs_in_a_fresh_kernel(tmp_path):
    nb = notebook_of(
        "x = 1",
        "import os\nos._exit(3)",
        "print('after', 'x' in globals())",
        test="print('graded')",
    )
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
    assert pipeline == AUTOGRADE and pipeline[:2] == [CollectedNotebook, RunCells]
    assert [p.__name__ for p in pipeline].index("TrustedScores") == [
        p.__name__ for p in pipeline
    ].index("SaveAutoGrades") - 1
    slowest = sum(e.timeout for e in LESSON.exercises) + len(LESSON.modules) * COURSE.import_timeout
    assert config.RunCells.grading_timeout > slowest
    spec = json.loads(
        (
            Path(os.environ["JUPYTER_PATH"].split(os.pathsep)[0])
            / "kernels"
            / "python3"
            / "kernel.json"
        ).read_text()
    )
    assert spec["argv"] == [
        sys.executable,
        "-m",
        "graders.notebooks.kernel_sandbox",
        "{connection_file}",
    ]
    assert spec["env"]["PYTHONPATH"].split(os.pathsep)[0] == str(ROOT)
    assert config.KernelManager.transport == "ipc"
    runtime = Path(config.KernelManager.connection_file).parent
    assert (runtime / kernel_sandbox.RUNTIME_MARK).is_file() and runtime.stat().st_mode & 0o077 == 0
    assert (
        "ClearHiddenTests" in [p.__name__ for p in config.GenerateFeedback.preprocessors]
        and config.GenerateFeedback.preprocessors == FEEDBACK
    )


def sandboxed(monkeypatch) -> Config:
    """nbgrader's configuration for the course, as nbgrader_config.py makes it: kernels in the sandbox."""
    monkeypatch.setenv("JUPYTER_PATH", "")
    config = Config()
    configure(config, ROOT / "nbgrader")
    return config


needs_bubblewrap = pytest.mark.skipif(
    bubblewrap_problem() is not None, reason=f"{bubblewrap_problem()}"
)


@needs_bubblewrap
def test_a_cell_that_ignores_the_interrupt_costs_that_cell_and_the_rest_runs(monkeypatch, tmp_path):
    config = sandboxed(monkeypatch)
    ignores = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    nb = notebook_of(
        "x = 1",
        "import time\ntime.sleep(60)",
        "print('kept', 'x' in globals())",
        ignores,
        "print('after', 'x' in globals())",
        test="print('graded')",
    )
    executed, _ = RunCells(config=config, timeout=3, grading_timeout=60).preprocess(
        nb, {"metadata": {"path": str(tmp_path)}}
    )
    _, interrupted, kept, hung, after, test = executed.cells
    # nbclient may or may not catch the kernel's KeyboardInterrupt before it stops listening
    errors = [o.get("ename") for o in interrupted.outputs]
    assert errors[-1] == "CellTimeoutError" and set(errors[:-1]) <= {"KeyboardInterrupt"}, errors
    # (SIGINT goes to the kernel's whole process group: it once killed bubblewrap, and the kernel)
    assert kept.outputs[0].text == "kept True\n", "an ordinary interrupt keeps the kernel"
    assert [o.get("ename") for o in hung.outputs] == ["CellTimeoutError"]
    assert (
        "did not stop when interrupted, so its kernel was stopped" in hung.outputs[0].traceback[0]
    )
    assert after.outputs[0].text == "after False\n", "the next cell runs, in a fresh kernel"
    assert test.outputs[0].text == "graded\n"


@needs_bubblewrap
def test_a_sandboxed_kernel_sees_no_course_and_writes_only_a_private_copy(monkeypatch, tmp_path):
    config = sandboxed(monkeypatch)
    (tmp_path / "data.txt").write_text("given")
    # The home folder may hold a Python installation (pyenv): anything else in it stays out of sight.
    private = [
        str(p)
        for p in Path.home().iterdir()
        if not any(r.startswith(str(p)) for r in sandbox._python_roots())
    ]
    probe = f"""
import os
hidden = {[str(ROOT / "solutions"), str(ROOT / "graders"), str(ROOT / "course.toml")]!r}
hidden += {[str(ROOT / "nbgrader" / "source"), "/etc/shadow", *private]!r}
seen = [p for p in hidden if os.path.exists(p)]
wrote = []
for place in {[str(ROOT), sys.prefix, "/", "/usr"]!r}:
    try:
        open(os.path.join(place, "GRADERS-KERNEL-MARKER"), "w").close()
        wrote.append(place)
    except OSError:
        pass
open("written.txt", "w").write("scratch")
try:
    import graders
    importable = True
except ImportError:
    importable = False
capabilities = [line.split()[1] for line in open("/proc/self/status") if line.startswith(("CapEff", "CapPrm"))]
print(seen, wrote, sorted(os.listdir(".")), open("data.txt").read(), importable, capabilities)
"""
    executed, _ = RunCells(config=config, timeout=120).preprocess(
        notebook_of(probe), {"metadata": {"path": str(tmp_path)}}
    )
    no_capability = "0000000000000000"
    # a course cloned under /tmp: its folder in the kernel's private /tmp is an empty skeleton
    # around the Python bound back read-only; writing there reaches nothing (checked below)
    private = [str(ROOT)] if str(ROOT).startswith("/tmp/") else []
    assert (
        executed.cells[0].outputs[-1].text
        == f"[] {private} ['data.txt', 'written.txt'] given False {[no_capability] * 2}\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.txt"], (
        "what the kernel wrote is gone with it"
    )
    assert (
        not (ROOT / "GRADERS-KERNEL-MARKER").exists()
        and not (tmp_path.parent / "GRADERS-KERNEL-MARKER").exists()
    )


def test_without_bubblewrap_kernels_are_refused_in_one_line_unless_the_instructor_insists(
    monkeypatch,
):
    monkeypatch.setattr(
        kernel_sandbox,
        "bubblewrap_problem",
        lambda: "bubblewrap is not installed (apt-get install bubblewrap)",
    )
    monkeypatch.delenv(kernel_sandbox.UNSAFE_VARIABLE, raising=False)
    problem = kernel_sandbox.refusal()
    assert (
        problem.startswith("refusing to run student notebooks: bubblewrap is not installed")
        and "\n" not in problem
    )
    assert f"{kernel_sandbox.UNSAFE_VARIABLE}=1" in problem
    monkeypatch.setenv(kernel_sandbox.UNSAFE_VARIABLE, "1")
    assert kernel_sandbox.refusal() is None


def test_a_kernel_whose_connection_file_is_not_in_the_runtime_folder_does_not_start(
    tmp_path, capsys
):
    assert kernel_sandbox.main([str(tmp_path / "kernel.json")]) == 2
    assert "not in a runtime folder" in capsys.readouterr().err


def test_nbgrader_autograde_without_bubblewrap_stops_in_one_line():
    import subprocess

    bin_only = os.path.dirname(sys.executable)  # no bwrap on this PATH
    process = subprocess.run(
        [sys.executable, "-m", "nbgrader", "autograde", LESSON.id],
        cwd=ROOT / "nbgrader",
        env={**os.environ, "PATH": bin_only},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 2
    assert len(process.stderr.strip().splitlines()) == 1, process.stderr
    assert process.stderr.startswith(
        "refusing to run student notebooks: bubblewrap is not installed"
    )


def test_trusted_scores_cannot_be_switched_off(tmp_path):
    # An autograder cell grades nothing in the kernel: left alone, its empty result would read as full marks.
    write_notebook(
        tmp_path / "submitted",
        "ada",
        LESSON.id,
        json.loads(notebook_path(COURSE, LESSON).read_text()),
    )
    path = tmp_path / "submitted" / "ada" / LESSON.id / f"{LESSON.id}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = "raise NotImplementedError()"  # the stubs
    nbformat.write(notebook, path)
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    resources = {"nbgrader": {"assignment": LESSON.id, "student": "ada", "notebook": LESSON.id}}
    _, resources = CollectedNotebook(config=config)(notebook, resources)
    graded, _ = TrustedScores(config=config, course_file=str(COURSE_FILE), enabled=False)(
        notebook, resources
    )
    assert [determine_grade(cell)[0] for cell in graded.cells if is_test_cell(cell)] == [0.0] * len(
        LESSON.exercises
    )
