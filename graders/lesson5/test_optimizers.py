"""Hidden graders for lesson5/optimizers.py: adam_step and rmsprop_step against torch.optim, step by step.

Each case steps one tensor (1-D, 2-D or 3-D; float32 and float64) through 30 gradients whose
entries range from 1e-6 to 1e3, with eps and weight decay large enough to matter, in the
sandbox, and compares the whole trajectory with torch.optim's, computed here from the same
gradients.  Then the state the caller's dict carries, a run resumed from torch's own state
(whose hint blames the resuming only when the same student's run from an empty state follows
torch), the in-place contract (same storage, no autograd history), and boundary inputs: a
0-dim parameter, a single row, a non-contiguous parameter and gradients, zero gradients.
"""

from dataclasses import dataclass, field

import pytest
import torch
from torch import nn

from graders.api import ChangedInput, StudentFailure, difference, remembered
from graders.lesson5.probes_optimizers import run_steps

from .mistakes_optimizers import catalogue
from .specs import mixed_scale_gradients

STEPS = 30


@dataclass(frozen=True)
class StepExercise:
    """An optimizer step for one tensor, ``entry(param, grad, state, **hyperparameters)``, graded
    against the torch.optim class whose update it reproduces.  Adding one (an SGD step with
    Nesterov momentum, say) is one entry in ``OPTIMIZERS``."""

    torch_class: type
    # (id, hyperparameters as the step takes them, parameter shape): each exposes other mistakes
    settings: tuple[tuple[str, dict, tuple[int, ...]], ...]
    # the setting whose final state is compared key by key, and the keys torch keeps for it
    # ("step" among them only for the optimizers that count steps)
    state_setting: str
    state_keys: tuple[str, ...]
    # the fewest hyperparameters a call needs, for the in-place check
    minimal: dict = field(default_factory=lambda: {"lr": 0.1})
    # what torch's class takes besides the step's own hyperparameters (nesterov=True, ...)
    torch_extra: dict = field(default_factory=dict)

    def torch_optimizer(self, params, hyperparameters: dict):
        return self.torch_class(params, foreach=False, **self.torch_extra, **hyperparameters)


OPTIMIZERS = {
    "adam_step": StepExercise(
        torch.optim.Adam,
        settings=(
            ("defaults", {}, (7,)),
            ("lr-betas", {"lr": 0.05, "betas": (0.8, 0.99)}, (4, 3)),
            ("weight-decay", {"lr": 0.01, "weight_decay": 0.1}, (2, 3, 5)),
            ("large-eps", {"lr": 0.01, "eps": 1e-3}, (4, 3)),
            (
                "everything",
                {"lr": 0.02, "betas": (0.5, 0.9), "eps": 1e-4, "weight_decay": 0.05},
                (2, 3, 5),
            ),
        ),
        state_setting="everything",
        state_keys=("step", "exp_avg", "exp_avg_sq"),
    ),
    "rmsprop_step": StepExercise(
        torch.optim.RMSprop,
        settings=(
            ("defaults", {}, (7,)),
            ("centered", {"lr": 0.005, "centered": True}, (4, 3)),
            ("momentum", {"lr": 0.005, "momentum": 0.9}, (2, 3, 5)),
            (
                "centered-momentum-decay",
                {"lr": 0.005, "centered": True, "momentum": 0.5, "weight_decay": 0.1},
                (4, 3),
            ),
            ("alpha-eps", {"lr": 0.01, "alpha": 0.9, "eps": 1e-2}, (2, 3, 5)),
        ),
        state_setting="centered-momentum-decay",
        state_keys=("step", "square_avg", "momentum_buffer", "grad_avg"),
    ),
}
NO_GRAD_ERROR = "leaf Variable that requires grad"


