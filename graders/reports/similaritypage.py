"""What instructors see of similar submissions: report.html's section, a page per pair, similarity.csv.

Everything here is rendered from what ``graders/pipeline/similarity.py`` computed and kept in
OUT; students' feedback, gradescope.json and nbgrader's feedback never include any of it.
"""

from __future__ import annotations

import csv
import html
import io
import json
import urllib.parse
from pathlib import Path

from graders.course.errors import UsageError
from graders.reports.feedback import PAGE_STYLE

PAIRS = Path(".similarity") / "pairs.json"  # in OUT: what the last comparison found
PAGES = Path("similarity")  # in OUT: a page per flagged pair
CSV = Path("similarity.csv")  # in OUT: every flagged pair
SCHEMA = 2  # 2: one image of every module's histogram, each module's highest score

PAIRS_SHOWN = 25  # per module in report.html; similarity.csv lists every flagged pair
PAGES_PER_MODULE = 200  # side-by-side pages, for the most similar pairs of each module
CAVEAT = (
    "Similarity is evidence for a person to review, not proof of copying. Students who "
    "solve a short exercise correctly often write nearly the same code: read each pair side "
    "by side, with the exercise in mind, before drawing any conclusion."
)
COLOURS = ("#ffe08a", "#b5e3ff", "#c8f0c0", "#ffc8dd", "#e2d1ff", "#ffd5b0", "#d0f4ef", "#f0e0a8")
SIMILARITY_STYLE = """
.pairs td.score { font-weight: 600; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; max-width: none; }
.side pre { font-size: 12px; line-height: 1.45; white-space: pre-wrap; margin: 0; }
.side h2 { font-size: 1rem; margin: 0 0 .4rem; }
mark { padding: 0; border-radius: 2px; }
"""


def stored(out: Path) -> dict | None:
    """What the last comparison into OUT found; None when none was made."""
    path = out / PAIRS
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        raise UsageError(
            f"{path}: unreadable; run `python -m graders similarity {out}` to compare again"
        ) from None
    return data if isinstance(data, dict) and data.get("schema") == SCHEMA else None


def section(data: dict | None) -> list[str]:
    """report.html's "Similar submissions": the caveat, the histogram of every pair's score per
    module (one image), a row per module, then each module's flagged pairs, linked to their
    side-by-side pages."""
    e = html.escape
    parts = ["<h2 id='similar'>Similar submissions</h2>"]
    if data is None:
        parts.append(
            "<p>Not computed for this run (--no-similarity): "
            "<code>python -m graders similarity OUT</code> compares the code kept in OUT.</p>"
        )
        return parts
    settings = data["settings"]
    threshold = f"{100 * settings['threshold']:.0f}%"
    parts.append(f"<p class='warning'>{e(CAVEAT)}</p>")
    parts.append(
        f"<p>Every pair of submissions is compared module by module, on the code that is graded, "
        f"with the code students were given left out, identifiers and literals ignored, and "
        f"passages that more than {settings['common']} submissions share treated as common code. "
        f"A pair is listed when the larger of its two shares of matching code reaches "
        f"{threshold}; matches shorter than {settings['min_match']} tokens never count "
        "([similarity] in course.toml). Every flagged pair is in "
        "<code>similarity.csv</code>.</p>"
    )
    if data.get("histogram_png"):
        parts.append(
            "<img alt='every pair&#39;s score, a histogram per module' "
            f"src='data:image/png;base64,{data['histogram_png']}'>"
        )
    parts.append(
        "<table class='modules'><tr><th>module</th><th>submissions</th><th>pairs</th>"
        f"<th>highest score</th><th>pairs from {threshold}</th></tr>"
    )
    for module in data["modules"]:
        flagged = len(module["flagged"])
        name = e(module["module"])
        if flagged:
            name = f"<a href='#{_anchor(module)}'>{name}</a>"
        parts.append(
            f"<tr><td>{name}</td>"
            f"<td class='num'>{module['students']}</td><td class='num'>{module['pairs']}</td>"
            f"<td class='num'>{_highest(module)}</td><td class='num'>{flagged}</td></tr>"
        )
    parts.append("</table>")
    for module in data["modules"]:
        flagged = module["flagged"]
        if not flagged:
            continue
        parts.append(f"<h3 id='{_anchor(module)}'>{e(module['module'])}</h3>")
        parts.append(
            f"<p>{len(flagged)} of {module['pairs']} pairs reach {threshold}"
            + (f"; the {PAIRS_SHOWN} most similar:" if len(flagged) > PAIRS_SHOWN else ":")
            + "</p>"
        )
        parts.append(
            "<table class='pairs'><tr><th>score</th><th>student</th><th>share</th>"
            "<th>student</th><th>share</th><th>matching tokens</th><th></th></tr>"
        )
        for pair in flagged[:PAIRS_SHOWN]:
            link = urllib.parse.quote(pair["page"])
            side = f"<a href='{e(link)}'>side by side</a>" if link else ""
            parts.append(
                f"<tr><td class='num score'>{100 * pair['score']:.0f}%</td>"
                f"<td>{e(pair['first'])}</td><td class='num'>{100 * pair['shares'][0]:.0f}%</td>"
                f"<td>{e(pair['second'])}</td><td class='num'>{100 * pair['shares'][1]:.0f}%</td>"
                f"<td class='num'>{pair['tokens']}</td>"
                f"<td>{side}</td></tr>"
            )
        parts.append("</table>")
    return parts


