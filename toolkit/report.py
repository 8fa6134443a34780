"""A printable report of the saved answers: standalone HTML or Markdown. Pure: returns text.

No scripts and no external assets (it must print and open anywhere, offline); everything
from data or from a person is escaped by the templates. Private notes are left out: a report
is often shown to someone else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from markupsafe import Markup

from .checklist import GROUPS, Checklist, SavedRun
from .markup import md_escape, render, support_context
from .render import changes_styler, checklists_styler, themes_styler
from .resources import Resources
from .summary import changes, latest_runs, percent_text, result_lines, summarise

__all__ = ["md_escape", "report_html", "report_md"]


def _context(runs: Sequence[SavedRun], checklists: Mapping[str, Checklist], resources: Resources,
             now: datetime | None, html: bool, country: str | None) -> dict[str, Any]:
    """What every report shows, whatever the output format."""
    context: dict[str, Any] = {"now": now or datetime.now().astimezone(), "lines": [],
                               "safety": False, "moved": [], "themes": []}
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
        vocabulary = next(iter(checklists.values())).vocabulary
        context.update(
            lines=result_lines(summary, checklists), safety=summary.safety, moved=moved,
            themes=[{"title": t.title, "answered": t.answered, "percent_text": percent_text(t.percent),
                     "kind": GROUPS[t.group]}
                    for t in summary.themes.itertuples()],
            checklists_table=Markup(checklists_styler(summary.checklists, vocabulary).to_html()) if html else "",
            themes_table=Markup(themes_styler(summary.themes, checklists).to_html()) if html else "")
    context.update(support_context(resources, urgent=context["safety"], country=country))
    return context


def report_html(runs: Sequence[SavedRun], checklists: Mapping[str, Checklist],
                resources: Resources, now: datetime | None = None, country: str | None = None) -> str:
    """The report as one standalone HTML page; `country` puts its support lines first."""
    return render("report.html.j2", **_context(runs, checklists, resources, now, True, country))


def report_md(runs: Sequence[SavedRun], checklists: Mapping[str, Checklist],
              resources: Resources, now: datetime | None = None, country: str | None = None) -> str:
    """The report as Markdown (plain lists, so it reads well as text too)."""
    return render("report.md.j2", **_context(runs, checklists, resources, now, False, country))
