"""Hidden graders for lesson2/data_loading.py: mini-batches by hand, and a configured DataLoader.

Batches are compared epoch by epoch and batch by batch, with targets that are the examples'
indices so a message shows which example went where.  A DataLoader is described by its
settings and by the indices its batch sampler yields over two epochs (no worker starts for
that); one test iterates a loader with two worker processes for real.
"""

import pytest
import torch
from torch.utils.data import TensorDataset

from graders.api import load_reference
from graders.lesson2.probes_data_loading import describe_loader

from .mistakes_data_loading import catalogue

ref = load_reference("lesson2.data_loading")

# -- iterate_minibatches -----------------------------------------------------------------------------


def run_epochs(function, inputs, targets, batch_size, shuffle, seed, drop_last, epochs):
    """What the probe does, here: ``epochs`` calls sharing one generator seeded with ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    return [
        list(
            function(
                inputs,
                targets,
                batch_size,
                shuffle=shuffle,
                generator=generator,
                drop_last=drop_last,
            )
        )
        for _ in range(epochs)
    ]


def labelled_epochs(epochs):
    labelled = {}
    for e, batches in enumerate(epochs, start=1):
        labelled[f"epoch {e}"] = {"number of batches": len(batches)}
        for b, (inputs, targets) in enumerate(batches, start=1):
            labelled[f"epoch {e}"][f"batch {b}"] = {
                "targets (the examples' indices)": targets,
                "inputs": inputs,
            }
    return labelled


def check_minibatches(
    student, expect, gen, dtype, seed, n, batch_size, *, shuffle, drop_last, epochs, layout=None
):
    inputs = gen.normal(n, 3, dtype=dtype)
    targets = torch.arange(n, dtype=dtype, device=gen.device)
    if layout == "transposed-inputs-strided-targets":
        inputs = gen.normal(3, n, dtype=dtype).T
        targets = torch.arange(2 * n, dtype=dtype, device=gen.device)[::2] / 2
    elif layout == "inputs-require-grad":
        inputs.requires_grad_(True)
    # The generator's seed differs from the global one, so ignoring the generator shows.
    settings = dict(
        batch_size=batch_size, shuffle=shuffle, seed=seed + 1, drop_last=drop_last, epochs=epochs
    )
    got = student.probe("collect_minibatches", inputs=inputs, targets=targets, **settings)

    def recompute(function):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)  # the sandbox's global state when the student's code runs
            return labelled_epochs(run_epochs(function, inputs, targets, **settings))

    expect.close(
        labelled_epochs(got),
        labelled_epochs(run_epochs(ref.iterate_minibatches, inputs, targets, **settings)),
        what=f"iterate_minibatches over {n} examples, batch_size={batch_size}, shuffle={shuffle}, "
        f"drop_last={drop_last}, "
        f"{epochs} epoch(s) from one generator" + (f" ({layout})" if layout else ""),
        mistakes=catalogue.of("iterate_minibatches"),
        recompute=recompute,
    )


SEQUENTIAL = (
    (10, 3, False),
    (10, 3, True),
    (12, 4, True),
    (5, 8, False),
    (5, 8, True),  # not even one full batch: an empty epoch
    (7, 1, False),
)
SHUFFLED = ((10, 3, False), (10, 3, True), (16, 4, True), (9, 9, False))


def case_id(n, batch_size, drop_last):
    return f"N{n}-B{batch_size}" + ("-drop_last" if drop_last else "")


@pytest.mark.inputs("iterate minibatches in order")
@pytest.mark.exercise("lesson2.iterate_minibatches", weight=1.5)
@pytest.mark.parametrize(
    "n, batch_size, drop_last", SEQUENTIAL, ids=[case_id(*c) for c in SEQUENTIAL]
)
def test_iterate_minibatches_in_order(student, expect, gen, seed, n, batch_size, drop_last):
    check_minibatches(
        student,
        expect,
        gen,
        torch.float64,
        seed,
        n,
        batch_size,
        shuffle=False,
        drop_last=drop_last,
        epochs=1,
    )


@pytest.mark.inputs("iterate minibatches shuffled by the generator")
@pytest.mark.exercise("lesson2.iterate_minibatches", weight=2.5)
@pytest.mark.parametrize("n, batch_size, drop_last", SHUFFLED, ids=[case_id(*c) for c in SHUFFLED])
def test_iterate_minibatches_shuffled_by_the_generator(
    student, expect, gen, dtype, seed, n, batch_size, drop_last
):
    check_minibatches(
        student,
        expect,
        gen,
        dtype,
        seed,
        n,
        batch_size,
        shuffle=True,
        drop_last=drop_last,
        epochs=2,
    )


@pytest.mark.inputs("iterate minibatches of laid out inputs")
@pytest.mark.exercise("lesson2.iterate_minibatches", weight=1)
@pytest.mark.parametrize("layout", ("transposed-inputs-strided-targets", "inputs-require-grad"))
def test_iterate_minibatches_of_laid_out_inputs(student, expect, gen, dtype, seed, layout):
    """Inputs that are views (transposed, strided) or require grad: the same batches as plain ones."""
    check_minibatches(
        student,
        expect,
        gen,
        dtype,
        seed,
        10,
        4,
        shuffle=True,
        drop_last=False,
        epochs=2,
        layout=layout,
    )


# -- make_dataloader ------------------------------------------------------------------------------------


def labelled_loader(description, keys):
    """The parts ``keys`` of a ``describe_loader`` result, with each epoch's batches labelled."""
    if not isinstance(description, dict):
        return description
    labelled = {}
    for key in keys:
        if key != "epochs":
            labelled[key] = description.get(key)
            continue
        for e, batches in enumerate(description.get("epochs") or [], start=1):
            labelled[f"epoch {e}"] = {"number of batches": len(batches)}
            labelled[f"epoch {e}"].update(
                {f"batch {b} (indices)": batch for b, batch in enumerate(batches, start=1)}
            )
    return labelled


