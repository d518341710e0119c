"""Student code imports anything installed, even where the installation lives under /tmp.

Each child gets a private, empty /tmp (graders/worker/isolation.py).  A Python installed under
/tmp (a clone of the project there, with its .venv) was hidden by it: any module the worker had
not imported already (numpy.testing, torch.profiler, scipy) failed with ModuleNotFoundError.
The test builds that case: a virtual environment under /tmp holding a module of its own, with
the project's packages reached through it, and grades code that imports the module lazily.
"""

import ast
import os
import site
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from graders.course.model import ROOT
from graders.worker.isolation import probe

WHAT_THE_CHILD_SEES = """
try:
    open(os.path.join(sys.prefix, 'written'), 'w')
    written = True
except OSError:
    written = False
return [sorted(os.listdir('/tmp')), written]
"""

GRADE_IN_THE_VENV = """
import sys
from sandboxed import run, start

WHAT_THE_CHILD_SEES = {WHAT_THE_CHILD_SEES!r}

zygote = start(sys.argv[1])
try:
    print("answer", run(zygote, "import only_under_tmp\\nreturn only_under_tmp.ANSWER"))
    print("private", run(zygote, WHAT_THE_CHILD_SEES))
finally:
    zygote.close()
"""


@pytest.fixture(scope="module")
def venv_under_tmp():
    folder = Path(tempfile.mkdtemp(prefix="venv-under-tmp-", dir="/tmp"))
    venv = folder / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    packages = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (packages / "only_under_tmp.py").write_text("ANSWER = 42\n")
    # the project's own packages (torch, the editable graders) through this installation
    ours = [sysconfig.get_path("purelib"), *site.getsitepackages()]
    lines = [f"import site; site.addsitedir({path!r})" for path in dict.fromkeys(ours)]
    (packages / "project-packages.pth").write_text("\n".join(lines) + "\n")
    folder.chmod(0o755)
    yield python
    subprocess.run(["rm", "-rf", str(folder)], check=False)


@pytest.mark.parametrize("kind", ["bwrap", "none"])
def test_student_code_imports_from_a_python_under_tmp(venv_under_tmp, kind):
    if probe() is not None:
        pytest.skip(f"no private /tmp without namespaces: {probe()}")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
    done = subprocess.run(
        [
            venv_under_tmp,
            "-c",
            GRADE_IN_THE_VENV.format(WHAT_THE_CHILD_SEES=WHAT_THE_CHILD_SEES),
            kind,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    if "SKIPPED" in done.stdout + done.stderr or "Skipped" in done.stderr:
        pytest.skip(done.stderr.strip().splitlines()[-1])
    assert done.returncode == 0, done.stderr[-3000:]
    assert "answer 42" in done.stdout, done.stdout + done.stderr[-2000:]
    # the installation is back, read-only, in a /tmp that is still the child's own: nothing else
    # of this machine's /tmp is there (without bubblewrap, the worker's own copy lies there too)
    seen = done.stdout.split("private ", 1)[1].strip()
    listing, written = ast.literal_eval(seen)
    folder = venv_under_tmp.parents[2].name  # /tmp/FOLDER/venv/bin/python
    assert folder in listing and not written, seen
    # and the way to this project's own packages, where it is cloned under /tmp too
    ours = {
        Path(path).relative_to("/tmp").parts[0]
        for path in [sys.prefix, sysconfig.get_path("purelib"), *site.getsitepackages()]
        if path.startswith("/tmp/")
    }
    allowed = {folder, *ours}
    assert all(name in allowed or name.startswith("graders-worker-") for name in listing), seen
