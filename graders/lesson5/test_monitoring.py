"""Hidden graders for lesson5/monitoring.py: gradient statistics, learning-curve diagnosis, loss landscapes.

Networks are the grader's (graders/lesson5/probes_*.py, weights sent from here): a tanh
network, and a ReLU network with dead hidden units whose gradients are exactly zero; in
both an extra head takes no part in the loss, so its parameters have no gradient.
"""

import math

import pytest
import torch

from graders.api import describe, figures, load_reference, remembered
from graders.lesson5.probes_monitoring import backward_pass, landscape

from .mistakes_monitoring import catalogue
from .specs import network, regression_data

ref = load_reference("lesson5.monitoring")
STATISTICS = (
    "grad_norm",
    "grad_mean",
    "grad_std",
    "grad_max_abs",
    "zero_fraction",
    "grad_to_weight",
)
SIZES = (4, 6, 3)


def statistics_spec(gen, dtype, activation, dead=None):
    """The network and data; ReLU networks get 2 dead hidden units unless ``dead`` says how many."""
    x, y = regression_data(gen, dtype, 16, SIZES)
    if dead is None:
        dead = 2 if activation == "relu" else 0
    return {"net": network(gen, dtype, SIZES, activation, dead_units=dead), "x": x, "y": y}


def as_tensor(value, dtype):
    """A student's statistic as a 0-dim tensor of the network's dtype (its tolerance applies), or the value itself."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.detach().reshape(()).to(device="cpu", dtype=dtype)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return torch.tensor(float(value), dtype=dtype)
    return value


# -- gradient_statistics ---------------------------------------------------------------------------


@pytest.mark.inputs("gradient statistics values")
@pytest.mark.exercise("lesson5.gradient_statistics", weight=3)
@pytest.mark.parametrize("activation", ["tanh", "relu-with-dead-units", "relu-all-units-dead"])
def test_gradient_statistics_values(student, expect, gen, memo, dtype, activation):
    """All units dead: the hidden layer's and the output weights' gradients are exactly zero."""
    dead = SIZES[1] if activation == "relu-all-units-dead" else None
    spec = statistics_spec(gen, dtype, activation.split("-")[0], dead)
    want = memo("reference", lambda: ref.gradient_statistics(backward_pass(spec)))
    runs = remembered(memo("mistakes' runs", dict), lambda wrong: wrong(backward_pass(spec)))
    got = student.probe("statistics_after_backward", spec=spec)
    what = f"gradient_statistics(model) of a {activation} network {SIZES} ({str(dtype)[6:]}) after one backward pass"
    expect.that(
        isinstance(got, dict),
        f"{what}: returned {describe(got)}, expected a dict {{parameter name: {{statistic: float}}}}",
    )
    for name, statistics in want.items():
        expect.that(
            isinstance(got.get(name), dict),
            f"{what}: no dict of statistics for {name!r} (got keys {sorted(map(str, got))[:8]})",
        )
        for key, value in statistics.items():
            expect.that(
                key in got[name], f"{what}: {name!r} has no {key!r} (it has {sorted(got[name])})"
            )
            expect.close(
                as_tensor(got[name][key], dtype),
                torch.tensor(value, dtype=dtype),
                what=f"{what}[{name!r}][{key!r}]",
                mistakes=catalogue.of("gradient_statistics"),
                recompute=lambda wrong, name=name, key=key: as_tensor(
                    runs(wrong).get(name, {}).get(key), dtype
                ),
            )


@pytest.mark.inputs("gradient statistics leaves out parameters without gradients")
@pytest.mark.exercise("lesson5.gradient_statistics", weight=1)
def test_gradient_statistics_leaves_out_parameters_without_gradients(student, expect, gen):
    spec = statistics_spec(gen, torch.float64, "relu")
    got = student.probe("statistics_after_backward", spec=spec)
    want = list(ref.gradient_statistics(backward_pass(spec)))
    if not isinstance(got, dict) or sorted(got) != sorted(want):
        keys = sorted(got) if isinstance(got, dict) else describe(got)
        expect.fail(
            f"the parameters gradient_statistics(model) reports, when the 'extra' head took no part "
            f"in the loss: got {keys}, expected {want}",
            mistakes=catalogue.of("gradient_statistics"),
            recompute=lambda wrong: wrong(backward_pass(spec)),
            like=lambda outcome: isinstance(got, dict) and sorted(outcome) == sorted(got),
        )


def non_floats(statistics) -> list[str]:
    """``name[key] (type)`` for every statistic that is not a Python float."""
    return [
        f"{name}[{key!r}] ({type(value).__name__})"
        for name, values in statistics.items()
        if isinstance(values, dict)
        for key, value in values.items()
        if type(value) is not float
    ]


@pytest.mark.inputs("gradient statistics are python floats")
@pytest.mark.exercise("lesson5.gradient_statistics", weight=0.5)
def test_gradient_statistics_are_python_floats(student, expect, gen, memo):
    spec = statistics_spec(gen, torch.float64, "tanh")
    runs = remembered(memo("mistakes' runs", dict), lambda wrong: wrong(backward_pass(spec)))
    got = student.probe("statistics_after_backward", spec=spec)
    expect.that(isinstance(got, dict), f"gradient_statistics(model) returned {describe(got)}")
    wrong = non_floats(got)
    if wrong:
        expect.fail(
            f"gradient_statistics(model): the statistics must be Python floats, but {len(wrong)} "
            f"are not, first {wrong[0]}",
            mistakes=catalogue.of("gradient_statistics"),
            recompute=runs,
            like=lambda run: non_floats(run) == wrong,
            hint="turn each 0-dim tensor into a float with .item()",
        )


# -- diagnose_learning_curve -------------------------------------------------------------------------


def geometric(start, end, epochs):
    return [start * (end / start) ** (i / (epochs - 1)) for i in range(epochs)]


def plus(losses, offset):
    return [loss + offset for loss in losses]


# (id, train losses, validation losses, keyword arguments)
CURVES = [
    ("healthy", geometric(2.0, 0.2, 20), plus(geometric(2.2, 0.25, 20), 0.05), {}),
    ("a-gap-is-not-overfitting", geometric(1.0, 0.1, 15), plus(geometric(1.0, 0.1, 15), 0.5), {}),
    (
        "overfitting",
        geometric(1.0, 0.05, 20),
        geometric(1.0, 0.4, 11) + [0.42, 0.45, 0.47, 0.5, 0.52, 0.55, 0.57, 0.58, 0.6],
        {},
    ),
    (
        "overfitting-while-training-flattens",
        geometric(1.0, 0.1, 9) + [0.1 * 0.9995**k for k in range(1, 10)],
        geometric(1.0, 0.3, 9) + [0.3 + 0.03 * k for k in range(1, 10)],
        {},
    ),
    (
        "plateau",
        [1.0, 0.6, 0.5] + [0.5 * 0.9995**k for k in range(1, 9)],
        [1.1, 0.7, 0.6] + [0.6] * 8,
        {},
    ),
    (
        "plateau-at-a-large-scale",
        [1500.0, 1200.0, 1000.0] + [1000.0 - 0.5 * k for k in range(1, 8)],
        [1600.0, 1300.0, 1100.0] + [1100.0] * 7,
        {},
    ),
    (
        "healthy-at-a-small-scale",
        [1e-3 * 0.95**k for k in range(12)],
        [1.2e-3 * 0.95**k for k in range(12)],
        {},
    ),
    ("oscillating-plateau", [1.0, 0.5, 0.6, 0.5, 0.6, 0.5, 0.6, 0.5], [0.7] * 8, {}),
    (
        "noisy-but-healthy",
        [1.0, 0.8, 0.85, 0.6, 0.5, 0.45, 0.35, 0.3],
        [1.1, 0.9, 0.95, 0.7, 0.6, 0.55, 0.45, 0.4],
        {},
    ),
    ("diverging-to-infinity", [1.0, 3.0, 50.0, 1e4, math.inf], [1.0, 3.0, 50.0, 1e4, math.inf], {}),
    (
        "nan-in-the-middle",
        [1.0, 0.8, math.nan, 0.7, 0.6, 0.5],
        [1.0, 0.9, math.nan, 0.8, 0.7, 0.6],
        {},
    ),
    ("rising-slowly", [1.0, 0.9, 0.95, 1.0, 1.05, 1.1], [1.1, 1.0, 1.05, 1.1, 1.15, 1.2], {}),
    ("patience-3", [1.0, 0.5, 0.3, 0.3, 0.3, 0.3], [1.1, 0.6, 0.4, 0.4, 0.4, 0.4], {"patience": 3}),
    (
        "threshold-0.1",
        [0.985**k for k in range(7)],
        [1.1 * 0.985**k for k in range(7)],
        {"threshold": 0.1},
    ),
    # The kinks, exactly (the numbers are binary fractions), and the shortest curve.
    ("last-equals-first", [1.0, 1.0], [1.0, 0.875], {}),
    (
        "tied-validation-minima",
        [1.0, 0.625, 0.5, 0.375, 0.4375, 0.4375],
        [1.0, 0.5, 0.75, 0.5, 0.8125, 0.875],
        {},
    ),
    (
        "validation-exactly-at-the-threshold",
        [1.0, 0.75, 0.5],
        [1.0, 0.5, 0.625],
        {"threshold": 0.25},
    ),
    (
        "halved-exactly-at-the-threshold",
        [1.0, 0.5, 0.5, 0.375],
        [1.0] * 4,
        {"threshold": 0.25, "patience": 1},
    ),
    (
        "exactly-patience-flat-epochs",
        [1.0, 0.5, 0.5, 0.5],
        [1.0, 0.75, 0.75, 0.75],
        {"patience": 2},
    ),
    ("two-epochs", [1.0, 0.5], [1.0, 0.75], {}),
]


@pytest.mark.inputs("diagnose learning curve")
@pytest.mark.exercise("lesson5.diagnose_learning_curve")
@pytest.mark.parametrize(
    "train, val, kwargs", [pytest.param(*case[1:], id=case[0]) for case in CURVES]
)
def test_diagnose_learning_curve(student, expect, train, val, kwargs):
    shown = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    got = student.call(train, val, **kwargs)
    want = ref.diagnose_learning_curve(train, val, **kwargs)
    expect.close(
        got,
        want,
        what=f"diagnose_learning_curve(train={[round(v, 4) for v in train]}, "
        f"val={[round(v, 4) for v in val]}{', ' + shown if shown else ''})",
        mistakes=catalogue.of("diagnose_learning_curve"),
        recompute=lambda wrong: wrong(train, val, **kwargs),
        figure=lambda: learning_curve_figure(train, val, kwargs, got, want),
    )


DIAGNOSES = ("diverging", "overfitting", "plateau", "healthy")


def learning_curve_figure(train, val, kwargs, got, want):
    """The two curves the diagnosis was asked of, and both answers in the title (the student's
    only when it is one of the four words: student code never writes on the picture)."""
    yours = f"'{got}'" if isinstance(got, str) and got in DIAGNOSES else "not one of the four"
    settings = "".join(f", {k}={v}" for k, v in kwargs.items())
    finite = [v for v in train + val if math.isfinite(v)]
    return figures.figure(
        f"the curves you diagnosed{settings}: yours {yours}, the reference '{want}'",
        figures.given(
            list(range(1, len(train) + 1)),
            [("training loss", train), ("validation loss", val)],
            x_label="epoch",
            y_label="loss",
            log_y=bool(finite) and min(finite) > 0 and max(finite) / min(finite) > 100,
        ),
    )


# -- loss_landscape_1d ------------------------------------------------------------------------------


def landscape_spec(gen, dtype):
    x, y = regression_data(gen, dtype, 10, (4, 5, 3))
    spec = {"net": network(gen, dtype, (4, 5, 3)), "x": x, "y": y}
    # Filters of wildly different sizes: only filter-wise normalisation makes them comparable.
    direction = []
    for value in spec["net"]["state"].values():
        scale = 10.0 ** gen.uniform(value.shape[0], low=-2.0, high=2.0, dtype=dtype).reshape(
            -1, *([1] * (value.dim() - 1))
        )
        direction.append(gen.normal(*value.shape, dtype=dtype) * scale)
    return spec, direction


@pytest.mark.inputs("loss landscape values")
@pytest.mark.exercise("lesson5.loss_landscape_1d", weight=3)
@pytest.mark.parametrize(
    "alphas", [[-1.0, -0.5, 0.0, 0.5, 1.0], [0.25, 2.0, -3.0]], ids=["symmetric", "uneven"]
)
def test_loss_landscape_values(student, expect, gen, memo, dtype, alphas):
    spec, direction = landscape_spec(gen, dtype)
    want = memo(
        "reference", lambda: landscape(ref.loss_landscape_1d, spec, direction, alphas)["losses"]
    )
    runs = remembered(
        memo("mistakes' runs", dict), lambda wrong: landscape(wrong, spec, direction, alphas)
    )
    got = student.probe("loss_along_direction", spec=spec, direction=direction, alphas=alphas)
    expect.close(
        got["losses"],
        want,
        what=f"loss_landscape_1d(model, mse_loss, x, y, direction, alphas={alphas}) on a tanh network (4, 5, 3) "
        f"({str(dtype)[6:]}), direction filters scaled from 1e-2 to 1e2",
        mistakes=catalogue.of("loss_landscape_1d"),
        recompute=lambda wrong: runs(wrong)["losses"],
        figure=lambda: figures.figure(
            "the loss along the direction: loss(theta + alpha * d), d normalised filter by filter",
            figures.curve(
                alphas,
                want,
                got["losses"],
                x_label="alpha",
                y_label="loss",
                tolerance=expect.tolerance(want),
            ),
        ),
    )


@pytest.mark.inputs("loss landscape leaves the model unchanged")
@pytest.mark.exercise("lesson5.loss_landscape_1d", weight=1)
def test_loss_landscape_leaves_the_model_unchanged(student, expect, gen):
    spec, direction = landscape_spec(gen, torch.float64)
    alphas = [0.5, -1.0, 2.0]
    got = student.probe("loss_along_direction", spec=spec, direction=direction, alphas=alphas)
    before = torch.cat([value.reshape(-1) for value in spec["net"]["state"].values()])
    after = torch.cat([p.reshape(-1) for p in got["after"]])
    expect.close(
        after,
        before,
        what=f"the model's parameters (all of them, flattened) after loss_landscape_1d(..., alphas={alphas})",
        mistakes=catalogue.of("loss_landscape_1d"),
        recompute=lambda wrong: torch.cat(
            [p.reshape(-1) for p in landscape(wrong, spec, direction, alphas)["after"]]
        ),
        hint="copy every parameter's original values back when you are done",
    )


@pytest.mark.inputs("loss landscape evaluates without autograd")
@pytest.mark.exercise("lesson5.loss_landscape_1d", weight=0.5)
def test_loss_landscape_evaluates_without_autograd(student, expect, gen, memo):
    spec, direction = landscape_spec(gen, torch.float64)
    alphas = [-0.5, 1.0]
    runs = remembered(
        memo("mistakes' runs", dict), lambda wrong: landscape(wrong, spec, direction, alphas)
    )
    got = student.probe("loss_along_direction", spec=spec, direction=direction, alphas=alphas)
    if got["has_grad_fn"]:
        expect.fail(
            f"the losses loss_landscape_1d(..., alphas={alphas}) returned carry autograd history "
            "(a grad_fn): a graph was built through the model for every alpha",
            mistakes=catalogue.of("loss_landscape_1d"),
            recompute=runs,
            like=lambda run: run["has_grad_fn"],
            hint="evaluate the losses under torch.no_grad()",
        )
