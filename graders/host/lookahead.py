"""Requests sent ahead: a submission's child answers several of the graders' requests in one turn.

Every request to a child and its reply is a turn: the grader writes, the child wakes, works,
writes back, and the grader wakes.  On one CPU each turn costs some 180 µs beyond the work
itself (the two processes evict each other's caches), about as much as the probe it carries,
and a Lesson 1 submission takes some 150 turns.  Handed many requests at once, the child
answers them in one turn (``op: ahead``, worker/child.py): a small probe then costs 240 µs of
CPU instead of 450, against 143 in one plain process (bench/probe_turns.py,
docs/measurements.md).

The graders ask one request at a time, so the requests come from a prediction: in a shard,
every submission is graded by the same cases in the same order with the same seeded inputs,
so the requests of the submission graded before are almost always those of the next one.
``Script`` holds them, and ``SubmissionWorker`` (graders/host/student.py) follows it:

- a window of the predicted requests goes to the child when the graders ask the first of
  them, and the replies are kept; each later request the graders make is compared, byte for
  byte, with the one predicted in its place, and gets its kept reply if they are the same;
- only requests that hold nothing from any student are sent ahead (``Step.ahead``): an
  import, or a case's request built before that case had read any reply.  A later request
  of a case may hold what the student answered to an earlier one, so a prediction of it
  would hold another student's answer: those go one at a time, as the graders make them.
  The graders carry nothing of a student's from one case to the next, which grading many
  students in one process requires anyway (docs/writing-graders.md);
- whatever goes wrong in a window (a request predicted wrongly after the child ran it, a
  crash, more than the time allowed, more output than the limit, the OOM killer, a reply
  that cannot be read) is undone: the child is replaced by a fresh one that is given again
  exactly the requests the graders made so far (``SubmissionWorker._rewind``), and the rest
  of the submission is graded one request at a time, where each failure is met and
  reported exactly as without windows.  A submission's results therefore never depend on
  the prediction, only its speed does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_AHEAD = 32  # requests in one window: ten get most of the gain, and a wrong guess wastes little
# seconds of predicted work in one window; a request predicted to take longer goes alone
BUDGET = 0.05
# A window is undone when it takes longer than PATIENCE seconds or PATIENCE_FACTOR times what it
# was predicted to take, whichever is longer, but never waits past the longest time limit in it.
PATIENCE = 1.0
PATIENCE_FACTOR = 20


@dataclass
class Step:
    """One request the graders made, as sent."""

    data: bytes  # the encoded request (codec.encode_request)
    timeout: float  # its time limit, in seconds
    ahead: bool  # whether it may be sent ahead: it holds nothing from any student
    seconds: float = 0.0  # how long its reply took


@dataclass
class Recording:
    """The requests made for one submission, beside the prediction it was given."""

    prediction: list[Step]
    steps: list[Step] = field(default_factory=list)
    # a request was not the one predicted (from then on, one request at a time)
    diverged: bool = False


class Script:
    """The requests of the submission graded last in this process, for the next one to follow.

    One per grading session, shared by its workers.  Submissions are graded one after the
    other in a session, so when a worker makes its first request, the one before has made
    all of its own.
    """

    def __init__(self):
        self.last: Recording | None = None

    def follow(self) -> Recording:
        """A new submission's recording, holding its prediction: what the submission before asked.

        A submission that made fewer requests than it was predicted to (a module that failed to
        import or has a syntax error: its cases asked nothing) predicts the next one worse than
        its own prediction did, which is kept instead.
        """
        last = self.last
        if last is None:
            prediction = []
        elif len(last.prediction) > len(last.steps):
            prediction = last.prediction
        else:
            prediction = last.steps
        self.last = Recording(prediction)
        return self.last


def window(prediction: list[Step], start: int) -> list[Step]:
    """The requests from ``start`` on that go to the child in one turn; fewer than two: none."""
    steps: list[Step] = []
    seconds = 0.0
    for step in prediction[start : start + MAX_AHEAD]:
        if not step.ahead or seconds + step.seconds > BUDGET:
            break
        steps.append(step)
        seconds += step.seconds
    return steps if len(steps) > 1 else []


def patience(steps: list[Step]) -> float:
    """Seconds a window may take before it is undone."""
    predicted = sum(step.seconds for step in steps)
    return min(max(PATIENCE, PATIENCE_FACTOR * predicted), max(step.timeout for step in steps))
