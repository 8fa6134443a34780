"""A printable report of the saved answers: standalone HTML or Markdown. Pure: returns text.

No scripts and no external assets (it must print and open anywhere, offline); everything
from data or from a person is escaped by the templates. The only markup made here is each
checklist's trend chart, an inline SVG built by `charts.trend_svg` (inert, escaped, nothing
outside it referenced). Private notes are left out: a report is often shown to someone else.

Page 1 is a short summary a person can hand over or keep on its own: each list's result in
one line, then help now: the chosen country's emergency numbers and its first few helplines
(with no country chosen: every country's emergency number). The rest starts on page 2: the
results in full, the tables, each list's answers and saves, and at the end the whole support
box, every country's lines. Printing (Chromium, "Save as PDF"): table rows and charts never
split across pages, table headers repeat, headings stay with what follows.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from markupsafe import Markup

from .charts import trend_lines, trend_svg
from .checklist import GROUPS, Checklist, ChecklistSet, SavedRun
from .i18n import _
from .markup import md_escape, render, support_context
from .resources import EVERYWHERE, Resource, Resources
from .scoring import score
from .summary import ResultLine, changes, latest_runs, percent_text, points_text, result_lines, summarise, trend
from .tables import changes_styler, checklists_styler, themes_styler

__all__ = ["PAGE_ONE_LINES", "md_escape", "report_html", "report_md"]

#: Page 1 lists the chosen country's emergency numbers and at most this many of its helplines.
PAGE_ONE_LINES = 4


def _help_now(resources: Resources, country: str | None) -> tuple[list[Resource], str]:
    """Page 1's help: (lines, the chosen country's name or "" when none is chosen). With a
    country: its emergency numbers, then its first PAGE_ONE_LINES helplines; with none: every
    country's emergency number (nobody's helplines are put first by guesswork)."""
    first, _others = resources.for_country(country)
    code = (country or "").strip().upper()
    if not (code and any(code in r.countries for r in resources.items)):
        return [r for r in first if r.emergency], ""
    emergency = [r for r in first if r.emergency]
    lines = [r for r in first if not r.emergency and EVERYWHERE not in r.countries]
    return emergency + lines[:PAGE_ONE_LINES], resources.country_name(code)


def _answer_rows(run: SavedRun, checklist: Checklist) -> list[dict[str, Any]]:
    """The run item by item: statement, answer, points; never the notes."""
    items = score(run, checklist).items
    return [{"n": n, "text": r.text, "answer": r.answer or "–", "safety": bool(r.safety),
             "points": points_text(r.points, r.max_points)}
            for n, r in enumerate(cast("Iterable[Any]", items.itertuples()), start=1)]


def _details(runs: Sequence[SavedRun], latest: Sequence[SavedRun], checklists: Mapping[str, Checklist],
             lines: Sequence[ResultLine], charts: bool) -> list[dict[str, Any]]:
    """Each checklist's latest answers item by item, and its trend over every saved run."""
    by_id = {line.checklist.id: line for line in lines}
    out = []
    for n, run in enumerate(latest, start=1):
        c, line = checklists[run.checklist_id], by_id[run.checklist_id]
        history = trend(runs, checklists, run.checklist_id)
        rows = _answer_rows(run, c)
        out.append({"line": line, "anchor": f"checklist-{n}", "rows": rows,
                    "flagged": any(r["safety"] for r in rows),
                    "trend": trend_lines(history, c.vocabulary),
                    "chart": Markup(trend_svg(history, c.vocabulary, name=c.title, ident=f"trend-{n}",
                                              describe=False)) if charts else ""})
    return out


def _can_draw() -> bool:
    """matplotlib is an optional dependency (the `ui` extra): without it, no charts."""
    return importlib.util.find_spec("matplotlib") is not None


def _context(runs: Sequence[SavedRun], checklists: Mapping[str, Checklist], resources: Resources,
             now: datetime | None, html: bool, country: str | None, charts: bool = False) -> dict[str, Any]:
    """What every report shows, whatever the output format."""
    context: dict[str, Any] = {"now": now or datetime.now().astimezone(), "lines": [],
                               "safety": False, "moved": [], "themes": [],
                               "details": []}
    if runs:
        latest = latest_runs(runs)
        summary = summarise(latest, checklists)
        moved = []
        for run in latest:
            earlier = [r for r in runs if r.checklist_id == run.checklist_id and r is not run
                       and r.saved_at <= run.saved_at]
            if earlier:
                c = checklists[run.checklist_id]
                table = changes(earlier[-1], run, c)
                if not table.empty:
                    moved.append((c.title, Markup(changes_styler(table).to_html()) if html else table))
        vocabulary = ChecklistSet.of(checklists).vocabulary
        lines = result_lines(summary, checklists)
        context.update(
            lines=lines, safety=summary.safety, moved=moved,
            details=_details(runs, latest, checklists, lines, html and charts and _can_draw()),
            themes=[{"title": t.title, "answered": t.answered, "percent_text": percent_text(t.percent),
                     "kind": _(GROUPS[t.group])}
                    for t in cast("Iterable[Any]", summary.themes.itertuples())],
            checklists_table=Markup(checklists_styler(summary.checklists, vocabulary).to_html()) if html else "",
            themes_table=Markup(themes_styler(summary.themes, checklists).to_html()) if html else "")
    context.update(support_context(resources, urgent=context["safety"], country=country, unfolded=True))
    context["help_now"], context["help_country"] = _help_now(resources, country)
    context["others_open"] = True  # a printed page cannot open a folded list
    context["anchor"] = "support"  # the results link to the one box in the report
    return context


def report_html(runs: Sequence[SavedRun], checklists: Mapping[str, Checklist],
                resources: Resources, now: datetime | None = None, country: str | None = None,
                charts: bool = True) -> str:
    """The report as one standalone HTML page; `country` puts its support lines first.

    With `charts` (and matplotlib installed) each checklist gets its trend chart as inline SVG;
    its text alternative (every saved run's date, percent and level) is shown either way.
    """
    return render("report.html.j2", **_context(runs, checklists, resources, now, True, country, charts))


def report_md(runs: Sequence[SavedRun], checklists: Mapping[str, Checklist],
              resources: Resources, now: datetime | None = None, country: str | None = None) -> str:
    """The report as Markdown (plain lists, so it reads well as text too)."""
    return render("report.md.j2", **_context(runs, checklists, resources, now, False, country))
