"""Lesson 2 probes: gradient descent on our objectives, mini-batches, DataLoaders and training loops.

Student code here receives live objects that cannot cross the sandbox boundary (a loss
function, a model, a loader, an optimizer), so the grader sends a description and the
probe builds them.  The builders (``objective``, ``build_model``, ``training_setup``) and
``describe_loader`` are shared with the hidden graders, which build the same objects for the
reference run: both sides construct them from the same data and the same seed.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.data import DataLoader, TensorDataset

from ..probe import ANY, ProbeError, probe

# -- objectives for gradient descent ----------------------------------------------------------


def objective(spec: dict):
    """The loss function a spec describes; every one is non-negative.

    - ``quadratic``: ``½ (x - center)ᵀ A (x - center)`` for a vector x;
    - ``rosenbrock``: ``(1 - x₀)² + 100 (x₁ - x₀²)²``, curved and badly conditioned;
    - ``least_squares``: ``mean((Z x - T)²)`` for a matrix x of shape (D, K);
    - ``logistic``: ``mean(log(1 + exp(-y · (X x))))`` for labels y of ±1.
    """
    kind = spec["kind"]
    if kind == "quadratic":
        A, center = spec["A"], spec["center"]

        def loss(x):
            d = x - center
            return 0.5 * d @ (A @ d)

    elif kind == "rosenbrock":

        def loss(x):
            return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2

    elif kind == "least_squares":
        Z, T = spec["Z"], spec["T"]

        def loss(x):
            return ((Z @ x - T) ** 2).mean()

    elif kind == "logistic":
        X, y = spec["X"], spec["y"]

        def loss(x):
            return nn.functional.softplus(-y * (X @ x)).mean()

    else:
        raise ProbeError(f"unknown objective {kind!r}")
    return loss


@probe(reply={"result": ANY, "x0_changed": bool})
def descend(ctx, spec, x0, kwargs):
    """The entry point's result on ``objective(spec)`` from ``x0``, and ``x0`` afterwards (it must not change)."""
    function = ctx.entry()
    start = x0.clone()
    with ctx.student_code():
        result = function(objective(spec), start, **kwargs)
    return {"result": result, "x0_changed": not torch.equal(start, x0)}


# -- counting tensor operations -----------------------------------------------------------------


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


# -- models -------------------------------------------------------------------------------------

LAYERS = {
    "Linear": nn.Linear,
    "Conv2d": nn.Conv2d,
    "MaxPool2d": nn.MaxPool2d,
    "Flatten": nn.Flatten,
    "BatchNorm1d": nn.BatchNorm1d,
    "ReLU": nn.ReLU,
    "Tanh": nn.Tanh,
}


