"""A submission's child process: loads the submission, imports its modules, runs probes on request."""

from __future__ import annotations

import importlib
import linecache
import os
import random
import signal
import socket
import sys
import traceback
import warnings

import torch

from . import codec, isolation, limits
from .loader import PREFIX, SubmissionFinder
from .probe import MUTABLE, PROBES, Context, EntryMissing, ProbeError, WatchedInputs, input_name

EXIT_SETUP_FAILED = 71  # the walls could not be raised: a harness problem, never the student's


def main(fd: int, output_fd: int, cgroup_fds: list[int], config: dict, *, namespaces: bool):
    """Entered right after fork; never returns.  Every wall goes up before any student code exists."""
    limits_config = config.get("limits", {})
    try:
        in_cgroup = bool(cgroup_fds)
        isolation.join_cgroups(cgroup_fds)
        if namespaces:
            isolation.enter_namespaces(
                int(limits_config.get("memory_mb", 256)) * 2**20, config.get("seal")
            )  # the keeper stays inside
        elif config.get("run_as"):  # no namespaces, and the grader is root: never serve as root
            isolation.become(*config["run_as"])
        isolation.drop_capabilities()
        os.setsid()
        for number in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(number, signal.SIG_DFL)
        limits.confine(
            limits_config,
            tasks_outside=1 if namespaces else limits.tasks_of_this_user() - 1,
            cgroup=in_cgroup,
        )
        redirect_output(output_fd)
        warnings.showwarning = show_warning
    except BaseException:
        traceback.print_exc()  # still the zygote's stderr: the grader shows it if the zygote fails
        os._exit(EXIT_SETUP_FAILED)
    try:
        Child(socket.socket(fileno=fd)).serve()
    finally:
        os._exit(0)


def redirect_output(output_fd: int) -> None:
    """stdin from /dev/null; stdout and stderr into the grader's sealed in-memory file (it reads it, not us)."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(output_fd)


# The graders' own files in the sandbox (worker/ and the probe files beside it).
GRADER_FILES = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
# Warnings located in them are the grader's, not the student's: they go into the next reply,
# for the instructor's log, and never into what the student reads as their own output.
GRADER_WARNINGS: list[str] = []


def show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """``warnings.showwarning`` in the child: grader-side warnings apart, paths shown as the
    student knows them (``lesson1/losses.py``, ``torch/nn/functional.py``)."""
    filename = str(filename)
    if filename.startswith(GRADER_FILES):
        where = f"{filename[len(GRADER_FILES) :]}:{lineno}"
        GRADER_WARNINGS.append(f"{category.__name__}: {message} ({where})"[:500])
        return
    try:
        if line is None:
            line = linecache.getline(filename, lineno)
        text = warnings.formatwarning(message, category, shown_path(filename), lineno, line)
        (file or sys.stderr).write(text)
    except Exception:
        pass


def shown_path(filename: str) -> str:
    """A file's path without the grading machine's folders: the student's files relative to
    their submission, an installed package's relative to site-packages."""
    if filename.startswith(PREFIX):
        return filename[len(PREFIX) :]
    for marker in ("site-packages" + os.sep, "dist-packages" + os.sep):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return os.path.basename(filename)


def flush_output() -> None:
    """Whatever student code printed reaches the file before the reply does."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass


class Child:
    def __init__(self, sock: socket.socket):
        self.sock = sock

    def serve(self) -> None:
        while True:
            try:
                request = codec.recv_request(self.sock)
            except codec.BadRequest as exc:
                response = {
                    "ok": False,
                    "error": {"type": "BadRequest", "message": str(exc), "phase": "worker"},
                }
            except (codec.Closed, codec.ProtocolError):
                return
            else:
                response = self.handle(request)
                flush_output()
            codec.send(self.sock, response)

    def handle(self, request: dict) -> dict:
        op = request.get("op")
        try:
            if op == "load":
                SubmissionFinder(request["files"]).install()
                return {"ok": True, "pid": os.getpid()}
            if op == "import":
                return self.import_module(request["module"])
            if op == "probe":
                return self.probe(request)
            return {
                "ok": False,
                "error": {
                    "type": "ProtocolError",
                    "message": f"unknown op {op!r}",
                    "phase": "worker",
                },
            }
        except BaseException as exc:  # the worker itself must survive anything student code raises
            return {"ok": False, "error": describe(exc, "call")}

    def import_module(self, name: str) -> dict:
        try:
            importlib.import_module(name)
        except BaseException as exc:
            return {"ok": False, "error": describe(exc, "import")}
        return {"ok": True}

    def probe(self, request: dict) -> dict:
        module = sys.modules.get(request["module"])
        if module is None:
            imported = self.import_module(request["module"])
            if not imported["ok"]:
                return imported
            module = sys.modules[request["module"]]
        device = request.get("device", "cpu")
        context = Context(module, request["entry"], request.get("forbidden", ()), device)
        params = codec.unpack(request.get("params", {}), device=device)
        reset_state(int(request.get("seed", 0)))
        inputs = WatchedInputs(params, MUTABLE.get(request["probe"], frozenset()))
        try:
            value = PROBES[request["probe"]](context, **params)
            response = {"ok": True, "value": codec.pack(value)}
            changed = inputs.changed()
            if changed:
                entry = _entry_or_none(context)
                response["changed"] = [input_name(path, entry) for path in changed]
        except EntryMissing as exc:
            response = {
                "ok": False,
                "error": {"type": "EntryMissing", "message": str(exc), "phase": "entry"},
            }
        except ProbeError as exc:
            response = {
                "ok": False,
                "error": {"type": "ProbeError", "message": str(exc), "phase": "probe"},
            }
        except BaseException as exc:
            response = {"ok": False, "error": describe(exc, "call")}
        response["forbidden"] = list(context.hits)
        if GRADER_WARNINGS:
            response["grader_warnings"] = GRADER_WARNINGS[:20]
            GRADER_WARNINGS.clear()
        return response


def _entry_or_none(context: Context):
    try:
        return context.entry()
    except Exception:
        return None


def reset_state(seed: int) -> None:
    """Every probe starts from the same global state, whatever earlier student code changed."""
    torch.set_grad_enabled(True)
    torch.set_default_dtype(torch.float32)
    # torch.manual_seed goes through dynamo's disable wrapper and every backend, on every probe.
    # Seeding the generators themselves does the same for the CPU and CUDA, for less.
    torch.default_generator.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    random.seed(seed)
    try:
        import numpy

        numpy.random.seed(seed % 2**32)
    except ImportError:
        pass


def describe(exc: BaseException, phase: str) -> dict:
    """An exception as plain data: type, message and the student's own frames."""
    try:
        message = str(exc)
    except Exception:
        message = "<the exception's message could not be printed>"
    if isinstance(exc, SystemExit):
        message = f"sys.exit({exc.code!r}) was called"
    frames = []
    try:
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename.startswith(PREFIX):
                where = f"{frame.filename[len(PREFIX) :]}:{frame.lineno} in {frame.name}"
                frames.append(where + (f": {frame.line.strip()}" if frame.line else ""))
    except Exception:
        pass
    return {
        "type": type(exc).__name__[:100],
        "message": message[:2000],
        "traceback": frames[-8:],
        "phase": phase,
    }
