"""Scoring: points, percent, level and the safety flag for saved runs. Pure pandas/numpy, no I/O.

The model is a transparent heuristic, not a validated instrument and never a diagnosis:

* points of an item = severity (1-3) x answer weight (never 0 ... always 4);
  reverse-keyed items count the other way round (never 4 ... always 0);
* percent = points / maximum possible points over the *answered* items ("unsure",
  "not-happened" and unanswered items change neither);
* level = first level in `_vocabulary.toml` whose bound is above the percent, or
  "insufficient" when fewer than 75 % of the items are answered (items answered "This hasn't
  happened" are left out of that count), or "not-applicable" when every item was answered
  "This hasn't happened";
* safety = any safety item answered at or beyond its `safety_from` ("sometimes" unless the item
  says "rarely") towards concern, whatever the total; it outranks the level in every view;
* safety_noted = on a list of concerns, any safety item answered other than at its no-concern
  end ("never", or "always" on a reverse item), "not sure" included: no calm level's words
  are shown beside it;
* level_withheld = safety, or safety_noted with a level whose words could reassure: views
  show no level word then (the level stays in the data);
* safety_unsure = the safety items answered "not sure": named to the person, never dropped.

One vectorised engine (`score_runs`) serves one run in the UI and 100,000 in the benchmark.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .checklist import NOT_APPLICABLE, Answers, Checklist, Item, SavedRun
from .errors import AnswersError

RUN_COLUMNS = ["checklist", "title", "version", "saved_at", "direction", "group", "answered", "unanswered",
               "unsure", "not_happened", "points", "max_points", "percent", "level", "safety",
               "safety_noted", "level_withheld", "safety_unsure", "not_scored"]


class _Codes(dict):
    """item id -> global item code; ids the checklist no longer has map to -1."""

    def __missing__(self, key: str) -> int:
        return -1


def editions(checklists: Mapping[str, Checklist]) -> list[Checklist]:
    """Every edition to score with: each checklist, then its kept earlier editions."""
    return [ed for c in checklists.values() for ed in (c, *(c.editions[v] for v in sorted(c.editions)))]


def catalogue_items(checklists: Mapping[str, Checklist]) -> list[tuple[Checklist, Item]]:
    """(edition, item) in item-code order: the order every array of the catalogue follows."""
    return [(ed, it) for ed in editions(checklists) for it in ed.items]


@dataclass(frozen=True)
class _Catalogue:
    """Every item of every checklist edition as flat arrays, so scoring is array arithmetic.

    A run is scored with the edition it was answered against when that edition is kept
    (`_archive/`), else with the current checklist (unknown items are then "not scored").
    """

    checklist_ids: list[str]
    item_ids: list[str]
    severity: np.ndarray
    safety: np.ndarray
    situational: np.ndarray
    reverse: np.ndarray
    strength: np.ndarray  # item belongs to a strengths checklist
    codes: list[_Codes]  # per edition: item id -> item code
    edition_index: dict[tuple[str, int], int]  # (checklist id, version) -> edition
    current: dict[str, int]  # checklist id -> its current edition
    edition_checklist: np.ndarray  # per edition: checklist code
    n_items: np.ndarray  # per edition
    option_ids: list[str]
    option_weight: np.ndarray  # -1 for "unsure" and "not-happened"
    option_situational: np.ndarray  # "not-happened": only on situational items
    option_code: dict[str, int]
    max_weight: int
    safety_weight: np.ndarray  # per item: weight from which a safety answer raises the flag

    @classmethod
    def build(cls, checklists: Mapping[str, Checklist]) -> _Catalogue:
        if not checklists:
            raise AnswersError("no checklists to score against")
        vocab = next(iter(checklists.values())).vocabulary
        eds = editions(checklists)
        cids = list(checklists)
        edition_index = {(ed.id, ed.version): e for e, ed in enumerate(eds)}
        codes = [_Codes() for _ in eds]
        items = catalogue_items(checklists)
        for code, (ed, it) in enumerate(items):
            codes[edition_index[(ed.id, ed.version)]][it.id] = code
        options = list(vocab.scale)
        return cls(
            checklist_ids=cids,
            item_ids=[it.id for _, it in items],
            severity=np.array([it.severity for _, it in items], dtype=np.float64),
            safety=np.array([it.safety for _, it in items], dtype=bool),
            situational=np.array([it.situational for _, it in items], dtype=bool),
            reverse=np.array([it.reverse for _, it in items], dtype=bool),
            strength=np.array([c.direction == "strength" for c, _ in items], dtype=bool),
            codes=codes,
            edition_index=edition_index,
            current={cid: eds.index(checklists[cid]) for cid in cids},
            edition_checklist=np.array([cids.index(ed.id) for ed in eds], dtype=np.int64),
            n_items=np.array([len(ed.items) for ed in eds], dtype=np.int64),
            option_ids=[o.id for o in options],
            option_weight=np.array([-1 if o.weight is None else o.weight for o in options]),
            option_situational=np.array([o.situational for o in options], dtype=bool),
            option_code={o.id: n for n, o in enumerate(options)},
            max_weight=vocab.max_weight,
            safety_weight=np.array([vocab.weight(it.safety_from or vocab.safety_from) or 0
                                    for _, it in items], dtype=np.float64),
        )

    def edition_of(self, run: Answers) -> int:
        """The edition a run is scored with; AnswersError for an unknown checklist."""
        found = self.edition_index.get((run.checklist_id, run.checklist_version))
        if found is None:
            found = self.current.get(run.checklist_id)
        if found is None:
            raise AnswersError(f"answers for unknown checklist '{run.checklist_id:.60}'")
        return found


def _flatten(runs: Sequence[Answers], cat: _Catalogue) -> tuple[np.ndarray, ...]:
    """Turn runs into parallel arrays (run index, item code, option code): the only Python loop."""
    lengths = np.empty(len(runs), dtype=np.int64)
    run_edition = np.empty(len(runs), dtype=np.int64)
    item_codes: list[int] = []
    option_codes: list[int] = []
    option_code = cat.option_code
    for n, run in enumerate(runs):
        run_edition[n] = edition = cat.edition_of(run)
        responses = run.responses
        lengths[n] = len(responses)
        item_codes.extend(map(cat.codes[edition].__getitem__, responses))
        try:
            option_codes.extend(map(option_code.__getitem__, responses.values()))
        except KeyError as exc:
            raise AnswersError(f"answers for '{run.checklist_id}': {exc.args[0]!r:.40} is not on "
                               "the answer scale") from None
    run_index = np.repeat(np.arange(len(runs)), lengths)
    return (run_index, np.array(item_codes, dtype=np.int64),
            np.array(option_codes, dtype=np.int64), run_edition)


def score_runs(runs: Sequence[Answers], checklists: Mapping[str, Checklist]
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score many runs at once: (run table, one row per run; item table, one row per answer)."""
    cat = _Catalogue.build(checklists)
    run_index, item_code, option, run_edition = _flatten(runs, cat)
    run_checklist = cat.edition_checklist[run_edition]
    known = item_code >= 0
    code = np.where(known, item_code, 0)
    weight = cat.option_weight[option]
    answered = known & (weight >= 0)
    w = np.where(answered, weight, 0)
    keyed = np.where(cat.reverse[code], cat.max_weight - w, w)
    severity = cat.severity[code]
    points = np.where(answered, severity * keyed, 0.0)
    max_points = np.where(answered, severity * cat.max_weight, 0.0)
    concern = np.where(cat.strength[code], cat.max_weight - keyed, keyed)
    flagged = answered & cat.safety[code] & (concern >= cat.safety_weight[code])
    not_happened = known & cat.option_situational[option]
    wrong = not_happened & ~cat.situational[code]
    if wrong.any():
        r, c = int(run_index[wrong][0]), int(code[wrong][0])
        raise AnswersError(f"answers for '{runs[r].checklist_id}': item '{cat.item_ids[c]}': "
                           f"'{cat.option_ids[option[wrong][0]]}' is only an answer for situational items")
    unsure = known & (weight < 0) & ~not_happened
    # Lists of good signs keep their words: their safety items flag as before (and Not sure is
    # named); "anything but Never" is a list of concerns' no-concern end.
    noted = known & cat.safety[code] & ~cat.strength[code] & ((answered & (concern > 0)) | unsure)

    n = len(runs)
    per_run = {name: np.bincount(run_index, weights=values, minlength=n) for name, values in
               {"answered": answered, "points": points, "max_points": max_points,
                "flagged": flagged, "noted": noted, "unsure": unsure,
                "not_happened": not_happened}.items()}
    n_items = cat.n_items[run_edition]
    answered_n = per_run["answered"].astype(np.int64)
    not_happened_n = per_run["not_happened"].astype(np.int64)
    applicable = n_items - not_happened_n
    with np.errstate(invalid="ignore", divide="ignore"):
        percent = np.where(per_run["max_points"] > 0,
                           100.0 * per_run["points"] / per_run["max_points"], np.nan)
    vocab = next(iter(checklists.values())).vocabulary
    bounds = np.array([lv.below for lv in vocab.levels])
    level_code = np.minimum(np.searchsorted(bounds, np.nan_to_num(percent), side="right"),
                            len(bounds) - 1)
    level_names = [lv.id for lv in vocab.levels] + ["insufficient", NOT_APPLICABLE]
    insufficient = answered_n < np.ceil(vocab.min_answered_share * applicable - 1e-9)
    level_code = np.where(insufficient, len(bounds), level_code)
    level_code = np.where(applicable == 0, len(bounds) + 1, level_code)
    calm = np.array([lv.calm for lv in vocab.levels] + [False, False])
    reassuring = calm[level_code]
    safety_run = per_run["flagged"] > 0
    noted_run = per_run["noted"] > 0

    not_scored: list[tuple[str, ...]] = [()] * n
    for r in np.unique(run_index[~known]):
        not_scored[r] = tuple(k for k in runs[r].responses if k not in cat.codes[run_edition[r]])
    safety_unsure: list[tuple[str, ...]] = [()] * n
    safety_item_unsure = unsure & cat.safety[code]
    for r, c in sorted(zip(run_index[safety_item_unsure], code[safety_item_unsure])):  # in the checklist's item order
        safety_unsure[r] += (cat.item_ids[c],)
    cids = cat.checklist_ids
    unique_ids = list(dict.fromkeys(cat.item_ids))
    item_names = np.array([unique_ids.index(i) for i in cat.item_ids] or [0], dtype=np.int64)
    run_table = pd.DataFrame({
        "checklist": pd.Categorical.from_codes(run_checklist, categories=cids),
        "title": np.array([checklists[c].title for c in cids], dtype=object)[run_checklist],
        "version": [r.checklist_version for r in runs],
        "saved_at": pd.to_datetime([r.saved_at if isinstance(r, SavedRun) else None for r in runs], utc=True),
        "direction": np.array([checklists[c].direction for c in cids], dtype=object)[run_checklist],
        "group": np.array([checklists[c].group for c in cids], dtype=object)[run_checklist],
        "answered": answered_n,
        "unanswered": applicable - answered_n,
        "unsure": per_run["unsure"].astype(np.int64),
        "not_happened": not_happened_n,
        "points": per_run["points"],
        "max_points": per_run["max_points"],
        "percent": percent,
        "level": pd.Categorical.from_codes(level_code, categories=level_names),
        "safety": safety_run,
        "safety_noted": noted_run,
        "level_withheld": safety_run | (noted_run & reassuring),
        "safety_unsure": safety_unsure,
        "not_scored": not_scored,
    })
    run_table.index.name = "run"
    item_table = pd.DataFrame({
        "run": run_index,
        "checklist": pd.Categorical.from_codes(run_checklist[run_index], categories=cids),
        "item": pd.Categorical.from_codes(np.where(known, item_names[code], -1),
                                          categories=unique_ids),
        "answer": pd.Categorical.from_codes(option, categories=cat.option_ids),
        "severity": np.where(known, severity, np.nan),
        "points": np.where(answered, points, np.nan),
        "max_points": np.where(answered, max_points, np.nan),
        "safety": flagged,
    })
    item_table["item_code"] = item_code
    return run_table, item_table


