"""Plausible wrong implementations of lesson5/manual_optimizer.py (see graders/grading/mistakes.py)."""

import torch

from graders.api import Catalogue

catalogue = Catalogue()


@catalogue.mistake(
    "ManualOptimizer",
    "the constructor's defaults used for every group, ignoring each group's own settings",
    "a group's dict holds its hyperparameters, defaults filled in by Optimizer.__init__: pass "
    "{k: v for k, v in group.items() if k != 'params'}",
)
class OptimizerDefaultsOnly(torch.optim.Optimizer):
    def __init__(self, params, update, **defaults):
        super().__init__(params, defaults)
        self.update = update

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self.update(p, p.grad, self.state[p], **self.defaults)
        return loss


@catalogue.mistake(
    "ManualOptimizer",
    "only the first parameter group updated",
    "loop over every group in self.param_groups",
)
class OptimizerFirstGroupOnly(torch.optim.Optimizer):
    def __init__(self, params, update, **defaults):
        super().__init__(params, defaults)
        self.update = update

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        group = self.param_groups[0]
        hyperparameters = {k: v for k, v in group.items() if k != "params"}
        for p in group["params"]:
            if p.grad is not None:
                self.update(p, p.grad, self.state[p], **hyperparameters)
        return loss


@catalogue.mistake(
    "ManualOptimizer",
    "a new, empty state dict on every step",
    "the state must persist between steps: pass self.state[p], not {}",
)
class OptimizerFreshState(torch.optim.Optimizer):
    def __init__(self, params, update, **defaults):
        super().__init__(params, defaults)
        self.update = update

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            hyperparameters = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                if p.grad is not None:
                    self.update(p, p.grad, {}, **hyperparameters)
        return loss


@catalogue.mistake(
    "ManualOptimizer",
    "parameters without a gradient stepped with a zero gradient instead of skipped",
    "torch's optimizers skip a parameter whose grad is None (it took no part in the loss): its "
    "state and value stay as they are",
)
class OptimizerZeroForMissingGrad(torch.optim.Optimizer):
    def __init__(self, params, update, **defaults):
        super().__init__(params, defaults)
        self.update = update

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            hyperparameters = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                grad = p.grad if p.grad is not None else torch.zeros_like(p)
                self.update(p, grad, self.state[p], **hyperparameters)
        return loss


@catalogue.mistake(
    "ManualOptimizer",
    "the closure ignored",
    "step(closure) first calls closure() under torch.enable_grad() and returns its loss",
)
class OptimizerIgnoresClosure(torch.optim.Optimizer):
    def __init__(self, params, update, **defaults):
        super().__init__(params, defaults)
        self.update = update

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            hyperparameters = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                if p.grad is not None:
                    self.update(p, p.grad, self.state[p], **hyperparameters)


@catalogue.mistake(
    "ManualOptimizer",
    "the state kept in a dict of its own, which state_dict() does not save",
    "keep it in self.state[p]: state_dict() and load_state_dict() checkpoint exactly that",
)
class OptimizerPrivateState(torch.optim.Optimizer):
    def __init__(self, params, update, **defaults):
        super().__init__(params, defaults)
        self.update = update
        self.moments = {}

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            hyperparameters = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                if p.grad is not None:
                    self.update(p, p.grad, self.moments.setdefault(p, {}), **hyperparameters)
        return loss


@catalogue.mistake(
    "ManualOptimizer",
    "the state keyed by the parameter's position in its group",
    "position 0 of every group then shares one state: key the state by the parameter itself, self.state[p]",
)
class OptimizerStateByPosition(torch.optim.Optimizer):
    def __init__(self, params, update, **defaults):
        super().__init__(params, defaults)
        self.update = update

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            hyperparameters = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"]):
                if p.grad is not None:
                    self.update(p, p.grad, self.state[i], **hyperparameters)
        return loss


@catalogue.mistake(
    "ManualOptimizer",
    "step() running the update with autograd enabled",
    "decorate step with @torch.no_grad() (and call the closure under torch.enable_grad()), as torch's optimizers do",
)
class OptimizerWithAutograd(torch.optim.Optimizer):
    def __init__(self, params, update, **defaults):
        super().__init__(params, defaults)
        self.update = update

    def step(self, closure=None):
        loss = None if closure is None else closure()
        for group in self.param_groups:
            hyperparameters = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                if p.grad is not None:
                    self.update(p, p.grad, self.state[p], **hyperparameters)
        return loss
