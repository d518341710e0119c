"""A broken course.toml gives one clear line naming the file, the line and the key; the CLI exits 2."""

import re

import pytest
from conftest import run_cli

from graders.course.errors import CourseError
from graders.course.model import COURSE_FILE, load_course

GOOD = COURSE_FILE.read_text()

BROKEN = {
    "points-not-a-number": (
        ('points = 5\nsummary = "Mean', 'points = "five"\nsummary = "Mean'),
        r"course\.toml:\d+: lesson1\.mse: 'points' must be a positive number",
    ),
    "typo-in-key": (
        ('entry = "cross_entropy"', 'entri = "cross_entropy"'),
        r"course\.toml:\d+: unknown key 'entri'",
    ),
    "negative-tolerance": (
        ("cpu = { rtol = 1e-5, atol = 1e-6 }", "cpu = { rtol = -1, atol = 1e-6 }"),
        r"course\.toml:\d+: \[tolerances\]\.float32\.cpu: 'rtol'",
    ),
    "bad-module-name": (
        ('module = "selection"', 'module = "sel-ection"'),
        r"course\.toml:\d+: lesson1\.\w+: 'module' has an invalid value",
    ),
    "toml-syntax": (
        ("[[lesson.exercise]]", "[[lesson.exercise]"),
        r"course\.toml: not valid TOML: .*line \d+",
    ),
    "duplicate-entry": (
        ('entry = "binary_cross_entropy"\n', 'entry = "mse"\n'),
        r"course\.toml:\d+: exercise 'lesson1\.mse' is defined twice",
    ),
    "similarity-threshold-over-one": (
        ("threshold = 0.6", "threshold = 60"),
        r"course\.toml:\d+: \[similarity\]: 'threshold' is a share of the code, from 0 to 1, got 60",
    ),
    "similarity-min-match-not-an-integer": (
        ("min_match = 20", "min_match = 2.5"),
        r"course\.toml:\d+: \[similarity\]: 'min_match' must be a positive integer, got 2\.5",
    ),
    "similarity-unknown-key": (
        ("common = 10", "comon = 10"),
        r"course\.toml:\d+: unknown key 'comon' in \[similarity\]",
    ),
    "bad-forbidden": (
        ('forbidden = ["torch.nn.functional.cross_entropy"', 'forbidden = ["not a name"'),
        r"'forbidden' must be a list of dotted names",
    ),
}


def write_broken(tmp_path, case):
    (old, new), _ = BROKEN[case]
    assert old in GOOD, f"the test's anchor {old!r} is no longer in course.toml"
    path = tmp_path / "course.toml"
    path.write_text(GOOD.replace(old, new, 1))
    return path


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_course_toml_names_the_line_and_key(tmp_path, case):
    path = write_broken(tmp_path, case)
    with pytest.raises(CourseError) as error:
        load_course(path)
    message = str(error.value)
    assert re.search(BROKEN[case][1], message), message
    assert "\n" not in message


def test_reported_line_points_at_the_broken_key(tmp_path):
    path = write_broken(tmp_path, "points-not-a-number")
    with pytest.raises(CourseError) as error:
        load_course(path)
    line = int(re.search(r"course\.toml:(\d+)", str(error.value)).group(1))
    assert 'points = "five"' in path.read_text().splitlines()[line - 1]


def test_cli_reports_a_broken_course_in_one_line(tmp_path):
    path = write_broken(tmp_path, "typo-in-key")
    process = run_cli(
        "grade", "samples/class", "--out", str(tmp_path / "out"), "--course", str(path), check=False
    )
    assert process.returncode == 2
    assert process.stderr.strip().count("\n") == 0 and process.stderr.startswith(
        "error: course.toml:"
    )
    assert "Traceback" not in process.stderr


def test_missing_course_file_is_one_line(tmp_path):
    process = run_cli("build", "--check", "--course", str(tmp_path / "nowhere.toml"), check=False)
    assert (
        process.returncode == 2
        and "file not found" in process.stderr
        and "Traceback" not in process.stderr
    )
