"""Plausible wrong implementations of lesson4/backprop.py (see graders/grading/mistakes.py).

The ``mlp_backward`` mistakes read the reference's cache, ``(x, W1, W2, z, h)``: a mutant is
the solution file with one entry point replaced, so its cache comes from the reference
``mlp_forward``; the ``mlp_forward`` mistakes return a cache of the same layout.  Likewise the
``mlp_train_step`` mistakes call ``mlp_forward`` and
``mlp_backward``, which are the reference's functions both here and in a mutant.
"""

import torch

from graders.api import Catalogue, load_reference

catalogue = Catalogue()
_reference = load_reference("lesson4.backprop")
mlp_forward, mlp_backward = _reference.mlp_forward, _reference.mlp_backward

# -- mlp_forward -------------------------------------------------------------------------------


@catalogue.mistake(
    "mlp_forward",
    "a network without the ReLU",
    "the hidden layer is relu(x @ W1 + b1): without it two layers collapse into one linear map",
)
def forward_without_relu(x, params):
    z = x @ params["W1"] + params["b1"]
    return z @ params["W2"] + params["b2"], (x, params["W1"], params["W2"], z, z)


@catalogue.mistake(
    "mlp_forward",
    "a ReLU on the output layer too",
    "only the hidden layer has a ReLU; the output scores stay unbounded",
)
def forward_relu_on_output(x, params):
    z = x @ params["W1"] + params["b1"]
    h = z.clamp(min=0)
    return (h @ params["W2"] + params["b2"]).clamp(min=0), (x, params["W1"], params["W2"], z, h)


@catalogue.mistake(
    "mlp_forward",
    "b1 added after the ReLU instead of before",
    "the bias shifts the pre-activation: relu(x @ W1 + b1)",
)
def forward_bias_after_relu(x, params):
    z = x @ params["W1"]
    h = z.clamp(min=0) + params["b1"]
    return h @ params["W2"] + params["b2"], (x, params["W1"], params["W2"], z, h)


@catalogue.mistake("mlp_forward", "the output bias b2 left out", "out = h @ W2 + b2")
def forward_without_b2(x, params):
    z = x @ params["W1"] + params["b1"]
    h = z.clamp(min=0)
    return h @ params["W2"], (x, params["W1"], params["W2"], z, h)


@catalogue.mistake(
    "mlp_forward", "a sigmoid instead of the ReLU", "the hidden activation is relu, max(z, 0)"
)
def forward_sigmoid(x, params):
    z = x @ params["W1"] + params["b1"]
    h = torch.sigmoid(z)
    return h @ params["W2"] + params["b2"], (x, params["W1"], params["W2"], z, h)


# -- mlp_backward ------------------------------------------------------------------------------


@catalogue.mistake(
    "mlp_backward",
    "the ReLU mask forgotten",
    "the ReLU passes gradient only where z = x @ W1 + b1 > 0: dz = dh * (z > 0)",
)
def backward_without_mask(dout, cache):
    x, W1, W2, z, h = cache
    dh = dout @ W2.T
    return {"W1": x.T @ dh, "b1": dh.sum(dim=0), "W2": h.T @ dout, "b2": dout.sum(dim=0)}


@catalogue.mistake(
    "mlp_backward",
    "a ReLU mask that passes gradient where z = 0 (z >= 0 instead of z > 0)",
    "relu is flat for z <= 0, and torch gives it slope 0 at exactly 0: dz = dh * (z > 0)",
)
def backward_mask_at_zero(dout, cache):
    x, W1, W2, z, h = cache
    dz = (dout @ W2.T) * (z >= 0)
    return {"W1": x.T @ dz, "b1": dz.sum(dim=0), "W2": h.T @ dout, "b2": dout.sum(dim=0)}


@catalogue.mistake(
    "mlp_backward",
    "bias gradients not summed over the batch",
    "b is added to every row, so db sums the rows' gradients: db = d.sum(dim=0), shape (H,) or (C,)",
)
def backward_bias_per_row(dout, cache):
    x, W1, W2, z, h = cache
    dz = (dout @ W2.T) * (z > 0)
    return {"W1": x.T @ dz, "b1": dz, "W2": h.T @ dout, "b2": dout}


