"""Visible tests for lesson5/optimizers.py: your steps against torch.optim over many steps."""

import pytest
import torch
from checks import check_close

from lesson5.optimizers import adam_step, rmsprop_step

STEPS = 25


def gradients(shape, steps=STEPS, seed=0):
    """Gradients whose entries range from 1e-6 to 1e3 in size, as real networks' do."""
    generator = torch.Generator().manual_seed(seed)
    scales = 10.0 ** torch.linspace(-6, 3, torch.Size(shape).numel(), dtype=torch.float64).reshape(
        shape
    )
    return [
        scales * torch.randn(shape, generator=generator, dtype=torch.float64) for _ in range(steps)
    ]


def compare_with_torch(step, optimizer_class, hyperparameters, shape=(4, 3)):
    start = torch.linspace(-1, 1, torch.Size(shape).numel(), dtype=torch.float64).reshape(shape)
    mine, theirs = torch.nn.Parameter(start.clone()), torch.nn.Parameter(start.clone())
    optimizer = optimizer_class([theirs], **hyperparameters)
    state = {}
    for number, grad in enumerate(gradients(shape), start=1):
        step(mine, grad, state, **hyperparameters)
        theirs.grad = grad.clone()
        optimizer.step()
        check_close(
            mine.detach(),
            theirs.detach(),
            f"the parameter after step {number} with {hyperparameters}",
        )
    return state, optimizer.state[theirs]


@pytest.mark.parametrize(
    "hyperparameters",
    [
        {},
        {"lr": 0.1, "betas": (0.8, 0.99)},
        {"lr": 0.01, "weight_decay": 0.1},
        {"lr": 0.01, "eps": 1e-3},
    ],
    ids=["defaults", "betas", "weight-decay", "large-eps"],
)
def test_adam_step_follows_torch_adam(hyperparameters):
    compare_with_torch(adam_step, torch.optim.Adam, hyperparameters)


def test_adam_state_uses_torchs_names():
    state, theirs = compare_with_torch(adam_step, torch.optim.Adam, {"lr": 0.01})
    assert set(state) == {"step", "exp_avg", "exp_avg_sq"}, f"the state holds {sorted(state)}"
    assert int(state["step"]) == STEPS, f"state['step'] is {state['step']} after {STEPS} steps"
    check_close(state["exp_avg"], theirs["exp_avg"], "state['exp_avg']")
    check_close(state["exp_avg_sq"], theirs["exp_avg_sq"], "state['exp_avg_sq']")


@pytest.mark.parametrize("step", [adam_step, rmsprop_step], ids=["adam", "rmsprop"])
def test_the_step_updates_the_parameter_in_place_without_history(step):
    param = torch.nn.Parameter(torch.ones(3))
    storage = param.data_ptr()
    step(param, torch.tensor([1.0, -2.0, 3.0]), {})
    assert param.data_ptr() == storage, (
        "the step made a new tensor; update the caller's parameter in place"
    )
    assert param.grad_fn is None, "the update was recorded by autograd; use torch.no_grad()"
    assert not torch.equal(param.detach(), torch.ones(3)), "the parameter did not change"


@pytest.mark.parametrize(
    "hyperparameters",
    [
        {},
        {"centered": True},
        {"momentum": 0.9},
        {"momentum": 0.5, "centered": True, "weight_decay": 0.1},
        {"alpha": 0.9, "eps": 1e-2},
    ],
    ids=["defaults", "centered", "momentum", "centered-momentum-decay", "alpha-eps"],
)
def test_rmsprop_step_follows_torch_rmsprop(hyperparameters):
    compare_with_torch(rmsprop_step, torch.optim.RMSprop, hyperparameters)


def test_rmsprop_state_uses_torchs_names():
    state, theirs = compare_with_torch(
        rmsprop_step, torch.optim.RMSprop, {"momentum": 0.9, "centered": True}
    )
    assert set(state) == {"step", "square_avg", "momentum_buffer", "grad_avg"}, (
        f"the state holds {sorted(state)}"
    )
    for key in ("square_avg", "momentum_buffer", "grad_avg"):
        check_close(state[key], theirs[key], f"state[{key!r}]")


@pytest.mark.parametrize(
    "step, optimizer_class, hyperparameters",
    [
        (adam_step, torch.optim.Adam, {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1}),
        (rmsprop_step, torch.optim.RMSprop, {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ],
    ids=["adam", "rmsprop"],
)
def test_the_step_resumes_from_a_checkpointed_state(step, optimizer_class, hyperparameters):
    """The state may come filled from a checkpoint: here torch's own state after 10 steps."""
    shape = (4, 3)
    grads = gradients(shape)
    theirs = torch.nn.Parameter(torch.linspace(-1, 1, 12, dtype=torch.float64).reshape(shape))
    optimizer = optimizer_class([theirs], **hyperparameters)
    for grad in grads[:10]:
        theirs.grad = grad.clone()
        optimizer.step()
    state = {
        key: int(value) if key == "step" else value.clone()
        for key, value in optimizer.state[theirs].items()
    }
    mine = torch.nn.Parameter(theirs.detach().clone())
    for number, grad in enumerate(grads[10:], start=11):
        step(mine, grad, state, **hyperparameters)
        theirs.grad = grad.clone()
        optimizer.step()
        check_close(
            mine.detach(),
            theirs.detach(),
            f"the parameter after step {number}, resumed from torch's state after step 10",
            hint="continue from the state you are given: it is not empty, so do not start afresh",
        )


@pytest.mark.parametrize("step", [adam_step, rmsprop_step], ids=["adam", "rmsprop"])
def test_the_step_leaves_the_gradient_unchanged(step):
    # the gradient is the caller's (param.grad in a training loop): weight decay goes into a new tensor
    param = torch.ones(3, dtype=torch.float64)
    grad = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    step(param, grad, {}, lr=0.1, weight_decay=0.1)
    check_close(
        grad,
        torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64),
        f"the gradient after {step.__name__}(param, grad, state, weight_decay=0.1)",
        rtol=0,
        atol=0,
        hint="the step may change param and state only: grad = grad + weight_decay * param",
    )
