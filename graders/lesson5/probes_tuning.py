"""Probes for lesson5/tuning.py: the code that runs inside the sandbox, beside the student's."""

from __future__ import annotations

import math

import torch

from graders.lesson5.probes_common import (
    NO_GUARD,
)
from graders.worker.probe import ANY, ProbeError, probe


@probe(reply={"result": ANY, "calls": [dict], "global_state_kept": bool})
def hyperparameter_search(ctx, objective, args=(), kwargs=None):
    """The search's result and every configuration it evaluated; see ``run_search``."""
    return run_search(ctx.entry(), objective, args, kwargs, ctx.student_code)


def run_search(search, objective, args=(), kwargs=None, student_code=NO_GUARD) -> dict:
    """``search(recorder, *args, **kwargs)`` with a recording objective: its result, the configurations
    asked, in order, and whether torch's global random state is what it was before."""
    recorder = SearchObjective(objective)
    before = torch.get_rng_state()
    with student_code():
        result = search(recorder, *args, **(kwargs or {}))
    return {
        "result": result,
        "calls": recorder.calls,
        "global_state_kept": bool(torch.equal(torch.get_rng_state(), before)),
    }


class SearchObjective:
    """A hyperparameter objective that records every configuration it is asked about.

    The loss is a weighted sum of squared distances to a target per numeric hyperparameter
    (on a log10 scale for those listed in ``log``), plus a cost per categorical value; a
    ``constant`` spec makes every configuration equally good.
    """

    def __init__(self, spec: dict):
        self.spec, self.calls = spec, []

    def __call__(self, params):
        if not isinstance(params, dict):
            raise ProbeError(
                f"the objective takes a dict of hyperparameters, not a {type(params).__name__}"
            )
        params = {
            name: (
                value.item() if isinstance(value, torch.Tensor) and value.numel() == 1 else value
            )
            for name, value in params.items()
        }
        self.calls.append(params)
        return search_loss(self.spec, params)


def search_loss(spec: dict, params: dict) -> float:
    if "constant" in spec:
        return float(spec["constant"])
    loss = 0.0
    for name, value in params.items():
        if name in spec.get("costs", {}):
            loss += spec["costs"][name][value]
        elif name in spec.get("targets", {}):
            x = math.log10(value) if name in spec.get("log", ()) else float(value)
            loss += spec.get("weights", {}).get(name, 1.0) * (x - spec["targets"][name]) ** 2
    return loss
