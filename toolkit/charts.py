"""The trend chart (matplotlib): one checklist's saved runs over time. No I/O.

Percent of the possible points (`toolkit.summary.trend`) in the vocabulary's level bands,
safety-flagged runs as red triangles, and the same numbers as text lines. As a figure, a PNG,
or an inline SVG for pages (inert: only known elements and attributes kept, ids prefixed). No
title inside the chart: the heading above it names the checklist.
"""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .checklist import Vocabulary
from .i18n import N_, _, ngettext
from .markup import local_day
from .summary import percent_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The date axis never spans less than this, so one run (or a few on one day) sits on a
#: readable range of days rather than years.
MIN_CHART_WINDOW = timedelta(days=14)
#: At most this many date ticks, so their labels never run into each other.
MAX_DATE_TICKS = 6
SAFETY_WORDS = N_("touches on your safety")
#: A safety question answered other than Never beside a calm level: no level word is given.
NOTED_WORDS = N_("a safety answer other than Never, so no level")
_LINE_COLOUR = "#1d4ed8"
_SAFETY_COLOUR = "#b91c1c"
#: 9 pt: 12px at the chart's own size, which pages keep (a narrow one scrolls the chart instead).
_FONT_RC: Any = {"font.family": "sans-serif", "font.size": 9,
                 "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"]}
#: SVG text as <text> (selectable, searchable, small), fixed ids, no metadata (which names URLs).
_SVG_RC: Any = {"svg.fonttype": "none", "svg.hashsalt": "redflag-trend"}
_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_SVG_TAGS = {"g", "defs", "path", "use", "text", "tspan", "rect", "line", "polyline",
             "polygon", "circle", "ellipse", "title", "desc"}
_SVG_ATTRS = {"id", "d", "style", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry",
              "width", "height", "viewBox", "transform", "points", "href", "fill", "stroke",
              "stroke-width", "opacity", "text-anchor", "font-size", "font-family"}
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,60}$")
_UNSAFE_VALUE = re.compile(r"url\s*\(|@import|expression\s*\(|javascript:|<", re.I)


def _chart_rows(trend: pd.DataFrame) -> pd.DataFrame:
    """The runs that have a saved time, oldest first."""
    rows = trend[pd.notna(trend["saved_at"])] if len(trend) else trend
    return rows.sort_values("saved_at", kind="stable") if len(rows) else rows


def _local_times(saved_at: pd.Series) -> list[datetime]:
    """Saved times as naive datetimes in the person's own time zone (as `local_day` words them)."""
    return [pd.Timestamp(t).to_pydatetime(warn=False).astimezone().replace(tzinfo=None) for t in saved_at]


def _date_window(times: Sequence[datetime]) -> tuple[datetime, datetime]:
    """The x-axis range: every run, padded so the range is never under MIN_CHART_WINDOW."""
    if not times:
        today = datetime.now().replace(hour=12, minute=0, second=0, microsecond=0)
        return today - MIN_CHART_WINDOW / 2, today + MIN_CHART_WINDOW / 2
    first, last = min(times), max(times)
    span = last - first
    pad = max((MIN_CHART_WINDOW - span) / 2, span * 0.05, timedelta(days=1))
    return first - pad, last + pad


def trend_lines(trend: pd.DataFrame, vocabulary: Vocabulary) -> list[str]:
    """The chart's numbers in words, one line per saved run, oldest first:
    "01 Oct 2026: 50 %, touches on your safety." A safety answer replaces the level words."""
    lines = []
    for row in _chart_rows(trend).itertuples():
        percent = float(row.percent) if pd.notna(row.percent) else math.nan
        amount = _("no answers scored") if math.isnan(percent) else percent_text(percent)
        withheld = bool(getattr(row, "level_withheld", False))
        words = (_(SAFETY_WORDS) if bool(row.safety) else _(NOTED_WORDS) if withheld
                 else vocabulary.level_label(str(row.level)))
        lines.append(_("{day}: {amount}, {words}.").format(day=local_day(row.saved_at), amount=amount,
                                                           words=words))
    return lines


def trend_text(trend: pd.DataFrame, vocabulary: Vocabulary) -> str:
    """`trend_lines` as plain text (one run per line), the text alternative to the chart."""
    return "\n".join(trend_lines(trend, vocabulary)) or _("No saved runs yet.")


