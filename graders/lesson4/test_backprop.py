"""Hidden graders for lesson4/backprop.py: the two-layer network's forward pass, backward pass and training step.

Shapes keep D != H so that a transposed weight gradient has the wrong shape, include a
batch of one (where summing and averaging over the batch agree, so other shapes must
catch that) and H == C (where ``dout @ W2`` runs but is wrong).  ``dout`` is random, never
ones, so every gradient depends on it.  One case of each pass has no contiguous input: a
``.view`` where ``.reshape`` belongs fails there only.  The backward pass is probed together with the
student's own forward pass, since its cache is theirs.
"""

import pytest
import torch

from graders.api import describe, figures, load_reference
from graders.lesson4.probes_backprop import mlp_gradients, mlp_training

from .mistakes_backprop import catalogue

ref = load_reference("lesson4.backprop")
PARAMETERS = ("W1", "b1", "W2", "b2")
SHAPES = [(4, 3, 5, 2), (1, 6, 4, 3), (6, 4, 7, 7)]  # (N, D, H, C)


def shape_id(shape):
    return "N{}-D{}-H{}-C{}".format(*shape)


def network(gen, shape, dtype):
    n, d, h, c = shape
    params = {
        "W1": gen.normal(d, h, dtype=dtype),
        "b1": gen.normal(h, dtype=dtype, scale=0.5),
        "W2": gen.normal(h, c, dtype=dtype),
        "b2": gen.normal(c, dtype=dtype, scale=0.5),
    }
    return gen.normal(n, d, dtype=dtype), params


def sizes(shape):
    return "N={}, D={}, H={}, C={}".format(*shape)


def network_with_dead_units(gen, shape, dtype):
    """A network whose hidden units 0 and 2 have zero weights and bias: z is exactly 0 in their columns.

    Pre-activations drawn at random are never exactly 0, so only such inputs tell ``z > 0`` from
    ``z >= 0``; a zero row of ``x`` adds zeros where only some units are dead.
    """
    x, params = network(gen, shape, dtype)
    x[0] = 0.0
    for unit in (0, 2):
        params["W1"][:, unit] = 0.0
        params["b1"][unit] = 0.0
    params["b1"][1] = 0.0
    return x, params


def network_laid_out(gen, shape, dtype):
    """The layouts random inputs never have: x every other column of a wider tensor, both
    weights stored transposed, b1 every other element; values as ``network``'s."""
    n, d, h, c = shape
    x = gen.normal(n, 2 * d, dtype=dtype)[:, ::2]
    params = {
        "W1": gen.normal(h, d, dtype=dtype).T,
        "b1": gen.normal(2 * h, dtype=dtype, scale=0.5)[::2],
        "W2": gen.normal(c, h, dtype=dtype).T,
        "b2": gen.normal(c, dtype=dtype, scale=0.5),
    }
    assert not x.is_contiguous() and not params["W1"].is_contiguous()
    return x, params


LAID_OUT = (
    "x a slice x[:, ::2] of a wider tensor, W1 and W2 transposed views, b1 every other element "
    "(none of them contiguous)"
)


# -- mlp_forward --------------------------------------------------------------------------------


def check_forward(student, expect, x, params, what):
    got = student.call(x, params)
    expect.that(
        type(got) is tuple and len(got) == 2,
        f"mlp_forward must return a pair (out, cache); it returned {describe(got)}",
    )
    expect.close(
        got[0],
        ref.mlp_forward(x, params)[0],
        what=f"mlp_forward(x, params)[0] with {what}",
        mistakes=catalogue.of("mlp_forward"),
        recompute=lambda wrong: wrong(x, params)[0],
    )


@pytest.mark.inputs("mlp forward values")
@pytest.mark.exercise("lesson4.mlp_forward")
@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_mlp_forward_values(student, expect, gen, dtype, shape):
    x, params = network(gen, shape, dtype)
    check_forward(student, expect, x, params, sizes(shape))


@pytest.mark.inputs("mlp forward at the relu kink")
@pytest.mark.exercise("lesson4.mlp_forward", weight=0.5)
def test_mlp_forward_at_the_relu_kink(student, expect, gen, dtype):
    x, params = network_with_dead_units(gen, SHAPES[2], dtype)
    check_forward(
        student,
        expect,
        x,
        params,
        f"{sizes(SHAPES[2])}, where z = x @ W1 + b1 is exactly 0 in hidden units 0 and 2",
    )


