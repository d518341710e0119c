"""Makes failing visible tests easy to read: "not implemented yet", timeouts, and where it happened.

You do not need to read or change this file.
"""

from pathlib import Path

import pytest


class Explanation:
    """A failure report made of one plain message (shown in the summary line too)."""

    def __init__(self, text, path, lineno):
        self.text = text
        self.reprcrash = type(
            "Crash", (), {"message": text.splitlines()[0], "path": path, "lineno": lineno}
        )()

    def toterminal(self, tw):
        for line in self.text.splitlines():
            tw.line(line)

    def __str__(self):
        return self.text


def _your_code(excinfo, rootdir):
    """The innermost frame that is in the student's own files (not tests or helpers)."""
    found = None
    for entry in excinfo.traceback:
        path = Path(str(entry.path))
        if path.name.startswith("test_") or path.name in ("conftest.py", "checks.py"):
            continue
        try:
            relative = path.resolve().relative_to(rootdir)
        except ValueError:
            continue
        found = (str(relative), entry.lineno + 1, entry.name)
    return found


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when != "call" or not report.failed or call.excinfo is None:
        return report
    where = _your_code(call.excinfo, Path(str(item.config.rootpath)).resolve())
    location = f"{where[0]}:{where[1]} in {where[2]}" if where else "your code"
    if call.excinfo.errisinstance(NotImplementedError):
        name = where[2] if where else "this function"
        text = f"not implemented yet: {name} still raises NotImplementedError ({location}); replace it with your code"
        report.longrepr = Explanation(text, where[0] if where else "", where[1] if where else 0)
    elif str(call.excinfo.value).startswith("Timeout"):
        text = (
            f"{item.name} took longer than the time limit and was stopped: an infinite loop, "
            f"or far too much work? It was running {location} when it was stopped."
        )
        report.longrepr = Explanation(text, where[0] if where else "", where[1] if where else 0)
    return report
