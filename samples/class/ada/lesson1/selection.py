"""Ada's loss selection: a lookup table keyed by (task, output)."""

import torch
from torch import nn


class CrossEntropyOnProbabilities(nn.Module):
    def forward(self, probabilities, target):
        picked = probabilities[torch.arange(len(target), device=target.device), target]
        return torch.mean(-torch.clamp(torch.log(picked), min=-100))


TABLE = {
    ("binary", "probabilities"): nn.BCELoss,
    ("multilabel", "probabilities"): nn.BCELoss,
    ("multiclass", "logits"): nn.CrossEntropyLoss,
    ("multiclass", "log_probabilities"): nn.NLLLoss,
    ("multiclass", "probabilities"): CrossEntropyOnProbabilities,
}


def choose_loss(problem):
    task, output = problem["task"], problem["output"]
    if task == "regression":
        return nn.SmoothL1Loss() if problem.get("outliers") else nn.MSELoss()
    if (task, output) in TABLE:
        return TABLE[(task, output)]()
    positives = problem.get("positive_fraction")
    if positives:
        return nn.BCEWithLogitsLoss(pos_weight=torch.tensor(1 / positives - 1))
    return nn.BCEWithLogitsLoss()
