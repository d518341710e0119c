"""CrossEntropyOnProbabilities reads address 0: a segmentation fault."""

import ctypes


class CrossEntropyOnProbabilities(nn.Module):
    def forward(self, probabilities, target):
        return ctypes.string_at(0)
