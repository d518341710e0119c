"""Probes for lesson2/data_loading.py: the code that runs inside the sandbox, beside the student's."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, TensorDataset

from graders.worker.probe import ProbeError, probe


@probe(reply=[[(tuple, list)]], lengths={None: "epochs"})
def collect_minibatches(ctx, inputs, targets, batch_size, shuffle, seed, drop_last, epochs):
    """The batches of ``epochs`` consecutive calls, sharing one generator seeded with ``seed``."""
    function = ctx.entry()
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    limit = inputs.shape[0] + 2
    collected = []
    for _ in range(epochs):
        kwargs = {"shuffle": shuffle, "drop_last": drop_last}
        if generator is not None:
            kwargs["generator"] = generator
        with ctx.student_code():
            batches = []
            for batch in function(inputs, targets, batch_size, **kwargs):
                batches.append(batch)
                if len(batches) > limit:
                    raise ProbeError(
                        f"{ctx.entry_name} yielded more than {limit} batches for {inputs.shape[0]} examples"
                    )
        for batch in batches:
            if not isinstance(batch, (tuple, list)) or len(batch) != 2:
                raise ProbeError(
                    f"{ctx.entry_name} yielded {type(batch).__name__}s; yield (inputs, targets) pairs"
                )
        collected.append([tuple(batch) for batch in batches])
    return collected


LOADER_DESCRIPTION = {
    "batch_size": (int, None),
    "drop_last": bool,
    "shuffled": bool,
    "num_workers": int,
    "persistent_workers": bool,
    "pin_memory": bool,
    "epochs": [[[int]]],
}


def describe_loader(loader, epochs: int = 2) -> dict:
    """A DataLoader's configuration, and the indices of its batches over ``epochs`` epochs.

    The indices come from its batch sampler, so no worker process starts.  The dataset is
    expected to be ``TensorDataset(torch.arange(N))``.
    """
    if not isinstance(loader, DataLoader):
        raise ProbeError(f"expected a torch.utils.data.DataLoader, got a {type(loader).__name__}")
    sampler = loader.batch_sampler if loader.batch_sampler is not None else loader.sampler
    return {
        "batch_size": loader.batch_size,
        "drop_last": loader.drop_last,
        "shuffled": isinstance(loader.sampler, torch.utils.data.RandomSampler),
        "num_workers": loader.num_workers,
        "persistent_workers": loader.persistent_workers,
        "pin_memory": loader.pin_memory,
        "epochs": [[[int(i) for i in batch] for batch in sampler] for _ in range(epochs)],
    }


@probe(reply=LOADER_DESCRIPTION)
def dataloader_configuration(ctx, size, batch_size, train, device, seed, num_workers):
    """``describe_loader`` of the loader the entry point makes for ``TensorDataset(arange(size))``."""
    function = ctx.entry()
    with ctx.student_code():
        loader = function(
            TensorDataset(torch.arange(size)),
            batch_size,
            train=train,
            device=device,
            seed=seed,
            num_workers=num_workers,
        )
        return describe_loader(loader)


@probe(reply=[[list]], lengths={None: "runs"})
def dataloader_batches(ctx, size, batch_size, seed, runs):
    """For each ``(num_workers, epochs)`` in ``runs``, a fresh training loader made with ``seed``: its batches
    over ``epochs`` epochs, loaded by its worker processes."""
    function = ctx.entry()
    results = []
    for num_workers, epochs in runs:
        with ctx.student_code():
            loader = function(
                TensorDataset(torch.arange(size)),
                batch_size,
                train=True,
                device="cpu",
                seed=seed,
                num_workers=num_workers,
            )
            if not isinstance(loader, DataLoader):
                raise ProbeError(
                    f"{ctx.entry_name} returned a {type(loader).__name__}, not a DataLoader"
                )
            results.append([[batch[0] for batch in loader] for _ in range(epochs)])
        del loader  # stops its workers
    return results
