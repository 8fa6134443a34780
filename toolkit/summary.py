"""Summaries across runs and checklists: the checklist table and the theme table. No I/O.

Each checklist keeps its own row and level: a poor fit on one list is never added to a
concern on another, and strengths are reported apart from concerns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .checklist import GROUPS, NOT_APPLICABLE, Answers, Checklist, ChecklistSet, SavedRun, Vocabulary
from .i18n import N_, _
from .markup import answered_text
from .scoring import score_runs
from .words import NOT_A_DIAGNOSIS

THEME_COLUMNS = ["theme", "title", "group", "answered", "points", "max_points", "percent",
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

    @property
    def safety_unsure(self) -> bool:
        """True when any run has a safety item answered "not sure"."""
        return bool(self.checklists["safety_unsure"].map(bool).any())

    @property
    def calm_support(self) -> bool:
        """True when the support box is shown (in its calm form unless `safety`): a safety
        question answered anything but Never (Not sure included), or a "high" level on a list
        about a partner."""
        return bool(self.checklists["safety_noted"].any() or self.safety_unsure
                    or self.checklists["support"].any())


def needs_support(runs: pd.DataFrame, checklists: Mapping[str, Checklist]) -> pd.Series:
    """Per run: the support box belongs beside it even without a safety answer, because a
    list of concerns about a partner reached its top level ("high")."""
    if runs.empty:
        return pd.Series([], dtype=bool, index=runs.index)
    top = ChecklistSet.of(checklists).vocabulary.levels[-1].id
    return (runs["group"] == "concern") & (runs["level"].astype(str) == top)


def _theme_table(items: pd.DataFrame, checklists: ChecklistSet) -> pd.DataFrame:
    """Add up answered items by theme; an item with two themes counts towards both."""
    vocab = checklists.vocabulary
    catalogue = checklists.catalogue_items
    n = len(catalogue)
    answered = items["points"].notna().to_numpy()
    code = items["item_code"].to_numpy()[answered]
    totals = {
        "answered": np.bincount(code, minlength=n),
        "points": np.bincount(code, weights=items["points"].to_numpy()[answered], minlength=n),
        "max_points": np.bincount(code, weights=items["max_points"].to_numpy()[answered], minlength=n),
    }
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for k, (c, it) in enumerate(catalogue):
        if not totals["answered"][k]:
            continue
        for theme in it.themes:
            row = rows.setdefault((theme, c.group), {
                "theme": theme, "title": vocab.themes[theme].title_for(c.group), "group": c.group,
                "answered": 0, "points": 0.0, "max_points": 0.0, "checklists": []})
            for key in ("answered", "points", "max_points"):
                row[key] += totals[key][k]
            if c.id not in row["checklists"]:
                row["checklists"].append(c.id)
    table = pd.DataFrame(list(rows.values()), columns=THEME_COLUMNS)
    table["answered"] = table["answered"].astype("int64")
    table["percent"] = 100.0 * table["points"] / table["max_points"].where(table["max_points"] > 0)
    table["checklists"] = table["checklists"].map(", ".join)
    order = {g: n for n, g in enumerate(GROUPS)}
    table = table.assign(_order=table["group"].map(order))
    table = table.sort_values(["_order", "percent", "theme"], ascending=[True, False, True],
                              ignore_index=True)
    return table.drop(columns="_order")


def summarise(runs: Sequence[Answers], checklists: Mapping[str, Checklist]) -> Summary:
    """Score every run and add up the themes across them."""
    checklists = ChecklistSet.of(checklists)
    run_table, items = score_runs(runs, checklists)
    run_table["support"] = needs_support(run_table, checklists)
    return Summary(checklists=run_table, themes=_theme_table(items, checklists), items=items)


def latest_runs(runs: Sequence[SavedRun]) -> list[SavedRun]:
    """The most recent run of each checklist, in checklist order of first appearance."""
    latest: dict[str, SavedRun] = {}
    for run in runs:
        best = latest.get(run.checklist_id)
        if best is None or run.saved_at > best.saved_at:
            latest[run.checklist_id] = run
    return list(latest.values())


HISTORY_COLUMNS = ["run", "checklist", "version", "saved_at", "item", "answer", "points"]


def history(runs: Sequence[SavedRun], checklists: Mapping[str, Checklist]) -> pd.DataFrame:
    """Every answer of every run as one tidy table, oldest run first."""
    run_table, items = score_runs(runs, checklists)
    table = items[["run", "checklist", "item", "answer", "points"]].join(
        run_table[["version", "saved_at"]], on="run")
    table = table[HISTORY_COLUMNS]
    return table.sort_values(["saved_at", "run"], kind="stable", ignore_index=True)


def trend(runs: Sequence[SavedRun], checklists: Mapping[str, Checklist], checklist_id: str) -> pd.DataFrame:
    """One checklist's runs over time: saved_at, percent, level, safety, level_withheld,
    answered (for the trend chart and its text)."""
    columns = ["saved_at", "percent", "level", "safety", "level_withheld", "answered"]
    mine = sorted((r for r in runs if r.checklist_id == checklist_id), key=lambda r: r.saved_at)
    if not mine:
        return pd.DataFrame(columns=columns)
    run_table, _ = score_runs(mine, checklists)
    return run_table[columns].reset_index(drop=True)


def changes(before: Answers, after: Answers, checklist: Checklist) -> pd.DataFrame:
    """Items whose answer moved between two runs, with the direction in plain words.

    Two runs of one kept edition are compared item by item of that edition; runs of different
    versions are compared on the current checklist's items.

    "worse"/"better" follow the checklist's direction: for concerns more often is worse, for
    strengths less often is worse; reverse-keyed items are accounted for by comparing points.
    """
    if before.checklist_version == after.checklist_version:
        checklist = checklist.edition(after.checklist_version)
    vocab = checklist.vocabulary
    rows = []
    for item in checklist.items:
        a, b = before.responses.get(item.id), after.responses.get(item.id)
        if a == b:
            continue
        wa, wb = (vocab.weight(x) if x else None for x in (a, b))
        if wa is None or wb is None:
            moved = _("newly answered") if wa is None and wb is not None else _("no longer answered")
            delta = float("nan")
        else:
            ka, kb = ((vocab.max_weight - x) if item.reverse else x for x in (wa, wb))
            delta = float(item.severity * (kb - ka))
            worse = delta > 0 if checklist.direction == "concern" else delta < 0
            moved = "worse" if worse else "better"
        rows.append({"item": item.id, "text": item.text, "before": _label(vocab, a), "after": _label(vocab, b),
                     "change": moved, "points_change": delta})
    return pd.DataFrame(rows, columns=["item", "text", "before", "after", "change", "points_change"])


def _label(vocab: Vocabulary, answer: str | None) -> str:
    """An answer as the form shows it, "–" for none."""
    return vocab.options[answer].label if answer else "–"


@dataclass(frozen=True)
class ResultLine:
    """One run's result as every view words it: the summary text, the reports and the UI."""

    checklist: Checklist
    level: str
    percent: float
    answered: int
    safety: bool
    version: int
    saved_at: pd.Timestamp | None
    safety_unsure: tuple[str, ...] = ()
    #: A safety question answered anything but Never (Not sure included).
    safety_noted: bool = False
    #: No level word may be shown (safety, or noted beside a calm level).
    level_withheld: bool = False
    #: Answers "Not sure", and "This hasn't happened".
    unsure: int = 0
    not_happened: int = 0

    @classmethod
    def of(cls, row: Any, checklist: Checklist) -> ResultLine:
        """The line for one row of a run table (`score_runs`, `Summary.checklists`, a
        `Result.totals`), worded with the edition of `checklist` the run was answered against."""
        get = row._asdict().__getitem__ if hasattr(row, "_asdict") else row.__getitem__
        saved_at = get("saved_at")
        return cls(checklist=checklist.edition(int(get("version"))), level=str(get("level")),
                   percent=float(get("percent")), answered=int(get("answered")), safety=bool(get("safety")),
                   version=int(get("version")), saved_at=None if pd.isna(saved_at) else saved_at,
                   safety_unsure=tuple(get("safety_unsure")), safety_noted=bool(get("safety_noted")),
                   level_withheld=bool(get("level_withheld")), unsure=int(get("unsure")),
                   not_happened=int(get("not_happened")))

    @property
    def unsure_items(self) -> list[str]:
        """The texts of the safety items answered "not sure"."""
        return [self.checklist.item(i).text for i in self.safety_unsure if i in self.checklist.item_ids]

    @property
    def title(self) -> str:
        return self.checklist.title

    @property
    def total(self) -> int:
        return len(self.checklist.items)

    @property
    def needed(self) -> int:
        """How many statements need an answer from Never to Always for a level (the items
        answered "This hasn't happened" are left out)."""
        return needed_for_level(self.checklist, self.not_happened)

    @property
    def answered_text(self) -> str:
        """"14 of 20 answered, 6 Not sure": the same words as the form's progress line."""
        return answered_text(self.checklist, self.answered, self.unsure, self.not_happened)

    @property
    def partner_list(self) -> bool:
        """A list of concerns about a partner (red flags): its results carry the limits line
        and the support lines, and a "high" level brings the support box."""
        return self.checklist.group == "concern"

    @property
    def calm_support(self) -> bool:
        """The support box belongs with this result (calm unless `safety`): a safety answer
        other than Never, or the top level on a list about a partner."""
        high = self.partner_list and self.level == self.checklist.vocabulary.levels[-1].id
        return self.safety_noted or bool(self.safety_unsure) or high

    @property
    def percent_text(self) -> str:
        return percent_text(self.percent)

    @property
    def label(self) -> str:
        """The level in words ("moderate", "not enough answers yet")."""
        return self.checklist.vocabulary.level_label(self.level)

    @property
    def what(self) -> str:
        return _("signs present") if self.checklist.direction == "strength" else _("level of concern")

    @property
    def explanation(self) -> str:
        """What the result means; a safety answer outranks the level and its reassurance."""
        return self.checklist.explain(self.level, self.safety, self.safety_noted)


