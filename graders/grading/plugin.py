"""The pytest plugin that runs hidden graders against submissions.

``pytest graders/lesson1 --submission PATH`` grades one or more submissions directly; the
``grade`` command runs the same thing for a class.  Options appear in ``pytest graders
--help`` under "graders".  Hidden graders use these fixtures:

- ``student``  the submission's sandboxed code, bound to the test's exercise and device
- ``expect``   comparisons with the exercise's tolerances and teaching messages
- ``gen``      seeded inputs (same for every student; seeded by the case's inputs name)
- ``memo``     ``memo("name", compute)``: a reference result, once per case and name
- ``device``, ``dtype``, ``course``, ``exercise``

Every test carries ``@pytest.mark.exercise("lessonN.entry", weight=1)`` and
``@pytest.mark.inputs("name")``.  A case's seed comes from its exercise, that name and its
parameters' ids (``Case.inputs``), never from the test's function or file name, so that
renaming a test does not change any student's inputs.  Each case is parametrised over the
submissions last, so its id minus the submission suffix names the same case for everyone.
Per-run state lives in stash keys.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from graders.course import fingerprint
from graders.course.errors import HarnessError
from graders.course.model import COURSE_FILE, ROOT, Course, Exercise, load_course
from graders.course.submission import Submission, lessons_handed_in, load
from graders.grading import figures
from graders.grading import results as results_io
from graders.grading.compare import Expect, failing_alike
from graders.grading.inputs import Inputs, seed_for
from graders.grading.mutants import mistakes_of
from graders.grading.scoring import Outcome, score
from graders.host.failures import without_machine_paths
from graders.host.sandbox import Zygote, ZygoteError
from graders.host.student import Student, StudentFailure, SubmissionWorker

SESSION = pytest.StashKey["GradingSession"]()
CASE = pytest.StashKey["Case"]()
DEVICES = {"cpu": ("cpu",), "cuda": ("cuda",), "all": ("cpu", "cuda")}
_SUBMISSION_SUFFIX = re.compile(r"(-|\[)s[0-9]+\]$")
OUTPUT_SHOWN = 800
# Figures kept per student: the first failing case of each test function gets its figure, up to
# this many, so a student who fails everything carries a bounded result.json.
FIGURES_PER_STUDENT = 12


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("graders", "grading submissions with the hidden graders")
    group.addoption(
        "--submission",
        action="append",
        default=[],
        metavar="[ID=]PATH",
        help="a submission folder to grade (repeatable); ID defaults to the folder's name",
    )
    group.addoption(
        "--device",
        default="all",
        choices=sorted(DEVICES),
        help="where value tests run: cpu, cuda, or all (cpu, and cuda when a GPU is present); default all",
    )
    group.addoption(
        "--results-dir", default=None, metavar="DIR", help="write DIR/<student>/result.json"
    )
    group.addoption(
        "--sandbox",
        default="auto",
        choices=("auto", "bwrap", "none"),
        help="isolate student code with bubblewrap (auto: when available, with a warning "
        "otherwise; none: debugging only)",
    )
    group.addoption(
        "--child-walls",
        default="auto",
        choices=("auto", "off"),
        help="auto: each child gets its own namespaces and cgroup where the machine allows; off: "
        "rlimits only (for measurements)",
    )
    group.addoption(
        "--course", default=str(COURSE_FILE), metavar="FILE", help="the course.toml to grade with"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "exercise(id, weight=1): the exercise a hidden test grades, and its weight"
    )
    config.addinivalue_line(
        "markers",
        "inputs(name): the name the test's seeded inputs come from (survives renaming the test)",
    )
    if config.getoption("submission"):
        gc.freeze()  # torch and pytest live as long as the run: collection need not scan them (see below)
        try:
            config.stash[SESSION] = GradingSession(config)
        except HarnessError as exc:
            raise pytest.UsageError(str(exc)) from None
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        # References are tiny: threads only contend with the sandboxed children and other --jobs
        # (a 20x4 matmul loop ran 50 times slower with two threads on a busy two-core machine).
        torch.set_num_threads(1)
        config.stash[SESSION].start_zygote()  # torch imports there while this process collects
        config.pluginmanager.register(FailureReports(), "graders-failure-reports")


def pytest_report_header(config: pytest.Config) -> list[str]:
    session = config.stash.get(SESSION, None)
    if session is None:
        return []
    devices = ", ".join(available_devices(session.device_option))
    missing = (
        ""
        if torch.cuda.is_available() or session.device_option == "cpu"
        else " (no CUDA device: GPU cases not generated)"
    )
    return [
        f"graders: {len(session.entries)} submission(s); devices {devices}{missing}; "
        f"sandbox {session.sandbox_mode}; inputs seeded with crc32(exercise: inputs name[parameters])"
    ]


@pytest.hookimpl(trylast=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    explicit = {
        name for mark in metafunc.definition.iter_markers("parametrize") for name in _argnames(mark)
    }
    if "device" in metafunc.fixturenames and "device" not in explicit:
        metafunc.parametrize("device", available_devices(metafunc.config.getoption("device")))
    if "dtype" in metafunc.fixturenames and "dtype" not in explicit:
        metafunc.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
    session = metafunc.config.stash.get(SESSION, None)
    if "_submission" in metafunc.fixturenames and session is not None:
        metafunc.parametrize(
            "_submission",
            range(len(session.entries)),
            ids=[f"s{i}" for i in range(len(session.entries))],
        )


def available_devices(option: str) -> list[str]:
    """The devices cases are generated for: with --device all, CUDA only where a GPU is present.

    Cases for a missing GPU are not generated at all (the report header says so) rather than
    skipped one by one: a class would otherwise carry thousands of skipped items.
    """
    return [d for d in DEVICES[option] if d != "cuda" or torch.cuda.is_available()]


def _argnames(mark) -> list[str]:
    names = mark.args[0] if mark.args else mark.kwargs.get("argnames", ())
    return [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    session = config.stash.get(SESSION, None)
    course = session.course if session else None
    for item in items:
        marker = item.get_closest_marker("exercise")
        if marker is None:
            continue
        course = course or load_course(config.getoption("course"))
        exercise_id = marker.args[0] if marker.args else marker.kwargs.get("id")
        try:
            exercise = course.exercise(exercise_id)
        except HarnessError as exc:
            raise pytest.UsageError(f"{item.nodeid}: {exc}") from None
        inputs = item.get_closest_marker("inputs")
        if inputs is None or not inputs.args or not isinstance(inputs.args[0], str):
            raise pytest.UsageError(
                f'{item.nodeid}: name this test\'s inputs with @pytest.mark.inputs("..."): '
                "every student's inputs are seeded by that name, so renaming the test keeps them"
            )
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec else {}
        case_id = _SUBMISSION_SUFFIX.sub(lambda m: "]" if m.group(1) == "-" else "", item.nodeid)
        parameters = case_id[case_id.index("[") :] if "[" in case_id else ""
        item.stash[CASE] = Case(
            student=params.get("_submission"),
            exercise=exercise,
            function=getattr(item, "originalname", item.name),
            weight=float(marker.kwargs.get("weight", 1)),
            case_id=case_id,
            device=str(params.get("device", "cpu")),
            inputs=f"{exercise.id}: {inputs.args[0]}{parameters}",
        )
    if session is not None:
        absent = {id(item) for item in session.cases_of_absent_lessons(items)}
        if absent:
            config.hook.pytest_deselected(items=[item for item in items if id(item) in absent])
            items[:] = [item for item in items if id(item) not in absent]
        order = {id(item): i for i, item in enumerate(items)}
        items.sort(key=lambda item: (_student_of(item), order[id(item)]))


def _student_of(item: pytest.Item) -> int:
    case = item.stash.get(CASE, None)
    return -1 if case is None or case.student is None else case.student


def pytest_collection_finish(session: pytest.Session) -> None:
    grading = session.config.stash.get(SESSION, None)
    if grading is not None:
        grading.plan(session.items)
        # torch, the graders and every collected case live as long as the run: kept out of the
        # collector's reach, a full collection no longer scans them (docs/measurements.md).
        gc.freeze()


class FailureReports:
    """Reports of graded cases that fail in the student's code or on a wrong value, made without pytest's traceback.

    pytest renders every failure's traceback by parsing the grader's source for each frame;
    the wrapper below then replaces it with the message.  For a class with many mistakes that
    rendering was a fifth of the grading time, so these reports carry the message from the
    start.  An internal grader error still gets pytest's full traceback, for the log.
    """

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo
    ) -> pytest.TestReport | None:
        case = item.stash.get(CASE, None)
        if case is None or case.student is None or call.excinfo is None or call.when == "teardown":
            return None
        if call.excinfo.errisinstance(pytest.skip.Exception):
            return None
        status, _, message = classify(call.excinfo)
        if status == "error" and message.startswith("internal grader error"):
            return None
        keywords = {name: 1 for name in item.keywords}
        return pytest.TestReport(
            item.nodeid,
            item.location,
            keywords,
            "failed",
            f"[{status}] {message}",
            call.when,
            item._report_sections,
            call.duration,
            call.start,
            call.stop,
            item.user_properties,
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    case = item.stash.get(CASE, None)
    grading = item.config.stash.get(SESSION, None)
    if case is None or grading is None or case.student is None or report.skipped:
        return report
    if report.when == "call" or (report.when == "setup" and report.failed):
        status, failure, message = classify(call.excinfo)
        worker = grading.workers.get(case.student)
        if status != "passed" and worker is not None and worker.printed:
            printed = "".join(worker.printed)
            message += (
                "\nYour code printed:\n"
                + printed[:OUTPUT_SHOWN]
                + ("\n[...]" if len(printed) > OUTPUT_SHOWN else "")
            )
        message = without_machine_paths(message)
        name = case.case_id.split("::")[-1]  # the test's own name, without the submission suffix
        outcome = Outcome(
            case.exercise.id,
            case.function,
            name,
            case.weight,
            status,
            message,
            case.device,
            failure,
            grading.figure_of(case, call.excinfo) if status == "failed" else None,
        )
        grading.record(case, outcome)
        if status != "passed" and not message.startswith("internal grader error"):
            # the grader's own traceback would only distract
            report.longrepr = f"[{status}] {message}"
        elif status != "passed":  # the instructor's to debug: in the log, even under --tb=no
            terminal = item.config.pluginmanager.get_plugin("terminalreporter")
            if terminal is not None:
                terminal.write_line(f"\n{item.nodeid}: {message}\n{report.longrepr}")
            reason = (
                f"{type(call.excinfo.value).__name__}: {call.excinfo.value}"
                if call.excinfo
                else message
            )
            grading.internal_errors.append(
                f"{grading.submission(case.student).student}, {case.case_id}: {reason}"
            )
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    case = item.stash.get(CASE, None)
    grading = item.config.stash.get(SESSION, None)
    if grading is not None and case is not None and case.student is not None:
        grading.case_done(case.student)
    return result


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    grading = session.config.stash.get(SESSION, None)
    if grading is None:
        return
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and grading.absent:
        # every case deselected because no submission had its lesson: each still gets its result
        exitstatus = session.exitstatus = pytest.ExitCode.OK
    completed = (
        exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) and not session.shouldstop
    )
    grading.finish(interrupted=not completed)
    # An exception on the grader's side (a bug in a hidden grader, or a reply the checks did not
    # foresee) costs only the case it happened in: that student's test is an error, the run goes
    # on for everyone else, and the reason is in the log ("INTERNAL GRADER ERROR", below), which
    # ``python -m graders grade`` points the instructor to.


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    grading = config.stash.get(SESSION, None)
    if grading is None or not grading.results:
        return
    write = terminalreporter.write_line
    terminalreporter.section("grades")
    write(f"isolation: {grading.isolation()}")
    for result in grading.results.values():
        write(f"{result.student}: {result.score:g} / {result.max_score:g}")
        for exercise in result.exercises:
            write(
                f"    {exercise.id:<45} {exercise.score:>7.3g} / {exercise.max_score:g}  {exercise.status}"
            )
    for problem in grading.internal_errors:
        terminalreporter.write_line(f"INTERNAL GRADER ERROR: {problem}", red=True)


INTERNAL_ERROR_MESSAGE = (
    "internal grader error: this test could not be graded; please tell the instructor, "
    "who can read why in the grading log"
)


def classify(excinfo) -> tuple[str, str, str]:
    """(status, failure kind, message) for a hidden test's exception, or ('passed', '', '') for none."""
    if excinfo is None:
        return "passed", "", ""
    exc = excinfo.value
    if isinstance(exc, StudentFailure):
        return exc.status, exc.failure, exc.message
    if isinstance(exc, AssertionError):
        return "failed", "wrong_value", str(exc)
    if isinstance(exc, pytest.fail.Exception):
        text = str(exc)
        return (
            ("timeout", "timeout", text)
            if text.startswith("Timeout")
            else ("failed", "wrong_value", text)
        )
    # What the exception says is the grader's business (it can name the grading machine's paths
    # or the hidden test's code): the student reads that the test could not be graded, and the
    # traceback goes to the log.
    return "error", "grader_error", INTERNAL_ERROR_MESSAGE


