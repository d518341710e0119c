"""Visible tests for lesson5/challenges.py: critical points, escaping saddles, gradient noise."""

import math

import pytest
import torch
from checks import check_close

from lesson5.challenges import classify_critical_point, escape_saddle, gradient_noise_scale

ORIGIN = torch.zeros(2, dtype=torch.float64)


@pytest.mark.parametrize(
    "name, f, point, want",
    [
        ("bowl", lambda v: v[0] ** 2 + 2 * v[1] ** 2, ORIGIN, "minimum"),
        ("dome", lambda v: -(v[0] ** 2) - v[1] ** 2, ORIGIN, "maximum"),
        ("saddle", lambda v: v[0] ** 2 - v[1] ** 2, ORIGIN, "saddle"),
        ("flat-quartic", lambda v: v[0] ** 4 + v[1] ** 2, ORIGIN, "degenerate"),
        ("slope", lambda v: v[0] ** 2 + v[1], ORIGIN, "not critical"),
        (
            "rosenbrock-minimum",
            lambda v: 100 * (v[1] - v[0] ** 2) ** 2 + (1 - v[0]) ** 2,
            torch.ones(2, dtype=torch.float64),
            "minimum",
        ),
    ],
    ids=["bowl", "dome", "saddle", "flat-quartic", "slope", "rosenbrock-minimum"],
)
def test_classify_critical_point(name, f, point, want):
    got = classify_critical_point(f, point)
    assert got == want, f"classify_critical_point({name}) returned {got!r}, expected {want!r}"


def test_a_3d_saddle_with_positive_determinant_is_a_saddle():
    # eigenvalues -1, -1 and 2: the determinant is positive, yet this is no minimum or maximum.
    f = lambda v: -(v[0] ** 2) / 2 - v[1] ** 2 / 2 + v[2] ** 2  # noqa: E731
    got = classify_critical_point(f, torch.zeros(3, dtype=torch.float64))
    assert got == "saddle", f"returned {got!r}: use the eigenvalues, not the determinant"


def test_escape_saddle_steps_along_negative_curvature_downhill():
    f = lambda v: v[0] ** 2 - v[1] ** 2 + v[1] ** 3  # noqa: E731  (downhill faster towards y < 0)
    got = escape_saddle(f, ORIGIN, radius=0.1)
    check_close(
        got,
        torch.tensor([0.0, -0.1], dtype=torch.float64),
        "escape_saddle(x^2 - y^2 + y^3, origin)",
    )


def test_escape_saddle_stays_at_a_minimum():
    f = lambda v: v[0] ** 2 + v[1] ** 2  # noqa: E731
    check_close(escape_saddle(f, ORIGIN), ORIGIN, "escape_saddle at a minimum")


def test_gradient_noise_scale():
    generator = torch.Generator().manual_seed(0)
    grads = torch.randn(16, 5, generator=generator, dtype=torch.float64) + torch.tensor(
        [1.0, 0.0, -2.0, 0.5, 0.0], dtype=torch.float64
    )
    got = gradient_noise_scale(grads)
    mean, variance = grads.mean(dim=0), torch.cov(grads.T).trace()
    check_close(got["mean"], mean, "the mean gradient")
    check_close(got["variance"], variance, "the variance (trace of the per-example covariance)")
    check_close(got["noise_scale"], variance / (mean @ mean), "the noise scale")


TOL = 2.0**-6  # a power of 2: the eigenvalues below are exact


@pytest.mark.parametrize(
    "eigenvalue, want",
    [(TOL, "degenerate"), (-TOL, "degenerate"), (2 * TOL, "minimum")],
    ids=["tol", "minus-tol", "twice-tol"],
)
def test_eigenvalues_within_tol_of_zero_are_numerically_zero(eigenvalue, want):
    f = lambda v: eigenvalue * v[0] ** 2 / 2 + v[1] ** 2  # noqa: E731  (eigenvalues: eigenvalue, 2)
    got = classify_critical_point(f, ORIGIN, tol=TOL)
    assert got == want, (
        f"an eigenvalue of {eigenvalue} with tol={TOL}: returned {got!r}, expected {want!r} "
        "(|lambda| <= tol is numerically zero)"
    )


