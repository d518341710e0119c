"""The zygote's memory, folded into huge pages once before the first fork, so that forking it is cheap.

After importing torch the zygote holds a few hundred MB of anonymous memory (the C heap, Python's
arenas, torch's own tables) in 4 KB pages.  Every fork copies one page-table entry per page
(tens of thousands), and every child's exit and keeper's fork walks them again: a tenth of
the CPU time isolation costs a lesson-1 submission (docs/measurements.md).  Folded into 2 MB
pages (``MADV_COLLAPSE``, Linux 6.1), a fork copies one entry per 2 MB instead.

Nothing else changes for the children: a child that writes to a page it shares with the
zygote gets its own copy of that 4 KB page only (the kernel splits the shared huge page
first), so a child's memory, and what its cgroup is charged, stay what they were.  Where
the kernel cannot (an older one, transparent huge pages switched off, no free 2 MB blocks)
the call fails and the zygote forks as before.
"""

from __future__ import annotations

import ctypes

MADV_COLLAPSE = 25
HUGE_PAGE = 2 * 2**20

_libc = ctypes.CDLL(None, use_errno=True)
_libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]


def anonymous_regions(maps: str) -> list[tuple[int, int]]:
    """The whole huge pages inside each private, writable, anonymous mapping of ``/proc/self/maps``."""
    regions = []
    for line in maps.splitlines():
        fields = line.split()
        if len(fields) < 5 or fields[1] != "rw-p" or fields[4] != "0":
            continue
        name = fields[5] if len(fields) > 5 else ""
        if name not in ("", "[heap]"):  # not the stack, nor a file's pages
            continue
        span = whole_huge_pages(*(int(address, 16) for address in fields[0].split("-")))
        if span:
            regions.append(span)
    return regions


def whole_huge_pages(start: int, end: int) -> tuple[int, int] | None:
    """The part of ``start``..``end`` made of whole huge pages, rounded inwards; None if there is none."""
    start, end = -(-start // HUGE_PAGE) * HUGE_PAGE, end // HUGE_PAGE * HUGE_PAGE
    return (start, end) if end > start else None


def fold(start: int, end: int) -> int:
    """Fold the memory from ``start`` to ``end`` (whole huge pages) into huge pages: 0, or why not (an errno)."""
    if _libc.madvise(start, end - start, MADV_COLLAPSE) == 0:
        return 0
    return ctypes.get_errno()


def collapse() -> int:
    """Fold this process's anonymous memory into huge pages where the kernel can; the bytes folded."""
    with open("/proc/self/maps") as maps:
        regions = anonymous_regions(maps.read())
    return sum(end - start for start, end in regions if fold(start, end) == 0)
