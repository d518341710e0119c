"""Hidden graders for lesson4/autograd_functions.py: custom Functions, checked by their values and
vector-Jacobian products.

Nothing the sandbox computes is taken as a verdict: the probe returns the student's
forward value and the gradients their backward produces for a grader-chosen, random
``grad_output`` (through torch.autograd.grad, so autograd's own checks of the returned
gradients apply), and they are compared here with the reference Function's.  A random
``grad_output`` makes this a check of the whole backward pass, as gradcheck's would be.
Dims other than the last, negative dims, 3-D inputs and square shapes (where a gradient
broadcast along the wrong dimension runs without error) expose broadcasting bugs.
"""

import pytest
import torch

from graders.api import load_reference

from .mistakes_autograd_functions import catalogue
from .outcomes import check_differentiated

ref = load_reference("lesson4.autograd_functions")


# -- LogSumExp ------------------------------------------------------------------------------------

LSE_CASES = [((4, 5), 1), ((5, 5), 0), ((2, 3, 4), 1), ((2, 3, 3), -2), ((3, 2, 4), -3), ((7,), 0)]


def case_id(case):
    shape, dim = case
    return f"{'x'.join(map(str, shape))}-dim{dim}"


def lse_check(student, expect, gen, x, dim, part):
    """``part``: "value", or 0 for the gradient with respect to x."""
    wrt = () if part == "value" else (0,)
    check_differentiated(
        student,
        expect,
        gen,
        ref.LogSumExp,
        (x, dim),
        wrt=wrt,
        part=part,
        mistakes=catalogue.of("LogSumExp"),
    )


@pytest.mark.inputs("logsumexp values")
@pytest.mark.exercise("lesson4.LogSumExp", weight=2)
@pytest.mark.parametrize("case", LSE_CASES, ids=case_id)
def test_logsumexp_values(student, expect, gen, dtype, case):
    shape, dim = case
    lse_check(student, expect, gen, gen.normal(*shape, dtype=dtype, scale=2.0), dim, "value")


@pytest.mark.inputs("logsumexp gradients")
@pytest.mark.exercise("lesson4.LogSumExp", weight=3)
@pytest.mark.parametrize("case", LSE_CASES, ids=case_id)
def test_logsumexp_gradients(student, expect, gen, case):
    shape, dim = case
    lse_check(student, expect, gen, gen.normal(*shape, scale=2.0), dim, 0)


@pytest.mark.inputs("logsumexp is stable for inputs of 1000")
@pytest.mark.exercise("lesson4.LogSumExp", weight=1)
@pytest.mark.parametrize("part", ["value", 0], ids=["value", "gradient"])
@pytest.mark.parametrize("dim", [1, 0])
def test_logsumexp_is_stable_for_inputs_of_1000(student, expect, gen, dim, part):
    x = gen.normal(3, 4, scale=3.0) + torch.tensor(
        [[1000.0], [-1000.0], [0.0]], dtype=torch.float64, device=gen.device
    )
    lse_check(student, expect, gen, x, dim, part)


def equal_maxima(gen, dtype, dim):
    """Four slices of five along ``dim`` (x is (4, 5) for dim=1, (5, 4) for dim=0) whose maximum
    appears twice, or everywhere."""
    lines = gen.normal(4, 5, dtype=dtype, scale=2.0)  # row i: the i-th slice along dim
    lines[0, 1] = lines[0, 3] = lines[0].max() + 0.5  # two equal maxima
    lines[1] = 0.75  # every element equal
    lines[2, 0] = lines[2, 4] = lines[2].max()  # the maximum copied onto another element
    return lines if dim == 1 else lines.T.contiguous()


@pytest.mark.inputs("logsumexp with equal maxima")
@pytest.mark.exercise("lesson4.LogSumExp", weight=1)
@pytest.mark.parametrize("part", ["value", 0], ids=["value", "gradient"])
@pytest.mark.parametrize("dim", [1, 0])
def test_logsumexp_with_equal_maxima(student, expect, gen, dtype, dim, part):
    lse_check(student, expect, gen, equal_maxima(gen, dtype, dim), dim, part)


@pytest.mark.inputs("logsumexp with -inf entries")
@pytest.mark.exercise("lesson4.LogSumExp", weight=0.5)
@pytest.mark.parametrize("part", ["value", 0], ids=["value", "gradient"])
def test_logsumexp_with_inf_entries(student, expect, gen, part):
    # exp(-inf) = 0: a -inf entry adds nothing and gets no gradient, beside 1000 or -1000 too.
    x = gen.normal(3, 5, scale=2.0)
    x[0, 1] = x[1, 0] = x[1, 4] = x[2, 2] = -torch.inf
    x[1, 2], x[2, 3] = 1000.0, -1000.0
    lse_check(student, expect, gen, x, 1, part)


@pytest.mark.inputs("logsumexp with size-1 dimensions")
@pytest.mark.exercise("lesson4.LogSumExp", weight=0.5)
@pytest.mark.parametrize("part", ["value", 0], ids=["value", "gradient"])
@pytest.mark.parametrize("case", [((3, 1), 1), ((1, 4), 0), ((1, 4), 1)], ids=case_id)
def test_logsumexp_with_size_1_dimensions(student, expect, gen, case, part):
    shape, dim = case
    lse_check(student, expect, gen, gen.normal(*shape, scale=2.0), dim, part)


