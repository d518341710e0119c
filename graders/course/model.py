"""course.toml: the typed description of lessons and exercises, validated on load."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from graders.course.errors import CourseError

ROOT = Path(__file__).resolve().parents[2]  # the repository: course.toml, graders/, solutions/
COURSE_FILE = ROOT / "course.toml"

DTYPES = ("float32", "float64")
# When Gradescope shows students a test (its "visibility"): [gradescope] details
GRADESCOPE_VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
DEVICES = ("cpu", "cuda")
_LESSON_ID = re.compile(r"lesson[0-9]+\Z")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_FORBIDDEN = re.compile(
    r"(aten::[a-z_0-9]+|autograd|[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+)\Z"
)


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float


@dataclass(frozen=True)
class Limits:
    """Resources one submission's worker may use."""

    memory_mb: int = 3072
    processes: int = 64
    output_kb: int = 256
    cpu_seconds: int = 300


@dataclass(frozen=True)
class Similarity:
    """[similarity]: when two submissions' code is listed as too alike (graders/reports/similarity.py)."""

    threshold: float = 0.6  # a pair is listed when its score (0 to 1) reaches this
    min_match: int = 20  # tokens: shorter common runs never count (the noise threshold)
    window: int = (
        8  # winnowing window: common runs of min_match + window - 1 tokens are always found
    )
    common: int = 10  # a passage that more submissions than this share is common code, not a copy


@dataclass(frozen=True)
class Exercise:
    lesson: str
    entry: str
    module: str
    points: float
    timeout: float
    summary: str = ""
    forbidden: tuple[str, ...] = ()
    tolerances: dict[tuple[str, str], Tolerance] = field(
        default_factory=dict, hash=False, compare=False
    )

    @property
    def id(self) -> str:
        return f"{self.lesson}.{self.entry}"

    @property
    def module_name(self) -> str:
        """The dotted import name inside a submission, e.g. ``lesson1.losses``."""
        return f"{self.lesson}.{self.module}"

    @property
    def module_path(self) -> str:
        """The file inside a submission, e.g. ``lesson1/losses.py``."""
        return f"{self.lesson}/{self.module}.py"


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    exercises: tuple[Exercise, ...]

    @property
    def modules(self) -> tuple[str, ...]:
        """Module names in the order their first exercise appears."""
        return tuple(dict.fromkeys(e.module for e in self.exercises))

    @property
    def points(self) -> float:
        return sum(e.points for e in self.exercises)


@dataclass(frozen=True)
class Course:
    root: Path
    title: str
    timeout: float
    import_timeout: float
    limits: Limits
    tolerances: dict[tuple[str, str], Tolerance]
    lessons: tuple[Lesson, ...]
    file: Path | None = None  # the course.toml this was read from
    # [gradescope] details: when Gradescope shows students what each exercise's failures were
    # (the expected values, the mistakes named); the scores are shown at once (docs/gradescope.md)
    gradescope_details: str = "after_published"
    similarity: Similarity = Similarity()

    @property
    def exercises(self) -> tuple[Exercise, ...]:
        return tuple(e for lesson in self.lessons for e in lesson.exercises)

    def lesson(self, lesson_id: str) -> Lesson:
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        known = ", ".join(lesson.id for lesson in self.lessons)
        raise CourseError(f"unknown lesson {lesson_id!r}: course.toml defines {known}")

    def exercise(self, exercise_id: str) -> Exercise:
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        raise CourseError(f"unknown exercise {exercise_id!r}: it is not in course.toml")

    def tolerance(self, dtype: str, device: str, exercise: Exercise | None = None) -> Tolerance:
        """The tolerance for a dtype on a device: "cpu" for the CPU, "cuda" for any accelerator."""
        device = "cpu" if device.split(":")[0] == "cpu" else "cuda"
        if exercise is not None and (dtype, device) in exercise.tolerances:
            return exercise.tolerances[(dtype, device)]
        return self.tolerances[(dtype, device)]

    def solution_file(self, exercise: Exercise) -> Path:
        return self.root / "solutions" / exercise.module_path

    def grader_file(self, lesson: str, module: str) -> Path:
        return self.root / "graders" / lesson / f"test_{module}.py"


def _is_course_tree(folder: Path) -> bool:
    return (folder / "graders" / "pytest.ini").is_file() and (folder / "solutions").is_dir()