@catalogue.mistake(
    "mlp_backward",
    "bias gradients averaged over the batch instead of summed",
    "the loss's averaging is already inside dout: db = d.sum(dim=0)",
)
def backward_bias_mean(dout, cache):
    x, W1, W2, z, h = cache
    dz = (dout @ W2.T) * (z > 0)
    return {"W1": x.T @ dz, "b1": dz.mean(dim=0), "W2": h.T @ dout, "b2": dout.mean(dim=0)}


@catalogue.mistake(
    "mlp_backward",
    "gradients divided by the batch size",
    "dout already carries any averaging the loss does; the backward pass never divides by N",
)
def backward_divided_by_n(dout, cache):
    x, W1, W2, z, h = cache
    n = x.shape[0]
    dz = (dout @ W2.T) * (z > 0)
    return {
        "W1": x.T @ dz / n,
        "b1": dz.sum(dim=0) / n,
        "W2": h.T @ dout / n,
        "b2": dout.sum(dim=0) / n,
    }


@catalogue.mistake(
    "mlp_backward",
    "transposed weight gradients (dz.T @ x instead of x.T @ dz)",
    "a gradient has its parameter's shape: dW1 = x.T @ dz is (D, H), dW2 = h.T @ dout is (H, C)",
)
def backward_transposed_weights(dout, cache):
    x, W1, W2, z, h = cache
    dz = (dout @ W2.T) * (z > 0)
    return {"W1": dz.T @ x, "b1": dz.sum(dim=0), "W2": dout.T @ h, "b2": dout.sum(dim=0)}


@catalogue.mistake(
    "mlp_backward",
    "dh computed with W2 instead of W2.T",
    "out = h @ W2, so dh = dout @ W2.T (shape (N, H))",
)
def backward_untransposed_w2(dout, cache):
    x, W1, W2, z, h = cache
    dz = (dout @ W2) * (z > 0)
    return {"W1": x.T @ dz, "b1": dz.sum(dim=0), "W2": h.T @ dout, "b2": dout.sum(dim=0)}


@catalogue.mistake(
    "mlp_backward",
    "dW2 computed from the pre-activation z instead of the ReLU output h",
    "out = h @ W2 + b2 with h = relu(z): dW2 = h.T @ dout",
)
def backward_w2_from_preactivation(dout, cache):
    x, W1, W2, z, h = cache
    dz = (dout @ W2.T) * (z > 0)
    return {"W1": x.T @ dz, "b1": dz.sum(dim=0), "W2": z.T @ dout, "b2": dout.sum(dim=0)}


# -- mlp_train_step ----------------------------------------------------------------------------


@catalogue.mistake(
    "mlp_train_step",
    "a step up the gradient (param += lr * grad)",
    "gradient descent subtracts: param -= lr * grad",
)
def train_step_ascent(x, y, params, lr):
    scores, cache = mlp_forward(x, params)
    probs = torch.softmax(scores, dim=1)
    rows = torch.arange(x.shape[0], device=x.device)
    loss = -probs[rows, y].log().mean()
    dscores = probs.clone()
    dscores[rows, y] -= 1
    for name, grad in mlp_backward(dscores / x.shape[0], cache).items():
        params[name].add_(lr * grad)
    return loss.item()


@catalogue.mistake(
    "mlp_train_step",
    "the gradient of the summed loss (dscores not divided by N)",
    "the loss is the mean over the batch, so its gradient is (softmax - onehot) / N",
)
def train_step_not_divided(x, y, params, lr):
    scores, cache = mlp_forward(x, params)
    probs = torch.softmax(scores, dim=1)
    rows = torch.arange(x.shape[0], device=x.device)
    loss = -probs[rows, y].log().mean()
    dscores = probs.clone()
    dscores[rows, y] -= 1
    for name, grad in mlp_backward(dscores, cache).items():
        params[name].sub_(lr * grad)
    return loss.item()


@catalogue.mistake(
    "mlp_train_step",
    "the softmax itself used as the gradient (the one-hot target not subtracted)",
    "d(cross-entropy)/d(scores) = softmax(scores) - onehot(y), divided by N",
)
def train_step_without_onehot(x, y, params, lr):
    scores, cache = mlp_forward(x, params)
    probs = torch.softmax(scores, dim=1)
    rows = torch.arange(x.shape[0], device=x.device)
    loss = -probs[rows, y].log().mean()
    for name, grad in mlp_backward(probs / x.shape[0], cache).items():
        params[name].sub_(lr * grad)
    return loss.item()


