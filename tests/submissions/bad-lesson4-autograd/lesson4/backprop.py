"""mlp_backward through torch.autograd.grad: forbidden (and mlp_train_step, which calls it, with it)."""

import torch


def mlp_forward(x, params):
    z = x @ params["W1"] + params["b1"]
    return z.clamp(min=0) @ params["W2"] + params["b2"], (x, params)


def mlp_backward(dout, cache):
    x, params = cache
    leaves = {name: value.detach().requires_grad_(True) for name, value in params.items()}
    out, _ = mlp_forward(x, leaves)
    grads = torch.autograd.grad(out, list(leaves.values()), dout)
    return dict(zip(leaves, grads))


def mlp_train_step(x, y, params, lr):
    scores, cache = mlp_forward(x, params)
    n = x.shape[0]
    log_probs = scores - torch.logsumexp(scores, dim=1, keepdim=True)
    dscores = log_probs.exp()
    dscores[torch.arange(n), y] -= 1
    for name, grad in mlp_backward(dscores / n, cache).items():
        params[name].sub_(lr * grad)
    return -log_probs[torch.arange(n), y].mean().item()
