"""A call that changes the tensors it was given fails its case, naming them (graders/worker/probe.py).

The worker copies every tensor of a request before a probe runs and compares afterwards; the
graded side of the check (a mutant whose ``mse`` squares its input in place loses points and is
named) is in tests/test_mistakes_are_caught.py, with every other catalogue mistake.
"""

import pytest
import torch

from graders.grading.compare import failing_alike
from graders.grading.mistakes import Catalogue
from graders.host.failures import ChangedInput
from graders.worker.probe import WatchedInputs, input_name


def mse(input, target, reduction="mean"):
    return ((input - target) ** 2).mean()


class Loss(torch.nn.Module):
    def __init__(self, weight, scale=1.0):
        super().__init__()

    def forward(self, input, target):
        return input


def changed(params, change, mutable=frozenset()):
    watched = WatchedInputs(params, mutable)
    change(params)
    return watched.changed()


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p["args"][0].mul_(2),
        lambda p: p["args"][0].resize_(2),
        lambda p: p["args"][0].t_(),
        lambda p: p["args"][0][0, 0].fill_(float("nan")),
        lambda p: p["args"][0].data.add_(1),
    ],
    ids=["scaled", "resized", "transposed", "one-nan", "through-data"],
)
def test_a_changed_tensor_is_reported_by_its_place(change):
    params = {"args": (torch.ones(2, 3), torch.zeros(3)), "kwargs": {}}
    assert changed(params, change) == [("args", 0)]


def test_nan_where_there_was_nan_is_unchanged_and_reading_changes_nothing():
    params = {"args": (torch.tensor([float("nan"), 1.0]),), "kwargs": {"w": torch.ones(2)}}
    assert changed(params, lambda p: (p["args"][0] + 1, p["kwargs"]["w"].sum())) == []


def test_nested_tensors_are_watched_and_mutable_parameters_are_not():
    params = {"grads": [torch.ones(2), torch.ones(2)], "state": {"m": torch.zeros(2)}}

    def step(p):
        p["grads"][1].zero_()
        p["state"]["m"].add_(1)

    assert changed(params, step, mutable=frozenset({"state"})) == [("grads", 1)]


def test_names_come_from_the_signature_the_student_wrote():
    assert input_name(("args", 0), mse) == "input"
    assert input_name(("args", 1), mse) == "target"
    assert input_name(("args", 5), mse) == "argument 6"
    assert input_name(("kwargs", "weight"), mse) == "weight"
    assert input_name(("args", 0), Loss) == "input"  # a module's forward, without self
    assert input_name(("init_args", 0), Loss) == "weight"
    assert input_name(("grads", 2)) == "grads[2]"
    assert input_name(("args", 0), len) == "obj"
    assert input_name(("args", 0), object()) == "argument 1"  # no signature to read


def test_the_mistakes_named_are_those_that_change_the_same_inputs():
    catalogue = Catalogue()

    @catalogue.mistake("mse", "the input squared in place", "compute into a new tensor")
    def squares_input(input, target, reduction="mean"):
        return input.sub_(target).pow_(2).mean()

    @catalogue.mistake("mse", "the target changed in place", "leave target alone")
    def changes_target(input, target, reduction="mean"):
        return (input - target.mul_(1)).pow(2).mean() + target.add_(1).sum() * 0

    @catalogue.mistake("mse", "right value, nothing changed", "-")
    def pure(input, target, reduction="mean"):
        return mse(input, target)

    input, target = torch.full((3,), 2.0), torch.zeros(3)
    failure = ChangedInput("mse changed its input `input` in place", "", ("input",))
    named = failing_alike(catalogue, failure, (input, target), {})
    assert "This looks like the input squared in place" in named.message
    assert "target changed" not in named.message and "nothing changed" not in named.message
    assert torch.equal(input, torch.full((3,), 2.0)), "the mistakes ran on copies"


def test_a_mistake_that_changes_its_inputs_does_not_change_them_for_the_next(course):
    """Mistakes run on the case's own tensors: one that squares them in place must not leave
    every mistake after it comparing on squared inputs."""
    from graders.grading.compare import Expect, remembered

    catalogue = Catalogue()

    @catalogue.mistake("mse", "the input squared in place", "compute into a new tensor")
    def squares_input(input, target, reduction="mean"):
        return input.sub_(target).pow_(2).mean()

    @catalogue.mistake("mse", "the sum", "divide")
    def summed(input, target, reduction="mean"):
        return ((input - target) ** 2).sum()

    input, target = torch.full((3,), 2.0), torch.zeros(3)
    student_value = summed(input, target)
    expect = Expect(course, course.exercise("lesson1.mse"))
    for recompute in (
        lambda wrong: wrong(input, target),
        remembered({}, lambda wrong: wrong(input, target)),
    ):
        with pytest.raises(AssertionError, match="This looks like the sum"):
            expect.close(
                student_value,
                mse(input, target),
                what="mse",
                mistakes=catalogue,
                recompute=recompute,
            )
        assert torch.equal(input, torch.full((3,), 2.0))


def test_meta_tensors_have_no_values_to_watch():
    params = {"args": (torch.ones(2, 3, device="meta"),)}
    assert changed(params, lambda p: p["args"][0] * 2) == []
    assert changed(params, lambda p: p["args"][0].resize_(6)) == [("args", 0)]
