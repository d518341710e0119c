"""ManualOptimizer with the bookkeeping spelled out: per-group settings merged by hand, closure handled first."""

import torch
from torch.optim import Optimizer


class ManualOptimizer(Optimizer):
    def __init__(self, params, update, **defaults):
        self.update = update
        Optimizer.__init__(self, params, dict(defaults))

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.no_grad():
            for group in self.param_groups:
                settings = dict(group)
                del settings["params"]
                for param in group["params"]:
                    if param.grad is None:
                        continue
                    self.update(param, param.grad, self.state[param], **settings)
        return loss
