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


def test_step_without_a_closure_returns_none():
    model = small_network()
    optimizer = ManualOptimizer(model.parameters(), adam_step, lr=0.1)
    model(torch.ones(2, 3, dtype=torch.float64)).sum().backward()
    assert optimizer.step() is None, "step() without a closure returns None"


def test_hyperparameters_given_nowhere_take_the_updates_defaults():
    mine, _ = train(lambda model: ManualOptimizer(model.parameters(), adam_step), steps=5)
    theirs, _ = train(lambda model: torch.optim.Adam(model.parameters()), steps=5)
    check_same_training(mine, theirs)


def test_update_gets_self_state_and_the_groups_hyperparameters_under_no_grad():
    calls = []

    def recording_update(param, grad, state, **hyperparameters):
        calls.append((param, grad, state, hyperparameters, torch.is_grad_enabled()))
        adam_step(param, grad, state, **hyperparameters)

    model = small_network()
    groups = [{"params": model[0].parameters(), "lr": 0.1}, {"params": model[2].parameters()}]
    optimizer = ManualOptimizer(groups, recording_update, lr=0.01, betas=(0.8, 0.9))
    model(torch.ones(2, 3, dtype=torch.float64)).sum().backward()
    optimizer.step()
    assert len(calls) == 4, f"update was called {len(calls)} times for 4 parameters"
    for index, (param, grad, state, hyperparameters, grad_enabled) in enumerate(calls):
        assert grad is param.grad, f"call {index}: pass p.grad itself"
        assert state is optimizer.state[param], (
            f"call {index}: pass self.state[p], not a dict of your own"
        )
        want = {"lr": 0.1 if index < 2 else 0.01, "betas": (0.8, 0.9)}
        assert {k: v for k, v in hyperparameters.items() if k in want} == want, (
            f"call {index}: hyperparameters {hyperparameters}, expected {want} among them"
        )
        assert "params" not in hyperparameters, f"call {index}: 'params' passed to update"
        assert not grad_enabled, f"call {index}: update ran with autograd enabled"


def test_a_checkpoint_resumes_training_exactly():
    x = torch.linspace(-1, 1, 24, dtype=torch.float64).reshape(8, 3)
    y = torch.stack([x.sum(dim=1), x[:, 0] * x[:, 1]], dim=1)
    mine, theirs = small_network(), small_network()
    optimizer = ManualOptimizer(mine.parameters(), adam_step, lr=0.05)
    reference = torch.optim.Adam(theirs.parameters(), lr=0.05)
    for step in range(1, 11):
        if step == 6:  # save, and resume in a new optimizer, as after a restart
            saved = optimizer.state_dict()
            optimizer = ManualOptimizer(mine.parameters(), adam_step, lr=0.05)
            optimizer.load_state_dict(saved)
        for model, opt in ((mine, optimizer), (theirs, reference)):
            opt.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            opt.step()
        for index, (g, w) in enumerate(zip(mine.parameters(), theirs.parameters())):
            check_close(
                g.detach(),
                w.detach(),
                f"parameter {index} after step {step} (resumed from a checkpoint before step 6)",
                hint="keep the state in self.state[p], which state_dict() saves",
            )
