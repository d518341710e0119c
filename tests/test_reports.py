"""Reports for people: feedback pages, the class page with plots, Gradescope files, all from result.json."""

import csv
import html
import html.parser
import json
import os
import re
import shutil
import subprocess
import urllib.parse

import pytest
from conftest import run_cli


def test_every_student_gets_markdown_html_and_gradescope_feedback(graded_class):
    for student, result in graded_class.results.items():
        folder = graded_class.out / student
        assert (folder / "feedback.md").read_text().startswith(f"# Feedback for {student}")
        page = (folder / "feedback.html").read_text()
        assert page.startswith("<!doctype html>") and f"Feedback for {student}" in page
        gradescope = json.loads((folder / "gradescope.json").read_text())
        assert gradescope["score"] == result.score
        visible = [t for t in gradescope["tests"] if t["visibility"] == "visible"]
        assert [t["name"] for t in visible] == [e.id for e in result.exercises]
        assert sum(t["score"] for t in gradescope["tests"]) == pytest.approx(result.score)
        assert all(
            set(t) >= {"name", "score", "max_score", "status", "output"}
            for t in gradescope["tests"]
        )


def test_gradescope_shows_scores_at_once_and_expected_values_when_published(graded_class):
    """course.toml's [gradescope] details (default after_published), in every results.json."""
    gradescope = json.loads(
        (graded_class.out / "mutant-lesson1-mse_sum_for_mean" / "gradescope.json").read_text()
    )
    tests = {t["name"]: t for t in gradescope["tests"]}
    mse, details = tests["lesson1.mse"], tests["lesson1.mse: details"]
    assert mse["visibility"] == "visible" and mse["score"] < mse["max_score"]
    assert "got " not in mse["output"] and "when grades are published" in mse["output"]
    assert details["visibility"] == "after_published" and details["max_score"] == 0
    assert "got " in details["output"]


def test_gradescope_output_names_the_mistake(graded_class):
    gradescope = json.loads(
        (graded_class.out / "mutant-lesson1-mse_sum_for_mean" / "gradescope.json").read_text()
    )
    mse = next(t for t in gradescope["tests"] if t["name"] == "lesson1.mse: details")
    assert mse["status"] == "failed" and "the sum instead of the mean" in mse["output"]


def test_class_report_has_plots_and_links_to_every_student(graded_class):
    page = (graded_class.out / "report.html").read_text()
    # scores, exercises, mistakes to reteach, and every pair's similarity
    assert page.count("data:image/png;base64,") == 4
    # the students' table scrolls inside its own box (dozens of exercise columns), totals first
    assert "<div class='students'><table>" in page
    assert (
        "<th rowspan='2' class='student'>student</th><th rowspan='2' class='num'>total</th>" in page
    )
    for student in graded_class.results:
        assert f"href='{urllib.parse.quote(student, safe='')}/feedback.html'" in page


def test_class_report_ranks_the_catalogue_mistakes_students_made(graded_class):
    from graders.reports.classpage import mistake_counts

    ranked = mistake_counts(list(graded_class.results.values()))
    counts = [n for _, _, n in ranked]
    assert counts == sorted(counts, reverse=True)
    made = {(exercise, name) for exercise, name, _ in ranked}
    for (
        mutant
    ) in graded_class.mutants:  # each mutant is one catalogue mistake, and is recognised as it
        assert (mutant.exercise, mutant.mistake.name) in made, mutant.student
    page = (graded_class.out / "report.html").read_text()
    assert "Mistakes to reteach" in page and "the sum instead of the mean" in page
    most_often = {}
    for exercise, name, n in ranked:
        most_often.setdefault(exercise, (name, n))
    for exercise, (
        name,
        n,
    ) in most_often.items():  # each exercise's row names its most common mistake
        row = page.split(f"<tr><td>{exercise}</td>", 1)[1].split("</tr>", 1)[0]
        graded = [r.exercise(exercise) for r in graded_class.results.values()]
        lost = sum(g is not None and g.score < g.max_score for g in graded)
        assert f"<td>{html.escape(name)}: {n} of {lost} student" in row, exercise
        assert n <= lost


