"""Custom autograd Functions: a forward pass and the backward pass you write for it.

``torch.autograd.Function`` lets you replace autograd's derivative of a computation with
your own, to make it stabler, cheaper in memory or faster.  Two static methods:

    class F(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):          # plain tensors in, tensor out (no graph is recorded)
            ctx.save_for_backward(a, b)  # tensors backward will need; anything else: ctx.name = ...
            return ...
        @staticmethod
        def backward(ctx, grad_out):     # d(loss)/d(output), shaped like the output
            a, b = ctx.saved_tensors
            return grad_a, grad_b        # ONE gradient per input of forward, in order

and it is used through ``F.apply(a, b)``, never by calling ``forward``.  ``backward`` gets the
gradient of the loss with respect to the output and returns the gradients with respect to
the inputs (the vector-Jacobian product).  An input that is not a tensor (an int ``dim``) or
needs no gradient gets ``None``; ``ctx.needs_input_grad[i]`` says which ones are wanted.

Memory: save tensors with ``ctx.save_for_backward`` (autograd checks that they were not
modified in place before backward runs), and save what makes backward cheap: saving the
output can spare recomputing it.  Check a Function with
``torch.autograd.gradcheck(F.apply, (x.double().requires_grad_(), ...))``: it compares your
backward with central differences, in float64.
"""

import torch


class LogSumExp(torch.autograd.Function):
    """``LogSumExp.apply(x, dim)``: ``log(sum(exp(x), dim))`` with ``dim`` removed, like ``torch.logsumexp``.

    Forward, stably: ``exp(1000)`` is ``inf`` even in float64, so subtract the maximum ``m``
    along ``dim`` first, ``logsumexp(x) = m + log(sum(exp(x - m)))``, where every ``exp`` is at
    most 1.

    Backward: ``d logsumexp(x) / d x_i = exp(x_i) / sum_j exp(x_j) = exp(x_i - logsumexp(x))``,
    the softmax along ``dim``, computed from the saved output without overflow.  Each output
    element collects a whole slice along ``dim``, so its incoming gradient (shape of the output,
    ``dim`` removed) is spread back along ``dim``: ``grad_output.unsqueeze(dim) * softmax``.
    ``dim`` may be negative and ``x`` may have any number of dimensions.

    ``backward`` returns two things, one per input of ``forward``: the gradient for ``x`` and
    ``None`` for ``dim``.  ``torch.logsumexp`` and the softmax functions are forbidden.
    """

    @staticmethod
    def forward(ctx, x, dim):
        # YOUR CODE HERE
        raise NotImplementedError("LogSumExp.forward is not implemented yet")

    @staticmethod
    def backward(ctx, grad_output):
        # YOUR CODE HERE
        raise NotImplementedError("LogSumExp.backward is not implemented yet")


class Swish(torch.autograd.Function):
    """``Swish.apply(x, beta)``: the activation ``x * sigmoid(beta * x)`` with a trainable ``beta``.

    Swish (SiLU when beta = 1) is smooth, and unlike ReLU lets small negative values through.
    With ``s = sigmoid(beta * x)`` and ``sigmoid' = s * (1 - s)``:

        d/dx    = s + beta * x * s * (1 - s)      (product rule, then chain rule)
        d/dbeta = x * x * s * (1 - s)

    ``x`` is a tensor of any shape and ``beta`` a 0-dim tensor shared by every element, so its
    gradient adds up the contributions of all elements (like a bias): return it with
    ``beta``'s shape.  Save what backward needs with ``ctx.save_for_backward``.
    ``torch.nn.functional.silu`` is forbidden.
    """

    @staticmethod
    def forward(ctx, x, beta):
        # YOUR CODE HERE
        raise NotImplementedError("Swish.forward is not implemented yet")

    @staticmethod
    def backward(ctx, grad_output):
        # YOUR CODE HERE
        raise NotImplementedError("Swish.backward is not implemented yet")
