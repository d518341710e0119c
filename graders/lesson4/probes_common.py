"""Probe helpers that several lesson4 modules share; they run inside the sandbox."""

from __future__ import annotations

import traceback

from graders.worker.loader import PREFIX

FAILURE = {"type": str, "message": str, "at": str}  # what ``failure`` returns


def failure(exc: BaseException) -> dict:
    """An exception raised by the code under test, as data: type, message, and the student's own line."""
    frames = [
        f"{frame.filename[len(PREFIX) :]}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename.startswith(PREFIX)
    ]
    return {
        "type": type(exc).__name__,
        "message": str(exc)[:1000],
        "at": frames[-1] if frames else "",
    }