def load_course(path: Path | str = COURSE_FILE) -> Course:
    """Read and validate course.toml; every problem raises one CourseError naming key and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CourseError(
            f"{path}: file not found; give the path of a course.toml (the course's is at the "
            "repository root)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseError(f"{path}: cannot be read ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{path}: not valid TOML: {exc}; fix the syntax at that line") from None
    return _Parser(path, text).course(data)


class _Parser:
    """Turns parsed TOML into a Course, locating every key it complains about."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.lines = _key_lines(text)

    def fail(self, where: tuple, message: str) -> CourseError:
        line = self.lines.get(where) or self.lines.get(where[:-1])
        location = f"{self.path.name}:{line}" if line else self.path.name
        return CourseError(f"{location}: {message}")

    def table(self, value, where: tuple, name: str, known: set[str]) -> dict:
        if not isinstance(value, dict):
            raise self.fail(where, f"{name} must be a table")
        for key in value:
            if key not in known:
                raise self.fail(
                    where + (key,),
                    f"unknown key {key!r} in {name}; known keys: {', '.join(sorted(known))}",
                )
        return value

    def number(
        self, table: dict, key: str, where: tuple, name: str, default=None, *, integer=False
    ):
        value = table.get(key, default)
        if value is None:
            raise self.fail(where, f"{name}: missing key {key!r}")
        ok = isinstance(value, int if integer else (int, float)) and not isinstance(value, bool)
        if not ok or value <= 0:
            kind = "a positive integer" if integer else "a positive number"
            raise self.fail(where + (key,), f"{name}: {key!r} must be {kind}, got {value!r}")
        return value

    def string(
        self, table: dict, key: str, where: tuple, name: str, pattern=None, default=None
    ) -> str:
        value = table.get(key, default)
        if value is None:
            raise self.fail(where, f"{name}: missing key {key!r}")
        if not isinstance(value, str) or (pattern is not None and not pattern.match(value)):
            raise self.fail(where + (key,), f"{name}: {key!r} has an invalid value {value!r}")
        return value

    def root(self, head: dict) -> Path:
        """The folder with the course's solutions/ and graders/: ``root`` (relative to this file),
        else this file's own folder when it holds either (a course being written may have only
        solutions/ yet), else the repository this package is in."""
        beside = self.path.resolve().parent
        if "root" not in head:
            own = (beside / "solutions").is_dir() or (beside / "graders").is_dir()
            return beside if own else ROOT
        value = self.string(head, "root", ("course",), "[course]")
        root = (beside / Path(value).expanduser()).resolve()
        if not _is_course_tree(root):
            raise self.fail(
                ("course", "root"),
                f"[course]: root {value!r} ({root}) holds no graders/pytest.ini and solutions/; "
                "give the folder of the course's repository, relative to this file",
            )
        return root

    def tolerances(self, value, where: tuple, name: str) -> dict[tuple[str, str], Tolerance]:
        table = self.table(value, where, name, set(DTYPES))
        result = {}
        for dtype, per_device in table.items():
            per_device = self.table(per_device, where + (dtype,), f"{name}.{dtype}", set(DEVICES))
            for device, tol in per_device.items():
                here = where + (dtype, device)
                tol = self.table(tol, here, f"{name}.{dtype}.{device}", {"rtol", "atol"})
                values = {}
                for key in ("rtol", "atol"):
                    v = tol.get(key)
                    if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
                        raise self.fail(
                            here,
                            f"{name}.{dtype}.{device}: {key!r} must be a number >= 0, got {v!r}",
                        )
                    values[key] = float(v)
                result[(dtype, device)] = Tolerance(**values)
        return result

    def course(self, data: dict) -> Course:
        self.table(
            data,
            (),
            "course.toml",
            {"course", "limits", "tolerances", "lesson", "gradescope", "similarity"},
        )
        head = self.table(
            data.get("course", {}),
            ("course",),
            "[course]",
            {"title", "timeout", "import_timeout", "root"},
        )
        root = self.root(head)
        timeout = float(self.number(head, "timeout", ("course",), "[course]", 10.0))
        import_timeout = float(self.number(head, "import_timeout", ("course",), "[course]", 20.0))
        title = self.string(head, "title", ("course",), "[course]", default="Course")

        raw_limits = self.table(
            data.get("limits", {}), ("limits",), "[limits]", set(Limits.__dataclass_fields__)
        )
        limits = Limits(
            **{
                key: self.number(raw_limits, key, ("limits",), "[limits]", integer=True)
                for key in raw_limits
            }
        )

        tolerances = self.tolerances(data.get("tolerances", {}), ("tolerances",), "[tolerances]")
        for dtype in DTYPES:
            for device in DEVICES:
                if (dtype, device) not in tolerances:
                    raise self.fail(("tolerances",), f"[tolerances]: missing {dtype}.{device}")

        lessons_data = data.get("lesson", [])
        if not isinstance(lessons_data, list) or not lessons_data:
            raise self.fail(("lesson",), "course.toml must define at least one [[lesson]]")
        lessons, seen_lessons = [], set()
        for i, raw in enumerate(lessons_data):
            where = ("lesson", i)
            raw = self.table(raw, where, f"lesson #{i + 1}", {"id", "title", "exercise"})
            lesson_id = self.string(raw, "id", where, f"lesson #{i + 1}", _LESSON_ID)
            if lesson_id in seen_lessons:
                raise self.fail(where + ("id",), f"lesson {lesson_id!r} is defined twice")
            seen_lessons.add(lesson_id)
            lesson_title = self.string(raw, "title", where, lesson_id, default=lesson_id)
            exercises = self.exercises(raw.get("exercise", []), where, lesson_id, timeout)
            lessons.append(Lesson(lesson_id, lesson_title, exercises))
        return Course(
            root,
            title,
            timeout,
            import_timeout,
            limits,
            tolerances,
            tuple(lessons),
            self.path.resolve(),
            self.gradescope(data.get("gradescope", {})),
            self.similarity(data.get("similarity", {})),
        )

    def gradescope(self, value) -> str:
        """[gradescope] details: one of Gradescope's visibilities."""
        table = self.table(value, ("gradescope",), "[gradescope]", {"details"})
        details = table.get("details", "after_published")
        if details not in GRADESCOPE_VISIBILITIES:
            raise self.fail(
                ("gradescope", "details"),
                f"[gradescope]: 'details' must be one of "
                f"{', '.join(repr(v) for v in GRADESCOPE_VISIBILITIES)}, got {details!r}",
            )
        return details

    def similarity(self, value) -> Similarity:
        where = ("similarity",)
        table = self.table(value, where, "[similarity]", set(Similarity.__dataclass_fields__))
        default = Similarity()
        threshold = self.number(table, "threshold", where, "[similarity]", default.threshold)
        if threshold > 1:
            raise self.fail(
                where + ("threshold",),
                f"[similarity]: 'threshold' is a share of the code, from 0 to 1, got {threshold!r}",
            )
        counts = {
            key: self.number(table, key, where, "[similarity]", getattr(default, key), integer=True)
            for key in ("min_match", "window", "common")
        }
        return Similarity(float(threshold), **counts)

    def exercises(
        self, items, where: tuple, lesson_id: str, default_timeout: float
    ) -> tuple[Exercise, ...]:
        if not isinstance(items, list) or not items:
            raise self.fail(where, f"lesson {lesson_id!r} has no [[lesson.exercise]]")
        known = {"entry", "module", "points", "timeout", "summary", "forbidden", "tolerances"}
        exercises, seen = [], set()
        for j, raw in enumerate(items):
            here = where + ("exercise", j)
            name = f"{lesson_id} exercise #{j + 1}"
            raw = self.table(raw, here, name, known)
            entry = self.string(raw, "entry", here, name, _IDENTIFIER)
            name = f"{lesson_id}.{entry}"
            if entry in seen:
                raise self.fail(here + ("entry",), f"exercise {name!r} is defined twice")
            seen.add(entry)
            module = self.string(raw, "module", here, name, _IDENTIFIER)
            points = float(self.number(raw, "points", here, name))
            timeout = float(self.number(raw, "timeout", here, name, default_timeout))
            summary = self.string(raw, "summary", here, name, default="")
            forbidden = raw.get("forbidden", [])
            if not isinstance(forbidden, list) or not all(
                isinstance(f, str) and _FORBIDDEN.match(f) for f in forbidden
            ):
                raise self.fail(
                    here + ("forbidden",),
                    f"{name}: 'forbidden' must be a list of dotted names ('torch.nn.functional.mse_loss'), "
                    "aten operators ('aten::mse_loss') or 'autograd'",
                )
            tolerances = self.tolerances(
                raw.get("tolerances", {}), here + ("tolerances",), f"{name}.tolerances"
            )
            exercises.append(
                Exercise(
                    lesson_id, entry, module, points, timeout, summary, tuple(forbidden), tolerances
                )
            )
        return tuple(exercises)


