"""Visible tests for lesson2/training.py: the training loop, evaluation, and SGD by hand."""

import torch
from checks import check_close
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lesson2 import training

GENERATOR = torch.Generator().manual_seed(0)
INPUTS, TARGETS = torch.randn(10, 3, generator=GENERATOR), torch.randn(10, 1, generator=GENERATOR)


def setup(lr, batch_size):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    loader = DataLoader(TensorDataset(INPUTS, TARGETS), batch_size=batch_size)
    return model, loader, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=lr)


def test_train_epoch_on_one_batch_is_one_gradient_step():
    model, loader, loss_fn, optimizer = setup(lr=0.1, batch_size=10)
    weight = model.weight.detach().clone().requires_grad_(True)
    bias = model.bias.detach().clone().requires_grad_(True)
    loss = loss_fn(INPUTS @ weight.T + bias, TARGETS)
    grad_weight, _ = torch.autograd.grad(loss, (weight, bias))
    model.eval()
    got = training.train_epoch(model, loader, loss_fn, optimizer)
    check_close(
        got, loss.item(), "the mean loss train_epoch returned for one batch", rtol=1e-5, atol=1e-6
    )
    check_close(
        model.weight.detach(),
        weight.detach() - 0.1 * grad_weight,
        "the weight after one epoch of one batch",
    )
    assert model.training, "train_epoch must put the model in training mode (model.train())"


def test_train_epoch_weights_batches_by_their_size():
    model, loader, loss_fn, optimizer = setup(lr=0.0, batch_size=4)  # lr 0: the model never changes
    got = training.train_epoch(model, loader, loss_fn, optimizer)
    with torch.no_grad():
        want = loss_fn(model(INPUTS), TARGETS).item()
    check_close(
        got,
        want,
        "train_epoch with lr=0 over batches of 4, 4 and 2",
        rtol=1e-5,
        atol=1e-6,
        hint="weight each batch's loss by its size",
    )


def test_evaluate_gives_the_mean_loss_and_changes_nothing():
    model, loader, loss_fn, _ = setup(lr=0.1, batch_size=4)
    before = [p.detach().clone() for p in model.parameters()]
    got = training.evaluate(model, loader, loss_fn)
    with torch.no_grad():
        want = loss_fn(model(INPUTS), TARGETS).item()
    check_close(got, want, "evaluate over batches of 4, 4 and 2", rtol=1e-5, atol=1e-6)
    assert not model.training, "evaluate must put the model in evaluation mode (model.eval())"
    assert all(torch.equal(a, p) for a, p in zip(before, model.parameters())), (
        "evaluate changed the parameters"
    )
    assert all(p.grad is None for p in model.parameters()), (
        "evaluate computed gradients: use torch.no_grad()"
    )


def test_sgd_linear_regression_first_full_batch_step():
    X, y = INPUTS.double(), TARGETS[:, 0].double()
    w, b = training.sgd_linear_regression(X, y, lr=0.1, batch_size=10, epochs=1)
    check_close(w, 0.1 * 2 * X.T @ y / 10, "w after one full-batch step from w = 0, b = 0")
    check_close(b, 0.1 * 2 * y.mean(), "b after one full-batch step")


def test_sgd_linear_regression_reaches_least_squares():
    X, y = INPUTS.double(), TARGETS[:, 0].double()
    w, b = training.sgd_linear_regression(X, y, lr=0.1, batch_size=10, epochs=500)
    solution = torch.linalg.lstsq(
        torch.cat([X, torch.ones(10, 1, dtype=X.dtype)], dim=1), y[:, None]
    ).solution[:, 0]
    check_close(
        w, solution[:3], "w after 500 epochs against torch.linalg.lstsq", rtol=1e-6, atol=1e-8
    )
    check_close(
        b, solution[3], "b after 500 epochs against torch.linalg.lstsq", rtol=1e-6, atol=1e-8
    )
