"""Without namespaces, never root and never the answers: the user student code runs as.

Where the kernel (or a container such as Gradescope's) refuses user namespaces, a child cannot
cover the course's files with empty mounts (worker/isolation.py).  If the grader runs as root
there, each child instead switches to an unprivileged user before any student code exists, and
the grader first takes every permission for "others" off what is hidden (the course's
solutions, graders and notebook sources, every class and output folder), as PrairieLearn does
with its ``ag`` user.  The user is ``graders-student`` where ``./dev`` or the Gradescope
``setup.sh`` created it, else ``nobody``.
"""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path

USER = "graders-student"
FALLBACK_USER = "nobody"


def identity() -> tuple[str, int, int]:
    """(name, uid, gid) of the user student code runs as when the grader is root without namespaces."""
    for name in (USER, FALLBACK_USER):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return name, entry.pw_uid, entry.pw_gid
    return FALLBACK_USER, 65534, 65534


def needed() -> bool:
    """Whether children must change user: only a root grader can, and only a root grader must."""
    return os.geteuid() == 0


def close_to_others(hidden: list[Path], visible: list[str]) -> None:
    """Take the permissions of "others" off each hidden file or folder, around the ``visible`` ones.

    The student's user owns none of these files and is in none of their groups, so only the
    "others" bits apply to it.  A folder that holds a visible one (the Python installation may
    sit inside the course folder) keeps its search bit, so the way through stays open, and each
    of its other entries is closed instead.
    """
    for path in hidden:
        _close(str(path), visible)


def _close(path: str, visible: list[str]) -> None:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return
    if stat.S_ISLNK(mode):
        return  # a link's own mode means nothing; what it points at is closed where it lives
    inside = [v for v in visible if v == path or v.startswith(path.rstrip("/") + "/")]
    if not inside:
        os.chmod(path, stat.S_IMODE(mode) & ~0o007)
        return
    if path in inside:
        return
    os.chmod(path, (stat.S_IMODE(mode) & ~0o007) | 0o001)  # through, but not listed
    for entry in os.listdir(path):
        _close(os.path.join(path, entry), visible)
