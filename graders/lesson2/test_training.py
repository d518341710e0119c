"""Hidden graders for lesson2/training.py: one epoch of training, evaluation, and mini-batch SGD by hand.

The training loops run on models with BatchNorm (so the train/eval mode matters), with SGD
and momentum (so stale or accumulated gradients show), on a loader whose last batch is
smaller (so an unweighted mean shows).  The probe records how each batch reached the model:
through ``.to(device, non_blocking=True)`` or not, in which mode, with gradients recorded or
not, which makes device placement gradable on a machine without a GPU.
"""

import pytest
import torch

from graders.api import describe_call, load_reference
from graders.lesson2.probes_training import training_setup

from .mistakes_training import (
    catalogue,
    ev_no_eval_mode,
    ev_not_moved,
    ev_records_graph,
    te_accumulates_graph,
    te_blocking_copies,
    te_no_train_mode,
    te_not_moved,
)

ref = load_reference("lesson2.training")

# name: (layers, features, loss, batch size); 22 and 20 examples leave last batches of 6 and 2.
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


def check_placement(expect, got, device, entry, mistake, *, non_blocking):
    """Every input and target reached the model through .to(the model's device[, non_blocking=True])."""
    wanted = torch.device(device).type
    for kind, records in (("inputs", got["forward"]), ("targets", got["targets"])):
        for i, record in enumerate(records, start=1):
            if not record["moved"] or record["device"] != wanted:
                how = (
                    "without a .to(...) call"
                    if not record["moved"]
                    else f"through .to() towards {record['device']}"
                )
                expect.that(
                    False,
                    f"{entry}: the {kind} of batch {i} reached the model {how}; the model is on {wanted}.\n"
                    + catalogue.find(mistake).explain(),
                )
            if non_blocking and not record["non_blocking"]:
                expect.that(
                    False,
                    f"{entry}: the {kind} of batch {i} were copied with a blocking .to() call.\n"
                    + catalogue.find(te_blocking_copies).explain(),
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
    check_placement(expect, got, device, "train_epoch", te_not_moved, non_blocking=False)


@pytest.mark.inputs("train epoch copies batches without blocking")
@pytest.mark.exercise("lesson2.train_epoch", weight=0.5)
def test_train_epoch_copies_batches_without_blocking(student, expect, gen, device):
    got = student.probe("train_one_epoch", setup=make_setup("regression", gen, torch.float32))
    check_placement(expect, got, device, "train_epoch", te_not_moved, non_blocking=True)


@pytest.mark.inputs("train epoch returns a number without a graph")
@pytest.mark.exercise("lesson2.train_epoch", weight=0.5)
def test_train_epoch_returns_a_number_without_a_graph(student, expect, gen):
    value = student.probe(
        "train_one_epoch", setup=make_setup("classification", gen, torch.float32)
    )["value"]
    expect.that(
        isinstance(value, float) or (isinstance(value, torch.Tensor) and not value.requires_grad),
        "train_epoch returned a "
        f"{'tensor that requires grad' if isinstance(value, torch.Tensor) else type(value).__name__}, "
        f"not a Python float.\n{catalogue.find(te_accumulates_graph).explain()}",
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
    check_placement(expect, got, device, "evaluate", ev_not_moved, non_blocking=True)


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