def test_class_table_has_a_row_per_student_and_a_column_per_exercise(graded_class, course):
    rows = list(csv.DictReader((graded_class.out / "class.csv").open()))
    assert sorted(r["student"] for r in rows) == sorted(graded_class.results)
    assert set(rows[0]) == {"student", "total", "max_score", *(e.id for e in course.exercises)}


def test_gradescope_file_for_a_single_submission(tmp_path):
    target = tmp_path / "autograder" / "results" / "results.json"
    run_cli(
        "grade",
        "samples/class/ben",
        "--out",
        str(tmp_path / "out"),
        "--gradescope",
        str(target),
        "--quiet",
    )
    assert (
        json.loads(target.read_text())["score"]
        == json.loads((tmp_path / "out" / "ben" / "result.json").read_text())["score"]
    )


def test_each_result_records_the_sandbox_that_graded_it(graded_class):
    from graders.host.sandbox import bubblewrap_problem

    reference = graded_class.results["reference"]
    assert set(reference.sandbox) == {"mode", "namespaces", "cgroups", "user", "full"}
    if bubblewrap_problem() is None:
        assert reference.sandbox["mode"] == "bwrap" and reference.sandbox["full"] is True
        assert (
            "graded without the full sandbox" not in (graded_class.out / "report.html").read_text()
        )


def test_class_report_warns_about_students_graded_without_the_full_sandbox(graded_class, course):
    import dataclasses

    from graders.reports.classpage import render_class_page

    results = list(graded_class.results.values())
    weak = dataclasses.replace(
        results[0],
        sandbox={
            "mode": "none",
            "namespaces": False,
            "cgroups": "",
            "user": "nobody",
            "full": False,
        },
    )
    page = render_class_page(course, course.lessons, [weak, *results[1:]])
    assert (
        "1 student(s) were graded without the full sandbox (sandbox none, no namespaces, as nobody)"
        in page
    )
    assert (
        html.escape(weak.student)
        in page.split("graded without the full sandbox")[1].split("</p>")[0]
    )


def test_failures_are_counted_by_distinct_mistake_not_by_inputs(course):
    """One mistake on many inputs is one kind of failure, whatever shapes its messages describe."""
    from graders.grading.results import CaseResult, ExerciseResult
    from graders.reports.feedback import section

    named = "\nThis looks like the sum instead of the mean: divide"
    tests = [
        CaseResult(
            f"test_mse_values[{shape}-{dtype}]", 0, 1, "failed", f"mse({shape}): 3 differ" + named
        )
        for shape in ("2x3", "4x1", "5x5x2")
        for dtype in ("float32", "float64")
    ]
    tests += [
        CaseResult("test_mse_gradients[2x3]", 0, 1, "failed", "gradient of mse: 6 differ" + named),
        CaseResult("test_mse_raises[a]", 0, 1, "failed", "returned instead of raising ValueError"),
        CaseResult("test_mse_raises[b]", 0, 1, "failed", "returned instead of raising ValueError"),
        CaseResult("test_mse_odd[1]", 0, 1, "error", "raised RuntimeError: shape (1,)"),
        CaseResult("test_mse_odd[2]", 0, 1, "error", "raised RuntimeError: shape (2,)"),
        CaseResult("test_mse_default", 1, 1, "passed"),
    ]
    changed = "mse changed its input `input` in place"
    tests += [CaseResult(f"test_mse_{kind}", 0, 1, "failed", changed) for kind in ("a", "b", "c")]
    found = section(course, ExerciseResult("lesson1.mse", 1, 15, tests))
    assert [f.similar for f in found.failures] == [6, 1, 1, 2]
    assert found.more_kinds == 0


# A class written straight from made-up results (no grading): fast, and free to use folder
# names that grading a real class would take minutes to reach.
ODD_NAMES = (
    "ann #1 100%",  # "#" starts a fragment, "%" an escape
    "Zoë Ångström?x=1",  # non-ASCII, and "?" starts a query
    "javascript:alert(1)",  # a scheme, were the colon left as it is
    "mutant-lesson1-binary_cross_entropy_with_logits_naive",
    "ada",
)
SHARES = (1.0, 0.5776, 0.0, 0.1104, 0.738, 1.0, 0.9)  # of an exercise's points, in turn


