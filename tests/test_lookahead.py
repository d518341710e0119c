"""Windows of requests (graders/host/lookahead.py): a child answers predicted requests in one turn, and a
submission's results never depend on the prediction, whatever its code does inside a window."""

import dataclasses
import json
import os
import subprocess
import sys

import pytest
from sandboxed import course_with, source

from graders.course.model import ROOT, load_course
from graders.course.submission import Submission
from graders.grading.mutants import SOLUTIONS, catalogue_mistakes, copy_submission, write_mutant
from graders.host import lookahead
from graders.host.capture import Capture, Printed
from graders.host.student import Student, StudentFailure, SubmissionWorker

# mse(input, ...) of a student who counts the calls, prints each one, and answers [count, input]
COUNTING = (
    "global calls\ncalls = globals().get('calls', 0) + 1\nprint('call', calls, 'with', "
    "input)\nreturn [calls, input]"
)


@pytest.fixture
def zygote(workers):
    return workers("none")


def play(
    zygote,
    body: str,
    cases: list[list[int]],
    script=None,
    course=None,
    timeout: float | None = None,
):
    """Grade ``mse`` with ``body`` as the graders would: each case is one Student handle, making one
    call per input in turn.  Returns (what each call gave: its value or failure, and what it printed; the worker)."""
    course = course or load_course()
    exercise = course.exercise("lesson1.mse")
    if timeout is not None:
        exercise = dataclasses.replace(exercise, timeout=timeout)
    worker = SubmissionWorker(
        zygote,
        Submission("s", ROOT, files={"lesson1/losses.py": source(body)}),
        course,
        script=script,
    )
    outcomes = []
    try:
        for case in cases:
            student = Student(worker, exercise, "cpu", seed=0)
            for value in case:
                worker.printed.clear()
                try:
                    outcomes.append(("value", student.call(value), "".join(worker.printed)))
                except StudentFailure as failure:
                    outcomes.append((type(failure).__name__, failure.message, failure.output))
    finally:
        worker.close()
    return outcomes, worker


def one_call_each(*values):
    return [[value] for value in values]


def test_a_window_answers_as_one_request_at_a_time_would(zygote):
    script = lookahead.Script()
    cases = one_call_each(*range(1, 13))
    first, recorder = play(zygote, COUNTING, cases, script)
    followed, follower = play(zygote, COUNTING, cases, script)
    alone, _ = play(zygote, COUNTING, cases)
    assert (recorder.windows, follower.windows, follower.rewinds) == (
        0,
        1,
        0,
    )  # the first has nothing to follow
    assert followed == first == alone
    assert followed[4] == (
        "value",
        [5, 5],
        "call 5 with 5\n",
    )  # each call's own output, and the count goes on


def test_a_wrong_prediction_is_undone_so_the_code_saw_only_the_requests_made(zygote):
    script = lookahead.Script()
    play(zygote, COUNTING, one_call_each(1, 2, 3, 4, 5), script)
    followed, follower = play(zygote, COUNTING, one_call_each(1, 9, 3), script)
    # The window ran 1 to 5 ahead; 9 was not predicted: a fresh child replays 1, then goes on one at a time.
    assert (follower.windows, follower.rewinds) == (1, 1)
    assert followed == play(zygote, COUNTING, one_call_each(1, 9, 3))[0]
    assert [value for _, value, _ in followed] == [[1, 1], [2, 9], [3, 3]]
    assert followed[1][2] == "call 2 with 9\n"


def test_a_request_after_a_reply_in_the_same_case_is_never_sent_ahead(zygote):
    """It may hold what the student answered before, so its prediction would hold another student's answer."""
    script = lookahead.Script()
    cases = [[1, 2], [3, 4], [5, 6]]
    first, recorder = play(zygote, COUNTING, cases, script)
    assert [step.ahead for step in recorder.recording.steps] == [
        True,
        True,
        False,
        True,
        False,
        True,
        False,
    ]  # the import, then cases
    followed, follower = play(zygote, COUNTING, cases, script)
    assert (
        follower.windows == 1 and followed == first
    )  # the import and the first call: the second is not predicted


