"""Hidden graders for lesson2/gradient_descent.py: the update rule, the stable learning rate, stopping rules.

Trajectories are compared row by row on four objectives (a quadratic, Rosenbrock's valley,
matrix least squares, logistic regression) in both dtypes; the stopping rules on runs that
converge, diverge (by growth and by overflow) and run out of steps.
"""

import math

import pytest
import torch

from graders.api import describe_call, figures, load_reference
from graders.lesson2.probes_gradient_descent import objective

from .mistakes_gradient_descent import catalogue, gd_modifies_x0

ref = load_reference("lesson2.gradient_descent")


def spd_matrix(gen, size, low=0.5, high=4.0, dtype=torch.float64):
    """A symmetric positive definite matrix with eigenvalues spread over [low, high], including both ends."""
    q, _ = torch.linalg.qr(gen.normal(size, size))
    eigenvalues = gen.uniform(size, low=low, high=high)
    eigenvalues[0], eigenvalues[-1] = low, high
    return ((q * eigenvalues) @ q.T).to(dtype)


def problem(name, gen, dtype):
    """(objective spec, x0, a learning rate that converges) for each named objective."""
    if name == "quadratic":
        A = spd_matrix(gen, 5, dtype=dtype)
        return (
            {"kind": "quadratic", "A": A, "center": gen.normal(5, dtype=dtype)},
            gen.normal(5, dtype=dtype, scale=2.0),
            0.3,
        )
    if name == "rosenbrock":
        return (
            {"kind": "rosenbrock"},
            torch.tensor([-1.2, 1.0], dtype=dtype, device=gen.device)
            + gen.normal(2, dtype=dtype, scale=0.1),
            1e-3,
        )
    if name == "least_squares":
        spec = {
            "kind": "least_squares",
            "Z": gen.normal(20, 4, dtype=dtype),
            "T": gen.normal(20, 3, dtype=dtype),
        }
        return spec, gen.normal(4, 3, dtype=dtype), 0.05
    X, y = gen.normal(12, 3, dtype=dtype), gen.binary(12, dtype=dtype) * 2 - 1
    return {"kind": "logistic", "X": X, "y": y}, gen.normal(3, dtype=dtype), 0.5


OBJECTIVES = ("quadratic", "rosenbrock", "least_squares", "logistic")


def run_reference(function, spec, x0, **kwargs):
    return function(objective(spec), x0.clone(), **kwargs)


# -- gradient_descent -------------------------------------------------------------------------------


def losses_along(spec, trajectory):
    """The objective at each iterate of a trajectory, computed here from the values received; None
    when it is not a run of iterates the objective takes."""
    if not isinstance(trajectory, torch.Tensor) or trajectory.ndim < 1 or not len(trajectory):
        return None
    loss = objective(in_float64(spec))
    try:
        with torch.no_grad():
            return torch.stack([loss(x.to("cpu", torch.float64)) for x in trajectory.detach()])
    except (RuntimeError, IndexError, TypeError):
        return None


def in_float64(spec):
    """An objective's spec with its tensors as float64 on the CPU, to draw it."""
    return {
        key: value.to("cpu", torch.float64 if value.is_floating_point() else value.dtype)
        if torch.is_tensor(value)
        else value
        for key, value in spec.items()
    }


def descent_figure(spec, got, want, lr, tolerance):
    """The run drawn: on the objective's contours when x is a point in the plane, and the loss
    against the step, yours against the reference's."""
    title = f"gradient descent on the {spec['kind']} objective, lr={lr:g}"
    steps = len(want) - 1
    loss_panel = figures.curve(
        list(range(steps + 1)),
        losses_along(spec, want),
        losses_along(spec, got),
        x_label="step",
        y_label="loss",
        log_y=True,
    )
    if want.ndim != 2 or want.shape[1] != 2:
        return figures.figure(title, loss_panel)
    points = want.detach().to("cpu", torch.float64)
    low, high = points.amin(dim=0), points.amax(dim=0)
    pad = (high - low).clamp_min(1e-3) * 0.25
    xs = torch.linspace(low[0] - pad[0], high[0] + pad[0], 40, dtype=torch.float64)
    ys = torch.linspace(low[1] - pad[1], high[1] + pad[1], 40, dtype=torch.float64)
    loss = objective(in_float64(spec))
    with torch.no_grad():
        zs = torch.stack([torch.stack([loss(torch.stack([a, b])) for a in xs]) for b in ys])
    path = figures.path(want, got, grid=(xs, ys, zs), x_label="x[0]", y_label="x[1]")
    return figures.figure(title, path, loss_panel)


