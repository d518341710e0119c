"""Visible tests for lesson4/engine.py: your Value's gradients against PyTorch's autograd on the same expressions."""

import pytest
import torch
from checks import check_close

from lesson4.engine import Value

# (name, the expression on one input, a second input) with the same expression working on Values and on tensors
EXPRESSIONS = [
    ("a + b", lambda a, b: a + b),
    ("a * b", lambda a, b: a * b),
    ("a ** 3 / b", lambda a, b: a**3 / b),
    ("exp(a) - b", lambda a, b: a.exp() - b),
    ("tanh(a * b)", lambda a, b: (a * b).tanh()),
    ("relu(a) + relu(b)", lambda a, b: a.relu() + b.relu()),
    ("2 * a + 1 - b", lambda a, b: 2 * a + 1 - b),
]


def torch_gradients(expression, a, b):
    ta, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (a, b))
    out = expression(ta, tb)
    out.backward()
    return out.item(), ta.grad.item(), tb.grad.item()


@pytest.mark.parametrize("name, expression", EXPRESSIONS, ids=[e[0] for e in EXPRESSIONS])
def test_each_operation_matches_torch(name, expression):
    a, b = Value(0.7), Value(-1.3)
    out = expression(a, b)
    out.backward()
    value, grad_a, grad_b = torch_gradients(expression, 0.7, -1.3)
    check_close(out.data, value, f"the value of {name}")
    check_close(a.grad, grad_a, f"d({name})/da")
    check_close(b.grad, grad_b, f"d({name})/db")


def test_backward_sets_the_output_gradient_to_one():
    out = Value(2.0) * Value(3.0)
    out.backward()
    check_close(
        out.grad,
        1.0,
        "out.grad after out.backward()",
        hint="seed the output with grad 1: d(out)/d(out) = 1",
    )


def test_a_value_used_twice_gets_both_contributions():
    a = Value(3.0)
    out = a * a
    out.backward()
    check_close(
        a.grad,
        6.0,
        "d(a * a)/da at a = 3",
        hint="accumulate with +=: each use of a sends its own gradient",
    )


def test_backward_waits_for_every_use_of_a_node():
    # b feeds c and d; both feed e.  b may send its gradient on to a only once both have sent theirs.
    a = Value(0.5)
    b = a.tanh()
    c = b * 3.0
    d = b.exp()
    e = c * d
    e.backward()
    value, grad_a, _ = torch_gradients(lambda x, y: 3 * x.tanh() * x.tanh().exp() + 0 * y, 0.5, 0.0)
    check_close(e.data, value, "the value of 3 tanh(a) * exp(tanh(a))")
    check_close(
        a.grad,
        grad_a,
        "d(3 tanh(a) * exp(tanh(a)))/da",
        hint="call _backward in reverse topological order",
    )


def test_micrograd_sanity_check():
    def expression(a, b):
        c = a + b
        d = a * b + b**3
        c = c + c + 1
        c = c + 1 + c + (-a)
        d = d + d * 2 + (b + a).relu()
        d = d + 3 * d + (b - a).relu()
        f = (c - d) ** 2
        return f / 2.0 + 10.0 / f

    a, b = Value(-4.0), Value(2.0)
    out = expression(a, b)
    out.backward()
    value, grad_a, grad_b = torch_gradients(expression, -4.0, 2.0)
    check_close(out.data, value, "the value of micrograd's test expression")
    check_close(a.grad, grad_a, "its gradient with respect to a")
    check_close(b.grad, grad_b, "its gradient with respect to b")


def test_relu_passes_no_gradient_at_exactly_zero():
    a = Value(0.0)
    out = a.relu() * 2.0
    out.backward()
    check_close(out.data, 0.0, "relu(0) * 2")
    check_close(
        a.grad,
        0.0,
        "d(relu(a) * 2)/da at a = 0",
        hint="relu's gradient is 0 where the input is not positive, at exactly 0 too (as torch)",
    )
