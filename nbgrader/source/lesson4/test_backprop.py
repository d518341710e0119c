"""Visible tests for lesson4/backprop.py: your forward and backward passes against PyTorch's autograd."""

import pytest
import torch
import torch.nn.functional as F
from checks import check_close

from lesson4 import backprop

N, D, H, C = 4, 3, 5, 2  # D != H != C, so a transposed gradient has the wrong shape


def make_params(seed=0):
    g = torch.Generator().manual_seed(seed)
    shapes = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}
    return {
        name: torch.randn(shape, generator=g, dtype=torch.float64) for name, shape in shapes.items()
    }


def inputs(seed=1):
    return torch.randn(N, D, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def torch_forward(x, params):
    return torch.relu(x @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]


def test_forward_matches_torch():
    x, params = inputs(), make_params()
    out, _ = backprop.mlp_forward(x, params)
    check_close(out, torch_forward(x, params), "mlp_forward(x, params)[0]")


@pytest.mark.parametrize("name", ["W1", "b1", "W2", "b2"])
def test_backward_matches_autograd(name):
    x, params = inputs(), make_params()
    dout = torch.randn(N, C, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    _, cache = backprop.mlp_forward(x, params)
    grads = backprop.mlp_backward(dout, cache)
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    (torch_forward(x, leaves) * dout).sum().backward()
    assert isinstance(grads, dict) and name in grads, (
        f"mlp_backward must return a dict with the key {name!r}"
    )
    check_close(
        grads[name],
        leaves[name].grad,
        f"the gradient for {name}",
        hint="shapes: dW1 (D, H), db1 (H,), dW2 (H, C), db2 (C,); the ReLU passes gradient only where x @ W1 + b1 > 0",
    )


@pytest.mark.parametrize("name", ["W1", "b1"])
def test_backward_passes_no_gradient_where_z_is_exactly_zero(name):
    x, params = inputs(), make_params()
    params["W1"][:, 0] = 0.0  # hidden unit 0 has z = 0 for every example
    params["b1"][0] = 0.0
    dout = torch.randn(N, C, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    _, cache = backprop.mlp_forward(x, params)
    grads = backprop.mlp_backward(dout, cache)
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    (torch_forward(x, leaves) * dout).sum().backward()
    check_close(
        grads[name],
        leaves[name].grad,
        f"the gradient for {name} when z = x @ W1 + b1 is exactly 0 in hidden unit 0",
        hint="the ReLU passes gradient only where z > 0, not where z == 0",
    )


def test_train_step_matches_cross_entropy_and_sgd():
    x, params = inputs(), make_params()
    y = torch.tensor([0, 1, 1, 0])
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    want_loss = F.cross_entropy(torch_forward(x, leaves), y)
    want_loss.backward()
    before = {k: v for k, v in params.items()}
    loss = backprop.mlp_train_step(x, y, params, lr=0.5)
    check_close(loss, want_loss.item(), "the loss mlp_train_step returns (before the update)")
    for name in params:
        assert params[name] is before[name], (
            f"params[{name!r}] was replaced by a new tensor: update it in place (-=)"
        )
        check_close(
            params[name],
            leaves[name].detach() - 0.5 * leaves[name].grad,
            f"params[{name!r}] after one step",
        )


def test_train_step_is_stable_for_scores_in_the_thousands():
    x, params = inputs(), make_params()
    params["b2"] = params["b2"] + torch.tensor([1000.0, 990.0], dtype=torch.float64)
    y = torch.tensor([0, 1, 1, 0])
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    want_loss = F.cross_entropy(torch_forward(x, leaves), y)
    want_loss.backward()
    loss = backprop.mlp_train_step(x, y, params, lr=1e-3)
    assert type(loss) is float, (
        f"mlp_train_step must return a Python float, not {type(loss).__name__}"
    )
    check_close(
        loss,
        want_loss.item(),
        "the loss for scores of about 1000",
        hint="subtract each row's maximum from the scores before exp",
    )
    for name in params:
        check_close(
            params[name],
            leaves[name].detach() - 1e-3 * leaves[name].grad,
            f"params[{name!r}] after one step with scores of about 1000",
        )
