"""Plausible wrong implementations of lesson4/autograd_functions.py (see graders/grading/mistakes.py).

Each mistake subclasses the reference Function and overrides the static method it gets
wrong, so it inherits the rest: a backward override reads what the reference forward saved,
``(x, out)`` with ``ctx.dim`` for LogSumExp and ``(x, beta, s)`` for Swish.  A mutant (the
solution file with the mistake appended) has the reference class under the same name.
"""

import torch

from graders.api import Catalogue, load_reference

catalogue = Catalogue()
_functions = load_reference("lesson4.autograd_functions")
LogSumExp, Swish = _functions.LogSumExp, _functions.Swish

# -- LogSumExp ----------------------------------------------------------------------------------


@catalogue.mistake(
    "LogSumExp",
    "log(sum(exp(x))) without subtracting the maximum",
    "exp(1000) is inf even in float64: subtract the maximum m along dim, m + log(sum(exp(x - m)))",
)
class LseUnstable(LogSumExp):
    @staticmethod
    def forward(ctx, x, dim):
        out = x.exp().sum(dim=dim).log()
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out


@catalogue.mistake(
    "LogSumExp",
    "the maximum subtracted but not added back",
    "logsumexp(x) = m + log(sum(exp(x - m))): keep the + m",
)
class LseForgotMax(LogSumExp):
    @staticmethod
    def forward(ctx, x, dim):
        m = x.amax(dim=dim, keepdim=True)
        out = (x - m).exp().sum(dim=dim).log()
        ctx.save_for_backward(x - m, out)
        ctx.dim = dim
        return out


@catalogue.mistake(
    "LogSumExp",
    "the reduced dimension kept (keepdim=True)",
    "torch.logsumexp(x, dim) removes dim: squeeze it from the result",
)
class LseKeepdim(LogSumExp):
    @staticmethod
    def forward(ctx, x, dim):
        m = x.amax(dim=dim, keepdim=True)
        out = m + (x - m).exp().sum(dim=dim, keepdim=True).log()
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        return grad_output * (x - out).exp(), None


@catalogue.mistake(
    "LogSumExp",
    "a backward that returns one gradient for two inputs",
    "backward returns one value per input of forward, in order: (grad_x, None), None for dim",
)
class LseOneGradient(LogSumExp):
    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        return grad_output.unsqueeze(ctx.dim) * (x - out.unsqueeze(ctx.dim)).exp()


@catalogue.mistake(
    "LogSumExp",
    "the gradient broadcast along the last dimension instead of dim",
    "the output lost dimension dim, so put it back there: grad_output.unsqueeze(dim), not unsqueeze(-1)",
)
class LseWrongDimension(LogSumExp):
    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        return grad_output.unsqueeze(-1) * (x - out.unsqueeze(ctx.dim)).exp(), None


@catalogue.mistake(
    "LogSumExp",
    "the softmax returned without multiplying by grad_output",
    "backward is a vector-Jacobian product: multiply the local derivative (softmax) by the incoming gradient",
)
class LseIgnoresGradOutput(LogSumExp):
    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        return (x - out.unsqueeze(ctx.dim)).exp(), None


@catalogue.mistake(
    "LogSumExp",
    "a backward softmax computed as exp(x) / sum(exp(x))",
    "exp(x) overflows in backward too: use exp(x - logsumexp(x)) with the saved output",
)
class LseUnstableBackward(LogSumExp):
    @staticmethod
    def backward(ctx, grad_output):
        x, _ = ctx.saved_tensors
        e = x.exp()
        return grad_output.unsqueeze(ctx.dim) * e / e.sum(dim=ctx.dim, keepdim=True), None


@catalogue.mistake(
    "LogSumExp",
    "m + log1p(sum of exp(x - m) over the other elements), where 'other' drops every element equal "
    "to the maximum",
    "with equal maxima, each contributes exp(0) = 1: keep them all, m + log(sum(exp(x - m)))",
)
class LseDropsEqualMaxima(LogSumExp):
    @staticmethod
    def forward(ctx, x, dim):
        m = x.amax(dim=dim, keepdim=True)
        rest = torch.where(x < m, (x - m).exp(), torch.zeros_like(x)).sum(dim=dim, keepdim=True)
        out = (m + torch.log1p(rest)).squeeze(dim)
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out


# -- Swish ---------------------------------------------------------------------------------------


@catalogue.mistake(
    "Swish",
    "beta ignored in the forward pass (x * sigmoid(x))",
    "the activation is x * sigmoid(beta * x)",
)
class SwishIgnoresBeta(Swish):
    @staticmethod
    def forward(ctx, x, beta):
        s = torch.sigmoid(x)
        ctx.save_for_backward(x, beta, s)
        return x * s