@dataclass
class Case:
    student: int | None
    exercise: Exercise
    function: str
    weight: float
    case_id: str
    device: str
    inputs: str  # what the case's seed comes from: "lesson1.mse: values[mean-float32-cpu]"


class GradingSession:
    """Everything one pytest run knows about the submissions it grades."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.course: Course = load_course(config.getoption("course"))
        self.entries = [_parse_entry(value) for value in config.getoption("submission")]
        results_dir = config.getoption("results_dir")
        self.results_dir = Path(results_dir) if results_dir else None
        self.device_option = config.getoption("device")
        self.devices = available_devices(self.device_option)
        if self.device_option == "cuda" and not torch.cuda.is_available():
            raise HarnessError(
                "--device cuda: no CUDA device is available on this machine (torch.cuda.is_available() is False)"
            )
        self.sandbox_mode = config.getoption("sandbox")
        self.submissions: dict[int, Submission] = {}
        self.workers: dict[int, SubmissionWorker] = {}
        self.outcomes: dict[int, list[Outcome]] = {}
        self.remaining: dict[int, int] = {}
        # submission index -> the one whose cases run after its own
        self.graded_next: dict[int, int] = {}
        self.begun: set[int] = set()  # submissions whose first case has run
        self.results: dict[str, results_io.StudentResult] = {}
        self.memo: dict = {}
        self.lessons: list = []
        self.absent: set[tuple[int, str]] = set()  # (submission, lesson id) without a lesson folder
        self.internal_errors: list[str] = []
        self.drawn: dict[int, set[tuple[str, str]]] = {}  # per student, the tests given a figure
        self.fatal: str | None = None
        self._zygote: Zygote | None = None

    def cases_of_absent_lessons(self, items: list[pytest.Item]) -> list[pytest.Item]:
        """The cases of lessons a submission has no folder for: they would all fail alike, so they do not run.

        Records the graded lessons, and which (submission, lesson) pairs are absent; scoring gives
        each exercise of an absent lesson one error outcome instead (``absent_outcomes``).
        """
        cases = [
            (item, item.stash[CASE])
            for item in items
            if CASE in item.stash and item.stash[CASE].student is not None
        ]
        lesson_ids = {case.exercise.lesson for _, case in cases}
        self.lessons = [lesson for lesson in self.course.lessons if lesson.id in lesson_ids]
        graded = [lesson for lesson in self.course.lessons if lesson.id in lesson_ids]
        self.absent = {
            (index, lesson)
            for index, (_, path) in enumerate(self.entries)
            for lesson in lesson_ids - lessons_handed_in(path, graded)
        }
        return [item for item, case in cases if (case.student, case.exercise.lesson) in self.absent]

    def plan(self, items: list[pytest.Item]) -> None:
        for item in items:
            case = item.stash.get(CASE, None)
            if case is not None and case.student is not None:
                self.remaining[case.student] = self.remaining.get(case.student, 0) + 1
        order = list(self.remaining)  # the order in which the submissions' cases run
        self.graded_next = dict(zip(order, order[1:]))

    def absent_outcomes(self, index: int) -> list[Outcome]:
        """One error for each exercise of a graded lesson the submission has no folder for."""
        submission = self.submission(index)
        return [
            Outcome(
                exercise.id,
                "lesson folder",
                exercise.module_path,
                1.0,
                "error",
                submission.problem(exercise) or "",
            )
            for lesson in self.lessons
            if (index, lesson.id) in self.absent
            for exercise in lesson.exercises
        ]

    def submission(self, index: int) -> Submission:
        if index not in self.submissions:
            student, path = self.entries[index]
            self.submissions[index] = load(student, path, self.lessons)
        return self.submissions[index]

    def start_zygote(self) -> None:
        folders = [path.resolve() for _, path in self.entries]
        # the class folder, whole
        classes = {folder.parent for folder in folders} if len(folders) > 1 else set()
        hidden = [
            self.course.root,
            *sorted(classes),
            *(f for f in folders if f.parent not in classes),
        ]
        # The answers wherever they really live: a course's solutions/ or graders/ may be links, and
        # the references are imported from beside this package (graders/grading/reference.py), whose
        # repository holds more copies of them (the sample class, the notebooks' sources).
        answers = {(self.course.root / name).resolve() for name in ("solutions", "graders")} | {
            ROOT
        }
        hidden += sorted(answers - set(hidden))
        if self.results_dir:
            hidden.append(self.results_dir)
        walls = self.config.getoption("child_walls") != "off"
        self._zygote = Zygote(
            self.sandbox_mode,
            hidden=hidden,
            cuda="cuda" in self.devices,
            cgroups=None if walls else False,
            namespaces=walls,
        )

    def zygote(self) -> Zygote:
        if self._zygote is None or not self._zygote.alive():
            self.start_zygote()
        self._zygote.wait_ready()
        return self._zygote

    def worker(self, index: int) -> SubmissionWorker:
        if index not in self.workers:
            self.zygote()  # started (and ready) before the first test, so a harness failure stops the run there
            self.workers[index] = self.make_worker(self.submission(index))
        if index not in self.begun:  # its first case: the next submission's child starts now
            self.begun.add(index)
            self.prepare(self.graded_next.get(index))
        return self.workers[index]

    def prepare(self, index: int | None) -> None:
        """Start the child of the submission graded next, while this one is graded: its fork, walls
        and loading then cost the next submission no waiting (``SubmissionWorker.prepare``).
        At most two children are alive at a time: the one graded and the one prepared.

        Only where each child has namespaces of its own: in a shared PID namespace the code
        graded now could kill the next submission's child, and cost that student points.
        """
        if index is None or index in self.workers or not self.remaining.get(index):
            return
        zygote = self._zygote
        if zygote is None or zygote.pid is None or not zygote.isolation.namespaces:
            return
        if not self.submission(index).files:  # nothing of it can run: no child needed
            return
        worker = self.workers[index] = self.make_worker(self.submission(index))
        try:
            worker.prepare()
        except ZygoteError:
            pass  # the submission's first case meets it again, and stops the run there

    def make_worker(self, submission: Submission) -> SubmissionWorker:
        """The sandboxed worker for one submission (bench/plain_process.py swaps in an unsandboxed one to measure)."""
        return SubmissionWorker(self.zygote, submission, self.course)

    def isolation(self) -> str:
        """What walls stood around each child, in words."""
        if self._zygote is None or self._zygote.pid is None:
            return f"sandbox {self.sandbox_mode} (worker not started)"
        isolation = self._zygote.isolation
        return isolation.describe() + "".join(f"; {problem}" for problem in isolation.problems)

    def figure_of(self, case: Case, excinfo) -> dict | None:
        """The figure of a failed comparison (``WrongValue.figure``), for the first failing case of
        each test function and up to ``FIGURES_PER_STUDENT`` a student; built only then."""
        make = getattr(excinfo.value, "figure", None) if excinfo else None
        drawn = self.drawn.setdefault(case.student, set())
        key = (case.exercise.id, case.function)
        if make is None or key in drawn or len(drawn) >= FIGURES_PER_STUDENT:
            return None
        figure = figures.built(make)
        if figure is not None:
            drawn.add(key)
        return figure

    def record(self, case: Case, outcome: Outcome) -> None:
        self.outcomes.setdefault(case.student, []).append(outcome)

    def case_done(self, index: int) -> None:
        self.remaining[index] -= 1
        if self.remaining[index] == 0:
            self.finish_student(index)

    def finish_student(self, index: int) -> None:
        worker = self.workers.pop(index, None)
        if worker is not None:
            worker.close()
        submission = self.submission(index)
        graded_under = fingerprint.of_grading(
            self.course, submission.fingerprint(), self.lessons, self.devices
        )
        self.drawn.pop(index, None)
        outcomes = self.outcomes.pop(index, []) + self.absent_outcomes(index)
        result = score(self.course, self.lessons, submission.student, outcomes, graded_under)
        result.notes = list(submission.notes)
        if self._zygote is not None and self._zygote.pid is not None:
            result.sandbox = self._zygote.isolation.record()
        self.results[submission.student] = result
        if self.results_dir is not None:
            results_io.write(result, self.results_dir / submission.student / "result.json")
        # What outlives a student (pytest's reports, the results) lives to the end of the run:
        # frozen, it is not scanned again by every later full collection, which otherwise grows
        # with the class.  Garbage cycles not yet collected when a student ends are frozen with
        # it: a few MB in a shard of 200 (docs/measurements.md).
        gc.freeze()

    def finish(self, interrupted: bool) -> None:
        if not interrupted:
            for index in range(len(self.entries)):
                if self.entries[index][0] not in self.results and self.remaining.get(index, 0) == 0:
                    self.finish_student(index)
        for worker in self.workers.values():
            worker.close()
        if self._zygote is not None:
            self._zygote.close()


def _parse_entry(value: str) -> tuple[str, Path]:
    student, sep, path = value.partition("=")
    if not sep:
        path, student = value, Path(value).resolve().name
    if not Path(path).is_dir():
        raise HarnessError(f"--submission {value}: {path} is not a folder")
    return student, Path(path)


# -- fixtures for hidden graders ---------------------------------------------------------------


@pytest.fixture
def _submission():
    pytest.skip("no submission to grade: pass --submission PATH")


# Each fixture pytest sets up for a case costs hooks and bookkeeping, and pytest 9 builds a
# request object for every ``request`` argument it resolves, twice per fixture.  The fixtures
# below read the case from the item's stash instead of depending on each other, so that
# ``exercise``, ``seed`` and ``course`` are set up only for the cases that ask for them.


def _course(request) -> Course:
    session = request.config.stash.get(SESSION, None)
    return session.course if session else request.getfixturevalue("course")


def _case(request) -> Case:
    case = request.node.stash.get(CASE, None)
    if case is None:
        raise pytest.UsageError(
            f"{request.node.nodeid}: hidden tests need @pytest.mark.exercise('lessonN.entry')"
        )
    return case


def _seed(request) -> int:
    case = request.node.stash.get(CASE, None)
    return seed_for(case.inputs if case else request.node.nodeid)


@pytest.fixture(scope="session")
def course(request) -> Course:
    session = request.config.stash.get(SESSION, None)
    return session.course if session else load_course(request.config.getoption("course"))


@pytest.fixture
def exercise(request) -> Exercise:
    return _case(request).exercise


@pytest.fixture
def seed(request) -> int:
    return _seed(request)


@pytest.fixture
def gen(request, device) -> Inputs:
    return Inputs(_seed(request), device)


@pytest.fixture
def expect(request) -> Expect:
    return Expect(_course(request), _case(request).exercise)


@pytest.fixture
def memo(request):
    """``memo("name", compute)``: ``compute()`` once per test case and name, shared by every student.

    The name, not the order of the calls, picks the value: a ``memo`` inside a branch that
    depends on a student's answer still gets its own computation's value.
    """
    session = request.config.stash.get(SESSION, None)
    cache = session.memo if session else {}
    case = request.node.stash.get(CASE, None)
    key = case.case_id if case else request.node.nodeid

    used: set[str] = set()  # by this student's run of the case

    def get(name: str, compute=None):
        if not isinstance(name, str) or not callable(compute):
            raise TypeError(
                f"{key}: memo takes a name and a function: memo('reference', lambda: ...)"
            )
        if name in used:  # a helper called twice in one case would get its first value again
            raise TypeError(
                f"{key}: memo({name!r}) is asked twice in one case: give each its own name"
            )
        used.add(name)
        slot = (key, name)
        if slot not in cache:
            cache[slot] = compute()
        return cache[slot]

    return get


@pytest.fixture
def student(request, _submission, device) -> Student:
    session: GradingSession = request.config.stash[SESSION]
    exercise = _case(request).exercise
    try:
        worker = session.worker(_submission)
    except ZygoteError as exc:  # the harness, not the student: stop before anyone gets a grade
        session.fatal = str(exc)
        pytest.exit(f"cannot grade: {exc}", returncode=pytest.ExitCode.INTERNAL_ERROR)
    worker.printed.clear()
    course = _course(request)
    return Student(
        worker,
        exercise,
        device,
        _seed(request),
        explain=lambda failure, args, kwargs, wrt: failing_alike(
            _catalogue_mistakes(course, exercise), failure, args, kwargs, wrt
        ),
    )


def _catalogue_mistakes(course: Course, exercise: Exercise) -> list:
    """The exercise's catalogue mistakes; none for a course whose graders keep no catalogue."""
    try:
        return mistakes_of(course, exercise)
    except ImportError:
        return []
