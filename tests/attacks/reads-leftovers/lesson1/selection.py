"""A correct submission that sabotages itself if anything a classmate left behind reaches it.

Graded right after poisons-tmp, on the same warm worker: it must get full marks.
"""

import ctypes
import os

_MARKER = "GRADERS-ATTACK-MARKER"
_libc = ctypes.CDLL(None, use_errno=True)


def _leftovers():
    found = [f"{folder}/{name}" for folder in ("/tmp", "/dev/shm", os.getcwd()) for name in (_MARKER, "sitecustomize.py", "scipy.py")
             if os.path.exists(f"{folder}/{name}")]
    if _libc.shmget(0x47524144, 0, 0) >= 0:
        found.append("a SysV shared memory segment")
    if os.environ.get(_MARKER):
        found.append("an environment variable")
    return found


if _leftovers():
    raise RuntimeError(f"found a classmate's leftovers: {_leftovers()}")
