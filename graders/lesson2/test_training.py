"""Hidden graders for lesson2/training.py: one epoch of training, evaluation, and mini-batch SGD by hand.

The training loops run on models with BatchNorm (so the train/eval mode matters), with SGD
and momentum (so stale or accumulated gradients show), on a loader whose last batch is
smaller (so an unweighted mean shows).  The probe records how each batch reached the model:
through ``.to(device, non_blocking=True)`` or not, in which mode, with gradients recorded or
not, which makes device placement gradable on a machine without a GPU.
"""

import pytest
import torch

from graders.api import describe, describe_call, load_reference
from graders.lesson2.probes_training import training_setup

from .mistakes_training import (
    catalogue,
    ev_blocking_copies,
    ev_no_eval_mode,
    ev_not_moved,
    ev_records_graph,
    te_accumulates_graph,
    te_blocking_copies,
    te_no_train_mode,
    te_not_moved,
)

ref = load_reference("lesson2.training")

# name: (layers, features, loss, batch size, examples); 22, 20 and 9 examples leave last batches
# of 6, 2 and 1 (a batch of one: no BatchNorm there, which cannot train on it).
MODELS = {
    "regression": (
        [["Linear", 5, 16], ["BatchNorm1d", 16], ["Tanh"], ["Linear", 16, 1]],
        5,
        "mse",
        8,
        22,
    ),
    "classification": (
        [["Linear", 4, 12], ["BatchNorm1d", 12], ["ReLU"], ["Linear", 12, 3]],
        4,
        "cross_entropy",
        6,
        20,
    ),
    "last-batch-of-one": ([["Linear", 3, 4], ["Tanh"], ["Linear", 4, 1]], 3, "mse", 4, 9),
}


def make_setup(name, gen, dtype):
    layers, features, loss, batch_size, n = MODELS[name]
    inputs = gen.normal(n, features, dtype=dtype)
    targets = gen.normal(n, 1, dtype=dtype) if loss == "mse" else gen.classes(n, 3)
    return dict(
        layers=layers,
        inputs=inputs,
        targets=targets,
        loss=loss,
        batch_size=batch_size,
        lr=0.1,
        momentum=0.9,
        seed=7,
        dtype=dtype,
    )


def reference_run(function, setup, device, mode):
    """What the probe does, with our own code: a fresh setup, the model in the wrong mode, one call."""
    model, loader, loss_fn, optimizer = training_setup(**setup, device=device)
    model.train(mode != "train")
    value = (
        function(model, loader, loss_fn, optimizer)
        if mode == "train"
        else function(model, loader, loss_fn)
    )
    return {
        "value": value,
        "state": {name: tensor.detach().clone() for name, tensor in model.state_dict().items()},
    }


def labelled(run):
    return {"the returned mean loss": run["value"], "the model's state afterwards": run["state"]}


def check_run(student, expect, memo, setup, device, mode, probe, what):
    got = student.probe(probe, setup=setup)
    entry = "train_epoch" if mode == "train" else "evaluate"
    expect.close(
        labelled(got),
        labelled(
            memo("reference", lambda: reference_run(getattr(ref, entry), setup, device, mode))
        ),
        what=what,
        mistakes=catalogue.of(entry),
        recompute=lambda wrong: labelled(reference_run(wrong, setup, device, mode)),
    )
    return got


def describe_setup(entry, name, setup):
    layers, _, loss, batch_size, n = MODELS[name]
    return (
        f"{entry} on the {name} model ({' -> '.join(layer[0] for layer in layers)}, {str(setup['dtype'])[6:]}), "
        f"{n} examples in batches of {batch_size}, {loss} loss"
        + (", SGD with lr=0.1, momentum=0.9" if entry == "train_epoch" else "")
    )


def check_placement(expect, got, device, entry, not_moved, blocking=None):
    """Every input and target reached the model through .to(the model's device[, non_blocking=True]).

    ``not_moved`` is named when a batch reached the model without any .to() call, ``blocking``
    (when given, the case also asks for non_blocking=True) when it came through a blocking one;
    a batch sent towards another device is described, with no mistake named.
    """
    wanted = torch.device(device).type
    for kind, records in (("inputs", got["forward"]), ("targets", got["targets"])):
        for i, record in enumerate(records, start=1):
            if not record["moved"]:
                expect.that(
                    False,
                    f"{entry}: the {kind} of batch {i} reached the model without a .to(...) call; "
                    f"the model is on {wanted}.\n" + catalogue.find(not_moved).explain(),
                )
            if record["device"] != wanted:
                towards = (
                    f"towards {record['device']}" if record["device"] else "that names no device"
                )
                expect.that(
                    False,
                    f"{entry}: the {kind} of batch {i} reached the model through a .to() call "
                    f"{towards}, but the model is on {wanted}: take the device from "
                    "next(model.parameters()).device",
                )
            if blocking is not None and not record["non_blocking"]:
                expect.that(
                    False,
                    f"{entry}: the {kind} of batch {i} were copied with a blocking .to() call.\n"
                    + catalogue.find(blocking).explain(),
                )


