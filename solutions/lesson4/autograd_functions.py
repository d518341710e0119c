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
        ### BEGIN SOLUTION
        m = x.amax(dim=dim, keepdim=True)
        out = (m + (x - m).exp().sum(dim=dim, keepdim=True).log()).squeeze(dim)
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out
        ### END SOLUTION

    @staticmethod
    def backward(ctx, grad_output):
        ### BEGIN SOLUTION
        x, out = ctx.saved_tensors
        softmax = (x - out.unsqueeze(ctx.dim)).exp()
        return grad_output.unsqueeze(ctx.dim) * softmax, None
        ### END SOLUTION


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
        ### BEGIN SOLUTION
        s = torch.sigmoid(beta * x)
        ctx.save_for_backward(x, beta, s)
        return x * s
        ### END SOLUTION

    @staticmethod
    def backward(ctx, grad_output):
        ### BEGIN SOLUTION
        x, beta, s = ctx.saved_tensors
        sigmoid_slope = s * (1 - s)
        grad_x = grad_output * (s + beta * x * sigmoid_slope)
        grad_beta = (grad_output * x * x * sigmoid_slope).sum().reshape(beta.shape)
        return grad_x, grad_beta
        ### END SOLUTION