def _anchor(module: dict) -> str:
    return f"similar-{_slug(module['module'])}"


def _highest(module: dict) -> str:
    return "" if module["pairs"] == 0 else f"{100 * module['highest']:.0f}%"


def histograms_png(modules: list[dict], threshold: float) -> str:
    """Every pair's score, a panel per module that has pairs, in 5% bins (on a log scale past
    ten pairs a bin, so that a single outlying pair shows against the class); one image."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    from matplotlib import pyplot

    from graders.reports.classpage import _png

    shown = [module for module in modules if module["pairs"]]
    columns = min(3, len(shown))
    rows = -(-len(shown) // columns)
    figure, axes = pyplot.subplots(
        rows, columns, figsize=(3.6 * columns, 1.9 * rows), squeeze=False
    )
    for axis, module in zip(axes.flat, shown):
        counts = module["histogram"]
        edges = [i * 100 / len(counts) for i in range(len(counts) + 1)]
        axis.stairs(counts, edges, fill=True, color="#4c72b0")
        axis.axvline(100 * threshold, color="#b42318", linestyle="--", linewidth=1)
        if max(counts) > 10:  # a log scale, where one pair must show beside thousands
            axis.set_yscale("symlog", linthresh=1)
            axis.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:g}"))
            axis.set_ylim(bottom=0, top=2 * max(counts))
        else:
            axis.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
            axis.set_ylim(bottom=0, top=max(counts) + 0.5)
        axis.set_xlim(0, 100)
        axis.set_title(module["module"], fontsize=9)
        axis.tick_params(labelsize=7)
    for axis in list(axes.flat)[len(shown) :]:
        axis.set_visible(False)
    for axis in axes[-1]:
        axis.set_xlabel("score (%)", fontsize=8)
    for axis in axes[:, 0]:
        axis.set_ylabel("pairs", fontsize=8)
    figure.suptitle(
        f"Every pair's score, per module; the dashed line is the threshold ({100 * threshold:.0f}%)",
        fontsize=9,
    )
    figure.tight_layout()
    png = _png(figure)
    pyplot.close(figure)
    return png


def pair_page(
    module: str,
    pair: dict,
    codes: tuple[str, str],
    spans: tuple[list, list],
    colours: tuple[list[int], list[int]],
) -> str:
    """Two students' code side by side, each matching region highlighted in the colour of its
    counterpart on the other side."""
    e = html.escape
    first, second = pair["first"], pair["second"]
    columns = []
    for student, share, code, marks, colour in zip(
        (first, second), pair["shares"], codes, spans, colours
    ):
        feedback = f"../{urllib.parse.quote(student, safe='')}/feedback.html"
        columns.append(
            f"<div><h2><a href='{e(feedback)}'>{e(student)}</a>: {100 * share:.0f}% "
            f"of this code matches</h2><pre>{_marked(code, marks, colour)}</pre></div>"
        )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{e(module)}: {e(first)} and {e(second)}</title>"
        f"<style>{PAGE_STYLE}{SIMILARITY_STYLE}</style></head><body style='max-width: 110rem'>"
        f"<h1>{e(module)}: {e(first)} and {e(second)}</h1>"
        f"<p><strong>Score {100 * pair['score']:.0f}%</strong>, {pair['tokens']} matching tokens. "
        "Matching regions have the same colour on both sides; identifiers, literals, comments "
        "and layout may differ inside them.</p>"
        f"<p class='warning'>{e(CAVEAT)}</p>"
        f"<div class='side'>{''.join(columns)}</div>"
        "<p><a href='../report.html#similar'>Back to the class report</a></p></body></html>\n"
    )


def _marked(code: str, spans: list, colours: list[int]) -> str:
    out, at = [], 0
    for (start, end), colour in sorted(zip(map(tuple, spans), colours)):
        if start < at:
            start = at
        if end <= start:
            continue
        out.append(html.escape(code[at:start]))
        out.append(
            f"<mark style='background: {COLOURS[colour % len(COLOURS)]}'>"
            f"{html.escape(code[start:end])}</mark>"
        )
        at = end
    out.append(html.escape(code[at:]))
    return "".join(out)


CSV_COLUMNS = (
    "module",
    "first",
    "second",
    "score",
    "first_share",
    "second_share",
    "tokens",
    "page",
)


def csv_text(modules: list[dict]) -> str:
    """similarity.csv: one row per flagged pair, most similar first within each module; the
    page column is empty past the ``PAGES_PER_MODULE`` pairs of a module that have one."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for module in modules:
        for pair in module["flagged"]:
            writer.writerow(
                [
                    module["module"],
                    pair["first"],
                    pair["second"],
                    f"{pair['score']:.4f}",
                    f"{pair['shares'][0]:.4f}",
                    f"{pair['shares'][1]:.4f}",
                    pair["tokens"],
                    pair["page"],
                ]
            )
    return buffer.getvalue()


def page_name(module: str, number: int) -> str:
    """similarity/lesson1-losses-3.html for the third pair of lesson1/losses.py."""
    return f"{_slug(module)}-{number}.html"


def _slug(module: str) -> str:
    """lesson1-losses for lesson1/losses.py: a module's name in page names and anchors."""
    return Path(module).with_suffix("").as_posix().replace("/", "-")
