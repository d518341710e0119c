"""The warm worker: imports torch once, then forks a fresh child for every submission it is given.

Control messages arrive as JSON on a SOCK_SEQPACKET socket (fd given on the command line);
a ``spawn`` carries the socket the new child will talk to the grader on, the in-memory file
its output goes to, and the ``cgroup.procs`` files of its cgroups, if any.  One submission is
served at a time, so after ``release`` every process below the zygote can be killed.

The zygote never runs student code, and student code cannot reach it: it is undumpable (no
ptrace, no /proc/pid/mem) and, where user namespaces work, every child lives in a PID
namespace of its own (worker/isolation.py), where the zygote has no PID to signal.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time


def warm_up() -> None:
    import torch

    torch.set_num_threads(1)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    import numpy  # noqa: F401  students may use it
    import torch.nn.functional  # noqa: F401
    import torch.utils._python_dispatch  # noqa: F401
    import torch._dynamo  # noqa: F401  every torch.optim optimizer imports it when first built: ~2 s per child otherwise

    from . import child, codec, forbidden, probes  # noqa: F401  (probes registers every probe)

    # Pay torch's lazy initialisation once here, not in every child: the first dispatch
    # mode alone costs about a second.
    x = torch.ones(2, 2, requires_grad=True)
    with forbidden.watch(["aten::mse_loss", "torch.nn.functional.mse_loss", "torch.nn.MSELoss", "autograd"]):
        loss = torch.nn.functional.mse_loss(x @ x, torch.zeros(2, 2))
        torch.autograd.grad(loss, x)
    codec.unpack(codec.decode(codec.encode(codec.pack({"x": x, "y": [1.0, "a"]}))))


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the grader decides when we stop
    warm_up()
    from . import child, isolation, limits

    import torch

    limits.become_subreaper()
    limits.prctl(limits.PR_SET_DUMPABLE, 0)
    isolated = isolation.probe() if "--no-namespaces" not in sys.argv else "switched off by the grader"
    statuses: dict[int, tuple[int, float]] = {}
    reply(
        control,
        {
            "op": "ready", "pid": os.getpid(), "cuda": torch.cuda.is_available(), "torch": torch.__version__,
            "namespaces": isolated is None, "namespaces_problem": isolated or "",
        },
    )  # fmt: skip
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, 1 << 16, 8)
        except OSError:
            data, fds = b"", []
        if not data:
            break
        message = json.loads(data)
        op = message.get("op")
        if op == "spawn":
            pid = os.fork()
            if pid == 0:
                control.close()
                child.main(fds[0], fds[1], fds[2:], message.get("config", {}), namespaces=isolated is None)
            for fd in fds:
                os.close(fd)
            reply(control, {"pid": pid})
        elif op == "status":
            reply(control, wait_for(message["pid"], float(message.get("wait", 1.0)), statuses))
        elif op == "release":
            pid = message["pid"]
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            statuses.update(limits.kill_descendants(os.getpid()))
            status = wait_for(pid, 2.0, statuses)
            statuses.clear()
            reply(control, status)
        elif op == "exit":
            break
        else:
            reply(control, {"error": f"unknown op {op!r}"})
    limits.kill_descendants(os.getpid())
    os._exit(0)


def wait_for(pid: int, wait: float, statuses: dict[int, tuple[int, float]]) -> dict:
    """How child ``pid`` ended (and the CPU time it used), waiting up to ``wait`` seconds for it to end."""
    from . import limits

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