def laid_out(gen, layout, rows, columns, dtype=torch.float64):
    """A (rows, columns) tensor that is not contiguous: transposed, every other column of a
    wider one, or one row expanded (every row shares its memory)."""
    if layout == "transposed":
        return gen.normal(columns, rows, dtype=dtype, scale=2.0).t()
    if layout == "sliced":
        return gen.normal(rows, 2 * columns, dtype=dtype, scale=2.0)[:, ::2]
    return gen.normal(1, columns, dtype=dtype, scale=2.0).expand(rows, columns)


LAYOUTS = ("transposed", "sliced", "expanded")


@pytest.mark.inputs("logsumexp of non-contiguous inputs")
@pytest.mark.exercise("lesson4.LogSumExp", weight=0.5)
@pytest.mark.parametrize("part", ["value", 0], ids=["value", "gradient"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_logsumexp_of_non_contiguous_inputs(student, expect, gen, layout, part):
    lse_check(student, expect, gen, laid_out(gen, layout, 4, 5), 1, part)


# -- Swish ----------------------------------------------------------------------------------------

SWISH_CASES = [((4, 3), 1.7), ((2, 3, 5), 0.5), ((6,), -1.2)]


def swish_check(student, expect, gen, dtype, shape, beta, part):
    args = (
        gen.normal(*shape, dtype=dtype, scale=2.0),
        torch.tensor(beta, dtype=dtype, device=gen.device),
    )
    wrt = () if part == "value" else (0, 1)
    part = {"value": "value", "x": 0, "beta": 1}[part]
    check_differentiated(
        student,
        expect,
        gen,
        ref.Swish,
        args,
        wrt=wrt,
        part=part,
        mistakes=catalogue.of("Swish"),
        input_names=("x", "beta"),
    )


def swish_id(case):
    return f"{'x'.join(map(str, case[0]))}-beta{case[1]:g}"


@pytest.mark.inputs("swish values")
@pytest.mark.exercise("lesson4.Swish", weight=1)
@pytest.mark.parametrize("case", SWISH_CASES, ids=swish_id)
def test_swish_values(student, expect, gen, dtype, case):
    swish_check(student, expect, gen, dtype, *case, "value")


@pytest.mark.inputs("swish gradients")
@pytest.mark.exercise("lesson4.Swish", weight=3)
@pytest.mark.parametrize("wrt", ["x", "beta"])
@pytest.mark.parametrize("case", SWISH_CASES, ids=swish_id)
def test_swish_gradients(student, expect, gen, case, wrt):
    swish_check(student, expect, gen, torch.float64, *case, wrt)


# x = 0 exactly (where x * s(1 - s) vanishes), |beta x| up to 800 (sigmoid is exactly 0 or 1 in
# float64 and exp(800) overflows), beta = 0 (s = 1/2 everywhere), and a 0-dim x.
SPECIAL_SWISH = {
    "zeros": ([0.0, 1.5, 0.0, -2.0, 0.0, 0.25], 1.3),
    "saturated": ([-800.0, -40.0, 0.5, 40.0, 800.0, -3.0], 1.0),
    "beta0": ([-2.0, -0.5, 0.0, 0.7, 3.0, 1.0], 0.0),
    "0-dim": (0.8, -1.5),
}


@pytest.mark.inputs("swish at zero, saturation and beta 0")
@pytest.mark.exercise("lesson4.Swish", weight=1)
@pytest.mark.parametrize("part", ["value", "x", "beta"])
@pytest.mark.parametrize("case", sorted(SPECIAL_SWISH))
def test_swish_at_zero_saturation_and_beta_0(student, expect, gen, case, part):
    values, beta = SPECIAL_SWISH[case]
    args = (
        torch.tensor(values, dtype=torch.float64, device=gen.device),
        torch.tensor(beta, dtype=torch.float64, device=gen.device),
    )
    check_differentiated(
        student,
        expect,
        gen,
        ref.Swish,
        args,
        wrt=() if part == "value" else (0, 1),
        part={"value": "value", "x": 0, "beta": 1}[part],
        mistakes=catalogue.of("Swish"),
        input_names=("x", "beta"),
    )


@pytest.mark.inputs("swish of non-contiguous inputs")
@pytest.mark.exercise("lesson4.Swish", weight=0.5)
@pytest.mark.parametrize("part", ["value", "x", "beta"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_swish_of_non_contiguous_inputs(student, expect, gen, layout, part):
    x = laid_out(gen, layout, 4, 3)
    beta = torch.tensor(1.3, dtype=torch.float64, device=gen.device)
    check_differentiated(
        student,
        expect,
        gen,
        ref.Swish,
        (x, beta),
        wrt=() if part == "value" else (0, 1),
        part={"value": "value", "x": 0, "beta": 1}[part],
        mistakes=catalogue.of("Swish"),
        input_names=("x", "beta"),
    )
