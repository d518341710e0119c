"""A correct submission that leans on torch idioms: model.zero_grad, a decorated no_grad, an augmented design matrix."""

import torch


def train_epoch(model, loader, loss_fn, optimizer):
    model.train()
    device = next(model.parameters()).device
    losses, sizes = [], []
    for inputs, targets in loader:
        inputs, targets = inputs.to(device, non_blocking=True), targets.to(device, non_blocking=True)
        model.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        sizes.append(len(inputs))
    return sum(l * n for l, n in zip(losses, sizes)) / sum(sizes)


@torch.no_grad()
def evaluate(model, loader, loss_fn):
    model.eval()
    device = next(model.parameters()).device
    pairs = [
        (loss_fn(model(x.to(device, non_blocking=True)), y.to(device, non_blocking=True)).item(), len(x))
        for x, y in loader
    ]
    return sum(l * n for l, n in pairs) / sum(n for _, n in pairs)


def sgd_linear_regression(X, y, *, lr, batch_size, epochs, seed=0):
    design = torch.cat([X, X.new_ones(len(X), 1)], dim=1)
    theta = design.new_zeros(design.shape[1])
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for batch in torch.randperm(len(X), generator=generator).to(X.device).split(batch_size):
            residual = design[batch] @ theta - y[batch]
            theta = theta - lr * (2 / len(batch)) * (design[batch].T @ residual)
    return theta[:-1], theta[-1]