def cases(weight, state_only=False):
    """(entry, hyperparameters, shape) per optimizer setting, each counted towards its own exercise."""
    return [
        pytest.param(
            entry,
            hp,
            shape,
            id=f"{entry}-{name}",
            marks=pytest.mark.exercise(f"lesson5.{entry}", weight=weight),
        )
        for entry, optimizer in OPTIMIZERS.items()
        for name, hp, shape in optimizer.settings
        if not state_only or name == optimizer.state_setting
    ]


def describe_run(entry, shape, dtype, hyperparameters, steps=STEPS):
    settings = (
        ", ".join(f"{k}={v}" for k, v in hyperparameters.items()) or "default hyperparameters"
    )
    return f"{entry} on a {str(dtype).replace('torch.', '')} parameter {tuple(shape)} over {steps} steps ({settings})"


def torch_trajectory(entry, start, grads, hyperparameters):
    """(parameter after every step, final state) of the entry's torch.optim class stepping one
    tensor through ``grads``."""
    param = nn.Parameter(start.clone())
    optimizer = OPTIMIZERS[entry].torch_optimizer([param], hyperparameters)
    trajectory = []
    for grad in grads:
        param.grad = grad.clone()
        optimizer.step()
        trajectory.append(param.detach().clone())
    return torch.stack(trajectory), optimizer.state[param]


def runs_of(memo, start, grads, hyperparameters, state=None, transposed=False):
    """``run(mistake)``: the mistake's run on the case's inputs, computed once per case for all students."""
    return remembered(
        memo("mistakes' runs", dict),
        lambda wrong: run_steps(wrong, start, grads, hyperparameters, state, transposed=transposed),
    )


def student_run(
    student, expect, entry, runs, start, grads, hyperparameters, state=None, transposed=False
):
    """The student's run in the sandbox; an update outside no_grad is named when it is the reason it failed."""
    try:
        return student.probe(
            "optimizer_step_trajectory",
            start=start,
            grads=grads,
            hyperparameters=hyperparameters,
            state=state,
            transposed=transposed,
        )
    except ChangedInput as failure:  # a gradient the step was given, changed in place
        expect.changed(
            failure,
            mistakes=catalogue.of(entry),
            recompute=runs,
            like=lambda run: run["grads_changed"],
        )
    except StudentFailure as failure:
        expect.fails_like(
            failure, words=NO_GRAD_ERROR, mistakes=catalogue.of(entry), recompute=runs
        )


def as_number(value):
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@pytest.mark.inputs("trajectory follows torch optim")
@pytest.mark.parametrize("entry, hyperparameters, shape", cases(weight=4))
def test_trajectory_follows_torch_optim(
    student, expect, gen, memo, dtype, entry, hyperparameters, shape
):
    start = gen.normal(*shape, dtype=dtype)
    grads = mixed_scale_gradients(gen, shape, STEPS, dtype)
    want, _ = memo("reference", lambda: torch_trajectory(entry, start, grads, hyperparameters))
    runs = runs_of(memo, start, grads, hyperparameters)
    got = student_run(student, expect, entry, runs, start, grads, hyperparameters)
    expect.trajectory(
        got["trajectory"],
        want,
        what=f"the parameter after each step of {describe_run(entry, shape, dtype, hyperparameters)}, "
        f"compared with torch.optim.{OPTIMIZERS[entry].torch_class.__name__}",
        mistakes=catalogue.of(entry),
        recompute=lambda wrong: runs(wrong)["trajectory"],
    )


