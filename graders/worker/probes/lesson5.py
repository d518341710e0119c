"""Lesson 5 probes: optimizer trajectories, training a small network, objectives, searches.

The helpers below the probes run on both sides of the boundary: each probe runs one on the
student's code inside ``ctx.student_code()``, and the hidden graders run the very same
helper on the reference, on torch.optim and on catalogue mistakes, so both sides do the
same computation and only the code under test differs.  Specifications arrive as plain
data (tensors, numbers, names); nothing here decides a score.
"""

from __future__ import annotations

import contextlib
import math

import torch
import torch._dynamo  # noqa: F401  torch.optim imports it on first use (~2.5 s): paid once here, in the warm worker, not by every child
import torch.nn.functional as F
from torch import nn
from torch.optim import adam as torch_adam_module
from torch.optim import rmsprop as torch_rmsprop_module

from ..probe import ANY, ProbeError, probe

NO_GUARD = contextlib.nullcontext


# -- probes -----------------------------------------------------------------------------------


@probe(
    reply={
        "trajectory": torch.Tensor,
        "state": dict,
        "same_storage": bool,
        "has_grad_fn": bool,
        "returned": (str, None),
    }
)
def optimizer_step_trajectory(ctx, start, grads, hyperparameters, state=None):
    """Run the step function once per gradient; see ``run_steps``."""
    return run_steps(ctx.entry(), start, grads, hyperparameters, state, ctx.student_code)


@probe(reply={"trajectory": torch.Tensor, "losses": list, "calls": [dict], "is_optimizer": bool})
def train_with_optimizer_class(ctx, spec):
    """Train the grader's network with the student's optimizer class; see ``train``."""
    cls = ctx.entry()
    return train(
        lambda groups, update, defaults: cls(groups, update, **defaults), spec, ctx.student_code
    )


@probe
def call_on_objective(ctx, objective, args=(), kwargs=None):
    """The entry point called as ``entry(f, *args, **kwargs)``, with ``f`` built from ``objective``."""
    function = ctx.entry()
    f = build_objective(objective)
    with ctx.student_code():
        return function(f, *args, **(kwargs or {}))


@probe(reply={"points": torch.Tensor, "matrices": torch.Tensor})
def bfgs_on_quadratic_run(ctx, A, b, x0, steps):
    """Minimise a quadratic with BFGS using the student's update; see ``bfgs_on_quadratic``."""
    return bfgs_on_quadratic(ctx.entry(), A, b, x0, steps, ctx.student_code)


@probe(reply={"result": ANY, "calls": [dict]})
def hyperparameter_search(ctx, objective, args=(), kwargs=None):
    """The search's result and every configuration it evaluated; see ``run_search``."""
    return run_search(ctx.entry(), objective, args, kwargs, ctx.student_code)


@probe
def statistics_after_backward(ctx, spec):
    """The entry point called on the grader's network right after a backward pass."""
    function = ctx.entry()
    net = backward_pass(spec)
    with ctx.student_code():
        return function(net)


@probe(reply={"losses": ANY, "after": [torch.Tensor]})
def loss_along_direction(ctx, spec, direction, alphas):
    """The entry point's losses along ``direction``, and the network's parameters afterwards."""
    function = ctx.entry()
    net = build_network(spec["net"])
    with ctx.student_code():
        losses = function(net, F.mse_loss, spec["x"], spec["y"], list(direction), list(alphas))
    return {"losses": losses, "after": [p.detach().clone() for p in net.parameters()]}


# -- one tensor, many steps -------------------------------------------------------------------


def run_steps(step, start, grads, hyperparameters, state=None, student_code=NO_GUARD) -> dict:
    """Call ``step(param, grad, state, **hyperparameters)`` once per gradient on a fresh ``nn.Parameter``.

    Returns the parameter after every step (stacked), the state dict after the last step,
    whether the parameter kept its storage, and whether it gained autograd history.
    ``state``, when given, is copied into the dict the first step receives (a resumed run).
    """
    param = nn.Parameter(start.clone())
    storage = param.data_ptr()
    state = (
        {}
        if state is None
        else {k: (v.clone() if isinstance(v, torch.Tensor) else v) for k, v in state.items()}
    )
    trajectory, returned = [], None
    for grad in grads:
        with student_code():
            value = step(param, grad.clone(), state, **hyperparameters)
        if value is not None and returned is None:
            returned = type(value).__name__
        trajectory.append(param.detach().clone())
    return {
        "trajectory": torch.stack(trajectory),
        "state": dict(state),
        "same_storage": param.data_ptr() == storage,
        "has_grad_fn": param.grad_fn is not None,
        "returned": returned,
    }


# -- objectives ---------------------------------------------------------------------------------