def made_up_class(lessons, students=ODD_NAMES):
    from graders.grading.results import CaseResult, ExerciseResult, StudentResult

    exercises = [exercise for lesson in lessons for exercise in lesson.exercises]
    results = []
    for i, student in enumerate(students):
        graded = []
        for j, exercise in enumerate(exercises):
            score = round(exercise.points * SHARES[(3 * i + j) % len(SHARES)], 4)
            tests = [CaseResult(f"test_{exercise.entry}_values[4x3]", score, score, "passed")]
            if score < exercise.points:
                tests.append(
                    CaseResult(
                        f"test_{exercise.entry}_values[2x5]",
                        0.0,
                        exercise.points - score,
                        "failed" if score else "error",
                        f"{exercise.entry}(...): 3 of 10 elements differ\n"
                        "This looks like the sum instead of the mean: divide by the count",
                        failure="wrong_value" if score else "raised",
                    )
                )
            graded.append(ExerciseResult(exercise.id, score, exercise.points, tests))
        results.append(
            StudentResult(
                student,
                sum(g.score for g in graded),
                sum(e.points for e in exercises),
                graded,
            )
        )
    return results


class Links(html.parser.HTMLParser):
    """Every href and id of a page."""

    def __init__(self, text: str):
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "href" in attrs:
            self.hrefs.append(attrs["href"])
        if "id" in attrs:
            self.ids.add(attrs["id"])


def test_every_link_the_reports_write_leads_where_it_says(tmp_path, course):
    """Folder names with "#", "%", "?", ":", spaces or non-ASCII letters are escaped in links."""
    from graders.reports.report import write_reports

    results = made_up_class(course.lessons[:1])
    write_reports(course, list(course.lessons[:1]), results, tmp_path)
    linked = set()
    for page in tmp_path.rglob("*.html"):
        links = Links(page.read_text(encoding="utf-8"))
        for href in links.hrefs:
            assert href.isascii() and " " not in href, (page, href)
            parts = urllib.parse.urlsplit(href)
            assert not parts.scheme and not parts.netloc and not parts.query, (page, href)
            if parts.path:
                target = page.parent / urllib.parse.unquote(parts.path)
                assert target.is_file(), (page, href)
                linked.add(target.relative_to(tmp_path).as_posix())
            if parts.fragment:
                target_ids = Links(target.read_text()).ids if parts.path else links.ids
                assert urllib.parse.unquote(parts.fragment) in target_ids, (page, href)
    assert {f"{r.student}/feedback.html" for r in results} <= linked


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_every_output_file_gets_the_same_mode(tmp_path, course, umask):
    """result.json is written through a temporary file, the reports straight: each is as the
    umask of the moment says, not one of them private (mkstemp) or as the umask once was."""
    from graders.grading import results as results_io
    from graders.reports.gradescope import write_gradescope
    from graders.reports.report import write_reports

    results = made_up_class(course.lessons[:1], ["ada", "ben"])
    before = os.umask(umask)
    try:
        for result in results:
            results_io.write(result, tmp_path / result.student / "result.json")
        write_reports(course, list(course.lessons[:1]), results, tmp_path)
        write_gradescope(course, results[0], tmp_path / "autograder" / "results" / "results.json")
    finally:
        os.umask(before)
    modes = {
        p.relative_to(tmp_path).as_posix(): oct(p.stat().st_mode & 0o777)
        for p in tmp_path.rglob("*")
        if p.is_file()
    }
    assert {
        "ada/result.json",
        "ada/feedback.md",
        "ada/feedback.html",
        "ada/gradescope.json",
        "class.csv",
        "report.html",
        "autograder/results/results.json",
    } <= set(modes)
    assert set(modes.values()) == {oct(0o666 & ~umask)}, modes


