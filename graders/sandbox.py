"""Starting the warm worker (the zygote) inside bubblewrap, and talking to it.

The zygote runs from a private copy of ``graders/worker`` and, under bubblewrap, sees the
Python installation read-only, an empty /tmp, no network and no other file: not the
repository, not solutions/, not the class folder.  Student files reach it as bytes over a
socket.  Without bubblewrap it runs as a plain process and a warning says so once.
docs/sandbox.md describes both modes.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

WORKER_SOURCE = Path(__file__).resolve().parent / "worker"
SANDBOX_ROOT = "/grader"
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
            [bwrap, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"],
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
                f"warning: {problem}; grading WITHOUT file-system and network isolation: student code can "
                "read any file this user can (see docs/sandbox.md). Install bubblewrap for the full sandbox."
            )
            return "none"
        return "bwrap"
    return mode


@functools.cache
def _warn_once(message: str) -> None:
    print(message, file=sys.stderr)


@functools.cache
def _worker_copy() -> Path:
    """A private copy of graders/worker: all the sandbox ever sees of this repository."""
    root = Path(tempfile.mkdtemp(prefix="graders-worker-"))
    shutil.copytree(WORKER_SOURCE, root / "worker", ignore=shutil.ignore_patterns("__pycache__"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return root


def _python_roots() -> list[str]:
    """Folders the interpreter and its packages live in: bound read-only into the sandbox."""
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    candidates.update(p for p in sys.path if p and os.path.isdir(p) and "site-packages" in p)
    roots: list[str] = []
    for path in sorted(str(Path(c).resolve()) for c in candidates):
        if not any(Path(path).is_relative_to(r) for r in roots):
            roots.append(path)
    return roots


def command(mode: str, control_fd: int, *, hidden: list[Path], cuda: bool = False) -> list[str]:
    """The command line that starts the zygote in the given sandbox mode."""
    worker = _worker_copy()
    python = [sys.executable, "-B", "-s"]
    if mode == "none":
        return [*python, "-m", "worker.zygote", str(control_fd)]
    if mode != "bwrap":
        raise ValueError(mode)
    # Order matters: bwrap mounts in sequence, so the empty /tmp comes first and the
    # Python installation (which may live under /tmp, as in a fresh clone) is bound over it.
    args = [shutil.which("bwrap") or "bwrap", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    bound = [p for p in ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin") if os.path.exists(p)]
    bound += [p for p in _python_roots() if not any(Path(p).is_relative_to(b) for b in bound)]
    for path in [*bound, "/etc/ld.so.cache", "/etc/alternatives"]:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    # A course or class folder that happens to sit inside a bound folder is covered by an empty one.
    for path in hidden:
        if any(path.is_relative_to(b) for b in bound):
            args += ["--tmpfs", str(path)]
    args += ["--ro-bind", str(worker / "worker"), f"{SANDBOX_ROOT}/worker"]
    if cuda:
        for device in sorted(Path("/dev").glob("nvidia*")):
            args += ["--dev-bind", str(device), str(device)]
        if os.path.isdir("/proc/driver/nvidia"):
            args += ["--ro-bind", "/proc/driver/nvidia", "/proc/driver/nvidia"]
        if os.path.isdir("/sys"):
            args += ["--ro-bind", "/sys", "/sys"]
    args += ["--chdir", "/tmp", "--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]
    for key, value in _environment(SANDBOX_ROOT).items():
        args += ["--setenv", key, value]
    return [*args, "--", *python, "-m", "worker.zygote", str(control_fd)]


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
    """How a child ended: ``exit`` code, killed by ``signal``, or still ``running``."""

    exit: int | None = None
    signal: int | None = None
    running: bool = False

    def describe(self) -> str:
        if self.signal is not None:
            import signal as signals

            try:
                name = signals.Signals(self.signal).name
            except ValueError:
                name = f"signal {self.signal}"
            return f"was killed by signal {self.signal} ({name})"
        if self.exit is not None:
            return f"exited with code {self.exit}"
        return "stopped answering"


class Zygote:
    """The grader's handle on one warm worker; serves one submission at a time."""

    def __init__(self, mode: str = "auto", *, hidden: list[Path] = (), cuda: bool = False):
        self.mode = resolve_mode(mode)
        self.control, remote = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = dict(os.environ) if self.mode == "none" else None
        if env is not None:
            env.update(_environment(str(_worker_copy())))
        cmd = command(self.mode, remote.fileno(), hidden=[Path(p).resolve() for p in hidden], cuda=cuda)
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
        atexit.register(self.close)

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
            raise ZygoteError(f"the sandbox worker did not start: {err[-1] if err else 'no output'}") from None
        self.pid = ready["pid"]
        self.cuda = bool(ready.get("cuda"))

    def _receive(self, timeout: float) -> dict:
        self.control.settimeout(timeout)
        try:
            data = self.control.recv(1 << 16)
        except (socket.timeout, OSError) as exc:
            raise ZygoteError(f"the sandbox worker did not answer ({exc})") from None
        if not data:
            raise ZygoteError("the sandbox worker exited")
        return json.loads(data)

    def _ask(self, message: dict, fds: list[int] = (), timeout: float = 30.0) -> dict:
        try:
            socket.send_fds(self.control, [json.dumps(message).encode()], list(fds))
        except OSError as exc:
            raise ZygoteError(f"the sandbox worker is gone ({exc})") from None
        return self._receive(timeout)

    def spawn(self, config: dict) -> tuple[int, socket.socket]:
        """A fresh child of the warm worker, and the socket to talk to it."""
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            pid = self._ask({"op": "spawn", "config": config}, [theirs.fileno()])["pid"]
        finally:
            theirs.close()
        return pid, mine

    def status(self, pid: int, wait: float = 1.0) -> ExitStatus:
        return ExitStatus(**self._ask({"op": "status", "pid": pid, "wait": wait}, timeout=wait + 30))

    def release(self, pid: int) -> ExitStatus:
        """Kill the child and every process it started."""
        return ExitStatus(**self._ask({"op": "release", "pid": pid}, timeout=60))

    def alive(self) -> bool:
        return self.process.poll() is None

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
        self.control.close()
        self.log.close()

