"""A printable report of the saved answers: standalone HTML or Markdown. Pure: returns text.

No scripts and no external assets (it must print and open anywhere, offline); everything
from data or from a person is escaped. Private notes are left out: a report is often shown
to someone else.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Mapping, Sequence

import pandas as pd

from .checklist import Answers, Checklist
from .render import LEVEL_WORDS, changes_styler, checklists_styler, themes_styler
from .resources import Resources
from .summary import changes, latest_runs, result_lines, summarise

esc = html.escape
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:52em;margin:2em auto;
color:#111827;line-height:1.45;padding:0 1em}
table{border-collapse:collapse;margin:0.5em 0 1.2em}th,td{border:1px solid #d1d5db;padding:0.3em 0.6em;
text-align:left;vertical-align:top}caption{text-align:left;font-style:italic}
.support{border:2px solid #b45309;background:#fffbeb;padding:0.6em 1em;border-radius:6px}
@media print{a{color:inherit;text-decoration:none}.support{break-inside:avoid}}
"""


def _sections(runs: Sequence[Answers], checklists: Mapping[str, Checklist]):
    """What every report shows, independent of the output format."""
    latest = latest_runs(runs)
    summary = summarise(latest, checklists)
    moved = []
    for run in latest:
        earlier = [r for r in runs if r.checklist_id == run.checklist_id and r is not run
                   and r.saved_at <= run.saved_at]
        if earlier:
            table = changes(earlier[-1], run, checklists[run.checklist_id])
            if not table.empty:
                moved.append((checklists[run.checklist_id], table))
    return summary, moved


def report_html(runs: Sequence[Answers], checklists: Mapping[str, Checklist],
                resources: Resources, now: datetime | None = None) -> str:
    """The report as one standalone HTML page."""
    now = now or datetime.now().astimezone()
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>Relationship checklists – report</title><style>{CSS}</style></head><body>",
             "<h1>Relationship checklists – my report</h1>",
             f"<p>Made on {esc(now.strftime('%d %B %Y, %H:%M'))} from the most recent saved answers "
             "of each checklist.</p>"]
    summary = None
    if not runs:
        parts.append("<p>No saved answers yet.</p>")
    else:
        summary, moved = _sections(runs, checklists)
        if summary.safety:
            parts.append(_support_html(resources))
        parts.append("<h2>Results</h2><ul>")
        for r in result_lines(summary, checklists):
            parts.append(
                f"<li><b>{esc(r.checklist.title)}</b> (version {r.version}, saved "
                f"{esc(r.saved_at.strftime('%d %b %Y'))}): {esc(LEVEL_WORDS.get(r.level, r.level))}, "
                f"{r.percent_text}, {r.answered} of {r.total} answered"
                f"{' – <b>touches on safety</b>' if r.safety else ''}.<br>{esc(r.explanation)}</li>")
        parts.append("</ul>")
        parts.append("<h2>All checklists</h2>" + checklists_styler(summary.checklists).to_html())
        parts.append("<h2>Themes across checklists</h2>" + themes_styler(summary.themes, checklists).to_html())
        parts.append("<h2>Changes since last time</h2>")
        if not moved:
            parts.append("<p>No earlier answers to compare with, or nothing changed.</p>")
        for c, table in moved:
            parts.append(f"<h3>{esc(c.title)}</h3>" + changes_styler(table).to_html())
    parts.append(f"<hr><p><small>{esc(resources.disclaimer)}</small></p>")
    if summary is not None and not summary.safety:
        parts.append(_support_html(resources, urgent=False))
    parts.append("</body></html>")
    return "\n".join(parts)


def _support_html(resources: Resources, urgent: bool = True) -> str:
    items = "".join(
        f"<li><b>{esc(r.name)}</b> ({esc(r.region)}){': ' + esc(r.phone) if r.phone else ''}"
        f"{' · ' + esc(r.web) if r.web else ''}<br><small>{esc(r.when)}</small></li>"
        for r in resources.items)
    message = f"<p>{esc(resources.message)}</p>" if urgent else ""
    return f"<div class='support'><h2>{esc(resources.heading)}</h2>{message}<ul>{items}</ul></div>"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def md_escape(text: str) -> str:
    """Escape for Markdown: HTML-escape (renderers pass HTML through), then backslash syntax."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


def report_md(runs: Sequence[Answers], checklists: Mapping[str, Checklist],
              resources: Resources, now: datetime | None = None) -> str:
    """The report as Markdown (plain lists, so it reads well as text too)."""
    now = now or datetime.now().astimezone()
    out = ["# Relationship checklists – my report", "",
           f"Made on {md_escape(now.strftime('%d %B %Y, %H:%M'))} from the most recent saved answers "
           "of each checklist.", ""]
    summary = None
    if not runs:
        out += ["No saved answers yet.", ""]
    else:
        summary, moved = _sections(runs, checklists)
        if summary.safety:
            out += _support_md(resources, urgent=True)
        out += ["## Results", ""]
        for r in result_lines(summary, checklists):
            out.append(f"- **{md_escape(r.checklist.title)}** (version {r.version}, saved "
                       f"{r.saved_at.strftime('%d %b %Y')}): {md_escape(LEVEL_WORDS.get(r.level, r.level))}, "
                       f"{r.percent_text}, {r.answered} of {r.total} answered"
                       f"{' – **touches on safety**' if r.safety else ''}. {md_escape(r.explanation)}")
        out += ["", "## Themes across checklists", ""]
        for t in summary.themes.itertuples():
            pct = "–" if pd.isna(t.percent) else f"{t.percent:.0f} %"
            kind = "what's working" if t.direction == "strength" else "concern"
            out.append(f"- {md_escape(t.title)} ({kind}): {pct} over {t.answered} answered items")
        out += ["", "## Changes since last time", ""]
        if not moved:
            out.append("No earlier answers to compare with, or nothing changed.")
        for c, table in moved:
            out += [f"### {md_escape(c.title)}", ""]
            out += [f"- {md_escape(r.text)}: {md_escape(r.before)} → {md_escape(r.after)} ({r.change})"
                    for r in table.itertuples()]
            out.append("")
    out += ["", "---", "", md_escape(resources.disclaimer), ""]
    if summary is not None and not summary.safety:
        out += _support_md(resources, urgent=False)
    return "\n".join(out) + "\n"


def _support_md(resources: Resources, urgent: bool) -> list[str]:
    out = [f"## {md_escape(resources.heading)}", ""]
    if urgent:
        out += [md_escape(resources.message), ""]
    for r in resources.items:
        contact = " · ".join(md_escape(x) for x in (r.phone, r.web) if x)
        out.append(f"- **{md_escape(r.name)}** ({md_escape(r.region)}): {contact}. {md_escape(r.when)}")
    return out + [""]
