"""HTML for results: jinja2 templates (autoescape) for text, pandas Styler for tables. No I/O.

Used by the notebook UI and the printable reports alike. Every value that comes from data or
from a person (item text, notes, uploaded files) is escaped: the templates autoescape, Styler
tables use escape="html", Markdown goes through `md_escape`.
"""

from __future__ import annotations

import html
import io
import math
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd

from .checklist import GROUPS, Checklist, Vocabulary
from .resources import Resource, Resources
from .scoring import Result

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

    from .summary import ResultLine

# Highlights set their text colour too: a dark theme's light text on them would be unreadable.
_SAFETY_ROW = "background-color:#fef3c7;color:#1f2937"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def md_escape(text: object) -> str:
    """Escape for Markdown: HTML-escape (renderers pass HTML through), then backslash syntax."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


@lru_cache(maxsize=1)
def templates() -> jinja2.Environment:
    """The package's templates; `.html.j2` autoescape, `.md.j2` escape with the `md` filter."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("toolkit", "templates"),
                             autoescape=jinja2.select_autoescape(["html.j2"]),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["md"] = md_escape
    env.filters["day"] = local_day
    return env


def local_day(moment: Any) -> str:
    """A saved time as a date in the person's own time zone ("05 Oct 2026")."""
    if hasattr(moment, "to_pydatetime"):
        moment = moment.to_pydatetime()
    return str(moment.astimezone().strftime("%d %b %Y"))


def render(name: str, **context: Any) -> str:
    return templates().get_template(name).render(**context)


def ui(macro: str, *args: Any, **kwargs: Any) -> str:
    """One of the small UI pieces in `ui.html.j2` (message, form_header, data_link, …)."""
    return str(getattr(templates().get_template("ui.html.j2").module, macro)(*args, **kwargs))


def support_context(resources: Resources, urgent: bool, country: str | None = None) -> dict[str, Any]:
    """What the support box shows: emergency numbers and the person's country first, the rest
    folded under "Other countries"; with no country known, every line, none folded away."""
    first: Sequence[Resource] = resources.items
    others: Sequence[Resource] = ()
    if country:
        first, others = resources.for_country(country)
    return {"resources": resources, "urgent": urgent, "first": first, "others": others,
            "others_label": "Other countries", "calm_message": "", "device_note": resources.device_note}


def support_html(resources: Resources, urgent: bool = True, country: str | None = None) -> str:
    """The support box (the one template for widgets and reports)."""
    return render("support.html.j2", **support_context(resources, urgent, country))


def level_html(line: ResultLine) -> str:
    """One checklist's result in words; a safety answer replaces the level sentence."""
    return render("level.html.j2", line=line)


def _pct(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.0f} %"


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


def checklists_styler(runs: pd.DataFrame, vocabulary: Vocabulary) -> Styler:
    """One row per checklist run: how much was answered and the level in words."""
    shown = pd.DataFrame({
        "Checklist": runs["title"],
        "Kind": [GROUPS[checklists_group] for checklists_group in runs["group"]],
        "Answered": [f"{a} of {a + u}" for a, u in zip(runs["answered"], runs["unanswered"])],
        "Percent": [_pct(p) for p in runs["percent"]],
        "Level": [("see support above" if safe else vocabulary.level_label(str(level)))
                  for level, safe in zip(runs["level"], runs["safety"])],
        "Safety": runs["safety"].map({True: "yes – see support above", False: ""}),
        "Saved": runs["saved_at"].map(lambda t: "" if pd.isna(t) else local_day(t)),
    })
    flagged = runs["safety"].to_numpy()
    return (shown.style.hide(axis="index").format(escape="html")
            .apply(lambda _: [_SAFETY_ROW if f else "" for f in flagged], axis=0)
            .set_table_attributes("class='redflag-checklists'"))


def themes_styler(themes: pd.DataFrame, checklists: Mapping[str, Checklist]) -> Styler:
    """Themes across checklists, concerns and strengths apart; checklists named by title."""
    shown = pd.DataFrame({
        "Theme": themes["title"],
        "Kind": themes["group"].map(GROUPS),
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
    colours = {"worse": "background-color:#fee2e2;color:#1f2937", "better": "background-color:#dcfce7;color:#1f2937"}
    return (shown.style.hide(axis="index").format(escape="html")
            .map(lambda v: colours.get(v, ""), subset=["Change"])
            .set_table_attributes("class='redflag-changes'"))


def trend_alt(trend: pd.DataFrame, title: str) -> str:
    """The trend chart in words, for people who cannot see it (the image's accessible name)."""
    if trend.empty:
        return f"Chart of {title}: no saved runs."
    runs = list(zip(trend["saved_at"], trend["percent"]))
    said = f"{_pct(runs[0][1])} on {local_day(runs[0][0])}"
    if len(runs) > 1:
        said = f"first {said}, latest {_pct(runs[-1][1])} on {local_day(runs[-1][0])}"
    flagged = int(trend["safety"].astype(bool).sum())
    safety = f"; {flagged} with an answer that touches on your safety" if flagged else ""
    return f"Chart of {title}, percent of the possible points in {len(runs)} saved run(s): {said}{safety}."


def trend_png(trend: pd.DataFrame, title: str, vocabulary: Vocabulary) -> bytes:
    """A small line chart of percent over time in the vocabulary's level bands; safety-flagged
    runs drawn as red triangles."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 2.6), dpi=100)
    ax = fig.subplots()
    lower = 0.0
    for level in vocabulary.levels:
        upper = min(level.below, 100)
        ax.axhspan(lower, upper, color=level.colour, zorder=0)
        ax.text(1.01, (lower + upper) / 2, level.label, transform=ax.get_yaxis_transform(),
                va="center", fontsize=7, color="#6b7280")
        lower = level.below
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
