"""Hidden graders for lesson1/losses.py: MSE, binary cross-entropy (probabilities and logits), cross-entropy.

Values are compared on several shapes (vector, batch of one, 2-D with unequal sides, 3-D),
both float dtypes, every reduction, and extreme inputs; gradients in float64 against the
reference's autograd gradients.
"""

import pytest
import torch

from graders.api import SHAPES, describe_call, figures, load_reference

from .mistakes_losses import catalogue, mse_accepts_anything

ref = load_reference("lesson1.losses")
REDUCTIONS = ("mean", "sum", "none")
LOSSES = (
    "mse",
    "huber_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
)
DELTAS = (1.0, 0.3, 2.5)  # torch's default, and a delta that sits below and above most errors
CLASSIFICATION_SHAPES = ((4, 3), (1, 5), (8, 10), (3, 7))


def shape_id(shape):
    return "x".join(map(str, shape))


def per_loss(weight):
    """One case per loss of this module, each counted towards its own exercise."""
    return [
        pytest.param(name, id=name, marks=pytest.mark.exercise(f"lesson1.{name}", weight=weight))
        for name in LOSSES
    ]


def make_inputs(name, gen, dtype, shape=(4, 3)):
    """Typical (input, target) for each loss: values, probabilities with exact 0 and 1, logits, classes."""
    if name in ("mse", "huber_loss"):  # errors of about 2: on both sides of every delta
        return gen.normal(*shape, dtype=dtype, scale=2.0), gen.normal(*shape, dtype=dtype)
    if name == "binary_cross_entropy":
        return gen.probabilities(*shape, dtype=dtype, extremes=True), gen.probabilities(
            *shape, dtype=dtype
        )
    if name == "binary_cross_entropy_with_logits":
        return gen.normal(*shape, dtype=dtype, scale=3.0), gen.probabilities(*shape, dtype=dtype)
    n, c = shape if len(shape) == 2 else (4, 3)
    return gen.normal(n, c, dtype=dtype, scale=2.0), gen.classes(n, c)


def check_value(student, expect, name, input, target, **kwargs):
    got = student.call(input, target, **kwargs)
    want = getattr(ref, name)(input, target, **kwargs)
    expect.close(
        got,
        want,
        what=describe_call(name, input, target, **kwargs),
        mistakes=catalogue.of(name),
        recompute=lambda wrong: wrong(input, target, **kwargs),
    )


def check_gradient(student, expect, name, input, target, gen, **kwargs):
    """The gradient of (loss * g).sum() with respect to input, for a random g."""
    want_value = getattr(ref, name)(input, target, **kwargs)
    grad_output = gen.normal(*want_value.shape, dtype=input.dtype)
    x = input.detach().requires_grad_(True)
    (want,) = torch.autograd.grad(getattr(ref, name)(x, target, **kwargs), x, grad_output)
    _, (got,) = student.call_backward(input, target, wrt=(0,), grad_output=grad_output, **kwargs)

    def wrong_gradient(wrong):
        x = input.detach().requires_grad_(True)
        return torch.autograd.grad(wrong(x, target, **kwargs), x, grad_output)[0]

    expect.close(
        got,
        want,
        what=f"the gradient of {describe_call(name, input, target, **kwargs)} with respect to input",
        mistakes=catalogue.of(name),
        recompute=wrong_gradient,
    )


# -- every loss ---------------------------------------------------------------------------------


@pytest.mark.inputs("default reduction is mean")
@pytest.mark.parametrize("name", per_loss(weight=0.5))
def test_default_reduction_is_mean(student, expect, gen, name):
    input, target = make_inputs(name, gen, torch.float64)
    got = student.call(input, target)
    expect.close(
        got,
        getattr(ref, name)(input, target, reduction="mean"),
        what=f"{name}(input, target) with no reduction argument",
        mistakes=catalogue.of(name),
        recompute=lambda wrong: wrong(input, target),
    )


