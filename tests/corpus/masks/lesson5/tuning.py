"""Expected improvement with the certain points handled by a mask, as scikit-optimize does."""

import math

import torch


def expected_improvement(mean, std, best, xi=0.0):
    improvement = best - xi - mean
    ei = improvement.clamp(min=0)  # the certain case, kept where std == 0
    uncertain = std > 0
    if uncertain.any():
        z = improvement[uncertain] / std[uncertain]
        cdf = 0.5 * torch.erfc(-z / math.sqrt(2))
        pdf = torch.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
        ei = ei.masked_scatter(uncertain, improvement[uncertain] * cdf + std[uncertain] * pdf)
    return ei
