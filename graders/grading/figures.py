"""Plots for feedback, as data: what a hidden grader compared, drawn beside the failure it explains.

A grader builds a figure from the values it already holds, the reference's and the student's as
they came back from the sandbox, and hands it to the comparison (``expect.close(...,
figure=...)``).  Only when the comparison fails does the figure travel with the failure into
result.json (``CaseResult.figure``); ``graders/reports/plots.py`` draws it for feedback.html,
Gradescope's HTML output and nbgrader's feedback.

Student code never draws and never chooses what is drawn: the grader picks the panels, the
axes and the words.  A student's value only fills the "yours" series, and whatever it is
(a lie, a string, a tensor of the wrong shape, 1e308, nan) it becomes a list of at most
``MAX_POINTS`` finite numbers or ``None``s, or no series at all with a fixed note saying why.
``checked`` holds a figure read back from a file to the same limits, so a hand-edited
result.json cannot break a page either.

The data, for each of the three kinds of panel (docs/results.md, "figure"):

- ``lines``: ``x``, and ``series`` over it, each ``{"label", "role", "y"}``; ``differs`` shades
  the stretches of x where the student's series differs from the reference's; ``mark``
  draws a vertical line at ``{"x", "label"}``; ``log_y``;
- ``scatter``: the student's values (``y``) against the reference's (``x``) with the diagonal,
  ``differs`` per point;
- ``path``: ``series`` of 2-D points (``{"label", "role", "points"}``) over the contours of a
  ``grid`` (``{"x", "y", "z"}``, z[i][j] at (x[j], y[i])).

Roles: ``reference``, ``student`` (the one series a student's value fills), ``difference``
(computed by the grader from both) and ``given`` (an input the student was given).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import torch

MAX_POINTS = 400  # per series; longer series are thinned, keeping every difference
MAX_GRID = 48  # a contour grid's points per side
MAX_PANELS = 3
MAX_SERIES = 6
MAX_TEXT = 160  # characters of a title, label or note
ROLES = ("reference", "student", "difference", "given")
NOT_DRAWN = "yours could not be drawn: it is not {what}"

Figure = dict
Panel = dict


def figure(title: str, *panels: Panel | None) -> Figure:
    """A figure of one to three panels, drawn side by side under ``title``."""
    drawn = [panel for panel in panels if panel is not None][:MAX_PANELS]
    if not drawn:
        raise ValueError("a figure needs at least one panel")
    return {"title": _text(title), "panels": drawn}


def curve(
    x,
    reference,
    student,
    *,
    x_label: str,
    y_label: str,
    tolerance=None,
    log_y: bool = False,
    given: Sequence[tuple[str, object]] = (),
    mark: tuple[float, str] | None = None,
    reference_label: str = "reference",
    student_label: str = "yours",
) -> Panel:
    """A ``lines`` panel: the reference's and the student's values over ``x``.

    ``tolerance`` (an ``expect.tolerance(...)``) shades where they differ; ``given`` adds
    curves the student was given (labelled), ``mark`` a vertical line at ``(x, label)``.
    """
    xs = _numbers(x)
    if xs is None or not xs:
        raise ValueError("a curve needs x values")
    n = len(xs)
    want = _numbers(reference, n)
    if want is None:
        raise ValueError(f"the reference must hold {n} numbers, one per x")
    got = _numbers(student, n)
    series = [_series(label, "given", _numbers(values, n)) for label, values in given]
    series.append(_series(reference_label, "reference", want))
    note = ""
    if got is None:
        note = NOT_DRAWN.format(what=f"{n} numbers, one per x")
    else:
        series.append(_series(student_label, "student", got))
    panel = _lines(xs, series, x_label, y_label, log_y, note)
    if got is not None and tolerance is not None:
        panel["differs"] = _differs(student, reference, tolerance, n)
    if mark is not None:
        panel["mark"] = {"x": _finite(mark[0]), "label": _text(mark[1])}
    return _thinned(_in_order(panel))


def given(
    x, curves: Sequence[tuple[str, object]], *, x_label: str, y_label: str, log_y: bool = False
) -> Panel:
    """A ``lines`` panel of what the student was given (``(label, values)`` over ``x``): the
    curves a diagnosis was asked of, say, when the answer itself is a word."""
    xs = _numbers(x)
    if not xs:
        raise ValueError("curves need x values")
    panel = _lines(
        xs,
        [_series(label, "given", _numbers(values, len(xs))) for label, values in curves],
        x_label,
        y_label,
        log_y,
    )
    if not panel["series"]:
        raise ValueError(f"each curve must hold {len(xs)} numbers, one per x")
    return _thinned(_in_order(panel))


def _lines(
    xs: list, series: list, x_label: str, y_label: str, log_y: bool, note: str = ""
) -> Panel:
    """A ``lines`` panel of ``series`` over ``xs``, the series that could not be made left out."""
    return {
        "kind": "lines",
        "x_label": _text(x_label),
        "y_label": _text(y_label),
        "log_y": bool(log_y),
        "x": xs,
        "series": [s for s in series if s is not None],
        "note": note,
    }


def _in_order(panel: Panel) -> Panel:
    """The panel with its points in increasing x, so that a curve over unsorted x is a curve."""
    x = panel["x"]
    if None in x or all(a <= b for a, b in zip(x, x[1:])):
        return panel
    order = sorted(range(len(x)), key=lambda k: x[k])
    ordered = dict(panel, x=[x[k] for k in order])
    ordered["series"] = [dict(s, y=[s["y"][k] for k in order]) for s in panel["series"]]
    if "differs" in panel:
        ordered["differs"] = [panel["differs"][k] for k in order]
    return ordered


def scatter(
    reference,
    student,
    *,
    x_label: str = "reference",
    y_label: str = "yours",
    tolerance=None,
) -> Panel:
    """A ``scatter`` panel: each of the student's values against the reference's, with the diagonal."""
    want = _numbers(reference)
    if want is None or not want:
        raise ValueError("a scatter needs the reference's values")
    n = len(want)
    got = _numbers(student, n)
    panel = {
        "kind": "scatter",
        "x_label": _text(x_label),
        "y_label": _text(y_label),
        "x": want,
        "y": got if got is not None else [],
        "note": "" if got is not None else NOT_DRAWN.format(what=f"{n} numbers"),
    }
    if got is not None and tolerance is not None:
        panel["differs"] = _differs(student, reference, tolerance, n)
    return _thinned(panel)


def steps(
    reference,
    student,
    *,
    tolerance,
    y_label: str = "value",
    unit: str = "step",
    coordinates: int = 2,
) -> list[Panel]:
    """Two panels for a run whose first dimension counts steps: a few coordinates of the student's
    run against the reference's, and their greatest difference per step on a log scale, with
    the first step where they part marked."""
    want = _tensor(reference)
    if want is None or want.ndim == 0 or len(want) == 0:
        raise ValueError("a run needs at least one step")
    count = len(want)
    flat_want = want.reshape(count, -1)
    got = _tensor(student)
    same_shape = got is not None and got.shape == want.shape
    flat_got = got.reshape(count, -1) if same_shape else None
    x = list(range(1, count + 1))  # step 1 is the first row, as the messages count
    width = flat_want.shape[1]
    chosen = _most_different(flat_got, flat_want, coordinates) if width else []
    series = []
    for k in chosen:
        where = f"[{k}]" if width > 1 else ""
        series.append(_series(f"reference{where}", "reference", _numbers(flat_want[:, k])))
        if flat_got is not None:
            series.append(_series(f"yours{where}", "student", _numbers(flat_got[:, k])))
    missing = NOT_DRAWN.format(what=f"a run of the reference's shape {tuple(want.shape)}")
    values = _lines(x, series, unit, y_label, False, "" if flat_got is not None else missing)
    if flat_got is None:
        return [_thinned(values)]
    rtol, atol = _tolerances(tolerance)
    gap = (flat_got - flat_want).abs()
    gap = torch.nan_to_num(gap, nan=torch.inf, posinf=torch.inf)
    per_step = gap.amax(dim=1) if width else torch.zeros(count, dtype=torch.float64)
    step_differs = (~_close(flat_got, flat_want, tolerance)).reshape(count, -1).any(dim=1).tolist()
    first = next((k for k, d in enumerate(step_differs) if d), None)
    values["differs"] = step_differs
    bound = atol + rtol * flat_want.abs().amax(dim=1) if width else torch.zeros(count)
    difference = _lines(
        x,
        [
            _series("difference", "difference", _numbers(per_step)),
            _series("tolerance", "given", _numbers(bound)),
        ],
        unit,
        "greatest |yours - reference|",
        True,
    )
    if first is not None:
        mark = {"x": float(first + 1), "label": f"first {unit} that differs: {first + 1}"}
        values["mark"] = difference["mark"] = mark
    return [_thinned(values), _thinned(difference)]


def path(
    reference,
    student,
    *,
    grid: tuple[object, object, object],
    x_label: str,
    y_label: str,
) -> Panel:
    """A ``path`` panel: the reference's and the student's iterates (rows of two numbers) over the
    contours of ``grid`` = (xs, ys, zs), zs[i][j] the objective at (xs[j], ys[i])."""
    xs, ys = _numbers(grid[0]), _numbers(grid[1])
    zs = _tensor(grid[2])
    if not xs or not ys or zs is None or tuple(zs.shape) != (len(ys), len(xs)):
        raise ValueError("a path's grid is xs, ys and zs of shape (len(ys), len(xs))")
    rows, columns = _picks(len(ys), MAX_GRID), _picks(len(xs), MAX_GRID)
    z = [[_finite(zs[i, j].item()) for j in columns] for i in rows]
    want = _points(reference)
    if want is None:
        raise ValueError("the reference path must be rows of two numbers")
    got = _points(student, len(want))
    series = [{"label": "reference", "role": "reference", "points": want}]
    if got is not None:
        series.append({"label": "yours", "role": "student", "points": got})
    return {
        "kind": "path",
        "x_label": _text(x_label),
        "y_label": _text(y_label),
        "grid": {"x": [xs[j] for j in columns], "y": [ys[i] for i in rows], "z": z},
        "series": series,
        "note": ""
        if got is not None
        else NOT_DRAWN.format(what=f"{len(want)} points of two coordinates"),
    }


def built(make: Figure | Callable[[], Figure] | None) -> Figure | None:
    """The figure a comparison was given, built now that it failed; None when it cannot be.

    A figure is a picture beside a message, never a reason for a grader error: one that
    cannot be built (the student's value is too odd for the grader's own computations) is
    left out, and the failure keeps its message.
    """
    if make is None:
        return None
    try:
        return checked(make() if callable(make) else make)
    except Exception:
        return None


# -- reading back: a figure from a file, held to the same limits ---------------------------------


def checked(data) -> Figure | None:
    """``data`` as a figure within every limit above, or None when it is not one."""
    try:
        if not isinstance(data, dict) or not isinstance(data.get("panels"), list):
            return None
        panels = [_checked_panel(p) for p in data["panels"][:MAX_PANELS]]
        if not panels or any(p is None for p in panels):
            return None
        return {"title": _text(data.get("title", "")), "panels": panels}
    except (TypeError, ValueError, KeyError, AttributeError):
        return None


def _checked_panel(data) -> Panel | None:
    kind = data.get("kind")
    common = {
        "kind": kind,
        "x_label": _text(data.get("x_label", "")),
        "y_label": _text(data.get("y_label", "")),
        "note": _text(data.get("note", "")),
    }
    if kind == "lines":
        x = _plain(data["x"])
        if not x or None in x:
            return None
        series = [_checked_series(s, len(x), "y") for s in data.get("series", [])[:MAX_SERIES]]
        if any(s is None for s in series):
            return None
        panel = {**common, "log_y": data.get("log_y") is True, "x": x, "series": series}
        if "differs" in data:
            panel["differs"] = _flags(data["differs"], len(x))
        if isinstance(data.get("mark"), dict):
            mark_x = _plain([data["mark"].get("x")])
            if mark_x and mark_x[0] is not None:
                panel["mark"] = {"x": mark_x[0], "label": _text(data["mark"].get("label", ""))}
        return panel
    if kind == "scatter":
        x = _plain(data["x"])
        y = _plain(data.get("y", []))
        if not x or (y and len(y) != len(x)):
            return None
        panel = {**common, "x": x, "y": y}
        if "differs" in data:
            panel["differs"] = _flags(data["differs"], len(x))
        return panel
    if kind == "path":
        grid = data["grid"]
        gx, gy = _plain(grid["x"], MAX_GRID), _plain(grid["y"], MAX_GRID)
        z = [_plain(row, MAX_GRID) for row in grid["z"][:MAX_GRID]]
        if not gx or not gy or None in gx or None in gy or len(z) != len(gy):
            return None
        if any(len(row) != len(gx) for row in z):
            return None
        series = [_checked_series(s, None, "points") for s in data.get("series", [])[:MAX_SERIES]]
        if any(s is None for s in series):
            return None
        return {**common, "grid": {"x": gx, "y": gy, "z": z}, "series": series}
    return None


def _checked_series(data, length: int | None, key: str) -> dict | None:
    if not isinstance(data, dict) or data.get("role") not in ROLES:
        return None
    if key == "y":
        values = _plain(data[key])
        if len(values) != length:
            return None
    else:
        values = []
        for point in data[key][:MAX_POINTS]:
            pair = _plain(point, 2) if point is not None else None
            values.append(pair if pair and len(pair) == 2 and None not in pair else None)
    return {"label": _text(data.get("label", "")), "role": data["role"], key: values}


def _plain(values, limit: int = MAX_POINTS) -> list:
    """At most ``limit`` finite numbers or Nones from a list read back from JSON."""
    if not isinstance(values, list):
        raise TypeError("not a list")
    out = []
    for value in values[:limit]:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.append(None)
        else:
            out.append(_finite(value))
    return out


def _flags(values, length: int) -> list[bool]:
    flags = [v is True for v in values[:length]] if isinstance(values, list) else []
    return flags + [False] * (length - len(flags))


# -- turning values into drawable numbers ------------------------------------------------------


def _tensor(value) -> torch.Tensor | None:
    """``value`` as a float64 CPU tensor when it is a real tensor, a number or a list of numbers;
    None for anything else (an opaque object, a string, a tensor of complex or odd dtype)."""
    try:
        if isinstance(value, torch.Tensor):
            if value.is_complex() or value.device.type == "meta" or value.is_sparse:
                return None
            return value.detach().to("cpu", torch.float64)
        if isinstance(value, bool):
            return None
        if type(value) in (int, float):
            return torch.tensor(float(value), dtype=torch.float64)
        if isinstance(value, (list, tuple)) and len(value) <= 100_000:
            return torch.tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        return None
    return None


def _numbers(value, length: int | None = None) -> list | None:
    """The values of ``value``, flattened, as finite floats (6 significant digits) or None for
    nan and infinities; None when it is not ``length`` numbers."""
    tensor = _tensor(value)
    if tensor is None:
        return None
    flat = tensor.reshape(-1)
    if length is not None and flat.numel() != length:
        return None
    return [_finite(v) for v in flat.tolist()]


def _points(value, length: int | None = None) -> list | None:
    """Rows of two numbers (a path in the plane), a None for a row that is not finite."""
    tensor = _tensor(value)
    if tensor is None or tensor.ndim != 2 or tensor.shape[1] != 2:
        return None
    if length is not None and len(tensor) != length:
        return None
    picks = _picks(len(tensor), MAX_POINTS)
    rows = [[_finite(a), _finite(b)] for a, b in tensor[picks].tolist()]
    return [row if None not in row else None for row in rows]


def _finite(value) -> float | None:
    value = float(value)
    if not math.isfinite(value):
        return None
    return float(f"{value:.6g}")


def _text(value) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _series(label: str, role: str, values: list | None) -> dict | None:
    if values is None:
        return None
    return {"label": _text(label), "role": role, "y": values}


def _tolerances(tolerance) -> tuple[float, float]:
    if tolerance is None:
        return 1e-5, 1e-8
    return float(tolerance.rtol), float(tolerance.atol)


def _differs(student, reference, tolerance, length: int) -> list[bool]:
    """Per value, whether the student's is outside the tolerance of the reference's (nan where
    the reference is a number differs; equal infinities agree)."""
    got, want = _tensor(student), _tensor(reference)
    if got is None or want is None or got.numel() != length or want.numel() != length:
        return [False] * length
    return (~_close(got.reshape(-1), want.reshape(-1), tolerance)).tolist()


def _close(got: torch.Tensor, want: torch.Tensor, tolerance) -> torch.Tensor:
    rtol, atol = _tolerances(tolerance)
    return torch.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


def _most_different(got: torch.Tensor | None, want: torch.Tensor, count: int) -> list[int]:
    """The coordinates to draw: where the student's run strays furthest, else the first ones."""
    width = want.shape[1]
    if got is None:
        return list(range(min(count, width)))
    gap = (got - want).abs()
    gap = torch.where(torch.isnan(gap), torch.inf, gap).amax(dim=0)
    order = sorted(range(width), key=lambda k: (-gap[k].item(), k))
    return sorted(order[:count])


