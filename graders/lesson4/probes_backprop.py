"""Probes for lesson4/backprop.py: the code that runs inside the sandbox, beside the student's."""

from __future__ import annotations

import contextlib

import torch

from graders.worker.probe import ANY, ProbeError, probe


def _pair(result, name):
    if type(result) not in (tuple, list) or len(result) != 2:
        raise ProbeError(
            f"{name} must return a pair (out, cache); it returned a {type(result).__name__}"
        )
    return result


def mlp_gradients(forward, backward, x, params, dout, guard=contextlib.nullcontext):
    """The output of ``forward`` and the gradients ``backward`` returns for ``dout``."""
    with guard():
        out, cache = _pair(forward(x, dict(params)), "mlp_forward")
        grads = backward(dout, cache)
        if not isinstance(grads, dict):
            raise ProbeError(
                f"mlp_backward must return a dict of gradients; it returned a {type(grads).__name__}"
            )
        grads = {str(key): value for key, value in grads.items()}
    return {"out": out, "grads": grads}


@probe(reply={"out": ANY, "grads": dict})
def mlp_backward_of(ctx, x, params, dout):
    return mlp_gradients(ctx.entry("mlp_forward"), ctx.entry(), x, params, dout, ctx.student_code)


def mlp_training(step, x, y, params, lr, steps, guard=contextlib.nullcontext):
    """Losses of ``steps`` calls of ``step(x, y, params, lr)``; the params dict and original tensors afterwards."""
    params = {name: value.clone() for name, value in params.items()}
    originals = dict(params)
    losses = []
    with guard():
        for _ in range(steps):
            loss = step(x, y, params, lr)
            try:
                losses.append(float(loss))
            except (TypeError, ValueError, RuntimeError):
                raise ProbeError(
                    f"mlp_train_step must return the loss as a number; it returned {type(loss).__name__}"
                ) from None
        after = {str(name): value for name, value in params.items()}
    return {"losses": torch.tensor(losses, dtype=x.dtype), "params": after, "originals": originals}


@probe(
    reply={
        "losses": torch.Tensor,
        "params": dict,  # the student's dict: the grader names a key it lost
        "originals": {name: torch.Tensor for name in ("W1", "b1", "W2", "b2")},  # the probe's own
    }
)
def mlp_training_of(ctx, x, y, params, lr, steps):
    return mlp_training(ctx.entry(), x, y, params, lr, steps, ctx.student_code)
