"""Lesson 4 probes: backpropagation exercises that need more than one call to run.

Each probe is a thin wrapper around a plain function of the same job (``run_graph``,
``mlp_gradients``, ...) that takes the code to run and a ``guard`` (``ctx.student_code`` in
the sandbox).  The grader imports those functions and runs the reference solution and the
catalogue's mistakes through exactly the same steps, so the comparison is like for like.
Nothing here decides a grade: values, gradients and raised errors go back as data.
"""

from __future__ import annotations

import contextlib
import traceback

import torch

from ..loader import PREFIX
from ..probe import ANY, ProbeError, probe

# -- the scalar engine ------------------------------------------------------------------------

# A graph program is a list of steps; step i makes node i.  ("leaf", 2.0) is Value(2.0),
# ("+", i, j) is node_i + node_j, ("+c", i, 3.0) is node_i + 3.0, ("c+", 3.0, i) is 3.0 + node_i,
# ("**", i, 2) is node_i ** 2, ("tanh", i) is node_i.tanh(), and so on.
_BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}
_UNARY = {
    "neg": lambda a: -a,
    "exp": lambda a: a.exp(),
    "tanh": lambda a: a.tanh(),
    "relu": lambda a: a.relu(),
}


def _step(Value, nodes, op, args):
    if op == "leaf":
        return Value(args[0])
    if op in _BINARY:
        return _BINARY[op](nodes[args[0]], nodes[args[1]])
    if op in _UNARY:
        return _UNARY[op](nodes[args[0]])
    if op == "**":
        return nodes[args[0]] ** args[1]
    if op.endswith("c"):  # node <op> constant
        return _BINARY[op[:-1]](nodes[args[0]], args[1])
    return _BINARY[op[1:]](args[0], nodes[args[1]])  # constant <op> node


def run_graph(Value, program, guard=contextlib.nullcontext):
    """Build the program's graph with ``Value``, call backward on its last node; every node's data and grad."""
    with guard():
        nodes = []
        for op, *args in program:
            nodes.append(_step(Value, nodes, op, list(args)))
        nodes[-1].backward()
        data, grads = [], []
        for i, node in enumerate(nodes):
            try:
                data.append(float(node.data))
                grads.append(float(node.grad))
            except (TypeError, ValueError, AttributeError) as exc:
                raise ProbeError(
                    f"node {i} of the graph has data {node.data!r:.60} and grad {getattr(node, 'grad', None)!r:.60}: "
                    f"both must be numbers ({exc})"
                ) from None
    return {
        "data": torch.tensor(data, dtype=torch.float64),
        "grad": torch.tensor(grads, dtype=torch.float64),
    }


@probe(reply={"data": torch.Tensor, "grad": torch.Tensor})
def value_graph(ctx, program):
    """Data and grad of every node of the grader's graph, built with the student's Value."""
    return run_graph(ctx.entry(), program, ctx.student_code)


# -- the manual MLP -----------------------------------------------------------------------------


def _pair(result, name):
    if type(result) not in (tuple, list) or len(result) != 2:
        raise ProbeError(
            f"{name} must return a pair (out, cache); it returned a {type(result).__name__}"
        )
    return result


def mlp_gradients(forward, backward, x, params, dout, guard=contextlib.nullcontext):
    """The output of ``forward`` and the gradients ``backward`` returns for ``dout``."""
    with guard():
        out, cache = _pair(forward(x, dict(params)), "mlp_forward")
        grads = backward(dout, cache)
        if not isinstance(grads, dict):
            raise ProbeError(
                f"mlp_backward must return a dict of gradients; it returned a {type(grads).__name__}"
            )
        grads = {str(key): value for key, value in grads.items()}
    return {"out": out, "grads": grads}


@probe(reply={"out": ANY, "grads": dict})
def mlp_backward_of(ctx, x, params, dout):
    return mlp_gradients(ctx.entry("mlp_forward"), ctx.entry(), x, params, dout, ctx.student_code)


def mlp_training(step, x, y, params, lr, steps, guard=contextlib.nullcontext):
    """Losses of ``steps`` calls of ``step(x, y, params, lr)``; the params dict and original tensors afterwards."""
    params = {name: value.clone() for name, value in params.items()}
    originals = dict(params)
    losses = []
    with guard():
        for _ in range(steps):
            loss = step(x, y, params, lr)
            try:
                losses.append(float(loss))
            except (TypeError, ValueError, RuntimeError):
                raise ProbeError(
                    f"mlp_train_step must return the loss as a number; it returned {type(loss).__name__}"
                ) from None
        after = {str(name): value for name, value in params.items()}
    return {"losses": torch.tensor(losses, dtype=x.dtype), "params": after, "originals": originals}


