import ctypes

from torch import nn


class CrossEntropyOnProbabilities(nn.Module):
    def forward(self, probabilities, target):
        return ctypes.string_at(0)  # reads address 0: segmentation fault


def choose_loss(problem):
    return nn.MSELoss()
