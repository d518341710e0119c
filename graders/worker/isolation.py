"""Walls around one submission's child, raised right after the zygote forks it, before any student code exists.

In order (``child.main`` lists the stages):

1. ``join_cgroups``: the process moves itself into the cgroups the grader made for this
   submission (a memory limit and a process limit for everything it will start);
2. ``enter_namespaces``: it unshares a user, PID, mount, IPC and network namespace and forks.  The new
   process is PID 1 of its own PID namespace and serves the submission; the old one stays
   outside as its *keeper*: it waits and then ends the same way, so the zygote reads the
   child's exit status as before.  When PID 1 of a namespace dies, the kernel kills every
   process left in it, so nothing a submission starts outlives it, whatever it does with
   sessions, double forks or signals; and from inside, the zygote and every earlier
   child are out of reach (not in the namespace, so no signal or ptrace can name them).
   The serving process gets a private, size-limited ``/tmp`` and ``/dev/shm``, and a network
   with no interface up: nothing a submission writes there is seen by the next one, and
   nothing leaves the machine, even without bubblewrap;
3. ``drop_capabilities``: no capability in any namespace, no way to regain one on exec.

Where the kernel refuses user namespaces, ``probe`` says why once, at the zygote's start,
and step 2 is skipped: the child serves directly (docs/sandbox.md says what still holds).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    0x1,
    0x2,
    0x4,
    0x8,
    0x20,
    0x1000,
    0x4000,
    0x40000,
)
# statvfs flags -> the mount flags a remount must repeat (the kernel refuses to clear them in a child namespace)
_KEPT_FLAGS = {
    0x2: MS_NOSUID,
    0x4: MS_NODEV,
    0x8: MS_NOEXEC,
    0x400: 0x400,
    0x800: 0x800,
    0x1000: 1 << 21,
}
PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
CAPABILITY_VERSION_3 = 0x20080522
PRIVATE_FOLDERS = ("/tmp", "/dev/shm")
TMP_INODES = 20000

GRADERS_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def join_cgroups(fds: list[int]) -> None:
    """Move this process into each cgroup whose ``cgroup.procs`` file the grader opened for it."""
    for fd in fds:
        try:
            os.write(fd, b"0")  # "0": the writing process itself
        finally:
            os.close(fd)


def enter_namespaces(tmp_bytes: int, seal: dict | None = None) -> None:
    """Fork into fresh namespaces; returns in the new process only (the keeper never returns).

    ``seal`` (without bubblewrap): ``{"hide": [...], "visible": [...]}`` for ``seal_files``.
    """
    uid, gid = os.getuid(), os.getgid()
    os.setsid()  # the keeper leads its own session: the zygote's process group stays its own
    _check(
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)"
    )  # dies with the zygote
    _check(
        _libc.unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET),
        "unshare",
    )
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")
    served = os.fork()
    if served:
        keep(served)
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "making mounts private")
    if seal is not None:
        seal_files(seal.get("hide", []), seal.get("visible", []))
    for folder in PRIVATE_FOLDERS:
        if os.path.isdir(folder):
            kept = _open_kept(folder)
            options = f"size={tmp_bytes},nr_inodes={TMP_INODES},mode=1777".encode()
            _check(
                _libc.mount(b"tmpfs", folder.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options),
                f"mounting {folder}",
            )
            _bind_back(kept)
    os.chdir("/tmp")  # the fresh one, not the folder it covers


def _python_folders() -> list[str]:
    """The interpreter's folders, its packages and the worker's own copy, outermost first: what
    this process already imports from, and what student code may still import from."""
    candidates = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        os.path.dirname(os.path.realpath(sys.executable)),
        os.path.dirname(GRADERS_PACKAGE),  # the worker's copy, on PYTHONPATH
    }
    candidates.update(p for p in sys.path if p and os.path.isdir(p) and "site-packages" in p)
    roots: list[str] = []
    for path in sorted(os.path.realpath(c) for c in candidates):
        if not any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots):
            roots.append(path)
    return roots


def _open_kept(folder: str) -> list[tuple[str, int]]:
    """(path, descriptor) of each of the Python folders inside ``folder`` (a Python under /tmp, as
    in a clone there): opened before a private ``folder`` covers them, to be bound back into it."""
    inside = folder.rstrip("/") + "/"
    return [
        (path, os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC))
        for path in _python_folders()
        if path.startswith(inside)
    ]


def _bind_back(kept: list[tuple[str, int]]) -> None:
    """Bind each kept folder, with every mount below it (a cover included), back in place, read-only.

    Nothing new comes into view: the folder is what this process saw a moment ago."""
    for path, fd in kept:
        os.makedirs(path, exist_ok=True)
        _check(
            _libc.mount(
                f"/proc/self/fd/{fd}".encode(), path.encode(), None, MS_BIND | MS_REC, None
            ),
            f"binding {path} back",
        )
        os.close(fd)
        flags = os.statvfs(path).f_flag  # a child namespace may add mount flags, never clear them
        kept = sum(flag for stat_flag, flag in _KEPT_FLAGS.items() if flags & stat_flag)
        _check(
            _libc.mount(None, path.encode(), None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept, None),
            f"making {path} read-only",
        )


def seal_files(hide: list[str], visible: list[str]) -> None:
    """Without bubblewrap, in this process's own mount namespace: every mount read-only (where the kernel
    lets a child namespace), and every folder or file in ``hide`` covered by an empty one, except the
    way to each folder in ``visible`` (the Python installation may sit inside the course folder)."""
    with open("/proc/self/mountinfo") as mounts:
        points = [line.split()[4].encode().decode("unicode_escape") for line in mounts]
    for point in points:
        try:
            flags = os.statvfs(point).f_flag
        except OSError:
            continue
        kept = sum(mount_flag for stat_flag, mount_flag in _KEPT_FLAGS.items() if flags & stat_flag)
        _libc.mount(None, point.encode(), None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept, None)
    for path in hide:
        _cover(path, visible)


def _cover(path: str, visible: list[str]) -> None:
    if not os.path.lexists(path):
        return
    if any(
        v == path or v.startswith(path.rstrip("/") + "/") for v in visible
    ):  # cover around what must stay
        if any(v == path for v in visible):
            return
        for entry in os.listdir(path):
            _cover(os.path.join(path, entry), visible)
        return
    if os.path.isdir(path) and not os.path.islink(path):
        _check(
            _libc.mount(
                b"tmpfs",
                path.encode(),
                b"tmpfs",
                MS_RDONLY | MS_NOSUID | MS_NODEV,
                b"size=4k,mode=0555",
            ),
            f"hiding {path}",
        )
    elif os.path.isfile(path):
        _check(_libc.mount(b"/dev/null", path.encode(), None, MS_BIND, None), f"hiding {path}")


def become(uid: int, gid: int) -> None:
    """Serve as an unprivileged user (without namespaces, where the grader is root): every group
    dropped first, then the group and the user, real, effective and saved alike, so none comes back."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)


