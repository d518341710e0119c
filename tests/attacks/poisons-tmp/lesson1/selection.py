"""choose_loss leaves things behind for the next student: files in /tmp and /dev/shm, a module to shadow, SysV shared memory."""

import ctypes
import os

MARKER = "GRADERS-ATTACK-MARKER"
SHM_KEY = 0x47524144  # "GRAD"
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p


def choose_loss(problem):
    for folder in ("/tmp", "/dev/shm", os.getcwd(), os.path.expanduser("~")):
        for name in (MARKER, "sitecustomize.py", "usercustomize.py", "matplotlib.py", "scipy.py"):
            try:
                with open(os.path.join(folder, name), "w") as handle:
                    handle.write(f"raise RuntimeError('{MARKER}')\n")
            except OSError:
                pass
    segment = libc.shmget(SHM_KEY, 4096, 0o1666)  # IPC_CREAT | 0666
    if segment >= 0:
        address = libc.shmat(segment, None, 0)
        if address not in (None, 2**64 - 1):
            ctypes.memmove(address, MARKER.encode(), len(MARKER))
    return nn.L1Loss()  # wrong for most problems