def _picks(length: int, limit: int) -> list[int]:
    """At most ``limit`` evenly spread indices of ``range(length)``, the first and last included."""
    if length <= limit:
        return list(range(length))
    return sorted({round(k * (length - 1) / (limit - 1)) for k in range(limit)})


def _thinned(panel: Panel) -> Panel:
    """A panel with at most ``MAX_POINTS`` per series: evenly spread points, plus every point
    where the values differ (a difference at one point of a long sweep is the picture)."""
    length = len(panel["x"])
    if length <= MAX_POINTS:
        return panel
    differs = panel.get("differs", [])
    keep = set(_picks(length, MAX_POINTS // 2))
    keep.update(k for k, d in enumerate(differs) if d)
    picks = sorted(keep)
    if len(picks) > MAX_POINTS:  # differs nearly everywhere: spread evenly among them
        picks = [picks[k] for k in _picks(len(picks), MAX_POINTS)]

    def pick(values: Iterable) -> list:
        values = list(values)
        return [values[k] for k in picks]

    thinned = dict(panel, x=pick(panel["x"]))
    if "y" in panel and panel["y"]:
        thinned["y"] = pick(panel["y"])
    if "series" in panel:
        thinned["series"] = [dict(s, y=pick(s["y"])) for s in panel["series"]]
    if differs:
        thinned["differs"] = pick(differs)
    return thinned
