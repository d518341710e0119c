"""Starting the warm worker (the zygote) inside bubblewrap, and talking to it.

The zygote runs from a private copy of ``graders/worker`` and, under bubblewrap, sees the
Python installation read-only, an empty /tmp, no network and no other file: not the
repository, not solutions/, not the class folder; it holds no capability (bubblewrap run by
root would otherwise keep them, enough to remount the read-only folders writable).  Student
files reach it as bytes over a socket.  Without bubblewrap it runs as a plain process with a
cleared environment, and a warning says so once.  Each child the zygote forks gets a cgroup
of its own (graders/host/cgroups.py) where this process may make one.  docs/sandbox.md describes
every mode.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from graders.course.errors import UsageError
from graders.host import cgroups, unprivileged

PACKAGE = Path(__file__).resolve().parent.parent  # graders/
WORKER_SOURCE = PACKAGE / "worker"
SANDBOX_ROOT = "/grader"
# the zygote's own /tmp; each child gets a fresh one (worker/isolation.py)
ZYGOTE_TMP_BYTES = 64 * 2**20
PASSED_ENVIRONMENT = (
    "LD_LIBRARY_PATH",
    "CUDA_VISIBLE_DEVICES",
    "CUDA_HOME",
    "NVIDIA_VISIBLE_DEVICES",
)
START_TIMEOUT = 120.0
MODES = ("auto", "bwrap", "none")


class ZygoteError(RuntimeError):
    """The warm worker could not be started or stopped answering."""


@functools.cache
def bubblewrap_problem() -> str | None:
    """None when bubblewrap can create a sandbox here, else why not."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap is not installed (apt-get install bubblewrap)"
    try:
        probe = subprocess.run(
            [bwrap, "--ro-bind", "/", "/", *_namespace_flags(), "true"],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bubblewrap cannot run ({exc})"
    if probe.returncode != 0:
        reason = probe.stderr.decode(errors="replace").strip().splitlines()
        return f"bubblewrap cannot create namespaces here ({reason[-1] if reason else probe.returncode})"
    return None


def resolve_mode(mode: str) -> str:
    if mode not in MODES:
        raise UsageError(f"--sandbox must be one of {', '.join(MODES)}, not {mode!r}")
    problem = bubblewrap_problem() if mode != "none" else None
    if mode == "bwrap" and problem:
        raise UsageError(f"--sandbox bwrap: {problem}")
    if mode == "auto":
        if problem:
            _warn_once(
                f"warning: {problem}; grading without bubblewrap: children hide the course with namespaces where "
                "the kernel allows them, else run as an unprivileged user if you are root, else see what you can "
                "(docs/sandbox.md). Install bubblewrap for the full sandbox."
            )
            return "none"
        return "bwrap"
    if mode == "none":
        _warn_once(
            "warning: --sandbox none is for debugging the harness, never for grading a class (docs/sandbox.md)"
        )
    return mode


@functools.cache
def _warn_once(message: str) -> None:
    print(message, file=sys.stderr)


@functools.cache
def _worker_copy() -> Path:
    """A private copy of graders/worker and the course's probe files: all the sandbox ever sees of
    this repository.

    Laid out as the packages they are here (``graders/worker/``, ``graders/<lesson>/probes_*.py``,
    with empty ``__init__.py`` files), so that probe files import the same names on both sides of
    the boundary.  Nothing else of a lesson folder (its graders, mistakes, references) is copied.
    """
    root = Path(tempfile.mkdtemp(prefix="graders-worker-"))
    package = root / "graders"
    shutil.copytree(WORKER_SOURCE, package / "worker", ignore=shutil.ignore_patterns("__pycache__"))
    (package / "__init__.py").write_text("")
    for probes in sorted(PACKAGE.glob("*/probes_*.py")):  # the same files probe.load_all imports
        folder = package / probes.parent.name
        folder.mkdir(exist_ok=True)
        (folder / "__init__.py").touch()
        shutil.copyfile(probes, folder / probes.name)
    # the probes hold no secret, and a child may run as another user (graders/host/unprivileged.py)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return root


def _python_roots() -> list[str]:
    """Folders the interpreter and its packages live in: bound read-only into the sandbox."""
    candidates = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        os.path.dirname(os.path.realpath(sys.executable)),
    }
    candidates.update(p for p in sys.path if p and os.path.isdir(p) and "site-packages" in p)
    roots: list[str] = []
    for path in sorted(str(Path(c).resolve()) for c in candidates):
        if not any(Path(path).is_relative_to(r) for r in roots):
            roots.append(path)
    return roots


