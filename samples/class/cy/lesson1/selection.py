import torch
from torch import nn


class CrossEntropyOnProbabilities(nn.Module):
    def forward(self, probabilities, target):
        log_p = torch.log(probabilities).clamp(min=-100)
        return -log_p[torch.arange(target.shape[0]), target].mean()


def choose_loss(problem):
    task, output = problem["task"], problem["output"]
    if task == "regression":
        return nn.L1Loss() if problem.get("outliers") else nn.MSELoss()
    if task == "multiclass":
        return {"logits": nn.CrossEntropyLoss, "log_probabilities": nn.NLLLoss}.get(output, CrossEntropyOnProbabilities)()
    if output == "probabilities":
        return nn.BCELoss()
    fraction = problem.get("positive_fraction")
    return nn.BCEWithLogitsLoss(pos_weight=None if fraction is None else torch.tensor((1 - fraction) / fraction))