def check_trajectory(student, expect, memo, spec, x0, lr, steps):
    got = student.probe("descend", spec=spec, x0=x0, kwargs={"lr": lr, "steps": steps})["result"]
    want = memo(
        "reference", lambda: run_reference(ref.gradient_descent, spec, x0, lr=lr, steps=steps)
    )
    expect.close(
        got,
        want,
        what=f"gradient_descent on the {spec['kind']} objective from a {str(x0.dtype)[6:]} x0 of "
        f"shape {tuple(x0.shape)}, "
        f"lr={lr:g}, steps={steps}: the trajectory",
        mistakes=catalogue.of("gradient_descent"),
        recompute=lambda wrong: run_reference(wrong, spec, x0, lr=lr, steps=steps),
        figure=lambda: descent_figure(spec, got, want, lr, expect.tolerance(want)),
    )


@pytest.mark.inputs("gradient descent trajectory")
@pytest.mark.exercise("lesson2.gradient_descent", weight=4)
@pytest.mark.parametrize("name", OBJECTIVES)
def test_gradient_descent_trajectory(student, expect, memo, gen, dtype, name):
    spec, x0, lr = problem(name, gen, dtype)
    check_trajectory(student, expect, memo, spec, x0, lr, steps=25)


# A bowl in the plane, ten times steeper along one axis than the other: gradient descent
# is stable for lr < 2/10.  One rate crawls, one zigzags across the valley, one diverges.
BOWL_RATES = (0.05, 0.17, 0.21)


@pytest.mark.inputs("gradient descent on a bowl")
@pytest.mark.exercise("lesson2.gradient_descent", weight=1)
@pytest.mark.parametrize("lr", BOWL_RATES, ids=[f"lr-{lr:g}" for lr in BOWL_RATES])
def test_gradient_descent_on_a_bowl(student, expect, memo, gen, lr):
    angle = torch.tensor(0.5, dtype=torch.float64)
    rotation = torch.stack(
        [torch.stack([angle.cos(), -angle.sin()]), torch.stack([angle.sin(), angle.cos()])]
    )
    A = (rotation * torch.tensor([1.0, 10.0], dtype=torch.float64)) @ rotation.T
    spec = {
        "kind": "quadratic",
        "A": A.to(gen.device),
        "center": torch.tensor([1.0, -0.5], dtype=torch.float64, device=gen.device),
    }
    x0 = torch.tensor([-2.0, 1.5], dtype=torch.float64, device=gen.device) + gen.normal(
        2, scale=0.1
    )
    check_trajectory(student, expect, memo, spec, x0, lr, steps=20)


@pytest.mark.inputs("gradient descent with no steps returns x0")
@pytest.mark.exercise("lesson2.gradient_descent", weight=1)
def test_gradient_descent_with_no_steps_returns_x0(student, expect, memo, gen):
    spec, x0, lr = problem("least_squares", gen, torch.float64)
    check_trajectory(student, expect, memo, spec, x0, lr, steps=0)


LAYOUTS = ("0-dim", "transposed", "expanded", "requires-grad", "at-the-minimum")


def boundary_start(gen, dtype, layout):
    """(spec, x0) for a start of the given layout on the separable objective cosh(x - c) - 1."""
    if layout == "0-dim":
        center, x0 = gen.normal(dtype=dtype), gen.normal(dtype=dtype)
    elif layout == "transposed":
        center, x0 = gen.normal(4, 3, dtype=dtype), gen.normal(3, 4, dtype=dtype).T
    elif layout == "expanded":
        center, x0 = gen.normal(3, 4, dtype=dtype), gen.normal(1, 4, dtype=dtype).expand(3, 4)
    elif layout == "requires-grad":
        center, x0 = gen.normal(5, dtype=dtype), gen.normal(5, dtype=dtype).requires_grad_(True)
    else:  # the gradient is exactly zero at x0: every iterate is x0
        center = gen.normal(2, 3, dtype=dtype)
        x0 = center.clone()
    return {"kind": "separable", "center": center}, x0