def command(
    mode: str,
    control_fd: int,
    *,
    hidden: list[Path],
    cuda: bool = False,
    namespaces: bool = True,
) -> list[str]:
    """The command line that starts the zygote in the given sandbox mode."""
    worker = _worker_copy()
    python = [
        sys.executable,
        "-B",
        "-s",
        "-P",
    ]  # -P: neither the working folder nor the script's on sys.path
    zygote = [
        "-m",
        "graders.worker.zygote",
        str(control_fd),
        *([] if namespaces else ["--no-namespaces"]),
    ]
    if mode == "none":
        return [*python, *zygote]
    if mode != "bwrap":
        raise ValueError(mode)
    args = [shutil.which("bwrap") or "bwrap", *system_view(hidden, ZYGOTE_TMP_BYTES)]
    args += ["--ro-bind", str(worker / "graders"), f"{SANDBOX_ROOT}/graders"]
    if cuda:
        for device in sorted(Path("/dev").glob("nvidia*")):
            args += ["--dev-bind", str(device), str(device)]
        if os.path.isdir("/proc/driver/nvidia"):
            args += ["--ro-bind", "/proc/driver/nvidia", "/proc/driver/nvidia"]
        if os.path.isdir("/sys"):
            args += ["--ro-bind", "/sys", "/sys"]
    args += [
        "--remount-ro",
        "/",
        "--chdir",
        "/tmp",
        *_namespace_flags(),
        "--new-session",
        "--clearenv",
    ]
    for key, value in _environment(SANDBOX_ROOT).items():
        args += ["--setenv", key, value]
    return [*args, "--", *python, *zygote]


