"""The notebooks in `notebooks/`, built from the checklists so that they never drift apart.

`redflag notebooks [DIR]` writes any that are missing (e.g. for a checklist you added, or
into a folder of your own after `pip install`);
a test checks the committed ones equal what this module builds. Notebooks hold no logic and
no outputs: one or two lines of code each.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import service
from .checklist import Checklist
from .errors import ToolkitError
from .i18n import N_, _, ngettext
from .markup import HISTORY, START, SUMMARY, md_text, render

__all__ = ["HISTORY", "START", "SUMMARY", "all_notebooks", "checklist_notebook", "md_text", "start_html",
           "start_notebook", "write_notebooks"]
from .resources import Resources

#: Where there is code (JupyterLab) this comment is the hint; the app view shows no code, so
#: it shows no hint either.
RUN_HINT = "# " + _("To see the page: choose Run → Run All Cells in the menu.")
#: Each page's one code cell: the hint, then the page (`page`) with its arguments.
CODE = "{hint}\nfrom toolkit.ui import {page}\n{page}({args})"
CORE = ("avoid-partners-where", "toxic-relationship", "trauma-bonding")
#: The start page's one first step.
FIRST = "toxic-relationship"
#: About how long one statement takes to read and answer.
SECONDS_PER_STATEMENT = 15
SECTIONS = (
    ("red-flags", N_("Red flags")),
    ("reflection", N_("Questions for yourself")),
    ("green-flags", N_("Good signs")),
    ("strengths", N_("Strengths")),
)


def _cell(kind: str, source: str, n: int) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "id": f"cell-{n}", "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
        cell["metadata"] = {"jupyter": {"source_hidden": False}}
    return cell


def _notebook(cells: list[tuple[str, str]]) -> dict[str, Any]:
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


def checklist_notebook(checklist: Checklist) -> dict[str, Any]:
    """One checklist: a single line that shows the form. Its title, how-to and links are drawn
    when it runs (markup.checklist_intro), so they are in the page's language and Hide hides them."""
    return _notebook([("code", CODE.format(hint=RUN_HINT, page="ChecklistForm", args=f'"{checklist.id}"'))])


def minutes(checklist: Checklist) -> int:
    """About how long a list takes: a statement every 15 seconds (20 statements, 5 minutes)."""
    return max(1, math.ceil(len(checklist.items) * SECONDS_PER_STATEMENT / 60))


def length(checklist: Checklist, mins: int) -> str:
    """"20 statements, about 5 minutes", on the start page's first step and every list."""
    return _("{statements}, about {minutes}").format(
        statements=ngettext("{n} statement", "{n} statements", len(checklist.items)).format(n=len(checklist.items)),
        minutes=ngettext("{n} minute", "{n} minutes", mins).format(n=mins))


def start_context(checklists: Mapping[str, Checklist], resources: Resources, country: str | None = None,
                  env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What the start page shows, for this place (`env`: this process's environment): the first
    step, the lists by kind with their lengths, where answers are kept (a service), Binder's
    words only on Binder, and "Need to talk now?" for `country`."""
    from markupsafe import Markup

    from .markup import talk_html

    ordered = _ordered(checklists)
    sections = [(_(heading), [(c, minutes(c)) for c in rows]) for kind, heading in SECTIONS
                if (rows := [c for c in ordered if c.kind == kind])]
    first = checklists.get(FIRST) or next(iter(ordered), None)
    return {"sections": sections, "first": (first, minutes(first)) if first else None, "length": length,
            "resources": resources, "summary": SUMMARY, "history": HISTORY,
            "where_kept": service.where_kept(env), "on_binder": service.on_binder(env),
            "talk": Markup(talk_html(resources, country))}


def start_html(checklists: Mapping[str, Checklist], resources: Resources, country: str | None = None,
               env: Mapping[str, str] | None = None) -> str:
    """The start page's words (templates/start.html.j2), drawn when the page runs."""
    return render("start.html.j2", **start_context(checklists, resources, country, env))


def start_notebook(checklists: Mapping[str, Checklist], resources: Resources) -> dict[str, Any]:
    """The start page: one line of code (ui.StartPage). Its words are drawn when it runs, not
    kept in the notebook, so they follow the place (own computer, Binder, a service) and, in
    time, the language. `checklists` and `resources` are read then, from the workspace."""
    del checklists, resources  # the page reads them when it runs
    return _notebook([("code", CODE.format(hint=RUN_HINT, page="StartPage", args=""))])


def summary_notebook() -> dict[str, Any]:
    """The Summary: one line (its words are drawn when it runs, markup.summary_intro)."""
    return _notebook([("code", CODE.format(hint=RUN_HINT, page="Summary", args=""))])


def history_notebook() -> dict[str, Any]:
    """The History: one line (its words are drawn when it runs, markup.history_intro)."""
    return _notebook([("code", CODE.format(hint=RUN_HINT, page="History", args=""))])


def all_notebooks(checklists: Mapping[str, Checklist], resources: Resources) -> dict[str, dict[str, Any]]:
    """File name -> notebook, for every notebook the project ships."""
    books = {START: start_notebook(checklists, resources), SUMMARY: summary_notebook(),
             HISTORY: history_notebook()}
    books.update({f"{c.id}.ipynb": checklist_notebook(c) for c in _ordered(checklists)})
    return books


def dumps(notebook: dict[str, Any]) -> str:
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def write_notebooks(checklists: Mapping[str, Checklist], resources: Resources, folder: Path,
                    overwrite: bool = False) -> list[Path]:
    """Write the notebooks that are missing (or all, with overwrite); return those written."""
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ToolkitError(_("{folder}: cannot create the notebooks folder ({problem})").format(
            folder=folder, problem=exc.strerror or exc)) from None
    for name, notebook in all_notebooks(checklists, resources).items():
        path = folder / name
        if path.exists() and not overwrite:
            continue
        try:
            path.write_text(dumps(notebook), encoding="utf-8")
        except OSError as exc:
            raise ToolkitError(_("{path}: cannot write ({problem})").format(
                path=path, problem=exc.strerror or exc)) from None
        written.append(path)
    return written