def check_loader(
    student, expect, keys, *, size, batch_size, train, device="cpu", seed=0, num_workers=0
):
    settings = dict(
        batch_size=batch_size, train=train, device=device, seed=seed, num_workers=num_workers
    )
    got = student.probe("dataloader_configuration", size=size, **settings)

    def describe(function):
        with torch.random.fork_rng(devices=[]):
            return labelled_loader(
                describe_loader(function(TensorDataset(torch.arange(size)), **settings)), keys
            )

    shown = ", ".join(f"{k}={v!r}" for k, v in settings.items())
    expect.close(
        labelled_loader(got, keys),
        describe(ref.make_dataloader),
        what=f"make_dataloader(a dataset of {size} examples, {shown})",
        mistakes=catalogue.of("make_dataloader"),
        recompute=describe,
    )


LOADING = ("batch_size", "shuffled", "drop_last", "epochs")


@pytest.mark.inputs("training loader shuffles reproducibly in full batches")
@pytest.mark.exercise("lesson2.make_dataloader", weight=2)
@pytest.mark.parametrize(
    "size, batch_size, seed",
    ((10, 3, 0), (16, 4, 7), (11, 5, 123), (3, 5, 2)),
    ids=("N10-B3", "N16-B4", "N11-B5", "N3-B5-no-full-batch"),
)
def test_training_loader_shuffles_reproducibly_in_full_batches(
    student, expect, size, batch_size, seed
):
    check_loader(student, expect, LOADING, size=size, batch_size=batch_size, train=True, seed=seed)


@pytest.mark.inputs("evaluation loader visits every example once in order")
@pytest.mark.exercise("lesson2.make_dataloader", weight=1)
@pytest.mark.parametrize("size, batch_size", ((10, 3), (8, 4)), ids=("N10-B3", "N8-B4"))
def test_evaluation_loader_visits_every_example_once_in_order(student, expect, size, batch_size):
    check_loader(student, expect, LOADING, size=size, batch_size=batch_size, train=False, seed=5)


@pytest.mark.inputs("pinned memory only for a cuda device")
@pytest.mark.exercise("lesson2.make_dataloader", weight=1)
@pytest.mark.parametrize(
    "device, train",
    (("cuda", True), ("cuda:0", False), ("cpu", True)),
    ids=("cuda-train", "cuda0-eval", "cpu-train"),
)
def test_pinned_memory_only_for_a_cuda_device(student, expect, device, train):
    check_loader(student, expect, ("pin_memory",), size=8, batch_size=4, train=train, device=device)


@pytest.mark.inputs("worker processes are used and kept")
@pytest.mark.exercise("lesson2.make_dataloader", weight=1)
@pytest.mark.parametrize("num_workers", (0, 2))
def test_worker_processes_are_used_and_kept(student, expect, num_workers):
    check_loader(
        student,
        expect,
        ("num_workers", "persistent_workers"),
        size=8,
        batch_size=4,
        train=True,
        num_workers=num_workers,
    )


@pytest.mark.inputs("parallel loading yields the batches of single process loading")
@pytest.mark.exercise("lesson2.make_dataloader", weight=1)
def test_parallel_loading_yields_the_batches_of_single_process_loading(student, expect):
    """A loader with two worker processes, over two epochs: full batches, no example twice in an epoch, a new order
    every epoch, and a first epoch identical to that of a loader made with the same seed and no workers."""
    size, batch_size, seed = 14, 4, 3
    what = (
        f"make_dataloader(a dataset of {size} examples, batch_size={batch_size}, train=True, "
        f"seed={seed}, num_workers=2)"
    )
    parallel, single = student.probe(
        "dataloader_batches", size=size, batch_size=batch_size, seed=seed, runs=[(2, 2), (0, 1)]
    )
    for e, batches in enumerate(parallel, start=1):
        sizes = [len(batch) for batch in batches]
        expect.equal(
            sizes, [batch_size] * (size // batch_size), what=f"{what}: the batch sizes of epoch {e}"
        )
        seen = torch.cat(batches).tolist()
        expect.that(
            len(set(seen)) == len(seen), f"{what}: epoch {e} visits some examples twice: {seen}"
        )
    expect.that(
        torch.cat(parallel[0]).tolist() != torch.cat(parallel[1]).tolist(),
        f"{what}: both epochs visit the examples in the same order; a training loader reshuffles every epoch",
    )
    expect.close(
        {"epoch 1": parallel[0]},
        {"epoch 1": single[0]},
        what=f"{what}: its first epoch against that of the same loader made with num_workers=0 "
        "(the order comes from the seed alone, whatever the number of workers)",
    )