@pytest.mark.inputs("gradient descent from boundary starts")
@pytest.mark.exercise("lesson2.gradient_descent", weight=1)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_gradient_descent_from_boundary_starts(student, expect, memo, gen, dtype, layout):
    """A 0-dim x0, a transposed or expanded view, an x0 that requires grad, and a start where the
    gradient is exactly zero: the trajectory is the reference's, shaped like x0."""
    spec, x0 = boundary_start(gen, dtype, layout)
    check_trajectory(student, expect, memo, spec, x0, 0.4, steps=6)


@pytest.mark.inputs("gradient descent leaves x0 alone and returns plain tensors")
@pytest.mark.exercise("lesson2.gradient_descent", weight=1)
def test_gradient_descent_leaves_x0_alone_and_returns_plain_tensors(student, expect, gen):
    spec, x0, lr = problem("quadratic", gen, torch.float64)
    outcome = student.probe(
        "descend", spec=spec, x0=x0, kwargs={"lr": lr, "steps": 3}, on_a_copy=True
    )
    expect.that(
        not outcome["x0_changed"],
        "gradient_descent changed the x0 it was given.\n"
        + catalogue.find(gd_modifies_x0).explain(),
    )
    trajectory = outcome["result"]
    expect.that(
        not (isinstance(trajectory, torch.Tensor) and trajectory.requires_grad),
        "gradient_descent returned a trajectory that requires grad: detach the iterates "
        "(x.detach()) so no autograd graph is kept",
    )


# -- largest_stable_learning_rate -------------------------------------------------------------------

MATRICES = {
    "1x1": lambda gen, dtype: torch.tensor([[2.5]], dtype=dtype, device=gen.device),
    "diagonal": lambda gen, dtype: torch.diag(
        torch.tensor([0.5, 3.0, 1.0], dtype=dtype, device=gen.device)
    ),
    "spd-5": lambda gen, dtype: spd_matrix(gen, 5, dtype=dtype),
    "ill-conditioned-6": lambda gen, dtype: spd_matrix(gen, 6, low=1e-3, high=10.0, dtype=dtype),
    # boundaries: a tie for the largest eigenvalue, views that are not contiguous, and a
    # hessian that requires grad (as one computed by autograd does)
    "tied-largest-eigenvalue": lambda gen, dtype: torch.diag(
        torch.tensor([3.0, 1.0, 3.0], dtype=dtype, device=gen.device)
    ),
    "transposed-view": lambda gen, dtype: spd_matrix(gen, 4, dtype=dtype).T,
    "strided-slice": lambda gen, dtype: spd_matrix(gen, 8, dtype=dtype)[::2, ::2],
    # strides (0, 1); an SPD matrix larger than 1x1 cannot be an expanded view
    "expanded-1x1": lambda gen, dtype: torch.tensor([0.8], dtype=dtype, device=gen.device).expand(
        1, 1
    ),
    "requires-grad": lambda gen, dtype: spd_matrix(gen, 3, dtype=dtype).requires_grad_(True),
}


@pytest.mark.inputs("largest stable learning rate values")
@pytest.mark.exercise("lesson2.largest_stable_learning_rate", weight=3)
@pytest.mark.parametrize("matrix", MATRICES)
def test_largest_stable_learning_rate_values(student, expect, gen, dtype, matrix):
    hessian = MATRICES[matrix](gen, dtype)
    expect.close(
        student.call(hessian),
        ref.largest_stable_learning_rate(hessian),
        what=describe_call("largest_stable_learning_rate", hessian) + f" for a {matrix} matrix",
        mistakes=catalogue.of("largest_stable_learning_rate"),
        recompute=lambda wrong: wrong(hessian),
    )


