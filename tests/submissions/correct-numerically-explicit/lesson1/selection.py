"""A correct submission: if/elif all the way, L1Loss for outliers."""

import torch
from torch import nn


class CrossEntropyOnProbabilities(nn.Module):
    def forward(self, probabilities, target):
        one_hot = torch.nn.functional.one_hot(target, probabilities.shape[1]).to(probabilities.dtype)
        log_p = torch.log(probabilities).clamp(min=-100)
        return -(one_hot * log_p).sum(dim=1).mean()


def choose_loss(problem):
    task = problem["task"]
    output = problem["output"]
    if task == "regression" and problem.get("outliers", False):
        return nn.L1Loss()
    elif task == "regression":
        return nn.MSELoss()
    elif task == "multiclass" and output == "logits":
        return nn.CrossEntropyLoss()
    elif task == "multiclass" and output == "log_probabilities":
        return nn.NLLLoss()
    elif task == "multiclass":
        return CrossEntropyOnProbabilities()
    elif output == "probabilities":
        return nn.BCELoss()
    elif problem.get("positive_fraction") is not None:
        negatives = 1.0 - problem["positive_fraction"]
        return nn.BCEWithLogitsLoss(pos_weight=torch.tensor(negatives / problem["positive_fraction"]))
    else:
        return nn.BCEWithLogitsLoss()
