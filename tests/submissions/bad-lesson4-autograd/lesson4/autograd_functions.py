"""A LogSumExp whose backward runs autograd on a recomputed forward, and a Swish built on F.silu: both forbidden."""

import torch
import torch.nn.functional as F


class LogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.save_for_backward(x)
        ctx.dim = dim
        m = x.amax(dim=dim, keepdim=True)
        return (m + (x - m).exp().sum(dim=dim, keepdim=True).log()).squeeze(dim)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with torch.enable_grad():
            leaf = x.detach().requires_grad_(True)
            m = leaf.amax(dim=ctx.dim, keepdim=True).detach()
            out = (m + (leaf - m).exp().sum(dim=ctx.dim, keepdim=True).log()).squeeze(ctx.dim)
            (grad,) = torch.autograd.grad(out, leaf, grad_output)
        return grad, None


class Swish(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x, beta)
        return F.silu(beta * x) / beta

    @staticmethod
    def backward(ctx, grad_output):
        x, beta = ctx.saved_tensors
        s = torch.sigmoid(beta * x)
        slope = s * (1 - s)
        return grad_output * (s + beta * x * slope), (grad_output * x * x * slope).sum().reshape(beta.shape)
