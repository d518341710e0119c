"""Every probe reply is checked in one place before a hidden grader indexes into it.

Student code runs in the child beside the probes and can change what they answer.  A reply that
is missing a key, truncated or mistyped must become that student's "unusable value", never a
KeyError inside a hidden grader (which used to stop the whole class run).
"""

import random

import pytest
import torch

from graders.student import GRADIENT_PROBES, REPLY_KEYS, reply_problem

WELL_FORMED = {
    "call_backward": ({"wrt": (0, 1)}, {"value": torch.ones(2), "grads": [torch.ones(2), None]}),
    "call_module": ({"wrt": (0,)}, {"value": torch.ones(2), "grads": [torch.ones(2)]}),
    "call_raises": ({}, {"raised": None, "message": ""}),
    "describe_loss": ({}, {"class": "MSELoss"}),
}


def test_every_declared_probe_has_a_well_formed_example():
    assert set(WELL_FORMED) == set(REPLY_KEYS) | GRADIENT_PROBES


@pytest.mark.parametrize("probe", sorted(WELL_FORMED))
def test_a_well_formed_reply_is_accepted(probe):
    params, reply = WELL_FORMED[probe]
    assert reply_problem(probe, params, reply) is None


def test_call_module_without_gradients_is_unusable():
    # The reply that crashed a class run with KeyError: 'grads' (tests/attacks/tampers-probes).
    assert "gradient" in reply_problem("call_module", {"wrt": (0,)}, {"value": torch.ones(2)})
    assert reply_problem("call_module", {}, {"value": torch.ones(2)}) is None


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
            mangled[key] = mangled[key][: rng.randrange(len(mangled[key]))]
    return mangled


@pytest.mark.parametrize("probe", sorted(WELL_FORMED))
def test_random_truncated_and_mistyped_replies_are_named_never_raised(probe):
    rng = random.Random(probe)
    params, reply = WELL_FORMED[probe]
    rejected = 0
    for _ in range(500):
        mangled = _mangled(reply, rng)
        problem = reply_problem(probe, params, mangled)  # never raises
        if problem is None:  # accepted: then every key a grader indexes is there, in the form promised
            for key in REPLY_KEYS.get(probe, ()):
                mangled[key]
            if probe in GRADIENT_PROBES:
                assert len(mangled["grads"]) == len(params["wrt"])
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
            return {k: (rng.choice(JUNK) if rng.random() < 0.5 else v) for k, v in value.items() if rng.random() < 0.7}
        return list(value)[: rng.randrange(len(value) + 1)]

    return mangle


def test_every_lesson1_probe_survives_mangled_replies_and_costs_only_that_student(pytester, monkeypatch, tmp_path):
    # Every probe the lesson 1 graders use answers with random, truncated and mistyped values
    # for one student: the run completes, both students get a result, the other one full marks.
    # The grading run is in-process, so the mangled SubmissionWorker.run is a monkeypatch that
    # ends with this test (the session's shared workers use the same class).
    from graders import student
    from graders.course import ROOT, load_course

    honest_run = student.SubmissionWorker.run
    mangle = mangler(20261203)

    def mangled_run(self, *args, **kwargs):
        value = honest_run(self, *args, **kwargs)
        return value if self.submission.student == "untouched" else mangle(value)

    monkeypatch.setattr(student.SubmissionWorker, "run", mangled_run)
    out = tmp_path / "out"
    result = pytester.runpytest_inprocess(
        str(ROOT / "graders" / "lesson1"), "-p", "graders.plugin",
        "--rootdir", str(ROOT), "-c", str(ROOT / "graders" / "pytest.ini"),
        "--submission", f"mangled={ROOT / 'solutions'}", "--submission", f"untouched={ROOT / 'solutions'}",
        "--results-dir", str(out), "--sandbox", "none", "--device", "cpu",
    )  # fmt: skip
    monkeypatch.undo()
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
    from graders import results as results_io

    untouched = results_io.read(out / "untouched" / "result.json")
    mangled = results_io.read(out / "mangled" / "result.json")
    lesson1 = load_course().lesson("lesson1")
    assert untouched.score == lesson1.points
    assert mangled.score < lesson1.points
    grader_errors = [t for e in mangled.exercises for t in e.tests if t.failure == "grader_error"]
    unusable = [t for e in mangled.exercises for t in e.tests if t.failure == "garbage"]
    assert unusable, "the schema check names unusable replies"
    assert not grader_errors, "every mangled reply is caught before a grader trips over it"
