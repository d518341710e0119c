"""The warm worker: imports torch once, then forks a fresh child for every submission it is given.

Control messages arrive as JSON on a SOCK_SEQPACKET socket (fd given on the command line);
a ``spawn`` carries the socket the new child will talk to the grader on, the in-memory file
its output goes to, and the ``cgroup.procs`` files of its cgroups, if any.  One submission is
graded at a time, and the grader may spawn the next one's child before it releases the
current one (``SubmissionWorker.prepare``), so ``release`` kills everything below the zygote
but the trees of the other children it still serves.

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

from . import limits


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
            pid = os.fork()
            if pid == 0:
                control.close()
                child.main(fds[0], fds[1], fds[2:], config, namespaces=isolated is None)
            for fd in fds:
                os.close(fd)
            serving.add(pid)
            reply(control, {"pid": pid})
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
