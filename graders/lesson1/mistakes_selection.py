"""Plausible wrong implementations of lesson1/selection.py (see graders/grading/mistakes.py)."""

import torch
from torch import nn

from graders.api import Catalogue, load_reference

# A mistake is pasted into the solution's module, where this name is the module's own class;
# here, the reference's, so that a mistake run by the grader returns the same kind of loss.
CrossEntropyOnProbabilities = load_reference("lesson1.selection").CrossEntropyOnProbabilities

catalogue = Catalogue()

# -- CrossEntropyOnProbabilities ------------------------------------------------------------------


@catalogue.mistake(
    "CrossEntropyOnProbabilities",
    "nn.CrossEntropyLoss applied to probabilities (softmax twice)",
    "CrossEntropyLoss expects logits and applies log_softmax itself; on probabilities take log(p) "
    "and the negative log-likelihood instead (the course outline's example makes this mistake)",
)
class CeopSoftmaxTwice(nn.Module):
    def forward(self, probabilities, target):
        shifted = probabilities - probabilities.max(dim=1, keepdim=True).values
        log_softmax = shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
        return -log_softmax.gather(1, target.unsqueeze(1)).mean()


@catalogue.mistake(
    "CrossEntropyOnProbabilities",
    "a log without the clamp at -100",
    "log(0) is -inf: clamp the log-probabilities with .clamp(min=-100)",
)
class CeopUnclamped(nn.Module):
    def forward(self, probabilities, target):
        return -torch.log(probabilities).gather(1, target.unsqueeze(1)).mean()


@catalogue.mistake(
    "CrossEntropyOnProbabilities",
    "probabilities clamped at a small epsilon instead of clamping the log",
    "clamp log(p) at -100 (as torch's BCELoss does), not p at 1e-12",
)
class CeopEpsilon(nn.Module):
    def forward(self, probabilities, target):
        return -torch.log(probabilities.clamp(min=1e-12)).gather(1, target.unsqueeze(1)).mean()


@catalogue.mistake(
    "CrossEntropyOnProbabilities",
    "the negative probability instead of its log",
    "the loss is -log(p[target]): take the log",
)
class CeopNoLog(nn.Module):
    def forward(self, probabilities, target):
        return -probabilities.gather(1, target.unsqueeze(1)).mean()


@catalogue.mistake(
    "CrossEntropyOnProbabilities",
    "the sum over the batch instead of the mean",
    "average over the N rows",
)
class CeopSum(nn.Module):
    def forward(self, probabilities, target):
        return -torch.log(probabilities).clamp(min=-100).gather(1, target.unsqueeze(1)).sum()


@catalogue.mistake(
    "CrossEntropyOnProbabilities",
    "the mean of -log p over every class, ignoring the target",
    "only the true class's probability enters: pick it with gather(1, target.unsqueeze(1))",
)
class CeopIgnoresTarget(nn.Module):
    def forward(self, probabilities, target):
        return -torch.log(probabilities).clamp(min=-100).mean()


# -- choose_loss ------------------------------------------------------------------------------------


@catalogue.mistake(
    "choose_loss",
    "MSE for every problem",
    "MSE suits regression; classification needs a cross-entropy that matches the output layer",
)
def choose_always_mse(problem):
    return nn.MSELoss()


@catalogue.mistake(
    "choose_loss",
    "MSE despite outliers",
    "squared errors let a few wild targets dominate: use nn.HuberLoss (or SmoothL1Loss, L1Loss) "
    "when there are outliers",
)
def choose_ignores_outliers(problem):
    task, output = problem["task"], problem["output"]
    if task == "regression":
        return nn.MSELoss()
    if task in ("binary", "multilabel"):
        if output == "probabilities":
            return nn.BCELoss()
        f = problem.get("positive_fraction")
        return (
            nn.BCEWithLogitsLoss()
            if f is None
            else nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1 - f) / f))
        )
    if output == "log_probabilities":
        return nn.NLLLoss()
    if output == "probabilities":
        return CrossEntropyOnProbabilities()
    return nn.CrossEntropyLoss()


