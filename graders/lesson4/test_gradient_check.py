"""Hidden graders for lesson4/gradient_check.py: central differences, and the relative error of a gradient check.

Functions cannot cross into the sandbox, so the grader names one of the probe module's
``FUNCTIONS`` and the probe hands it to the student's code.  Everything is float64: numerical
gradients in float32 are too coarse to grade.  The analytic gradients given to
``gradient_check`` come from autograd here, in the grader, with errors planted where a case
needs them.
"""

import pytest
import torch

from graders.api import load_reference
from graders.lesson4.probes_gradient_check import (
    FUNCTIONS,
    gradient_check_at,
    numerical_gradient_at,
)

from .mistakes_gradient_check import catalogue

ref = load_reference("lesson4.gradient_check")


def shape_id(shape):
    return "x".join(map(str, shape))


# -- numerical_gradient ---------------------------------------------------------------------------


def check_numerical_gradient(student, expect, function, x, h=None, part="grad"):
    got = student.probe("numerical_gradient_of", function=function, x=x, h=h)
    want = numerical_gradient_at(ref.numerical_gradient, function, x, h)
    step = "" if h is None else f", h={h:g}"
    what = {
        "grad": f"numerical_gradient(f, x{step}) for f(x) = {function}, x of shape {tuple(x.shape)}",
        "x_after": f"x after numerical_gradient(f, x) returned, for f(x) = {function}",
    }[part]
    expect.close(
        got[part],
        want[part],
        what=what,
        mistakes=catalogue.of("numerical_gradient"),
        recompute=lambda wrong: numerical_gradient_at(wrong, function, x, h)[part],
    )


# Every function on a matrix, two on a vector.
NUMERICAL_CASES = [(function, (3, 4)) for function in sorted(FUNCTIONS)] + [
    ("sum of squares", (5,)),
    ("product", (5,)),
]


@pytest.mark.inputs("numerical gradient values")
@pytest.mark.exercise("lesson4.numerical_gradient", weight=3)
@pytest.mark.parametrize(
    "function, shape", NUMERICAL_CASES, ids=[f"{f}-{shape_id(s)}" for f, s in NUMERICAL_CASES]
)
def test_numerical_gradient_values(student, expect, gen, function, shape):
    check_numerical_gradient(student, expect, function, gen.normal(*shape, scale=0.8))


@pytest.mark.inputs("numerical gradient of a 3d tensor")
@pytest.mark.exercise("lesson4.numerical_gradient", weight=0.5)
def test_numerical_gradient_of_a_3d_tensor(student, expect, gen):
    check_numerical_gradient(student, expect, "tanh layer", gen.normal(2, 3, 2, scale=0.8))


@pytest.mark.inputs("numerical gradient uses the given step")
@pytest.mark.exercise("lesson4.numerical_gradient", weight=0.5)
def test_numerical_gradient_uses_the_given_step(student, expect, gen):
    check_numerical_gradient(student, expect, "sin(x) * cos(2x)", gen.normal(2, 3), h=1e-2)


@pytest.mark.inputs("numerical gradient leaves x unchanged")
@pytest.mark.exercise("lesson4.numerical_gradient", weight=1)
@pytest.mark.parametrize("function", ["sum of squares", "product"])
def test_numerical_gradient_leaves_x_unchanged(student, expect, gen, function):
    check_numerical_gradient(student, expect, function, gen.normal(3, 4), part="x_after")


# -- gradient_check -------------------------------------------------------------------------------


def exact_gradient(function, x):
    leaf = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(FUNCTIONS[function](leaf), leaf)
    return grad


@pytest.mark.inputs("gradient check passes a correct gradient")
@pytest.mark.exercise("lesson4.gradient_check", weight=1)
@pytest.mark.parametrize(
    "function", ["sin(x) * cos(2x)", "tanh layer", "cube of the first two columns"]
)
def test_gradient_check_passes_a_correct_gradient(student, expect, gen, function):
    x = gen.normal(3, 4)
    got = student.probe(
        "gradient_check_of", function=function, x=x, analytic=exact_gradient(function, x)
    )
    expect.that(
        got["error"] < 1e-6,
        f"gradient_check(f, x, the exact gradient) for f(x) = {function}, x of shape (3, 4): "
        f"reported a maximum relative error of {got['error']:.3g}; a correct gradient is below 1e-7\n"
        "Hint: |a - n| / max(|a| + |n|, 1e-8), with n from central differences; 0 / 0 must not become nan",
    )


def one_element_off(grad):
    grad[1, 2] *= 1.1
    return "element (1, 2) 10% too large"


def sign_flipped_in_one_row(grad):
    grad[2] *= -1
    grad[2, 0] *= 3
    return "row 2 with the wrong sign, element (2, 0) three times too large"


def nonzero_where_f_is_flat(grad):
    grad[0, 3] = 1e-3
    return "1e-3 at (0, 3), where f does not depend on x"


def all_off_one_worst(grad):
    grad *= 1.2
    grad[2] *= 1.5
    return "every element 20% too large, element 2 80% too large"


PLANTED = [
    ("sin(x) * cos(2x)", (3, 4), one_element_off),
    ("tanh layer", (4, 3), sign_flipped_in_one_row),
    ("cube of the first two columns", (3, 4), nonzero_where_f_is_flat),
    ("log-sum-exp", (5,), all_off_one_worst),
]


@pytest.mark.inputs("gradient check measures and locates a wrong gradient")
@pytest.mark.exercise("lesson4.gradient_check", weight=2)
@pytest.mark.parametrize("function, shape, plant", PLANTED, ids=[p[2].__name__ for p in PLANTED])
def test_gradient_check_measures_and_locates_a_wrong_gradient(
    student, expect, gen, function, shape, plant
):
    x = gen.normal(*shape)
    analytic = exact_gradient(function, x)
    planted = plant(analytic)
    got = student.probe("gradient_check_of", function=function, x=x, analytic=analytic)
    want = gradient_check_at(ref.gradient_check, function, x, analytic)
    what = (
        f"gradient_check(f, x, analytic) for f(x) = {function}, x of shape {shape}, analytic = the "
        f"exact gradient with {planted}"
    )
    mistakes = catalogue.of("gradient_check")
    expect.close(
        got["error"],
        want["error"],
        what=f"the maximum relative error from {what}",
        mistakes=mistakes,
        recompute=lambda wrong: gradient_check_at(wrong, function, x, analytic)["error"],
    )
    if got["index"] != want["index"]:
        expect.fail(
            f"the index of the worst element from {what}: got {got['index']!r}, expected {want['index']!r}",
            mistakes=mistakes,
            recompute=lambda wrong: gradient_check_at(wrong, function, x, analytic)["index"],
            like=lambda index: index == got["index"] and index != want["index"],
        )
