"""Figures beside failures: the student's values against the reference's, drawn from what the
grader compared (graders/grading/figures.py), in feedback.html, feedback.md's links, Gradescope's
HTML output and nbgrader's cell outputs (graders/reports/plots.py).

The class-wide checks read the shared ``graded_class`` (every catalogue mistake as a student);
the rest build figures and results by hand, as a hostile reply or a hand-edited file would.
"""

from __future__ import annotations

import json
import math
import re

import pytest
import torch
from test_reports import measured_in_chromium

from graders.course.model import Tolerance
from graders.grading import figures
from graders.grading import results as results_io
from graders.grading.plugin import FIGURES_PER_STUDENT
from graders.grading.results import CaseResult, ExerciseResult, StudentResult
from graders.reports import plots
from graders.reports.feedback import render_html, render_markdown, write_feedback
from graders.reports.gradescope import gradescope_results
from graders.worker.codec import Opaque

PNG = b"\x89PNG\r\n\x1a\n"
TOLERANCE = Tolerance(rtol=1e-9, atol=1e-10)
X = torch.linspace(-5.0, 5.0, 50, dtype=torch.float64)
REFERENCE = X**2


def drawable(panel: dict) -> None:
    """Every number of a panel is finite or None, every list within its limit, and it draws."""
    for series in panel.get("series", []):
        values = series.get("y", series.get("points", []))
        assert len(values) <= figures.MAX_POINTS
        flat = [v for value in values for v in (value if isinstance(value, list) else [value])]
        assert all(v is None or (isinstance(v, float) and math.isfinite(v)) for v in flat)
    assert plots.png(figures.figure("a title", panel)).startswith(PNG)


# -- what a student's value becomes ----------------------------------------------------------------

ODD_VALUES = {
    "a lying opaque object": Opaque("Liar", "<script>alert('owned')</script>"),
    "a string": "<img src=x onerror=alert(1)>",
    "a complex tensor": torch.ones(50, dtype=torch.complex128),
    "a tensor of the wrong shape": torch.ones(49, dtype=torch.float64),
    "a dict": {"loss": REFERENCE},
    "True": True,
    "a sparse tensor": REFERENCE.to_sparse(),
    "an enormous list": [1.0] * 200_000,
}


@pytest.mark.parametrize("value", ODD_VALUES.values(), ids=ODD_VALUES.keys())
def test_a_value_that_is_not_numbers_is_not_drawn_and_the_figure_says_so(value):
    panel = figures.curve(X, REFERENCE, value, x_label="x", y_label="loss", tolerance=TOLERANCE)
    assert [s["role"] for s in panel["series"]] == ["reference"]
    assert panel["note"].startswith("yours could not be drawn")
    assert "script" not in json.dumps(panel) and "onerror" not in json.dumps(panel)
    drawable(panel)


HUGE_AND_BROKEN = {
    "1e308 everywhere": torch.full((50,), 1e308, dtype=torch.float64),
    "nan everywhere": torch.full((50,), math.nan, dtype=torch.float64),
    "infinities and a huge value": torch.where(X > 0, math.inf, -1e300 * torch.ones_like(X)),
    "integers": torch.arange(50),
    "float32 that requires grad": REFERENCE.float().requires_grad_(True),
    "right except at one point": torch.where(X == X[25], 1e6, REFERENCE),
}


@pytest.mark.parametrize("value", HUGE_AND_BROKEN.values(), ids=HUGE_AND_BROKEN.keys())
def test_huge_and_non_finite_values_are_drawn_as_finite_numbers_or_gaps(value):
    panel = figures.curve(X, REFERENCE, value, x_label="x", y_label="loss", tolerance=TOLERANCE)
    mine = next(s for s in panel["series"] if s["role"] == "student")
    assert len(mine["y"]) == len(X)
    drawable(panel)


def test_the_scale_follows_the_reference_when_the_student_is_far_off_it():
    """1e300 at one point must not squash the reference's curve into a flat line."""
    close = figures.curve(X, REFERENCE, REFERENCE + 0.5, x_label="x", y_label="loss")
    far = figures.curve(
        X, REFERENCE, torch.where(X > 4, 1e300, REFERENCE), x_label="x", y_label="y"
    )
    assert plots.y_scale(close)[1] > 25.5  # the student's values near the reference widen it
    low, high = plots.y_scale(far)
    assert -10 < low < 0 < 25 < high < 40, (low, high)  # the reference's range, padded


def test_a_long_sweep_is_thinned_but_keeps_every_point_where_it_differs():
    x = torch.linspace(0.0, 1.0, 20_001, dtype=torch.float64)
    want = torch.sin(x)
    got = want.clone()
    got[12_345] += 1.0
    panel = figures.curve(x, want, got, x_label="x", y_label="y", tolerance=TOLERANCE)
    assert len(panel["x"]) <= figures.MAX_POINTS
    assert x[12_345].item() == pytest.approx(panel["x"][panel["differs"].index(True)], abs=1e-6)
    drawable(panel)