@pytest.mark.inputs("mlp forward of non-contiguous inputs")
@pytest.mark.exercise("lesson4.mlp_forward", weight=0.5)
def test_mlp_forward_of_non_contiguous_inputs(student, expect, gen, dtype):
    x, params = network_laid_out(gen, SHAPES[0], dtype)
    check_forward(student, expect, x, params, f"{sizes(SHAPES[0])}, {LAID_OUT}")


# -- mlp_backward -------------------------------------------------------------------------------


def autograd_gradients(x, params, dout):
    """What autograd finds for the gradients mlp_backward computes by hand.

    The figure's reference axis: ``torch.relu``, whose gradient at 0 is 0 as in the reference's
    ``z > 0``, so it agrees with the values compared at the kink as well (``clamp``'s is 1 there).
    """
    leaves = {key: value.detach().clone().requires_grad_(True) for key, value in params.items()}
    out = torch.relu(x @ leaves["W1"] + leaves["b1"]) @ leaves["W2"] + leaves["b2"]
    grads = torch.autograd.grad(out, [leaves[key] for key in PARAMETERS], grad_outputs=dout)
    return dict(zip(PARAMETERS, grads, strict=True))


def check_backward(student, expect, x, params, dout, name, what):
    got = student.probe("mlp_backward_of", x=x, params=params, dout=dout)
    expect.that(
        name in got["grads"],
        f"mlp_backward returned no gradient for {name!r}; its keys are {sorted(got['grads'])}",
    )
    want = mlp_gradients(ref.mlp_forward, ref.mlp_backward, x, params, dout)
    expect.close(
        got["grads"][name],
        want["grads"][name],
        what=f"the gradient for {name} from mlp_backward(dout, cache) with {what}",
        figure=lambda: figures.figure(
            f"the gradient for {name} with {what}, entry by entry",
            figures.scatter(
                autograd_gradients(x, params, dout)[name],
                got["grads"][name],
                x_label=f"autograd's d loss / d {name}",
                y_label="your backward pass's",
                tolerance=expect.tolerance(want["grads"][name]),
            ),
        ),
        mistakes=catalogue.of("mlp_backward"),
        recompute=lambda wrong: mlp_gradients(ref.mlp_forward, wrong, x, params, dout)["grads"][
            name
        ],
    )


# Every shape in float64, and one in float32.
BACKWARD_CASES = [(shape, torch.float64) for shape in SHAPES] + [(SHAPES[0], torch.float32)]


@pytest.mark.inputs("mlp backward gradient")
@pytest.mark.exercise("lesson4.mlp_backward", weight=5)
@pytest.mark.parametrize("name", PARAMETERS)
@pytest.mark.parametrize(
    "shape, dtype", BACKWARD_CASES, ids=[f"{shape_id(s)}-{str(d)[6:]}" for s, d in BACKWARD_CASES]
)
def test_mlp_backward_gradient(student, expect, gen, dtype, shape, name):
    x, params = network(gen, shape, dtype)
    dout = gen.normal(shape[0], shape[3], dtype=dtype)
    check_backward(student, expect, x, params, dout, name, sizes(shape))


@pytest.mark.inputs("mlp backward at the relu kink")
@pytest.mark.exercise("lesson4.mlp_backward", weight=1)
@pytest.mark.parametrize("name", ["W1", "b1"])
@pytest.mark.parametrize("shape", [SHAPES[0], SHAPES[2]], ids=shape_id)
def test_mlp_backward_at_the_relu_kink(student, expect, gen, dtype, shape, name):
    x, params = network_with_dead_units(gen, shape, dtype)
    dout = gen.normal(shape[0], shape[3], dtype=dtype)
    what = (
        f"{sizes(shape)}, where z = x @ W1 + b1 is exactly 0 in hidden units 0 and 2, in unit 1 "
        "of row 0 (a ReLU passes no gradient where z = 0)"
    )
    check_backward(student, expect, x, params, dout, name, what)


@pytest.mark.inputs("mlp backward of non-contiguous inputs")
@pytest.mark.exercise("lesson4.mlp_backward", weight=1)
@pytest.mark.parametrize("name", PARAMETERS)
def test_mlp_backward_of_non_contiguous_inputs(student, expect, gen, dtype, name):
    x, params = network_laid_out(gen, SHAPES[2], dtype)
    dout = gen.normal(SHAPES[2][0], 2 * SHAPES[2][3], dtype=dtype)[:, 1::2]
    what = f"{sizes(SHAPES[2])}, {LAID_OUT}, and dout a slice dout[:, 1::2]"
    check_backward(student, expect, x, params, dout, name, what)


