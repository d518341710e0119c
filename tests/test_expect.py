"""The one family of comparisons (graders/grading/compare.py): each names the catalogue mistakes
whose run gives the student's result, and no other."""

import pytest
import torch

from graders.api import Expect, Mistake, StudentFailure, remembered
from graders.course.model import load_course


def mistake(name, function):
    return Mistake("mse", name, f"fix {name}", function)


def raises(*_):
    raise RuntimeError("this mistake crashes on these inputs")


@pytest.fixture
def expect():
    course = load_course()
    return Expect(course, course.exercise("lesson1.mse"))


def failure_of(check) -> str:
    with pytest.raises(AssertionError) as caught:
        check()
    return str(caught.value)


def test_close_compares_structures_part_by_part_and_names_the_mistake(expect):
    want = {"status": "converged", "steps": 3, "x": torch.ones(2)}
    got = {"status": "converged", "steps": 4, "x": torch.ones(2)}
    expect.close(dict(want), want, what="same")  # passes
    off_by_one = mistake("one step too many", lambda: {**want, "steps": 4})
    other = mistake("the wrong point", lambda: {**want, "x": torch.zeros(2)})
    message = failure_of(
        lambda: expect.close(
            got,
            want,
            what="run",
            mistakes=[off_by_one, other, mistake("crash", raises)],
            recompute=lambda wrong: wrong(),
        )
    )
    assert message.startswith("run: steps: ")
    assert (
        "one step too many" in message and "wrong point" not in message and "crash" not in message
    )


def test_trajectory_says_how_long_it_agreed(expect):
    want = torch.arange(5.0)
    got = want.clone()
    got[3:] += 1
    message = failure_of(lambda: expect.trajectory(got, want, what="steps"))
    assert "the same as the reference for 3 step(s), then different at step 4 of 5" in message


def test_records_name_mistakes_with_the_same_records_and_never_a_crashing_one(expect):
    want = [{"step": 1, "lr": 0.1}, {"step": 2, "lr": 0.1}]
    got = [{"step": 1, "lr": 0.1}, {"step": 2, "lr": 0.2}]
    same_calls = mistake("lr doubled", lambda: [dict(r) for r in got])
    message = failure_of(
        lambda: expect.records(
            got,
            want,
            what="calls",
            mistakes=[same_calls, mistake("crash", raises)],
            recompute=lambda wrong: wrong(),
        )
    )
    assert "call 2 of 2 differs: (step 2) lr: got 0.2, expected 0.1" in message
    assert "lr doubled" in message and "crash" not in message


def test_not_raised_names_mistakes_that_raise_the_same_error(expect):
    error = {
        "type": "RuntimeError",
        "message": "one of the variables needed was modified by LogBackward0",
        "phase": "backward",
        "at": "x.py:3",
    }
    same = mistake(
        "in-place change",
        lambda: {
            "raised": {**error, "message": error["message"].replace("LogBackward0", "MyBackward")}
        },
    )
    different = mistake("no backward", lambda: {"raised": {**error, "type": "TypeError"}})
    expect.not_raised({"raised": None}, what="ok")
    message = failure_of(
        lambda: expect.not_raised(
            {"raised": error}, what="f", mistakes=[same, different], recompute=lambda wrong: wrong()
        )
    )
    assert "the backward pass raised RuntimeError" in message
    assert "in-place change" in message and "no backward" not in message


def test_fails_like_names_only_mistakes_that_fail_with_the_words(expect):
    def fails_alike():
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation"
        )

    alike = mistake("no torch.no_grad()", fails_alike)
    silent = mistake("returns a copy", lambda: None)
    with pytest.raises(StudentFailure) as caught:
        expect.fails_like(
            StudentFailure("adam_step raised RuntimeError: a leaf Variable that requires grad"),
            words="leaf Variable that requires grad",
            mistakes=[alike, silent],
            recompute=lambda wrong: wrong(),
        )
    assert (
        "no torch.no_grad()" in caught.value.message
        and "returns a copy" not in caught.value.message
    )


def test_fail_names_mistakes_whose_run_has_the_property(expect):
    empty = mistake("state never stored", lambda: {})
    full = mistake("state stored twice", lambda: {"step": 2})
    message = failure_of(
        lambda: expect.fail(
            "state is empty",
            mistakes=[empty, full, mistake("crash", raises)],
            recompute=lambda wrong: wrong(),
            like=lambda state: state == {},
            hint="store it",
        )
    )
    assert "state never stored" in message and "twice" not in message and "Hint" not in message
    assert "Hint: store it" in failure_of(lambda: expect.fail("x", hint="store it"))


def test_remembered_runs_each_mistake_once_and_replays_its_exception():
    calls = []

    def run(function):
        calls.append(function)
        return function()

    once = remembered({}, run)
    counted = mistake("counted", lambda: 1)
    assert once(counted.function) == once(counted.function) == 1
    with pytest.raises(RuntimeError):
        once(raises)
    with pytest.raises(RuntimeError):
        once(raises)
    assert len(calls) == 2