# -- train_epoch ------------------------------------------------------------------------------------------


@pytest.mark.inputs("train epoch matches the reference")
@pytest.mark.exercise("lesson2.train_epoch", weight=3)
@pytest.mark.parametrize("name", MODELS)
def test_train_epoch_matches_the_reference(student, expect, memo, gen, device, dtype, name):
    setup = make_setup(name, gen, dtype)
    check_run(
        student,
        expect,
        memo,
        setup,
        device,
        "train",
        "train_one_epoch",
        describe_setup("train_epoch", name, setup),
    )


@pytest.mark.inputs("train epoch steps once per batch in training mode")
@pytest.mark.exercise("lesson2.train_epoch", weight=1)
@pytest.mark.parametrize("name", MODELS)
def test_train_epoch_steps_once_per_batch_in_training_mode(student, expect, gen, name):
    got = student.probe("train_one_epoch", setup=make_setup(name, gen, torch.float64))
    modes = [record["training"] for record in got["forward"]]
    expect.that(
        bool(modes) and all(modes),
        f"train_epoch ran the model in evaluation mode (model.training per batch: {modes}).\n"
        + catalogue.find(te_no_train_mode).explain(),
    )
    expect.equal(
        got["steps"],
        got["batches"],
        what=f"the number of optimizer steps train_epoch took for {got['batches']} batches",
    )
    expect.equal(
        len(got["forward"]),
        got["batches"],
        what=f"the number of forward passes train_epoch ran for {got['batches']} batches",
    )


@pytest.mark.inputs("train epoch moves each batch to the model device")
@pytest.mark.exercise("lesson2.train_epoch", weight=1)
def test_train_epoch_moves_each_batch_to_the_model_device(student, expect, gen, device):
    got = student.probe("train_one_epoch", setup=make_setup("regression", gen, torch.float32))
    check_placement(expect, got, device, "train_epoch", te_not_moved)


@pytest.mark.inputs("train epoch copies batches without blocking")
@pytest.mark.exercise("lesson2.train_epoch", weight=0.5)
def test_train_epoch_copies_batches_without_blocking(student, expect, gen, device):
    got = student.probe("train_one_epoch", setup=make_setup("regression", gen, torch.float32))
    check_placement(expect, got, device, "train_epoch", te_not_moved, te_blocking_copies)


@pytest.mark.inputs("train epoch returns a number without a graph")
@pytest.mark.exercise("lesson2.train_epoch", weight=0.5)
def test_train_epoch_returns_a_number_without_a_graph(student, expect, gen):
    value = student.probe(
        "train_one_epoch", setup=make_setup("classification", gen, torch.float32)
    )["value"]
    if isinstance(value, float):
        return
    if isinstance(value, torch.Tensor) and value.requires_grad:
        expect.that(
            False,
            "train_epoch returned a tensor that requires grad, not a Python float.\n"
            + catalogue.find(te_accumulates_graph).explain(),
        )
    expect.that(
        False,
        f"train_epoch returned {describe(value)}, not a Python float: the mean loss is a number "
        "(loss.item() gives a batch's loss as one)",
    )


# -- evaluate --------------------------------------------------------------------------------------------


@pytest.mark.inputs("evaluate matches the reference and changes nothing")
@pytest.mark.exercise("lesson2.evaluate", weight=2)
@pytest.mark.parametrize("name", MODELS)
def test_evaluate_matches_the_reference_and_changes_nothing(
    student, expect, memo, gen, device, dtype, name
):
    setup = make_setup(name, gen, dtype)
    check_run(
        student,
        expect,
        memo,
        setup,
        device,
        "evaluate",
        "evaluate_once",
        describe_setup("evaluate", name, setup),
    )


@pytest.mark.inputs("evaluate runs in evaluation mode without a graph")
@pytest.mark.exercise("lesson2.evaluate", weight=1)
@pytest.mark.parametrize("name", MODELS)
def test_evaluate_runs_in_evaluation_mode_without_a_graph(student, expect, gen, name):
    got = student.probe("evaluate_once", setup=make_setup(name, gen, torch.float64))
    for i, record in enumerate(got["forward"], start=1):
        if record["training"]:
            expect.that(
                False,
                f"evaluate ran batch {i} with the model in training mode.\n{catalogue.find(ev_no_eval_mode).explain()}",
            )
        if record["grad_enabled"]:
            expect.that(
                False,
                f"evaluate ran batch {i} with gradient recording on.\n{catalogue.find(ev_records_graph).explain()}",
            )
    expect.equal(
        len(got["forward"]),
        got["batches"],
        what=f"the number of forward passes evaluate ran for {got['batches']} batches",
    )