def keep(pid: int):
    """Wait for the serving process, then end the way it ended.

    The keeper lets go of every file first: the grader must see the connection close as soon
    as the serving process dies, not when the keeper follows it.
    """
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError:
            os._exit(70)
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            signal.signal(number, signal.SIG_DFL)
        except (OSError, ValueError):
            pass  # SIGKILL and SIGSTOP keep their default anyway
        os.kill(os.getpid(), number)
        os._exit(128 + number)  # only if that signal does not end a process
    os._exit(os.WEXITSTATUS(status))


def drop_capabilities() -> None:
    """No capability left, in any set, and none to gain from exec (setuid files, file capabilities, root)."""
    last = _last_capability()
    for capability in range(last + 1):
        if _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 and ctypes.get_errno() not in (
            1,
            22,
        ):
            _check(
                -1, "prctl(PR_CAPBSET_DROP)"
            )  # EPERM: not ours to drop (none held); EINVAL: unknown
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = _CapHeader(CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")


def probe(tmp_bytes: int = 2**20) -> str | None:
    """None when ``enter_namespaces`` works here, else why not (tried once, in a throwaway fork)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            enter_namespaces(tmp_bytes)
            with open("/tmp/probe", "w") as handle:  # the private /tmp must be writable
                handle.write("ok")
            drop_capabilities()
        except BaseException as exc:
            os.write(write, f"{exc}".encode()[:500])
            os._exit(1)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        reason = pipe.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return None
    return reason or f"the test process ended with status {status}"


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _last_capability() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap") as handle:
            return int(handle.read())
    except (OSError, ValueError):
        return 63


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]
