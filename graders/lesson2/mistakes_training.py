"""Plausible wrong implementations of lesson2/training.py (see graders/grading/mistakes.py)."""

import torch

from graders.api import Catalogue

catalogue = Catalogue()

# -- train_epoch ----------------------------------------------------------------------------------------


@catalogue.mistake(
    "train_epoch",
    "gradients never zeroed",
    "backward() adds to p.grad: call optimizer.zero_grad() before each backward, or every step "
    "uses the sum of all gradients so far",
)
def te_no_zero_grad(model, loader, loss_fn, optimizer):
    device = next(model.parameters()).device
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = (
            inputs.to(device, non_blocking=True),
            targets.to(device, non_blocking=True),
        )
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(inputs)
        count += len(inputs)
    return total / count


# Behaves exactly as zero_grad() between backward() and step(): on every step p.grad is None.
# One entry for both, since no case can tell them apart and the feedback would name both.
@catalogue.mistake(
    "train_epoch",
    "a step that never sees the gradients (step() before backward(), or zero_grad() between them)",
    "the step uses p.grad, which backward() fills and zero_grad() erases: zero_grad(), forward, "
    "backward(), then step()",
)
def te_step_before_backward(model, loader, loss_fn, optimizer):
    device = next(model.parameters()).device
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = (
            inputs.to(device, non_blocking=True),
            targets.to(device, non_blocking=True),
        )
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        optimizer.step()
        loss.backward()
        total += loss.item() * len(inputs)
        count += len(inputs)
    return total / count


@catalogue.mistake(
    "train_epoch",
    "a model left in evaluation mode",
    "call model.train() first: after evaluate() BatchNorm and Dropout would keep their inference behaviour",
)
def te_no_train_mode(model, loader, loss_fn, optimizer):
    device = next(model.parameters()).device
    total, count = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = (
            inputs.to(device, non_blocking=True),
            targets.to(device, non_blocking=True),
        )
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(inputs)
        count += len(inputs)
    return total / count


@catalogue.mistake(
    "train_epoch",
    "the mean of the batch losses, unweighted",
    "a smaller last batch would count as much as a full one: weight each batch's loss by its size",
)
def te_unweighted_mean(model, loader, loss_fn, optimizer):
    device = next(model.parameters()).device
    model.train()
    losses = []
    for inputs, targets in loader:
        inputs, targets = (
            inputs.to(device, non_blocking=True),
            targets.to(device, non_blocking=True),
        )
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)


@catalogue.mistake(
    "train_epoch",
    "the loss tensor itself accumulated",
    "total += loss keeps every batch's autograd graph alive until the epoch ends: accumulate loss.item() "
    "(or loss.detach()) and return a Python float",
)
def te_accumulates_graph(model, loader, loss_fn, optimizer):
    device = next(model.parameters()).device
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = (
            inputs.to(device, non_blocking=True),
            targets.to(device, non_blocking=True),
        )
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total = total + loss * len(inputs)
        count += len(inputs)
    return total / count


