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


class LoaderBatch(torch.Tensor):
    """A batch as a loader gives it, on the CPU, that records how each .to() call was made."""

    moves: list = []  # non_blocking of every .to() call, in order

    def to(self, *args, **kwargs):
        LoaderBatch.moves.append(bool(kwargs.get("non_blocking")) or any(a is True for a in args))
        return super().to(*args, **kwargs).as_subclass(torch.Tensor)


class Recorder:
    """What reached the model and the loss at each batch: moved with .to() or not, graph recorded or not."""

    def __init__(self, model):
        self.inputs, self.targets, self.recording = [], [], []
        model.register_forward_pre_hook(lambda module, args: self.inputs.append(moved(args[0])))

    def loss_fn(self, output, target):
        self.targets.append(moved(target))
        self.recording.append(torch.is_grad_enabled() or output.requires_grad)
        return nn.functional.mse_loss(output, target)


def moved(tensor):
    return not isinstance(tensor, LoaderBatch)


def recording_setup(batch_size):
    """A model, loader and loss that record how each batch travelled and what autograd did."""
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    loader = [
        (
            INPUTS[i : i + batch_size].as_subclass(LoaderBatch),
            TARGETS[i : i + batch_size].as_subclass(LoaderBatch),
        )
        for i in range(0, len(INPUTS), batch_size)
    ]
    LoaderBatch.moves = []
    return model, loader, Recorder(model)


def check_moved(recorder, name):
    for kind, reached in (("inputs", recorder.inputs), ("targets", recorder.targets)):
        assert reached and all(reached), (
            f"{name}: the {kind} of some batches reached the model without a .to() call "
            f"(moved per batch: {reached}): move inputs and targets to the model's device, "
            "next(model.parameters()).device, with .to(device, non_blocking=True)"
        )
    assert LoaderBatch.moves and all(LoaderBatch.moves), (
        f"{name}: .to() was called without non_blocking=True (non_blocking per call: "
        f"{LoaderBatch.moves}): from pinned memory a non-blocking copy overlaps with the GPU's work"
    )


def test_train_epoch_matches_an_sgd_loop_over_several_batches():
    model, loader, loss_fn, optimizer = setup(lr=0.1, batch_size=4)
    torch.manual_seed(0)
    twin = nn.Linear(3, 1)  # the same initial parameters, trained by the four lines
    twin_optimizer = torch.optim.SGD(twin.parameters(), lr=0.1)
    for inputs, targets in loader:
        twin_optimizer.zero_grad()
        loss_fn(twin(inputs), targets).backward()
        twin_optimizer.step()
    training.train_epoch(model, loader, loss_fn, optimizer)
    for name, got, want in (("weight", model.weight, twin.weight), ("bias", model.bias, twin.bias)):
        check_close(
            got.detach(),
            want.detach(),
            f"the {name} after one epoch of 3 batches",
            hint="backward() adds to p.grad: optimizer.zero_grad() before every backward",
        )


def test_train_epoch_returns_a_python_float():
    model, loader, loss_fn, optimizer = setup(lr=0.1, batch_size=4)
    got = training.train_epoch(model, loader, loss_fn, optimizer)
    assert type(got) is float, (
        f"train_epoch returned {type(got).__name__} {got!r}, expected a Python float: accumulate "
        "loss.item(), not the loss tensor, or every batch's autograd graph stays alive"
    )


def test_train_epoch_moves_batches_without_blocking():
    model, loader, recorder = recording_setup(batch_size=4)
    training.train_epoch(
        model, loader, recorder.loss_fn, torch.optim.SGD(model.parameters(), lr=0.1)
    )
    check_moved(recorder, "train_epoch")


def test_evaluate_moves_batches_without_blocking():
    model, loader, recorder = recording_setup(batch_size=4)
    training.evaluate(model, loader, recorder.loss_fn)
    check_moved(recorder, "evaluate")


def test_evaluate_records_no_autograd_graph():
    model, loader, recorder = recording_setup(batch_size=4)
    training.evaluate(model, loader, recorder.loss_fn)
    assert recorder.recording and not any(recorder.recording), (
        f"evaluate computed its losses with gradient recording on (per batch: {recorder.recording}): "
        "wrap the loop in torch.no_grad()"
    )


def sgd_with_torch_optim(X, y, *, lr, batch_size, epochs, seed):
    """The documented algorithm, with autograd and torch.optim.SGD doing the arithmetic."""
    w = torch.zeros(X.shape[1], dtype=X.dtype, requires_grad=True)
    b = torch.zeros((), dtype=X.dtype, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=lr)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for batch in torch.randperm(len(X), generator=generator).split(batch_size):
            optimizer.zero_grad()
            ((X[batch] @ w + b - y[batch]) ** 2).mean().backward()
            optimizer.step()
    return w.detach(), b.detach()


def test_sgd_linear_regression_keeps_the_smaller_last_batch():
    X, y = INPUTS.double(), TARGETS[:, 0].double()
    w, b = training.sgd_linear_regression(X, y, lr=0.1, batch_size=4, epochs=1, seed=2)
    want_w, want_b = sgd_with_torch_optim(X, y, lr=0.1, batch_size=4, epochs=1, seed=2)
    hint = (
        "the order is torch.randperm(N, generator=generator); batches of 4, 4 and 2, each step on "
        "its own batch's mean (divide by that batch's size)"
    )
    check_close(w, want_w, "w after one epoch of 10 examples in batches of 4", hint=hint)
    check_close(b, want_b, "b after one epoch of 10 examples in batches of 4", hint=hint)


def test_sgd_linear_regression_draws_a_new_order_every_epoch():
    X, y = INPUTS.double(), TARGETS[:, 0].double()
    w, b = training.sgd_linear_regression(X, y, lr=0.1, batch_size=5, epochs=3, seed=1)
    want_w, want_b = sgd_with_torch_optim(X, y, lr=0.1, batch_size=5, epochs=3, seed=1)
    hint = "one generator for the whole run, and a new torch.randperm(N, generator=generator) per epoch"
    check_close(w, want_w, "w after 3 epochs in batches of 5", hint=hint)
    check_close(b, want_b, "b after 3 epochs in batches of 5", hint=hint)


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