def test_a_graded_class_has_one_file_mode(graded_class):
    """Whatever grading writes into OUT (results, reports, logs, the lock) shares one mode."""
    umask = os.umask(0)
    os.umask(umask)
    out = graded_class.out
    files = [p for p in out.rglob("*") if p.is_file()]
    modes = {p.relative_to(out).as_posix(): oct(p.stat().st_mode & 0o777) for p in files}
    assert set(modes.values()) == {oct(0o666 & ~umask)}, modes


MEASURE = """<script>
const box = document.querySelector('.students') || {scrollWidth: null, clientWidth: null};
document.body.dataset.measured = JSON.stringify({
  window: window.innerWidth,
  page: document.documentElement.scrollWidth,
  pageClient: document.documentElement.clientWidth,
  box: box.scrollWidth,
  boxClient: box.clientWidth,
});
</script></body>"""


def measured_in_chromium(page, tmp_path, script: str = MEASURE) -> dict:
    """How wide ``page`` lays out in headless Chromium at 1280 px: the window, the page, and
    the students' table's box (``.students``, None where there is none), each as scrollWidth
    and clientWidth; or what another ``script`` puts in ``body.dataset.measured``."""
    chromium = next(
        (
            shutil.which(n)
            for n in ("chromium", "chromium-browser", "google-chrome")
            if shutil.which(n)
        ),
        None,
    )
    if chromium is None:
        pytest.skip("no chromium to lay the page out in (./dev installs it with apt-get)")
    copy = page.with_name(f"measured-{page.name}")
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", script), encoding="utf-8")
    process = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--window-size=1280,900",
            "--dump-dom",
            copy.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'data-measured="([^"]*)"', process.stdout)
    assert found, (
        f"chromium measured nothing (exit {process.returncode}):\n{process.stderr[-2000:]}"
    )
    measured = json.loads(html.unescape(found.group(1)))
    assert measured["window"] == 1280, measured
    return measured


def test_the_students_table_of_one_lesson_fits_a_1280_px_window(tmp_path, course):
    from graders.reports.classpage import write_class_page

    lessons = list(course.lessons[:1])
    write_class_page(course, lessons, made_up_class(lessons), tmp_path / "report.html")
    measured = measured_in_chromium(tmp_path / "report.html", tmp_path)
    assert measured["box"] is not None, "the students' table is in no box of class 'students'"
    assert measured["box"] <= measured["boxClient"], measured  # the table needs no scrolling
    assert measured["page"] <= measured["pageClient"], measured  # nor does the page


def test_the_students_table_of_every_lesson_scrolls_inside_the_page(tmp_path, course):
    from graders.reports.classpage import write_class_page

    lessons = list(course.lessons)
    write_class_page(course, lessons, made_up_class(lessons), tmp_path / "report.html")
    measured = measured_in_chromium(tmp_path / "report.html", tmp_path)
    assert measured["box"] is not None, "the students' table is in no box of class 'students'"
    assert measured["box"] > measured["boxClient"], measured  # dozens of columns: it scrolls
    assert measured["page"] <= measured["pageClient"], measured  # within its box, not the page


def test_a_feedback_page_with_long_unbroken_output_fits_a_1280_px_window(tmp_path, course):
    """What a student's code printed can be one long word (a tensor's repr, a path): it wraps."""
    import dataclasses

    from graders.reports.feedback import write_feedback

    result = made_up_class(course.lessons[:1], ["ann #1 100%"])[0]
    failing = next(e for e in result.exercises if e.score < e.max_score)
    case = failing.tests[-1]
    failing.tests[-1] = dataclasses.replace(
        case,
        name=case.name + "_" * 150,
        message=case.message + "\nYour code printed:\n" + "9" * 400,
    )
    write_feedback(course, result, tmp_path)
    page = (tmp_path / "feedback.html").read_text()
    assert "`" not in page.split("<hr>")[1]  # the footer's Markdown code is marked up
    measured = measured_in_chromium(tmp_path / "feedback.html", tmp_path)
    assert measured["page"] <= measured["pageClient"], measured