@pytest.mark.inputs("evaluate moves each batch to the model device")
@pytest.mark.exercise("lesson2.evaluate", weight=0.5)
def test_evaluate_moves_each_batch_to_the_model_device(student, expect, gen, device):
    got = student.probe("evaluate_once", setup=make_setup("regression", gen, torch.float32))
    check_placement(expect, got, device, "evaluate", ev_not_moved)


@pytest.mark.inputs("evaluate copies batches without blocking")
@pytest.mark.exercise("lesson2.evaluate", weight=0.25)
def test_evaluate_copies_batches_without_blocking(student, expect, gen, device):
    got = student.probe("evaluate_once", setup=make_setup("regression", gen, torch.float32))
    check_placement(expect, got, device, "evaluate", ev_not_moved, ev_blocking_copies)


# -- sgd_linear_regression ------------------------------------------------------------------------------


def regression_data(gen, dtype, n, d, noise):
    X = gen.normal(n, d, dtype=dtype)
    y = X @ gen.normal(d, dtype=dtype) + 0.5 + noise * gen.normal(n, dtype=dtype)
    return X, y


def labelled_fit(result):
    w, b = result if isinstance(result, (tuple, list)) and len(result) == 2 else (result, None)
    return {"w": w, "b": b}


def check_fit(student, expect, memo, X, y, want=None, what="", **kwargs):
    if want is None:
        want = memo("reference", lambda: ref.sgd_linear_regression(X, y, **kwargs))
    expect.close(
        labelled_fit(student.call(X, y, **kwargs)),
        labelled_fit(want),
        what=what or describe_call("sgd_linear_regression", X, y, **kwargs),
        mistakes=catalogue.of("sgd_linear_regression"),
        recompute=lambda wrong: labelled_fit(wrong(X, y, **kwargs)),
    )


RUNS = ((4, 3), (7, 2), (1, 1), (20, 5))


@pytest.mark.inputs("sgd linear regression trajectory")
@pytest.mark.exercise("lesson2.sgd_linear_regression", weight=3)
@pytest.mark.parametrize("batch_size, epochs", RUNS, ids=[f"B{b}-epochs{e}" for b, e in RUNS])
def test_sgd_linear_regression_trajectory(student, expect, memo, gen, dtype, batch_size, epochs):
    X, y = regression_data(gen, dtype, 20, 3, noise=0.1)
    check_fit(student, expect, memo, X, y, lr=0.05, batch_size=batch_size, epochs=epochs, seed=3)


@pytest.mark.inputs("sgd linear regression reaches the least squares solution")
@pytest.mark.exercise("lesson2.sgd_linear_regression", weight=2)
@pytest.mark.parametrize("regime", ("full-batch-noisy-data", "minibatch-exact-data"))
def test_sgd_linear_regression_reaches_the_least_squares_solution(
    student, expect, memo, gen, regime
):
    """Full-batch descent on noisy data, and mini-batches on data a line fits exactly, both end at lstsq's answer."""
    if regime == "full-batch-noisy-data":
        X, y = regression_data(gen, torch.float64, 40, 4, noise=0.3)
        kwargs = dict(lr=0.2, batch_size=40, epochs=200, seed=1)
    else:
        X, y = regression_data(gen, torch.float64, 40, 4, noise=0.0)
        kwargs = dict(lr=0.1, batch_size=8, epochs=80, seed=1)
    design = torch.cat([X, torch.ones_like(X[:, :1])], dim=1)
    solution = torch.linalg.lstsq(design.cpu(), y.cpu()[:, None]).solution[:, 0].to(X.device)
    check_fit(
        student,
        expect,
        memo,
        X,
        y,
        want=(solution[:-1], solution[-1]),
        **kwargs,
        what=describe_call("sgd_linear_regression", X, y, **kwargs)
        + " against torch.linalg.lstsq's solution",
    )


BOUNDARIES = ("transposed-X-strided-y", "X-requires-grad", "one-example-batches-of-one-feature")


@pytest.mark.inputs("sgd linear regression boundary inputs")
@pytest.mark.exercise("lesson2.sgd_linear_regression", weight=1)
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_sgd_linear_regression_boundary_inputs(student, expect, memo, gen, dtype, boundary):
    """Inputs laid out as views (X transposed, y a strided slice), an X that requires grad, and
    batches of one example with one feature: the same fit as from plain contiguous inputs."""
    kwargs = dict(lr=0.05, batch_size=5, epochs=2, seed=4)
    if boundary == "transposed-X-strided-y":
        X = gen.normal(3, 12, dtype=dtype).T
        y = gen.normal(24, dtype=dtype)[::2]
    elif boundary == "X-requires-grad":
        X, y = regression_data(gen, dtype, 12, 3, noise=0.1)
        X.requires_grad_(True)
    else:
        X, y = regression_data(gen, dtype, 7, 1, noise=0.1)
        kwargs = dict(lr=0.05, batch_size=1, epochs=2, seed=4)
    check_fit(student, expect, memo, X, y, **kwargs)