@catalogue.mistake(
    "Swish",
    "the product rule's second term dropped (d/dx taken as sigmoid(beta x))",
    "x * s has two factors that depend on x: d/dx = s + beta * x * s * (1 - s)",
)
class SwishNoProductRule(Swish):
    @staticmethod
    def backward(ctx, grad_output):
        x, beta, s = ctx.saved_tensors
        return grad_output * s, (grad_output * x * x * s * (1 - s)).sum().reshape(beta.shape)


@catalogue.mistake(
    "Swish",
    "sigmoid's derivative taken as sigmoid itself",
    "sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z))",
)
class SwishSigmoidSlope(Swish):
    @staticmethod
    def backward(ctx, grad_output):
        x, beta, s = ctx.saved_tensors
        return grad_output * (s + beta * x * s), (grad_output * x * x * s).sum().reshape(beta.shape)


@catalogue.mistake(
    "Swish",
    "the chain rule through beta * x without its factor beta",
    "d sigmoid(beta x)/dx = beta * s * (1 - s): d/dx = s + beta * x * s * (1 - s)",
)
class SwishNoInnerFactor(Swish):
    @staticmethod
    def backward(ctx, grad_output):
        x, beta, s = ctx.saved_tensors
        return grad_output * (s + x * s * (1 - s)), (
            grad_output * x * x * s * (1 - s)
        ).sum().reshape(beta.shape)


@catalogue.mistake(
    "Swish",
    "a beta gradient missing one factor of x",
    "d(x * sigmoid(beta x))/dbeta = x * x * s * (1 - s)",
)
class SwishBetaOneX(Swish):
    @staticmethod
    def backward(ctx, grad_output):
        x, beta, s = ctx.saved_tensors
        return grad_output * (s + beta * x * s * (1 - s)), (
            grad_output * x * s * (1 - s)
        ).sum().reshape(beta.shape)


@catalogue.mistake(
    "Swish",
    "None returned for beta's gradient",
    "beta is trainable: return its gradient, summed over every element",
)
class SwishNoBetaGradient(Swish):
    @staticmethod
    def backward(ctx, grad_output):
        x, beta, s = ctx.saved_tensors
        return grad_output * (s + beta * x * s * (1 - s)), None


@catalogue.mistake(
    "Swish",
    "a backward that returns one gradient for two inputs",
    "backward returns one gradient per input of forward, in order: (grad_x, grad_beta)",
)
class SwishOneGradient(Swish):
    @staticmethod
    def backward(ctx, grad_output):
        x, beta, s = ctx.saved_tensors
        return grad_output * (s + beta * x * s * (1 - s))


@catalogue.mistake(
    "Swish",
    "sigmoid's slope written as exp(-z) / (1 + exp(-z))**2, which is inf / inf = nan once exp overflows",
    "write the slope with the saved sigmoid, s * (1 - s), which stays finite for any z = beta * x",
)
class SwishSlopeOverflows(Swish):
    @staticmethod
    def backward(ctx, grad_output):
        x, beta, s = ctx.saved_tensors
        e = torch.exp(-beta * x)
        slope = e / (1 + e) ** 2
        return grad_output * (s + beta * x * slope), (grad_output * x * x * slope).sum().reshape(
            beta.shape
        )


@catalogue.mistake(
    "Swish",
    "the sigmoid recovered in backward as the output divided by x (0 / 0 = nan at x = 0)",
    "save s = sigmoid(beta * x) itself with ctx.save_for_backward (or recompute it), never y / x",
)
class SwishDividesByX(Swish):
    @staticmethod
    def forward(ctx, x, beta):
        y = x * torch.sigmoid(beta * x)
        ctx.save_for_backward(x, beta, y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        x, beta, y = ctx.saved_tensors
        s = y / x
        slope = s * (1 - s)
        return grad_output * (s + beta * x * slope), (grad_output * x * x * slope).sum().reshape(
            beta.shape
        )


# -- correct variants ----------------------------------------------------------------------------


@catalogue.variant("LogSumExp", "torch.max for the maximum and the softmax recomputed in backward")
class LseMaxRecomputed(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, dim):
        m = x.max(dim=dim, keepdim=True).values
        ctx.save_for_backward(x)
        ctx.dim = dim
        return (m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))).squeeze(dim)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        e = torch.exp(x - x.max(dim=ctx.dim, keepdim=True).values)
        return grad_output.unsqueeze(ctx.dim) * e / e.sum(dim=ctx.dim, keepdim=True), None


@catalogue.variant("Swish", "the sigmoid written with exp, and needs_input_grad respected")
class SwishExplicit(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x, beta)
        return x / (1 + torch.exp(-beta * x))

    @staticmethod
    def backward(ctx, grad_output):
        x, beta = ctx.saved_tensors
        s = 1 / (1 + torch.exp(-beta * x))
        slope = s - s * s
        grad_x = grad_output * (s + beta * x * slope) if ctx.needs_input_grad[0] else None
        grad_beta = (
            (grad_output * x * x * slope).sum().view_as(beta) if ctx.needs_input_grad[1] else None
        )
        return grad_x, grad_beta
