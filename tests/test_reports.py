"""Reports for people: feedback pages, the class page with plots, Gradescope files, all from result.json."""

import csv
import html
import json

from conftest import run_cli


def test_every_student_gets_markdown_html_and_gradescope_feedback(graded_class):
    for student, result in graded_class.results.items():
        folder = graded_class.out / student
        assert (folder / "feedback.md").read_text().startswith(f"# Feedback for {student}")
        page = (folder / "feedback.html").read_text()
        assert page.startswith("<!doctype html>") and f"Feedback for {student}" in page
        gradescope = json.loads((folder / "gradescope.json").read_text())
        assert gradescope["score"] == result.score
        assert [t["name"] for t in gradescope["tests"]] == [e.id for e in result.exercises]
        assert all(
            set(t) >= {"name", "score", "max_score", "status", "output"}
            for t in gradescope["tests"]
        )


def test_gradescope_output_names_the_mistake(graded_class):
    gradescope = json.loads(
        (graded_class.out / "mutant-lesson1-mse_sum_for_mean" / "gradescope.json").read_text()
    )
    mse = next(t for t in gradescope["tests"] if t["name"] == "lesson1.mse")
    assert mse["status"] == "failed" and "the sum instead of the mean" in mse["output"]


def test_class_report_has_plots_and_links_to_every_student(graded_class):
    page = (graded_class.out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 3  # scores, exercises, mistakes to reteach
    # the students' table scrolls inside the page (dozens of exercise columns), totals first
    assert "<div class='scroll'><table><tr><th>student</th><th>total</th>" in page
    for student in graded_class.results:
        assert f"{student}/feedback.html" in page


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
