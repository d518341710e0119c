"""Every probe reply is checked in one place before a hidden grader indexes into it.

Student code runs in the child beside the probes and can change what they answer.  A reply that
is missing a key, truncated or mistyped must become that student's "unusable value", never a
KeyError inside a hidden grader (which used to stop the whole class run).
"""

import random

import pytest
import torch

from graders.course.model import ROOT, load_course
from graders.host.student import reply_problem
from graders.worker.probe import ANY, LENGTHS, PROBES, REPLIES, load_all, probe

load_all()  # every probe of the course, as the warm worker registers them

# The probes that answer with whatever the student's code returned (``@probe(reply=ANY)``): the
# grader compares that value itself, so there is nothing to check.
ANSWERS_WITH_THE_STUDENTS_VALUE = {name for name in PROBES if REPLIES[name] is ANY}


def example_of(shape):
    """A well-formed value of ``shape`` (graders/worker/probe.py)."""
    if shape is ANY:
        return torch.ones(2)
    if shape is None:
        return None
    if isinstance(shape, tuple):
        return example_of(shape[0])
    if isinstance(shape, dict):
        return {key: example_of(inner) for key, inner in shape.items()}
    if isinstance(shape, list):
        return [example_of(shape[0]), example_of(shape[0])]
    return torch.ones(2) if shape is torch.Tensor else shape()


def well_formed(probe):
    """(params, reply): a request asking for two items wherever the reply holds one per item."""
    params, reply = {}, example_of(REPLIES[probe])
    for key, parameter in LENGTHS[probe].items():
        params[parameter] = (0, 1)
        if key is not None and not isinstance(
            REPLIES[probe].get(key), list
        ):  # a bare ``list``, or undeclared
            reply[key] = [torch.ones(2), None]
    return params, reply


def test_a_probe_that_declares_no_reply_is_refused_when_defined():
    with pytest.raises(TypeError, match="declare what it answers with"):

        @probe
        def answers_anything(ctx):
            return ctx.entry()()

    assert "answers_anything" not in PROBES
    assert "call" in ANSWERS_WITH_THE_STUDENTS_VALUE  # the generic call answers with the value


@pytest.mark.parametrize("probe", sorted(PROBES))
def test_a_well_formed_reply_is_accepted(probe):
    params, reply = well_formed(probe)
    assert reply_problem(probe, params, reply) is None


def test_call_module_without_gradients_is_unusable():
    # The reply that crashed a class run with KeyError: 'grads' (tests/attacks/tampers-probes).
    assert "one item per wrt" in reply_problem(
        "call_module", {"wrt": (0,)}, {"value": torch.ones(2)}
    )
    assert "one item per wrt" in reply_problem(
        "call_module", {"wrt": (0,)}, {"value": torch.ones(2), "grads": None}
    )
    assert reply_problem("call_module", {}, {"value": torch.ones(2)}) is None


def test_nested_and_alternative_shapes_are_checked():
    broken = {"value": None, "grads": None, "raised": {"type": "ValueError"}, "nested_backward": 0}
    assert "'message'" in reply_problem("differentiate_function", {"wrt": (0,)}, broken)
    raised = {"raised": {"type": "ValueError", "message": "no", "at": ""}}
    assert reply_problem("regression_training_of", {}, raised) is None
    assert "lacks 'w'" in reply_problem(
        "regression_training_of", {}, {"raised": None, "losses": torch.ones(1)}
    )
    assert "[1]" in reply_problem(
        "call_counting_operations", {}, {"values": [], "operations": [1, "2"]}
    )


def _mangled(reply, rng):
    """A reply with keys dropped, values swapped for the wrong type, or lists cut short."""
    junk = [None, 3, "grads", [], [None] * 5, {}, b"\0", float("nan"), torch.zeros(())]
    if not isinstance(reply, dict) or rng.random() < 0.1:
        return rng.choice(junk)
    mangled = dict(reply)
    for key in list(mangled):
        roll = rng.random()
        if roll < 0.3:
            del mangled[key]
        elif roll < 0.6:
            mangled[key] = rng.choice(junk)
        elif roll < 0.8 and isinstance(mangled[key], list):
            mangled[key] = mangled[key][: rng.randrange(max(len(mangled[key]), 1))]
    return mangled


