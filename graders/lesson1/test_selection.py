"""Hidden graders for lesson1/selection.py: cross-entropy on probabilities, and choosing a loss."""

import pytest
import torch
from torch import nn

from graders.api import describe, describe_call, load_reference

from .mistakes_selection import catalogue

ref = load_reference("lesson1.selection")
OUTLINE_PROBABILITIES = [[0.2, 0.5, 0.3], [0.8, 0.1, 0.1], [0.1, 0.2, 0.7]]
OUTLINE_TARGETS = [1, 0, 2]


def probabilities_and_targets(gen, dtype, n=6, c=4, zeros=False):
    logits = gen.normal(n, c, dtype=dtype, scale=2.0)
    probabilities = torch.softmax(logits, dim=1)
    target = gen.classes(n, c)
    if zeros:  # a confident wrong prediction: probability exactly 0 on the true class
        probabilities = probabilities.clone()
        probabilities[0] = 0.0
        probabilities[0, (int(target[0]) + 1) % c] = 1.0
    return probabilities, target


# -- CrossEntropyOnProbabilities ------------------------------------------------------------------


def check_probability_loss(student, expect, probabilities, target, what):
    got = student.probe("call_module", args=(probabilities, target))["value"]
    want = ref.CrossEntropyOnProbabilities()(probabilities, target)
    expect.close(
        got,
        want,
        what=what,
        mistakes=catalogue.of("CrossEntropyOnProbabilities"),
        recompute=lambda wrong: wrong()(probabilities, target),
    )


@pytest.mark.inputs("cross entropy on probabilities fixes the outline example")
@pytest.mark.exercise("lesson1.CrossEntropyOnProbabilities", weight=1)
def test_cross_entropy_on_probabilities_fixes_the_outline_example(student, expect, device):
    probabilities = torch.tensor(OUTLINE_PROBABILITIES, device=device)
    target = torch.tensor(OUTLINE_TARGETS, device=device)
    check_probability_loss(
        student,
        expect,
        probabilities,
        target,
        "CrossEntropyOnProbabilities()(the outline's probabilities, targets [1, 0, 2])",
    )


@pytest.mark.inputs("cross entropy on probabilities values")
@pytest.mark.exercise("lesson1.CrossEntropyOnProbabilities", weight=2)
@pytest.mark.parametrize("zeros", (False, True), ids=("interior", "probability-0"))
@pytest.mark.parametrize("shape", ((6, 4), (1, 3), (9, 10)), ids=("6x4", "1x3", "9x10"))
def test_cross_entropy_on_probabilities_values(student, expect, gen, dtype, shape, zeros):
    probabilities, target = probabilities_and_targets(gen, dtype, *shape, zeros=zeros)
    check_probability_loss(
        student,
        expect,
        probabilities,
        target,
        describe_call("CrossEntropyOnProbabilities()", probabilities, target),
    )


@pytest.mark.inputs("cross entropy on probabilities gradients")
@pytest.mark.exercise("lesson1.CrossEntropyOnProbabilities", weight=1)
def test_cross_entropy_on_probabilities_gradients(student, expect, gen):
    probabilities, target = probabilities_and_targets(gen, torch.float64, 5, 3)
    got = student.probe("call_module", args=(probabilities, target), wrt=(0,))["grads"][0]
    p = probabilities.detach().requires_grad_(True)
    (want,) = torch.autograd.grad(ref.CrossEntropyOnProbabilities()(p, target), p)
    expect.close(
        got,
        want,
        what="the gradient of CrossEntropyOnProbabilities with respect to the probabilities",
    )


# -- choose_loss ------------------------------------------------------------------------------------

ROBUST = {
    "torch.nn.modules.loss.HuberLoss",
    "torch.nn.modules.loss.SmoothL1Loss",
    "torch.nn.modules.loss.L1Loss",
}


def _class(module: type) -> str:
    return f"{module.__module__}.{module.__qualname__}"


