"""Hidden graders for lesson5/challenges.py: critical points, escaping saddles, gradient noise.

The functions are polynomials the sandbox builds from the grader's description, with
curvature in rotated (not axis-aligned) directions so that shortcuts through the Hessian's
diagonal, its determinant or a row of eigh's output give different answers.
"""

import pytest
import torch

from graders.api import describe, describe_call, difference, load_reference
from graders.lesson5.probes_common import build_objective, with_layout

from .cases import BOTH, DOUBLE, check_on_objective, check_without_history, with_dtypes
from .mistakes_challenges import catalogue
from .specs import spd_matrix

ref = load_reference("lesson5.challenges")


def polynomial(A, **terms):
    return {"kind": "polynomial", "A": A, **terms}


def diagonal(gen, dtype, *values):
    return torch.diag(torch.tensor(values, dtype=dtype, device=gen.device))


def vector(gen, dtype, *values):
    return torch.tensor(values, dtype=dtype, device=gen.device)


def at_origin(spec, gen, dtype):
    return spec, torch.zeros(len(spec["A"]), dtype=dtype, device=gen.device)


# -- classify_critical_point ------------------------------------------------------------------

TOL = 2.0**-6

# (id, make(gen, dtype) -> (objective, point), tol, dtypes)
CRITICAL_POINTS = [
    (
        "bowl-2d",
        lambda gen, dt: at_origin(polynomial(spd_matrix(gen, (1.0, 3.0), dt)), gen, dt),
        1e-6,
        BOTH,
    ),
    (
        "minimum-4d",
        lambda gen, dt: at_origin(polynomial(spd_matrix(gen, (0.5, 1.0, 2.0, 3.0), dt)), gen, dt),
        1e-6,
        DOUBLE,
    ),
    (
        "dome-3d",
        lambda gen, dt: at_origin(polynomial(spd_matrix(gen, (-1.0, -2.0, -3.0), dt)), gen, dt),
        1e-6,
        DOUBLE,
    ),
    (
        "dome-with-cubic",
        lambda gen, dt: at_origin(
            polynomial(spd_matrix(gen, (-2.0, -3.0), dt), cubic=gen.normal(2, dtype=dt)), gen, dt
        ),
        1e-6,
        DOUBLE,
    ),
    (
        "saddle-2d",
        lambda gen, dt: at_origin(polynomial(spd_matrix(gen, (3.0, -1.0), dt)), gen, dt),
        1e-6,
        DOUBLE,
    ),
    (
        "saddle-positive-diagonal",
        lambda gen, dt: at_origin(
            polynomial(torch.tensor([[1.0, 2.0], [2.0, 1.0]], dtype=dt, device=gen.device)), gen, dt
        ),
        1e-6,
        DOUBLE,
    ),
    (
        "saddle-3d-positive-determinant",
        lambda gen, dt: at_origin(polynomial(spd_matrix(gen, (-1.0, -2.0, 4.0), dt)), gen, dt),
        1e-6,
        BOTH,
    ),
    (
        "saddle-with-a-flat-direction",
        lambda gen, dt: at_origin(
            polynomial(diagonal(gen, dt, 2.0, -2.0, 0.0), quartic=vector(gen, dt, 0.0, 0.0, 1.0)),
            gen,
            dt,
        ),
        1e-6,
        DOUBLE,
    ),
    (
        "flat-quartic",
        lambda gen, dt: at_origin(
            polynomial(diagonal(gen, dt, 0.0, 2.0), quartic=vector(gen, dt, 1.0, 0.0)), gen, dt
        ),
        1e-6,
        BOTH,
    ),
    (
        "inflection-1d",
        lambda gen, dt: at_origin(
            polynomial(diagonal(gen, dt, 0.0), cubic=vector(gen, dt, 1.0)), gen, dt
        ),
        1e-6,
        DOUBLE,
    ),
    (
        "small-curvature-within-tol",
        lambda gen, dt: at_origin(polynomial(spd_matrix(gen, (1e-3, 1.0), dt)), gen, dt),
        1e-2,
        DOUBLE,
    ),
    (
        "not-critical-quadratic",
        lambda gen, dt: at_origin(
            polynomial(spd_matrix(gen, (1.0, 2.0), dt), b=gen.normal(2, dtype=dt)), gen, dt
        ),
        1e-6,
        DOUBLE,
    ),
    (
        "rosenbrock-slope",
        lambda gen, dt: ({"kind": "rosenbrock"}, torch.zeros(2, dtype=dt, device=gen.device)),
        1e-6,
        DOUBLE,
    ),
    (
        "rosenbrock-minimum",
        lambda gen, dt: ({"kind": "rosenbrock"}, torch.ones(2, dtype=dt, device=gen.device)),
        1e-6,
        DOUBLE,
    ),
    # The kinks, exactly (TOL is a power of 2, so float32 holds it exactly too): an eigenvalue
    # of +-tol is numerically zero, and a gradient norm of tol does not exceed tol.
    (
        "eigenvalue-exactly-tol",
        lambda gen, dt: at_origin(polynomial(diagonal(gen, dt, TOL, 1.0)), gen, dt),
        TOL,
        BOTH,
    ),
    (
        "eigenvalue-exactly-minus-tol",
        lambda gen, dt: at_origin(polynomial(diagonal(gen, dt, -1.0, -TOL)), gen, dt),
        TOL,
        BOTH,
    ),
    (
        "saddle-with-a-nearly-flat-direction",
        lambda gen, dt: at_origin(polynomial(diagonal(gen, dt, 4.0, -4.0, 5e-3)), gen, dt),
        1e-2,
        DOUBLE,
    ),
    (
        "eigenvalues-tol-and-negative",
        lambda gen, dt: at_origin(polynomial(diagonal(gen, dt, TOL, -1.0)), gen, dt),
        TOL,
        BOTH,
    ),
    (
        "gradient-norm-exactly-tol",
        lambda gen, dt: at_origin(
            polynomial(diagonal(gen, dt, 2.0, 1.0), b=vector(gen, dt, 0.0, TOL)), gen, dt
        ),
        TOL,
        BOTH,
    ),
    (
        "zero-hessian",
        lambda gen, dt: at_origin(
            polynomial(diagonal(gen, dt, 0.0, 0.0), quartic=vector(gen, dt, 1.0, 1.0)), gen, dt
        ),
        1e-6,
        BOTH,
    ),
    (
        "one-dimension-maximum",
        lambda gen, dt: at_origin(polynomial(diagonal(gen, dt, -3.0)), gen, dt),
        1e-6,
        BOTH,
    ),
]


