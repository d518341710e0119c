"""Lesson 5: an optimizer class, like torch.optim's, built on a one-tensor step function.

``torch.optim.Optimizer`` does the bookkeeping every optimizer shares, and you reuse it:

- ``self.param_groups``: a list of dicts, one per parameter group, each with ``"params"``
  (a list of tensors) and that group's hyperparameters.  ``Optimizer.__init__(params,
  defaults)`` builds them, filling every key a group does not set from ``defaults``, so
  ``[{"params": model.body.parameters()}, {"params": model.head.parameters(), "lr": 1e-4}]``
  gives the head its own learning rate (and, say, biases no weight decay).
- ``self.state``: a dict from each parameter tensor to its own state dict (created empty
  on first use), saved and restored by ``state_dict()`` and ``load_state_dict()``, which is
  how a training run is checkpointed and resumed.
- ``zero_grad()``: sets every gradient to None.

What is left to write is ``step``.  Run ``pytest lesson5`` to test your work.
"""

import torch


class ManualOptimizer(torch.optim.Optimizer):
    """An optimizer whose update rule is a step function such as ``adam_step`` or ``rmsprop_step``.

    ``ManualOptimizer(model.parameters(), adam_step, lr=1e-2)`` then trains a model exactly as
    ``torch.optim.Adam(model.parameters(), lr=1e-2)``:

        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()

    ``__init__(params, update, **defaults)``: ``params`` is an iterable of tensors or of
    parameter-group dicts; ``update(param, grad, state, **hyperparameters)`` does one step for
    one tensor; ``defaults`` are hyperparameters for every group that does not set its own
    (those given nowhere take ``update``'s own defaults).

    ``step(closure=None)``, as in every torch optimizer:

    - if ``closure`` is given, call it first, with autograd enabled (it recomputes the loss and
      its gradients), and return what it returns; otherwise return None;
    - then, under ``torch.no_grad()``, for every group and every parameter in it that has a
      gradient (``p.grad is not None``; parameters that took no part in the loss have none and
      are skipped entirely, state included), call
      ``update(p, p.grad, self.state[p], **hyperparameters of that group)``: every key of the
      group except ``"params"``.

    Keep the per-parameter state in ``self.state[p]`` (not in a dict of your own), so that
    ``state_dict()`` saves it.  Wrapping torch's ``Adam``, ``AdamW``, ``RMSprop`` or ``SGD`` is
    forbidden.
    """

    def __init__(self, params, update, **defaults):
        ### BEGIN SOLUTION
        super().__init__(params, defaults)
        self.update = update
        ### END SOLUTION

    @torch.no_grad()
    def step(self, closure=None):
        ### BEGIN SOLUTION
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            hyperparameters = {key: value for key, value in group.items() if key != "params"}
            for param in group["params"]:
                if param.grad is not None:
                    self.update(param, param.grad, self.state[param], **hyperparameters)
        return loss
        ### END SOLUTION
