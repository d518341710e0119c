"""A two-layer MLP's forward and backward passes with einsum, bias gradients as contractions."""

import torch


def mlp_forward(x, params):
    z = torch.einsum("nd,dh->nh", x, params["W1"]) + params["b1"]
    h = torch.relu(z)
    out = torch.einsum("nh,hc->nc", h, params["W2"]) + params["b2"]
    return out, (x, z, h, params["W2"])


def mlp_backward(dout, cache):
    x, z, h, W2 = cache
    dz = torch.einsum("nc,hc->nh", dout, W2) * (z > 0)
    return {
        "W1": torch.einsum("nd,nh->dh", x, dz),
        "b1": torch.einsum("nh->h", dz),
        "W2": torch.einsum("nh,nc->hc", h, dout),
        "b2": torch.einsum("nc->c", dout),
    }
