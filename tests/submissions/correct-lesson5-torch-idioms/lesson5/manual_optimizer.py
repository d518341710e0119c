"""ManualOptimizer in the style of torch/optim/*.py: @torch.no_grad() step, torch.enable_grad() for the closure."""

import torch


class ManualOptimizer(torch.optim.Optimizer):
    def __init__(self, params, update, **defaults):
        super().__init__(params, defaults)
        self._update = update

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params_with_grad = [p for p in group["params"] if p.grad is not None]
            hyperparameters = {name: value for name, value in group.items() if name != "params"}
            for p in params_with_grad:
                self._update(p, p.grad, self.state[p], **hyperparameters)
        return loss