@pytest.mark.inputs("largest stable learning rate separates convergence from divergence")
@pytest.mark.exercise("lesson2.largest_stable_learning_rate", weight=1)
@pytest.mark.parametrize("fraction", (0.95, 1.05), ids=("just-below", "just-above"))
def test_largest_stable_learning_rate_separates_convergence_from_divergence(
    student, expect, gen, fraction
):
    """Gradient descent at 0.95 times the student's answer must converge, at 1.05 times it must diverge."""
    hessian = spd_matrix(gen, 4)
    answer = student.call(hessian)
    expect.that(
        isinstance(answer, torch.Tensor) and answer.numel() == 1,
        f"largest_stable_learning_rate returned {answer!r}, expected a 0-dim tensor",
    )
    lr = fraction * float(answer)
    spec = {
        "kind": "quadratic",
        "A": hessian,
        "center": torch.zeros(4, dtype=torch.float64, device=gen.device),
    }
    x0 = torch.ones(4, dtype=torch.float64, device=gen.device)
    final = ref.gradient_descent(objective(spec), x0, lr, 400)[-1].norm().item()
    converged = math.isfinite(final) and final < 1e-3
    wanted = fraction < 1
    if converged != wanted:
        verb = "converged" if converged else "did not converge"
        expect.that(
            False,
            f"gradient descent on 0.5 xᵀAx with lr = {fraction:g} x your answer ({lr:.4g}) {verb} "
            f"(|x| = {final:.3g} after 400 steps); the limit is 2 / lambda_max = "
            f"{2 / torch.linalg.eigvalsh(hessian)[-1].item():.4g}",
        )


# -- minimize -----------------------------------------------------------------------------------------


def limit(spec):
    return 2 / torch.linalg.eigvalsh(spec["A"].double())[-1].item()


def check_minimize(student, expect, memo, spec, x0, **kwargs):
    def labelled(result):
        x, steps, status = result
        return {"status": status, "number of updates": steps, "the point where it stopped": x}

    result = student.probe("descend", spec=spec, x0=x0, kwargs=kwargs)["result"]
    expect.that(
        isinstance(result, (tuple, list)) and len(result) == 3,
        f"minimize returned {result!r}; return (x, steps, status)",
    )
    settings = ", ".join(f"{k}={v:g}" for k, v in kwargs.items())
    expect.close(
        labelled(result),
        labelled(memo("reference", lambda: run_reference(ref.minimize, spec, x0, **kwargs))),
        what=f"minimize on the {spec['kind']} objective ({settings})",
        mistakes=catalogue.of("minimize"),
        recompute=lambda wrong: labelled(run_reference(wrong, spec, x0, **kwargs)),
    )


@pytest.mark.inputs("minimize converges")
@pytest.mark.exercise("lesson2.minimize", weight=2)
@pytest.mark.parametrize("name", ("quadratic", "logistic", "least_squares", "at-the-minimum"))
def test_minimize_converges(student, expect, memo, gen, name):
    if name == "at-the-minimum":
        spec, _, _ = problem("quadratic", gen, torch.float64)
        check_minimize(student, expect, memo, spec, spec["center"].clone(), lr=0.3)
        return
    spec, x0, _ = problem(name, gen, torch.float64)
    lr = 0.9 * limit(spec) if name == "quadratic" else {"logistic": 3.0, "least_squares": 0.3}[name]
    check_minimize(student, expect, memo, spec, x0, lr=lr, tol=1e-6, max_steps=1000)


@pytest.mark.inputs("minimize converges in float32")
@pytest.mark.exercise("lesson2.minimize", weight=1)
def test_minimize_converges_in_float32(student, expect, memo, gen):
    spec, x0, _ = problem("quadratic", gen, torch.float32)
    check_minimize(student, expect, memo, spec, x0, lr=0.8 * limit(spec), tol=1e-4, max_steps=500)


@pytest.mark.inputs("minimize detects growth")
@pytest.mark.exercise("lesson2.minimize", weight=2)
@pytest.mark.parametrize(
    "dtype, factor, overshoot",
    ((torch.float32, 1e3, 1.1), (torch.float64, 1e6, 1.1), (torch.float64, 10.0, 3.0)),
    ids=("float32-factor-1e3", "float64-factor-1e6", "float64-factor-10-in-one-step"),
)
def test_minimize_detects_growth(student, expect, memo, gen, dtype, factor, overshoot):
    # overshoot 1.1: the loss grows slowly, past the factor only after many steps; 3.0: it grows
    # 25-fold per step, past the factor in the first, where comparing with the previous loss
    # happens to be right, and only a rule without the growth check is wrong.
    spec, x0, _ = problem("quadratic", gen, dtype)
    check_minimize(
        student,
        expect,
        memo,
        spec,
        x0,
        lr=overshoot * limit(spec),
        max_steps=200,
        divergence_factor=factor,
    )


