"""Plausible wrong implementations of lesson2/data_loading.py (see graders/grading/mistakes.py)."""

import torch
from torch.utils.data import DataLoader

from graders.api import Catalogue

catalogue = Catalogue()

# -- iterate_minibatches ---------------------------------------------------------------------------------


@catalogue.mistake(
    "iterate_minibatches",
    "a shuffle that ignores the generator",
    "draw the order with torch.randperm(N, generator=generator): the global random state is not the one you were given",
)
def it_global_rng(inputs, targets, batch_size, *, shuffle=False, generator=None, drop_last=False):
    n = inputs.shape[0]
    order = torch.randperm(n) if shuffle else torch.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        batch = order[start : start + batch_size].to(inputs.device)
        yield inputs[batch], targets[batch]


@catalogue.mistake(
    "iterate_minibatches",
    "the same order every epoch (the generator re-seeded at each call)",
    "use the generator as it is: each call draws the next permutation from it, so epochs differ but replay exactly",
)
def it_reseeded(inputs, targets, batch_size, *, shuffle=False, generator=None, drop_last=False):
    n = inputs.shape[0]
    if shuffle:
        fresh = (
            torch.Generator().manual_seed(generator.initial_seed())
            if generator is not None
            else None
        )
        order = torch.randperm(n, generator=fresh)
    else:
        order = torch.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        batch = order[start : start + batch_size].to(inputs.device)
        yield inputs[batch], targets[batch]


@catalogue.mistake(
    "iterate_minibatches",
    "shuffle=True ignored",
    "with shuffle=True visit the examples in the order torch.randperm(N, generator=generator)",
)
def it_never_shuffles(
    inputs, targets, batch_size, *, shuffle=False, generator=None, drop_last=False
):
    n = inputs.shape[0]
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        yield inputs[start : start + batch_size], targets[start : start + batch_size]


@catalogue.mistake(
    "iterate_minibatches",
    "drop_last ignored",
    "with drop_last=True leave out a last batch smaller than batch_size",
)
def it_keeps_last(inputs, targets, batch_size, *, shuffle=False, generator=None, drop_last=False):
    n = inputs.shape[0]
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    for start in range(0, n, batch_size):
        batch = order[start : start + batch_size].to(inputs.device)
        yield inputs[batch], targets[batch]


@catalogue.mistake(
    "iterate_minibatches",
    "a full last batch dropped when N is a multiple of batch_size",
    "drop only an incomplete batch: stop at N - N % batch_size, which is N itself when batch_size divides N",
)
def it_drops_full_batch(
    inputs, targets, batch_size, *, shuffle=False, generator=None, drop_last=False
):
    n = inputs.shape[0]
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    stop = (n // batch_size - (n % batch_size == 0)) * batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        batch = order[start : start + batch_size].to(inputs.device)
        yield inputs[batch], targets[batch]


@catalogue.mistake(
    "iterate_minibatches",
    "examples drawn with replacement (randint instead of randperm)",
    "an epoch visits every example exactly once: shuffle with torch.randperm, not torch.randint",
)
def it_with_replacement(
    inputs, targets, batch_size, *, shuffle=False, generator=None, drop_last=False
):
    n = inputs.shape[0]
    order = torch.randint(n, (n,), generator=generator) if shuffle else torch.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        batch = order[start : start + batch_size].to(inputs.device)
        yield inputs[batch], targets[batch]


@catalogue.mistake(
    "iterate_minibatches",
    "targets sliced by position while inputs are shuffled",
    "index inputs and targets with the same shuffled indices, or every input gets another example's target",
)
def it_targets_unshuffled(
    inputs, targets, batch_size, *, shuffle=False, generator=None, drop_last=False
):
    n = inputs.shape[0]
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        batch = order[start : start + batch_size].to(inputs.device)
        yield inputs[batch], targets[start : start + batch_size]


# -- make_dataloader --------------------------------------------------------------------------------------


@catalogue.mistake(
    "make_dataloader",
    "the global seed set instead of giving the loader a generator",
    "torch.manual_seed changes everyone's random state and the order then depends on what ran before: "
    "pass generator=torch.Generator().manual_seed(seed)",
)
def dl_global_seed(dataset, batch_size, *, train, device, seed=0, num_workers=0):
    torch.manual_seed(seed)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=train,
        drop_last=train,
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
        pin_memory=torch.device(device).type == "cuda",
    )