def trend_figure(trend: pd.DataFrame, vocabulary: Vocabulary) -> Figure:
    """The trend chart as a matplotlib Figure (6.5 x 2.6 in): percent at each saved run over the
    level bands (labelled with `level.label`, shaded with `level.colour`); runs with a safety
    answer as red triangles, runs with too few answers as open circles, a legend for both."""
    import matplotlib.dates as mdates
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    rows = _chart_rows(trend)
    times = _local_times(rows["saved_at"])
    x = mdates.date2num(times) if times else np.array([], dtype=float)
    percent = rows["percent"].astype(float).to_numpy()
    flagged = rows["safety"].astype(bool).to_numpy()
    thin = (rows["level"].astype(str) == "insufficient").to_numpy() & ~flagged
    plain = ~flagged & ~thin
    with rc_context(_FONT_RC):
        fig = Figure(figsize=(6.5, 2.6), dpi=100, layout="constrained")
        ax = fig.subplots()
        _level_bands(ax, vocabulary)
        ax.plot(x, percent, color=_LINE_COLOUR, linewidth=1.5, zorder=2, clip_on=False)

        def mark(where: np.ndarray, **style: Any) -> Any:
            return ax.scatter(x[where], percent[where], zorder=3, clip_on=False, **style)

        mark(plain, marker="o", s=28, color=_LINE_COLOUR)
        shown = []
        if thin.any():
            shown.append(mark(thin, marker="o", s=28, facecolor="white", edgecolor=_LINE_COLOUR,
                              linewidths=1.5, label=vocabulary.insufficient_label))
        if flagged.any():
            shown.append(mark(flagged, marker="^", s=80, color=_SAFETY_COLOUR, edgecolor="white",
                              linewidths=0.6, label=_(SAFETY_WORDS)))
        if shown:
            ax.legend(handles=shown, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=len(shown),
                      frameon=False, borderaxespad=0.2, handletextpad=0.3, fontsize=9)
        _axes(ax, times)
        if not len(rows):
            ax.text(0.5, 0.5, _("No saved runs yet"), transform=ax.transAxes, ha="center", va="center",
                    color="#4b5563", parse_math=False)
    return fig


def _level_bands(ax: Any, vocabulary: Vocabulary) -> None:
    """The vocabulary's levels as shaded bands from 0 to 100, each named at the right."""
    lower = 0.0
    for level in vocabulary.levels:
        upper = min(level.below, 100)
        if upper > lower:
            ax.axhspan(lower, upper, color=level.colour, zorder=0, clip_on=False)
            ax.text(1.01, (lower + upper) / 2, level.label, transform=ax.get_yaxis_transform(),
                    va="center", fontsize=9, color="#4b5563", parse_math=False)
        lower = max(lower, upper)


def _axes(ax: Any, times: Sequence[datetime]) -> None:
    """Dates along the bottom (a readable window, labels that never collide), percent up the
    side, no box on top and right."""
    import matplotlib.dates as mdates

    ax.xaxis_date()
    window = _date_window(times)
    ax.set_xlim(*(float(mdates.date2num(t)) for t in window))
    locator = _date_locator(*window)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(_dates_formatter(locator))
    ax.set_ylim(0, 100)
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.set_ylabel(_("% of possible points"))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _date_locator(first: datetime, last: datetime) -> Any:
    """At most MAX_DATE_TICKS ticks. Up to 45 days: every k days, evenly (matplotlib's day
    ticks restart on the 1st of each month, so "29 Feb" and "Mar" could sit a day apart);
    longer: months or years, on their first day."""
    import matplotlib.dates as mdates

    days = (last - first) / timedelta(days=1)
    if days <= 45:
        step = next(k for k in (1, 2, 3, 4, 5, 7, 10, 14) if days // k + 1 <= MAX_DATE_TICKS)
        return mdates.DayLocator(interval=step)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=MAX_DATE_TICKS)
    locator.intervald[mdates.MONTHLY] = [1, 2, 3, 4, 6, 12]  # 12: every January, for 2.75-3 years
    return locator


def _dates_formatter(locator: Any) -> Any:
    """Short date labels that never read alike: a year ("2026"), a month with its year
    ("Jul 2026") or a day with its month ("05 Oct"); the year is added to the first label
    when no label names it. No offset text in the corner."""
    import matplotlib.dates as mdates

    class Formatter(mdates.ConciseDateFormatter):
        def format_ticks(self, values: Any) -> list[str]:
            labels = list(super().format_ticks(values))
            if labels and not any(re.search(r"\d{4}", label) for label in labels):
                labels[0] = f"{labels[0]} {mdates.num2date(values[0]).year}"
            return labels

    return Formatter(locator, formats=["%Y", "%b %Y", "%d %b", "%d %b %H:%M", "%H:%M", "%H:%M:%S"],
                     zero_formats=["", "%Y", "%b %Y", "%d %b", "%H:%M", "%H:%M"], show_offset=False)


