"""Visible tests for lesson2/data_loading.py: mini-batches by hand, and DataLoader settings."""

import torch
from checks import check_close
from torch.utils.data import BatchSampler, RandomSampler, TensorDataset

from lesson2 import data_loading as dl

INPUTS = torch.arange(14.0).reshape(7, 2)
TARGETS = torch.arange(7.0)


def test_iterate_minibatches_in_order():
    batches = list(dl.iterate_minibatches(INPUTS, TARGETS, 3))
    assert [len(t) for _, t in batches] == [3, 3, 1], (
        f"batch sizes {[len(t) for _, t in batches]}, expected [3, 3, 1]"
    )
    check_close(batches[2][0], INPUTS[6:], "the inputs of the last batch")
    dropped = list(dl.iterate_minibatches(INPUTS, TARGETS, 3, drop_last=True))
    assert len(dropped) == 2, (
        f"drop_last=True: {len(dropped)} batches, expected 2 (the last one has only 1 example)"
    )


def test_iterate_minibatches_shuffles_like_a_batch_sampler():
    generator = torch.Generator().manual_seed(4)
    sampler = BatchSampler(
        RandomSampler(range(7), generator=torch.Generator().manual_seed(4)),
        batch_size=3,
        drop_last=False,
    )
    got = [
        targets
        for _, targets in dl.iterate_minibatches(
            INPUTS, TARGETS, 3, shuffle=True, generator=generator
        )
    ]
    want = [TARGETS[indices] for indices in sampler]
    assert len(got) == len(want), f"{len(got)} batches, expected {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        check_close(
            g,
            w,
            f"the targets of batch {i}",
            hint="shuffle with torch.randperm(N, generator=generator)",
        )


def test_iterate_minibatches_draws_one_permutation_per_epoch():
    generator, replay = torch.Generator().manual_seed(4), torch.Generator().manual_seed(4)
    for epoch in (1, 2):
        got = torch.cat(
            [
                targets
                for _, targets in dl.iterate_minibatches(
                    INPUTS, TARGETS, 3, shuffle=True, generator=generator
                )
            ]
        )
        check_close(
            got,
            TARGETS[torch.randperm(7, generator=replay)],
            f"the order of the examples in epoch {epoch}",
            hint="one torch.randperm(N, generator=generator) per call, from the generator as it is",
        )


def test_make_dataloader_for_training_and_evaluation():
    dataset = TensorDataset(torch.arange(10))
    train = dl.make_dataloader(dataset, 4, train=True, device="cpu", seed=1)
    assert isinstance(train.sampler, RandomSampler) and train.drop_last, (
        "a training loader shuffles and drops the last batch"
    )
    assert [len(b[0]) for b in train] == [4, 4], (
        "10 examples in training batches of 4: two full batches"
    )
    evaluation = dl.make_dataloader(dataset, 4, train=False, device="cuda", seed=1)
    assert [list(b) for b in evaluation.batch_sampler] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], (
        "evaluation keeps order and every example"
    )
    assert evaluation.pin_memory and not train.pin_memory, "pin memory for a CUDA device only"


def test_iterate_minibatches_drop_last_keeps_every_full_batch():
    batches = list(dl.iterate_minibatches(INPUTS[:6], TARGETS[:6], 3, drop_last=True))
    assert [len(t) for _, t in batches] == [3, 3], (
        f"6 examples in batches of 3 with drop_last=True: batch sizes {[len(t) for _, t in batches]}, "
        "expected [3, 3]: drop_last leaves out only a last batch *smaller* than batch_size"
    )


def test_make_dataloader_leaves_the_global_random_state_alone():
    dataset = TensorDataset(torch.arange(10))
    orders = []
    for global_seed in (1234, 99):
        torch.manual_seed(global_seed)
        before = torch.get_rng_state()
        loader = dl.make_dataloader(dataset, 4, train=True, device="cpu", seed=1)
        assert torch.equal(torch.get_rng_state(), before), (
            "make_dataloader changed the global random state: give the loader its own generator, "
            "generator=torch.Generator().manual_seed(seed), instead of calling torch.manual_seed"
        )
        orders.append([[b[0].tolist() for b in loader] for _ in range(2)])
    assert orders[0] == orders[1], (
        "two training loaders made with seed=1 after different global seeds gave different "
        "batches: their order must come from their own generator, seeded with seed"
    )


def test_make_dataloader_keeps_its_worker_processes():
    dataset = TensorDataset(torch.arange(10))
    for train in (True, False):
        loader = dl.make_dataloader(dataset, 4, train=train, device="cpu", num_workers=2)
        assert loader.num_workers == 2, (
            f"make_dataloader(..., num_workers=2) made a loader with num_workers={loader.num_workers}"
        )
        assert loader.persistent_workers, (
            "a loader with worker processes keeps them alive between epochs: persistent_workers=True"
        )
    single = dl.make_dataloader(dataset, 4, train=True, device="cpu", num_workers=0)
    assert single.num_workers == 0 and not single.persistent_workers, (
        "with num_workers=0 there are no workers to keep: persistent_workers=False"
    )
