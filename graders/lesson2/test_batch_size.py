"""Hidden graders for lesson2/batch_size.py: vectorised per-example gradients, gradient noise, memory.

Per-example gradients are checked for values and for a number of tensor operations that
does not grow with the batch; the gradient variance against the reference and against an
exact average over every possible batch; the batch size against budgets built from the
models' sizes counted by hand, at the exact boundary and one byte short of the next batch.
"""

import itertools

import pytest
import torch

from graders.api import describe_call, load_reference
from graders.lesson2.probes_common import build_model

from .mistakes_batch_size import catalogue, pe_loop

ref = load_reference("lesson2.batch_size")


# -- per_example_gradients --------------------------------------------------------------------------


def regression_batch(gen, dtype, n, d):
    return (
        gen.normal(n, d, dtype=dtype),
        gen.normal(n, dtype=dtype),
        gen.normal(d, dtype=dtype),
        gen.normal(dtype=dtype),
    )


def labelled_gradients(result):
    grad_w, grad_b = (
        result if isinstance(result, (tuple, list)) and len(result) == 2 else (result, None)
    )
    return {"grad_w": grad_w, "grad_b": grad_b}


def check_per_example(expect, got, args):
    expect.close(
        labelled_gradients(got),
        labelled_gradients(ref.per_example_gradients(*args)),
        what=describe_call("per_example_gradients", *args),
        mistakes=catalogue.of("per_example_gradients"),
        recompute=lambda wrong: labelled_gradients(wrong(*args)),
    )


@pytest.mark.inputs("per example gradients values")
@pytest.mark.exercise("lesson2.per_example_gradients", weight=2)
@pytest.mark.parametrize("shape", ((6, 3), (1, 4), (5, 5)), ids=("6x3", "1x4", "5x5"))
def test_per_example_gradients_values(student, expect, gen, dtype, shape):
    args = regression_batch(gen, dtype, *shape)
    check_per_example(expect, student.call(*args), args)


def boundary_batch(gen, dtype, boundary):
    """(X, y, w, b) for each boundary of per_example_gradients."""
    if boundary == "zero-row-and-exact-fit":
        X, y, w, b = regression_batch(gen, dtype, 5, 3)
        X[1] = 0.0  # a zero example: its grad_w row is exactly zero
        y[3] = X[3] @ w + b  # an exact fit: the residual and both gradients are exactly zero
        return X, y, w, b
    if boundary == "transposed-X-strided-y-and-w":
        return (
            gen.normal(3, 6, dtype=dtype).T,
            gen.normal(12, dtype=dtype)[::2],
            gen.normal(6, dtype=dtype)[1::2],
            gen.normal(dtype=dtype),
        )
    if boundary == "one-example-one-feature":
        return regression_batch(gen, dtype, 1, 1)
    if boundary == "expanded-X":
        return (
            gen.normal(1, 4, dtype=dtype).expand(5, 4),
            gen.normal(5, dtype=dtype),
            gen.normal(4, dtype=dtype),
            gen.normal(dtype=dtype),
        )
    # parameters of a model: w and b require grad, and the gradients must not be tied to them
    X, y, w, b = regression_batch(gen, dtype, 4, 2)
    return X, y, w.requires_grad_(True), b.requires_grad_(True)


PER_EXAMPLE_BOUNDARIES = (
    "zero-row-and-exact-fit",
    "transposed-X-strided-y-and-w",
    "expanded-X",
    "w-and-b-require-grad",
    "one-example-one-feature",
)


@pytest.mark.inputs("per example gradients at boundary inputs")
@pytest.mark.exercise("lesson2.per_example_gradients", weight=1)
@pytest.mark.parametrize("boundary", PER_EXAMPLE_BOUNDARIES)
def test_per_example_gradients_at_boundary_inputs(student, expect, gen, dtype, boundary):
    args = boundary_batch(gen, dtype, boundary)
    check_per_example(expect, student.call(*args), args)