def test_text_with_dollars_and_markup_is_drawn_as_written():
    panel = figures.curve(X, REFERENCE, REFERENCE, x_label="$\\frac{1}{0}$ <b>", y_label="$$")
    assert plots.png(figures.figure("cost in $ and $\\sqrt{", panel)).startswith(PNG)


def test_a_run_of_steps_marks_the_first_step_that_differs():
    want = torch.linspace(0.0, 1.0, 30, dtype=torch.float64)[:, None].expand(30, 4).clone()
    got = want.clone()
    got[7:, 2] += 0.1
    values, difference = figures.steps(want, got, tolerance=TOLERANCE)
    assert values["mark"]["x"] == difference["mark"]["x"] == 8.0  # step 8 of 30, counted from 1
    assert "[2]" in " ".join(s["label"] for s in values["series"])  # the coordinate that strays
    assert difference["log_y"] and difference["series"][0]["role"] == "difference"
    for panel in (values, difference):
        drawable(panel)


# -- a figure read back from a file ------------------------------------------------------------------

HOSTILE_FILES = {
    "not a dict": "a figure",
    "no panels": {"title": "t"},
    "an unknown kind": {"title": "t", "panels": [{"kind": "pie", "x": [1]}]},
    "an unknown role": {
        "title": "t",
        "panels": [{"kind": "lines", "x": [1.0], "series": [{"role": "x", "y": [1.0]}]}],
    },
    "series of another length": {
        "title": "t",
        "panels": [{"kind": "lines", "x": [1.0, 2.0], "series": [{"role": "student", "y": [1]}]}],
    },
    "a grid that is not one": {
        "title": "t",
        "panels": [{"kind": "path", "grid": {"x": [1.0], "y": [1.0, 2.0], "z": [[1.0]]}}],
    },
}


@pytest.mark.parametrize("data", HOSTILE_FILES.values(), ids=HOSTILE_FILES.keys())
def test_a_figure_that_is_not_one_is_left_out_and_the_file_still_reads(tmp_path, data):
    assert figures.checked(data) is None
    result = StudentResult(
        "ann",
        0.0,
        1.0,
        [ExerciseResult("lesson1.mse", 0.0, 1.0, [CaseResult("t", 0.0, 1.0, "failed", "m")])],
    )
    written = json.loads(result.to_json())
    written["exercises"][0]["tests"][0]["figure"] = data
    (tmp_path / "result.json").write_text(json.dumps(written))
    assert results_io.read(tmp_path / "result.json").exercises[0].tests[0].figure is None


def test_a_figure_read_back_is_held_to_every_limit():
    hostile = {
        "title": "t" * 10_000,
        "panels": [
            {
                "kind": "lines",
                "x_label": "x" * 10_000,
                "y_label": "y",
                "x": list(range(100_000)),
                "series": [{"label": "l", "role": "student", "y": [1e308] * 100_000}],
                "mark": {"x": "NaN", "label": "m"},
            }
        ]
        * 10,
    }
    hostile["panels"][0]["series"][0]["y"][3] = float("nan")
    figure = figures.checked(hostile)
    assert len(figure["panels"]) == figures.MAX_PANELS
    assert len(figure["title"]) <= figures.MAX_TEXT
    panel = figure["panels"][0]
    assert len(panel["x"]) == len(panel["series"][0]["y"]) == figures.MAX_POINTS
    assert panel["series"][0]["y"][3] is None and "mark" not in panel
    assert figures.checked(figure) == figure


# -- the class: each picture beside its mistake ---------------------------------------------------

PICTURES = {  # student: (exercise, the kinds of its figure's panels)
    "mutant-lesson1-bcel_naive": ("lesson1.binary_cross_entropy_with_logits", ["lines", "lines"]),
    "mutant-lesson1-huber_no_offset": ("lesson1.huber_loss", ["lines", "lines"]),
    "mutant-lesson2-gd_ascent": ("lesson2.gradient_descent", ["path", "lines"]),
    "mutant-lesson4-backward_mask_at_zero": ("lesson4.mlp_backward", ["scatter"]),
    "mutant-lesson5-adam_no_bias_correction": ("lesson5.adam_step", ["lines", "lines"]),
    "mutant-lesson5-diagnose_previous_epoch": ("lesson5.diagnose_learning_curve", ["lines"]),
    "mutant-lesson5-landscape_per_tensor": ("lesson5.loss_landscape_1d", ["lines"]),
}


@pytest.mark.parametrize("student", PICTURES)
def test_each_kind_of_mistake_gets_its_picture_beside_the_failure(graded_class, course, student):
    exercise_id, kinds = PICTURES[student]
    exercise = graded_class.exercise(student, exercise_id)
    drawn = [t.figure for t in exercise.tests if t.figure]
    assert drawn, f"{student}: no figure for {exercise_id}"
    assert any([p["kind"] for p in f["panels"]] == kinds for f in drawn), drawn
    for figure in drawn:  # the student's values drawn, or what they were given
        roles = [s["role"] for p in figure["panels"] for s in p.get("series", [])]
        scattered = [p for p in figure["panels"] if p["kind"] == "scatter" and p["y"]]
        assert "student" in roles or "given" in roles or scattered, figure
    page = (graded_class.out / student / "feedback.html").read_text()
    anchors = re.findall(r"<figure id='([^']+)'><img src='data:image/png;base64,", page)
    assert any(exercise_id in anchor for anchor in anchors), anchors
    links = re.findall(
        r"\(feedback\.html#([^)]+)\)", (graded_class.out / student / "feedback.md").read_text()
    )
    assert links and set(links) <= set(anchors), (links, anchors)


