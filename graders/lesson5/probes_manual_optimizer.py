"""Probes for lesson5/manual_optimizer.py: the code that runs inside the sandbox, beside the student's."""

from __future__ import annotations

import torch
import torch._dynamo  # noqa: F401  warm-up: building the first torch.optim optimizer imports it, for seconds
import torch.nn.functional as F
from torch.optim import adam as torch_adam_module
from torch.optim import rmsprop as torch_rmsprop_module

from graders.lesson5.probes_common import (
    NO_GUARD,
    build_network,
)
from graders.worker.probe import probe


@probe(
    reply={
        "trajectory": torch.Tensor,
        "losses": list,
        "calls": [dict],
        "is_optimizer": bool,
        "returned": [(str, None)],
    }
)
def train_with_optimizer_class(ctx, spec):
    """Train the grader's network with the student's optimizer class; see ``train``."""
    cls = ctx.entry()
    return train(
        lambda groups, update, defaults: cls(groups, update, **defaults), spec, ctx.student_code
    )


def train(make_optimizer, spec: dict, student_code=NO_GUARD) -> dict:
    """Train the network of ``spec`` for ``spec["steps"]`` steps and record everything.

    ``make_optimizer(groups, update, defaults)`` builds the optimizer; ``update`` is torch's
    own Adam or RMSprop step for one tensor (``spec["update"]``), recording how it is called.
    The extra head joins the loss only every ``spec["extra_every"]`` steps, so on the other
    steps its parameters have no gradient.  With ``spec["closure"]`` the step gets a closure
    (otherwise ``returned`` holds the type name of what each ``step()`` returned, None for None);
    at step ``spec["resume_at"]`` the optimizer is saved with ``state_dict()`` and a new one
    resumes from it.
    """
    net = build_network(spec["net"])
    named = dict(net.named_parameters())
    log = UpdateLog({id(p): name for name, p in named.items()})
    update = {"adam": torch_adam, "rmsprop": torch_rmsprop}[spec["update"]](log)

    def groups():
        return [
            {
                "params": [named[n] for n in g["names"]],
                **{k: v for k, v in g.items() if k != "names"},
            }
            for g in spec["groups"]
        ]

    with student_code():
        optimizer = make_optimizer(groups(), update, dict(spec["defaults"]))
    trajectory, losses, returned = [], [], []
    for step in range(spec["steps"]):
        log.step = step + 1
        if step == spec.get("resume_at"):
            with student_code():
                saved = optimizer.state_dict()
                optimizer = make_optimizer(groups(), update, dict(spec["defaults"]))
                optimizer.load_state_dict(saved)
        net.use_extra = step % spec["extra_every"] == 0

        def closure():
            for p in net.parameters():
                p.grad = None
            loss = F.mse_loss(net(spec["x"]), spec["y"])
            loss.backward()
            return loss

        if spec.get("closure"):
            with student_code():
                loss = optimizer.step(closure)
        else:
            loss = closure()
            with student_code():
                value = optimizer.step()
            returned.append(None if value is None else type(value).__name__)
        losses.append(loss.detach().clone() if isinstance(loss, torch.Tensor) else loss)
        trajectory.append(torch.cat([p.detach().reshape(-1) for p in net.parameters()]))
    return {
        "trajectory": torch.stack(trajectory),
        "losses": losses,
        "calls": log.calls,
        "is_optimizer": isinstance(optimizer, torch.optim.Optimizer),
        "returned": returned,
    }


class UpdateLog:
    """What each call of the update received: step (from 1), parameter, hyperparameters, state dict, autograd mode.

    ``state`` numbers the distinct state dicts in the order they were first passed in.
    """

    def __init__(self, names: dict[int, str]):
        self.names, self.step, self.calls = names, 0, []
        self._states: list[dict] = []  # kept alive, so ids are never reused

    def record(self, param, grad, state, hyperparameters: dict) -> None:
        if not any(state is known for known in self._states):
            self._states.append(state)
        self.calls.append(
            {
                "step": self.step,
                "param": self.names.get(id(param), "an unknown tensor"),
                "hyperparameters": hyperparameters,
                "state": next(i for i, known in enumerate(self._states) if known is state),
                "grad_is_param_grad": grad is param.grad,
                "grad_enabled": torch.is_grad_enabled(),
            }
        )


def torch_adam(log: UpdateLog):
    """torch's own Adam step for one tensor, in ``adam_step``'s signature, recording each call."""

    def update(param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        log.record(
            param,
            grad,
            state,
            {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay},
        )
        with torch.no_grad():
            if not state:
                state.update(
                    step=torch.tensor(0.0),
                    exp_avg=torch.zeros_like(param),
                    exp_avg_sq=torch.zeros_like(param),
                )
            torch_adam_module.adam(  # looked up at each call, where a forbidden-call watch sees it
                [param],
                [grad],
                [state["exp_avg"]],
                [state["exp_avg_sq"]],
                [],
                [state["step"]],
                foreach=False,
                amsgrad=False,
                beta1=betas[0],
                beta2=betas[1],
                lr=lr,
                weight_decay=weight_decay,
                eps=eps,
                maximize=False,
            )

    return update


def torch_rmsprop(log: UpdateLog):
    """torch's own RMSprop step for one tensor, in ``rmsprop_step``'s signature, recording each call."""

    def update(
        param,
        grad,
        state,
        *,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0.0,
        momentum=0.0,
        centered=False,
    ):
        hyperparameters = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
        }
        log.record(param, grad, state, hyperparameters)
        with torch.no_grad():
            if not state:
                state.update(step=torch.tensor(0.0), square_avg=torch.zeros_like(param))
                state.update(
                    momentum_buffer=torch.zeros_like(param), grad_avg=torch.zeros_like(param)
                )
            torch_rmsprop_module.rmsprop(
                [param],
                [grad],
                [state["square_avg"]],
                [state["grad_avg"]],
                [state["momentum_buffer"]],
                [state["step"]],
                foreach=False,
                **hyperparameters,
            )

    return update