@pytest.mark.inputs("per example gradients are vectorised")
@pytest.mark.exercise("lesson2.per_example_gradients", weight=1)
def test_per_example_gradients_are_vectorised(student, expect, gen):
    """The same number of tensor operations for 3 examples as for 48: no Python loop over the batch."""
    dtype = torch.float32
    small, large = regression_batch(gen, dtype, 3, 4), regression_batch(gen, dtype, 48, 4)
    outcome = student.probe("call_counting_operations", calls=[small, large])
    for got, args in zip(outcome["values"], (small, large)):
        check_per_example(expect, got, args)
    few, many = outcome["operations"]
    expect.that(
        few == many,
        f"per_example_gradients ran {few} tensor operations for 3 examples and {many} for 48: the work grows with the "
        f"batch, so it loops over the examples in Python.\n{catalogue.find(pe_loop).explain()}",
    )


# -- minibatch_gradient_variance ---------------------------------------------------------------------

VARIANCE_CASES = ((10, 3, 1), (10, 3, 10), (2, 5, 1), (50, 7, 8))


def check_variance(student, expect, grads, batch_size, want=None, what=""):
    expect.close(
        student.call(grads, batch_size),
        ref.minibatch_gradient_variance(grads, batch_size) if want is None else want,
        what=what or describe_call("minibatch_gradient_variance", grads, batch_size),
        mistakes=catalogue.of("minibatch_gradient_variance"),
        recompute=lambda wrong: wrong(grads, batch_size),
    )


@pytest.mark.inputs("minibatch gradient variance values")
@pytest.mark.exercise("lesson2.minibatch_gradient_variance", weight=3)
@pytest.mark.parametrize(
    "n, p, batch_size", VARIANCE_CASES, ids=[f"N{n}-P{p}-B{b}" for n, p, b in VARIANCE_CASES]
)
def test_minibatch_gradient_variance_values(student, expect, gen, dtype, n, p, batch_size):
    grads = gen.normal(n, p, dtype=dtype, scale=2.0, shift=1.0)
    check_variance(student, expect, grads, batch_size)


@pytest.mark.inputs("minibatch gradient variance equals the average over every batch")
@pytest.mark.exercise("lesson2.minibatch_gradient_variance", weight=1)
@pytest.mark.parametrize("batch_size", (2, 3))
def test_minibatch_gradient_variance_equals_the_average_over_every_batch(
    student, expect, gen, batch_size
):
    """For N = 6 the expectation is an average over all C(6, B) batches, computed here by enumeration."""
    grads = gen.normal(6, 3, scale=2.0, shift=1.0)
    full = grads.mean(dim=0)
    batches = [list(b) for b in itertools.combinations(range(6), batch_size)]
    exact = torch.stack([((grads[b].mean(dim=0) - full) ** 2).sum() for b in batches]).mean()
    what = (
        f"minibatch_gradient_variance(float64 tensor (6, 3), {batch_size}) against the average of "
        f"|batch mean - full mean|² over all {len(batches)} batches"
    )
    check_variance(student, expect, grads, batch_size, want=exact, what=what)


VARIANCE_BOUNDARIES = ("identical-expanded-rows", "transposed", "N2-B2", "requires-grad")


@pytest.mark.inputs("minibatch gradient variance at boundary inputs")
@pytest.mark.exercise("lesson2.minibatch_gradient_variance", weight=1)
@pytest.mark.parametrize("boundary", VARIANCE_BOUNDARIES)
def test_minibatch_gradient_variance_at_boundary_inputs(student, expect, gen, dtype, boundary):
    """Identical gradients (an expanded row: zero spread, so zero noise), a transposed view, the
    smallest population N = B = 2 (exactly zero), and gradients that require grad."""
    if boundary == "identical-expanded-rows":
        grads, batch_size = gen.normal(1, 3, dtype=dtype).expand(6, 3), 2
    elif boundary == "transposed":
        grads, batch_size = gen.normal(4, 7, dtype=dtype, scale=2.0).T, 3
    elif boundary == "N2-B2":
        grads, batch_size = gen.normal(2, 3, dtype=dtype), 2
    else:
        grads, batch_size = gen.normal(8, 2, dtype=dtype).requires_grad_(True), 4
    check_variance(student, expect, grads, batch_size)


