"""Drawing a failure's figure (graders/grading/figures.py) for a student: a PNG, as bytes.

One look should answer "what did I do wrong?": the reference in a solid dark line, the
student's in a dashed orange one with markers, named in a legend; the stretches where they
differ shaded; the first step that differs marked.  The axes follow the reference: a student's
value far off the scale (1e300, say) is drawn as a triangle at the edge, and nan or an
infinity as a cross along the top, each named in the legend, so that neither flattens the
reference's curve nor hides the point where the student's went wrong.

Every figure is drawn from data alone, and the same data gives the same bytes: a class where
many students make the same mistake on the same inputs draws each picture once (``png``'s cache).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import textwrap

from graders.grading import figures

PANEL_SIZE = (4.3, 3.1)  # inches per panel, at DPI: about 430 x 310 px
DPI = 100
STYLE = {
    "reference": {"color": "#1f3b73", "linestyle": "-", "linewidth": 2.2},
    "student": {"color": "#e4572e", "linestyle": "--", "linewidth": 1.6},
    "difference": {"color": "#b42318", "linestyle": "-", "linewidth": 1.6},
    "given": {"color": "#8c8c8c", "linestyle": ":", "linewidth": 1.4},
}
# the curves a student was given, one style each: told apart from each other and from the reference
GIVEN = (
    {"color": "#2a7f62", "linestyle": "-", "linewidth": 1.8},
    {"color": "#7b4fa0", "linestyle": "--", "linewidth": 1.8},
    {"color": "#8c8c8c", "linestyle": ":", "linewidth": 1.4},
)
DIFFERS = "#f4b6b0"
MAX_SERIES = figures.MAX_SERIES
CACHED = 256  # figures kept per process: a class's common mistakes

_cache: dict[str, bytes] = {}


def png(figure: figures.Figure) -> bytes:
    """The figure drawn as PNG; the same figure again costs a dictionary lookup."""
    key = hashlib.sha256(json.dumps(figure, sort_keys=True).encode()).hexdigest()
    if key not in _cache:
        if len(_cache) >= CACHED:
            _cache.pop(next(iter(_cache)))
        _cache[key] = _draw(figure)
    return _cache[key]


def data_uri(figure: figures.Figure) -> str:
    return "data:image/png;base64," + base64.b64encode(png(figure)).decode()


def describe(figure: figures.Figure) -> str:
    """The figure in words, for the image's alt text."""
    panels = "; ".join(
        f"{panel['y_label']} against {panel['x_label']}"
        if panel["kind"] != "scatter"
        else f"{panel['y_label']} against {panel['x_label']}, with the diagonal"
        for panel in figure["panels"]
    )
    return f"Plot: {figure['title']}. {panels}."


