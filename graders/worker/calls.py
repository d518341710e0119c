"""Probes every lesson uses: call an entry point; call it and differentiate the result."""

from __future__ import annotations

import torch

from .probe import ANY, ProbeError, probe


@probe(reply=ANY)
def call(ctx, args=(), kwargs=None):
    """The entry point's return value for ``args`` and ``kwargs``."""
    function = ctx.entry()
    with ctx.student_code():
        return function(*args, **(kwargs or {}))


@probe(reply={"value": torch.Tensor, "grads": list}, lengths={"grads": "wrt"})
def call_backward(ctx, args=(), kwargs=None, wrt=(0,), grad_output=None):
    """The return value and the gradients of ``(value * grad_output).sum()`` w.r.t. ``args[i]`` for i in ``wrt``."""
    args = list(args)
    for i in wrt:
        args[i] = args[i].detach().requires_grad_(True)
    function = ctx.entry()
    with ctx.student_code():
        value = function(*args, **(kwargs or {}))
    if not isinstance(value, torch.Tensor):
        raise ProbeError(
            f"{ctx.entry_name} returned a {type(value).__name__}, not a tensor, so it has no gradient"
        )
    if not value.requires_grad:
        raise ProbeError(
            f"the result of {ctx.entry_name} does not depend on its inputs through autograd "
            "(no grad_fn): .detach(), .item(), .tolist(), numpy or torch.no_grad() cut the graph"
        )
    if grad_output is None:
        grad_output = torch.ones_like(value)
    if grad_output.shape != value.shape:
        raise ProbeError(
            f"cannot differentiate: the result has shape {tuple(value.shape)}, expected {tuple(grad_output.shape)}"
        )
    with ctx.student_code():  # a custom autograd Function's backward is student code too
        grads = torch.autograd.grad(
            value, [args[i] for i in wrt], grad_outputs=grad_output, allow_unused=True
        )
    return {"value": value, "grads": list(grads)}


@probe(reply={"raised": (str, None), "message": str})
def call_raises(ctx, args=(), kwargs=None):
    """Which exception the call raises: {"raised": type name or None, "message": text}."""
    function = ctx.entry()
    try:
        with ctx.student_code():
            function(*args, **(kwargs or {}))
    except NotImplementedError:
        raise  # a stub is "not implemented yet", not a wrong exception
    except Exception as exc:
        return {"raised": type(exc).__name__, "message": str(exc)[:500]}
    return {"raised": None, "message": ""}


@probe(reply={"value": ANY}, lengths={"grads": "wrt"})
def call_module(ctx, init_args=(), init_kwargs=None, args=(), kwargs=None, wrt=()):
    """Instantiate the entry point class, call the instance; with ``wrt``, also the gradients of the sum."""
    cls = ctx.entry()
    args = list(args)
    for i in wrt:
        args[i] = args[i].detach().requires_grad_(True)
    with ctx.student_code():
        module = cls(*init_args, **(init_kwargs or {}))
        value = module(*args, **(kwargs or {}))
    if not wrt:
        return {"value": value}
    if not isinstance(value, torch.Tensor) or not value.requires_grad:
        raise ProbeError(
            f"the result of {ctx.entry_name} is not a tensor connected to its inputs through autograd"
        )
    with ctx.student_code():
        grads = torch.autograd.grad(value.sum(), [args[i] for i in wrt], allow_unused=True)
    return {"value": value, "grads": list(grads)}
