"""Visible tests for lesson5/manual_optimizer.py: train a small network exactly as torch.optim does."""

import pytest
import torch
from checks import check_close
from torch import nn

from lesson5.manual_optimizer import ManualOptimizer
from lesson5.optimizers import adam_step, rmsprop_step


def small_network():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)).double()


def train(make_optimizer, steps=15, closure=False):
    """Train a fresh copy of the network; return its parameters after every step and the losses."""
    model = small_network()
    optimizer = make_optimizer(model)
    x = torch.linspace(-1, 1, 24, dtype=torch.float64).reshape(8, 3)
    y = torch.stack([x.sum(dim=1), x[:, 0] * x[:, 1]], dim=1)

    def compute_loss():
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        return loss

    history, losses = [], []
    for _ in range(steps):
        if closure:
            losses.append(optimizer.step(compute_loss))
        else:
            compute_loss()
            optimizer.step()
        history.append([p.detach().clone() for p in model.parameters()])
    return history, losses


def check_same_training(mine, theirs):
    for step, (got, want) in enumerate(zip(mine, theirs), start=1):
        for index, (g, w) in enumerate(zip(got, want)):
            check_close(g, w, f"parameter {index} after step {step}")


@pytest.mark.parametrize(
    "update, torch_optimizer, hyperparameters",
    [
        (adam_step, torch.optim.Adam, {"lr": 0.05, "weight_decay": 0.01}),
        (rmsprop_step, torch.optim.RMSprop, {"lr": 0.01, "momentum": 0.9}),
    ],
    ids=["adam", "rmsprop"],
)
def test_trains_like_torch(update, torch_optimizer, hyperparameters):
    mine, _ = train(lambda model: ManualOptimizer(model.parameters(), update, **hyperparameters))
    theirs, _ = train(lambda model: torch_optimizer(model.parameters(), **hyperparameters))
    check_same_training(mine, theirs)


def test_each_parameter_group_uses_its_own_hyperparameters():
    def groups(model):
        return [{"params": model[0].parameters(), "lr": 0.1}, {"params": model[2].parameters()}]

    mine, _ = train(lambda model: ManualOptimizer(groups(model), adam_step, lr=0.01))
    theirs, _ = train(lambda model: torch.optim.Adam(groups(model), lr=0.01))
    check_same_training(mine, theirs)


def test_step_with_a_closure_returns_its_loss():
    mine, my_losses = train(
        lambda model: ManualOptimizer(model.parameters(), adam_step, lr=0.05), closure=True
    )
    theirs, their_losses = train(
        lambda model: torch.optim.Adam(model.parameters(), lr=0.05), closure=True
    )
    assert all(isinstance(loss, torch.Tensor) for loss in my_losses), (
        "step(closure) must return the closure's loss"
    )
    check_close(
        torch.stack(my_losses), torch.stack(their_losses), "the losses step(closure) returned"
    )
    check_same_training(mine, theirs)


def test_parameters_without_gradient_are_skipped():
    model = small_network()
    optimizer = ManualOptimizer(model.parameters(), adam_step, lr=0.1, weight_decay=0.5)
    before = [p.detach().clone() for p in model.parameters()]
    optimizer.step()  # no backward yet: no parameter has a gradient
    for index, (p, b) in enumerate(zip(model.parameters(), before)):
        check_close(p.detach(), b, f"parameter {index} after a step without gradients")
    assert len(optimizer.state) == 0, "a parameter without gradient got state"
