"""Correct custom Functions: LogSumExp saves the input only; Swish recomputes the sigmoid in backward."""

import torch


class LogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, dim):
        m = x.max(dim=dim, keepdim=True).values
        ctx.save_for_backward(x)
        ctx.dim = dim
        return torch.log(torch.sum(torch.exp(x - m), dim=dim)) + m.squeeze(dim)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        e = torch.exp(x - x.max(dim=ctx.dim, keepdim=True).values)
        softmax = e / e.sum(dim=ctx.dim, keepdim=True)
        grad_x = softmax * grad_output.unsqueeze(ctx.dim) if ctx.needs_input_grad[0] else None
        return grad_x, None


class Swish(torch.autograd.Function):
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
        grad_beta = torch.sum(grad_output * x**2 * slope).view_as(beta) if ctx.needs_input_grad[1] else None
        return grad_x, grad_beta
