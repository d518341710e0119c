"""Lesson 5: Adam and RMSprop, one step at a time.

An optimizer step changes a parameter *in place*, using its gradient and some per-parameter
*state* that it keeps from one step to the next (running averages, a step counter).  Here
each optimizer is a function that does one step for one tensor:

    state = {}                      # empty before the first step
    for grad in gradients:
        adam_step(param, grad, state, lr=1e-3)

The caller keeps ``state`` and passes the same dict back every step: store everything the
next step needs *in that dict* (fill it, never rebind it), under the names torch's own
optimizers use, so that you can compare with ``torch.optim.Adam(...).state[param]``.

Both functions must give exactly the steps of ``torch.optim.Adam`` and ``torch.optim.RMSprop``
(their documentation pages show the algorithms in pseudocode), update ``param`` in place
(the caller holds that tensor: returning a new one changes nothing for them) and build no
autograd history: ``param`` is usually an ``nn.Parameter`` that requires grad, so do the
update inside ``with torch.no_grad():``.  Using torch's optimizers, or their functional and
fused forms, inside these functions is forbidden.  Run ``pytest lesson5`` to test your work.
"""

import torch


def adam_step(param, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    """One step of Adam (Kingma & Ba, 2015), exactly as ``torch.optim.Adam`` (amsgrad off).

    With ``t`` the number of this step (1 on the first step), ``g`` the gradient and
    ``beta1, beta2 = betas``:

        g          = g + weight_decay * param              (L2 penalty, added to the gradient)
        exp_avg    = beta1 * exp_avg + (1 - beta1) * g       (first moment, starts at 0)
        exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g*g  (second moment, starts at 0)
        bias_correction1 = 1 - beta1 ** t
        bias_correction2 = 1 - beta2 ** t
        param      = param - lr * (exp_avg / bias_correction1)
                                / (sqrt(exp_avg_sq / bias_correction2) + eps)

    The moments start at zero, so early averages are biased towards zero; dividing by the
    bias corrections removes that bias (without it the first steps are far too small, or
    too large when beta2 is close to 1).  ``eps`` is added *after* the square root.  The
    weight decay here is the L2 penalty of ``torch.optim.Adam``: it goes through the
    moments.  ``torch.optim.AdamW`` instead shrinks the parameter directly
    (``param *= 1 - lr * weight_decay``), which is a different optimizer.

    Args:
        param: the tensor to update in place (any shape; often requires grad).
        grad: its gradient, same shape.
        state: the dict this parameter's state lives in; empty on the first step.  After
            a step it holds ``"step"`` (the number of steps taken, an int), ``"exp_avg"``
            and ``"exp_avg_sq"`` (tensors like ``param``, on its device).  It may also
            come filled from a checkpoint: then continue from what it holds.
        lr, betas, eps, weight_decay: as in ``torch.optim.Adam``.

    Returns:
        None: ``param`` and ``state`` are updated in place.
    """
    # YOUR CODE HERE
    raise NotImplementedError("adam_step is not implemented yet")


def rmsprop_step(
    param,
    grad,
    state,
    *,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
):
    """One step of RMSprop (Hinton's lecture 6e), exactly as ``torch.optim.RMSprop``.

    RMSprop divides each coordinate's step by a running root-mean-square of its recent
    gradients, so coordinates with huge and tiny gradients move at similar speeds:

        g          = g + weight_decay * param                 (L2 penalty)
        square_avg = alpha * square_avg + (1 - alpha) * g*g     (starts at 0)
        avg        = sqrt(square_avg) + eps
        if centered:                                            (subtract the mean's square:
            grad_avg = alpha * grad_avg + (1 - alpha) * g       a running *variance*)
            avg      = sqrt(square_avg - grad_avg * grad_avg) + eps
        if momentum > 0:
            momentum_buffer = momentum * momentum_buffer + g / avg
            param           = param - lr * momentum_buffer
        else:
            param           = param - lr * g / avg

    ``alpha`` is the weight of the *old* average (0.99 keeps a long memory); ``eps`` is added
    after the square root.  Unlike Adam there is no bias correction, so the first steps are
    large: ``square_avg`` starts at 0.

    Args:
        param, grad: as in ``adam_step``.
        state: the dict this parameter's state lives in; empty on the first step.  After a
            step it holds ``"step"`` (an int), ``"square_avg"``, and ``"momentum_buffer"``
            when ``momentum > 0`` and ``"grad_avg"`` when ``centered`` (tensors like
            ``param``).  It may also come filled from a checkpoint.
        lr, alpha, eps, weight_decay, momentum, centered: as in ``torch.optim.RMSprop``.

    Returns:
        None: ``param`` and ``state`` are updated in place.
    """
    # YOUR CODE HERE
    raise NotImplementedError("rmsprop_step is not implemented yet")
