"""Each loss replies with values meant to break the figure drawn beside its failure: numbers at the
edge of float64, nan and infinities, and words where numbers belong."""


def mse(input, target, reduction="mean"):
    # right, but for the largest float64 there is, a nan and an infinity
    loss = (input - target) ** 2
    edge = torch.zeros_like(loss)
    flat = edge.view(-1)
    flat[-1], flat[0] = 1.7976931348623157e308, float("nan")
    if flat.numel() > 2:
        flat[1] = float("-inf")
    loss = loss + edge
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def huber_loss(input, target, reduction="mean", delta=1.0):
    # nan everywhere, gradients included
    loss = input * float("nan")
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    # markup and mathematics for the page to render, in place of the losses
    return "<img src=x onerror=alert(1)> $\\frac{1}{0}$ </figure><script>alert(2)</script>"


def cross_entropy(input, target, reduction="mean"):
    # values, and gradients, near 1e300: far off any scale the reference sets
    loss = 1e300 * (1 + input[..., 0].abs())
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()
