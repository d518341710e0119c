"""Hidden graders for lesson5/manual_optimizer.py: train a real network with the student's class, as torch.optim would.

The sandbox trains the grader's small network (seeded weights and data sent from here) with
``ManualOptimizer(groups, update, **defaults)``, where ``update`` is torch's own Adam or
RMSprop step for one tensor: so the student's step functions play no part, and only the
class's bookkeeping is graded.  Three parameter groups (one with its own learning rate, one
without weight decay); an extra head that joins the loss every third step only, so its
parameters have no gradient on the others.  The trajectory is compared with
``torch.optim.Adam``/``RMSprop`` on the same groups, computed here; every call of ``update``
(which parameter, which hyperparameters, which state dict, autograd mode) with the
reference class's calls.
"""

import pytest
import torch

from graders.api import load_reference, remembered
from graders.lesson5.probes_manual_optimizer import train

from .mistakes_manual_optimizer import catalogue
from .specs import network, regression_data

ref = load_reference("lesson5.manual_optimizer")
EXERCISE = "lesson5.ManualOptimizer"
# Square layers: all weights (and all biases) share a shape, so mixed-up state gives wrong numbers, not shape errors.
SIZES = (4, 4, 4)
GROUPS = [
    {"names": ["hidden.weight", "hidden.bias"], "lr": 0.03},
    {"names": ["out.weight", "out.bias"]},
    {"names": ["extra.weight", "extra.bias"], "weight_decay": 0.0},
]
DEFAULTS = {
    "adam": {"lr": 0.01, "betas": (0.8, 0.95), "weight_decay": 0.05},
    "rmsprop": {"lr": 0.005, "momentum": 0.5, "centered": True, "weight_decay": 0.05},
}
TORCH = {"adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop}


def training(gen, dtype, update, **changes):
    x, y = regression_data(gen, dtype, 12, SIZES)
    spec = {
        "net": network(gen, dtype, SIZES),
        "x": x,
        "y": y,
        "steps": 12,
        "extra_every": 3,
        "update": update,
        "groups": GROUPS,
        "defaults": DEFAULTS[update],
        "closure": False,
        "resume_at": None,
    }
    spec.update(changes)
    return spec


def with_torch(spec):
    optimizer_class = TORCH[spec["update"]]
    return train(
        lambda groups, _, defaults: optimizer_class(groups, foreach=False, **defaults), spec
    )


def with_class(cls, spec):
    return train(lambda groups, update, defaults: cls(groups, update, **defaults), spec)


def describe(spec, extra=""):
    return (
        f"training the network ({len(GROUPS)} parameter groups, extra head every 3rd step) for {spec['steps']} steps "
        f"with ManualOptimizer(groups, <torch's {spec['update']} step>, **{spec['defaults']}){extra}"
    )


@pytest.mark.inputs("trains the network like torch")
@pytest.mark.exercise(EXERCISE, weight=3)
@pytest.mark.parametrize("update", ["adam", "rmsprop"])
def test_trains_the_network_like_torch(student, expect, gen, memo, dtype, update):
    spec = training(gen, dtype, update)
    want = memo("reference", lambda: with_torch(spec))
    runs = remembered(memo("mistakes' runs", dict), lambda wrong: with_class(wrong, spec))
    got = student.probe("train_with_optimizer_class", spec=spec)
    expect.trajectory(
        got["trajectory"],
        want["trajectory"],
        what=f"all the parameters after each step of {describe(spec)}, compared with "
        f"torch.optim.{TORCH[update].__name__}",
        mistakes=catalogue.of("ManualOptimizer"),
        recompute=lambda wrong: runs(wrong)["trajectory"],
    )


@pytest.mark.inputs("each update call gets its groups hyperparameters")
@pytest.mark.exercise(EXERCISE, weight=1.5)
@pytest.mark.parametrize("update", ["adam", "rmsprop"])
def test_each_update_call_gets_its_groups_hyperparameters(student, expect, gen, memo, update):
    spec = training(gen, torch.float64, update)
    want = memo("reference", lambda: with_class(ref.ManualOptimizer, spec))
    runs = remembered(memo("mistakes' runs", dict), lambda wrong: with_class(wrong, spec))
    got = student.probe("train_with_optimizer_class", spec=spec)
    expect.records(
        got["calls"],
        want["calls"],
        what=f"the calls of update(param, grad, state, **hyperparameters) while {describe(spec)} "
        "(each: step, parameter, hyperparameters, state: the number of its state dict in order of first use, "
        "grad_is_param_grad, grad_enabled)",
        mistakes=catalogue.of("ManualOptimizer"),
        recompute=lambda wrong: runs(wrong)["calls"],
    )


@pytest.mark.inputs("step with a closure returns its loss")
@pytest.mark.exercise(EXERCISE, weight=1)
def test_step_with_a_closure_returns_its_loss(student, expect, gen, memo):
    spec = training(gen, torch.float64, "adam", closure=True)
    want = memo("reference", lambda: with_torch(spec))
    runs = remembered(memo("mistakes' runs", dict), lambda wrong: with_class(wrong, spec))
    got = student.probe("train_with_optimizer_class", spec=spec)
    what = describe(spec, ", each step given a closure that recomputes the loss and its gradients")
    if not all(isinstance(loss, torch.Tensor) for loss in got["losses"]):
        expect.fail(
            f"{what}: step(closure) returned {got['losses'][0]!r}, not the closure's loss",
            mistakes=catalogue.of("ManualOptimizer"),
            recompute=runs,
            like=lambda run: run["losses"][0] is None,
        )
    expect.close(
        torch.stack(got["losses"]),
        torch.stack(want["losses"]),
        what=f"{what}: the losses step(closure) returned",
        mistakes=catalogue.of("ManualOptimizer"),
        recompute=lambda wrong: torch.stack(runs(wrong)["losses"]),
    )
    expect.trajectory(
        got["trajectory"],
        want["trajectory"],
        what=f"{what}: the parameters after each step",
        mistakes=catalogue.of("ManualOptimizer"),
        recompute=lambda wrong: runs(wrong)["trajectory"],
    )


@pytest.mark.inputs("step without a closure returns none")
@pytest.mark.exercise(EXERCISE, weight=0.5)
def test_step_without_a_closure_returns_none(student, expect, gen, memo):
    spec = training(gen, torch.float64, "rmsprop")
    runs = remembered(memo("mistakes' runs", dict), lambda wrong: with_class(wrong, spec))
    got = student.probe("train_with_optimizer_class", spec=spec)
    returned = next((value for value in got["returned"] if value is not None), None)
    if returned is not None:
        expect.fail(
            f"{describe(spec)}, without a closure: step() returned a {returned}, expected None",
            mistakes=catalogue.of("ManualOptimizer"),
            recompute=runs,
            like=lambda run: run["returned"] == got["returned"],
            hint="without a closure there is no loss to return: return None",
        )


@pytest.mark.inputs("a checkpoint resumes training exactly")
@pytest.mark.exercise(EXERCISE, weight=1)
def test_a_checkpoint_resumes_training_exactly(student, expect, gen, memo):
    spec = training(gen, torch.float64, "adam", resume_at=5)
    want = memo("reference", lambda: with_torch({**spec, "resume_at": None}))
    runs = remembered(memo("mistakes' runs", dict), lambda wrong: with_class(wrong, spec))
    got = student.probe("train_with_optimizer_class", spec=spec)
    expect.trajectory(
        got["trajectory"],
        want["trajectory"],
        what=describe(
            spec,
            "; before step 6 the optimizer is saved with state_dict() and a new one resumes from it "
            "with load_state_dict(), compared with torch.optim.Adam trained without interruption",
        ),
        mistakes=catalogue.of("ManualOptimizer"),
        recompute=lambda wrong: runs(wrong)["trajectory"],
    )