def build_model(layers, *, seed: int, dtype=torch.float32, device="cpu") -> nn.Sequential:
    """``nn.Sequential`` from ``[["Linear", 4, 8], ["ReLU"], ...]``, initialised from ``seed`` alone."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        try:
            model = nn.Sequential(*(LAYERS[name](*args) for name, *args in layers))
        except KeyError as exc:
            raise ProbeError(f"unknown layer {exc}") from None
    return model.to(device=device, dtype=dtype)


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


# -- mini-batches and DataLoaders -----------------------------------------------------------------


@probe(reply=[[(tuple, list)]], lengths={None: "epochs"})
def collect_minibatches(ctx, inputs, targets, batch_size, shuffle, seed, drop_last, epochs):
    """The batches of ``epochs`` consecutive calls, sharing one generator seeded with ``seed``."""
    function = ctx.entry()
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    limit = inputs.shape[0] + 2
    collected = []
    for _ in range(epochs):
        kwargs = {"shuffle": shuffle, "drop_last": drop_last}
        if generator is not None:
            kwargs["generator"] = generator
        with ctx.student_code():
            batches = []
            for batch in function(inputs, targets, batch_size, **kwargs):
                batches.append(batch)
                if len(batches) > limit:
                    raise ProbeError(
                        f"{ctx.entry_name} yielded more than {limit} batches for {inputs.shape[0]} examples"
                    )
        for batch in batches:
            if not isinstance(batch, (tuple, list)) or len(batch) != 2:
                raise ProbeError(
                    f"{ctx.entry_name} yielded {type(batch).__name__}s; yield (inputs, targets) pairs"
                )
        collected.append([tuple(batch) for batch in batches])
    return collected


LOADER_DESCRIPTION = {
    "batch_size": (int, None),
    "drop_last": bool,
    "shuffled": bool,
    "num_workers": int,
    "persistent_workers": bool,
    "pin_memory": bool,
    "epochs": [[[int]]],
}


def describe_loader(loader, epochs: int = 2) -> dict:
    """A DataLoader's configuration, and the indices of its batches over ``epochs`` epochs.

    The indices come from its batch sampler, so no worker process starts.  The dataset is
    expected to be ``TensorDataset(torch.arange(N))``.
    """
    if not isinstance(loader, DataLoader):
        raise ProbeError(f"expected a torch.utils.data.DataLoader, got a {type(loader).__name__}")
    sampler = loader.batch_sampler if loader.batch_sampler is not None else loader.sampler
    return {
        "batch_size": loader.batch_size,
        "drop_last": loader.drop_last,
        "shuffled": isinstance(loader.sampler, torch.utils.data.RandomSampler),
        "num_workers": loader.num_workers,
        "persistent_workers": loader.persistent_workers,
        "pin_memory": loader.pin_memory,
        "epochs": [[[int(i) for i in batch] for batch in sampler] for _ in range(epochs)],
    }


@probe(reply=LOADER_DESCRIPTION)
def dataloader_configuration(ctx, size, batch_size, train, device, seed, num_workers):
    """``describe_loader`` of the loader the entry point makes for ``TensorDataset(arange(size))``."""
    function = ctx.entry()
    with ctx.student_code():
        loader = function(
            TensorDataset(torch.arange(size)),
            batch_size,
            train=train,
            device=device,
            seed=seed,
            num_workers=num_workers,
        )
        return describe_loader(loader)


@probe(reply=[[list]], lengths={None: "runs"})
def dataloader_batches(ctx, size, batch_size, seed, runs):
    """For each ``(num_workers, epochs)`` in ``runs``, a fresh training loader made with ``seed``: its batches
    over ``epochs`` epochs, loaded by its worker processes."""
    function = ctx.entry()
    results = []
    for num_workers, epochs in runs:
        with ctx.student_code():
            loader = function(
                TensorDataset(torch.arange(size)),
                batch_size,
                train=True,
                device="cpu",
                seed=seed,
                num_workers=num_workers,
            )
            if not isinstance(loader, DataLoader):
                raise ProbeError(
                    f"{ctx.entry_name} returned a {type(loader).__name__}, not a DataLoader"
                )
            results.append([[batch[0] for batch in loader] for _ in range(epochs)])
        del loader  # stops its workers
    return results


# -- training loops --------------------------------------------------------------------------------

LOSSES = {"mse": nn.MSELoss, "cross_entropy": nn.CrossEntropyLoss}


def training_setup(layers, inputs, targets, *, loss, batch_size, lr, momentum, seed, dtype, device):
    """The model (on ``device``), CPU loader, loss and SGD optimizer a training exercise gets."""
    model = build_model(layers, seed=seed, dtype=dtype, device=device)
    loader = DataLoader(TensorDataset(inputs.cpu(), targets.cpu()), batch_size=batch_size)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    return model, loader, LOSSES[loss](), optimizer


class Placement(TorchFunctionMode):
    """Remembers every tensor that ``.to(...)`` or ``.cuda(...)`` returns: the device asked for, and non_blocking."""

    def __init__(self):
        super().__init__()
        self.moved: dict[int, tuple[torch.Tensor, str | None, bool]] = {}

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        if func in (torch.Tensor.to, torch.Tensor.cuda) and isinstance(result, torch.Tensor):
            non_blocking = bool(kwargs.get("non_blocking", False)) or any(
                a is True for a in args[1:]
            )
            self.moved[id(result)] = (result, _requested_device(func, args, kwargs), non_blocking)
        return result

    def of(self, tensor) -> dict:
        """How ``tensor`` was produced: {"moved": bool, "device": asked for, "non_blocking": bool}."""
        entry = self.moved.get(id(tensor))
        if entry is None or entry[0] is not tensor:
            return {"moved": False, "device": None, "non_blocking": False}
        return {"moved": True, "device": entry[1], "non_blocking": entry[2]}


def _requested_device(func, args, kwargs) -> str | None:
    if func is torch.Tensor.cuda:
        return "cuda"
    for value in [kwargs.get("device"), *args[1:], kwargs.get("other")]:
        if isinstance(value, torch.Tensor):
            return value.device.type
        if isinstance(value, (str, torch.device)):
            try:
                return torch.device(value).type
            except (RuntimeError, TypeError):
                continue
        if isinstance(value, int) and not isinstance(value, bool):
            return "cuda"
    return None


class RecordedLoss(nn.Module):
    """The exercise's loss, noting how each target reached it."""

    def __init__(self, loss: nn.Module, placement: Placement, log: list):
        super().__init__()
        self.loss, self.placement, self.log = loss, placement, log

    def forward(self, output, target):
        self.log.append(self.placement.of(target))
        return self.loss(output, target)


