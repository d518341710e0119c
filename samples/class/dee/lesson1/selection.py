import torch
from torch import nn


class CrossEntropyOnProbabilities(nn.Module):
    def forward(self, probabilities, target)
        return -torch.log(probabilities).gather(1, target.unsqueeze(1)).mean()


def choose_loss(problem):
    return nn.MSELoss()
