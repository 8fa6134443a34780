"""The notebooks in `notebooks/`, built from the checklists so that they never drift apart.

`redflag notebooks [DIR]` writes any that are missing (e.g. for a checklist you added, or
into a folder of your own after `pip install`);
a test checks the committed ones equal what this module builds. Notebooks hold no logic and
no outputs: one or two lines of code each.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import service
from .checklist import Checklist
from .errors import ToolkitError
from .markup import md_escape
from .resources import Resources
from .service import start_page

START = "00-start-here.ipynb"
SUMMARY = "summary.ipynb"
#: Where there is code (JupyterLab) this comment is the hint; the app view shows no code, so
#: it shows no hint either.
RUN_HINT = "# To see the page: choose Run → Run All Cells in the menu."
HISTORY = "history.ipynb"
CORE = ("avoid-partners-where", "toxic-relationship", "trauma-bonding")
SECTIONS = (
    ("red-flags", "Red flags"),
    ("reflection", "Questions for yourself"),
    ("green-flags", "Good signs"),
    ("strengths", "Strengths"),
)


def md_text(text: object) -> str:
    """Text from data (a title, the limits, the device note) as Markdown that shows exactly
    that text: one line (no heading, list or fence can start inside it), HTML-escaped (Voilà
    passes raw HTML in Markdown through to the page, so `<script>` or `<img onerror>` would
    run), Markdown syntax backslash-escaped (no `[link](javascript:...)`, no emphasis), and
    `$` escaped so that no math (MathJax in JupyterLab) is typeset from it."""
    return md_escape(" ".join(str(text).split())).replace("$", "\\$")


def _cell(kind: str, source: str, n: int) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "id": f"cell-{n}", "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
        cell["metadata"] = {"jupyter": {"source_hidden": False}}
    return cell


def _notebook(cells: list[tuple[str, str]]) -> dict:
    return {
        "cells": [_cell(k, s, n) for n, (k, s) in enumerate(cells, start=1)],
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4, "nbformat_minor": 5,
    }


def _ordered(checklists: Mapping[str, Checklist]) -> list[Checklist]:
    core = [checklists[c] for c in CORE if c in checklists]
    return core + [c for cid, c in checklists.items() if cid not in CORE]


def checklist_notebook(checklist: Checklist) -> dict:
    """One checklist: a short intro in markdown and a single line that shows the form."""
    about = ("This list is about **you**: a mirror for your own patterns, not a verdict on anyone."
             if checklist.kind == "reflection" else
             "Answer for how things have been lately. Each answer is how often something is true.")
    intro = (f"{about}\n\n"  # the form itself shows the title and the intro
             f"Press **Save my answers** when you are done: your answers are saved only on {service.place()}, "
             "and you can come back and **Resume** them later. **Hide** clears the screen at once.\n\n"
             f"[← Start here]({START}) · [Summary of all your answers]({SUMMARY})")
    code = f'{RUN_HINT}\nfrom toolkit.ui import ChecklistForm\nChecklistForm("{checklist.id}")'
    return _notebook([("markdown", intro), ("code", code)])


def start_notebook(checklists: Mapping[str, Checklist], resources: Resources) -> dict:
    """The start page: what this is and is not, privacy, links, and support resources."""
    links = []
    for kind, heading in SECTIONS:
        rows = [c for c in _ordered(checklists) if c.kind == kind]
        if rows:  # a heading, then a blank line: Markdown must not glue it onto the list above
            links.append(f"### {heading}\n\n" + "\n".join(
                f"- [{md_text(c.title)}]({c.id}.ipynb) – {len(c.items)} items" for c in rows))
    text = f"""# Relationship red-flag checklists

A calm, private way to look at a relationship or someone you are dating. Each checklist has a
few statements; for each you pick how often it is true, from *never* to *always* (or *not sure*).
At the end you see which signs show up, how strongly, and what that may mean.

**What this is not.** It is not a diagnosis and not a test with a verdict. It is a reflection aid
built from articles on avoidant attachment, toxic relationships and trauma bonding, scored by a
simple, open rule (see the README). Trust what you notice: if something feels wrong, it matters,
whatever a score says.

**Your answers stay private.** They are saved only on this computer, in a private folder (the
[Summary]({SUMMARY}) shows where, under *Your data*), one file each time you save, readable only by you. Nothing is sent
anywhere and nothing is written into these notebooks. You can delete everything in the
[Summary]({SUMMARY}) under *Your data*.

**On Binder** (the online version) everything is deleted when the session ends. Use *Download
my answers* in the [Summary]({SUMMARY}) before you leave, and *Upload answers* next time. For
regular use, run it on your own computer.

## The checklists

{(chr(10) * 2).join(links)}

## Afterwards

- [Summary of your latest answers]({SUMMARY}): all checklists side by side, themes, your data
- [History]({HISTORY}): how your answers changed over time

## What this does not ask

{md_text(resources.limits)}

**On a shared device.** {md_text(resources.device_note)}

## If you need support now
"""
    text = start_page(text, SUMMARY)  # on a service (JupyterHub): where answers are kept there
    code = f"{RUN_HINT}\nfrom toolkit.ui import SupportResources\nSupportResources()"
    return _notebook([("markdown", text), ("code", code)])


def summary_notebook() -> dict:
    text = (f"# Summary of your answers\n\nThe most recent saved answers of each checklist, side by "
            "side. If any answer touches on your safety, support resources come first.\n\n"
            f"[← Start here]({START}) · [History]({HISTORY})")
    return _notebook([("markdown", text), ("code", f"{RUN_HINT}\nfrom toolkit.ui import Summary\nSummary()")])


def history_notebook() -> dict:
    text = (f"# History\n\nHow your answers changed over time, one chart per checklist, and what "
            "changed since last time.\n\n"
            f"[← Start here]({START}) · [Summary]({SUMMARY})")
    return _notebook([("markdown", text), ("code", f"{RUN_HINT}\nfrom toolkit.ui import History\nHistory()")])


def all_notebooks(checklists: Mapping[str, Checklist], resources: Resources) -> dict[str, dict]:
    """File name -> notebook, for every notebook the project ships."""
    books = {START: start_notebook(checklists, resources), SUMMARY: summary_notebook(),
             HISTORY: history_notebook()}
    books.update({f"{c.id}.ipynb": checklist_notebook(c) for c in _ordered(checklists)})
    return books


def dumps(notebook: dict) -> str:
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def write_notebooks(checklists: Mapping[str, Checklist], resources: Resources, folder: Path,
                    overwrite: bool = False) -> list[Path]:
    """Write the notebooks that are missing (or all, with overwrite); return those written."""
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ToolkitError(f"{folder}: cannot create the notebooks folder ({exc.strerror or exc})") from None
    for name, notebook in all_notebooks(checklists, resources).items():
        path = folder / name
        if path.exists() and not overwrite:
            continue
        try:
            path.write_text(dumps(notebook), encoding="utf-8")
        except OSError as exc:
            raise ToolkitError(f"{path}: cannot write ({exc.strerror or exc})") from None
        written.append(path)
    return written
