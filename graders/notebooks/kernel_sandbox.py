"""The Jupyter kernel of a student's notebook, inside bubblewrap: what nbgrader's kernels run as.

``nbgrader autograde`` (and ``validate``) runs every cell of a student's notebook in a kernel
on the instructor's machine.  The kernelspec that ``nbgrader_bridge.use_course_kernel``
writes starts ``python -m graders.notebooks.kernel_sandbox {connection_file}`` instead of the kernel
itself, and this module replaces itself (``exec``) with bubblewrap around the kernel, so that
the kernel meets the same walls as the batch grader's children (docs/sandbox.md):

- of the machine it sees only the system's and Python's folders, read-only, and an empty
  ``/tmp``: not the course (``solutions/``, ``graders/``, ``course.toml``, ``nbgrader/source``,
  ``release/``, ``gradebook.db``), nor any student's ``submitted/``, ``autograded/`` or
  ``feedback/`` folder, its own included;
- its working folder is a private copy of the notebook's folder: what a cell writes there is
  thrown away with the kernel, and the notebook nbgrader grades is the one it read before any
  kernel ran;
- it has user, PID, IPC, UTS and network namespaces of its own: the kernel protocol runs over
  ZeroMQ's ``ipc`` transport (Unix sockets next to the connection file, in a runtime folder
  that only this nbgrader process's kernels share), so no network is needed;
- limits: address space and file size (course.toml's ``memory_mb``), no core dumps, and
  processes (``processes``; RLIMIT_NPROC, which the kernel does not apply to root); each cell's
  time is nbgrader's ``Execute.timeout``, and a kernel that ignores the interrupt is killed
  (``nbgrader_bridge.RunCells``).

Where bubblewrap cannot run, the kernel does not start: the launcher prints one line that
says why, and autograde refuses before that (``nbgrader_bridge.configure``), unless the
instructor set ``GRADERS_UNSANDBOXED_KERNELS=1``, which runs kernels as nbgrader always did,
with student code able to read and change everything the instructor can.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from graders.host.sandbox import bubblewrap_problem, system_view

UNSAFE_VARIABLE = "GRADERS_UNSANDBOXED_KERNELS"  # "1": kernels without the sandbox (debugging only)
LIMITS_VARIABLE = "GRADERS_KERNEL_LIMITS"  # JSON: {"memory_mb": ..., "processes": ...}
WORK_VARIABLE = (
    "GRADERS_KERNEL_WORK"  # where the private working copies go (removed by nbgrader's process)
)
HIDDEN_VARIABLE = (
    "GRADERS_KERNEL_HIDDEN"  # JSON: folders covered even where they sit inside a bound one
)
TMP_BYTES = 256 * 2**20
PASSED_ENVIRONMENT = ("LANG", "LC_ALL", "TERM", "PYDEVD_DISABLE_FILE_VALIDATION")


def unsafe() -> bool:
    return os.environ.get(UNSAFE_VARIABLE) == "1"


def refusal() -> str | None:
    """Why student kernels cannot start here, in one line, or None when they can."""
    problem = bubblewrap_problem()
    if problem is None or unsafe():
        return None
    return (
        f"refusing to run student notebooks: {problem}, so their kernels would run unsandboxed, "
        f"as you, next to the answers; install bubblewrap, or set {UNSAFE_VARIABLE}=1 to run them "
        "anyway (docs/nbgrader.md)"
    )


RUNTIME_MARK = (
    ".graders-kernel-runtime"  # in the one folder whose sockets a kernel may share with nbgrader
)


def make_runtime_folder(folder: Path) -> None:
    """A folder for kernels' connection files and sockets, private to this user and marked as such."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    (folder / RUNTIME_MARK).touch()


def kernel_command(connection_file: str, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file, *extra]


