"""A correct submission that leans on torch idioms: torch.split of the order, a settings dict."""

import torch
from torch.utils.data import DataLoader


def iterate_minibatches(inputs, targets, batch_size, *, shuffle=False, generator=None, drop_last=False):
    n = inputs.size(0)
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    for index in torch.split(order.to(inputs.device), batch_size):
        if drop_last and index.numel() < batch_size:
            return
        yield inputs[index], targets[index]


def make_dataloader(dataset, batch_size, *, train, device, seed=0, num_workers=0):
    settings = {"batch_size": batch_size, "num_workers": num_workers, "pin_memory": torch.device(device).type == "cuda"}
    if num_workers:
        settings["persistent_workers"] = True
    if train:
        settings.update(shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(seed))
    return DataLoader(dataset, **settings)