# -- max_batch_size ------------------------------------------------------------------------------------

# (layers, sample shape, parameters, values kept per example: the input plus every layer's output),
# counted by hand from the layer sizes.
MODELS = {
    "mlp": (
        [["Linear", 20, 64], ["ReLU"], ["Linear", 64, 10]],
        (20,),
        20 * 64 + 64 + 64 * 10 + 10,
        20 + 64 + 64 + 10,
    ),
    "cnn": (
        [["Conv2d", 3, 8, 3], ["ReLU"], ["MaxPool2d", 2], ["Flatten"], ["Linear", 392, 10]],
        (3, 16, 16),
        8 * 3 * 3 * 3 + 8 + 392 * 10 + 10,
        3 * 16 * 16 + 8 * 14 * 14 * 2 + 392 * 2 + 10,
    ),
    "deep": (
        [["Linear", 5, 5], ["Tanh"], ["Linear", 5, 5], ["Tanh"], ["Linear", 5, 1]],
        (5,),
        30 + 30 + 6,
        5 * 5 + 1,
    ),
}


def budget(model, dtype, optimizer_slots, batch_size, spare):
    """The bytes ``batch_size`` examples need, plus ``spare`` ("almost-one-more": a byte short of another example)."""
    _, _, parameters, per_example = MODELS[model]
    size = torch.empty((), dtype=dtype).element_size()
    if spare == "almost-one-more":
        spare = per_example * size - 1
    return parameters * (2 + optimizer_slots) * size + batch_size * per_example * size + spare


def check_batch_size(student, expect, model, dtype, optimizer_slots, memory_budget):
    layers, sample_shape, _, _ = MODELS[model]
    outcome = student.probe(
        "batch_size_for_model",
        layers=layers,
        seed=0,
        dtype=dtype,
        sample_shape=sample_shape,
        memory_budget=memory_budget,
        optimizer_slots=optimizer_slots,
    )
    network = build_model(layers, seed=0, dtype=dtype)
    what = (
        f"max_batch_size(the {model} model in {str(dtype)[6:]}, {sample_shape}, "
        f"memory_budget={memory_budget}, optimizer_slots={optimizer_slots})"
    )
    expect.close(
        outcome["value"],
        ref.max_batch_size(network, sample_shape, memory_budget, optimizer_slots),
        what=what,
        mistakes=catalogue.of("max_batch_size"),
        recompute=lambda wrong: wrong(
            build_model(layers, seed=0, dtype=dtype), sample_shape, memory_budget, optimizer_slots
        ),
    )
    expect.that(
        not outcome["model_changed"], f"{what} changed the model's parameters: only measure it"
    )


BUDGETS = (
    ("mlp", 2, 37, "almost-one-more"),
    ("cnn", 1, 5, 0),
    ("cnn", 0, 12, "almost-one-more"),
    ("deep", 2, 1000, 3),
    ("mlp", 0, 1, 0),  # room for exactly one example
)


@pytest.mark.inputs("max batch size values")
@pytest.mark.exercise("lesson2.max_batch_size", weight=3)
@pytest.mark.parametrize(
    "model, optimizer_slots, batch_size, spare",
    BUDGETS,
    ids=[f"{m}-slots{s}-B{b}-{'exact' if r == 0 else 'spare'}" for m, s, b, r in BUDGETS],
)
def test_max_batch_size_values(student, expect, dtype, model, optimizer_slots, batch_size, spare):
    check_batch_size(
        student,
        expect,
        model,
        dtype,
        optimizer_slots,
        budget(model, dtype, optimizer_slots, batch_size, spare),
    )


@pytest.mark.inputs("max batch size is zero when nothing fits")
@pytest.mark.exercise("lesson2.max_batch_size", weight=1)
@pytest.mark.parametrize("short", ("below-fixed-cost", "below-one-example"))
def test_max_batch_size_is_zero_when_nothing_fits(student, expect, short):
    dtype = torch.float32
    memory_budget = budget("mlp", dtype, 1, 0, -1000 if short == "below-fixed-cost" else 100)
    check_batch_size(student, expect, "mlp", dtype, 1, memory_budget)
