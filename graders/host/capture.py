"""What student code prints: an in-memory file the grader owns, sealed at a fixed size.

The grader makes the file and hands it to the child as its stdout and stderr.  The file
cannot grow past ``limit`` bytes and a page (``F_SEAL_GROW``) nor shrink (``F_SEAL_SHRINK``),
so a gigabyte of output fills neither memory nor disk: writes past the end fail in the child.
The shared file offset says how much was written (the kernel fills a file page by page, so
a write that crosses ``limit`` still lands beyond it), and more than ``limit`` bytes means
the output limit was exceeded.  The grader reads the file itself, so what was printed before a
crash or a time-out is still there to show.
"""

from __future__ import annotations

import fcntl
import os
import re
from dataclasses import dataclass

_ESCAPES = re.compile(
    r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|.)"
)  # colours, cursor moves, titles
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")  # what is left of them; keeps \t and \n


@dataclass(frozen=True)
class Printed:
    text: str  # at most ``limit`` bytes of it, decoded, control characters removed
    size: int  # bytes written, counting up to limit and a page
    over_limit: bool


_NOTHING = Printed("", 0, False)


class Capture:
    def __init__(self, limit: int):
        self.limit = limit
        self.fd = os.memfd_create("student-output", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        os.ftruncate(self.fd, limit + os.sysconf("SC_PAGE_SIZE"))
        fcntl.fcntl(
            self.fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_GROW | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_SEAL
        )

    def take(self) -> Printed:
        """What was printed since the last ``take``."""
        size = max(0, os.lseek(self.fd, 0, os.SEEK_CUR))
        if not size:  # the usual case, after every call: one system call
            return _NOTHING
        data = os.pread(self.fd, min(size, self.limit), 0)
        os.lseek(self.fd, 0, os.SEEK_SET)
        return _printed(data, size, size > self.limit)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _printed(data: bytes, size: int | None = None, over_limit: bool = False) -> Printed:
    text = _CONTROL.sub("", _ESCAPES.sub("", data.decode("utf-8", "replace")))
    return Printed(text, len(data) if size is None else size, over_limit)
