"""Probes for lesson4/autograd_functions.py: the code that runs inside the sandbox, beside the student's."""

from __future__ import annotations

import contextlib

import torch

from graders.lesson4.probes_common import FAILURE, failure
from graders.worker.probe import ProbeError, probe


class _CountingEngine:
    """Stands in for autograd's engine and counts backward passes (a nested one means autograd inside backward)."""

    def __init__(self, engine):
        self._engine, self.calls = engine, 0

    def run_backward(self, *args, **kwargs):
        self.calls += 1
        return self._engine.run_backward(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._engine, name)


@contextlib.contextmanager
def counting_backward_passes():
    from torch.autograd.variable import Variable

    engine = Variable._execution_engine
    counter = _CountingEngine(engine)
    Variable._execution_engine = counter
    try:
        yield counter
    finally:
        Variable._execution_engine = engine


def differentiate(function, args, wrt, grad_output, guard=contextlib.nullcontext):
    """``function(*args)`` and the gradients of ``(value * grad_output).sum()`` w.r.t. ``args[i]`` for i in ``wrt``.

    Returns {"value", "grads", "raised", "nested_backward"}: an exception from the forward or the
    backward pass is returned as data (``raised``, with ``phase``) rather than raised, so that the
    grader can tell which catalogued mistake raises the same; a stub's NotImplementedError still
    propagates.  ``nested_backward`` counts backward passes started *inside* the backward pass.  With an empty
    ``wrt`` only the forward pass runs.
    """
    args = list(args)
    for i in wrt:
        args[i] = args[i].detach().requires_grad_(True)
    result = {"value": None, "grads": None, "raised": None, "nested_backward": 0}
    try:
        with guard():
            value = function(*args)
    except (NotImplementedError, ProbeError):
        raise
    except Exception as exc:
        result["raised"] = {**failure(exc), "phase": "forward"}
        return result
    if not isinstance(value, torch.Tensor):
        raise ProbeError(f"the result is a {type(value).__name__}, not a tensor")
    result["value"] = value.detach()
    if not wrt:
        return result
    if not value.requires_grad:
        raise ProbeError(
            "the result does not depend on the inputs through autograd (no grad_fn): "
            ".detach(), .item(), numpy or torch.no_grad() cut the graph"
        )
    if value.shape != grad_output.shape:
        return result  # the grader reports the wrong shape of the value
    try:
        with counting_backward_passes() as engine, guard():
            grads = torch.autograd.grad(
                value, [args[i] for i in wrt], grad_output, allow_unused=True
            )
    except (NotImplementedError, ProbeError):
        raise
    except Exception as exc:
        result["raised"] = {**failure(exc), "phase": "backward"}
        return result
    result["grads"] = list(grads)
    result["nested_backward"] = engine.calls - 1
    return result


DIFFERENTIATED = {
    "value": (torch.Tensor, None),
    "grads": (list, None),
    "raised": (FAILURE, None),
    "nested_backward": int,
}


@probe(reply=DIFFERENTIATED, lengths={"grads": "wrt"})
def differentiate_function(ctx, args, wrt=(0,), grad_output=None):
    """``differentiate`` for an entry point that is a function, or a ``torch.autograd.Function`` (through ``apply``)."""
    entry = ctx.entry()
    if isinstance(entry, type):
        if not issubclass(entry, torch.autograd.Function):
            raise ProbeError(
                f"{ctx.entry_name} must be a subclass of torch.autograd.Function, used as {ctx.entry_name}.apply(...)"
            )
        entry = entry.apply
    return differentiate(entry, args, wrt, grad_output, ctx.student_code)
