"""Hidden graders for lesson4/gradient_check.py: central differences, and the relative error of a gradient check.

Functions cannot cross into the sandbox, so the grader names one of the probe module's
``FUNCTIONS`` and the probe hands it to the student's code.  Everything is float64: numerical
gradients in float32 are too coarse to grade.  The analytic gradients given to
``gradient_check`` come from autograd here, in the grader, with errors planted where a case
needs them.
"""

import math

import pytest
import torch

from graders.api import StudentFailure, load_reference
from graders.lesson4.probes_gradient_check import (
    FUNCTIONS,
    arranged,
    gradient_check_at,
    numerical_gradient_at,
)

from .mistakes_gradient_check import catalogue

ref = load_reference("lesson4.gradient_check")


def shape_id(shape):
    return "x".join(map(str, shape))


# -- numerical_gradient ---------------------------------------------------------------------------


# What student code raises on the inputs below when it makes a catalogued mistake: a failure
# with these words is compared with the mistakes that raise them too.
KNOWN_ERRORS = (
    "view size is not compatible with input tensor's size and stride",
    "a leaf Variable that requires grad is being used in an in-place operation",
)

DESCRIBED_LAYOUTS = {
    None: "",
    "transposed": ", a transposed (non-contiguous) x",
    "sliced": ", x a slice x[:, 1:-1] of a wider tensor (non-contiguous)",
    "expanded": ", x expanded from one row (every row shares its memory)",
}