def bubblewrap_command(
    connection_file: Path, folder: Path, working_copy: Path, extra: list[str]
) -> list[str]:
    """bubblewrap around the kernel: the machine's system view, the runtime folder, the private copy."""
    runtime = str(connection_file.parent)
    hidden = [Path(p) for p in json.loads(os.environ.get(HIDDEN_VARIABLE) or "[]")]
    args = [shutil.which("bwrap") or "bwrap", *system_view(hidden, TMP_BYTES)]
    args += [
        "--bind",
        runtime,
        runtime,
        "--bind",
        str(working_copy),
        str(folder),
        "--chdir",
        str(folder),
    ]
    args += ["--remount-ro", "/"]  # writable: /tmp, the runtime folder and the working copy only
    # No --new-session: Jupyter interrupts a kernel by signalling its process group, which must
    # stay this one (started in a session of its own, without a terminal to reach).
    args += [
        "--unshare-user",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-net",
        "--die-with-parent",
    ]
    if os.geteuid() == 0:
        args += ["--cap-drop", "ALL"]  # as root, bubblewrap would keep every capability inside
    args += ["--clearenv"]
    for key, value in kernel_environment().items():
        args += ["--setenv", key, value]
    return [*args, "--", *kernel_command(str(connection_file), extra)]


def kernel_environment() -> dict[str, str]:
    """What the kernel inherits: nothing of the instructor's environment but the locale."""
    environment = {key: os.environ[key] for key in PASSED_ENVIRONMENT if key in os.environ}
    environment.update(
        {
            "HOME": "/tmp",
            "PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin",
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "agg",
            "OMP_NUM_THREADS": "1",
        }
    )
    return environment


def private_copy(folder: Path) -> Path:
    """A copy of the notebook's folder, for the kernel to work in; links are copied as links."""
    base = Path(os.environ.get(WORK_VARIABLE) or tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    copy = Path(tempfile.mkdtemp(prefix="kernel-", dir=base))
    shutil.copytree(folder, copy, symlinks=True, dirs_exist_ok=True)
    return copy


def confine(limits: dict) -> None:
    """rlimits for the kernel and everything it starts (inherited across exec)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limits.get("memory_mb"):
        memory = int(limits["memory_mb"]) * 2**20
        resource.setrlimit(resource.RLIMIT_FSIZE, (memory, memory))
        # Python, torch and the kernel's libraries reserve about 2 GB of addresses they never
        # use; the limit is on what the notebook adds to that.
        address_space = 4 * 2**30 + memory
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    if limits.get("processes"):
        processes = int(limits["processes"]) + 16  # + bubblewrap, the kernel and its threads
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


def main(argv: list[str]) -> int:
    if not argv:
        print(
            "usage: python -m graders.notebooks.kernel_sandbox CONNECTION_FILE [KERNEL ARGS]",
            file=sys.stderr,
        )
        return 2
    connection_file, extra = Path(argv[0]).resolve(), argv[1:]
    if unsafe():
        os.execv(sys.executable, kernel_command(str(connection_file), extra))
    problem = refusal()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    if not (
        connection_file.parent / RUNTIME_MARK
    ).is_file():  # never bind /tmp or a home folder into a kernel
        print(
            f"refusing to start a sandboxed kernel: its connection file {connection_file} is not in a runtime "
            "folder of the course's nbgrader configuration (nbgrader/nbgrader_config.py)",
            file=sys.stderr,
        )
        return 2
    limits = json.loads(os.environ.get(LIMITS_VARIABLE) or "{}")
    folder = Path.cwd()
    command = bubblewrap_command(connection_file, folder, private_copy(folder), extra)
    confine(limits)
    # The kernel's own stdout carries only its banner ("To connect another client ..."), which
    # names the runtime folder: keep it out of nbgrader's output.  Its stderr stays, for crashes.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    # Jupyter interrupts a kernel with SIGINT to its whole process group, bubblewrap included,
    # and SIGINT would kill bubblewrap (and with it the kernel): an interrupted cell would cost
    # the kernel.  bubblewrap inherits the ignored signal; the kernel handles SIGINT itself
    # while it runs a cell (ipykernel installs Python's handler for each request).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.execv(command[0], command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