@probe(reply={"losses": torch.Tensor, "params": dict, "originals": dict})
def mlp_training_of(ctx, x, y, params, lr, steps):
    return mlp_training(ctx.entry(), x, y, params, lr, steps, ctx.student_code)


# -- numerical gradients ----------------------------------------------------------------------


def _columns(x):
    """A fixed (last dim, 3) matrix, the same for every run."""
    n = x.shape[-1]
    return torch.linspace(-1.0, 1.0, 3 * n, dtype=x.dtype, device=x.device).reshape(n, 3)


# Scalar functions of one tensor that the grader asks for by name (functions cannot cross the boundary).
FUNCTIONS = {
    "sum of squares": lambda x: (x**2).sum(),
    "sin(x) * cos(2x)": lambda x: (torch.sin(x) * torch.cos(2 * x)).sum(),
    "log-sum-exp": lambda x: torch.log(torch.exp(x).sum()),
    "product": lambda x: x.prod(),
    "tanh layer": lambda x: torch.tanh(x @ _columns(x)).pow(2).sum(),
    "cube of the first two columns": lambda x: (x[..., :2] ** 3).sum(),  # zero gradient elsewhere
}


def numerical_gradient_at(numerical_gradient, function, x, h=None, guard=contextlib.nullcontext):
    """The numerical gradient of ``FUNCTIONS[function]`` at ``x``, and ``x`` as the call left it."""
    given = x.clone()
    kwargs = {} if h is None else {"h": h}
    with guard():
        grad = numerical_gradient(FUNCTIONS[function], given, **kwargs)
    return {"grad": grad, "x_after": given}


@probe(reply={"grad": ANY, "x_after": torch.Tensor})
def numerical_gradient_of(ctx, function, x, h=None):
    return numerical_gradient_at(ctx.entry(), function, x, h, ctx.student_code)


def gradient_check_at(gradient_check, function, x, analytic, h=None, guard=contextlib.nullcontext):
    """What ``gradient_check`` reports for ``FUNCTIONS[function]`` at ``x``: {"error": float, "index": tuple or int}."""
    kwargs = {} if h is None else {"h": h}
    with guard():
        result = gradient_check(FUNCTIONS[function], x.clone(), analytic.clone(), **kwargs)
        if type(result) not in (tuple, list) or len(result) != 2:
            raise ProbeError(
                f"gradient_check must return (max_relative_error, index); it returned a {type(result).__name__}"
            )
        error, index = result
        try:
            error = float(error)
            index = (
                int(index)
                if isinstance(index, int) or getattr(index, "ndim", None) == 0
                else tuple(int(i) for i in index)
            )
        except (TypeError, ValueError, RuntimeError) as exc:
            raise ProbeError(
                f"gradient_check must return a float and a tuple of ints ({exc})"
            ) from None
    return {"error": error, "index": index}


@probe(reply={"error": float, "index": (int, tuple)})
def gradient_check_of(ctx, function, x, analytic, h=None):
    return gradient_check_at(ctx.entry(), function, x, analytic, h, ctx.student_code)


# -- autograd: custom Functions and the pitfalls -------------------------------------------------


FAILURE = {"type": str, "message": str, "at": str}  # what ``failure`` returns


def failure(exc: BaseException) -> dict:
    """An exception raised by the code under test, as data: type, message, and the student's own line."""
    frames = [
        f"{frame.filename[len(PREFIX) :]}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename.startswith(PREFIX)
    ]
    return {
        "type": type(exc).__name__,
        "message": str(exc)[:1000],
        "at": frames[-1] if frames else "",
    }


class _CountingEngine:
    """Stands in for autograd's engine and counts backward passes (a nested one means autograd inside backward)."""

    def __init__(self, engine):
        self._engine, self.calls = engine, 0

    def run_backward(self, *args, **kwargs):
        self.calls += 1
        return self._engine.run_backward(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._engine, name)


@contextlib.contextmanager
def counting_backward_passes():
    from torch.autograd.variable import Variable

    engine = Variable._execution_engine
    counter = _CountingEngine(engine)
    Variable._execution_engine = counter
    try:
        yield counter
    finally:
        Variable._execution_engine = engine


