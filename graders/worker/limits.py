"""Resource limits for a student's child process, and killing every process it started."""

from __future__ import annotations

import ctypes
import os
import resource
import signal

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36

_libc = ctypes.CDLL(None, use_errno=True)


def prctl(option: int, value: int) -> None:
    if _libc.prctl(option, value, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def become_subreaper() -> None:
    """Orphaned descendants (double forks, setsid daemons) are re-parented to us, not to init."""
    prctl(PR_SET_CHILD_SUBREAPER, 1)


def confine(limits: dict) -> None:
    """Apply a student child's limits; called in the child right after fork."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the zygote's death takes its children along
    prctl(PR_SET_DUMPABLE, 0)  # siblings cannot ptrace us or read our memory
    _set(resource.RLIMIT_CORE, 0)
    if limits.get("memory_mb"):
        _set(resource.RLIMIT_AS, _address_space() + limits["memory_mb"] * 2**20)
    if limits.get("cpu_seconds"):
        seconds = int(limits["cpu_seconds"])
        _set(resource.RLIMIT_CPU, seconds, seconds + 5)
    if limits.get("output_kb"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails with EFBIG instead
        _set(resource.RLIMIT_FSIZE, int(limits["output_kb"]) * 1024)
    if limits.get("processes"):
        _set(resource.RLIMIT_NPROC, int(limits["processes"]))


def _set(which: int, soft: int, hard: int | None = None) -> None:
    current_soft, current_hard = resource.getrlimit(which)
    hard = soft if hard is None else hard
    if current_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, current_hard), min(hard, current_hard)
    resource.setrlimit(which, (soft, hard))


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


def descendants(root: int) -> list[int]:
    """Every live process below ``root``, found through /proc parent links."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def kill_descendants(root: int, rounds: int = 50) -> dict[int, int]:
    """SIGKILL everything below ``root`` until nothing is left (processes may fork meanwhile).

    Returns the wait statuses of the children it reaped on the way.
    """
    statuses: dict[int, int] = {}
    for _ in range(rounds):
        victims = descendants(root)
        if not victims:
            break
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        statuses.update(reap())
    return statuses


def reap() -> dict[int, int]:
    """Collect every finished child without blocking; returns {pid: wait status}."""
    statuses = {}
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        statuses[pid] = status
    return statuses
