"""The warm worker: imports torch once, then forks a fresh child for every submission it is given.

Control messages arrive as JSON on a SOCK_SEQPACKET socket (fd given on the command line);
a ``spawn`` carries the socket the new child will talk to the grader on, the in-memory file
its output goes to, and the ``cgroup.procs`` files of its cgroups, if any.  One submission is
graded at a time, and the grader may spawn the next one's child before it releases the
current one (``SubmissionWorker.prepare``), so ``release`` kills everything below the zygote
but the trees of the other children it still serves.  Where children get namespaces, a
spare child is forked ahead of each spawn (``Spare``), so that a spawn is answered without
waiting for a fork.  A zygote that will serve many submissions (``--fold-memory``) first
folds its memory into huge pages (``hugepages.collapse``), so that each fork copies a
fraction of the page tables it did.

Where every child has a PID namespace of its own, ``release`` sends the child SIGKILL and
does not answer (the grader, told at start-up that children have namespaces, waits for
nothing): the kernel kills the rest of its namespace with it, and tearing down its
memory (milliseconds for a process that has imported torch) happens while the grader goes on.
The zygote reaps it on a later message.  Without namespaces, a process the child started
may have escaped its tree, so ``release`` kills and waits until nothing of it is left.

The zygote never runs student code, and student code cannot reach it: it is undumpable (no
ptrace, no /proc/pid/mem) and, where user namespaces work, every child lives in a PID
namespace of its own (worker/isolation.py), where the zygote has no PID to signal.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import sys
import time

from . import hugepages, limits


def warm_up() -> None:
    import torch

    torch.set_num_threads(1)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    import numpy  # noqa: F401  students may use it
    import torch.nn.functional  # noqa: F401
    import torch.utils._python_dispatch  # noqa: F401

    from . import child, codec, forbidden, probe  # noqa: F401

    probe.load_all()  # and with them whatever the course's probe files import

    # Pay torch's lazy initialisation once here, not in every child: the first dispatch
    # mode alone costs about a second.
    x = torch.ones(2, 2, requires_grad=True)
    with forbidden.watch(
        ["aten::mse_loss", "torch.nn.functional.mse_loss", "torch.nn.MSELoss", "autograd"]
    ):
        loss = torch.nn.functional.mse_loss(x @ x, torch.zeros(2, 2))
        torch.autograd.grad(loss, x)
    codec.unpack(codec.decode(codec.encode(codec.pack({"x": x, "y": [1.0, "a"]}))))
    codec.unpack(
        codec.decode_request(codec.encode_request({"params": codec.pack({"x": x})}))["params"]
    )


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the grader decides when we stop
    if "--cpus" in sys.argv:  # the grader that started us may itself run on one CPU only
        limits.run_on({int(cpu) for cpu in sys.argv[sys.argv.index("--cpus") + 1].split(",")})
    # Everything the warm-up allocates lives as long as the zygote, so the collector stays off
    # until it is frozen: full collections during torch's import would slow the start.
    gc.disable()
    warm_up()
    import torch

    from . import child, isolation

    # Every object that exists now is shared with the children copy-on-write: kept out of the
    # collector's reach, a collection in a child does not touch (and so copy) all of them.
    gc.freeze()
    gc.enable()
    limits.become_subreaper()
    limits.prctl(limits.PR_SET_DUMPABLE, 0)
    isolated = (
        isolation.probe() if "--no-namespaces" not in sys.argv else "switched off by the grader"
    )
    statuses: dict[int, tuple[int, float]] = {}
    serving: set[int] = set()  # children spawned and not yet released
    reply(
        control,
        {
            "op": "ready",
            "pid": os.getpid(),
            "cuda": torch.cuda.is_available(),
            "torch": torch.__version__,
            "namespaces": isolated is None,
            "namespaces_problem": isolated or "",
        },
    )
    if (
        "--fold-memory" in sys.argv
    ):  # while the grader collects its tests; every fork from here on copies less
        hugepages.collapse()
    # Only where children get namespaces: without them a submission could signal the spare.
    spare = Spare(control) if isolated is None else None
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, 1 << 16, 8)
        except OSError:
            data, fds = b"", []
        if not data:
            break
        collect(statuses, serving)
        message = json.loads(data)
        op = message.get("op")
        if op == "spawn":
            config = message.get("config", {})
            pid = spare.pid if spare is not None and spare.start(config, fds) else None
            if pid is None:
                pid = os.fork()
                if pid == 0:
                    control.close()
                    child.main(fds[0], fds[1], fds[2:], config, namespaces=isolated is None)
            for fd in fds:
                os.close(fd)
            serving.add(pid)
            reply(control, {"pid": pid})
            spare = Spare(control) if isolated is None else None  # forked while the grader goes on
        elif op == "status":
            reply(control, wait_for(message["pid"], float(message.get("wait", 1.0)), statuses))
        elif op == "release":
            pid = message["pid"]
            serving.discard(pid)
            kill_tree(pid)
            if (
                isolated is None
            ):  # the namespace dies with the child: nothing can have escaped, nothing to answer
                continue
            spared = [tree for other in serving for tree in (other, *limits.descendants(other))]
            statuses.update(limits.kill_descendants(os.getpid(), spare=set(spared)))
            status = wait_for(pid, 2.0, statuses)
            statuses.pop(pid, None)
            reply(control, status)
        elif op == "exit":
            break
        else:
            reply(control, {"error": f"unknown op {op!r}"})
    limits.kill_descendants(os.getpid())
    os._exit(0)


class Spare:
    """A child forked ahead of its spawn, waiting for the files and limits it will serve with.

    Forking a process that has imported torch takes milliseconds; a spare makes the grader's
    ``spawn`` answer at once, and the next spare is forked after that answer, while the grader
    goes on.  Until its spawn arrives a spare only waits: every wall goes up afterwards, in
    ``child.main``, exactly as in a child forked on demand.
    """

    def __init__(self, control: socket.socket):
        from . import child

        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.pid = os.fork()
        if self.pid == 0:
            control.close()
            mine.close()
            try:
                data, fds, _, _ = socket.recv_fds(theirs, 1 << 16, 8)
            except OSError:
                data = b""
            if not data:  # the zygote is gone, or is stopping
                os._exit(0)
            theirs.close()
            child.main(
                fds[0], fds[1], fds[2:], json.loads(data), namespaces=True
            )  # spares exist only then
        theirs.close()
        self.sock = mine

    def start(self, config: dict, fds: list[int]) -> bool:
        """Hand the spawn to the spare; False if it is gone (then the zygote forks as before)."""
        try:
            socket.send_fds(self.sock, [json.dumps(config).encode()], fds)
            return True
        except OSError:
            return False
        finally:
            self.sock.close()


def kill_tree(pid: int) -> None:
    """SIGKILL a child (its keeper, with namespaces), its process group and every process below it."""
    for target in (pid, *limits.descendants(pid)):
        try:
            os.kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def collect(statuses: dict[int, tuple[int, float]], serving: set[int]) -> None:
    """Reap whatever has ended; only the children still served may be asked about later."""
    statuses.update(limits.reap())
    for pid in [pid for pid in statuses if pid not in serving]:
        del statuses[pid]


def wait_for(pid: int, wait: float, statuses: dict[int, tuple[int, float]]) -> dict:
    """How child ``pid`` ended (and the CPU time it used), waiting up to ``wait`` seconds for it to end."""
    deadline = time.monotonic() + wait
    while True:
        statuses.update(limits.reap())
        if pid in statuses:
            status, cpu = statuses[pid]
            if os.WIFSIGNALED(status):
                return {"signal": os.WTERMSIG(status), "cpu": round(cpu, 3)}
            return {"exit": os.WEXITSTATUS(status), "cpu": round(cpu, 3)}
        if time.monotonic() >= deadline:
            return {"running": True}
        time.sleep(0.005)


def reply(control: socket.socket, message: dict) -> None:
    control.send(json.dumps(message).encode())


if __name__ == "__main__":
    main()