@catalogue.mistake(
    "choose_loss",
    "nn.CrossEntropyLoss on a softmax output (the course outline's example)",
    "CrossEntropyLoss applies log_softmax itself, so probabilities get softmax twice: "
    "use CrossEntropyOnProbabilities, or better, output logits",
)
def choose_ce_for_probabilities(problem):
    task, output = problem["task"], problem["output"]
    if task == "regression":
        return nn.HuberLoss() if problem.get("outliers") else nn.MSELoss()
    if task in ("binary", "multilabel"):
        if output == "probabilities":
            return nn.BCELoss()
        f = problem.get("positive_fraction")
        return (
            nn.BCEWithLogitsLoss()
            if f is None
            else nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1 - f) / f))
        )
    if output == "log_probabilities":
        return nn.NLLLoss()
    return nn.CrossEntropyLoss()


@catalogue.mistake(
    "choose_loss",
    "nn.BCELoss on logits",
    "BCELoss expects probabilities; for logits use nn.BCEWithLogitsLoss",
)
def choose_bce_for_logits(problem):
    task, output = problem["task"], problem["output"]
    if task == "regression":
        return nn.HuberLoss() if problem.get("outliers") else nn.MSELoss()
    if task in ("binary", "multilabel"):
        return nn.BCELoss()
    if output == "log_probabilities":
        return nn.NLLLoss()
    if output == "probabilities":
        return CrossEntropyOnProbabilities()
    return nn.CrossEntropyLoss()


@catalogue.mistake(
    "choose_loss",
    "nn.BCEWithLogitsLoss on probabilities (sigmoid twice)",
    "BCEWithLogitsLoss applies a sigmoid itself; after a sigmoid layer use nn.BCELoss",
)
def choose_logits_loss_for_probabilities(problem):
    task, output = problem["task"], problem["output"]
    if task == "regression":
        return nn.HuberLoss() if problem.get("outliers") else nn.MSELoss()
    if task in ("binary", "multilabel"):
        f = problem.get("positive_fraction")
        return (
            nn.BCEWithLogitsLoss()
            if f is None
            else nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1 - f) / f))
        )
    if output == "log_probabilities":
        return nn.NLLLoss()
    if output == "probabilities":
        return CrossEntropyOnProbabilities()
    return nn.CrossEntropyLoss()


@catalogue.mistake(
    "choose_loss",
    "class imbalance ignored",
    "weight the positives by (1 - f) / f with pos_weight=torch.tensor(...)",
)
def choose_ignores_imbalance(problem):
    task, output = problem["task"], problem["output"]
    if task == "regression":
        return nn.HuberLoss() if problem.get("outliers") else nn.MSELoss()
    if task in ("binary", "multilabel"):
        return nn.BCELoss() if output == "probabilities" else nn.BCEWithLogitsLoss()
    if output == "log_probabilities":
        return nn.NLLLoss()
    if output == "probabilities":
        return CrossEntropyOnProbabilities()
    return nn.CrossEntropyLoss()


@catalogue.mistake(
    "choose_loss",
    "pos_weight = f / (1 - f), upside down",
    "the rarer the positives, the more each must weigh: pos_weight = (1 - f) / f",
)
def choose_inverted_pos_weight(problem):
    task, output = problem["task"], problem["output"]
    if task == "regression":
        return nn.HuberLoss() if problem.get("outliers") else nn.MSELoss()
    if task in ("binary", "multilabel"):
        if output == "probabilities":
            return nn.BCELoss()
        f = problem.get("positive_fraction")
        return (
            nn.BCEWithLogitsLoss()
            if f is None
            else nn.BCEWithLogitsLoss(pos_weight=torch.tensor(f / (1 - f)))
        )
    if output == "log_probabilities":
        return nn.NLLLoss()
    if output == "probabilities":
        return CrossEntropyOnProbabilities()
    return nn.CrossEntropyLoss()


@catalogue.mistake(
    "choose_loss",
    "nn.NLLLoss on logits",
    "NLLLoss expects log-probabilities; for logits use nn.CrossEntropyLoss",
)
def choose_nll_for_logits(problem):
    task, output = problem["task"], problem["output"]
    if task == "regression":
        return nn.HuberLoss() if problem.get("outliers") else nn.MSELoss()
    if task in ("binary", "multilabel"):
        if output == "probabilities":
            return nn.BCELoss()
        f = problem.get("positive_fraction")
        return (
            nn.BCEWithLogitsLoss()
            if f is None
            else nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1 - f) / f))
        )
    if output == "probabilities":
        return CrossEntropyOnProbabilities()
    return nn.NLLLoss()