# (id, problem, the classes that answer it, the pos_weight it needs or None)
PROBLEMS = [
    ("regression", {"task": "regression", "output": "values"}, {_class(nn.MSELoss)}, None),
    (
        "regression-outliers",
        {"task": "regression", "output": "values", "outliers": True},
        ROBUST,
        None,
    ),
    ("binary-logits", {"task": "binary", "output": "logits"}, {_class(nn.BCEWithLogitsLoss)}, None),
    (
        "binary-probabilities",
        {"task": "binary", "output": "probabilities"},
        {_class(nn.BCELoss)},
        None,
    ),
    (
        "binary-imbalanced",
        {"task": "binary", "output": "logits", "positive_fraction": 0.2},
        {_class(nn.BCEWithLogitsLoss)},
        4.0,
    ),
    (
        "multilabel-imbalanced",
        {"task": "multilabel", "output": "logits", "positive_fraction": 0.1},
        {_class(nn.BCEWithLogitsLoss)},
        9.0,
    ),
    (
        "multiclass-logits",
        {"task": "multiclass", "output": "logits"},
        {_class(nn.CrossEntropyLoss)},
        None,
    ),
    (
        "multiclass-log-probabilities",
        {"task": "multiclass", "output": "log_probabilities"},
        {_class(nn.NLLLoss)},
        None,
    ),
    (
        "multiclass-probabilities",
        {"task": "multiclass", "output": "probabilities"},
        {"CrossEntropyOnProbabilities"},
        None,
    ),
]


def sample(problem, gen, dtype):
    """A model output and target of the kind the problem describes."""
    task, output = problem["task"], problem["output"]
    if task == "regression":
        target = gen.normal(12, dtype=dtype)
        prediction = target + gen.normal(12, dtype=dtype, scale=0.3)
        if problem.get("outliers"):
            target = target.clone()
            target[::4] += 40.0
        return prediction, target
    if task in ("binary", "multilabel"):
        shape = (8,) if task == "binary" else (6, 4)
        logits = gen.normal(*shape, dtype=dtype, scale=2.0)
        target = gen.binary(*shape, dtype=dtype)
        return (torch.sigmoid(logits) if output == "probabilities" else logits), target
    logits = gen.normal(6, 5, dtype=dtype, scale=2.0)
    target = gen.classes(6, 5)
    if output == "probabilities":
        return torch.softmax(logits, dim=1), target
    if output == "log_probabilities":
        return torch.log_softmax(logits, dim=1), target
    return logits, target


def students_choice(choice) -> tuple[str, object]:
    """(class, pos_weight) of what the student's ``choose_loss`` returned, their own
    cross-entropy on probabilities under one name whatever they called it."""
    own = choice.get("own") if isinstance(choice.get("own"), list) else []
    settings = choice.get("settings") if isinstance(choice.get("settings"), dict) else {}
    chosen = (
        "CrossEntropyOnProbabilities" if "CrossEntropyOnProbabilities" in own else choice["class"]
    )
    return chosen, settings.get("pos_weight")


def mistakes_choice(loss) -> tuple[str, object]:
    """(class, pos_weight) of the loss a catalogue mistake chose."""
    if isinstance(loss, ref.CrossEntropyOnProbabilities):
        return "CrossEntropyOnProbabilities", None
    return _class(type(loss)), getattr(loss, "pos_weight", None)


def fits(case, chosen: str, weight) -> bool:
    """Whether a (class, pos_weight) answers the problem of ``case``."""
    _, _, accepted, pos_weight = case
    if chosen not in accepted:
        return False
    if pos_weight is not None:
        return same_weights(weight, pos_weight)
    return weight is None


def same_choice(a: tuple[str, object], b: tuple[str, object]) -> bool:
    (class_a, weight_a), (class_b, weight_b) = a, b
    if class_a != class_b or (weight_a is None) != (weight_b is None):
        return False
    return weight_a is None or same_weights(weight_a, weight_b)


def chooses_like(choices: dict, failed: str):
    """``like`` for a mistake: it makes the student's choice on the problem that ``failed``, and
    on every other problem where it is wrong.

    A mistake that chooses MSE for everything reproduces a student's MSE for outliers, but it
    would also be wrong on eight problems the student got right: it is not what they did.
    """

    def like(mistake) -> bool:
        for case in PROBLEMS:
            if case[0] not in choices:
                continue
            theirs = mistakes_choice(mistake(dict(case[1])))
            if case[0] == failed or not fits(case, *theirs):
                if not same_choice(theirs, choices[case[0]]):
                    return False
        return True

    return like


