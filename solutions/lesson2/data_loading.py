"""Lesson 2: feeding mini-batches to a model.

An epoch visits every example once, in batches.  Shuffling the order every epoch keeps
consecutive batches from being correlated (sorted data would otherwise give the model a
stream of near-identical gradients), and drawing the order from a seeded
``torch.Generator`` makes a run reproducible without touching the global random state.

``iterate_minibatches`` writes that loop by hand.  In real code ``torch.utils.data.DataLoader``
does it, plus the parts that keep an accelerator busy: worker processes that load the next
batches while the model computes (``num_workers``), workers kept alive between epochs
(``persistent_workers``), and page-locked host memory (``pin_memory``) from which copies
to the GPU can run asynchronously (``.to(device, non_blocking=True)``).  ``make_dataloader``
configures one.  Run ``pytest lesson2`` to test your work.
"""

import torch
from torch.utils.data import DataLoader


def iterate_minibatches(
    inputs, targets, batch_size, *, shuffle=False, generator=None, drop_last=False
):
    """Yield ``(inputs[batch], targets[batch])`` for the mini-batches of one epoch.

    The order of the examples is ``0, 1, ..., N-1``, or with ``shuffle=True`` the permutation
    ``torch.randperm(N, generator=generator)``: exactly one ``randperm`` call per epoch, so
    that calling this again with the same generator gives the next epoch's (different)
    order, and a generator seeded the same way gives the same sequence of epochs.  Cut the
    order into consecutive batches of ``batch_size``; the last one may be smaller, and is
    left out when ``drop_last=True`` (a batch of 3 after batches of 64 gives a noisier step).

    The first epoch's batches are those of ``torch.utils.data.BatchSampler(RandomSampler(
    range(N), generator=generator), batch_size, drop_last)`` (``SequentialSampler`` without
    shuffle; ``RandomSampler`` draws a second, unused permutation at the end of each epoch, so
    its later epochs differ).  Write the loop yourself: ``DataLoader`` and the samplers are
    forbidden here.  Take each batch with one indexing operation (``inputs[index]`` with a
    tensor of indices).

    Args:
        inputs: tensor of shape (N, ...).
        targets: tensor of shape (N, ...).
        batch_size: examples per batch, an int >= 1.
        shuffle: visit the examples in a random order.
        generator: the ``torch.Generator`` (on the CPU) to draw the order from.
        drop_last: leave out a last batch smaller than ``batch_size``.

    Yields:
        ``(input_batch, target_batch)`` pairs.  This is a generator function: use ``yield``.
    """
    ### BEGIN SOLUTION
    n = inputs.shape[0]
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        batch = order[start : start + batch_size].to(inputs.device)
        yield inputs[batch], targets[batch]
    ### END SOLUTION


def make_dataloader(dataset, batch_size, *, train, device, seed=0, num_workers=0):
    """A ``DataLoader`` configured for training or for evaluation on ``device``.

    - ``batch_size`` as given;
    - training (``train=True``): shuffle every epoch with its own generator,
      ``generator=torch.Generator().manual_seed(seed)``, so runs are reproducible and the
      global random state is left alone; and ``drop_last=True``, so every step sees a full
      batch (a last batch of 1 also breaks ``BatchNorm``);
    - evaluation (``train=False``): the dataset's own order and every example exactly once
      (no shuffling, no dropping);
    - ``num_workers`` worker processes load batches in parallel with the model's work; keep
      them alive between epochs (``persistent_workers=True``) whenever there are any, since
      starting workers costs time at every epoch otherwise;
    - ``pin_memory=True`` exactly when ``device`` is a CUDA device (``torch.device(device).type
      == "cuda"``): page-locked batches let ``.to(device, non_blocking=True)`` copy them
      while the GPU is still computing.  It only costs memory when training on the CPU.

    Args:
        dataset: a map-style dataset (``len`` and indexing).
        batch_size: examples per batch.
        train: configure for training (True) or evaluation (False).
        device: where the model lives: a string such as ``"cuda"`` or a ``torch.device``.
        seed: the seed of the training loader's shuffling generator.
        num_workers: worker processes; 0 loads batches in the main process.

    Returns:
        The ``torch.utils.data.DataLoader``.
    """
    ### BEGIN SOLUTION
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=train,
        generator=torch.Generator().manual_seed(seed) if train else None,
        drop_last=train,
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
        pin_memory=torch.device(device).type == "cuda",
    )
    ### END SOLUTION
