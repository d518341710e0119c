"""Hidden graders for lesson4/engine.py: the student's Value replays graphs the grader describes.

Each case is an expression written here on ``Node`` objects, which record it as a graph
program (graders/lesson4/probes_*.py).  The sandbox replays the program with the
student's ``Value`` and calls ``backward()`` on the last node; this process replays it with the
reference and with each catalogued mistake, run as a mutant would run it (see
mistakes_engine.py).  Every node's ``data`` and ``grad`` are compared.
"""

import functools
import math
from pathlib import Path

import pytest

from graders.api import load_reference
from graders.lesson4.probes_engine import run_graph

from .mistakes_engine import catalogue

ref = load_reference("lesson4.engine")
SHOWN_NODES = 12
LABEL_LENGTH = 40


class Node:
    """A node of a recorded expression: arithmetic on it appends a step to the shared program."""

    def __init__(self, program, labels, label, step):
        self.program, self.labels, self.index = program, labels, len(program)
        self.label = label if len(label) <= LABEL_LENGTH else f"node{self.index}"
        program.append(step)
        labels.append(f"node{self.index} = {label}" if len(label) > LABEL_LENGTH else label)

    def _make(self, label, step):
        return Node(self.program, self.labels, label, step)

    def _binary(self, op, other, reflected=False):
        if isinstance(other, Node):
            return self._make(f"({self.label} {op} {other.label})", (op, self.index, other.index))
        if reflected:
            return self._make(f"({other:g} {op} {self.label})", ("c" + op, other, self.index))
        return self._make(f"({self.label} {op} {other:g})", (op + "c", self.index, other))

    def __add__(self, other):
        return self._binary("+", other)

    def __radd__(self, other):
        return self._binary("+", other, reflected=True)

    def __sub__(self, other):
        return self._binary("-", other)

    def __rsub__(self, other):
        return self._binary("-", other, reflected=True)

    def __mul__(self, other):
        return self._binary("*", other)

    def __rmul__(self, other):
        return self._binary("*", other, reflected=True)

    def __truediv__(self, other):
        return self._binary("/", other)

    def __rtruediv__(self, other):
        return self._binary("/", other, reflected=True)

    def __neg__(self):
        return self._make(f"-{self.label}", ("neg", self.index))

    def __pow__(self, exponent):
        return self._make(f"{self.label}**{exponent:g}", ("**", self.index, exponent))

    def exp(self):
        return self._make(f"exp({self.label})", ("exp", self.index))

    def tanh(self):
        return self._make(f"tanh({self.label})", ("tanh", self.index))

    def relu(self):
        return self._make(f"relu({self.label})", ("relu", self.index))


def record(expression, leaves):
    """The program and node labels of ``expression(*leaf nodes)``; ``leaves`` maps names to values."""
    program, labels = [], []
    nodes = [Node(program, labels, name, ("leaf", float(value))) for name, value in leaves.items()]
    expression(*nodes)
    return program, labels


@functools.cache
def as_submitted(mistake_class):
    """The ``Value`` of a mutant with this mistake: the reference module, the mistake appended, ``Value`` rebound."""
    source = Path(ref.__file__).read_text() + "\n" + catalogue.find(mistake_class).source()
    namespace = {"__name__": f"mutant_{mistake_class.__name__}"}
    exec(compile(source, f"<{mistake_class.__name__}>", "exec"), namespace)
    return namespace["Value"]


def check_graph(student, expect, expression, leaves, text):
    program, labels = record(expression, leaves)
    got = student.probe("value_graph", program=program)
    want = run_graph(ref.Value, program)
    shown = (
        labels if len(labels) <= SHOWN_NODES else labels[: SHOWN_NODES - 2] + ["...", labels[-1]]
    )
    given = ", ".join(f"{name}={value:g}" for name, value in leaves.items())
    where = f"`{text}` with {given} (nodes in creation order: {'; '.join(shown)})"
    for part in ("data", "grad"):
        expect.close(
            got[part],
            want[part],
            what=f"the .{part} of every node after out.backward() for out = {where}",
            mistakes=catalogue.of("Value"),
            recompute=lambda wrong, part=part: run_graph(as_submitted(wrong), program)[part],
        )


# Each operation's value and local derivative: every leaf is used once, by one operation, so
# its gradient is 1.5 times that operation's local derivative.
OPERATIONS = [
    (
        "add-sub",
        lambda a, b, c, d, e, f, g: ((a + b) + (c + 2.5) + (2.5 + d) + (e - f) + (3.0 - g)) * 1.5,
        {"a": 1.5, "b": -2.0, "c": -0.5, "d": 0.75, "e": 0.3, "f": 1.7, "g": -0.2},
        "1.5 * ((a + b) + (c + 2.5) + (2.5 + d) + (e - f) + (3 - g))",
    ),
    (
        "mul-div",
        lambda a, b, c, d, e, f, g, h: (
            ((a * b) + (c * -3.0) + (4.0 * d) + (e / f) + (3.0 / g) + (-h)) * 1.5
        ),
        {"a": 1.5, "b": -2.0, "c": 0.6, "d": -1.1, "e": 2.0, "f": -0.8, "g": 1.6, "h": 0.9},
        "1.5 * (a*b + c*(-3) + 4*d + e/f + 3/g + (-h))",
    ),
    (
        "pow",
        lambda a, b, c: (a**3 + b**-2 + c**0.5) * 1.5,
        {"a": 1.5, "b": -0.7, "c": 2.3},
        "1.5 * (a**3 + b**-2 + c**0.5)",
    ),
    (
        "exp-tanh",
        lambda a, b: (a.exp() + b.tanh()) * 1.5,
        {"a": 0.4, "b": 0.6},
        "1.5 * (exp(a) + tanh(b))",
    ),
    (
        "relu",
        lambda a, b: (a.relu() + b.relu()) * 1.5,
        {"a": 1.3, "b": -0.4},
        "1.5 * (relu(a) + relu(b))",
    ),
]


