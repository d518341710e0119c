"""A correct submission written out step by step: a while loop over start positions, explicit samplers."""

import torch
from torch.utils.data import DataLoader, RandomSampler, SequentialSampler


def iterate_minibatches(inputs, targets, batch_size, *, shuffle=False, generator=None, drop_last=False):
    count = len(inputs)
    if shuffle:
        order = torch.randperm(count, generator=generator)
    else:
        order = torch.arange(count)
    order = order.to(inputs.device)
    start = 0
    while start < count:
        end = min(start + batch_size, count)
        if drop_last and end - start < batch_size:
            break
        index = order[start:end]
        yield inputs.index_select(0, index), targets.index_select(0, index)
        start = end


def make_dataloader(dataset, batch_size, *, train, device, seed=0, num_workers=0):
    if train:
        generator = torch.Generator()
        generator.manual_seed(seed)
        sampler = RandomSampler(dataset, generator=generator)
    else:
        sampler = SequentialSampler(dataset)
    pin = torch.device(device).type == "cuda"
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        drop_last=bool(train),
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
        pin_memory=pin,
    )