def test_students_whose_code_is_right_get_no_pictures(graded_class):
    right = ["reference", *(v.student for v in graded_class.variants)]
    for student in right:
        result = graded_class.results[student]
        assert not [t for e in result.exercises for t in e.tests if t.figure], student
        assert "<figure" not in (graded_class.out / student / "feedback.html").read_text()


def test_figures_are_few_per_student_and_within_their_limits(graded_class):
    drawn_students = 0
    for student, result in graded_class.results.items():
        drawn = [(e.id, t) for e in result.exercises for t in e.tests if t.figure]
        assert len(drawn) <= FIGURES_PER_STUDENT, student
        functions = [(exercise, t.name.split("[")[0]) for exercise, t in drawn]
        assert len(functions) == len(set(functions)), f"{student}: two figures for one test"
        for _, test in drawn:
            assert test.status == "failed" and figures.checked(test.figure) == test.figure
        drawn_students += bool(drawn)
    assert drawn_students >= len(PICTURES)


def test_gradescope_shows_the_figure_where_it_shows_what_was_expected(graded_class, course):
    result = graded_class.results["mutant-lesson1-bcel_naive"]
    exercise = "lesson1.binary_cross_entropy_with_logits"
    together = gradescope_results(course, result, details="visible")
    test = next(t for t in together["tests"] if t["name"] == exercise)
    assert test["output_format"] == "html"
    assert "<img src='data:image/png;base64," in test["output"]
    assert "This looks like sigmoid followed by log" in test["output"]
    others = [t for t in together["tests"] if t["name"] != exercise]
    assert all("output_format" not in t for t in others)

    split = gradescope_results(course, result, details="after_due_date")
    shown = next(t for t in split["tests"] if t["name"] == exercise)
    details = next(t for t in split["tests"] if t["name"] == f"{exercise}: details")
    assert "<img" not in shown["output"] and "output_format" not in shown  # the figure shows
    assert details["output_format"] == "html" and "<img" in details["output"]  # the reference


def test_nbgrader_cells_get_the_figures_as_images(graded_class, course):
    import base64

    from graders.notebooks.bridge import figure_outputs

    result = graded_class.results["mutant-lesson2-gd_ascent"]
    outputs = figure_outputs(course, result.exercise("lesson2.gradient_descent"))
    assert [o.output_type for o in outputs] == ["display_data"]
    assert base64.b64decode(outputs[0].data["image/png"]).startswith(PNG)
    assert outputs[0].data["text/plain"].startswith("Plot: gradient descent")
    assert figure_outputs(course, result.exercise("lesson2.minimize")) == []


FIGURES_MEASURED = """<script>
const shown = [...document.querySelectorAll('figure img')];
document.body.dataset.measured = JSON.stringify({
  window: window.innerWidth,
  page: document.documentElement.scrollWidth,
  pageClient: document.documentElement.clientWidth,
  images: shown.map(i => ({natural: i.naturalWidth, shown: i.getBoundingClientRect().width,
                           right: i.getBoundingClientRect().right})),
});
</script></body>"""


def test_a_page_of_figures_draws_every_image_within_a_1280_px_window(
    graded_class, tmp_path, course
):
    """Headless Chromium decodes each embedded PNG and lays it out inside the page."""
    result = graded_class.results["mutant-lesson2-gd_ascent"]
    write_feedback(course, result, tmp_path)
    measured = measured_in_chromium(tmp_path / "feedback.html", tmp_path, FIGURES_MEASURED)
    assert measured["images"], "no figure on the page"
    for image in measured["images"]:
        assert image["natural"] > 300 and 0 < image["shown"] <= measured["pageClient"], image
        assert image["right"] <= measured["pageClient"], image
    assert measured["page"] <= measured["pageClient"], measured


def test_a_figure_that_cannot_be_drawn_leaves_the_message(course, monkeypatch):
    panel = figures.curve(X, REFERENCE, REFERENCE * 2, x_label="x", y_label="y")
    case = CaseResult(
        "test_x", 0.0, 1.0, "failed", "1 of 50 elements differ", figure=figures.figure("t", panel)
    )
    result = StudentResult("ann", 0.0, 1.0, [ExerciseResult("lesson1.mse", 0.0, 1.0, [case])])

    def broken(figure):
        raise RuntimeError("matplotlib fell over")

    monkeypatch.setattr(plots, "_draw", broken)
    plots._cache.clear()
    page = render_html(course, result)
    assert "1 of 50 elements differ" in page and "<figure" not in page
    assert "1 of 50 elements differ" in render_markdown(course, result)
