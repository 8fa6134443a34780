"""Property tests (Hypothesis): the scoring engine against the written-out rules, monotonicity,
indifference to "unsure"/unanswered items and to order, save/load round trips, and batch
scoring equal to one-by-one scoring. Checklists are the shipped ones plus small custom ones
with reverse-keyed items and a green-flags list (conftest.py)."""

from __future__ import annotations

import math
import tempfile
from datetime import datetime, timedelta, timezone

import pytest
from _helpers import expected_totals
from hypothesis import given
from hypothesis import strategies as st

from toolkit import Answers, SavedRun, load_answers, save_answers
from toolkit.scoring import score_runs


@pytest.fixture(scope="module")
def every(checklists, custom):
    """Shipped and custom checklists together (they share the shipped vocabulary)."""
    assert not set(checklists) & set(custom)
    return {**checklists, **custom}


def weighted(c):
    return [o.id for o in c.vocabulary.scale if o.weight is not None]


def unscored(c):
    """Options that are not scored and offered on every item ("Not sure")."""
    return [o.id for o in c.vocabulary.scale if o.weight is None and not o.situational]


@st.composite
def runs(draw, every, checklist=None):
    """A run of some checklist: each item answered with any option it offers (incl. unsure and,
    on situational items, "This hasn't happened") or skipped, in a random order."""
    c = checklist or draw(st.sampled_from(sorted(every.values(), key=lambda c: c.id)))
    pick = {it.id: draw(st.sampled_from([*(o.id for o in c.vocabulary.options_for(it)), None]))
            for it in c.items}
    order = draw(st.permutations(list(c.item_ids)))
    return Answers(c.id, c.version, {i: pick[i] for i in order if pick[i] is not None})


def row_of(answers, checklists):
    table, _ = score_runs([answers], checklists)
    return plain(table.iloc[0].to_dict())


def plain(row):
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}


@given(data=st.data())
def test_engine_follows_the_rules_and_percent_stays_in_range(every, data):
    answers = data.draw(runs(every))
    c = every[answers.checklist_id]
    table, _ = score_runs([answers], every)
    row = table.iloc[0]
    want = expected_totals(c, answers.responses)
    if row["max_points"] == 0:
        assert math.isnan(row["percent"]) and math.isnan(want["percent"])
    else:
        assert 0 <= row["percent"] <= 100
        assert row["percent"] == pytest.approx(want["percent"])
    for key in ("answered", "unanswered", "points", "max_points", "level", "safety", "not_happened",
                "safety_noted", "level_withheld"):
        assert row[key] == want[key], key


@given(data=st.data())
def test_raising_one_answer_moves_points_one_way(every, data):
    answers = data.draw(runs(every))
    c = every[answers.checklist_id]
    item = data.draw(st.sampled_from(c.items))
    low, high = sorted(data.draw(st.lists(st.sampled_from(weighted(c)), min_size=2, max_size=2)),
                       key=c.vocabulary.weight)
    points = [row_of(Answers(c.id, c.version, {**answers.responses, item.id: o}), every)["points"]
              for o in (low, high)]
    if item.reverse:
        assert points[1] <= points[0]
    else:
        assert points[1] >= points[0]
    if c.vocabulary.weight(low) < c.vocabulary.weight(high):
        assert points[0] != points[1]  # severity >= 1: a real change always shows


@given(data=st.data())
def test_unsure_and_unanswered_items_change_nothing(every, data):
    answers = data.draw(runs(every))
    c = every[answers.checklist_id]
    scored = {k: v for k, v in answers.responses.items()  # scored, or "This hasn't happened"
              if c.vocabulary.weight(v) is not None or c.vocabulary.options[v].situational}
    extra = data.draw(st.lists(st.sampled_from(c.item_ids), unique=True))
    unsure = data.draw(st.sampled_from(unscored(c)))
    with_unsure = {**{i: unsure for i in extra if i not in scored}, **scored}
    keys = ("answered", "unanswered", "points", "max_points", "percent", "level", "safety")
    base = row_of(Answers(c.id, c.version, scored), every)
    for variant in (answers.responses, with_unsure):
        row = row_of(Answers(c.id, c.version, variant), every)
        assert {k: row[k] for k in keys} == {k: base[k] for k in keys}


@given(data=st.data())
def test_order_of_responses_is_irrelevant(every, data):
    answers = data.draw(runs(every))
    order = data.draw(st.permutations(list(answers.responses)))
    shuffled = Answers(answers.checklist_id, answers.checklist_version,
                       {k: answers.responses[k] for k in order})
    assert row_of(shuffled, every) == row_of(answers, every)
    items = [score_runs([a], every)[1].sort_values("item_code", ignore_index=True)
             for a in (answers, shuffled)]
    assert items[0].equals(items[1])


offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda m: timezone(timedelta(minutes=m)))


@given(data=st.data(),
       saved_at=st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime.now() - timedelta(days=1),
                             timezones=offsets),
       texts=st.lists(st.text(max_size=300), max_size=6))
def test_save_then_load_round_trips(every, data, saved_at, texts):
    answers = data.draw(runs(every))
    c = every[answers.checklist_id]
    notes = dict(zip(data.draw(st.permutations(list(c.item_ids))), texts))
    original = SavedRun(c.id, c.version, answers.responses, notes, saved_at=saved_at)
    with tempfile.TemporaryDirectory() as folder:
        got = load_answers(save_answers(original, folder), every)
    assert got.responses == original.responses
    assert got.notes == {k: v for k, v in notes.items() if v}  # empty notes are not kept
    assert got.saved_at == saved_at and got.saved_at.utcoffset() == saved_at.utcoffset()
    assert (got.checklist_id, got.checklist_version) == (c.id, c.version)


@given(data=st.data())
def test_batch_scoring_equals_one_at_a_time(every, data):
    batch = data.draw(st.lists(runs(every), min_size=1, max_size=6))
    table, items = score_runs(batch, every)
    assert len(table) == len(batch)
    for n, answers in enumerate(batch):
        alone_table, alone_items = score_runs([answers], every)
        assert plain(table.iloc[n].to_dict()) == plain(alone_table.iloc[0].to_dict())
        mine = items[items["run"] == n].drop(columns="run").reset_index(drop=True)
        theirs = alone_items.drop(columns="run").reset_index(drop=True)
        assert mine.astype(object).equals(theirs.astype(object))