def trend_png(trend: pd.DataFrame, title: str, vocabulary: Vocabulary) -> bytes:
    """`trend_figure` as PNG bytes. `title` is no longer drawn (the heading above the chart
    names the checklist); it is kept in the PNG's Title metadata."""
    out = io.BytesIO()
    trend_figure(trend, vocabulary).savefig(out, format="png", metadata={"Title": str(title)})
    return out.getvalue()


def trend_svg(trend: pd.DataFrame, vocabulary: Vocabulary, *, name: str = "", ident: str = "trend",
              describe: bool = True) -> str:
    """`trend_figure` as one inline `<svg>` element for an HTML page: no XML prolog, no
    scripts, styles or metadata, and nothing outside the element is referenced (its only
    links are `<use href="#…">` to its own markers).

    `role="img"`, an `aria-label` and a `<title>` name it (`name`, e.g. the checklist title,
    is escaped); with `describe`, a `<desc>` holds `trend_text`. Element ids start with
    `ident`, so several charts can share one page: give each its own.
    """
    from matplotlib import rc_context

    if not _IDENT.match(ident):
        raise ValueError(f"ident must be a short name of letters, digits, '-' and '_', not {ident!r}")
    fig = trend_figure(trend, vocabulary)
    out = io.StringIO()
    with rc_context({**_FONT_RC, **_SVG_RC}):  # the SVG names its fonts when it is written
        fig.savefig(out, format="svg", metadata={key: None for key in ("Creator", "Date", "Format", "Type")})
    runs = len(_chart_rows(trend))
    label = (f"{name}: " if name else "") + ngettext(
        "chart of the percent of the possible points at each saved run ({n} run)",
        "chart of the percent of the possible points at each saved run ({n} runs)", runs).format(n=runs)
    return _inline_svg(out.getvalue(), ident, label, trend_text(trend, vocabulary) if describe else "")


def _inline_svg(document: str, ident: str, label: str, description: str) -> str:
    """matplotlib's SVG document cut down to an inert, self-contained element: only drawing
    elements and attributes are kept, links may only point inside it, ids are prefixed."""
    root = ET.fromstring(document[document.index("<svg"):])
    if root.tag != f"{{{_SVG_NS}}}svg":
        raise ValueError("not an SVG document")
    referenced = {v[1:] for el in root.iter() for k, v in el.attrib.items()
                  if k in ("href", _XLINK_HREF) and v.startswith("#")}
    for parent in list(root.iter()):
        for child in list(parent):
            space, _, tag = child.tag.rpartition("}") if isinstance(child.tag, str) else ("", "", "")
            if space != f"{{{_SVG_NS}" or tag not in _SVG_TAGS:
                parent.remove(child)  # <style>, <metadata>, anything unexpected
    for el in root.iter():
        el.tag = el.tag.rpartition("}")[2]  # plain names; the root declares the namespace
        _keep_attributes(el, ident, referenced)
        if el.text is not None and not el.text.strip():
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == "defs" and not len(child):
                parent.remove(child)
    root.attrib.pop("version", None)
    root.set("xmlns", _SVG_NS)
    root.set("role", "img")
    root.set("aria-label", label)
    root.set("class", "redflag-trend")
    root.set("style", "max-width:100%;height:auto")
    title = ET.Element("title")
    title.text = label
    root.insert(0, title)
    if description:
        desc = ET.Element("desc")
        desc.text = description
        root.insert(1, desc)
    return ET.tostring(root, encoding="unicode")


def _keep_attributes(el: ET.Element, ident: str, referenced: set[str]) -> None:
    """Keep only drawing attributes with harmless values; ids and in-chart links get `ident`."""
    attrs = dict(el.attrib)
    el.attrib.clear()
    for key, value in attrs.items():
        key = "href" if key == _XLINK_HREF else key
        if key not in _SVG_ATTRS or _UNSAFE_VALUE.search(value):
            continue
        if key == "id":
            if value not in referenced:
                continue  # matplotlib names every group; only link targets need a name
            value = f"{ident}-{value}"
        elif key == "href":
            if not value.startswith("#") or value[1:] not in referenced:
                continue
            value = f"#{ident}-{value[1:]}"
        el.set(key, value)
