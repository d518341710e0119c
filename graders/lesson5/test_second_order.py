"""Hidden graders for lesson5/second_order.py: Newton steps, BFGS updates, natural-gradient steps.

Newton steps run on objectives the sandbox builds from the grader's description (quadratics
with rotated curvature, Rosenbrock, logistic regression, a non-convex quartic that needs
damping).  Ill-conditioned cases run in float64 only: float32 cannot solve them to the
course's tolerance, whoever writes the code.
"""

import pytest
import torch

from graders.api import describe_call, load_reference, remembered
from graders.lesson5.probes_second_order import bfgs_on_quadratic

from .cases import BOTH, DOUBLE, check_on_objective, check_without_history, with_dtypes
from .mistakes_second_order import catalogue
from .specs import spd_matrix

ref = load_reference("lesson5.second_order")


# -- newton_step ----------------------------------------------------------------------------


def quadratic(gen, dtype, eigenvalues):
    n = len(eigenvalues)
    spec = {
        "kind": "polynomial",
        "A": spd_matrix(gen, eigenvalues, dtype),
        "b": gen.normal(n, dtype=dtype),
    }
    return spec, gen.normal(n, dtype=dtype, scale=2.0)


def logistic(gen, dtype):
    spec = {
        "kind": "logistic",
        "X": gen.normal(20, 4, dtype=dtype),
        "y": gen.binary(20, dtype=dtype),
        "l2": 0.1,
    }
    return spec, gen.normal(4, dtype=dtype, scale=0.5)


def nonconvex(gen, dtype):
    spec = {
        "kind": "polynomial",
        "A": spd_matrix(gen, (-1.0, 2.0, 3.0), dtype),
        "quartic": torch.full((3,), 0.25, dtype=dtype, device=gen.device),
    }
    return spec, gen.normal(3, dtype=dtype)


def rosenbrock(gen, dtype, n):
    point = (
        torch.tensor([-1.2, 1.0], dtype=dtype, device=gen.device)
        if n == 2
        else gen.normal(n, dtype=dtype, scale=0.5)
    )
    return {"kind": "rosenbrock"}, point


# (id, make(gen, dtype) -> (objective, x), damping, dtypes)
NEWTON_CASES = [
    ("quadratic", lambda gen, dtype: quadratic(gen, dtype, (1.0, 2.0, 5.0)), 0.0, BOTH),
    (
        "quadratic-damped",
        lambda gen, dtype: quadratic(gen, dtype, (0.5, 1.0, 2.0, 4.0, 8.0)),
        0.5,
        DOUBLE,
    ),
    ("logistic-regression", logistic, 0.0, DOUBLE),
    ("nonconvex-quartic-damped", nonconvex, 5.0, BOTH),
    ("rosenbrock-2d", lambda gen, dtype: rosenbrock(gen, dtype, 2), 0.0, DOUBLE),
    ("rosenbrock-4d-damped", lambda gen, dtype: rosenbrock(gen, dtype, 4), 1.0, DOUBLE),
    ("one-dimension", lambda gen, dtype: quadratic(gen, dtype, (3.0,)), 0.25, BOTH),
]


@pytest.mark.inputs("newton step")
@pytest.mark.parametrize("case, dtype", with_dtypes(NEWTON_CASES, "lesson5.newton_step"))
def test_newton_step(student, expect, gen, memo, case, dtype):
    name, make, damping, _ = case
    objective, x = make(gen, dtype)
    hint = (
        "on a quadratic one Newton step lands exactly on the minimum, A^-1 b"
        if name == "quadratic"
        else ""
    )
    check_on_objective(
        student,
        expect,
        memo,
        ref.newton_step,
        catalogue.of("newton_step"),
        name,
        objective,
        x,
        hint,
        damping=damping,
    )


# -- bfgs_update ----------------------------------------------------------------------------


def curvature_pair(gen, dtype, n):
    """(H, s, y) with y = B s for a positive definite B, so y.s > 0."""
    H = spd_matrix(gen, torch.linspace(0.5, 3.0, n).tolist(), dtype)
    s = gen.normal(n, dtype=dtype)
    return H, s, spd_matrix(gen, torch.linspace(1.0, 6.0, n).tolist(), dtype) @ s


def check_bfgs(student, expect, H, s, y):
    expect.close(
        student.call(H, s, y),
        ref.bfgs_update(H, s, y),
        what=describe_call("bfgs_update", H, s, y) + f" with y.s = {float(y @ s):.4g}",
        mistakes=catalogue.of("bfgs_update"),
        recompute=lambda wrong: wrong(H, s, y),
    )


@pytest.mark.inputs("bfgs update")
@pytest.mark.exercise("lesson5.bfgs_update", weight=3)
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_bfgs_update(student, expect, gen, dtype, n):
    check_bfgs(student, expect, *curvature_pair(gen, dtype, n))


