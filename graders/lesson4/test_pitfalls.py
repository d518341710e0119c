"""Hidden graders for lesson4/pitfalls.py: the fixed functions, by value and gradient, and what the broken ones raise.

The broken versions mostly raise (an in-place change of a saved tensor, ``zero_()`` on a
missing gradient) or leave a trace only in what they return (losses holding graphs); the
probes return those as data so the feedback names the pitfall.
"""

import pytest
import torch

from graders.api import load_reference
from graders.lesson4.probes_pitfalls import regression_training

from .mistakes_pitfalls import catalogue, regression_keeps_graphs
from .outcomes import check_differentiated

ref = load_reference("lesson4.pitfalls")

# -- train_linear_regression -----------------------------------------------------------------------

REGRESSIONS = [(8, 3, 0.1, 6), (20, 5, 0.05, 8)]  # N, D, lr, steps


def regression(student, gen, n, d, lr, steps):
    x = gen.normal(n, d)
    y = x @ gen.normal(d) + gen.normal(n, scale=0.1)
    w = gen.normal(d, scale=0.1)
    got = student.probe("regression_training_of", x=x, y=y, w=w, lr=lr, steps=steps)
    want = regression_training(ref.train_linear_regression, x, y, w, lr, steps)
    what = f"train_linear_regression(x ({n}, {d}), y, w, lr={lr:g}, steps={steps})"
    return got, want, what, lambda wrong: regression_training(wrong, x, y, w, lr, steps)


def regression_id(case):
    return "N{}-D{}".format(*case)


@pytest.mark.inputs("train linear regression")
@pytest.mark.exercise("lesson4.train_linear_regression", weight=1.5)
@pytest.mark.parametrize("part", ["losses", "w"])
@pytest.mark.parametrize("case", REGRESSIONS, ids=regression_id)
def test_train_linear_regression(student, expect, gen, case, part):
    got, want, what, recompute = regression(student, gen, *case)
    mistakes = catalogue.of("train_linear_regression")
    expect.not_raised(got, what=what, mistakes=mistakes, recompute=recompute)
    words = {"losses": "the returned losses", "w": "the caller's w afterwards"}[part]
    other = {"losses": "w", "w": "losses"}[part]

    def run(wrong):
        # A mistake is what the student did only if its whole run matches: a w left untouched
        # comes from several mistakes, whose losses tell them apart.
        theirs = recompute(wrong)
        agree = theirs[other].shape == got[other].shape and torch.allclose(
            theirs[other], got[other], rtol=1e-6, atol=1e-9
        )
        return theirs[part] if agree else None

    expect.close(
        got[part],
        want[part],
        what=f"{words}, {what}",
        mistakes=mistakes,
        recompute=run,
    )


@pytest.mark.inputs("train linear regression losses hold no graph")
@pytest.mark.exercise("lesson4.train_linear_regression", weight=0.5)
def test_train_linear_regression_losses_hold_no_graph(student, expect, gen):
    got, _, what, recompute = regression(student, gen, *REGRESSIONS[0])
    mistakes = catalogue.of("train_linear_regression")
    expect.not_raised(got, what=what, mistakes=mistakes, recompute=recompute)
    if got["kept_graph"]:
        explanation = catalogue.find(regression_keeps_graphs).explain()
        expect.that(
            False,
            f"{what} returned losses that are tensors still attached to their graphs.\n{explanation}",
        )
    if not got["floats"]:
        expect.fail(
            f"{what} returned losses that are not all Python floats (the docstring asks for a "
            "list of Python floats)",
            mistakes=mistakes,
            recompute=recompute,
            like=lambda theirs: theirs.get("floats") is False and not theirs["kept_graph"],
        )


# -- gated_residual and standardize: values and gradients -------------------------------------------


def check_function(student, expect, gen, name, args, wrt, part):
    """Value (part "value") or the gradient w.r.t. args[part] of a pitfalls function."""
    check_differentiated(
        student,
        expect,
        gen,
        getattr(ref, name),
        args,
        wrt=wrt,
        part=part,
        mistakes=catalogue.of(name),
        input_names=("x", "w"),
    )


GATED_SHAPES = [(4, 3), (1, 5), (3, 1)]  # a batch of one; a single feature


@pytest.mark.inputs("gated residual values")
@pytest.mark.exercise("lesson4.gated_residual", weight=1)
@pytest.mark.parametrize("shape", GATED_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_gated_residual_values(student, expect, gen, dtype, shape):
    n, d = shape
    args = (gen.normal(n, d, dtype=dtype), gen.normal(d, d, dtype=dtype))
    check_function(student, expect, gen, "gated_residual", args, (), "value")


@pytest.mark.inputs("gated residual gradients")
@pytest.mark.exercise("lesson4.gated_residual", weight=2)
@pytest.mark.parametrize("wrt", [0, 1], ids=["x", "w"])
@pytest.mark.parametrize("shape", GATED_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_gated_residual_gradients(student, expect, gen, shape, wrt):
    n, d = shape
    args = (gen.normal(n, d), gen.normal(d, d))
    check_function(student, expect, gen, "gated_residual", args, (0, 1), wrt)


STANDARDIZE_SHAPES = [(4, 6), (3, 2, 5), (7,)]


@pytest.mark.inputs("standardize values")
@pytest.mark.exercise("lesson4.standardize", weight=1)
@pytest.mark.parametrize("shape", STANDARDIZE_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_standardize_values(student, expect, gen, dtype, shape):
    args = (gen.normal(*shape, dtype=dtype, scale=2.0, shift=1.0),)
    check_function(student, expect, gen, "standardize", args, (), "value")


@pytest.mark.inputs("standardize with a large eps")
@pytest.mark.exercise("lesson4.standardize", weight=0.5)
def test_standardize_with_a_large_eps(student, expect, gen):
    args = (gen.normal(3, 4, scale=0.5), 0.5)
    check_function(student, expect, gen, "standardize", args, (), "value")


@pytest.mark.inputs("standardize gradients")
@pytest.mark.exercise("lesson4.standardize", weight=1.5)
@pytest.mark.parametrize("shape", STANDARDIZE_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_standardize_gradients(student, expect, gen, shape):
    args = (gen.normal(*shape, scale=2.0, shift=1.0),)
    check_function(student, expect, gen, "standardize", args, (0,), 0)


def constant_rows(gen, shape, dtype):
    """Rows (along the last dimension) of which some are constant: their variance is exactly 0."""
    x = gen.normal(*shape, dtype=dtype, scale=2.0, shift=1.0)
    x[0] = 2.5
    if shape[0] > 2:
        x[2] = 0.0
    return x


@pytest.mark.inputs("standardize of constant rows")
@pytest.mark.exercise("lesson4.standardize", weight=1)
@pytest.mark.parametrize("part", ["value", 0], ids=["value", "gradient"])
@pytest.mark.parametrize("shape", [(4, 5), (3, 1)], ids=lambda s: "x".join(map(str, s)))
def test_standardize_of_constant_rows(student, expect, gen, shape, part):
    # std = 0: (x - mean) / sqrt(0 + eps) is 0, and eps is what keeps it (and its gradient) finite;
    # a last dimension of size 1 makes every row constant.
    args = (constant_rows(gen, shape, torch.float64),)
    check_function(student, expect, gen, "standardize", args, () if part == "value" else (0,), part)
