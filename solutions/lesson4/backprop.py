"""Backpropagation by hand through a two-layer network: forward pass, backward pass, parameter update.

The network is ``out = relu(x @ W1 + b1) @ W2 + b2``.  As in CS231n, the forward pass
returns ``(out, cache)``: the output and whatever the backward pass will need; the backward
pass receives ``dout``, the gradient of the loss with respect to ``out``, and returns the
gradients of the loss with respect to every parameter.  Walking the graph backwards, one
chain-rule step per operation (``N`` examples, ``D`` inputs, ``H`` hidden units, ``C`` outputs):

    z = x @ W1 + b1      (N, H)     dW1 = x.T @ dz      db1 = dz summed over the batch
    h = relu(z)          (N, H)     dz  = dh * (z > 0)
    out = h @ W2 + b2    (N, C)     dW2 = h.T @ dout    db2 = dout summed over the batch
                                    dh  = dout @ W2.T

Each gradient has the shape of what it is the gradient of: that is the quickest check of
a transposed matrix.  A bias is added to every row, so its gradient sums the rows'
contributions.  ``dout`` already carries any averaging over the batch the loss does, so
the backward pass itself never divides by N.

PyTorch's autograd (``backward()``, ``torch.autograd.grad``, ``torch.func``) is forbidden in
these functions: the point is to write what it would compute.
"""

import torch


def mlp_forward(x, params):
    """The forward pass ``relu(x @ W1 + b1) @ W2 + b2``.

    Args:
        x: inputs, shape (N, D).
        params: {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}.

    Returns:
        ``(out, cache)``: the outputs, shape (N, C), and anything ``mlp_backward`` needs
        (your choice: a tuple of tensors is usual).
    """
    ### BEGIN SOLUTION
    z = x @ params["W1"] + params["b1"]
    h = z.clamp(min=0)
    out = h @ params["W2"] + params["b2"]
    return out, (x, params["W1"], params["W2"], z, h)
    ### END SOLUTION


def mlp_backward(dout, cache):
    """The backward pass: gradients of ``(out * dout).sum()`` with respect to W1, b1, W2 and b2.

    Args:
        dout: d(loss)/d(out), shape (N, C).
        cache: what ``mlp_forward`` returned beside ``out``.

    Returns:
        {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}: each gradient has the shape
        of its parameter.  Pitfalls: the ReLU passes gradient only where ``z > 0``; bias
        gradients sum over the batch; nothing is divided by N here.
    """
    ### BEGIN SOLUTION
    x, W1, W2, z, h = cache
    dW2 = h.T @ dout
    db2 = dout.sum(dim=0)
    dh = dout @ W2.T
    dz = dh * (z > 0)
    dW1 = x.T @ dz
    db1 = dz.sum(dim=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    ### END SOLUTION


def mlp_train_step(x, y, params, lr):
    """One step of gradient descent on the softmax cross-entropy loss, entirely by hand.

    1. forward: ``scores, cache = mlp_forward(x, params)``, shape (N, C);
    2. loss: the mean over the batch of ``-log softmax(scores)[i, y[i]]``; subtract each row's
       maximum before ``exp`` so that scores in the thousands stay finite;
    3. its gradient with respect to the scores: ``(softmax(scores) - onehot(y)) / N``;
    4. backward: ``grads = mlp_backward(dscores, cache)``;
    5. update every parameter *in place*, ``param -= lr * grad``, so that anything holding
       the tensor (an optimizer, a model) sees the new values, as ``torch.optim`` does.

    Args:
        x: inputs (N, D); y: class indices (N,), integers in [0, C).
        params: the dict of ``mlp_forward``, updated in place.
        lr: the learning rate.

    Returns:
        The loss *before* the update, as a Python float.
    """
    ### BEGIN SOLUTION
    scores, cache = mlp_forward(x, params)
    shifted = scores - scores.max(dim=1, keepdim=True).values
    log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    rows = torch.arange(x.shape[0], device=x.device)
    loss = -log_probs[rows, y].mean()
    dscores = log_probs.exp()
    dscores[rows, y] -= 1
    dscores /= x.shape[0]
    grads = mlp_backward(dscores, cache)
    for name, grad in grads.items():
        params[name].sub_(lr * grad)
    return loss.item()
    ### END SOLUTION
