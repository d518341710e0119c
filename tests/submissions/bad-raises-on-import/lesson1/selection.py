import torch
from torch import nn

WEIGHTS = torch.load("/home/me/weights.pt")  # works on my machine


class CrossEntropyOnProbabilities(nn.Module):
    def forward(self, probabilities, target):
        return -torch.log(probabilities).clamp(min=-100).gather(1, target.unsqueeze(1)).mean()


def choose_loss(problem):
    return nn.MSELoss()
