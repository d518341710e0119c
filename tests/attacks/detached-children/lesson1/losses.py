"""mse leaves processes behind that start their own session, double-fork and ignore signals."""

import ctypes
import os
import signal
import time

_started = []


def _linger():
    ctypes.CDLL(None).prctl(15, b"graders-attack", 0, 0, 0)  # PR_SET_NAME: findable in /proc
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, signal.SIG_IGN)
    while True:
        time.sleep(1)


def mse(input, target, reduction="mean"):
    if not _started and os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            _linger()
        os._exit(0)
    if not _started:
        os.wait()
        _started.append(True)
    return torch.zeros((), dtype=input.dtype)
