"""Eve submitted only selection.py: losses.py is missing."""

import torch
from torch import nn


class CrossEntropyOnProbabilities(nn.Module):
    def forward(self, probabilities, target):
        return -torch.log(probabilities).clamp(min=-100).gather(1, target.unsqueeze(1)).mean()


def choose_loss(problem):
    task, output = problem["task"], problem["output"]
    if task == "regression":
        return nn.HuberLoss(delta=1.0) if problem.get("outliers") else nn.MSELoss()
    if task == "multiclass":
        if output == "probabilities":
            return CrossEntropyOnProbabilities()
        return nn.NLLLoss() if output == "log_probabilities" else nn.CrossEntropyLoss()
    if output == "probabilities":
        return nn.BCELoss()
    if "positive_fraction" in problem:
        f = problem["positive_fraction"]
        return nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1 - f) / f))
    return nn.BCEWithLogitsLoss()