def check_numerical_gradient(
    student, expect, function, x, h=None, part="grad", layout=None, requires_grad=False
):
    """``x`` is contiguous here; the probe lays it out as ``layout`` in the sandbox."""
    mistakes = catalogue.of("numerical_gradient")

    def run(numerical_gradient):
        return numerical_gradient_at(
            numerical_gradient, function, x, h, layout=layout, requires_grad=requires_grad
        )

    try:
        got = student.probe(
            "numerical_gradient_of",
            function=function,
            x=x,
            h=h,
            layout=layout,
            requires_grad=requires_grad,
        )
    except StudentFailure as failure:
        for words in KNOWN_ERRORS:
            if words in failure.message:
                expect.fails_like(failure, words=words, mistakes=mistakes, recompute=run)
        raise
    want = run(ref.numerical_gradient)
    step = "" if h is None else f", h={h:g}"
    shape = tuple(want["x_after"].shape)
    given = f"x of shape {shape}, {str(x.dtype)[6:]}{DESCRIBED_LAYOUTS[layout]}" + (
        ", x requiring grad" if requires_grad else ""
    )
    what = {
        "grad": f"numerical_gradient(f, x{step}) for f(x) = {function}, {given}",
        "x_after": f"x after numerical_gradient(f, x) returned, for f(x) = {function}, {given}",
    }[part]
    expect.close(
        got[part],
        want[part],
        what=what,
        mistakes=mistakes,
        recompute=lambda wrong: run(wrong)[part],
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


# A transposed x of shape (4, 3), a slice (3, 4) of a (3, 6) tensor, three rows expanded from one.
LAYOUT_BASES = {"transposed": (3, 4), "sliced": (3, 6), "expanded": (1, 4)}


@pytest.mark.inputs("numerical gradient of a non-contiguous x")
@pytest.mark.exercise("lesson4.numerical_gradient", weight=1.5)
@pytest.mark.parametrize("function", ["sin(x) * cos(2x)", "tanh layer"])
@pytest.mark.parametrize("layout", sorted(LAYOUT_BASES))
def test_numerical_gradient_of_a_non_contiguous_x(student, expect, gen, layout, function):
    base = gen.normal(*LAYOUT_BASES[layout], scale=0.8)
    check_numerical_gradient(student, expect, function, base, layout=layout)


SMALL_SHAPES = [(), (1,), (4, 1), (1, 3)]


@pytest.mark.inputs("numerical gradient of a 0-dim x and size-1 dimensions")
@pytest.mark.exercise("lesson4.numerical_gradient", weight=0.5)
@pytest.mark.parametrize("shape", SMALL_SHAPES, ids=lambda s: shape_id(s) or "0-dim")
def test_numerical_gradient_of_a_0_dim_x_and_size_1_dimensions(student, expect, gen, shape):
    check_numerical_gradient(student, expect, "sin(x) * cos(2x)", gen.normal(*shape, scale=0.8))


@pytest.mark.inputs("numerical gradient of an x that requires grad")
@pytest.mark.exercise("lesson4.numerical_gradient", weight=0.5)
@pytest.mark.parametrize("function", ["sum of squares", "tanh layer"])
def test_numerical_gradient_of_an_x_that_requires_grad(student, expect, gen, function):
    check_numerical_gradient(
        student, expect, function, gen.normal(3, 4, scale=0.8), requires_grad=True
    )


@pytest.mark.inputs("numerical gradient keeps float32")
@pytest.mark.exercise("lesson4.numerical_gradient", weight=0.5)
def test_numerical_gradient_keeps_float32(student, expect, gen):
    # Multiples of 1/4 and h = 1/4: every x +- h, square and sum is exact in float32, so every
    # correct implementation returns exactly 2x, in x's dtype.
    x = (gen.classes(12, 17) - 8).reshape(3, 4).to(torch.float32) / 4
    check_numerical_gradient(student, expect, "sum of squares", x, h=0.25)


# -- gradient_check -------------------------------------------------------------------------------


def exact_gradient(function, x):
    leaf = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(FUNCTIONS[function](leaf), leaf)
    return grad


def same_number(a, b):
    """Two reported errors agree: both nan, or equal to the tolerance of gradient_check's grading."""
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def check_reports_no_error(student, expect, function, x, what, layout=None):
    """gradient_check of the exact gradient must report an error below 1e-6."""
    analytic = exact_gradient(function, arranged(x, layout))
    got = student.probe(
        "gradient_check_of", function=function, x=x, analytic=analytic, layout=layout
    )
    if got["error"] < 1e-6:
        return
    reported = f"reported a maximum relative error of {got['error']:.3g}"
    if math.isnan(got["error"]):
        reported += " (nan: a 0 / 0 somewhere)"
    expect.fail(
        f"gradient_check(f, x, the exact gradient) for f(x) = {function}, {what}: {reported}; "
        "a correct gradient is below 1e-7",
        mistakes=catalogue.of("gradient_check"),
        recompute=lambda wrong: gradient_check_at(wrong, function, x, analytic, layout=layout)[
            "error"
        ],
        like=lambda error: same_number(error, got["error"]),
    )


@pytest.mark.inputs("gradient check passes a correct gradient")
@pytest.mark.exercise("lesson4.gradient_check", weight=1)
@pytest.mark.parametrize("function", ["sin(x) * cos(2x)", "tanh layer"])
def test_gradient_check_passes_a_correct_gradient(student, expect, gen, function):
    check_reports_no_error(student, expect, function, gen.normal(3, 4), "x of shape (3, 4)")


@pytest.mark.inputs("gradient check counts zero gradients as error 0")
@pytest.mark.exercise("lesson4.gradient_check", weight=0.5)
def test_gradient_check_counts_zero_gradients_as_error_0(student, expect, gen):
    check_reports_no_error(
        student,
        expect,
        "cube of the first two columns",
        gen.normal(3, 4),
        "x of shape (3, 4), where both gradients are exactly 0 in columns 2 and 3 (an element "
        "where a = n = 0 has error 0: the denominator is max(|a| + |n|, 1e-8))",
    )


@pytest.mark.inputs("gradient check of a non-contiguous x")
@pytest.mark.exercise("lesson4.gradient_check", weight=0.5)
@pytest.mark.parametrize("layout", ["transposed", "sliced"])
def test_gradient_check_of_a_non_contiguous_x(student, expect, gen, layout):
    base = gen.normal(*{"transposed": (4, 3), "sliced": (3, 6)}[layout])
    what = {"transposed": "x transposed, (3, 4)", "sliced": "x = a slice x[:, 1:-1], (3, 4)"}
    check_reports_no_error(student, expect, "sin(x) * cos(2x)", base, what[layout], layout)


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


def two_equally_bad(grad):
    grad[2, 2] = 5.0
    grad[0, 3] = -1e-3
    return "-1e-3 at (0, 3) and 5 at (2, 2), where f does not depend on x: both have error 1"


TIES = [("cube of the first two columns", (3, 4), two_equally_bad)]


def check_planted(student, expect, gen, function, shape, plant):
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
            recompute=lambda wrong: gradient_check_at(wrong, function, x, analytic),
            # the whole report: a mistake whose error differs is not what this student did
            like=lambda theirs: (
                theirs["index"] == got["index"] and same_number(theirs["error"], got["error"])
            ),
        )


@pytest.mark.inputs("gradient check measures and locates a wrong gradient")
@pytest.mark.exercise("lesson4.gradient_check", weight=2)
@pytest.mark.parametrize("function, shape, plant", PLANTED, ids=[p[2].__name__ for p in PLANTED])
def test_gradient_check_measures_and_locates_a_wrong_gradient(
    student, expect, gen, function, shape, plant
):
    check_planted(student, expect, gen, function, shape, plant)


@pytest.mark.inputs("gradient check reports the first of equally bad elements")
@pytest.mark.exercise("lesson4.gradient_check", weight=0.5)
@pytest.mark.parametrize("function, shape, plant", TIES, ids=[p[2].__name__ for p in TIES])
def test_gradient_check_reports_the_first_of_equally_bad_elements(
    student, expect, gen, function, shape, plant
):
    check_planted(student, expect, gen, function, shape, plant)
