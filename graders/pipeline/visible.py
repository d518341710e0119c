"""Whether the visible tests hold students to every rule the hidden graders do.

Each catalogue mistake breaks one rule of its exercise (the mean, not the sum; the clamp at
-100; leave the inputs as they are).  A mistake that passes every visible test of its module is
a rule a student can only learn by losing points: the visible tests must catch it too, with
their own small inputs.  ``caught_by_visible_tests`` runs the visible tests of a module
(``solutions/lessonN/test_<module>.py``, as students get them) on the solutions with one
mistake in place, for every mistake, in one Python process: torch is imported once, and each
mutant costs one ``pytest.main``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from graders.grading.mistakes import Mistake
from graders.grading.mutants import SOLUTIONS, submission_name, write_mutant

# The files the visible tests need beside the lessons, as exercises/ ships them.
SUPPORT = ("checks.py", "conftest.py", "pytest.ini")

_RUNNER = r"""
import json, sys
import pytest

for folder, test_file in json.loads(sys.argv[1]):
    for name in [n for n in sys.modules if n.split(".")[0].startswith(("lesson", "checks", "conftest"))]:
        del sys.modules[name]
    sys.path.insert(0, folder)
    try:
        code = pytest.main(
            [test_file, "-x", "-q", "--no-header", "-p", "no:cacheprovider", "--rootdir", folder,
             "-o", "timeout=60", "-W", "ignore"],
        )
    finally:
        sys.path.remove(folder)
    print("VISIBLE-RESULT " + json.dumps([folder, int(code)]), flush=True)
"""


def caught_by_visible_tests(
    entries: list[tuple[str, str, Mistake]], *, timeout: float = 1800
) -> dict[str, bool]:
    """{mutant name: whether a visible test of its module fails on it} for (lesson, module,
    mistake) triples.  A mutant whose visible tests cannot even run counts as caught."""
    if not entries:
        return {}
    with tempfile.TemporaryDirectory(prefix="visible-tests-") as scratch:
        runs, names = [], {}
        for lesson, module, mistake in entries:
            name = submission_name(lesson, mistake)
            folder = Path(scratch) / name
            write_mutant(folder, lesson, module, mistake)
            for support in SUPPORT:
                shutil.copyfile(SOLUTIONS / support, folder / support)
            test_file = SOLUTIONS / lesson / f"test_{module}.py"
            shutil.copyfile(test_file, folder / lesson / test_file.name)
            runs.append([str(folder), str(folder / lesson / test_file.name)])
            names[str(folder)] = name
        finished = subprocess.run(
            [sys.executable, "-c", _RUNNER, json.dumps(runs)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=scratch,
        )
    codes = {}
    for line in finished.stdout.splitlines():
        if line.startswith("VISIBLE-RESULT "):
            folder, code = json.loads(line[len("VISIBLE-RESULT ") :])
            codes[names[folder]] = code
    missing = [names[folder] for folder, _ in runs if names[folder] not in codes]
    if missing:
        raise RuntimeError(
            f"the visible tests did not finish for {', '.join(missing[:5])}: "
            f"{finished.stderr[-2000:] or finished.stdout[-2000:]}"
        )
    # 0: every test passed; 5: none collected (the module's tests were not found): not caught
    return {name: code not in (0, 5) for name, code in codes.items()}