@pytest.mark.inputs("state dict holds torchs state")
@pytest.mark.parametrize("entry, hyperparameters, shape", cases(weight=1.5, state_only=True))
def test_state_dict_holds_torchs_state(
    student, expect, gen, memo, dtype, entry, hyperparameters, shape
):
    start = gen.normal(*shape, dtype=dtype)
    grads = mixed_scale_gradients(gen, shape, STEPS, dtype)
    _, want = memo("reference", lambda: torch_trajectory(entry, start, grads, hyperparameters))
    runs = runs_of(memo, start, grads, hyperparameters)
    got = student_run(student, expect, entry, runs, start, grads, hyperparameters)["state"]
    mistakes = catalogue.of(entry)
    run = lambda wrong: runs(wrong)["state"]  # noqa: E731
    what = f"the caller's state dict after {describe_run(entry, shape, dtype, hyperparameters)}"
    if not isinstance(got, dict) or not got:
        expect.fail(
            f"{what}: it is still empty: store the state in the dict you are given, it is how the next step finds it",
            mistakes=mistakes,
            recompute=run,
            like=lambda state: state == {},
        )
    keys = OPTIMIZERS[entry].state_keys
    missing = [key for key in keys if key not in got]
    expect.that(
        not missing,
        f"{what}: no {missing} (it holds {sorted(got)}); use torch's names so the state can be "
        "compared and checkpointed",
    )
    if "step" in keys:
        expect.close(
            as_number(got["step"]),
            float(want["step"]),
            what=f"{what}: state['step']",
            hint="count the steps taken: after the first step state['step'] is 1",
        )
    for key in (key for key in keys if key != "step"):
        expect.close(
            got[key],
            want[key],
            what=f"{what}: state[{key!r}]",
            mistakes=mistakes,
            recompute=lambda wrong, key=key: run(wrong).get(key),
        )


@pytest.mark.inputs("resumes from the state it is given")
@pytest.mark.parametrize("entry, hyperparameters, shape", cases(weight=1.5, state_only=True))
def test_resumes_from_the_state_it_is_given(
    student, expect, gen, memo, dtype, entry, hyperparameters, shape
):
    """Steps 11 to 30, from torch's parameter and state after step 10: everything must come from the dict."""
    start = gen.normal(*shape, dtype=dtype)
    grads = mixed_scale_gradients(gen, shape, STEPS, dtype)
    want, _ = memo("reference", lambda: torch_trajectory(entry, start, grads, hyperparameters))
    first, torch_state = memo(
        "torch's first 10 steps",
        lambda: torch_trajectory(entry, start, grads[:10], hyperparameters),
    )
    state = {
        key: int(value) if key == "step" else value.clone()
        for key, value in torch_state.items()
        if isinstance(value, torch.Tensor)  # torch keeps None where a buffer is not needed yet
    }
    runs = runs_of(memo, first[-1], grads[10:], hyperparameters, state)
    got = student_run(student, expect, entry, runs, first[-1], grads[10:], hyperparameters, state)
    what = (
        f"{describe_run(entry, shape, dtype, hyperparameters, STEPS - 10)}, resumed from "
        f"torch's state after 10 steps (a dict with {sorted(state)}; 'step' an int)"
    )
    hint = ""
    if difference(got["trajectory"], want[10:], expect.tolerance(want)) is not None:
        # Blame the resuming only when the same steps from an empty state follow torch.
        try:
            from_empty = student.probe(
                "optimizer_step_trajectory",
                start=start,
                grads=grads,
                hyperparameters=hyperparameters,
            )["trajectory"]
        except StudentFailure:
            from_empty = None
        if from_empty is not None and difference(from_empty, want, expect.tolerance(want)) is None:
            hint = (
                "from an empty state your steps follow torch's, so the state you are given is "
                "not what they use: read everything from that dict (nothing kept elsewhere "
                "between calls, nothing re-initialised when it is not empty)"
            )
        elif from_empty is None:
            what += " (from an empty state the steps fail too)"
        else:
            what += " (from an empty state the steps differ from torch's too)"
    expect.trajectory(
        got["trajectory"],
        want[10:],
        what=what,
        mistakes=catalogue.of(entry),
        recompute=lambda wrong: runs(wrong)["trajectory"],
        hint=hint,
    )