@pytest.mark.inputs("minimize detects overflow")
@pytest.mark.exercise("lesson2.minimize", weight=1)
@pytest.mark.parametrize("dtype", (torch.float32, torch.float64), ids=("float32", "float64"))
def test_minimize_detects_overflow(student, expect, memo, gen, dtype):
    """With no growth limit, divergence shows as an infinite loss (float32 overflows first)."""
    spec, x0, _ = problem("quadratic", gen, dtype)
    check_minimize(
        student,
        expect,
        memo,
        spec,
        x0,
        lr=3 * limit(spec),
        max_steps=400,
        divergence_factor=math.inf,
    )


@pytest.mark.inputs("minimize stops at max steps")
@pytest.mark.exercise("lesson2.minimize", weight=1)
@pytest.mark.parametrize("name", ("quadratic-tiny-lr", "quadratic-growing", "rosenbrock"))
def test_minimize_stops_at_max_steps(student, expect, memo, gen, name):
    kind = name.split("-")[0]
    spec, x0, lr = problem(kind, gen, torch.float64)
    if name == "quadratic-tiny-lr":
        lr = 1e-3
    elif name == "quadratic-growing":
        lr = 1.05 * limit(spec)
    check_minimize(student, expect, memo, spec, x0, lr=lr, max_steps=40)


@pytest.mark.inputs("minimize with no budget stops at x0")
@pytest.mark.exercise("lesson2.minimize", weight=0.5)
def test_minimize_with_no_budget_stops_at_x0(student, expect, memo, gen):
    """max_steps=0: no update at all, status "max_steps" (x0 neither converged nor diverged)."""
    spec, x0, lr = problem("quadratic", gen, torch.float64)
    check_minimize(student, expect, memo, spec, x0, lr=lr, max_steps=0)


@pytest.mark.inputs("minimize converges at a norm of exactly tol")
@pytest.mark.exercise("lesson2.minimize", weight=0.5)
@pytest.mark.parametrize("dtype", (torch.float32, torch.float64), ids=("float32", "float64"))
def test_minimize_converges_at_a_norm_of_exactly_tol(student, expect, memo, gen, dtype):
    """On ½|x|² the gradient is x itself: from x0 = (3, 4), of norm exactly 5, tol=5 has converged."""
    x0 = torch.tensor([3.0, 4.0], dtype=dtype, device=gen.device)
    check_minimize(student, expect, memo, {"kind": "half_squared_norm"}, x0, lr=0.5, tol=5.0)


@pytest.mark.inputs("minimize from boundary starts")
@pytest.mark.exercise("lesson2.minimize", weight=1)
@pytest.mark.parametrize("layout", ("0-dim", "transposed", "expanded", "requires-grad"))
def test_minimize_from_boundary_starts(student, expect, memo, gen, dtype, layout):
    """A 0-dim x0, transposed and expanded views, and an x0 that requires grad converge as the reference does."""
    spec, x0 = boundary_start(gen, dtype, layout)
    tol = 1e-4 if dtype == torch.float32 else 1e-8
    check_minimize(student, expect, memo, spec, x0, lr=0.5, tol=tol, max_steps=500)


@pytest.mark.inputs("minimize measures growth against the first loss")
@pytest.mark.exercise("lesson2.minimize", weight=0.5)
def test_minimize_measures_growth_against_the_first_loss(student, expect, memo, gen):
    """The loss first falls (the flat direction converges), then grows 16-fold per step along the
    steep one: past 10 times the *previous* loss long before it passes 10 times the first."""
    A = torch.diag(torch.tensor([1.0, 10.0], dtype=torch.float64, device=gen.device))
    spec = {"kind": "quadratic", "A": A, "center": torch.zeros(2, dtype=A.dtype, device=A.device)}
    x0 = torch.tensor([1e3, 1e-6], dtype=A.dtype, device=A.device) + gen.normal(2, scale=1e-8)
    check_minimize(student, expect, memo, spec, x0, lr=0.5, max_steps=60, divergence_factor=10.0)