def _draw(figure: figures.Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = figure["panels"]
    # Margins fixed in inches rather than laid out by matplotlib: its constrained layout drew
    # every figure twice, half of the time a figure took (docs/measurements.md).
    width = PANEL_SIZE[0] * len(panels)
    title = textwrap.wrap(_plain(figure["title"]), width=int(width * 13)) or [""]
    height = PANEL_SIZE[1] + 0.18 * len(title)
    drawing = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(drawing)
    drawing.subplots_adjust(
        left=0.8 / width,
        right=1 - 0.2 / width,
        bottom=0.55 / height,
        top=1 - (0.2 + 0.18 * len(title)) / height,
        wspace=0.85 / (PANEL_SIZE[0] - 1.0),
    )
    axes = drawing.subplots(1, len(panels), squeeze=False)[0]
    drawing.suptitle("\n".join(title), fontsize=10, y=1 - 0.08 / height, va="top")
    for axis, panel in zip(axes, panels):
        {"lines": _lines, "scatter": _scatter, "path": _path}[panel["kind"]](axis, panel)
        axis.set_xlabel(_plain(panel["x_label"]), fontsize=9)
        axis.set_ylabel(_plain(panel["y_label"]), fontsize=9)
        axis.tick_params(labelsize=8)
        axis.grid(True, color="#e6e6e6", linewidth=0.6)
        axis.set_axisbelow(True)
        if panel["note"]:
            axis.text(
                0.5,
                0.5,
                "\n".join(textwrap.wrap(_plain(panel["note"]), width=44)),
                transform=axis.transAxes,
                ha="center",
                va="center",
                fontsize=8,
                bbox={"facecolor": "white", "edgecolor": "#b42318", "alpha": 0.9},
            )
        handles, labels = axis.get_legend_handles_labels()
        if handles:
            axis.legend(fontsize=7.5, framealpha=0.85, loc="best")
    buffer = io.BytesIO()
    drawing.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _plain(text: str) -> str:
    """Text drawn as written: a ``$`` would start matplotlib's mathematics."""
    return text.replace("$", r"\$")


def _limits(values: list[float], log: bool) -> tuple[float, float] | None:
    """The y range the scale keeps: the reference's (and other trusted series') values, padded."""
    finite = [v for v in values if v is not None and (v > 0 or not log)]
    if not finite:
        return None
    low, high = min(finite), max(finite)
    if log:
        return low / 3, high * 3
    pad = (high - low) * 0.15 or max(abs(high) * 0.15, 1e-3)
    return low - pad, high + pad


def y_scale(panel: dict) -> tuple[float, float] | None:
    """The y range of a ``lines`` panel: the reference's and the other trusted series', padded,
    widened by the student's values only while they stay near it."""
    log = panel["log_y"]
    trusted = [v for s in panel["series"] if s["role"] != "student" for v in s["y"]]
    mine = [v for s in panel["series"] if s["role"] == "student" for v in s["y"]]
    scale = _limits(trusted, log) or _limits(mine, log)
    if scale is not None:
        reach = _limits([*trusted, *mine], log)
        if reach is not None and _within(reach, scale, log):
            scale = reach
    return scale


def _lines(axis, panel: dict) -> None:
    from matplotlib.ticker import MaxNLocator

    x = panel["x"]
    log = panel["log_y"]
    scale = y_scale(panel)
    _shade(axis, x, panel.get("differs"))
    given = iter(GIVEN * MAX_SERIES)
    alone = sum(s["role"] == "given" for s in panel["series"]) == 1
    for series in panel["series"]:
        style = STYLE[series["role"]]
        if series["role"] == "given" and not alone:
            style = next(given)
        shown = [(a, b) for a, b in zip(x, series["y"]) if b is not None and (b > 0 or not log)]
        if series["role"] == "student":
            shown, off = _inside(shown, scale)
            marker = "o" if len(x) <= 40 else None
            _beyond(axis, off, scale, x, series["y"], log)
        else:
            marker = "." if len(x) <= 12 else None
        if shown:
            axis.plot(
                [a for a, _ in shown],
                [b for _, b in shown],
                label=_plain(series["label"]),
                marker=marker,
                markersize=3.5,
                **style,
            )
    if all(float(value).is_integer() for value in x):  # steps and epochs: whole numbers
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    if log and scale is not None:
        axis.set_yscale("log")
    if scale is not None and scale[0] < scale[1]:
        axis.set_ylim(*scale)
    if "mark" in panel:
        axis.axvline(panel["mark"]["x"], color="#555555", linestyle="-.", linewidth=1)
        axis.annotate(
            _plain(panel["mark"]["label"]),
            (panel["mark"]["x"], 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -10),
            textcoords="offset points",
            fontsize=7.5,
            color="#333333",
        )


def _within(reach, scale, log: bool) -> bool:
    if log:
        return reach[0] >= scale[0] / 100 and reach[1] <= scale[1] * 100
    span = scale[1] - scale[0]
    return reach[0] >= scale[0] - 2 * span and reach[1] <= scale[1] + 2 * span


def _inside(points, scale):
    if scale is None:
        return points, []
    inside = [(a, b) for a, b in points if scale[0] <= b <= scale[1]]
    off = [(a, b) for a, b in points if not scale[0] <= b <= scale[1]]
    return inside, off


def _beyond(axis, off, scale, x, values, log: bool) -> None:
    """The student's points off the scale (triangles at the edge) and not finite (crosses on top)."""
    if off and scale is not None:
        worst = max((abs(b) for _, b in off), default=0)
        label = f"yours, off the scale (up to {worst:.3g})"
        for edge, marker, beyond in ((scale[1], "^", float.__gt__), (scale[0], "v", float.__lt__)):
            points = [a for a, b in off if beyond(float(b), edge)]
            if points:
                axis.scatter(
                    points,
                    [edge] * len(points),
                    marker=marker,
                    color=STYLE["student"]["color"],
                    s=22,
                    clip_on=False,
                    zorder=5,
                    label=label,
                )
                label = None  # one legend entry for both edges
    missing = [a for a, b in zip(x, values) if b is None or (log and b <= 0)]
    if missing:
        axis.scatter(
            missing,
            [1.0] * len(missing),
            transform=axis.get_xaxis_transform(),
            marker="x",
            color="#b42318",
            s=24,
            clip_on=False,
            zorder=5,
            label="yours: nan or infinite" if not log else "yours: not a positive number",
        )


def _shade(axis, x: list, differs: list | None) -> None:
    """Light red behind each stretch of x where the values differ (a lone point gets a band too)."""
    if not differs or not any(differs):
        return
    step = min((b - a for a, b in zip(x, x[1:]) if b > a), default=1.0)
    first = True
    k = 0
    while k < len(x):
        if not differs[k]:
            k += 1
            continue
        start = k
        while k + 1 < len(x) and differs[k + 1]:
            k += 1
        axis.axvspan(
            x[start] - step / 2,
            x[k] + step / 2,
            color=DIFFERS,
            alpha=0.45,
            linewidth=0,
            label="where they differ" if first else None,
        )
        first = False
        k += 1


def _scatter(axis, panel: dict) -> None:
    x, y = panel["x"], panel["y"]
    differs = panel.get("differs") or [False] * len(x)
    trusted = [v for v in x if v is not None]
    scale = _limits(trusted, False)
    reach = _limits([*trusted, *y], False) if scale is not None else None
    if reach is not None and _within(reach, scale, False):
        scale = reach
    if scale is not None:
        axis.plot(scale, scale, label="equal values (y = x)", **STYLE["reference"])
    if y:
        agree = [
            (a, b) for a, b, d in zip(x, y, differs) if not d and a is not None and b is not None
        ]
        wrong = [(a, b) for a, b, d in zip(x, y, differs) if d and a is not None and b is not None]
        for points, colour, label in (
            (agree, "#1f3b73", "agrees"),
            (wrong, STYLE["student"]["color"], "differs"),
        ):
            inside, off = _inside(points, scale)
            if inside:
                axis.scatter(
                    [a for a, _ in inside],
                    [b for _, b in inside],
                    s=14,
                    color=colour,
                    alpha=0.8,
                    label=f"{label} ({len(points)})",
                    zorder=3,
                )
            if off:
                _beyond(axis, off, scale, [], [], False)
        missing = [a for a, b in zip(x, y) if a is not None and b is None]
        if missing:
            _beyond(axis, [], scale, missing, [None] * len(missing), False)
    if scale is not None and scale[0] < scale[1]:
        axis.set_xlim(*scale)
        axis.set_ylim(*scale)


def _path(axis, panel: dict) -> None:
    grid = panel["grid"]
    z = [[v if v is not None else math.nan for v in row] for row in grid["z"]]
    finite = sorted(v for row in z for v in row if not math.isnan(v))
    if len(finite) > 1 and finite[0] < finite[-1]:
        # levels spread by rank, so a steep valley and its flat floor both get contours
        levels = sorted({finite[round(q * (len(finite) - 1))] for q in [k / 14 for k in range(15)]})
        if len(levels) > 1:
            axis.contourf(grid["x"], grid["y"], z, levels=levels, cmap="Blues_r", alpha=0.55)
            axis.contour(grid["x"], grid["y"], z, levels=levels, colors="#9db4d1", linewidths=0.6)
    low_x, high_x = grid["x"][0], grid["x"][-1]
    low_y, high_y = grid["y"][0], grid["y"][-1]
    for series in panel["series"]:
        points = [p for p in series["points"] if p is not None]
        if not points:
            continue
        style = dict(STYLE[series["role"]])
        inside = [p for p in points if low_x <= p[0] <= high_x and low_y <= p[1] <= high_y]
        label = _plain(series["label"])
        if len(inside) < len(points):
            label += f" ({len(points) - len(inside)} of {len(points)} points off the plot)"
        clipped = [(min(max(p[0], low_x), high_x), min(max(p[1], low_y), high_y)) for p in points]
        axis.plot(
            [p[0] for p in clipped],
            [p[1] for p in clipped],
            marker="o" if series["role"] == "student" else ".",
            markersize=3.5,
            label=label,
            **style,
        )
        if series["role"] == "reference":
            axis.scatter(
                [clipped[0][0]],
                [clipped[0][1]],
                marker="s",
                color="#333333",
                s=26,
                zorder=5,
                label="start",
            )
    axis.set_xlim(low_x, high_x)
    axis.set_ylim(low_y, high_y)