@pytest.mark.inputs("unknown reduction raises value error")
@pytest.mark.parametrize("name", per_loss(weight=0.5))
def test_unknown_reduction_raises_value_error(student, expect, gen, name):
    input, target = make_inputs(name, gen, torch.float64)
    outcome = student.probe("call_raises", args=(input, target), kwargs={"reduction": "average"})
    if outcome["raised"] is None:
        expect.that(
            False,
            f"{name}(input, target, reduction='average') returned a value instead of raising ValueError.\n"
            + catalogue.find(mse_accepts_anything).explain(),
        )
    expect.equal(
        outcome["raised"],
        "ValueError",
        what=f"the exception {name}(..., reduction='average') raises",
        hint='raise ValueError(f"{reduction} is not a valid value for reduction") as torch does',
    )


# -- mse ----------------------------------------------------------------------------------------


@pytest.mark.inputs("mse values")
@pytest.mark.exercise("lesson1.mse", weight=3)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_mse_values(student, expect, gen, dtype, shape, reduction):
    input, target = make_inputs("mse", gen, dtype, shape)
    check_value(student, expect, "mse", input, target, reduction=reduction)


@pytest.mark.inputs("mse gradients")
@pytest.mark.exercise("lesson1.mse", weight=1)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_gradients(student, expect, gen, reduction):
    input, target = make_inputs("mse", gen, torch.float64, (2, 3, 5))
    check_gradient(student, expect, "mse", input, target, gen, reduction=reduction)


# -- huber_loss -----------------------------------------------------------------------------------


def straddling_delta(gen, dtype, shape, delta):
    """(input, target) with one error inside delta and one beyond it, the rest drawn: every case
    grades both pieces, so a mistake in either costs the same whatever the seed."""
    input, target = make_inputs("huber_loss", gen, dtype, shape)
    flat_input, flat_target = input.reshape(-1).clone(), target.reshape(-1)
    flat_input[0] = flat_target[0] + 0.5 * delta
    flat_input[-1] = flat_target[-1] - 3.0 * delta
    return flat_input.reshape(input.shape), target


