"""The trend chart (matplotlib): one checklist's saves, oldest first. No I/O.

The share of the possible points at each save (`toolkit.summary.trend`) in the vocabulary's
level bands, saves with a safety answer as red triangles, and the same numbers as text lines.
As a figure, a PNG, or an inline SVG for pages (inert: only known elements and attributes kept,
ids prefixed). No title inside the chart: the heading above it names the checklist.

Saves sit side by side in the order they were made, one step apart, so several saves on one
day are as easy to tell apart as saves a month apart (on a calendar axis they made one
vertical spike); the axis ends at the last save (a calendar axis padded a week into the
future). Their date labels say the day, and the time of day when a day has several saves.
"""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from .checklist import Vocabulary
from .i18n import N_, _, ngettext
from .markup import local_day
from .summary import percent_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: At most this many date labels along the bottom, so they never run into each other.
MAX_DATE_TICKS = 5
#: How far the axis reaches past the first and last save, in steps between saves.
EDGE = 0.5
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


def _shared_days(times: Sequence[datetime]) -> set[Any]:
    """The days with more than one save: their saves are told apart by the time of day."""
    days = [t.date() for t in times]
    return {d for d in days if days.count(d) > 1}


def _tick_runs(n: int) -> list[int]:
    """Which saves get a date label: all of them up to MAX_DATE_TICKS, else every k-th counted
    back from the last (evenly apart, so no two labels crowd; the last save always has one)."""
    if n <= MAX_DATE_TICKS:
        return list(range(n))
    step = math.ceil((n - 1) / (MAX_DATE_TICKS - 1))
    return list(range(n - 1, -1, -step))[::-1]


def _tick_labels(times: Sequence[datetime], picks: Sequence[int]) -> tuple[list[int], list[str]]:
    """Date labels for the picked saves: "05 Oct", with the year on the first, wherever it
    changes and wherever the day and month alone would repeat a label; the time of day on a
    second line when the day has several saves. A label that would read exactly like the one
    before it (two saves in one minute) is left out."""
    shared = _shared_days(times)
    kept: list[int] = []
    labels: list[str] = []
    year = None
    for k in picks:
        t = times[k]
        day = local_day(t, "%d %b")
        repeats = any(other.startswith(day) for other in labels) and times[kept[-1]].date() != t.date()
        label = day + ("" if t.year == year and not repeats else t.strftime(" %Y"))
        if t.date() in shared:
            label += "\n" + t.strftime("%H:%M")
        if labels and label.split("\n")[-1] == labels[-1].split("\n")[-1] and \
                times[kept[-1]].date() == t.date():
            continue
        kept.append(k)
        labels.append(label)
        year = t.year
    return kept, labels


def when_saved(moment: Any, times: Sequence[datetime] = ()) -> str:
    """A save's day ("05 Oct 2026"), with its time of day ("05 Oct 2026, 09:05") when `times`
    (every save of the list, local) holds another save on that day."""
    local = pd.Timestamp(moment).to_pydatetime(warn=False).astimezone().replace(tzinfo=None)
    if local.date() in _shared_days(times):
        return _("{day}, {time}").format(day=local_day(moment), time=local.strftime("%H:%M"))
    return local_day(moment)


def trend_lines(trend: pd.DataFrame, vocabulary: Vocabulary) -> list[str]:
    """The chart's numbers in words, one line per save, oldest first:
    "01 Oct 2026: 50 %, touches on your safety." A safety answer replaces the level words;
    a day with several saves gives each its time of day ("01 Oct 2026, 09:05: …")."""
    lines = []
    rows = _chart_rows(trend)
    times = _local_times(rows["saved_at"])
    for row in cast("Iterable[Any]", rows.itertuples()):  # pandas-stubs types a row's fields loosely
        percent = float(row.percent) if pd.notna(row.percent) else math.nan
        amount = _("no answers scored") if math.isnan(percent) else percent_text(percent)
        withheld = bool(getattr(row, "level_withheld", False))
        words = (_(SAFETY_WORDS) if bool(row.safety) else _(NOTED_WORDS) if withheld
                 else vocabulary.level_label(str(row.level)))
        lines.append(_("{day}: {amount}, {words}.").format(day=when_saved(row.saved_at, times), amount=amount,
                                                           words=words))
    return lines


def trend_text(trend: pd.DataFrame, vocabulary: Vocabulary) -> str:
    """`trend_lines` as plain text (one save per line), the text alternative to the chart."""
    return "\n".join(trend_lines(trend, vocabulary)) or _("Nothing saved yet.")


def trend_figure(trend: pd.DataFrame, vocabulary: Vocabulary) -> Figure:
    """The trend chart as a matplotlib Figure (6.5 x 2.6 in): the share of the possible points
    at each save, oldest first, one step apart, over the level bands (labelled with
    `level.label`, shaded with `level.colour`); saves with a safety answer as red triangles,
    saves with too few answers as open circles, a legend for both."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    rows = _chart_rows(trend)
    times = _local_times(rows["saved_at"])
    x = np.arange(len(times), dtype=float)
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
            ax.text(0.5, 0.5, _("Nothing saved yet"), transform=ax.transAxes, ha="center", va="center",
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
    """Saves along the bottom, one step apart and named by their dates (never a date after the
    last save), the share of the possible points up the side, no box on top and right."""
    n = len(times)
    ax.set_xlim(-EDGE, max(n - 1, 0) + EDGE)
    picks, labels = _tick_labels(times, _tick_runs(n))
    ax.set_xticks([float(k) for k in picks], labels=labels)
    ax.set_xlabel(_("Each time you saved, oldest first"))
    ax.set_ylim(0, 100)
    ticks = [0, 25, 50, 75, 100]
    ax.set_yticks(ticks, labels=[percent_text(t) for t in ticks])
    ax.set_ylabel(_("Share of the possible points"))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


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
    saves = len(_chart_rows(trend))
    label = (f"{name}: " if name else "") + ngettext(
        "chart of the share of the possible points each time you saved (saved once)",
        "chart of the share of the possible points each time you saved ({n} times saved)", saves).format(n=saves)
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