@pytest.mark.inputs("classify critical point")
@pytest.mark.parametrize(
    "case, dtype", with_dtypes(CRITICAL_POINTS, "lesson5.classify_critical_point")
)
def test_classify_critical_point(student, expect, gen, memo, case, dtype):
    name, make, tol, _ = case
    objective, x = make(gen, dtype)
    check_on_objective(
        student,
        expect,
        memo,
        ref.classify_critical_point,
        catalogue.of("classify_critical_point"),
        name,
        objective,
        x,
        tol=tol,
    )


# -- escape_saddle ----------------------------------------------------------------------------

# (id, make(gen, dtype) -> (objective, point), radius, dtypes); cubic terms make one side of each saddle lower.
SADDLES = [
    (
        "saddle-2d",
        lambda gen, dt: at_origin(
            polynomial(diagonal(gen, dt, 2.0, -1.0), cubic=vector(gen, dt, 0.0, 0.5)), gen, dt
        ),
        0.1,
        DOUBLE,
    ),
    (
        "saddle-3d-rotated",
        lambda gen, dt: at_origin(
            polynomial(
                spd_matrix(gen, (3.0, -2.0, -0.5), dt), cubic=gen.normal(3, dtype=dt, scale=0.5)
            ),
            gen,
            dt,
        ),
        0.1,
        BOTH,
    ),
    (
        "saddle-4d-with-flat-direction",
        lambda gen, dt: at_origin(
            polynomial(
                spd_matrix(gen, (2.0, 0.0, -1.0, 1.0), dt), cubic=gen.normal(4, dtype=dt, scale=0.5)
            ),
            gen,
            dt,
        ),
        0.1,
        DOUBLE,
    ),
    (
        "saddle-5d-radius-0.5",
        lambda gen, dt: at_origin(
            polynomial(
                spd_matrix(gen, (1.0, -3.0, 2.0, -0.5, 4.0), dt),
                cubic=gen.normal(5, dtype=dt, scale=0.5),
            ),
            gen,
            dt,
        ),
        0.5,
        DOUBLE,
    ),
    (
        "minimum",
        lambda gen, dt: at_origin(
            polynomial(spd_matrix(gen, (1.0, 2.0, 3.0), dt), cubic=gen.normal(3, dtype=dt)), gen, dt
        ),
        0.1,
        BOTH,
    ),
    # The kink: a smallest eigenvalue of exactly 0 is not negative, so x stays where it is.
    (
        "flat-but-not-negative",
        lambda gen, dt: at_origin(
            polynomial(diagonal(gen, dt, 0.0, 1.0, 2.0), cubic=vector(gen, dt, 0.5, 0.3, -0.2)),
            gen,
            dt,
        ),
        0.1,
        BOTH,
    ),
    (
        "one-dimension-maximum",
        lambda gen, dt: at_origin(
            polynomial(diagonal(gen, dt, -2.0), cubic=vector(gen, dt, 0.4)), gen, dt
        ),
        0.2,
        BOTH,
    ),
]


