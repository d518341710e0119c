"""A ManualOptimizer that is torch's Adam in disguise."""

import torch


class ManualOptimizer(torch.optim.Adam):
    def __init__(self, params, update, **defaults):
        super().__init__(params, **defaults)
