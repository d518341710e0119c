"""A correct manual MLP with torch idioms: F.linear, torch.relu, logsumexp, add_ with alpha."""

import torch
import torch.nn.functional as F


def mlp_forward(x, params):
    hidden = torch.relu(F.linear(x, params["W1"].T, params["b1"]))
    return F.linear(hidden, params["W2"].T, params["b2"]), (x, hidden, params["W2"])


def mlp_backward(dout, cache):
    x, hidden, W2 = cache
    dhidden = (dout @ W2.T).masked_fill(hidden <= 0, 0.0)
    return {
        "W1": torch.mm(x.t(), dhidden),
        "b1": dhidden.sum(0),
        "W2": torch.mm(hidden.t(), dout),
        "b2": dout.sum(0),
    }


def mlp_train_step(x, y, params, lr):
    scores, cache = mlp_forward(x, params)
    log_probabilities = scores - torch.logsumexp(scores, dim=1, keepdim=True)
    loss = -log_probabilities.gather(1, y[:, None]).mean()
    dscores = log_probabilities.exp().scatter_add(1, y[:, None], -torch.ones_like(scores[:, :1])) / len(y)
    for name, grad in mlp_backward(dscores, cache).items():
        params[name].add_(grad, alpha=-lr)
    return loss.item()
