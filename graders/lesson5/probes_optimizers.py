"""Probes for lesson5/optimizers.py: the code that runs inside the sandbox, beside the student's."""

from __future__ import annotations

import torch
from torch import nn

from graders.lesson5.probes_common import (
    NO_GUARD,
)
from graders.worker.probe import probe


@probe(
    reply={
        "trajectory": torch.Tensor,
        "state": dict,
        "same_storage": bool,
        "has_grad_fn": bool,
        "returned": (str, None),
    }
)
def optimizer_step_trajectory(ctx, start, grads, hyperparameters, state=None, transposed=False):
    """Run the step function once per gradient; see ``run_steps``."""
    # The request's own gradients: the worker fails the case when a step changes one in place.
    return run_steps(
        ctx.entry(), start, grads, hyperparameters, state, ctx.student_code, transposed, own=True
    )


def run_steps(
    step,
    start,
    grads,
    hyperparameters,
    state=None,
    student_code=NO_GUARD,
    transposed=False,
    own=False,
) -> dict:
    """Call ``step(param, grad, state, **hyperparameters)`` once per gradient on a fresh ``nn.Parameter``.

    Returns the parameter after every step (stacked), the state dict after the last step,
    whether the parameter kept its storage, and whether it gained autograd history.
    ``state``, when given, is copied into the dict the first step receives (a resumed run).
    With ``transposed``, the parameter and every gradient (2-D) are non-contiguous: the
    transposes of contiguous tensors, with the same values and shapes.
    Each step gets a copy of its gradient and ``grads_changed`` says whether a step changed
    one; with ``own`` (the probe) it gets ``grads``' own tensors, which the worker watches.
    """
    layout = (lambda t: t.T.contiguous().T) if transposed else (lambda t: t)
    param = nn.Parameter(layout(start.clone()))
    storage = param.data_ptr()
    state = (
        {}
        if state is None
        else {k: (v.clone() if isinstance(v, torch.Tensor) else v) for k, v in state.items()}
    )
    trajectory, returned, grads_changed = [], None, False
    for grad in grads:
        given = grad if own else grad.clone()
        with student_code():
            value = step(param, layout(given), state, **hyperparameters)
        grads_changed = grads_changed or not (own or torch.equal(given, grad))
        if value is not None and returned is None:
            returned = type(value).__name__
        trajectory.append(param.detach().clone())
    return {
        "trajectory": torch.stack(trajectory),
        "state": dict(state),
        "same_storage": param.data_ptr() == storage,
        "has_grad_fn": param.grad_fn is not None,
        "returned": returned,
        "grads_changed": grads_changed,
    }
