"""A correct submission: a dispatch dict, HuberLoss with a smaller delta for outliers."""

import torch
from torch import nn


class CrossEntropyOnProbabilities(nn.Module):
    def forward(self, probabilities, target):
        return nn.functional.nll_loss(probabilities.log().clamp_min(-100), target)


def choose_loss(problem):
    task, output = problem["task"], problem["output"]
    if task == "regression":
        return nn.HuberLoss(delta=0.5) if problem.get("outliers") else nn.MSELoss()
    if task == "multiclass":
        return {"logits": nn.CrossEntropyLoss(), "log_probabilities": nn.NLLLoss(), "probabilities": CrossEntropyOnProbabilities()}[output]
    if output == "probabilities":
        return nn.BCELoss()
    f = problem.get("positive_fraction")
    return nn.BCEWithLogitsLoss(pos_weight=torch.tensor(1.0 / f - 1.0)) if f else nn.BCEWithLogitsLoss()