def test_windows_hold_only_steps_that_may_go_ahead_within_the_budget():
    def steps(*spec):
        return [
            lookahead.Step(b"%d" % i, 10.0, ahead, seconds)
            for i, (ahead, seconds) in enumerate(spec)
        ]

    quick = steps(*[(True, 0.001)] * 40)
    assert len(lookahead.window(quick, 0)) == lookahead.MAX_AHEAD
    assert lookahead.window(quick, 39) == []  # a window of one is no window
    mixed = steps((True, 0.001), (True, 0.001), (False, 0.001), (True, 0.001))
    assert [s.data for s in lookahead.window(mixed, 0)] == [b"0", b"1"]
    assert lookahead.window(mixed, 2) == []
    slow = steps((True, 0.001), (True, 0.03), (True, 0.03), (True, 0.001))
    assert [s.data for s in lookahead.window(slow, 0)] == [
        b"0",
        b"1",
    ]  # the third would pass the budget
    assert lookahead.window(steps((True, 1.0), (True, 0.001)), 0) == []
    assert lookahead.patience(steps((True, 0.001), (True, 0.001))) == lookahead.PATIENCE
    assert (
        lookahead.patience([lookahead.Step(b"", 0.5, True, 0.001)] * 2) == 0.5
    )  # never past a time limit


def test_a_submission_that_asked_less_than_predicted_passes_its_prediction_on():
    script = lookahead.Script()
    full = [lookahead.Step(b"%d" % i, 10.0, True) for i in range(5)]
    assert script.follow().prediction == []
    script.last.steps += full
    assert script.follow().prediction == full  # what the first asked
    script.last.steps += full[:2]  # a module that failed to import: its later cases asked nothing
    assert script.follow().prediction == full
    changed = full[:3] + [lookahead.Step(b"other", 10.0, True)] * 3
    script.last.steps += changed
    assert script.follow().prediction == changed  # the latest, when it asked as much or more


def test_the_submission_after_one_that_asked_less_gets_windows_again(zygote):
    script = lookahead.Script()
    play(zygote, COUNTING, one_call_each(*range(1, 9)), script)
    play(zygote, COUNTING, one_call_each(1, 2), script)
    _, third = play(zygote, COUNTING, one_call_each(*range(1, 9)), script)
    assert (third.windows, third.rewinds) == (1, 0)


def test_a_window_s_output_is_shared_out_only_at_offsets_that_can_be_right():
    """The child says where the output stood after each request; a child that lies gets its window undone."""
    capture = Capture(1024)
    os.write(capture.fd, b"one\ntwo\n")
    assert capture.take_parts([4, 4, 8]) == [
        Printed("one\n", 4, False),
        Printed("", 0, False),
        Printed("two\n", 4, False),
    ]
    assert (
        capture.take_parts([0, 0]) == [Printed("", 0, False)] * 2
    )  # taken: the next window starts empty
    for ends in ([5, 3, 8], [3], [4, 9], [-1, 8], ["4", 8], []):
        os.write(capture.fd, b"one\ntwo\n")
        assert capture.take_parts(ends) is None, ends
        os.lseek(capture.fd, 0, os.SEEK_SET)
    os.write(capture.fd, b"x" * 1025)  # more in all than one call may print
    assert capture.take_parts([1025]) is None
    capture.close()


HANGS_AT_3 = "if input == 3:\n    while True:\n        pass\nreturn input * 10"
CRASHES_AT_3 = "if input == 3:\n    os._exit(3)\nprint('fine', input)\nreturn input * 10"


@pytest.mark.parametrize("body", [HANGS_AT_3, CRASHES_AT_3], ids=["hang", "crash"])
def test_a_call_that_hangs_or_crashes_inside_a_window_fails_as_it_would_alone(zygote, body):
    script = lookahead.Script()
    cases = one_call_each(1, 2, 3, 4, 5)
    play(
        zygote, "return input * 10", cases, script, timeout=2.0
    )  # a quick classmate: the prediction
    followed, follower = play(zygote, body, cases, script, timeout=2.0)
    alone, _ = play(zygote, body, cases, timeout=2.0)
    assert (follower.windows, follower.rewinds) == (0, 1)
    assert followed == alone
    assert [kind for kind, _, _ in followed][:3] == [
        "value",
        "value",
        "StudentTimeout" if body == HANGS_AT_3 else "ExitedDuringCall",
    ]