def test_a_gradient_norm_of_exactly_tol_is_still_critical():
    f = lambda v: v[0] ** 2 + v[1] ** 2 - TOL * v[0]  # noqa: E731  (gradient (-tol, 0) at 0)
    got = classify_critical_point(f, ORIGIN, tol=TOL)
    assert got == "minimum", f"returned {got!r}: only a gradient norm above tol is not critical"


def test_escape_saddle_stays_when_the_smallest_eigenvalue_is_zero():
    f = lambda v: v[0] ** 3 + v[1] ** 2  # noqa: E731  (eigenvalues 0 and 2: none negative)
    check_close(
        escape_saddle(f, ORIGIN), ORIGIN, "escape_saddle where the smallest eigenvalue is 0"
    )


def test_escape_saddle_returns_no_autograd_history():
    f = lambda v: v[0] ** 2 - v[1] ** 2 + v[1] ** 3  # noqa: E731
    x = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    got = escape_saddle(f, x, radius=0.1)
    assert got.grad_fn is None, "the new point has autograd history: start from x.detach()"
    check_close(
        got, torch.tensor([0.0, -0.1], dtype=torch.float64), "escape_saddle(x requiring grad)"
    )


def test_gradient_noise_scale_keeps_the_dtype():
    grads = torch.tensor([[1.0, 2.0], [3.0, 2.0], [2.0, 5.0]])  # float32
    got = gradient_noise_scale(grads)
    for key in ("mean", "variance", "noise_scale"):
        assert isinstance(got[key], torch.Tensor) and got[key].dtype == torch.float32, (
            f"{key}: {got[key]!r}; keep the input's dtype"
        )
    assert got["variance"].dim() == 0 and got["noise_scale"].dim() == 0, "0-dim tensors expected"
    check_close(got["variance"], torch.tensor(1.0 + 3.0), "the variance (1 + 3)")


def test_the_eigenvalues_decide_and_saddle_comes_before_degenerate():
    # x * y: the Hessian's diagonal is zero, its eigenvalues are 1 and -1
    got = classify_critical_point(lambda v: v[0] * v[1], ORIGIN)
    assert got == "saddle", f"x * y at the origin: returned {got!r}; use the eigenvalues"
    # eigenvalues 2, -2 and 0: a saddle, though one eigenvalue is zero (saddle is checked first)
    got = classify_critical_point(
        lambda v: v[0] ** 2 - v[1] ** 2 + v[2] ** 4, torch.zeros(3, dtype=torch.float64)
    )
    assert got == "saddle", f"x^2 - y^2 + z^4 at the origin: returned {got!r}, expected 'saddle'"


def test_escape_saddle_follows_the_most_negative_curvature_of_a_rotated_saddle():
    # H = R diag(-2, 1) R^T with R a rotation by 30 degrees: the most negative curvature is
    # along u = (cos 30, sin 30), a column of eigh's eigenvectors (its rows are other directions)
    c, s = math.cos(math.pi / 6), math.sin(math.pi / 6)
    u = torch.tensor([c, s], dtype=torch.float64)
    w = torch.tensor([-s, c], dtype=torch.float64)

    def f(v):  # the cubic term makes -u the lower way out
        return -((v @ u) ** 2) + 0.5 * (v @ w) ** 2 + (v @ u) ** 3

    check_close(
        escape_saddle(f, ORIGIN, radius=0.1),
        -0.1 * u,
        "escape_saddle on a saddle rotated by 30 degrees",
        hint="the eigenvector of the smallest (most negative) eigenvalue: column 0 of eigh's vectors",
    )