@pytest.mark.parametrize("probe", sorted(set(PROBES) - ANSWERS_WITH_THE_STUDENTS_VALUE))
def test_random_truncated_and_mistyped_replies_are_named_never_raised(probe):
    rng = random.Random(probe)
    params, reply = well_formed(probe)
    rejected = 0
    for _ in range(500):
        mangled = _mangled(reply, rng)
        problem = reply_problem(probe, params, mangled)  # never raises
        if problem is None:  # accepted: then every key a grader indexes is there
            if isinstance(REPLIES[probe], dict):
                assert all(key in mangled for key in REPLIES[probe])
            for key, parameter in LENGTHS[probe].items():
                items = mangled if key is None else mangled[key]
                assert items is None or len(items) == len(params[parameter])
        else:
            rejected += 1
            assert probe in problem
    assert rejected > 100


JUNK = [None, 3, "grads", [], [None] * 5, {}, float("nan"), torch.zeros(()), {"value": None}]


def mangler(seed):
    """Turn a reply into a random, truncated or mistyped one (or leave it) with a fixed seed."""
    rng = random.Random(seed)

    def mangle(value):
        roll = rng.random()
        if roll < 0.3:
            return value
        if roll < 0.5 or not isinstance(value, (dict, list, tuple)):
            return rng.choice(JUNK)
        if isinstance(value, dict):
            return {
                k: (rng.choice(JUNK) if rng.random() < 0.5 else v)
                for k, v in value.items()
                if rng.random() < 0.7
            }
        return list(value)[: rng.randrange(len(value) + 1)]

    return mangle


@pytest.mark.parametrize("lesson_id", [lesson.id for lesson in load_course().lessons])
def test_every_probe_survives_mangled_replies_and_costs_only_that_student(
    pytester, monkeypatch, tmp_path, lesson_id
):
    # Every probe a lesson's graders use answers with random, truncated and mistyped values for
    # one student: the run completes, both students get a result, the other one full marks.
    # The grading run is in-process, so the mangled SubmissionWorker.run is a monkeypatch that
    # ends with this test (the session's shared workers use the same class).
    from graders.host import student

    honest_run = student.SubmissionWorker.run
    mangle = mangler(20261203)

    def mangled_run(self, *args, **kwargs):
        value = honest_run(self, *args, **kwargs)
        return value if self.submission.student == "untouched" else mangle(value)

    monkeypatch.setattr(student.SubmissionWorker, "run", mangled_run)
    out = tmp_path / "out"
    result = pytester.runpytest_inprocess(
        str(ROOT / "graders" / lesson_id),
        "-p",
        "graders.grading.plugin",
        "--rootdir",
        str(ROOT),
        "-c",
        str(ROOT / "graders" / "pytest.ini"),
        "--submission",
        f"mangled={ROOT / 'solutions'}",
        "--submission",
        f"untouched={ROOT / 'solutions'}",
        "--results-dir",
        str(out),
        "--sandbox",
        "none",
        "--device",
        "cpu",
    )
    monkeypatch.undo()
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
    from graders.grading import results as results_io

    untouched = results_io.read(out / "untouched" / "result.json")
    mangled = results_io.read(out / "mangled" / "result.json")
    lesson = load_course().lesson(lesson_id)
    assert untouched.score == lesson.points
    assert mangled.score < lesson.points
    grader_errors = [t for e in mangled.exercises for t in e.tests if t.failure == "grader_error"]
    unusable = [t for e in mangled.exercises for t in e.tests if t.failure == "garbage"]
    assert unusable, "the schema check names unusable replies"
    assert not grader_errors, "every mangled reply is caught before a grader trips over it"