def build_objective(spec: dict):
    """A function of a 1-D tensor, from its description.

    - ``polynomial``: ``x.A.x / 2 - b.x + sum(cubic * x^3) + sum(quartic * x^4)`` (missing terms are 0)
    - ``rosenbrock``: ``sum(100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2)``
    - ``logistic``:   mean binary cross-entropy of ``sigmoid(X @ w)`` against ``y``, plus ``l2 * w.w / 2``
    """
    kind = spec["kind"]
    if kind == "polynomial":
        A, b, cubic, quartic = spec["A"], spec.get("b"), spec.get("cubic"), spec.get("quartic")

        def polynomial(x):
            value = 0.5 * x @ A @ x
            if b is not None:
                value = value - b @ x
            if cubic is not None:
                value = value + (cubic * x**3).sum()
            if quartic is not None:
                value = value + (quartic * x**4).sum()
            return value

        return polynomial
    if kind == "rosenbrock":
        return lambda x: (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
    if kind == "logistic":
        X, y, l2 = spec["X"], spec["y"], spec.get("l2", 0.0)
        return lambda w: F.binary_cross_entropy_with_logits(X @ w, y) + 0.5 * l2 * (w @ w)
    raise ValueError(f"unknown objective {kind!r}")


def bfgs_on_quadratic(update, A, b, x0, steps, student_code=NO_GUARD) -> dict:
    """BFGS with exact line searches on ``x.A.x / 2 - b.x``, starting from H = I.

    With exact line searches BFGS reaches the minimum ``A^-1 b`` in n steps, and then
    ``H = A^-1``.  Returns the points visited and every matrix ``update`` returned.
    """
    x = x0.clone()
    H = torch.eye(len(x0), dtype=x0.dtype, device=x0.device)
    points, matrices = [], []
    for _ in range(steps):
        g = A @ x - b
        direction = -(H @ g)
        curvature = direction @ A @ direction
        if not bool(curvature > 0):
            break  # H is no longer positive definite: the search cannot go on
        s = -(g @ direction) / curvature * direction
        x = x + s
        with student_code():
            H = update(H, s, A @ s)
        if not isinstance(H, torch.Tensor) or H.shape != (len(x0), len(x0)):
            raise ProbeError(
                f"the update returned {type(H).__name__} {getattr(H, 'shape', '')}, not an (n, n) tensor"
            )
        H = H.detach()
        points.append(x)
        matrices.append(H)
    if not points:
        raise ProbeError("BFGS could not take a single step")
    return {"points": torch.stack(points), "matrices": torch.stack(matrices)}


def run_search(search, objective, args=(), kwargs=None, student_code=NO_GUARD) -> dict:
    """``search(recorder, *args, **kwargs)`` with a recording objective: its result, and the configurations
    asked, in order."""
    recorder = SearchObjective(objective)
    with student_code():
        result = search(recorder, *args, **(kwargs or {}))
    return {"result": result, "calls": recorder.calls}


class SearchObjective:
    """A hyperparameter objective that records every configuration it is asked about.

    The loss is a weighted sum of squared distances to a target per numeric hyperparameter
    (on a log10 scale for those listed in ``log``), plus a cost per categorical value; a
    ``constant`` spec makes every configuration equally good.
    """

    def __init__(self, spec: dict):
        self.spec, self.calls = spec, []

    def __call__(self, params):
        if not isinstance(params, dict):
            raise ProbeError(
                f"the objective takes a dict of hyperparameters, not a {type(params).__name__}"
            )
        params = {
            name: (
                value.item() if isinstance(value, torch.Tensor) and value.numel() == 1 else value
            )
            for name, value in params.items()
        }
        self.calls.append(params)
        return search_loss(self.spec, params)


def search_loss(spec: dict, params: dict) -> float:
    if "constant" in spec:
        return float(spec["constant"])
    loss = 0.0
    for name, value in params.items():
        if name in spec.get("costs", {}):
            loss += spec["costs"][name][value]
        elif name in spec.get("targets", {}):
            x = math.log10(value) if name in spec.get("log", ()) else float(value)
            loss += spec.get("weights", {}).get(name, 1.0) * (x - spec["targets"][name]) ** 2
    return loss


# -- the small network -----------------------------------------------------------------------


class SmallNetwork(nn.Module):
    """``out(act(hidden(x)))``, plus an ``extra`` head added in only while ``use_extra`` is set."""

    def __init__(self, d: int, h: int, c: int, activation: str):
        super().__init__()
        self.hidden, self.out, self.extra = nn.Linear(d, h), nn.Linear(h, c), nn.Linear(h, c)
        self.activation = {"tanh": torch.tanh, "relu": torch.relu}[activation]
        self.use_extra = True

    def forward(self, x):
        h = self.activation(self.hidden(x))
        return self.out(h) + self.extra(h) if self.use_extra else self.out(h)


def build_network(spec: dict) -> SmallNetwork:
    """The network ``spec["state"]`` describes (its state dict), with ``spec["activation"]``."""
    state = spec["state"]
    d, h, c = (
        state["hidden.weight"].shape[1],
        state["hidden.weight"].shape[0],
        state["out.weight"].shape[0],
    )
    net = SmallNetwork(d, h, c, spec["activation"])
    weight = state["hidden.weight"]
    net.to(device=weight.device, dtype=weight.dtype)
    net.load_state_dict(state)
    return net


def backward_pass(spec: dict) -> SmallNetwork:
    """The network after one backward pass of the MSE on (x, y), the extra head left out (no gradients)."""
    net = build_network(spec["net"])
    net.use_extra = False
    F.mse_loss(net(spec["x"]), spec["y"]).backward()
    return net


def train(make_optimizer, spec: dict, student_code=NO_GUARD) -> dict:
    """Train the network of ``spec`` for ``spec["steps"]`` steps and record everything.

    ``make_optimizer(groups, update, defaults)`` builds the optimizer; ``update`` is torch's
    own Adam or RMSprop step for one tensor (``spec["update"]``), recording how it is called.
    The extra head joins the loss only every ``spec["extra_every"]`` steps, so on the other
    steps its parameters have no gradient.  With ``spec["closure"]`` the step gets a closure;
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
    trajectory, losses = [], []
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
                optimizer.step()
        losses.append(loss.detach().clone() if isinstance(loss, torch.Tensor) else loss)
        trajectory.append(torch.cat([p.detach().reshape(-1) for p in net.parameters()]))
    return {
        "trajectory": torch.stack(trajectory),
        "losses": losses,
        "calls": log.calls,
        "is_optimizer": isinstance(optimizer, torch.optim.Optimizer),
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
