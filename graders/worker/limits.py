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


def confine(limits: dict, *, tasks_outside: int = 0, cgroup: bool = False) -> None:
    """Apply a student child's limits; called in the child before any student code runs.

    ``tasks_outside`` counts the processes and threads already charged to this user in the
    child's user namespace that are not the child's own (RLIMIT_NPROC counts them all).
    With a ``cgroup`` limiting memory, RLIMIT_AS is left alone: the cgroup holds for all the
    child's processes together, and an address-space limit would also count reservations
    that use no memory (CUDA reserves tens of gigabytes of addresses when it starts).
    """
    prctl(
        PR_SET_PDEATHSIG, signal.SIGKILL
    )  # the zygote's (or keeper's) death takes the child along
    prctl(PR_SET_DUMPABLE, 0)  # no core dumps, no ptrace or /proc/pid/mem from siblings
    _set(resource.RLIMIT_CORE, 0)
    _prefer_as_oom_victim()
    if limits.get("memory_mb"):
        memory = int(limits["memory_mb"]) * 2**20
        if not cgroup:
            _set(resource.RLIMIT_AS, _address_space() + memory)
        _set(
            resource.RLIMIT_FSIZE, memory
        )  # no file bigger than the memory limit (output has its own)
    if limits.get("cpu_seconds"):
        seconds = int(limits["cpu_seconds"])
        _set(resource.RLIMIT_CPU, seconds)  # soft = hard: SIGKILL when it is used up
    if limits.get("processes"):
        _set(resource.RLIMIT_NPROC, int(limits["processes"]) + tasks_outside)


def _prefer_as_oom_victim() -> None:
    """If the machine itself runs out of memory, the kernel kills student code first."""
    try:
        with open("/proc/self/oom_score_adj", "w") as handle:
            handle.write("1000")
    except OSError:
        pass


def tasks_of_this_user() -> int:
    """Processes and threads visible here that run as this process's user (RLIMIT_NPROC counts them)."""
    uid, count = os.getuid(), 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        if int(fields.get("Uid", "-1 ").split()[0]) == uid:
            count += int(fields.get("Threads", "1"))
    return count


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


def kill_descendants(
    root: int, rounds: int = 50, spare: frozenset[int] | set[int] = frozenset()
) -> dict[int, tuple[int, float]]:
    """SIGKILL everything below ``root`` but the processes in ``spare``, until nothing else is left
    (processes may fork meanwhile).

    Returns what ``reap`` collected on the way.
    """
    statuses: dict[int, tuple[int, float]] = {}
    for _ in range(rounds):
        victims = [pid for pid in descendants(root) if pid not in spare]
        if not victims:
            break
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        statuses.update(reap())
    return statuses


def reap() -> dict[int, tuple[int, float]]:
    """Collect every finished child without blocking: {pid: (wait status, CPU seconds it and its children used)}."""
    statuses = {}
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        statuses[pid] = (status, usage.ru_utime + usage.ru_stime)
    return statuses