@pytest.mark.inputs("value operations")
@pytest.mark.exercise("lesson4.Value", weight=3)
@pytest.mark.parametrize(
    "name, expression, leaves, text", OPERATIONS, ids=[c[0] for c in OPERATIONS]
)
def test_value_operations(student, expect, name, expression, leaves, text):
    check_graph(student, expect, expression, leaves, text)


# Exactly at the kink: relu's gradient at 0 is 0 (as torch's); a ReLU of a negative input beside it.
AT_ZERO = [
    (
        "relu-at-0",
        lambda a, b, c: (a.relu() + b.relu() * c + c.relu()) * 1.5,
        {"a": 0.0, "b": 0.0, "c": -0.4},
        "1.5 * (relu(a) + relu(b) * c + relu(c))",
    ),
    (
        "tanh-exp-at-0",
        lambda a, b: (a.tanh() * 2.0 + b.exp() + a * b) * 1.5,
        {"a": 0.0, "b": 0.0},
        "1.5 * (2 tanh(a) + exp(b) + a*b)",
    ),
]


@pytest.mark.inputs("value operations at zero")
@pytest.mark.exercise("lesson4.Value", weight=1)
@pytest.mark.parametrize("name, expression, leaves, text", AT_ZERO, ids=[c[0] for c in AT_ZERO])
def test_value_operations_at_zero(student, expect, name, expression, leaves, text):
    check_graph(student, expect, expression, leaves, text)


# Values used more than once: their gradient is the sum over the uses.
REUSED = [
    ("a*a", lambda a: a * a, {"a": -1.5}),
    ("a+a+a", lambda a: a + a + a, {"a": 0.7}),
    ("(a*b)*(a+b)", lambda a, b: (a * b) * (a + b), {"a": 1.2, "b": -0.4}),
]


@pytest.mark.inputs("value used more than once")
@pytest.mark.exercise("lesson4.Value", weight=2)
@pytest.mark.parametrize("name, expression, leaves", REUSED, ids=[c[0] for c in REUSED])
def test_value_used_more_than_once(student, expect, name, expression, leaves):
    check_graph(student, expect, expression, leaves, name)


def diamond(a):
    b = a.tanh()
    return (b * 3.0) * b.exp()


def two_paths_of_different_length(a, b):
    c = a * b
    d = (c + 1.0).tanh()
    e = (d * c).exp()
    return e + c * 2.0


def shared_factor_first(a, b):
    c = a * b
    return c * c.tanh()


def shared_factor_last(a, b):
    c = a * b
    return c.tanh() * c


def ladder(a):
    x = a
    for _ in range(6):
        x = x * x.tanh() + x
    return x


# Intermediate nodes used by several later nodes: backward must wait for all of them.
ORDERED = [
    ("diamond", diamond, {"a": 0.5}, "b = tanh(a); out = (b * 3) * exp(b)"),
    (
        "two-paths",
        two_paths_of_different_length,
        {"a": 0.8, "b": -0.6},
        "c = a*b; d = tanh(c + 1); out = exp(d * c) + 2c",
    ),
    ("shared-first", shared_factor_first, {"a": 0.8, "b": -0.6}, "c = a*b; out = c * tanh(c)"),
    ("shared-last", shared_factor_last, {"a": 0.8, "b": -0.6}, "c = a*b; out = tanh(c) * c"),
    ("ladder", ladder, {"a": 0.3}, "x <- x * tanh(x) + x, six times"),
]


@pytest.mark.inputs("value backward in topological order")
@pytest.mark.exercise("lesson4.Value", weight=2)
@pytest.mark.parametrize("name, expression, leaves, text", ORDERED, ids=[c[0] for c in ORDERED])
def test_value_backward_in_topological_order(student, expect, name, expression, leaves, text):
    check_graph(student, expect, expression, leaves, text)


def neuron(x1, x2, w1, w2, b):
    return (x1 * w1 + x2 * w2 + b).tanh()


def micrograd_sanity(a, b):
    c = a + b
    d = a * b + b**3
    c = c + c + 1.0
    c = c + 1.0 + c + (-a)
    d = d + d * 2.0 + (b + a).relu()
    d = d + 3.0 * d + (b - a).relu()
    f = (c - d) ** 2
    return f / 2.0 + 10.0 / f


def deep_network(*inputs):
    """Two tanh layers of four units and a squared-error loss: gradient flow through a real network."""
    weights = [0.1 * math.sin(i + 1) for i in range(40)]
    layer = list(inputs)
    for depth in range(2):
        layer = [
            sum((w * x for w, x in zip(weights[8 * depth + 4 * j :], layer)), 0.05 * j).tanh()
            for j in range(4)
        ]
    return sum(((x - 0.5) ** 2 for x in layer), 0.0)


WHOLE = [
    (
        "neuron",
        neuron,
        {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432},
        "tanh(x1*w1 + x2*w2 + b)",
    ),
    ("micrograd", micrograd_sanity, {"a": -4.0, "b": 2.0}, "micrograd's test expression"),
    (
        "network",
        deep_network,
        {"x1": 0.5, "x2": -1.0, "x3": 2.0, "x4": 0.1},
        "a 4-4-4 tanh network and a squared error",
    ),
]


@pytest.mark.inputs("value whole expressions")
@pytest.mark.exercise("lesson4.Value", weight=2)
@pytest.mark.parametrize("name, expression, leaves, text", WHOLE, ids=[c[0] for c in WHOLE])
def test_value_whole_expressions(student, expect, name, expression, leaves, text):
    check_graph(student, expect, expression, leaves, text)