@catalogue.mistake(
    "mlp_train_step",
    "the loss after the update returned instead of the loss before it",
    "return the loss of the forward pass that the gradient came from",
)
def train_step_loss_after_update(x, y, params, lr):
    scores, cache = mlp_forward(x, params)
    probs = torch.softmax(scores, dim=1)
    rows = torch.arange(x.shape[0], device=x.device)
    dscores = probs.clone()
    dscores[rows, y] -= 1
    for name, grad in mlp_backward(dscores / x.shape[0], cache).items():
        params[name].sub_(lr * grad)
    new_probs = torch.softmax(mlp_forward(x, params)[0], dim=1)
    return -new_probs[rows, y].log().mean().item()


@catalogue.mistake(
    "mlp_train_step",
    "new tensors put in the dict instead of updating the parameters in place",
    "params[name] = params[name] - lr * grad leaves every other holder of the old tensor behind: "
    "use params[name] -= lr * grad",
)
def train_step_rebinds(x, y, params, lr):
    scores, cache = mlp_forward(x, params)
    probs = torch.softmax(scores, dim=1)
    rows = torch.arange(x.shape[0], device=x.device)
    loss = -probs[rows, y].log().mean()
    dscores = probs.clone()
    dscores[rows, y] -= 1
    for name, grad in mlp_backward(dscores / x.shape[0], cache).items():
        params[name] = params[name] - lr * grad
    return loss.item()


@catalogue.mistake(
    "mlp_train_step",
    "a softmax without subtracting each row's maximum",
    "exp(1000) overflows to inf and inf / inf is nan: subtract each row's max from the scores first",
)
def train_step_unstable_softmax(x, y, params, lr):
    scores, cache = mlp_forward(x, params)
    exp = scores.exp()
    probs = exp / exp.sum(dim=1, keepdim=True)
    rows = torch.arange(x.shape[0], device=x.device)
    loss = -probs[rows, y].log().mean()
    dscores = probs.clone()
    dscores[rows, y] -= 1
    for name, grad in mlp_backward(dscores / x.shape[0], cache).items():
        params[name].sub_(lr * grad)
    return loss.item()


@catalogue.mistake(
    "mlp_train_step",
    "the summed loss returned instead of the mean",
    "the loss is the mean over the N examples",
)
def train_step_summed_loss(x, y, params, lr):
    scores, cache = mlp_forward(x, params)
    probs = torch.softmax(scores, dim=1)
    rows = torch.arange(x.shape[0], device=x.device)
    loss = -probs[rows, y].log().sum()
    dscores = probs.clone()
    dscores[rows, y] -= 1
    for name, grad in mlp_backward(dscores / x.shape[0], cache).items():
        params[name].sub_(lr * grad)
    return loss.item()


# -- correct variants ----------------------------------------------------------------------------


@catalogue.variant("mlp_forward", "torch.where for the ReLU and addmm for the layers")
def forward_where_addmm(x, params):
    z = torch.addmm(params["b1"], x, params["W1"])
    h = torch.where(z > 0, z, torch.zeros_like(z))
    return torch.addmm(params["b2"], h, params["W2"]), (x, params["W1"], params["W2"], z, h)


@catalogue.variant("mlp_backward", "einsum contractions and torch.where for the ReLU's mask")
def backward_einsum_where(dout, cache):
    x, W1, W2, z, h = cache
    dh = torch.einsum("nc,hc->nh", dout, W2)
    dz = torch.where(z > 0, dh, torch.zeros_like(dh))
    return {
        "W1": torch.einsum("nd,nh->dh", x, dz),
        "b1": torch.einsum("nh->h", dz),
        "W2": torch.einsum("nh,nc->hc", h, dout),
        "b2": torch.einsum("nc->c", dout),
    }


@catalogue.variant("mlp_backward", "the mask read from h and applied in place (dh[h <= 0] = 0)")
def backward_mask_in_place(dout, cache):
    x, W1, W2, z, h = cache
    dh = dout @ W2.T
    dh[h <= 0] = 0
    return {"W1": x.T @ dh, "b1": dh.sum(0), "W2": h.T @ dout, "b2": dout.sum(0)}
