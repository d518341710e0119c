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


def open_the_way(visible: list[str]) -> list[str]:
    """Let the student's user reach the Python installation; return the folders it had to open.

    Python may live where others cannot pass (pyenv under ``/root``, mode 0700), and then every
    import the child makes after it switched user fails.  Each folder on the way that others
    could not search gets the search bit only (no listing), and each of its other entries is
    closed to others, so that opening the way shows nothing else.
    """
    opened = []
    for root in visible:
        way = Path(root)
        for folder in reversed(way.parents):
            mode = folder.stat().st_mode
            if mode & 0o001:
                continue
            os.chmod(folder, (stat.S_IMODE(mode) & ~0o006) | 0o001)
            opened.append(str(folder))
            for entry in folder.iterdir():
                if not any(v == str(entry) or v.startswith(f"{entry}/") for v in visible):
                    _close(str(entry), [])
    return opened


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