@pytest.mark.inputs("mlp backward returns exactly the four gradients")
@pytest.mark.exercise("lesson4.mlp_backward", weight=1)
def test_mlp_backward_returns_exactly_the_four_gradients(student, expect, gen):
    x, params = network(gen, SHAPES[0], torch.float64)
    got = student.probe("mlp_backward_of", x=x, params=params, dout=gen.normal(4, 2))
    expect.equal(
        sorted(got["grads"]), sorted(PARAMETERS), what="the keys of the dict mlp_backward returns"
    )


# -- mlp_train_step -----------------------------------------------------------------------------


def check_training(student, expect, x, y, params, lr, steps, parts, what):
    got = student.probe("mlp_training_of", x=x, y=y, params=params, lr=lr, steps=steps)
    want = mlp_training(ref.mlp_train_step, x, y, params, lr, steps)

    def recompute(part, name=None):
        def run(wrong):
            result = mlp_training(wrong, x, y, params, lr, steps)[part]
            return result if name is None else result[name]

        return run

    mistakes = catalogue.of("mlp_train_step")
    if "losses" in parts:
        expect.close(
            got["losses"],
            want["losses"],
            what=f"the loss mlp_train_step returns at each of {steps} step(s), {what}",
            mistakes=mistakes,
            recompute=recompute("losses"),
        )
    for part in ("params", "originals"):
        if part not in parts:
            continue
        for name in PARAMETERS:
            holder = "params[{!r}]" if part == "params" else "the tensor passed in as params[{!r}]"
            expect.that(
                name in got[part],
                f"after {steps} step(s), {what}, the params dict has no {name!r}; its keys are "
                f"{sorted(got[part])} (mlp_train_step updates the tensors of the dict it is given "
                "and keeps its keys)",
            )
            expect.close(
                got[part][name],
                want[part][name],
                what=f"{holder.format(name)} after {steps} step(s), {what}",
                mistakes=mistakes,
                recompute=recompute(part, name),
            )


def classification(gen, shape, dtype):
    x, params = network(gen, shape, dtype)
    return x, gen.classes(shape[0], shape[3]), params


@pytest.mark.inputs("mlp train step one step")
@pytest.mark.exercise("lesson4.mlp_train_step", weight=2)
@pytest.mark.parametrize("shape", SHAPES[:2], ids=shape_id)
def test_mlp_train_step_one_step(student, expect, gen, dtype, shape):
    x, y, params = classification(gen, shape, dtype)
    check_training(
        student, expect, x, y, params, 0.3, 1, ("losses", "params"), f"lr=0.3, {sizes(shape)}"
    )


@pytest.mark.inputs("mlp train step five steps")
@pytest.mark.exercise("lesson4.mlp_train_step", weight=1)
@pytest.mark.parametrize("shape", [SHAPES[0], SHAPES[2]], ids=shape_id)
def test_mlp_train_step_five_steps(student, expect, gen, shape):
    x, y, params = classification(gen, shape, torch.float64)
    check_training(
        student, expect, x, y, params, 0.5, 5, ("losses", "params"), f"lr=0.5, {sizes(shape)}"
    )


@pytest.mark.inputs("mlp train step updates the tensors in place")
@pytest.mark.exercise("lesson4.mlp_train_step", weight=0.5)
def test_mlp_train_step_updates_the_tensors_in_place(student, expect, gen):
    x, y, params = classification(gen, SHAPES[0], torch.float64)
    check_training(student, expect, x, y, params, 0.3, 2, ("originals",), "lr=0.3")


@pytest.mark.inputs("mlp train step is stable for huge scores")
@pytest.mark.exercise("lesson4.mlp_train_step", weight=0.5)
def test_mlp_train_step_is_stable_for_huge_scores(student, expect, gen):
    x, y, params = classification(gen, SHAPES[0], torch.float64)
    params["W2"] = params["W2"] * 100.0
    params["b2"] = params["b2"] + 1000.0  # scores of about 1000: exp() overflows even in float64
    check_training(
        student, expect, x, y, params, 1e-3, 1, ("losses", "params"), "scores of about 1000"
    )
