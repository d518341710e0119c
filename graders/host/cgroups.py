"""Per-submission cgroups: a memory limit and a process limit that hold for every process a submission starts.

RLIMIT_AS bounds one process and RLIMIT_NPROC does nothing for root, so a submission that
forks could use many times its memory limit.  Where this process may create cgroups (root,
or a delegated cgroup v2 subtree), each submission's child gets a group of its own:

- the grader makes ``graders-<pid>-<n>/child-<k>`` with ``memory`` and ``pids`` limits (cgroup v2,
  or the v1 ``memory`` and ``pids`` hierarchies), under its own group where that works;
- it opens the group's ``cgroup.procs`` and hands the open file to the child, which moves
  itself in before any student code runs (worker/isolation.py), so every process it starts
  is born inside and counted;
- after the child is released, the group says whether the kernel's OOM killer struck
  (``out_of_memory``), anything left is killed, and the group is removed.

``problem()`` says why cgroups cannot be used here, if they cannot; grading then relies on
the rlimits alone (docs/sandbox.md says what that leaves open).
"""

from __future__ import annotations

import functools
import itertools
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

_groups = itertools.count()
REMOVE_WAIT = 5.0


@dataclass(frozen=True)
class Hierarchy:
    """Where the memory and pids controllers live: one folder for v2, two for v1."""

    version: int
    memory: Path  # the folder new groups are made in, for the memory controller
    pids: Path  # the same for the pids controller (equal to ``memory`` on v2)

    def folders(self) -> list[Path]:
        return [self.memory] if self.memory == self.pids else [self.memory, self.pids]


@functools.cache
def detect() -> tuple[Hierarchy | None, str]:
    """(hierarchy, "") when this process can make limited cgroups here, else (None, why not)."""
    mounts = _cgroup_mounts()
    own = _own_groups()
    v1_memory, v1_pids = mounts.get("memory"), mounts.get("pids")
    if v1_memory and v1_pids:
        hierarchy = Hierarchy(
            1, _inside(v1_memory, own.get("memory", "/")), _inside(v1_pids, own.get("pids", "/"))
        )
    elif "" in mounts:
        root = mounts[""]
        controllers = _read(root / "cgroup.controllers").split()
        if "memory" not in controllers or "pids" not in controllers:
            return None, f"the cgroup v2 hierarchy at {root} offers no memory and pids controllers"
        # A v2 group with processes in it cannot hand controllers down, and ours has this
        # process: new groups go at the top of the hierarchy, which is exempt.
        hierarchy = Hierarchy(2, root, root)
    else:
        return None, "no cgroup file system with the memory and pids controllers is mounted"
    try:
        _remove_abandoned(hierarchy)
        probe = Group.create(hierarchy, memory_bytes=64 * 2**20, processes=8)
        probe.remove()
    except OSError as exc:
        return None, f"cannot create cgroups ({exc.strerror or exc}: {exc.filename or ''})".replace(
            ": )", ")"
        )
    return hierarchy, ""


def problem() -> str | None:
    return detect()[1] or None


class Group:
    """One submission child's cgroup (in each hierarchy folder)."""

    def __init__(self, hierarchy: Hierarchy, folders: list[Path]):
        self.hierarchy, self.folders = hierarchy, folders

    @classmethod
    def create(cls, hierarchy: Hierarchy, *, memory_bytes: int, processes: int) -> Group:
        name = f"graders-{os.getpid()}-{next(_groups)}"
        folders: list[Path] = []
        group = cls(hierarchy, folders)
        try:
            for parent in hierarchy.folders():
                folder = parent / name
                folder.mkdir()
                folders.append(folder)
            if hierarchy.version == 2:
                _set(folders[0], "memory.max", memory_bytes)
                _set(folders[0], "memory.swap.max", 0, optional=True)
                _set(
                    folders[0], "memory.oom.group", 1, optional=True
                )  # an OOM kill takes the whole submission
                _set(folders[0], "pids.max", processes)
            else:
                _set(folders[0], "memory.limit_in_bytes", memory_bytes)
                _set(folders[0], "memory.memsw.limit_in_bytes", memory_bytes, optional=True)
                _set(folders[-1], "pids.max", processes)
        except OSError:
            group.remove()
            raise
        return group

    def procs_files(self) -> list[int]:
        """Open ``cgroup.procs`` files: a process that writes "0" to each joins this group."""
        return [
            os.open(folder / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC) for folder in self.folders
        ]

    def oom_kills(self) -> int:
        """How many processes the kernel's OOM killer has killed in this group."""
        name = "memory.events" if self.hierarchy.version == 2 else "memory.oom_control"
        for line in _read(self.folders[0] / name).splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value)
        return 0

    def pids(self) -> list[int]:
        found: set[int] = set()
        for folder in self.folders:
            found.update(int(p) for p in _read(folder / "cgroup.procs").split() if p.isdigit())
        return sorted(found)

    def kill(self, wait: bool = True) -> None:
        """SIGKILL every process in the group until none is left (the pids limit bounds any fork race);
        without ``wait``, one round of SIGKILL."""
        deadline = time.monotonic() + REMOVE_WAIT
        while True:
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if not wait or time.monotonic() >= deadline:
                return
            time.sleep(0.01)

    def try_remove(self) -> bool:
        """Delete the group's folders if no process is left in it, without waiting; whether it is gone."""
        if self.pids():
            return False
        for folder in reversed(self.folders):
            try:
                folder.rmdir()
            except FileNotFoundError:
                pass
            except OSError:
                return False  # an exit still being accounted: next time
        self.folders = []
        return True

    def remove(self) -> None:
        """Kill what is left and delete the group's folders (waiting a little for exits to finish)."""
        if self.folders:
            self.kill()
        deadline = time.monotonic() + REMOVE_WAIT
        while not self.try_remove() and time.monotonic() < deadline:
            time.sleep(0.01)
        self.folders = []  # any left behind are empty of processes: harmless, and named after this grader's pid


def _remove_abandoned(hierarchy: Hierarchy) -> None:
    """Groups a grader that was killed left behind (named after its pid, and it is gone)."""
    for folder in hierarchy.folders():
        for group in folder.glob("graders-*-*"):
            pid = group.name.split("-")[1]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                Group(hierarchy, [group]).remove()


def _set(folder: Path, name: str, value: int, optional: bool = False) -> None:
    try:
        (folder / name).write_text(f"{value}\n")
    except FileNotFoundError:
        if not optional:
            raise
    except OSError:
        if not optional:
            raise


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _cgroup_mounts() -> dict[str, Path]:
    """Mount points: v1 hierarchies by controller name, the v2 hierarchy under ""."""
    mounts: dict[str, Path] = {}
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return mounts
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if len(fields) < 5 or len(rest) < 3:
            continue
        mount_point, fstype, options = Path(fields[4]), rest[0], rest[2].split(",")
        if fstype == "cgroup2":
            mounts.setdefault("", mount_point)
        elif fstype == "cgroup":
            for controller in ("memory", "pids"):
                if controller in options:
                    mounts.setdefault(controller, mount_point)
    return mounts


def _own_groups() -> dict[str, str]:
    """This process's group path in each v1 hierarchy, by controller name."""
    groups: dict[str, str] = {}
    for line in _read(Path("/proc/self/cgroup")).splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(","):
                groups[controller] = parts[2]
    return groups


def _inside(mount: Path, group: str) -> Path:
    """Our own group's folder when it exists under the mount (nested limits keep applying), else the mount."""
    folder = mount / group.lstrip("/")
    return folder if folder.is_dir() else mount