@pytest.mark.inputs("updates the parameter in place without history")
@pytest.mark.parametrize(
    "entry",
    [pytest.param(e, marks=pytest.mark.exercise(f"lesson5.{e}", weight=1)) for e in OPTIMIZERS],
)
def test_updates_the_parameter_in_place_without_history(student, expect, gen, memo, entry):
    start, grads, hyperparameters = (
        gen.normal(3, 4, dtype=torch.float32),
        mixed_scale_gradients(gen, (3, 4), 3, torch.float32),
        OPTIMIZERS[entry].minimal,
    )
    run = runs_of(memo, start, grads, hyperparameters)
    got = student_run(student, expect, entry, run, start, grads, hyperparameters)
    mistakes = catalogue.of(entry)
    settings = ", ".join(f"{k}={v}" for k, v in hyperparameters.items())
    what = f"{entry}(param, grad, state, {settings}) on an nn.Parameter (3, 4), 3 steps"
    if torch.equal(got["trajectory"][-1].cpu(), start.cpu()):
        returned = (
            f" ({entry} returned a {got['returned']}, which the caller ignores)"
            if got["returned"]
            else ""
        )
        expect.fail(
            f"{what}: the parameter the caller holds never changed{returned}",
            mistakes=mistakes,
            recompute=run,
            like=lambda outcome: torch.equal(outcome["trajectory"][-1].cpu(), start.cpu()),
        )
    if not got["same_storage"]:
        expect.fail(
            f"{what}: the parameter now lives in new storage, so views of it and anything holding its old "
            "storage no longer see the updates",
            mistakes=mistakes,
            recompute=run,
            like=lambda outcome: not outcome["same_storage"],
        )
    expect.that(
        not got["has_grad_fn"],
        f"{what}: the parameter gained autograd history (a grad_fn): do the update under torch.no_grad()",
    )


# Boundary inputs: a 0-dim parameter, a single row, and a non-contiguous (transposed) parameter
# and gradients whose first gradient is all zeros and whose middle row is zero at every step.
# Non-default hyperparameters everywhere, and no weight decay, so that a zero gradient stays zero.
BOUNDARY_SETTINGS = {
    "adam_step": {"lr": 0.02, "betas": (0.8, 0.95), "eps": 1e-5},
    "rmsprop_step": {"lr": 0.01, "alpha": 0.9, "eps": 1e-5, "momentum": 0.5, "centered": True},
}
BOUNDARY_SHAPES = [("0-dim", (), False), ("one-row", (1, 5), False), ("transposed", (3, 4), True)]


@pytest.mark.inputs("boundary inputs")
@pytest.mark.parametrize(
    "entry, shape, transposed",
    [
        pytest.param(
            entry,
            shape,
            transposed,
            id=f"{entry}-{name}",
            marks=pytest.mark.exercise(f"lesson5.{entry}", weight=1),
        )
        for entry in OPTIMIZERS
        for name, shape, transposed in BOUNDARY_SHAPES
    ],
)
def test_boundary_inputs(student, expect, gen, memo, dtype, entry, shape, transposed):
    hyperparameters = BOUNDARY_SETTINGS[entry]
    start = gen.normal(*shape, dtype=dtype)
    grads = mixed_scale_gradients(gen, shape, STEPS, dtype)
    grads[0] = 0.0
    if len(shape) == 2 and shape[0] > 1:
        grads[:, 1] = 0.0
    want, _ = memo("reference", lambda: torch_trajectory(entry, start, grads, hyperparameters))
    runs = runs_of(memo, start, grads, hyperparameters, transposed=transposed)
    got = student_run(
        student, expect, entry, runs, start, grads, hyperparameters, transposed=transposed
    )
    layout = (
        "a 0-dim parameter"
        if not shape
        else "a non-contiguous (transposed) parameter and gradients"
        if transposed
        else "a parameter with a single row"
    )
    expect.trajectory(
        got["trajectory"],
        want,
        what=f"{describe_run(entry, shape, dtype, hyperparameters)}, on {layout}; the first "
        "gradient is all zeros" + (", and row 1 of every gradient is zero" if transposed else ""),
        mistakes=catalogue.of(entry),
        recompute=lambda wrong: runs(wrong)["trajectory"],
    )
