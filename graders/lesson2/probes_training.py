"""Probes for lesson2/training.py: the code that runs inside the sandbox, beside the student's."""

from __future__ import annotations

import torch
import torch._dynamo  # noqa: F401  warm-up: building the first torch.optim optimizer imports it, for seconds
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils.data import DataLoader, TensorDataset

from graders.lesson2.probes_common import build_model
from graders.worker.probe import ANY, probe

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
