"""result.json: one file per student, the source of every report. Schema in docs/results.md.

Records are dataclasses; ``to_json`` writes them and ``read`` validates a file against the
schema before anything uses it, so a hand-edited or truncated file gives one clear line.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

from graders.course.errors import HarnessError
from graders.grading import figures

SCHEMA = 1
STATUSES = ("passed", "failed", "error", "timeout", "forbidden")
FAILURE_KIND = re.compile(
    r"[a-z][a-z0-9_]{0,39}\Z"
)  # the kinds themselves are listed in graders/host/failures.py


class ResultsError(HarnessError):
    pass


@dataclass
class CaseResult:
    name: str
    score: float
    max_score: float
    status: str
    message: str = ""
    device: str = "cpu"
    failure: str = (
        ""  # how it failed, machine-readable (docs/results.md); absent from the file when it passed
    )
    # The grader's picture of a wrong value (graders/grading/figures.py); absent from the file
    # when there is none
    figure: dict | None = None


@dataclass
class ExerciseResult:
    id: str
    score: float
    max_score: float
    tests: list[CaseResult] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The worst status among the tests, for tables: passed only if every test passed."""
        order = ("forbidden", "timeout", "error", "failed")
        statuses = {t.status for t in self.tests}
        return next((s for s in order if s in statuses), "passed")


@dataclass
class StudentResult:
    student: str
    score: float
    max_score: float
    exercises: list[ExerciseResult] = field(default_factory=list)
    fingerprint: str = ""
    # The walls student code ran within (graders/host/sandbox.py Isolation.record): the class report
    # warns for every student graded without the full sandbox.  Empty when no child ran.
    sandbox: dict = field(default_factory=dict)
    # How the student's files were read, for them to know ("graded losses (1).py as
    # lesson1/losses.py"): shown in their feedback
    notes: list[str] = field(default_factory=list)
    schema: int = SCHEMA

    @property
    def weakly_sandboxed(self) -> bool:
        """Whether this student's code ran without the strongest walls (bubblewrap and namespaces)."""
        return bool(self.sandbox) and not self.sandbox.get("full", False)

    def exercise(self, exercise_id: str) -> ExerciseResult | None:
        return next((e for e in self.exercises if e.id == exercise_id), None)

    def to_json(self) -> str:
        data = asdict(self)
        for exercise in data["exercises"]:
            for test in exercise["tests"]:
                if not test["failure"]:
                    del test["failure"]
                if not test["figure"]:
                    del test["figure"]
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def write(result: StudentResult, path: Path) -> None:
    """Write atomically: an interrupted run never leaves a half-written result behind.

    The temporary file is created with mode 0666 less the umask of the moment, as open() makes
    every report: mkstemp's 0600 would make result.json alone private, and a umask read once
    would go stale when the umask changes after import.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    while True:
        temporary = path.parent / f".result-{secrets.token_hex(8)}.tmp"
        try:
            fd = os.open(temporary, flags, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(result.to_json())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def read(path: Path) -> StudentResult:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such result file") from None
    except (OSError, ValueError) as exc:
        raise ResultsError(
            f"{path}: not a readable JSON result ({exc}); grade the student again"
        ) from None
    try:
        return parse(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ResultsError(
            f"{path}: does not follow the result schema ({exc}); grade the student again"
        ) from None


def parse(data: dict) -> StudentResult:
    _require(isinstance(data, dict), "top level must be an object")
    _require(data.get("schema", SCHEMA) == SCHEMA, f"schema {data.get('schema')!r} is not {SCHEMA}")
    exercises = []
    for raw in data["exercises"]:
        tests = []
        for t in raw["tests"]:
            _require(t["status"] in STATUSES, f"unknown status {t['status']!r}")
            failure = t.get("failure", "")
            _require(
                failure == "" or (isinstance(failure, str) and FAILURE_KIND.match(failure)),
                f"bad failure kind {failure!r}",
            )
            tests.append(
                CaseResult(
                    str(t["name"]),
                    _number(t["score"]),
                    _number(t["max_score"]),
                    t["status"],
                    str(t.get("message", "")),
                    str(t.get("device", "cpu")),
                    failure,
                    # a figure that is not one is left out, never a reason to refuse the file
                    figures.checked(t["figure"]) if "figure" in t else None,
                )
            )
        exercises.append(
            ExerciseResult(str(raw["id"]), _number(raw["score"]), _number(raw["max_score"]), tests)
        )
    sandbox = data.get("sandbox", {})
    _require(isinstance(sandbox, dict), "sandbox must be an object")
    notes = data.get("notes", [])
    _require(
        isinstance(notes, list) and all(isinstance(n, str) for n in notes),
        "notes must be a list of strings",
    )
    return StudentResult(
        str(data["student"]),
        _number(data["score"]),
        _number(data["max_score"]),
        exercises,
        str(data.get("fingerprint", "")),
        sandbox,
        notes,
    )


def _number(value) -> float:
    _require(
        isinstance(value, (int, float)) and not isinstance(value, bool),
        f"{value!r} is not a number",
    )
    return float(value)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)
