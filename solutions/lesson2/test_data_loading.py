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
