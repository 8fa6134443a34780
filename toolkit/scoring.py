"""Scoring: points, percent, level and the safety flag for saved runs. Pure pandas/numpy, no I/O.

The model is a transparent heuristic, not a validated instrument and never a diagnosis:

* points of an item = severity (1-3) x answer weight (never 0 ... always 4);
  reverse-keyed items count the other way round (never 4 ... always 0);
* percent = points / maximum possible points over the *answered* items ("unsure",
  "not-happened" and unanswered items change neither);
* level = first level in `_vocabulary.toml` whose bound is above the percent (the one rule,
  `checklist.level_index`), or
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
from typing import Any

import numpy as np
import pandas as pd

from .checklist import NOT_APPLICABLE, Answers, Checklist, ChecklistSet, SavedRun, Vocabulary, level_index
from .errors import AnswersError, Problem
from .i18n import _

RUN_COLUMNS = ["checklist", "title", "version", "saved_at", "direction", "group", "answered", "unanswered",
               "unsure", "not_happened", "points", "max_points", "percent", "level", "safety",
               "safety_noted", "level_withheld", "safety_unsure", "not_scored"]


class _Codes(dict[str, int]):
    """item id -> global item code; ids the checklist no longer has map to -1."""

    def __missing__(self, key: str) -> int:
        return -1


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
    def build(cls, checklists: ChecklistSet) -> _Catalogue:
        """The arrays for a set; built once per set (`ChecklistSet.derived`)."""
        if not checklists:
            raise AnswersError(_("no checklists to score against"))
        vocab = checklists.vocabulary
        eds = list(checklists.editions)
        cids = list(checklists)
        edition_index = {(ed.id, ed.version): e for e, ed in enumerate(eds)}
        codes = [_Codes() for _ in eds]
        items = checklists.catalogue_items
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
            raise AnswersError(_("answers for unknown checklist '{checklist}'").format(
                checklist=f"{run.checklist_id:.60}"))
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
            raise AnswersError(_("answers for '{checklist}': {answer} is not on the answer scale").format(
                checklist=run.checklist_id, answer=f"{exc.args[0]!r:.40}")) from exc
    run_index = np.repeat(np.arange(len(runs)), lengths)
    return (run_index, np.array(item_codes, dtype=np.int64),
            np.array(option_codes, dtype=np.int64), run_edition)


@dataclass(frozen=True)
class _Scored:
    """Every answer of a batch scored, as parallel arrays (one entry per answer)."""

    run_index: np.ndarray
    item_code: np.ndarray  # -1: an item the edition does not have (not scored)
    code: np.ndarray  # item_code with 0 for unknown items, safe to index with
    option: np.ndarray
    known: np.ndarray
    answered: np.ndarray
    severity: np.ndarray
    points: np.ndarray
    max_points: np.ndarray
    flagged: np.ndarray  # a safety item answered at or beyond its safety_from
    noted: np.ndarray  # a safety item answered anything but its no-concern end
    unsure: np.ndarray
    not_happened: np.ndarray


def _score_answers(runs: Sequence[Answers], cat: _Catalogue, run_index: np.ndarray, item_code: np.ndarray,
                   option: np.ndarray) -> _Scored:
    """Points, safety and the kind of every answer: array arithmetic, no loop."""
    known = item_code >= 0
    code = np.where(known, item_code, 0)
    weight = cat.option_weight[option]
    answered = known & (weight >= 0)
    w = np.where(answered, weight, 0)
    keyed = np.where(cat.reverse[code], cat.max_weight - w, w)
    severity = cat.severity[code]
    concern = np.where(cat.strength[code], cat.max_weight - keyed, keyed)
    not_happened = known & cat.option_situational[option]
    wrong = not_happened & ~cat.situational[code]
    if wrong.any():
        r, c = int(run_index[wrong][0]), int(code[wrong][0])
        raise AnswersError(Problem(_("'{answer}' is only an answer for situational items").format(
            answer=cat.option_ids[option[wrong][0]]), _("answers for '{checklist}'").format(
            checklist=runs[r].checklist_id), cat.item_ids[c], key="responses"))
    unsure = known & (weight < 0) & ~not_happened
    return _Scored(
        run_index=run_index, item_code=item_code, code=code, option=option, known=known,
        answered=answered, severity=severity,
        points=np.where(answered, severity * keyed, 0.0),
        max_points=np.where(answered, severity * cat.max_weight, 0.0),
        flagged=answered & cat.safety[code] & (concern >= cat.safety_weight[code]),
        # Lists of good signs keep their words: their safety items flag as before (and Not sure
        # is named); "anything but Never" is a list of concerns' no-concern end.
        noted=known & cat.safety[code] & ~cat.strength[code] & ((answered & (concern > 0)) | unsure),
        unsure=unsure, not_happened=not_happened)


def _levels(percent: np.ndarray, answered: np.ndarray, applicable: np.ndarray, vocab: Vocabulary
            ) -> np.ndarray:
    """Level codes per run: index into the levels, then "insufficient", then "not-applicable".

    The level of a percent comes from `level_index`, the rule `Vocabulary.level_for` uses too,
    asked once per distinct percent."""
    bounds = vocab.bounds
    distinct, where = np.unique(percent, return_inverse=True)
    picked = np.array([level_index(bounds, float(p)) for p in distinct], dtype=np.int64)
    level_code = picked[where.reshape(-1)]
    insufficient = answered < np.ceil(vocab.min_answered_share * applicable - 1e-9)
    level_code = np.where(insufficient, len(bounds), level_code)
    return np.where(applicable == 0, len(bounds) + 1, level_code)


def _run_table(runs: Sequence[Answers], checklists: ChecklistSet, cat: _Catalogue, scored: _Scored,
               run_edition: np.ndarray) -> pd.DataFrame:
    """One row per run: counts, points, percent, level and the safety columns."""
    n = len(runs)
    per_run = {name: np.bincount(scored.run_index, weights=getattr(scored, name), minlength=n)
               for name in ("answered", "points", "max_points", "flagged", "noted", "unsure", "not_happened")}
    answered = per_run["answered"].astype(np.int64)
    not_happened = per_run["not_happened"].astype(np.int64)
    applicable = cat.n_items[run_edition] - not_happened
    with np.errstate(invalid="ignore", divide="ignore"):
        percent = np.where(per_run["max_points"] > 0, 100.0 * per_run["points"] / per_run["max_points"], np.nan)
    vocab = checklists.vocabulary
    level_code = _levels(percent, answered, applicable, vocab)
    reassuring = np.array([lv.calm for lv in vocab.levels] + [False, False])[level_code]
    safety, noted = per_run["flagged"] > 0, per_run["noted"] > 0
    run_checklist = cat.edition_checklist[run_edition]
    cids = cat.checklist_ids

    def per_checklist(values: list[str]) -> np.ndarray:
        picked: np.ndarray = np.array(values, dtype=object)[run_checklist]
        return picked

    table = pd.DataFrame({
        "checklist": _categorical(run_checklist, categories=cids),
        "title": per_checklist([checklists[c].title for c in cids]),
        "version": [r.checklist_version for r in runs],
        "saved_at": pd.to_datetime(np.array([r.saved_at if isinstance(r, SavedRun) else None for r in runs],
                                             dtype=object), utc=True),
        "direction": per_checklist([checklists[c].direction for c in cids]),
        "group": per_checklist([checklists[c].group for c in cids]),
        "answered": answered,
        "unanswered": applicable - answered,
        "unsure": per_run["unsure"].astype(np.int64),
        "not_happened": not_happened,
        "points": per_run["points"],
        "max_points": per_run["max_points"],
        "percent": percent,
        "level": _categorical(level_code, categories=[lv.id for lv in vocab.levels]
                                           + ["insufficient", NOT_APPLICABLE]),
        "safety": safety,
        "safety_noted": noted,
        "level_withheld": safety | (noted & reassuring),
        **_named_items(runs, cat, scored, run_edition),
    })
    table.index.name = "run"
    return table


def _categorical(codes: Any, categories: Sequence[str]) -> pd.Categorical[str]:
    """Categories from their codes (-1: missing), the one way every coded column is built."""
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.intp), categories=pd.Index(list(categories)))


def _named_items(runs: Sequence[Answers], cat: _Catalogue, scored: _Scored, run_edition: np.ndarray
                 ) -> dict[str, list[tuple[str, ...]]]:
    """Per run, the items named to the person: safety items answered "not sure" (in the
    checklist's order) and answers to items the edition does not have (not scored)."""
    not_scored: list[tuple[str, ...]] = [()] * len(runs)
    for r in np.unique(scored.run_index[~scored.known]):
        not_scored[r] = tuple(k for k in runs[r].responses if k not in cat.codes[run_edition[r]])
    safety_unsure: list[tuple[str, ...]] = [()] * len(runs)
    mask = scored.unsure & cat.safety[scored.code]
    for r, c in sorted(zip(scored.run_index[mask], scored.code[mask])):
        safety_unsure[r] += (cat.item_ids[c],)
    return {"safety_unsure": safety_unsure, "not_scored": not_scored}


def _item_table(cat: _Catalogue, scored: _Scored, run_edition: np.ndarray) -> pd.DataFrame:
    """One row per answer, in the order the runs gave them."""
    unique_ids = list(dict.fromkeys(cat.item_ids))
    item_names = np.array([unique_ids.index(i) for i in cat.item_ids] or [0], dtype=np.int64)
    run_checklist = cat.edition_checklist[run_edition]
    known, answered = scored.known, scored.answered
    table = pd.DataFrame({
        "run": scored.run_index,
        "checklist": _categorical(run_checklist[scored.run_index], categories=cat.checklist_ids),
        "item": _categorical(np.where(known, item_names[scored.code], -1), categories=unique_ids),
        "answer": _categorical(scored.option, categories=cat.option_ids),
        "severity": np.where(known, scored.severity, np.nan),
        "points": np.where(answered, scored.points, np.nan),
        "max_points": np.where(answered, scored.max_points, np.nan),
        "safety": scored.flagged,
    })
    table["item_code"] = scored.item_code
    return table


def score_runs(runs: Sequence[Answers], checklists: Mapping[str, Checklist]
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score many runs at once: (run table, one row per run; item table, one row per answer).

    `checklists` is a ChecklistSet (its catalogue is then built once) or any mapping of
    checklists that share one vocabulary."""
    checklists = ChecklistSet.of(checklists)
    cat = checklists.derived(_Catalogue.build)
    run_index, item_code, option, run_edition = _flatten(runs, cat)
    scored = _score_answers(runs, cat, run_index, item_code, option)
    return _run_table(runs, checklists, cat, scored, run_edition), _item_table(cat, scored, run_edition)


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
        raise AnswersError(_("answers are for '{answers}', not '{checklist}'").format(
            answers=answers.checklist_id, checklist=checklist.id))
    runs, long = score_runs([answers], checklist.alone)
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