def test_a_window_that_prints_more_than_one_call_may_is_made_again_one_call_at_a_time(zygote):
    """The output limit holds per call: 600 bytes a call fit 1 KB, but not five calls' worth."""
    course = course_with(output_kb=1)
    script = lookahead.Script()
    cases = one_call_each(1, 2, 3, 4, 5)
    body = "print(str(input) * 600)\nreturn input"
    play(zygote, "return input", cases, script, course=course)
    followed, follower = play(zygote, body, cases, script, course=course)
    assert (follower.windows, follower.rewinds) == (0, 1)
    assert followed == play(zygote, body, cases, course=course)[0]
    assert [(kind, output) for kind, _, output in followed] == [
        ("value", f"{i}" * 600 + "\n") for i in range(1, 6)
    ]


def test_a_class_gets_the_same_results_with_and_without_windows(tmp_path):
    """End to end, a shard's pytest over a small class: solutions, catalogue mistakes, a student who
    prints (and fails, so that its output is shown), one whose import fails, one whose code counts its calls."""
    lesson = ["lesson1"]
    copy_submission(SOLUTIONS, tmp_path / "class" / "solved", lesson)
    _, module, mistake = next(
        m for m in catalogue_mistakes(load_course()) if m[2].entry == "cross_entropy"
    )
    write_mutant(tmp_path / "class" / "mutant", "lesson1", module, mistake, lesson)
    for name, change in {
        "printer": (
            "def mse(",
            "def mse(*a, **k):\n    print('mse', a[0].shape)\n    return _mse(*a, **k) * 2\n\n\ndef _mse(",
        ),
        "broken": ("import torch", "import torch\nimport no_such_module"),
        "counter": (
            "def mse(",
            "CALLS = []\n\n\ndef mse(*a, **k):\n    CALLS.append(1)\n    return _mse(*a, **k) * (1 "
            "+ (len(CALLS) > 5))\n\n\ndef _mse(",
        ),
    }.items():
        copy_submission(SOLUTIONS, tmp_path / "class" / name, lesson)
        losses = tmp_path / "class" / name / "lesson1" / "losses.py"
        losses.write_text(losses.read_text().replace(*change, 1))
    results = {}
    for lookahead_mode in ("on", "off"):
        out = tmp_path / lookahead_mode
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "graders.grading.plugin",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            str(ROOT / "graders" / "pytest.ini"),
            "--rootdir",
            str(ROOT),
            str(ROOT / "graders" / "lesson1"),
            "--device",
            "cpu",
            "--results-dir",
            str(out),
            "--lookahead",
            lookahead_mode,
            *(f"--submission={folder}" for folder in sorted((tmp_path / "class").iterdir())),
        ]
        subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
        results[lookahead_mode] = {
            folder.name: [
                (
                    test["name"],
                    test["status"],
                    test["score"],
                    test.get("message"),
                    test.get("output"),
                )
                for exercise in json.loads((folder / "result.json").read_text())["exercises"]
                for test in exercise["tests"]
            ]
            for folder in out.iterdir()
            if (folder / "result.json").is_file()
        }
    assert sorted(results["on"]) == ["broken", "counter", "mutant", "printer", "solved"]
    assert results["on"] == results["off"]
    statuses = {name: {status for _, status, *_ in tests} for name, tests in results["on"].items()}
    assert (
        statuses["solved"] == {"passed"}
        and "failed" in statuses["counter"]
        and "error" in statuses["broken"]
    )
    assert all(
        "Your code printed:\nmse torch.Size([" in message
        for _, status, _, message, _ in results["on"]["printer"]
        if status == "failed"
    )