def system_view(hidden: list[Path], tmp_bytes: int) -> list[str]:
    """bubblewrap's arguments for what student code sees of this machine: /proc, /dev, an empty
    /tmp of ``tmp_bytes``, the system's and Python's folders read-only, and nothing else.

    Order matters: bwrap mounts in sequence, so the empty /tmp comes first and the Python
    installation (which may live under /tmp, as in a fresh clone) is bound over it.  A course or
    class folder (or an installed copy of this package, hidden graders included) that happens
    to sit inside a bound folder is covered by an empty one.
    """
    args = ["--proc", "/proc", "--dev", "/dev", "--size", str(tmp_bytes), "--tmpfs", "/tmp"]
    bound = [p for p in ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin") if os.path.exists(p)]
    bound += [p for p in _python_roots() if not any(Path(p).is_relative_to(b) for b in bound)]
    for path in [*bound, "/etc/ld.so.cache", "/etc/alternatives"]:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    for path in [*map(Path, hidden), PACKAGE]:
        if any(path.is_relative_to(b) for b in bound):
            args += ["--tmpfs", str(path)]
    return args


def _namespace_flags() -> list[str]:
    """New user, PID, IPC, UTS and network namespaces and no capabilities in them.

    Not a cgroup namespace: a child moves itself into the cgroup the grader made for it,
    which cgroup v2 forbids from inside a cgroup namespace rooted elsewhere.  As root,
    bubblewrap keeps every capability inside unless told otherwise; CAP_SETFCAP alone is
    kept for the zygote, which needs it to map its user into each child's own user
    namespace (worker/isolation.py); children drop it before any student code runs.
    """
    flags = [
        "--unshare-user",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-net",
        "--die-with-parent",
    ]
    if os.geteuid() == 0:
        flags += ["--cap-drop", "ALL", "--cap-add", "CAP_SETFCAP"]
    return flags


def _environment(pythonpath: str) -> dict[str, str]:
    return {
        "PYTHONPATH": pythonpath,
        "HOME": "/tmp",
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "CUBLAS_WORKSPACE_CONFIG": ":4096:8",
    }


@dataclass
class ExitStatus:
    """How a child ended: ``exit`` code or killed by ``signal`` (with the ``cpu`` seconds it used), or
    still ``running``.

    ``out_of_memory`` is set when the kernel's OOM killer struck inside the child's cgroup.
    """

    exit: int | None = None
    signal: int | None = None
    running: bool = False
    cpu: float = 0.0
    out_of_memory: bool = False

    def describe(self) -> str:
        if self.signal is not None:
            return f"was killed by signal {self.signal} ({signal_name(self.signal)})"
        if self.exit is not None:
            return f"exited with code {self.exit}"
        return "stopped answering"


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


@dataclass(frozen=True)
class Isolation:
    """What walls stand around each child here, for the report header and the tests."""

    mode: str  # "bwrap" or "none"
    namespaces: bool  # a user, PID, mount and IPC namespace per child (worker/isolation.py)
    cgroups: str  # "v1" or "v2" when each child gets a cgroup, "" when not
    problems: tuple[str, ...] = ()  # why a wall is missing
    user: str = ""  # who children run as without namespaces (graders/host/unprivileged.py)

    @property
    def full(self) -> bool:
        """The strongest walls this harness raises: bubblewrap, and namespaces per child."""
        return self.mode == "bwrap" and self.namespaces

    def record(self) -> dict:
        """What result.json keeps of these walls (docs/results.md)."""
        return {
            "mode": self.mode,
            "namespaces": self.namespaces,
            "cgroups": self.cgroups,
            "user": self.user,
            "full": self.full,
        }

    def describe(self) -> str:
        walls = [f"sandbox {self.mode}"]
        walls.append("namespaces per child" if self.namespaces else "no namespaces per child")
        if self.user:
            walls.append(f"children run as {self.user}, the course closed to it")
        walls.append(
            f"cgroups {self.cgroups} per child" if self.cgroups else "no cgroups (rlimits only)"
        )
        return ", ".join(walls)


class Zygote:
    """The grader's handle on one warm worker; serves one submission at a time."""

    def __init__(
        self,
        mode: str = "auto",
        *,
        hidden: list[Path] = (),
        cuda: bool = False,
        cgroups: bool | None = None,
        namespaces: bool = True,
    ):
        """``cgroups``: True requires them, False goes without, None uses them where this process can.
        ``namespaces=False`` gives children no namespaces of their own, as on a kernel without user namespaces."""
        self.mode = resolve_mode(mode)
        self.hierarchy = self._hierarchy(cgroups)
        self.control, remote = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = None
        if self.mode == "none":  # bubblewrap clears it; without it, only what Python and CUDA need
            env = {k: v for k, v in os.environ.items() if k in PASSED_ENVIRONMENT}
            env.update(_environment(str(_worker_copy())))
        hidden = [Path(p).resolve() for p in hidden]
        self.hidden = [*hidden, PACKAGE]
        # [uid, gid] children switch to (graders/host/unprivileged.py)
        self.run_as: list[int] | None = None
        self.user = ""  # that user's name
        cmd = command(
            self.mode,
            remote.fileno(),
            hidden=hidden,
            cuda=cuda,
            namespaces=namespaces,
        )
        # Each child makes every mount read-only in its own mount namespace (but for its private /tmp);
        # without bubblewrap it also covers what bubblewrap would not have bound (worker/isolation.py).
        self.seal = (
            {"hide": [str(p) for p in self.hidden], "visible": _python_roots()}
            if self.mode == "none"
            else {}
        )
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            cmd,
            pass_fds=[remote.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,
            env=env,
            cwd=tempfile.gettempdir(),
        )
        remote.close()
        self.pid: int | None = None
        self.cuda = False
        self.namespaces_problem = ""
        self.groups: dict[int, cgroups.Group] = {}
        self.retired: list[cgroups.Group] = []  # of released children, removed once empty
        atexit.register(self.close)

    @staticmethod
    def _hierarchy(wanted: bool | None) -> cgroups.Hierarchy | None:
        if wanted is False:
            return None
        hierarchy, problem = cgroups.detect()
        if wanted and hierarchy is None:
            raise UsageError(f"cgroups were required: {problem}")
        return hierarchy

    @property
    def isolation(self) -> Isolation:
        problems = [self.namespaces_problem] if self.namespaces_problem else []
        if self.hierarchy is None and cgroups.problem():
            problems.append(cgroups.problem())
        version = f"v{self.hierarchy.version}" if self.hierarchy else ""
        return Isolation(
            self.mode, not self.namespaces_problem, version, tuple(problems), self.user
        )

    def wait_ready(self) -> None:
        """Block until the worker has imported torch (it starts in the background)."""
        if self.pid is not None:
            return
        try:
            ready = self._receive(START_TIMEOUT)
        except ZygoteError:
            self.process.kill()
            self.process.wait()
            self.log.seek(0)
            err = self.log.read().decode(errors="replace").strip().splitlines()
            raise ZygoteError(
                f"the sandbox worker did not start: {err[-1] if err else 'no output'}"
            ) from None
        self.pid = ready["pid"]
        self.cuda = bool(ready.get("cuda"))
        if not ready.get("namespaces"):
            self.namespaces_problem = (
                f"no namespaces per child: {ready.get('namespaces_problem') or 'unknown'}"
            )
            if (
                self.mode == "none" and unprivileged.needed()
            ):  # nothing covers the course: close it to the student's user
                name, uid, gid = unprivileged.identity()
                unprivileged.close_to_others(self.hidden, _python_roots())
                unprivileged.open_the_way(_python_roots())
                self.run_as, self.user = [uid, gid], name

    def _receive(self, timeout: float) -> dict:
        self.control.settimeout(timeout)
        try:
            data = self.control.recv(1 << 16)
        except (TimeoutError, OSError) as exc:
            raise ZygoteError(f"the sandbox worker did not answer ({exc})") from None
        if not data:
            raise ZygoteError("the sandbox worker exited")
        return json.loads(data)

    def _ask(self, message: dict, fds: list[int] = (), timeout: float = 30.0) -> dict:
        self._tell(message, fds)
        return self._receive(timeout)

    def _tell(self, message: dict, fds: list[int] = ()) -> None:
        """Send a message; only ``_ask`` waits for the answer, and only messages that get one are asked."""
        try:
            socket.send_fds(self.control, [json.dumps(message).encode()], list(fds))
        except OSError as exc:
            raise ZygoteError(f"the sandbox worker is gone ({exc})") from None

    def spawn(self, config: dict, output_fd: int) -> tuple[int, socket.socket]:
        """A fresh child of the warm worker, and the socket to talk to it; it prints into ``output_fd``."""
        limits = config.get("limits", {})
        group = None
        if self.hierarchy is not None:
            group = cgroups.Group.create(
                self.hierarchy,
                memory_bytes=int(limits.get("memory_mb") or 2**20) * 2**20,
                processes=int(limits.get("processes") or 2**16)
                + 1,  # + the keeper (worker/isolation.py)
            )
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        procs = group.procs_files() if group else []
        config = {**config, "seal": self.seal, "run_as": self.run_as}
        try:
            pid = self._ask(
                {"op": "spawn", "config": config}, [theirs.fileno(), output_fd, *procs]
            )["pid"]
        except ZygoteError:
            if group:
                group.remove()
            raise
        finally:
            theirs.close()
            for fd in procs:
                os.close(fd)
        if group:
            self.groups[pid] = group
        return pid, mine

    def status(self, pid: int, wait: float = 1.0) -> ExitStatus:
        status = ExitStatus(
            **self._ask({"op": "status", "pid": pid, "wait": wait}, timeout=wait + 30)
        )
        status.out_of_memory = self.oom_kills(pid) > 0
        return status

    def release(self, pid: int) -> ExitStatus:
        """Kill the child and every process it started; its cgroup goes too, once it is empty.

        Where children have namespaces, nothing is waited for: the worker kills the child
        without answering (``running`` stays set: it is dying, and nothing it started can
        outlive it), and the cgroup is removed at a later release or at close, once empty.
        """
        try:
            if self.namespaces_problem:
                status = ExitStatus(**self._ask({"op": "release", "pid": pid}, timeout=60))
            else:  # the zygote does not answer: the same flag decides on its side (worker/zygote.py)
                self._tell({"op": "release", "pid": pid})
                status = ExitStatus(running=True)
            status.out_of_memory = self.oom_kills(pid) > 0
        finally:
            group = self.groups.pop(pid, None)
            if group:
                group.kill(wait=False)
                self.retired.append(group)
                self.remove_released_groups(wait=False)
        return status

    def remove_released_groups(self, wait: bool) -> None:
        """Remove the cgroups of released children that are empty by now (``wait``: all of them,
        killing and waiting for what is left)."""
        left = []
        for group in self.retired:
            if wait:
                group.remove()
            elif not group.try_remove():
                left.append(group)
        self.retired = left

    def oom_kills(self, pid: int) -> int:
        """How many of the child's processes the OOM killer has killed (always 0 without cgroups)."""
        group = self.groups.get(pid)
        return group.oom_kills() if group else 0

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self) -> str:
        """The last line the worker wrote to its stderr (where setup failures are reported)."""
        self.log.seek(0)
        lines = self.log.read().decode(errors="replace").strip().splitlines()
        self.log.seek(0, os.SEEK_END)
        return lines[-1] if lines else "no output"

    def close(self) -> None:
        if self.control.fileno() < 0:
            return
        if self.process.poll() is None:
            try:
                socket.send_fds(self.control, [json.dumps({"op": "exit"}).encode()], [])
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self.retired += self.groups.values()
        self.groups.clear()
        self.remove_released_groups(wait=True)
        self.control.close()
        self.log.close()
