"""Summaries across runs and checklists: the checklist table and the theme table. No I/O.

Each checklist keeps its own row and level: a poor fit on one list is never added to a
concern on another, and strengths are reported apart from concerns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .checklist import Answers, Checklist
from .scoring import score_runs

THEME_COLUMNS = ["theme", "title", "direction", "answered", "points", "max_points", "percent",
                 "checklists"]


@dataclass(frozen=True)
class Summary:
    """Tables for a set of runs: `checklists` (one row per run), `themes`, `items` (per answer)."""

    checklists: pd.DataFrame
    themes: pd.DataFrame
    items: pd.DataFrame

    @property
    def safety(self) -> bool:
        """True when any run has a safety item answered towards concern."""
        return bool(self.checklists["safety"].any())


def _theme_table(items: pd.DataFrame, checklists: Mapping[str, Checklist]) -> pd.DataFrame:
    """Add up answered items by theme; an item with two themes counts towards both."""
    vocab = next(iter(checklists.values())).vocabulary
    catalogue = [(c, it) for c in checklists.values() for it in c.items]
    n = len(catalogue)
    answered = items["points"].notna().to_numpy()
    code = items["item_code"].to_numpy()[answered]
    totals = {
        "answered": np.bincount(code, minlength=n),
        "points": np.bincount(code, weights=items["points"].to_numpy()[answered], minlength=n),
        "max_points": np.bincount(code, weights=items["max_points"].to_numpy()[answered], minlength=n),
    }
    rows: dict[tuple[str, str], dict] = {}
    for k, (c, it) in enumerate(catalogue):
        if not totals["answered"][k]:
            continue
        for theme in it.themes:
            row = rows.setdefault((theme, c.direction), {
                "theme": theme, "title": vocab.themes[theme].title, "direction": c.direction,
                "answered": 0, "points": 0.0, "max_points": 0.0, "checklists": []})
            for key in ("answered", "points", "max_points"):
                row[key] += totals[key][k]
            if c.id not in row["checklists"]:
                row["checklists"].append(c.id)
    table = pd.DataFrame(list(rows.values()), columns=THEME_COLUMNS)
    table["answered"] = table["answered"].astype("int64")
    table["percent"] = 100.0 * table["points"] / table["max_points"].where(table["max_points"] > 0)
    table["checklists"] = table["checklists"].map(", ".join)
    return table.sort_values(["direction", "percent", "theme"], ascending=[True, False, True],
                             ignore_index=True)


def summarise(runs: Sequence[Answers], checklists: Mapping[str, Checklist]) -> Summary:
    """Score every run and add up the themes across them."""
    run_table, items = score_runs(runs, checklists)
    return Summary(checklists=run_table, themes=_theme_table(items, checklists), items=items)


def latest_runs(runs: Sequence[Answers]) -> list[Answers]:
    """The most recent run of each checklist, in checklist order of first appearance."""
    latest: dict[str, Answers] = {}
    for run in runs:
        best = latest.get(run.checklist_id)
        if best is None or (run.saved_at and (best.saved_at is None or run.saved_at > best.saved_at)):
            latest[run.checklist_id] = run
    return list(latest.values())