def same_weights(got, want) -> bool:
    """Whether a pos_weight the student's loss holds (any value at all) equals ``want``."""
    if not isinstance(got, torch.Tensor) or got.is_complex() or got.numel() > 1000:
        return False
    want = torch.as_tensor(want, dtype=torch.float64).cpu()
    try:
        return bool(torch.allclose(got.double().cpu(), want))
    except RuntimeError:  # shapes that do not broadcast
        return False


def choices_on_every_problem(student, gen, name: str, choice: dict) -> dict:
    """The student's (class, pos_weight) for every problem, to tell which mistake is theirs."""
    choices = {name: students_choice(choice)}
    for other, problem, _, _ in PROBLEMS:
        if other not in choices:
            output, target = sample(problem, gen, torch.float64)
            answer = student.probe("describe_loss", problem=problem, output=output, target=target)
            if isinstance(answer, dict) and isinstance(answer.get("class"), str):
                choices[other] = students_choice(answer)
    return choices


@pytest.mark.inputs("choose loss fits the problem")
@pytest.mark.exercise("lesson1.choose_loss")
@pytest.mark.parametrize("case", PROBLEMS, ids=[p[0] for p in PROBLEMS])
def test_choose_loss_fits_the_problem(student, expect, gen, case):
    name, problem, accepted, pos_weight = case
    output, target = sample(problem, gen, torch.float64)
    choice = student.probe("describe_loss", problem=problem, output=output, target=target)
    what = f"choose_loss({problem})"
    expect.that(
        isinstance(choice, dict) and isinstance(choice.get("class"), str),
        f"{what}: got {describe(choice)}",
    )
    settings = choice.get("settings") if isinstance(choice.get("settings"), dict) else {}
    chosen, got_weight = students_choice(choice)
    if not fits(case, chosen, got_weight):
        wanted = " or ".join(sorted(a.rsplit(".", 1)[-1] for a in accepted))
        weight = f" with pos_weight={pos_weight:g}" if pos_weight is not None else ""
        got = chosen.rsplit(".", 1)[-1] + (
            f" with pos_weight={got_weight}" if got_weight is not None else ""
        )
        expect.fail(
            f"{what}: returned {got}, but this problem needs {wanted}{weight}",
            mistakes=catalogue.of("choose_loss"),
            recompute=lambda wrong: wrong,
            like=chooses_like(choices_on_every_problem(student, gen, name, choice), name),
        )
    expect.equal(settings.get("reduction", "mean"), "mean", what=f"{what}: the loss's reduction")
    if "CrossEntropyOnProbabilities" in accepted:
        return  # its values are graded by the CrossEntropyOnProbabilities exercise
    expect.that(
        "value" in choice,
        f"{what}: the loss raised {choice.get('value_error')} on a sample of this problem",
    )
    # The value a genuine instance of the chosen class, configured like the student's, gives.
    genuine = {
        _class(c): c
        for c in (
            nn.MSELoss,
            nn.HuberLoss,
            nn.SmoothL1Loss,
            nn.L1Loss,
            nn.BCEWithLogitsLoss,
            nn.BCELoss,
            nn.CrossEntropyLoss,
            nn.NLLLoss,
        )
    }
    kwargs = {key: settings[key] for key in ("delta", "beta") if type(settings.get(key)) is float}
    if pos_weight is not None:
        kwargs["pos_weight"] = torch.tensor(pos_weight, dtype=output.dtype, device=output.device)
    try:
        want = genuine[chosen](**kwargs)(output, target)
    except (
        RuntimeError,
        ValueError,
    ) as exc:  # settings torch itself rejects, e.g. HuberLoss with delta <= 0
        expect.that(False, f"{what}: the loss's settings {kwargs} are invalid: {exc}")
    expect.close(
        choice["value"],
        want,
        what=f"{what}: the loss's value on a sample (output {tuple(output.shape)})",
    )
