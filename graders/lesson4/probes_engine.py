"""Probes for lesson4/engine.py: the code that runs inside the sandbox, beside the student's."""

from __future__ import annotations

import contextlib

import torch

from graders.worker.probe import ProbeError, probe

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