def needed_for_level(checklist: Checklist, not_happened: int = 0) -> int:
    """Fewest answers from Never to Always that give a level (the 75 % rule)."""
    applicable = len(checklist.items) - not_happened
    return int(np.ceil(checklist.vocabulary.min_answered_share * applicable - 1e-9))


def percent_text(x: float | None) -> str:
    return "–" if x is None or np.isnan(x) else f"{x:.0f} %"


def points_text(points: float, max_points: float) -> str:
    """An item's points ("3 of 4"), or "–" when it was not answered (or marked "Not sure")."""
    return "–" if np.isnan(points) else f"{points:.0f} of {max_points:.0f}"


def result_lines(summary: Summary, checklists: Mapping[str, Checklist],
                 group: str | None = None) -> list[ResultLine]:
    """The checklist table as ResultLines, optionally one group (see checklist.GROUPS)."""
    return [ResultLine.of(r, checklists[str(r.checklist)]) for r in summary.checklists.itertuples()
            if group is None or checklists[str(r.checklist)].group == group]


#: Under every result of a list about a partner, even when nothing is flagged.
PARTNER_LIMITS = N_("This list can't tell how safe you are, and it does not ask about everything. "
                    "The support resources list who can help.")


def describe(summary: Summary, checklists: Mapping[str, Checklist]) -> str:
    """The summary in plain words, one line per checklist run, safety first."""
    lines = []
    if summary.safety:
        lines.append(_("Some of your answers touch on your safety. Please look at the support "
                       "resources first."))
    results = result_lines(summary, checklists)
    for r in results:
        if r.safety:  # no level or total beside a safety answer: it must not read as reassurance
            line = _("{title}: touches on your safety ({answered}). {explanation}").format(
                title=r.checklist.title, answered=r.answered_text, explanation=r.explanation)
        elif r.level_withheld:
            line = _("{title}: no level ({answered}). {explanation}").format(
                title=r.checklist.title, answered=r.answered_text, explanation=r.explanation)
        elif r.level in ("insufficient", NOT_APPLICABLE):
            line = _("{title}: {label} ({answered}). {explanation}").format(
                title=r.checklist.title, label=r.label, answered=r.answered_text, explanation=r.explanation)
        else:
            line = _("{title}: {label} ({percent} of the possible points, {answered}). {explanation}").format(
                title=r.checklist.title, label=r.label, percent=r.percent_text, answered=r.answered_text,
                explanation=r.explanation)
        lines.append(line + (" " + _(PARTNER_LIMITS) if r.partner_list else ""))
    for r in results:
        if r.unsure_items:
            lines.append(_("{title}: you weren't sure about questions that touch on safety: {items}").format(
                title=r.checklist.title, items="; ".join(r.unsure_items)))
    lines.append(_(NOT_A_DIAGNOSIS))
    return "\n".join(lines)