@catalogue.mistake(
    "make_dataloader",
    "a training loader that keeps the incomplete last batch",
    "drop_last=True for training: every step then averages over a full batch",
)
def dl_keeps_last(dataset, batch_size, *, train, device, seed=0, num_workers=0):
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=train,
        generator=torch.Generator().manual_seed(seed) if train else None,
        drop_last=False,
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
        pin_memory=torch.device(device).type == "cuda",
    )


@catalogue.mistake(
    "make_dataloader",
    "an evaluation loader that drops examples",
    "evaluation must see every example once: drop_last only when train is True",
)
def dl_drops_in_evaluation(dataset, batch_size, *, train, device, seed=0, num_workers=0):
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=train,
        generator=torch.Generator().manual_seed(seed) if train else None,
        drop_last=True,
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
        pin_memory=torch.device(device).type == "cuda",
    )


@catalogue.mistake(
    "make_dataloader",
    "an evaluation loader that shuffles",
    "evaluation keeps the dataset's order (shuffle=False): shuffling gains nothing there",
)
def dl_shuffles_evaluation(dataset, batch_size, *, train, device, seed=0, num_workers=0):
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
        drop_last=train,
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
        pin_memory=torch.device(device).type == "cuda",
    )


@catalogue.mistake(
    "make_dataloader",
    "pinned memory whatever the device",
    "pin_memory=True helps only copies to a CUDA device; on the CPU it just costs memory: "
    "pin_memory=torch.device(device).type == 'cuda'",
)
def dl_always_pinned(dataset, batch_size, *, train, device, seed=0, num_workers=0):
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=train,
        generator=torch.Generator().manual_seed(seed) if train else None,
        drop_last=train,
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
        pin_memory=True,
    )


@catalogue.mistake(
    "make_dataloader",
    "no pinned memory for a CUDA device",
    "with pin_memory=True batches land in page-locked memory, so .to('cuda', non_blocking=True) "
    "can overlap with compute",
)
def dl_never_pinned(dataset, batch_size, *, train, device, seed=0, num_workers=0):
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=train,
        generator=torch.Generator().manual_seed(seed) if train else None,
        drop_last=train,
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
    )


@catalogue.mistake(
    "make_dataloader",
    "workers restarted at every epoch",
    "persistent_workers=True (when num_workers > 0) keeps the worker processes between epochs",
)
def dl_not_persistent(dataset, batch_size, *, train, device, seed=0, num_workers=0):
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=train,
        generator=torch.Generator().manual_seed(seed) if train else None,
        drop_last=train,
        num_workers=num_workers,
        pin_memory=torch.device(device).type == "cuda",
    )


@catalogue.mistake(
    "make_dataloader",
    "num_workers ignored",
    "pass num_workers through: worker processes load the next batches while the model computes",
)
def dl_no_workers(dataset, batch_size, *, train, device, seed=0, num_workers=0):
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=train,
        generator=torch.Generator().manual_seed(seed) if train else None,
        drop_last=train,
        pin_memory=torch.device(device).type == "cuda",
    )


# -- correct variants ---------------------------------------------------------------------------------


@catalogue.variant(
    "iterate_minibatches", "the order cut with tensor.split, batches by index_select"
)
def it_split(inputs, targets, batch_size, *, shuffle=False, generator=None, drop_last=False):
    n = len(inputs)
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    for batch in order.to(inputs.device).split(batch_size):
        if drop_last and len(batch) < batch_size:
            return
        yield inputs.index_select(0, batch), targets.index_select(0, batch)


@catalogue.variant("make_dataloader", "the settings gathered in a dict, each only where it applies")
def dl_settings_dict(dataset, batch_size, *, train, device, seed=0, num_workers=0):
    settings = {"batch_size": batch_size, "num_workers": num_workers}
    if train:
        settings.update(shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(seed))
    if num_workers:
        settings["persistent_workers"] = True
    if torch.device(device).type == "cuda":
        settings["pin_memory"] = True
    return DataLoader(dataset, **settings)