def _run_training_exercise(ctx, setup: dict, mode: str):
    """Call ``train_epoch`` or ``evaluate`` on a fresh setup, recording each batch's journey."""
    model, loader, loss_fn, optimizer = training_setup(**setup, device=ctx.device)
    model.train(
        mode != "train"
    )  # the opposite of what the exercise needs: it must set the mode itself
    placement, forward_log, target_log, steps = Placement(), [], [], []

    def before_forward(module, args):
        x = args[0] if args else None
        record = placement.of(x)
        record.update(
            training=module.training,
            grad_enabled=torch.is_grad_enabled(),
            size=len(x) if x is not None else 0,
        )
        forward_log.append(record)

    hooks = [
        model.register_forward_pre_hook(before_forward),
        optimizer.register_step_post_hook(lambda *_: steps.append(1)),
    ]
    recorded_loss = RecordedLoss(loss_fn, placement, target_log)
    function = ctx.entry()
    try:
        with placement, ctx.student_code():
            if mode == "train":
                value = function(model, loader, recorded_loss, optimizer)
            else:
                value = function(model, loader, recorded_loss)
    finally:
        for hook in hooks:
            hook.remove()
    return {
        "value": value,
        "state": {name: tensor.detach().clone() for name, tensor in model.state_dict().items()},
        "forward": forward_log,
        "targets": target_log,
        "steps": len(steps),
        "batches": len(loader),
    }


PLACED = {"moved": bool, "device": (str, None), "non_blocking": bool}  # Placement.of
TRAINING_RUN = {
    "value": ANY,
    "state": dict,
    "forward": [{**PLACED, "training": bool, "grad_enabled": bool, "size": int}],
    "targets": [PLACED],
    "steps": int,
    "batches": int,
}


@probe(reply=TRAINING_RUN)
def train_one_epoch(ctx, setup):
    """``train_epoch(model, loader, loss_fn, optimizer)`` on the setup, starting from eval mode."""
    return _run_training_exercise(ctx, setup, "train")


@probe(reply=TRAINING_RUN)
def evaluate_once(ctx, setup):
    """``evaluate(model, loader, loss_fn)`` on the setup, starting from training mode."""
    return _run_training_exercise(ctx, setup, "evaluate")
