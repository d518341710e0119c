"""A correct manual MLP written with explicit masks, einsum and one-hot targets."""

import torch
import torch.nn.functional as F


def mlp_forward(x, params):
    pre = x @ params["W1"] + params["b1"]
    mask = pre > 0
    hidden = torch.where(mask, pre, torch.zeros_like(pre))
    out = hidden @ params["W2"] + params["b2"]
    return out, {"x": x, "mask": mask, "hidden": hidden, "W2": params["W2"]}


def mlp_backward(dout, cache):
    grads = {"W2": torch.einsum("nh,nc->hc", cache["hidden"], dout), "b2": torch.einsum("nc->c", dout)}
    dhidden = torch.einsum("nc,hc->nh", dout, cache["W2"])
    dpre = torch.where(cache["mask"], dhidden, torch.zeros_like(dhidden))
    grads["W1"] = torch.einsum("nd,nh->dh", cache["x"], dpre)
    grads["b1"] = torch.einsum("nh->h", dpre)
    return grads


def mlp_train_step(x, y, params, lr):
    scores, cache = mlp_forward(x, params)
    n, c = scores.shape
    probabilities = torch.softmax(scores, dim=1)
    onehot = F.one_hot(y, c).to(scores.dtype)
    loss = F.cross_entropy(scores, y)
    grads = mlp_backward((probabilities - onehot) / n, cache)
    for name in ("W1", "b1", "W2", "b2"):
        params[name] -= lr * grads[name]
    return float(loss)