@catalogue.mistake(
    "train_epoch",
    "batches left where the loader put them",
    "move inputs and targets to the model's device, next(model.parameters()).device, with "
    ".to(device, non_blocking=True)",
)
def te_not_moved(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(inputs)
        count += len(inputs)
    return total / count


@catalogue.mistake(
    "train_epoch",
    "blocking copies to the device",
    "pass non_blocking=True to .to(): from pinned memory the copy then overlaps with the GPU's work",
)
def te_blocking_copies(model, loader, loss_fn, optimizer):
    device = next(model.parameters()).device
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(inputs)
        count += len(inputs)
    return total / count


# -- evaluate -------------------------------------------------------------------------------------------


@catalogue.mistake(
    "evaluate",
    "a model left in training mode",
    "call model.eval(): in training mode BatchNorm normalises with the batch's statistics and updates its running ones",
)
def ev_no_eval_mode(model, loader, loss_fn):
    device = next(model.parameters()).device
    total, count = 0.0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            inputs, targets = (
                inputs.to(device, non_blocking=True),
                targets.to(device, non_blocking=True),
            )
            total += loss_fn(model(inputs), targets).item() * len(inputs)
            count += len(inputs)
    return total / count


@catalogue.mistake(
    "evaluate",
    "an autograd graph recorded during evaluation",
    "wrap the loop in torch.no_grad(): nothing is backpropagated, so recording the graph wastes memory and time",
)
def ev_records_graph(model, loader, loss_fn):
    device = next(model.parameters()).device
    model.eval()
    total, count = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = (
            inputs.to(device, non_blocking=True),
            targets.to(device, non_blocking=True),
        )
        total += loss_fn(model(inputs), targets).item() * len(inputs)
        count += len(inputs)
    return total / count


@catalogue.mistake(
    "evaluate",
    "the mean of the batch losses, unweighted",
    "weight each batch's loss by its number of examples: the last batch may be smaller",
)
def ev_unweighted_mean(model, loader, loss_fn):
    device = next(model.parameters()).device
    model.eval()
    losses = []
    with torch.no_grad():
        for inputs, targets in loader:
            inputs, targets = (
                inputs.to(device, non_blocking=True),
                targets.to(device, non_blocking=True),
            )
            losses.append(loss_fn(model(inputs), targets).item())
    return sum(losses) / len(losses)


@catalogue.mistake(
    "evaluate",
    "the sum of the batch losses",
    "divide the size-weighted sum by the number of examples seen",
)
def ev_sum(model, loader, loss_fn):
    device = next(model.parameters()).device
    model.eval()
    total = 0.0
    with torch.no_grad():
        for inputs, targets in loader:
            inputs, targets = (
                inputs.to(device, non_blocking=True),
                targets.to(device, non_blocking=True),
            )
            total += loss_fn(model(inputs), targets).item()
    return total


@catalogue.mistake(
    "evaluate",
    "a division by len(loader) * batch_size",
    "the last batch may be smaller: count the examples actually seen, len(inputs) per batch",
)
def ev_overcounted(model, loader, loss_fn):
    device = next(model.parameters()).device
    model.eval()
    total = 0.0
    with torch.no_grad():
        for inputs, targets in loader:
            inputs, targets = (
                inputs.to(device, non_blocking=True),
                targets.to(device, non_blocking=True),
            )
            total += loss_fn(model(inputs), targets).item() * len(inputs)
    return total / (len(loader) * loader.batch_size)


@catalogue.mistake(
    "evaluate",
    "batches left where the loader put them",
    "move inputs and targets to the model's device with .to(device, non_blocking=True)",
)
def ev_not_moved(model, loader, loss_fn):
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            total += loss_fn(model(inputs), targets).item() * len(inputs)
            count += len(inputs)
    return total / count


@catalogue.mistake(
    "evaluate",
    "blocking copies to the device",
    "pass non_blocking=True to .to(), as in train_epoch: from pinned memory the copy then overlaps "
    "with the GPU's work",
)
def ev_blocking_copies(model, loader, loss_fn):
    device = next(model.parameters()).device
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            total += loss_fn(model(inputs), targets).item() * len(inputs)
            count += len(inputs)
    return total / count


# -- sgd_linear_regression ----------------------------------------------------------------------------------


@catalogue.mistake(
    "sgd_linear_regression",
    "the gradient of the batch's summed loss (no division by the batch size)",
    "the loss is the batch's mean squared error: divide the gradient by B, or the step grows with the batch",
)
def sgd_summed(X, y, *, lr, batch_size, epochs, seed=0):
    n, d = X.shape
    w = torch.zeros(d, dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator).to(X.device)
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            residual = X[batch] @ w + b - y[batch]
            w = w - lr * 2 * X[batch].T @ residual
            b = b - lr * 2 * residual.sum()
    return w, b


@catalogue.mistake(
    "sgd_linear_regression",
    "a bias that is never updated",
    "b has its own gradient, (2 / B) * sum of the residuals: update it at every step as well",
)
def sgd_fixed_bias(X, y, *, lr, batch_size, epochs, seed=0):
    n, d = X.shape
    w = torch.zeros(d, dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator).to(X.device)
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            residual = X[batch] @ w + b - y[batch]
            w = w - lr * 2 * X[batch].T @ residual / len(batch)
    return w, b


@catalogue.mistake(
    "sgd_linear_regression",
    "one shuffle reused for every epoch",
    "draw a new permutation from the generator at the start of each epoch",
)
def sgd_one_shuffle(X, y, *, lr, batch_size, epochs, seed=0):
    n, d = X.shape
    w = torch.zeros(d, dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).to(X.device)
    for _ in range(epochs):
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            residual = X[batch] @ w + b - y[batch]
            w = w - lr * 2 * X[batch].T @ residual / len(batch)
            b = b - lr * 2 * residual.sum() / len(batch)
    return w, b


@catalogue.mistake(
    "sgd_linear_regression",
    "batches in the data's own order, never shuffled",
    "shuffle every epoch with torch.randperm(N, generator=generator)",
)
def sgd_no_shuffle(X, y, *, lr, batch_size, epochs, seed=0):
    n, d = X.shape
    w = torch.zeros(d, dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    for _ in range(epochs):
        for start in range(0, n, batch_size):
            residual = X[start : start + batch_size] @ w + b - y[start : start + batch_size]
            w = w - lr * 2 * X[start : start + batch_size].T @ residual / len(residual)
            b = b - lr * 2 * residual.sum() / len(residual)
    return w, b


@catalogue.mistake(
    "sgd_linear_regression",
    "the incomplete last batch skipped",
    "keep the last, smaller batch: every example contributes once per epoch",
)
def sgd_drops_last(X, y, *, lr, batch_size, epochs, seed=0):
    n, d = X.shape
    w = torch.zeros(d, dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator).to(X.device)
        for start in range(0, n - n % batch_size, batch_size):
            batch = order[start : start + batch_size]
            residual = X[batch] @ w + b - y[batch]
            w = w - lr * 2 * X[batch].T @ residual / len(batch)
            b = b - lr * 2 * residual.sum() / len(batch)
    return w, b


@catalogue.mistake(
    "sgd_linear_regression",
    "the gradient of half the mean squared error",
    "d/dw mean(r²) = (2 / B) X_Bᵀ r: keep the factor 2",
)
def sgd_half(X, y, *, lr, batch_size, epochs, seed=0):
    n, d = X.shape
    w = torch.zeros(d, dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator).to(X.device)
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            residual = X[batch] @ w + b - y[batch]
            w = w - lr * X[batch].T @ residual / len(batch)
            b = b - lr * residual.sum() / len(batch)
    return w, b


@catalogue.mistake(
    "sgd_linear_regression",
    "a division by N instead of the batch size",
    "each step follows the gradient of its own batch's mean: divide by the batch's size B",
)
def sgd_divided_by_n(X, y, *, lr, batch_size, epochs, seed=0):
    n, d = X.shape
    w = torch.zeros(d, dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator).to(X.device)
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            residual = X[batch] @ w + b - y[batch]
            w = w - lr * 2 * X[batch].T @ residual / n
            b = b - lr * 2 * residual.sum() / n
    return w, b


# -- correct variants ---------------------------------------------------------------------------------


@catalogue.variant(
    "train_epoch", "gradients zeroed in place (set_to_none=False), a detached running sum"
)
def te_detached_sum(model, loader, loss_fn, optimizer):
    model.train()
    device = next(model.parameters()).device
    running = torch.zeros((), dtype=torch.float64)
    seen = 0
    for inputs, targets in loader:
        inputs = inputs.to(device=device, non_blocking=True)
        targets = targets.to(device=device, non_blocking=True)
        optimizer.zero_grad(set_to_none=False)
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        running += loss.detach().double().cpu() * inputs.shape[0]
        seen += inputs.shape[0]
    return float(running) / seen


# (a decorator would not reach the mutant's file: variants are written without their decorators)
@catalogue.variant("evaluate", "torch.inference_mode instead of no_grad, sizes summed at the end")
def ev_inference_mode(model, loader, loss_fn):
    model.eval()
    device = next(model.parameters()).device
    losses, sizes = [], []
    with torch.inference_mode():
        for inputs, targets in loader:
            inputs, targets = (t.to(device, non_blocking=True) for t in (inputs, targets))
            losses.append(loss_fn(model(inputs), targets).item())
            sizes.append(len(targets))
    return sum(loss * size for loss, size in zip(losses, sizes)) / sum(sizes)


@catalogue.variant("sgd_linear_regression", "autograd for the gradients, batches by tensor.split")
def sgd_autograd(X, y, *, lr, batch_size, epochs, seed=0):
    w = torch.zeros(X.shape[1], dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for batch in torch.randperm(len(X), generator=generator).to(X.device).split(batch_size):
            w.requires_grad_(True)
            b.requires_grad_(True)
            loss = ((X[batch].detach() @ w + b - y[batch]) ** 2).mean()
            grad_w, grad_b = torch.autograd.grad(loss, (w, b))
            w, b = (w - lr * grad_w).detach(), (b - lr * grad_b).detach()
    return w, b