@pytest.mark.inputs("bfgs update is skipped without positive curvature")
@pytest.mark.exercise("lesson5.bfgs_update", weight=1)
@pytest.mark.parametrize("curvature", ["negative", "zero"])
def test_bfgs_update_is_skipped_without_positive_curvature(student, expect, gen, curvature):
    H, s, y = curvature_pair(gen, torch.float64, 3)
    if curvature == "negative":
        y = -y
    else:
        s, y = (
            torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64, device=gen.device),
            torch.tensor([0.0, 2.0, -1.0], dtype=torch.float64, device=gen.device),
        )
    check_bfgs(student, expect, H, s, y)


@pytest.mark.inputs("bfgs finds the inverse hessian of a quadratic")
@pytest.mark.exercise("lesson5.bfgs_update", weight=1.5)
def test_bfgs_finds_the_inverse_hessian_of_a_quadratic(student, expect, gen, memo):
    A = spd_matrix(gen, (1.0, 2.0, 4.0, 8.0), torch.float64)
    b, x0 = gen.normal(4), gen.normal(4, scale=2.0)
    want = memo("reference", lambda: bfgs_on_quadratic(ref.bfgs_update, A, b, x0, 4))
    runs = remembered(
        memo("mistakes' runs", dict), lambda wrong: bfgs_on_quadratic(wrong, A, b, x0, 4)
    )
    got = student.probe("bfgs_on_quadratic_run", A=A, b=b, x0=x0, steps=4)
    expect.trajectory(
        got["matrices"],
        want["matrices"],
        what="H after each BFGS update while minimising x.A.x/2 - b.x (4 x 4, exact line searches, H = I at the start)",
        mistakes=catalogue.of("bfgs_update"),
        recompute=lambda wrong: runs(wrong)["matrices"],
        hint="after n updates with exact line searches, BFGS's H equals A^-1",
        unit="update",
    )


# -- natural_gradient_step ---------------------------------------------------------------------

# (id, N, D, lr, damping, dtypes)
NATURAL_CASES = [
    ("n20-d3", 20, 3, 1.0, 1e-4, DOUBLE),
    ("n20-d3-damped", 20, 3, 0.5, 0.1, BOTH),
    ("batch-of-one", 1, 4, 1.0, 0.1, DOUBLE),
    ("n50-d6", 50, 6, 1.0, 1e-3, DOUBLE),
    ("n50-d6-heavily-damped", 50, 6, 0.1, 1.0, BOTH),
    ("one-feature", 12, 1, 1.0, 1e-3, BOTH),
]


@pytest.mark.inputs("natural gradient step")
@pytest.mark.parametrize("case, dtype", with_dtypes(NATURAL_CASES, "lesson5.natural_gradient_step"))
def test_natural_gradient_step(student, expect, gen, memo, case, dtype):
    _, n, d, lr, damping, _ = case
    w, x, y = (
        gen.normal(d, dtype=dtype, scale=0.5),
        gen.normal(n, d, dtype=dtype),
        gen.binary(n, dtype=dtype),
    )
    want = memo("reference", lambda: ref.natural_gradient_step(w, x, y, lr=lr, damping=damping))
    expect.close(
        student.call(w, x, y, lr=lr, damping=damping),
        want,
        what=describe_call("natural_gradient_step", w, x, y, lr=lr, damping=damping),
        mistakes=catalogue.of("natural_gradient_step"),
        recompute=lambda wrong: wrong(w, x, y, lr=lr, damping=damping),
    )


@pytest.mark.inputs("no autograd history")
@pytest.mark.exercise("lesson5.newton_step", weight=0.25)
def test_newton_step_returns_no_autograd_history(student, expect, gen, memo, dtype):
    """x requires grad (a parameter usually does); the new point must carry no history."""
    objective, x = quadratic(gen, dtype, (1.0, 2.0, 4.0))
    check_without_history(
        student,
        expect,
        memo,
        ref.newton_step,
        catalogue.of("newton_step"),
        describe_call("newton_step(<quadratic>, ...)", x, damping=0.1)
        + ", x a leaf that requires grad",
        (x,),
        {"damping": 0.1},
        (0,),
        objective,
    )


@pytest.mark.inputs("natural gradient step returns no autograd history")
@pytest.mark.exercise("lesson5.natural_gradient_step", weight=0.25)
def test_natural_gradient_step_returns_no_autograd_history(student, expect, gen, memo, dtype):
    """w requires grad (weights usually do); the new weights must carry no history."""
    w, x, y = (
        gen.normal(3, dtype=dtype, scale=0.5),
        gen.normal(20, 3, dtype=dtype),
        gen.binary(20, dtype=dtype),
    )
    check_without_history(
        student,
        expect,
        memo,
        ref.natural_gradient_step,
        catalogue.of("natural_gradient_step"),
        describe_call("natural_gradient_step", w, x, y, lr=0.5, damping=0.1)
        + ", w a leaf that requires grad",
        (w, x, y),
        {"lr": 0.5, "damping": 0.1},
        (0,),
    )