_HEADER = re.compile(r"\s*(\[\[?)\s*([A-Za-z0-9_.\"-]+)\s*\]\]?")
_KEY = re.compile(r"\s*([A-Za-z0-9_-]+|\"[^\"]*\")\s*=")


def _key_lines(text: str) -> dict[tuple, int]:
    """Map key paths such as ('lesson', 0, 'exercise', 2, 'points') to 1-based line numbers.

    tomllib reports no positions for valid-but-wrong values, so this scans the text for
    table headers and ``key =`` lines, counting array-of-tables entries the same way TOML does.
    """
    lines: dict[tuple, int] = {}
    counters: dict[tuple, int] = {}
    current: tuple = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            parts = tuple(header.group(2).replace('"', "").split("."))
            if header.group(1) == "[[":
                # An array table: [[lesson.exercise]] is entry N of the current lesson.
                parent = _resolve(parts[:-1], counters)
                key = parent + (parts[-1],)
                counters[key] = counters.get(key, -1) + 1
                for stale in [k for k in counters if len(k) > len(key) and k[: len(key)] == key]:
                    del counters[stale]
                current = key + (counters[key],)
            else:
                current = _resolve(parts, counters)
            lines.setdefault(current, number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault(current + (key.group(1).strip('"'),), number)
    return lines


def _resolve(parts: tuple, counters: dict[tuple, int]) -> tuple:
    """Insert the current index after each array-of-tables name in a dotted table path."""
    resolved: tuple = ()
    for part in parts:
        resolved += (part,)
        if resolved in counters:
            resolved += (counters[resolved],)
    return resolved
