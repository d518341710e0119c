"""Hostile submissions are contained: each one scores below full marks on what it attacks, costs nobody
else anything, and leaves the harness, the machine and every file outside the sandbox as they were.

One class run grades every tests/attacks/<name>/ (the solutions with an attack appended to a
module) between two pristine copies of the solutions, in one grading process, so one warm
worker serves them all in turn.  A copy of course.toml shortens the time limits and lowers the
memory limit so the run takes a couple of minutes; the limits themselves are the real ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from classbuilder import ATTACKS, SOLUTIONS, copy_submission, entries_of, write_attacks
from conftest import run_cli
from sandboxed import processes_named

from graders.course.model import ROOT
from graders.grading import results as results_io
from graders.grading.results import StudentResult
from graders.host import cgroups, unprivileged
from graders.host.sandbox import bubblewrap_problem
from graders.pipeline.grade import Options
from graders.pipeline.grade import grade as grade_class

LOSSES = entries_of("lesson1", "losses")
SELECTION = entries_of("lesson1", "selection")
MARKER = "GRADERS-ATTACK-MARKER"  # the name every attack gives the files it plants
FOUND_NOTE = Path("/tmp/GRADERS-FOUND-SOLUTIONS")  # where reads-solutions lists what it read
PROCESS_NAME = "graders-attack"  # the name attacks give the processes they leave behind
SECRET = "reference-answer-42"
LIMITS = {
    "timeout": 2.0,
    "import_timeout": 3.0,
    "memory_mb": 256,
    "processes": 16,
    "output_kb": 64,
    "cpu_seconds": 20,
}
FIRST, LAST = "0-pristine", "zz-pristine"

# attack -> {entry: (status, failure kind or None for any, words in that test's message)}.
# Entries not listed must get full marks.
EXPECTED = {
    "infinite-loop": {"choose_loss": ("timeout", "timeout", "did not finish within 2 s")},
    "ignores-signals": {"mse": ("timeout", "timeout", "did not finish within 2 s")},
    "memory-hog": {"mse": ("error", "out_of_memory", "memory")},
    "memory-hog-forks": {
        "binary_cross_entropy": ("error", "out_of_memory", "memory limit of 256 MB")
    },
    "exit-in-call": {
        "binary_cross_entropy_with_logits": ("error", "exit_during_call", "exited with code 0")
    },
    "sys-exit-at-import": {
        e: ("error", "exit_during_import", "sys.exit(0) was called") for e in SELECTION
    },
    "sleep-at-import": {
        e: ("timeout", "timeout", "importing lesson1/selection.py took longer than 3 s")
        for e in SELECTION
    },
    "segfault": {
        e: ("error", "signal", "signal 11 (SIGSEGV)") for e in SELECTION
    },  # choose_loss runs the student's class
    "patches-comparisons": {"mse": ("failed", "wrong_value", "elements differ")},
    "patches-pytest": {"cross_entropy": ("failed", "wrong_value", "elements differ")},
    "fake-output": {"mse": ("failed", "wrong_value", "Your code printed:\nPASSED")},
    "fake-result-files": {"mse": ("failed", "wrong_value", "elements differ")},
    "reads-solutions": {"mse": ("failed", "wrong_value", "elements differ")},
    "reads-secrets": {"mse": ("failed", "wrong_value", "expected a tensor")},
    "changes-classmates": {"choose_loss": ("failed", "wrong_value", "L1Loss")},
    "detached-children": {"mse": ("failed", "wrong_value", "elements differ")},
    "gigabyte-output": {
        "binary_cross_entropy": ("error", "output_limit", "printed more than 64 KB")
    },
    "fork-bomb": {"choose_loss": ("error", "raised", "the fork bomb ran out of processes")},
    "attacks-the-worker": {"CrossEntropyOnProbabilities": ("failed", "wrong_value", "")},
    "remounts-writable": {"cross_entropy": ("failed", "wrong_value", "elements differ")},
    "poisons-tmp": {"choose_loss": ("failed", "wrong_value", "L1Loss")},
    "reads-leftovers": {},  # graded right after poisons-tmp: finds nothing, so full marks
    # replaces every probe in the process that grades the lesson: every exercise of it
    "tampers-probes": {e: ("failed", None, "") for e in entries_of("lesson1")},
    "garbage-values": {  # the four losses the attack defines
        e: ("failed", None, "")
        for e in (
            "mse",
            "binary_cross_entropy",
            "binary_cross_entropy_with_logits",
            "cross_entropy",
        )
    },
    "garbage-loss-settings": {"choose_loss": ("failed", "wrong_value", "")},
    "lies-to-the-plots": {  # every loss its figure is drawn for, fed what would break a plot
        e: ("failed", None, "")
        for e in ("mse", "huber_loss", "binary_cross_entropy_with_logits", "cross_entropy")
    },
    "forbidden-disguised": {
        "mse": ("forbidden", "forbidden", "torch.nn.functional.mse_loss"),
        "binary_cross_entropy": ("forbidden", "forbidden", "torch.nn.BCELoss"),
        "binary_cross_entropy_with_logits": (
            "forbidden",
            "forbidden",
            "aten::binary_cross_entropy_with_logits",
        ),
        "cross_entropy": (
            "forbidden",
            "forbidden",
            "getattr(torch.nn.functional, <a computed name>)",
        ),
    },
    "links-out-to-solutions": {
        e: ("error", None, "lesson1/losses.py is a symbolic link to a file outside your submission")
        for e in LOSSES
    },
    "links-out-to-system": {
        e: ("error", None, "lesson1/losses.py is a symbolic link to a file outside your submission")
        for e in LOSSES
    },
    "reads-system-secrets": {"mse": ("failed", None, "blocked /etc/shadow")},
    "corrupts-replies": {  # choose_loss too: its grader computes the student's own loss, this one included
        e: ("failed", "garbage", "could not be read") for e in SELECTION
    },
}


@dataclass
class AttackedClass:
    folder: Path
    out: Path
    results: dict[str, StudentResult]
    before: dict[str, str]  # file -> sha256 of the class folder before grading
    skipped: list[str]
    closed: tuple[Path, ...] = ()  # what the grader closed to student code, without namespaces
    found: tuple[str, ...] = ()  # the copies of the solutions reads-solutions could read there

    def exercise(self, student: str, exercise_id: str):
        result = self.results[student].exercise(exercise_id)
        assert result is not None, f"{student} has no result for {exercise_id}"
        return result


def short_limits_course(folder: Path, **changes) -> Path:
    """The repository's course, with shorter time limits and a lower memory limit (LIMITS, then
    ``changes``): course.toml must sit at a course root, so the copy sits in a folder whose
    graders/ and solutions/ link to the real ones."""
    folder.mkdir(parents=True)
    for name in ("graders", "solutions"):
        (folder / name).symlink_to(ROOT / name)
    text = (ROOT / "course.toml").read_text()
    for key, value in {**LIMITS, **changes}.items():
        text, count = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
        assert count == 1, f"course.toml has no single {key} line"
    (folder / "course.toml").write_text(text)
    return folder / "course.toml"


def no_process_limit() -> bool:
    """As root, only a cgroup limits processes (RLIMIT_NPROC does not apply): a fork bomb without one is not run."""
    return os.geteuid() == 0 and cgroups.problem() is not None


def fingerprints(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def grade(folder: Path, out: Path, course: Path) -> dict[str, StudentResult]:
    run_cli(
        "grade",
        str(folder),
        "--out",
        str(out),
        "--jobs",
        "1",
        "--course",
        str(course),
        "--sandbox",
        "auto",
    )
    return {path.parent.name: results_io.read(path) for path in out.glob("*/result.json")}


@pytest.fixture(scope="module")
def course_copy(tmp_path_factory) -> Path:
    return short_limits_course(tmp_path_factory.mktemp("course") / "course")


@pytest.fixture(scope="module")
def attacked(tmp_path_factory, course_copy) -> AttackedClass:
    folder = tmp_path_factory.mktemp("attacked-class")
    skipped = ["fork-bomb"] if no_process_limit() else []
    copy_submission(SOLUTIONS, folder / FIRST)
    write_attacks(folder, [name for name in EXPECTED if name not in skipped])
    copy_submission(SOLUTIONS, folder / LAST)
    before = fingerprints(folder)
    out = tmp_path_factory.mktemp("attacked-out")
    os.environ["GRADERS_TEST_SECRET"] = SECRET
    try:
        results = grade(folder, out, course_copy)
    finally:
        del os.environ["GRADERS_TEST_SECRET"]
    return AttackedClass(folder, out, results, before, skipped)


def test_the_corpus_and_the_table_agree():
    assert sorted(p.name for p in ATTACKS.iterdir() if p.is_dir()) == sorted(EXPECTED)


@pytest.mark.parametrize("attack", sorted(EXPECTED))
def test_attack_is_contained_and_reported(attacked, course, attack):
    if attack in attacked.skipped:
        pytest.skip(
            "running as root without cgroups: no process limit would hold (docs/sandbox.md)"
        )
    assert_contained(attacked, course, attack)


def assert_contained(attacked: AttackedClass, course, attack: str) -> None:
    """The attack lost points where EXPECTED says, with the status, kind and words it gives, and nowhere else."""
    expected = EXPECTED[attack]
    for exercise in course.lesson("lesson1").exercises:
        graded = attacked.exercise(attack, exercise.id)
        if exercise.entry not in expected:
            failures = [
                f"{t.status}/{t.failure}: {t.message[:200]}"
                for t in graded.tests
                if t.status != "passed"
            ]
            assert graded.score == exercise.points, (
                f"{attack} lost points on untouched {exercise.id}: {failures[:2]}"
            )
            continue
        status, failure, words = expected[exercise.entry]
        assert graded.score < exercise.points, f"{attack} got full marks on {exercise.id}"
        relevant = [t for t in graded.tests if t.status == status and failure in (None, t.failure)]
        seen = sorted({(t.status, t.failure) for t in graded.tests})
        assert relevant, f"{attack} {exercise.id}: no test with {status}/{failure}, only {seen}"
        assert any(words in t.message for t in relevant), (
            f"{attack} {exercise.id}: {relevant[0].message[:400]}"
        )


def test_pristine_copies_are_graded_exactly_as_when_alone(attacked, course_copy, tmp_path):
    alone = tmp_path / "alone"
    copy_submission(SOLUTIONS, alone / LAST)
    graded = grade(alone, tmp_path / "out", course_copy)
    assert graded[LAST].score == graded[LAST].max_score
    in_class = (attacked.out / LAST / "result.json").read_bytes()
    assert in_class == (tmp_path / "out" / LAST / "result.json").read_bytes()
    first = (
        (attacked.out / FIRST / "result.json")
        .read_text()
        .replace(f'"student": "{FIRST}"', f'"student": "{LAST}"')
    )
    assert first == in_class.decode()


def test_no_attack_stopped_the_harness(attacked):
    graded = set(attacked.results)
    assert graded == set(EXPECTED) - set(attacked.skipped) | {FIRST, LAST}
    logs = "".join(p.read_text() for p in (attacked.out / ".logs").glob("*.log"))
    assert "INTERNAL GRADER ERROR" not in logs


def test_no_process_an_attack_started_outlives_grading(attacked):
    left = processes_named(PROCESS_NAME)
    assert not left, f"processes started by attacks are still running: {left}"


def test_nothing_outside_the_sandbox_was_written_or_changed(attacked):
    assert fingerprints(attacked.folder) == attacked.before, (
        "a submission's files changed during grading"
    )
    places = [
        ROOT,
        attacked.out,
        Path(sys.prefix),
        Path(torch.__file__).parent,
        Path(os.__file__).parent,
    ]
    planted = [p for place in places for p in place.rglob(f"{MARKER}*") if ".git" not in p.parts]
    planted += [
        p for top in (Path("/tmp"), Path("/dev/shm"), Path("/")) for p in top.glob(f"{MARKER}*")
    ]
    assert not planted, f"attacks planted files outside the sandbox: {planted}"


def test_secrets_of_the_grader_never_reach_student_code(attacked):
    if bubblewrap_problem():
        pytest.skip(
            f"without bubblewrap the environment is inherited (documented): {bubblewrap_problem()}"
        )
    assert SECRET not in (attacked.out / "reads-secrets" / "result.json").read_text()


def test_a_failure_kind_is_shown_in_the_feedback(attacked):
    feedback = (attacked.out / "gigabyte-output" / "feedback.md").read_text()
    assert "**error (too much output)**" in feedback
    printed = (attacked.out / "fake-output" / "feedback.md").read_text()
    assert "PASSED" in printed and "\x1b" not in printed and "\x07" not in printed


def test_replies_meant_to_break_the_plots_are_drawn_within_their_limits(attacked):
    """Values at the edge of float64, nan and infinities: each sweep's figure holds only finite
    numbers or gaps, within its limits, and the page draws every one; markup in place of numbers
    fails the call and reaches the page escaped."""
    from graders.grading import figures
    from graders.reports import plots

    result = attacked.results["lies-to-the-plots"]
    drawn = {e.id: t.figure for e in result.exercises for t in e.tests if t.figure}
    drawn_losses = ("mse", "huber_loss", "cross_entropy")
    assert {f"lesson1.{name}" for name in drawn_losses} <= set(drawn), sorted(drawn)
    for exercise, figure in drawn.items():
        assert figures.checked(figure) == figure, exercise
        assert plots.png(figure).startswith(b"\x89PNG"), exercise
    yours = [
        s["y"]
        for p in drawn["lesson1.huber_loss"]["panels"]
        for s in p["series"]
        if s["role"] == "student"
    ]
    assert yours and all(v is None for values in yours for v in values)  # nan: gaps, drawn as such
    page = (attacked.out / "lies-to-the-plots" / "feedback.html").read_text()
    assert page.count("<figure id=") >= len(drawn_losses)
    assert (
        "<script>" not in page and "<img src=x" not in page and "onerror" not in json.dumps(drawn)
    )


# Where neither bubblewrap nor user namespaces work (a Gradescope container), forced here with
# --sandbox none and no walls per child: the attacks on what can be read must still find nothing.
WITHOUT_NAMESPACES = (
    "reads-solutions",
    "reads-system-secrets",
    "links-out-to-solutions",
    "links-out-to-system",
)


@pytest.fixture(scope="module")
def attacked_without_namespaces(tmp_path_factory) -> AttackedClass:
    # Without namespaces the whole machine is there to walk: reads-solutions searches for its
    # 1.5 s budget, and a call gets the time to finish that search and answer.
    if os.geteuid() != 0:
        pytest.skip(
            "a grader that is not root cannot switch users: without namespaces it is not protected (docs/sandbox.md)"
        )
    course_copy = short_limits_course(
        tmp_path_factory.mktemp("course-long-calls") / "course", timeout=10.0
    )
    folder = tmp_path_factory.mktemp("attacked-without-namespaces")
    write_attacks(folder, list(WITHOUT_NAMESPACES))
    copy_submission(SOLUTIONS, folder / LAST)
    out = tmp_path_factory.mktemp("attacked-without-namespaces-out")
    options = Options(
        out, course_file=course_copy, sandbox="none", child_walls="off", quiet=True, jobs=1
    )
    FOUND_NOTE.unlink(missing_ok=True)
    graded = grade_class(folder, options)
    found = FOUND_NOTE.read_text().split() if FOUND_NOTE.exists() else []
    FOUND_NOTE.unlink(missing_ok=True)
    closed = tuple(p.resolve() for p in (ROOT, course_copy.parent, folder, out))
    results = {r.student: r for r in graded.results}
    return AttackedClass(folder, out, results, {}, [], closed, tuple(dict.fromkeys(found)))


@pytest.mark.parametrize("attack", WITHOUT_NAMESPACES)
def test_without_namespaces_reading_attacks_find_nothing(
    attacked_without_namespaces, course, attack
):
    # Without namespaces student code reads whatever the machine lets everyone read, and the
    # grader closes only the copies it knows of: the course, this repository, the class and the
    # results (docs/sandbox.md). A copy the attack read among those is the grader's failure; a
    # second clone or a class folder left readable elsewhere is the machine's, and is named.
    attacked = attacked_without_namespaces
    leaked = [p for p in attacked.found if any(Path(p).is_relative_to(c) for c in attacked.closed)]
    assert not leaked, f"student code read solutions the grader should have closed: {leaked}"
    if attack == "reads-solutions" and attacked.found:
        pytest.skip(
            f"this machine lets everyone read a copy of the solutions outside the grader's reach, "
            f"{attacked.found[0]}: close it (chmod o-rwx) to run this attack (docs/sandbox.md)"
        )
    assert_contained(attacked, course, attack)
    sandbox = attacked_without_namespaces.results[attack].sandbox
    assert sandbox["mode"] == "none" and not sandbox["namespaces"] and not sandbox["full"]
    assert sandbox["user"] == unprivileged.identity()[0]
    assert (
        attacked_without_namespaces.results[LAST].score
        == attacked_without_namespaces.results[LAST].max_score
    )
