"""Probes for lesson2/batch_size.py: the code that runs inside the sandbox, beside the student's."""

from __future__ import annotations

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from graders.lesson2.probes_common import build_model
from graders.worker.probe import ANY, probe


class OperationCounter(TorchDispatchMode):
    """Counts the ATen operators that run inside it."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.count += 1
        return func(*args, **(kwargs or {}))


@probe(
    reply={"values": list, "operations": [int]}, lengths={"values": "calls", "operations": "calls"}
)
def call_counting_operations(ctx, calls):
    """For each argument tuple in ``calls``: the entry point's value and how many tensor operations it ran."""
    function = ctx.entry()
    values, counts = [], []
    for args in calls:
        with OperationCounter() as counter, ctx.student_code():
            values.append(function(*args))
        counts.append(counter.count)
    return {"values": values, "operations": counts}


@probe(reply={"value": ANY, "model_changed": bool})
def batch_size_for_model(ctx, layers, seed, dtype, sample_shape, memory_budget, optimizer_slots):
    """The entry point's answer for a model built from ``layers``; whether the call changed the model."""
    model = build_model(layers, seed=seed, dtype=dtype, device=ctx.device)
    before = [p.detach().clone() for p in model.parameters()]
    function = ctx.entry()
    with ctx.student_code():
        value = function(model, tuple(sample_shape), memory_budget, optimizer_slots)
    changed = any(not torch.equal(a, p) for a, p in zip(before, model.parameters()))
    return {"value": value, "model_changed": changed}