def differentiate(function, args, wrt, grad_output, guard=contextlib.nullcontext):
    """``function(*args)`` and the gradients of ``(value * grad_output).sum()`` w.r.t. ``args[i]`` for i in ``wrt``.

    Returns {"value", "grads", "raised", "nested_backward"}: an exception from the forward or the
    backward pass is returned as data (``raised``, with ``phase``) rather than raised, so that the
    grader can tell which catalogued mistake raises the same; a stub's NotImplementedError still
    propagates.  ``nested_backward`` counts backward passes started *inside* the backward pass.  With an empty
    ``wrt`` only the forward pass runs.
    """
    args = list(args)
    for i in wrt:
        args[i] = args[i].detach().requires_grad_(True)
    result = {"value": None, "grads": None, "raised": None, "nested_backward": 0}
    try:
        with guard():
            value = function(*args)
    except (NotImplementedError, ProbeError):
        raise
    except Exception as exc:
        result["raised"] = {**failure(exc), "phase": "forward"}
        return result
    if not isinstance(value, torch.Tensor):
        raise ProbeError(f"the result is a {type(value).__name__}, not a tensor")
    result["value"] = value.detach()
    if not wrt:
        return result
    if not value.requires_grad:
        raise ProbeError(
            "the result does not depend on the inputs through autograd (no grad_fn): "
            ".detach(), .item(), numpy or torch.no_grad() cut the graph"
        )
    if value.shape != grad_output.shape:
        return result  # the grader reports the wrong shape of the value
    try:
        with counting_backward_passes() as engine, guard():
            grads = torch.autograd.grad(
                value, [args[i] for i in wrt], grad_output, allow_unused=True
            )
    except (NotImplementedError, ProbeError):
        raise
    except Exception as exc:
        result["raised"] = {**failure(exc), "phase": "backward"}
        return result
    result["grads"] = list(grads)
    result["nested_backward"] = engine.calls - 1
    return result


DIFFERENTIATED = {
    "value": (torch.Tensor, None),
    "grads": (list, None),
    "raised": (FAILURE, None),
    "nested_backward": int,
}


@probe(reply=DIFFERENTIATED, lengths={"grads": "wrt"})
def differentiate_function(ctx, args, wrt=(0,), grad_output=None):
    """``differentiate`` for an entry point that is a function, or a ``torch.autograd.Function`` (through ``apply``)."""
    entry = ctx.entry()
    if isinstance(entry, type):
        if not issubclass(entry, torch.autograd.Function):
            raise ProbeError(
                f"{ctx.entry_name} must be a subclass of torch.autograd.Function, used as {ctx.entry_name}.apply(...)"
            )
        entry = entry.apply
    return differentiate(entry, args, wrt, grad_output, ctx.student_code)


def regression_training(train, x, y, w, lr, steps, guard=contextlib.nullcontext):
    """Run ``train(x, y, w, lr, steps)`` on a fresh leaf ``w``: its losses, ``w`` afterwards, or what it raised.

    ``kept_graph`` says whether any returned loss still holds its autograd graph.
    """
    w = w.detach().clone().requires_grad_(True)
    try:
        with guard():
            losses = train(x, y, w, lr, steps)
    except (NotImplementedError, ProbeError):
        raise
    except Exception as exc:
        return {"raised": failure(exc)}
    with guard():
        if type(losses) not in (list, tuple):
            raise ProbeError(
                f"the function must return a list of losses; it returned a {type(losses).__name__}"
            )
        kept_graph = any(isinstance(loss, torch.Tensor) and loss.requires_grad for loss in losses)
        try:
            values = [float(loss) for loss in losses]
        except (TypeError, ValueError, RuntimeError):
            raise ProbeError(
                "each loss in the returned list must be a number (loss.item())"
            ) from None
    return {
        "losses": torch.tensor(values, dtype=torch.float64),
        "w": w.detach(),
        "kept_graph": kept_graph,
        "raised": None,
    }


REGRESSION_RUN = (
    {"raised": FAILURE},
    {"losses": torch.Tensor, "w": torch.Tensor, "kept_graph": bool, "raised": None},
)


@probe(reply=REGRESSION_RUN)
def regression_training_of(ctx, x, y, w, lr, steps):
    return regression_training(ctx.entry(), x, y, w, lr, steps, ctx.student_code)