@pytest.mark.inputs("huber loss values")
@pytest.mark.exercise("lesson1.huber_loss", weight=3)
@pytest.mark.parametrize("delta", DELTAS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_huber_loss_values(student, expect, gen, dtype, shape, reduction, delta):
    input, target = straddling_delta(gen, dtype, shape, delta)
    check_value(student, expect, "huber_loss", input, target, reduction=reduction, delta=delta)


@pytest.mark.inputs("huber loss gradients")
@pytest.mark.exercise("lesson1.huber_loss", weight=1)
@pytest.mark.parametrize("delta", DELTAS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_huber_loss_gradients(student, expect, gen, reduction, delta):
    input, target = straddling_delta(gen, torch.float64, (2, 3, 5), delta)
    check_gradient(
        student, expect, "huber_loss", input, target, gen, reduction=reduction, delta=delta
    )


@pytest.mark.inputs("huber loss is finite for outliers")
@pytest.mark.exercise("lesson1.huber_loss", weight=1)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_huber_loss_is_finite_for_outliers(student, expect, gen, dtype, reduction):
    # What Huber is for: a few targets off by 1e20.  Their squares overflow float32, so code
    # that computes both pieces and masks one away (0 * inf) gives nan where torch does not.
    input, target = make_inputs("huber_loss", gen, dtype, (4, 3))
    target = target.clone()
    target[0, 0], target[2, 1] = 1e20, -1e20
    check_value(student, expect, "huber_loss", input, target, reduction=reduction)


# -- binary_cross_entropy -----------------------------------------------------------------------


@pytest.mark.inputs("binary cross entropy values")
@pytest.mark.exercise("lesson1.binary_cross_entropy", weight=2)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_binary_cross_entropy_values(student, expect, gen, dtype, shape, reduction):
    input, target = gen.probabilities(*shape, dtype=dtype), gen.probabilities(*shape, dtype=dtype)
    check_value(student, expect, "binary_cross_entropy", input, target, reduction=reduction)


@pytest.mark.inputs("binary cross entropy is finite for probabilities of 0 and 1")
@pytest.mark.exercise("lesson1.binary_cross_entropy", weight=1)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_is_finite_for_probabilities_of_0_and_1(
    student, expect, gen, dtype, reduction
):
    input = gen.probabilities(3, 4, dtype=dtype, extremes=True)
    target = torch.cat([gen.binary(2, 4, dtype=dtype), gen.probabilities(1, 4, dtype=dtype)])
    check_value(student, expect, "binary_cross_entropy", input, target, reduction=reduction)


@pytest.mark.inputs("binary cross entropy gradients")
@pytest.mark.exercise("lesson1.binary_cross_entropy", weight=1)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_gradients(student, expect, gen, reduction):
    # Interior probabilities only: at exactly 0 and 1 torch's gradient is a convention, not calculus.
    input, target = gen.probabilities(2, 3, 5), gen.probabilities(2, 3, 5)
    check_gradient(student, expect, "binary_cross_entropy", input, target, gen, reduction=reduction)


# -- binary_cross_entropy_with_logits -------------------------------------------------------------


@pytest.mark.inputs("binary cross entropy with logits values")
@pytest.mark.exercise("lesson1.binary_cross_entropy_with_logits", weight=2)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_binary_cross_entropy_with_logits_values(student, expect, gen, dtype, shape, reduction):
    input, target = make_inputs("binary_cross_entropy_with_logits", gen, dtype, shape)
    check_value(
        student, expect, "binary_cross_entropy_with_logits", input, target, reduction=reduction
    )


@pytest.mark.inputs("binary cross entropy with logits is stable for huge logits")
@pytest.mark.exercise("lesson1.binary_cross_entropy_with_logits", weight=1.5)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits_is_stable_for_huge_logits(
    student, expect, gen, reduction
):
    input = torch.tensor(
        [[1000.0, -1000.0, 60.0, -60.0], [800.0, -800.0, 30.0, 0.5]], dtype=torch.float64
    ).to(gen.device)
    target = torch.tensor([[0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 0.3, 0.7]], dtype=torch.float64).to(
        gen.device
    )
    check_value(
        student, expect, "binary_cross_entropy_with_logits", input, target, reduction=reduction
    )


@pytest.mark.inputs("binary cross entropy with logits gradients")
@pytest.mark.exercise("lesson1.binary_cross_entropy_with_logits", weight=1)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits_gradients(student, expect, gen, reduction):
    input, target = make_inputs("binary_cross_entropy_with_logits", gen, torch.float64, (2, 3, 5))
    check_gradient(
        student, expect, "binary_cross_entropy_with_logits", input, target, gen, reduction=reduction
    )


# -- cross_entropy --------------------------------------------------------------------------------


@pytest.mark.inputs("cross entropy values")
@pytest.mark.exercise("lesson1.cross_entropy", weight=2)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", CLASSIFICATION_SHAPES, ids=shape_id)
def test_cross_entropy_values(student, expect, gen, dtype, shape, reduction):
    input, target = make_inputs("cross_entropy", gen, dtype, shape)
    check_value(student, expect, "cross_entropy", input, target, reduction=reduction)


@pytest.mark.inputs("cross entropy is stable for huge logits")
@pytest.mark.exercise("lesson1.cross_entropy", weight=1.5)
@pytest.mark.parametrize(
    "scale", (100.0, 1000.0, 5000.0), ids=("logits-100", "logits-1000", "logits-5000")
)
def test_cross_entropy_is_stable_for_huge_logits(student, expect, gen, scale):
    input, target = make_inputs("cross_entropy", gen, torch.float64, (6, 4))
    check_value(student, expect, "cross_entropy", input * scale, target, reduction="none")


@pytest.mark.inputs("cross entropy gradients")
@pytest.mark.exercise("lesson1.cross_entropy", weight=1)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_gradients(student, expect, gen, reduction):
    input, target = make_inputs("cross_entropy", gen, torch.float64, (5, 7))
    check_gradient(student, expect, "cross_entropy", input, target, gen, reduction=reduction)


# -- boundary inputs, every loss ------------------------------------------------------------------

BOUNDARIES = ("transposed", "sliced-and-expanded", "0-dim", "requires-grad", "kinks-and-ties")


def boundary_inputs(name, boundary, gen, dtype):
    """(input, target, reduction) at one boundary: layouts random inputs never have, a 0-dim
    pair, inputs that require grad, and the exact kinks and ties of the loss's formula."""
    if name == "cross_entropy":
        return cross_entropy_boundary(boundary, gen, dtype)
    if boundary == "transposed":  # non-contiguous, strides (1, 3)
        input, target = make_inputs(name, gen, dtype, (3, 4))
        return input.t(), target.t(), "none"
    if boundary == "sliced-and-expanded":  # every other column, and one target row for all
        input, _ = make_inputs(name, gen, dtype, (4, 6))
        _, target = make_inputs(name, gen, dtype, (1, 3))
        return input[:, ::2], target.expand(4, 3), "none"
    if boundary == "0-dim":
        input, target = make_inputs(name, gen, dtype, (1,))
        return input.reshape(()), target.reshape(()), "mean"
    if boundary == "requires-grad":
        input, target = make_inputs(name, gen, dtype, (3, 4))
        return input.requires_grad_(True), target, "mean"
    kinks = {  # (input, target): the points where a formula has a kink, a clamp or a tie
        "mse": ([0.5, -1.0, 2.0, 0.0], [0.5, -1.0, 1.0, 0.0]),  # zero errors
        "huber_loss": ([1.0, -1.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.5]),  # |e| = delta exactly, and 0
        "binary_cross_entropy": ([0.0, 1.0, 0.0, 0.5], [1.0, 0.0, 0.0, 1.0]),  # the clamp at -100
        "binary_cross_entropy_with_logits": ([0.0, 0.0, 40.0, -40.0], [0.0, 1.0, 1.0, 0.5]),
    }[name]
    input, target = (torch.tensor(v, dtype=dtype, device=gen.device) for v in kinks)
    return input, target, "none"


def cross_entropy_boundary(boundary, gen, dtype):
    if boundary == "transposed":  # logits (N, C) stored class-major; targets every other one
        return gen.normal(4, 6, dtype=dtype, scale=2.0).t(), gen.classes(12, 4)[::2], "none"
    if boundary == "sliced-and-expanded":  # every row the same logits, with stride 0
        return gen.normal(1, 5, dtype=dtype, scale=2.0).expand(4, 5), gen.classes(4, 5), "none"
    if boundary == "0-dim":  # the smallest case the docstring allows: one row, one class
        return (
            gen.normal(1, 1, dtype=dtype),
            torch.zeros(1, dtype=torch.long, device=gen.device),
            "mean",
        )
    if boundary == "requires-grad":
        logits, target = make_inputs("cross_entropy", gen, dtype, (4, 3))
        return logits.requires_grad_(True), target, "mean"
    logits = [
        [1.0, 1.0, 0.0, -2.0],
        [2.0, 2.0, 2.0, 2.0],
        [-1.0, 3.0, 3.0, 0.5],
        [0.0, 0.0, 0.0, 0.0],
    ]
    target = [1, 3, 2, 0]  # equal maxima, the true class among them or not
    return (
        torch.tensor(logits, dtype=dtype, device=gen.device),
        torch.tensor(target, device=gen.device),
        "none",
    )


@pytest.mark.inputs("boundary inputs")
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("name", per_loss(weight=1))
def test_boundary_inputs(student, expect, gen, dtype, name, boundary):
    input, target, reduction = boundary_inputs(name, boundary, gen, dtype)
    check_value(student, expect, name, input, target, reduction=reduction)


# -- every loss over a sweep of its input -----------------------------------------------------------

# Per loss: (what the sweep varies, its values, the target every element shares).  Each sweep
# crosses where the loss is easy to get wrong: the kinks of Huber at +-delta, probabilities near
# 0 and 1, logits far beyond where a sigmoid or an exponential rounds to 0, 1 or infinity.  The
# logits step over 0, where |x| has a kink and the reference's autograd gradient a convention.
SWEEPS = {
    "mse": ("input (target 0.5)", torch.linspace(-3.5, 4.5, 161, dtype=torch.float64), 0.5),
    "huber_loss": ("input (target 0.5)", torch.linspace(-3.5, 4.5, 161, dtype=torch.float64), 0.5),
    "binary_cross_entropy": (
        "input probability (target 0.3)",
        torch.linspace(0.002, 0.998, 167, dtype=torch.float64),
        0.3,
    ),
    "binary_cross_entropy_with_logits": (
        "input logit (target 0.3)",
        torch.linspace(-60.0, 60.0, 160, dtype=torch.float64),
        0.3,
    ),
    "cross_entropy": (
        "logit of class 0 (class 1's is 1, class 2's 0; target 1)",
        torch.linspace(-60.0, 60.0, 160, dtype=torch.float64),
        1,
    ),
}


def sweep_inputs(name, device):
    """(the swept values, input, target): one element, or one row of logits, per swept value."""
    _, values, shared = SWEEPS[name]
    values = values.to(device)
    if name == "cross_entropy":
        others = torch.tensor([1.0, 0.0], dtype=torch.float64, device=device).expand(len(values), 2)
        input = torch.cat([values[:, None], others], dim=1)
        return values, input, torch.full((len(values),), shared, device=device)
    return values, values.clone(), torch.full_like(values, shared)


@pytest.mark.inputs("losses over a sweep")
@pytest.mark.parametrize("name", per_loss(weight=1))
def test_losses_over_a_sweep(student, expect, gen, name):
    """Each element's loss, and its gradient, as one input sweeps a range: a loss wrong only
    for large logits, or only on one side of Huber's delta, shows where (and the figure draws it)."""
    values, input, target = sweep_inputs(name, gen.device)
    reference = getattr(ref, name)
    want = reference(input, target, reduction="none")
    x = input.detach().requires_grad_(True)
    (want_gradient,) = torch.autograd.grad(reference(x, target, reduction="none").sum(), x)
    got, (got_gradient,) = student.call_backward(
        input, target, wrt=(0,), grad_output=torch.ones_like(want), reduction="none"
    )
    if name == "cross_entropy":  # the gradient with respect to the swept logit only
        want_gradient = want_gradient[:, 0]
        got_gradient = got_gradient[:, 0] if _has_rows(got_gradient, len(values)) else got_gradient
    what, tolerance = SWEEPS[name][0], expect.tolerance(want)

    def drawn():
        return figures.figure(
            f"{name}(input, target, reduction='none'), one element per value of the {what}",
            figures.curve(values, want, got, x_label=what, y_label="loss", tolerance=tolerance),
            figures.curve(
                values,
                want_gradient,
                got_gradient,
                x_label=what,
                y_label="d loss / d input",
                tolerance=tolerance,
            ),
        )

    called = f"{name}(input, target, reduction='none') over a sweep of the {what} from " + (
        f"{values[0].item():g} to {values[-1].item():g}"
    )
    expect.close(
        got,
        want,
        what=called,
        mistakes=catalogue.of(name),
        recompute=lambda wrong: wrong(input, target, reduction="none"),
        figure=drawn,
    )

    def wrong_gradient(wrong):
        x = input.detach().requires_grad_(True)
        gradient = torch.autograd.grad(wrong(x, target, reduction="none").sum(), x)[0]
        return gradient[:, 0] if name == "cross_entropy" else gradient

    expect.close(
        got_gradient,
        want_gradient,
        what=f"the gradient of {called}",
        mistakes=catalogue.of(name),
        recompute=wrong_gradient,
        figure=drawn,
    )


def _has_rows(value, rows):
    return isinstance(value, torch.Tensor) and value.ndim == 2 and len(value) == rows
