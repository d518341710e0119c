"""Lesson 1: choosing the loss that fits the problem.

No loss is right for every model.  The choice follows from four criteria:

- the problem type: regression, binary, multi-class or multi-label classification;
- the data distribution: outliers in the targets, imbalanced classes;
- the model architecture: what the last layer outputs (raw values, logits,
  probabilities after a sigmoid or softmax, or log-probabilities after a log-softmax);
- training stability: prefer the losses that take logits (log-sum-exp inside).

Here you write ``choose_loss``, which reads a problem description and returns a configured
``torch.nn`` loss module, and ``CrossEntropyOnProbabilities`` for the one case PyTorch has no
module for.  Run ``pytest lesson1`` to test your work.
"""

import torch
from torch import nn


class CrossEntropyOnProbabilities(nn.Module):
    """Cross-entropy for a model whose last layer is already a softmax.

    ``nn.CrossEntropyLoss`` expects logits and applies ``log_softmax`` itself.  Given
    probabilities it would apply a second softmax: the course outline's example
    ``nn.CrossEntropyLoss()(torch.tensor([[0.2, 0.5, 0.3], ...]), ...)`` does exactly that,
    and its loss hardly changes however good or bad the predictions are.  The fix is to take
    the log of the probabilities and use the negative log-likelihood, clamping the log at
    -100 (as ``BCELoss`` does) so a probability of exactly 0 gives a finite loss.

    ``forward(probabilities, target)``: probabilities of shape (N, C) whose rows sum to 1,
    target class indices of shape (N,); returns the mean over the N rows of
    ``-log(probabilities[n, target[n]])``.
    """

    def forward(self, probabilities, target):
        ### BEGIN SOLUTION
        log_p = torch.log(probabilities).clamp(min=-100)
        return -log_p.gather(1, target.unsqueeze(1)).mean()
        ### END SOLUTION


def choose_loss(problem):
    """Return the loss module that fits ``problem``, configured for it.

    ``problem`` is a dict with:

    - ``"task"``: ``"regression"``, ``"binary"`` (one yes/no output), ``"multiclass"``
      (exactly one of C classes) or ``"multilabel"`` (several yes/no outputs at once);
    - ``"output"``: what the model's last layer produces: ``"values"`` (regression),
      ``"logits"``, ``"probabilities"`` (after sigmoid or softmax) or ``"log_probabilities"``
      (after log_softmax);
    - ``"outliers"`` (optional, regression): True when some targets are wildly off
      (sensor glitches, typos). Squaring lets them dominate MSE; choose a loss that grows
      only linearly for large errors (``nn.HuberLoss``, ``nn.SmoothL1Loss`` or ``nn.L1Loss``);
    - ``"positive_fraction"`` (optional, binary and multilabel with logits): the share of
      positive examples, e.g. 0.1.  Weight the positives by ``(1 - f) / f`` through
      ``pos_weight`` (a tensor) so both classes contribute equally.

    Keep ``reduction="mean"``.  Among equivalent choices, prefer the one that takes logits.

    Returns:
        A ``torch.nn.Module`` to be called as ``loss(output, target)``.
    """
    ### BEGIN SOLUTION
    task, output = problem["task"], problem["output"]
    if task == "regression":
        return nn.HuberLoss() if problem.get("outliers") else nn.MSELoss()
    if task in ("binary", "multilabel"):
        if output == "probabilities":
            return nn.BCELoss()
        fraction = problem.get("positive_fraction")
        if fraction is None:
            return nn.BCEWithLogitsLoss()
        return nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1 - fraction) / fraction))
    if task == "multiclass":
        if output == "log_probabilities":
            return nn.NLLLoss()
        if output == "probabilities":
            return CrossEntropyOnProbabilities()
        return nn.CrossEntropyLoss()
    raise ValueError(f"unknown task {task!r}")
    ### END SOLUTION