@pytest.mark.inputs("escape saddle")
@pytest.mark.parametrize("case, dtype", with_dtypes(SADDLES, "lesson5.escape_saddle"))
def test_escape_saddle(student, expect, gen, memo, case, dtype):
    name, make, radius, _ = case
    objective, x = make(gen, dtype)
    f = build_objective(objective)
    want = memo("reference", lambda: ref.escape_saddle(f, x, radius=radius))
    got = student.probe(
        "call_on_objective", objective=objective, args=(x,), kwargs={"radius": radius}
    )
    # The hint about the sign is shown only to a student who stepped to the other side.
    other_side = 2 * x - want
    tolerance = expect.tolerance(want)
    mirrored = (
        difference(got, other_side, tolerance) is None
        and difference(want, x, tolerance) is not None
    )
    expect.close(
        got,
        want,
        what=describe_call(f"escape_saddle(<{name}>, ...)", x, radius=radius),
        mistakes=catalogue.of("escape_saddle"),
        recompute=lambda wrong: wrong(f, x, radius=radius),
        hint="you stepped to the other side: of the two points x +- radius * v, return the one "
        "with the lower f"
        if mirrored
        else "",
    )


@pytest.mark.inputs("escape saddle returns no autograd history")
@pytest.mark.exercise("lesson5.escape_saddle", weight=0.25)
def test_escape_saddle_returns_no_autograd_history(student, expect, gen, memo, dtype):
    objective, x = at_origin(
        polynomial(spd_matrix(gen, (2.0, -1.5, 1.0), dtype), cubic=gen.normal(3, dtype=dtype)),
        gen,
        dtype,
    )
    check_without_history(
        student,
        expect,
        memo,
        ref.escape_saddle,
        catalogue.of("escape_saddle"),
        describe_call("escape_saddle(<saddle>, ...)", x, radius=0.1)
        + ", x a leaf that requires grad",
        (x,),
        {"radius": 0.1},
        (0,),
        objective,
    )


# -- gradient_noise_scale -----------------------------------------------------------------------

NOISE_SHAPES = [
    ("n2-p3", 2, 3, BOTH),
    ("n16-p5", 16, 5, BOTH),
    ("n64-p1", 64, 1, BOTH),
    ("n10-p40", 10, 40, BOTH),
]
NOISE_KEYS = ("mean", "variance", "noise_scale")


@pytest.mark.inputs("gradient noise scale")
@pytest.mark.parametrize("case, dtype", with_dtypes(NOISE_SHAPES, "lesson5.gradient_noise_scale"))
def test_gradient_noise_scale(student, expect, gen, case, dtype):
    _, n, p, _ = case
    grads = gen.normal(p, dtype=dtype) + gen.normal(
        n, p, dtype=dtype, scale=float(gen.choice((0.5, 3.0)))
    )
    got = student.call(grads)
    want = ref.gradient_noise_scale(grads)
    what = describe_call("gradient_noise_scale", grads)
    expect.that(
        isinstance(got, dict) and all(key in got for key in NOISE_KEYS),
        f"{what}: returned {describe(got)}; expected a dict with keys {list(NOISE_KEYS)}",
    )
    for key in NOISE_KEYS:
        expect.close(
            got[key],
            want[key],
            what=f"{what}[{key!r}]",
            mistakes=catalogue.of("gradient_noise_scale"),
            recompute=lambda wrong, key=key: wrong(grads)[key],
        )


# (id, make(gen, dtype) -> per-example gradients, layout): zero and identical rows, a single
# coordinate, and views (a transpose, every other row of a larger tensor), inputs that require grad.
NOISE_BOUNDARIES = [
    ("identical-rows", lambda gen, dt: gen.normal(1, 4, dtype=dt).expand(6, 4).clone(), ""),
    ("zero-rows", lambda gen, dt: gen.normal(8, 3, dtype=dt) * (gen.uniform(8, 1) > 0.4), ""),
    ("n2-p1", lambda gen, dt: gen.normal(2, 1, dtype=dt) + 1.0, ""),
    ("transposed", lambda gen, dt: gen.normal(5, 7, dtype=dt) + 0.5, "transposed"),
    ("sliced", lambda gen, dt: gen.normal(6, 4, dtype=dt) - 0.5, "sliced"),
    ("requires-grad", lambda gen, dt: gen.normal(9, 3, dtype=dt) + 1.0, "requires-grad"),
]


@pytest.mark.inputs("gradient noise scale boundary inputs")
@pytest.mark.exercise("lesson5.gradient_noise_scale", weight=1)
@pytest.mark.parametrize(
    "make, layout", [pytest.param(*case[1:], id=case[0]) for case in NOISE_BOUNDARIES]
)
def test_gradient_noise_scale_boundary_inputs(student, expect, gen, dtype, make, layout):
    grads = make(gen, dtype)
    laid_out = with_layout(grads, layout)
    got = student.probe("call_with_layouts", args=(grads,), layouts=(layout,))
    want = {key: value.detach() for key, value in ref.gradient_noise_scale(laid_out).items()}
    what = describe_call("gradient_noise_scale", grads) + (f" ({layout})" if layout else "")
    expect.that(
        isinstance(got, dict) and all(key in got for key in NOISE_KEYS),
        f"{what}: returned {describe(got)}; expected a dict with keys {list(NOISE_KEYS)}",
    )
    for key in NOISE_KEYS:
        expect.close(
            got[key],
            want[key],
            what=f"{what}[{key!r}]",
            mistakes=catalogue.of("gradient_noise_scale"),
            recompute=lambda wrong, key=key: wrong(laid_out)[key].detach(),
        )
