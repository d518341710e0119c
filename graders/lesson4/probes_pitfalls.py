"""Probes for lesson4/pitfalls.py: the code that runs inside the sandbox, beside the student's."""

from __future__ import annotations

import contextlib

import torch

from graders.lesson4.probes_common import FAILURE, failure
from graders.worker.probe import ProbeError, probe


def regression_training(train, x, y, w, lr, steps, guard=contextlib.nullcontext):
    """Run ``train(x, y, w, lr, steps)`` on a fresh leaf ``w``: its losses, ``w`` afterwards, or what it raised.

    ``kept_graph`` says whether any returned loss still holds its autograd graph, ``floats``
    whether every loss is a Python float.
    """
    w = w.detach().clone().requires_grad_(True)
    try:
        with guard():
            losses = train(x, y, w, lr, steps)
    except (NotImplementedError, ProbeError):
        raise
    except Exception as exc:
        return {"raised": failure(exc)}
    with guard():
        if type(losses) not in (list, tuple):
            raise ProbeError(
                f"the function must return a list of losses; it returned a {type(losses).__name__}"
            )
        kept_graph = any(isinstance(loss, torch.Tensor) and loss.requires_grad for loss in losses)
        floats = all(isinstance(loss, float) for loss in losses)
        try:
            values = [float(loss) for loss in losses]
        except (TypeError, ValueError, RuntimeError):
            raise ProbeError(
                "each loss in the returned list must be a number (loss.item())"
            ) from None
    return {
        "losses": torch.tensor(values, dtype=torch.float64),
        "w": w.detach(),
        "kept_graph": kept_graph,
        "floats": floats,
        "raised": None,
    }


REGRESSION_RUN = (
    {"raised": FAILURE},
    {
        "losses": torch.Tensor,
        "w": torch.Tensor,
        "kept_graph": bool,
        "floats": bool,
        "raised": None,
    },
)


@probe(reply=REGRESSION_RUN)
def regression_training_of(ctx, x, y, w, lr, steps):
    return regression_training(ctx.entry(), x, y, w, lr, steps, ctx.student_code)
