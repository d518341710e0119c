"""Probes for lesson5/second_order.py: the code that runs inside the sandbox, beside the student's."""

from __future__ import annotations

import torch

from graders.lesson5.probes_common import (
    NO_GUARD,
)
from graders.worker.probe import ProbeError, probe


@probe(reply={"points": torch.Tensor, "matrices": torch.Tensor})
def bfgs_on_quadratic_run(ctx, A, b, x0, steps):
    """Minimise a quadratic with BFGS using the student's update; see ``bfgs_on_quadratic``."""
    return bfgs_on_quadratic(ctx.entry(), A, b, x0, steps, ctx.student_code)


def bfgs_on_quadratic(update, A, b, x0, steps, student_code=NO_GUARD) -> dict:
    """BFGS with exact line searches on ``x.A.x / 2 - b.x``, starting from H = I.

    With exact line searches BFGS reaches the minimum ``A^-1 b`` in n steps, and then
    ``H = A^-1``.  Returns the points visited and every matrix ``update`` returned.
    """
    x = x0.clone()
    H = torch.eye(len(x0), dtype=x0.dtype, device=x0.device)
    points, matrices = [], []
    for _ in range(steps):
        g = A @ x - b
        direction = -(H @ g)
        curvature = direction @ A @ direction
        if not bool(curvature > 0):
            break  # H is no longer positive definite: the search cannot go on
        s = -(g @ direction) / curvature * direction
        x = x + s
        with student_code():
            H = update(H, s, A @ s)
        if not isinstance(H, torch.Tensor) or H.shape != (len(x0), len(x0)):
            raise ProbeError(
                f"the update returned {type(H).__name__} {getattr(H, 'shape', '')}, not an (n, n) tensor"
            )
        H = H.detach()
        points.append(x)
        matrices.append(H)
    if not points:
        raise ProbeError("BFGS could not take a single step")
    return {"points": torch.stack(points), "matrices": torch.stack(matrices)}
