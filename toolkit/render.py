"""HTML for results: pandas Styler tables and short plain-language blocks. No I/O, no widgets.

Used by the notebook UI and the printable report alike. Every value that comes from data or
from a person (item text, notes, uploaded files) is escaped: Styler with escape="html",
everything else with html.escape.
"""

from __future__ import annotations

import html
import math
from typing import Mapping

import pandas as pd
from pandas.io.formats.style import Styler

from .checklist import Checklist
from .scoring import Result

esc = html.escape

LEVEL_WORDS = {"none": "none", "low": "low", "moderate": "moderate", "high": "high",
               "insufficient": "not enough answers yet"}
_SAFETY_ROW = "background-color:#fef3c7"


def _pct(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.0f} %"


def level_html(title: str, level: str, percent: float, answered: int, total: int,
               explanation: str, direction: str) -> str:
    """One checklist's result in words: what the level is and what it means."""
    what = "signs present" if direction == "strength" else "level of concern"
    if level == "insufficient":
        return (f"<div class='redflag-level' style='margin:0.4em 0'><b>{esc(title)}</b>: not enough "
                f"answers yet ({answered} of {total} answered).<br>{esc(explanation)}</div>")
    return (f"<div class='redflag-level' style='margin:0.4em 0'><b>{esc(title)}</b>: {what} "
            f"<b>{esc(LEVEL_WORDS.get(level, level))}</b> "
            f"({_pct(percent)} of the possible points, {answered} of {total} answered)."
            f"<br>{esc(explanation)}</div>")


def items_styler(result: Result) -> Styler:
    """A person's answers, item by item; rows that raise the safety flag are highlighted."""
    table = result.items
    shown = pd.DataFrame({
        "#": range(1, len(table) + 1),
        "Item": table["text"],
        "Your answer": table["answer"].replace("", "–"),
        "Points": [f"{p:.0f} of {m:.0f}" if not math.isnan(p) else "–"
                   for p, m in zip(table["points"], table["max_points"])],
        "Your note": table["note"],
    })
    flagged = table["safety"].to_numpy()
    return (shown.style.hide(axis="index").format(escape="html")
            .apply(lambda _: [_SAFETY_ROW if f else "" for f in flagged], axis=0)
            .set_table_attributes("class='redflag-items'")
            .set_caption("Your answers. Highlighted rows are answers that touch on your safety."))


def checklists_styler(runs: pd.DataFrame) -> Styler:
    """One row per checklist run: how much was answered and the level in words."""
    shown = pd.DataFrame({
        "Checklist": runs["title"],
        "Kind": runs["direction"].map({"concern": "concerns", "strength": "what's working"}),
        "Answered": [f"{a} of {a + u}" for a, u in zip(runs["answered"], runs["unanswered"])],
        "Percent": [_pct(p) for p in runs["percent"]],
        "Level": runs["level"].astype(str).map(lambda x: LEVEL_WORDS.get(x, x)),
        "Safety": runs["safety"].map({True: "yes – see support above", False: ""}),
        "Saved": runs["saved_at"].map(lambda t: "" if pd.isna(t) else t.tz_convert(None).strftime("%d %b %Y")),
    })
    flagged = runs["safety"].to_numpy()
    return (shown.style.hide(axis="index").format(escape="html")
            .apply(lambda _: [_SAFETY_ROW if f else "" for f in flagged], axis=0)
            .set_table_attributes("class='redflag-checklists'"))


def themes_styler(themes: pd.DataFrame, checklists: Mapping[str, Checklist]) -> Styler:
    """Themes across checklists, concerns and strengths apart; checklists named by title."""
    shown = pd.DataFrame({
        "Theme": themes["title"],
        "Kind": themes["direction"].map({"concern": "concern", "strength": "what's working"}),
        "Items answered": themes["answered"],
        "Percent": [_pct(p) for p in themes["percent"]],
        "From": themes["checklists"].map(
            lambda ids: ", ".join(checklists[i].title if i in checklists else i for i in ids.split(", "))),
    })
    return (shown.style.hide(axis="index").format(escape="html")
            .set_table_attributes("class='redflag-themes'"))


def changes_styler(table: pd.DataFrame) -> Styler:
    """What changed since last time: before, after, and whether it moved for better or worse."""
    shown = pd.DataFrame({"Item": table["text"], "Before": table["before"], "Now": table["after"],
                          "Change": table["change"]})
    colours = {"worse": "background-color:#fee2e2", "better": "background-color:#dcfce7"}
    return (shown.style.hide(axis="index").format(escape="html")
            .map(lambda v: colours.get(v, ""), subset=["Change"])
            .set_table_attributes("class='redflag-changes'"))


def trend_png(trend: pd.DataFrame, title: str, levels: list[tuple[str, float]]) -> bytes:
    """A small line chart of percent over time; safety-flagged runs drawn as red triangles."""
    import io

    import matplotlib
    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 2.6), dpi=100)
    ax = fig.subplots()
    lower = 0.0
    for (name, upper), shade in zip(levels, ("#f0fdf4", "#fefce8", "#fff7ed", "#fef2f2")):
        ax.axhspan(lower, min(upper, 100), color=shade, zorder=0)
        ax.text(1.01, (lower + min(upper, 100)) / 2, name, transform=ax.get_yaxis_transform(),
                va="center", fontsize=7, color="#6b7280")
        lower = upper
    times = pd.to_datetime(trend["saved_at"]).dt.tz_convert(None)
    ax.plot(times, trend["percent"], marker="o", color="#1d4ed8", zorder=2)
    flagged = trend["safety"].astype(bool).to_numpy()
    if flagged.any():
        ax.scatter(times[flagged], trend["percent"][flagged], marker="^", s=90, color="#b91c1c",
                   zorder=3, label="safety answer")
        ax.legend(loc="upper left", fontsize=7)
    ax.set_ylim(0, 100)
    ax.set_ylabel("percent")
    ax.set_title(title, fontsize=10)
    fig.autofmt_xdate()
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