@dataclass(frozen=True)
class Result:
    """One run scored: its item table, its totals, and the words that explain the level."""

    checklist: Checklist
    answers: Answers
    items: pd.DataFrame
    totals: pd.Series

    @property
    def level(self) -> str:
        return str(self.totals["level"])

    @property
    def safety(self) -> bool:
        return bool(self.totals["safety"])

    @property
    def percent(self) -> float:
        return float(self.totals["percent"])

    @property
    def safety_noted(self) -> bool:
        """A safety item answered anything but Never (Not sure included): no calm words."""
        return bool(self.totals["safety_noted"])

    @property
    def level_withheld(self) -> bool:
        """No level word may be shown: a safety answer, or a noted one beside a calm level."""
        return bool(self.totals["level_withheld"])

    @property
    def safety_unsure(self) -> tuple[str, ...]:
        """Safety items answered "not sure": named to the person, never silently dropped."""
        return tuple(self.totals["safety_unsure"])

    @property
    def explanation(self) -> str:
        """What the result means; a safety answer outranks the level and its reassurance."""
        return self.checklist.explain(self.level, self.safety, self.safety_noted)


def score(answers: Answers, checklist: Checklist) -> Result:
    """Score one run against its checklist (the edition it was answered against, when kept);
    the item table lists every item of that edition, answered or not."""
    if answers.checklist_id != checklist.id:
        raise AnswersError(f"answers are for '{answers.checklist_id}', not '{checklist.id}'")
    runs, long = score_runs([answers], {checklist.id: checklist})
    checklist = checklist.edition(answers.checklist_version)
    vocab = checklist.vocabulary
    by_item = {str(row.item): row for row in long[long["item_code"] >= 0].itertuples()}
    rows = []
    for item in checklist.items:
        got = by_item.get(item.id)
        answer = answers.responses.get(item.id)
        rows.append({
            "item": item.id,
            "text": item.text,
            "answer": vocab.options[answer].label if answer else "",
            "severity": item.severity,
            "points": got.points if got is not None else np.nan,
            "max_points": got.max_points if got is not None else np.nan,
            "themes": ", ".join(item.themes),
            "safety": bool(got.safety) if got is not None else False,
            "note": answers.notes.get(item.id, ""),
        })
    return Result(checklist=checklist, answers=answers, items=pd.DataFrame(rows),
                  totals=runs.iloc[0])
