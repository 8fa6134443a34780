"""Scoring rules: points, reverse keying, percent, levels, the "insufficient" rule, the safety
flag (red flags and strengths), and the theme table. Expected values come from the checklist
data and the vocabulary, never typed in."""

from __future__ import annotations

import dataclasses
import math
import shutil

import numpy as np
import pytest
from _helpers import SHIPPED_DIR, expected_totals, min_answered, write_checklist
from hypothesis import given
from hypothesis import strategies as st

from toolkit import AnswersError, load_checklists, score, summarise
from toolkit.checklist import KINDS, Answers, load_vocabulary
from toolkit.scoring import RUN_COLUMNS, _levels, score_runs

VOCAB = load_vocabulary(SHIPPED_DIR / "_vocabulary.toml")
WEIGHTED = [o.id for o in VOCAB.scale if o.weight is not None]
UNSCORED = [o.id for o in VOCAB.scale if o.weight is None and not o.situational]  # "Not sure"
NOT_HAPPENED = [o.id for o in VOCAB.scale if o.situational]
BY_WEIGHT = {o.weight: o.id for o in VOCAB.scale if o.weight is not None}
SAFETY_WEIGHT = VOCAB.weight(VOCAB.safety_from)
BELOW_SAFETY = max((o for o in VOCAB.scale if o.weight is not None and o.weight < SAFETY_WEIGHT),
                   key=lambda o: o.weight).id
STRENGTH_KINDS = [k for k, d in KINDS.items() if d == "strength"]


def keyed(item, option) -> int:
    """The answer's weight as the item counts it (reverse-keyed items the other way round)."""
    return VOCAB.max_weight - VOCAB.weight(option) if item.reverse else VOCAB.weight(option)


def totals(answers, checklists):
    runs, _ = score_runs([answers], checklists)
    return runs.iloc[0]


def assert_matches_oracle(row, checklist, responses):
    want = expected_totals(checklist, responses)
    for key in ("answered", "unanswered", "points", "max_points", "level", "safety"):
        assert row[key] == want[key], key
    if math.isnan(want["percent"]):
        assert math.isnan(row["percent"])
    else:
        assert row["percent"] == pytest.approx(want["percent"])


# ------------------------------------------------------------------ points and percent


@pytest.mark.parametrize("option", WEIGHTED)
def test_points_are_severity_times_weight(checklists, make_answers, option):
    for c in checklists.values():
        result = score(make_answers(c, fill=option), c)
        expected = [item.severity * keyed(item, option) for item in c.items]
        assert result.items["points"].tolist() == expected
        assert result.totals["points"] == sum(expected)
        assert result.totals["max_points"] == sum(it.severity for it in c.items) * VOCAB.max_weight


@pytest.mark.parametrize("option", WEIGHTED)
def test_reverse_keyed_items_count_the_other_way_round(custom, make_answers, option):
    c = custom["mixed"]
    item = c.item("plain-reverse")
    assert item.reverse
    result = score(make_answers(c, {item.id: option}), c)
    assert result.totals["points"] == item.severity * (VOCAB.max_weight - VOCAB.weight(option))
    assert result.totals["max_points"] == item.severity * VOCAB.max_weight


def test_reverse_never_counts_as_the_top_of_the_scale(custom, make_answers):
    c = custom["mixed"]
    never = BY_WEIGHT[0]
    row = totals(make_answers(c, {"plain-reverse": never, "plain-low": never}), custom)
    assert row["points"] == c.item("plain-reverse").severity * VOCAB.max_weight


def test_percent_is_over_answered_items_only(checklists, make_answers):
    c = checklists["toxic-relationship"]
    ids = c.item_ids
    responses = {ids[0]: WEIGHTED[-1], ids[1]: WEIGHTED[1], ids[2]: UNSCORED[0]}  # rest unanswered
    row = totals(make_answers(c, responses), checklists)
    answered = [c.item(i) for i in ids[:2]]
    points = answered[0].severity * VOCAB.max_weight + answered[1].severity * VOCAB.weight(WEIGHTED[1])
    max_points = sum(it.severity for it in answered) * VOCAB.max_weight
    assert (row["points"], row["max_points"]) == (points, max_points)
    assert row["percent"] == pytest.approx(100 * points / max_points)
    assert row["answered"] == 2 and row["unanswered"] == len(ids) - 2


def test_nothing_answered_gives_nan_percent_and_insufficient(checklists, make_answers):
    c = checklists["trauma-bonding"]
    for responses in ({}, {i: UNSCORED[0] for i in c.item_ids}):
        row = totals(make_answers(c, responses), checklists)
        assert math.isnan(row["percent"])
        assert row["level"] == "insufficient" and row["answered"] == 0 and not row["safety"]


@pytest.mark.parametrize("pattern", ["all-top", "mixed", "mostly-unsure", "alternating"])
def test_run_table_matches_the_rules_written_out(checklists, make_answers, pattern):
    for c in checklists.values():
        if pattern == "all-top":
            responses = {i: WEIGHTED[-1] for i in c.item_ids}
        elif pattern == "mixed":
            responses = {i: WEIGHTED[n % len(WEIGHTED)] for n, i in enumerate(c.item_ids)}
        elif pattern == "mostly-unsure":
            responses = {i: UNSCORED[0] if n else WEIGHTED[2] for n, i in enumerate(c.item_ids)}
        else:
            responses = {i: WEIGHTED[1] for i in c.item_ids[::2]}
        row = totals(make_answers(c, responses), checklists)
        assert list(row.index) == RUN_COLUMNS
        assert_matches_oracle(row, c, responses)


# ------------------------------------------------------------------ levels


@pytest.fixture(scope="module")
def hundred(tmp_path_factory):
    """100 items of severity 1: percent moves in steps of 100 / (100 x max weight)."""
    folder = tmp_path_factory.mktemp("hundred")
    write_checklist(folder, "hundred", [{"id": f"item-{n}", "severity": 1} for n in range(100)])
    return load_checklists(folder)


def runs_for_every_total(checklist):
    """One run per reachable points total, every item answered."""
    n, top = len(checklist.items), VOCAB.max_weight
    runs = []
    for k in range(n * top + 1):
        full, rest = divmod(k, top)
        answers = [BY_WEIGHT[top]] * full + ([BY_WEIGHT[rest]] if full < n else []) + \
                  [BY_WEIGHT[0]] * max(0, n - full - 1)
        runs.append(Answers(checklist.id, 1, dict(zip(checklist.item_ids, answers))))
    return runs


def test_levels_follow_the_vocabulary_thresholds(hundred):
    c = hundred["hundred"]
    runs = runs_for_every_total(c)
    table, _ = score_runs(runs, hundred)
    assert (table["answered"] == len(c.items)).all()
    assert table["points"].tolist() == list(range(len(runs)))
    for percent, level in zip(table["percent"], table["level"]):
        first = next((lv.id for lv in VOCAB.levels if percent < lv.below), VOCAB.levels[-1].id)
        assert level == first, percent
    # the bounds themselves are hit: a percent equal to `below` already belongs to the next level
    ids = [lv.id for lv in VOCAB.levels]
    for n, lv in enumerate(VOCAB.levels[:-1]):
        at_bound = table[np.isclose(table["percent"], lv.below)]
        if lv.below * 4 % 1 == 0:  # reachable in steps of 0.25
            assert len(at_bound) == 1
        assert (at_bound["level"] == ids[n + 1]).all()
        just_below = table[table["percent"] < lv.below].tail(1)
        assert (just_below["level"] == lv.id).all()


@pytest.mark.parametrize("n", range(len(VOCAB.levels)))
def test_level_for_boundaries(vocab, n):
    level = vocab.levels[n]
    lower = vocab.levels[n - 1].below if n else 0.0
    assert vocab.level_for(lower) == level.id
    assert vocab.level_for(np.nextafter(level.below, -np.inf)) == level.id
    if n + 1 < len(vocab.levels):
        assert vocab.level_for(level.below) == vocab.levels[n + 1].id


def test_insufficient_below_the_minimum_share(checklists, hundred, make_answers):
    for c in [*checklists.values(), hundred["hundred"]]:
        k = min_answered(c)
        top = WEIGHTED[-1]
        responses = {i: top for i in c.item_ids[:k]}
        enough = totals(make_answers(c, responses), {c.id: c})
        short = totals(make_answers(c, {i: top for i in c.item_ids[:k - 1]}), {c.id: c})
        assert enough["level"] != "insufficient", c.id
        assert enough["level"] == expected_totals(c, responses)["level"]
        assert short["level"] == "insufficient", c.id
        # an "unsure" answer is not an answer
        unsure = totals(make_answers(c, {**{i: top for i in c.item_ids[:k - 1]},
                                         c.item_ids[k - 1]: UNSCORED[0]}), {c.id: c})
        assert unsure["level"] == "insufficient"


def test_exactly_the_minimum_share_is_enough(checklists, hundred, make_answers):
    exact = [c for c in [*checklists.values(), hundred["hundred"]]
             if min_answered(c) == VOCAB.min_answered_share * len(c.items)]
    assert exact, "no checklist where the share is a whole number of items"
    for c in exact:
        k = min_answered(c)
        row = totals(make_answers(c, {i: WEIGHTED[-1] for i in c.item_ids[:k]}), {c.id: c})
        assert row["answered"] / len(c.items) == VOCAB.min_answered_share
        assert row["level"] != "insufficient"


# ------------------------------------------------------------------ safety


def safety_items(checklists):
    return [(c, it) for c in checklists.values() for it in c.items if it.safety]


def concern(checklist, item, option) -> int:
    """How far an answer points towards concern (what the safety threshold is compared with)."""
    weight = keyed(item, option)
    return VOCAB.max_weight - weight if checklist.direction == "strength" else weight


def threshold(item) -> int:
    """The weight from which a safety item raises the flag: its own safety_from, else the rule."""
    return VOCAB.weight(item.safety_from or VOCAB.safety_from)


def calm(checklist) -> dict[str, str]:
    """Every item answered at the least worrying end of the scale."""
    return {it.id: min(WEIGHTED, key=lambda o: concern(checklist, it, o)) for it in checklist.items}


def test_every_safety_item_raises_the_flag_from_the_threshold(checklists, make_answers):
    pairs = safety_items(checklists)
    assert pairs
    for c, item in pairs:
        for option in WEIGHTED:
            row = totals(make_answers(c, {**calm(c), item.id: option}), checklists)
            assert row["safety"] == (concern(c, item, option) >= threshold(item)), (c.id, item.id, option)


def test_red_flag_safety_items_flag_at_safety_from_not_below(checklists, make_answers):
    pairs = [(c, it) for c, it in safety_items(checklists) if c.direction == "concern" and not it.reverse]
    assert pairs
    for c, item in pairs:
        start = item.safety_from or VOCAB.safety_from
        below_start = BY_WEIGHT[VOCAB.weight(start) - 1]
        at = totals(make_answers(c, {**calm(c), item.id: start}), checklists)
        below = totals(make_answers(c, {**calm(c), item.id: below_start}), checklists)
        assert at["safety"] and not below["safety"], (c.id, item.id)


def test_safety_is_independent_of_the_total(checklists, make_answers):
    c = checklists["toxic-relationship"]
    assert any(it.safety for it in c.items) and not all(it.safety for it in c.items)
    top, never = WEIGHTED[-1], BY_WEIGHT[0]
    high = {it.id: BY_WEIGHT[threshold(it) - 1] if it.safety else top for it in c.items}
    row = totals(make_answers(c, high), checklists)
    assert row["level"] in {lv.id for lv in VOCAB.levels[1:]} and not row["safety"]
    first_safety = next(it.id for it in c.items if it.safety)
    low = make_answers(c, {first_safety: VOCAB.safety_from}, fill=never)
    row = totals(low, checklists)
    assert row["safety"] and row["level"] == VOCAB.levels[0].id
    only = totals(make_answers(c, {first_safety: VOCAB.safety_from}), checklists)
    assert only["level"] == "insufficient" and only["safety"]


def test_unsure_on_a_safety_item_never_raises_the_flag(checklists, make_answers):
    for c, item in safety_items(checklists):
        for option in UNSCORED:
            assert not totals(make_answers(c, {item.id: option}), checklists)["safety"]


@pytest.mark.parametrize("option", WEIGHTED)
def test_reverse_keyed_safety_item_flags_towards_concern(custom, make_answers, option):
    c = custom["mixed"]
    row = totals(make_answers(c, {"safe-reverse": option}), custom)
    assert row["safety"] == (VOCAB.max_weight - VOCAB.weight(option) >= SAFETY_WEIGHT)


@pytest.mark.parametrize("kind", STRENGTH_KINDS)
@pytest.mark.parametrize("option", WEIGHTED)
def test_strength_safety_item_flags_when_the_concern_side_reaches_the_threshold(
        tmp_path, make_answers, kind, option):
    write_checklist(tmp_path, "good", [
        {"id": "feels-safe", "severity": 3, "safety": True, "themes": ["feeling-safe"]},
        {"id": "plain", "severity": 2},
    ], kind=kind)
    loaded = load_checklists(tmp_path)
    c = loaded["good"]
    assert c.direction == "strength"
    top = WEIGHTED[-1]
    result = score(make_answers(c, {"feels-safe": option, "plain": top}), c)
    concern = VOCAB.max_weight - VOCAB.weight(option)
    assert result.safety == (concern >= SAFETY_WEIGHT)
    # points still count what is present: more of a strength is more points
    assert result.totals["points"] == 3 * VOCAB.weight(option) + 2 * VOCAB.max_weight


def test_strength_flag_examples_both_ways(custom, make_answers):
    c = custom["good-signs"]
    flags = {o: totals(make_answers(c, {"feels-safe": o}), custom)["safety"] for o in WEIGHTED}
    assert not flags[BY_WEIGHT[VOCAB.max_weight]]  # the strength fully present: no concern
    assert flags[BY_WEIGHT[0]]  # the strength absent: full concern


# ------------------------------------------------------------------ item table and errors


def test_score_lists_every_item_with_labels_and_notes(checklists, make_answers):
    c = checklists["avoid-partners-where"]
    first, second = c.item_ids[:2]
    answers = make_answers(c, {first: WEIGHTED[-1], second: UNSCORED[0]}, notes={first: "a note"})
    result = score(answers, c)
    table = result.items.set_index("item")
    assert list(table.index) == list(c.item_ids)
    assert table.loc[first, "answer"] == VOCAB.options[WEIGHTED[-1]].label
    assert table.loc[second, "answer"] == VOCAB.options[UNSCORED[0]].label
    assert table.loc[first, "note"] == "a note"
    assert table.loc[first, "points"] == c.item(first).severity * VOCAB.max_weight
    assert table["points"].drop(first).isna().all()
    assert result.explanation == VOCAB.explain_level(result.level, c.direction)


def test_score_refuses_answers_for_another_checklist(checklists, make_answers):
    answers = make_answers(checklists["trauma-bonding"], fill=WEIGHTED[0])
    with pytest.raises(AnswersError, match="not 'toxic-relationship'"):
        score(answers, checklists["toxic-relationship"])


def test_score_runs_rejects_unknown_checklists_and_options(checklists, make_answers):
    with pytest.raises(AnswersError, match="unknown checklist 'nope'"):
        score_runs([Answers("nope", 1, {})], checklists)
    c = checklists["trauma-bonding"]
    with pytest.raises(AnswersError, match="not on the answer scale"):
        score_runs([make_answers(c, {c.item_ids[0]: "maybe"})], checklists)


def test_ids_from_an_older_version_are_reported_not_scored(evolved, make_answers):
    old = evolved.old
    responses = {i: WEIGHTED[-1] for i in old.item_ids}
    answers = make_answers(old, responses)  # saved against the old version
    row = totals(answers, evolved.checklists)
    assert row["not_scored"] == (evolved.old_id,)
    scored = {k: v for k, v in responses.items() if k != evolved.old_id}
    assert_matches_oracle(row, evolved.new, scored)


# ------------------------------------------------------------------ theme table


def test_an_item_with_two_themes_counts_in_both(custom, make_answers):
    c = custom["mixed"]
    item = c.item("two-themes")
    assert len(item.themes) == 2
    themes = summarise([make_answers(c, {item.id: WEIGHTED[-1]})], custom).themes
    assert sorted(themes["theme"]) == sorted(item.themes)
    for _, row in themes.iterrows():
        assert row["answered"] == 1
        assert row["points"] == row["max_points"] == item.severity * VOCAB.max_weight
        assert row["percent"] == 100
        assert row["title"] == VOCAB.themes[row["theme"]].title


def test_concern_and_strength_are_separate_theme_rows(custom, make_answers):
    mixed, good = custom["mixed"], custom["good-signs"]
    shared = set(mixed.item("plain-low").themes) & set(good.item("talks-openly").themes)
    assert shared
    theme = shared.pop()
    runs = [make_answers(mixed, {"plain-low": WEIGHTED[-1]}),
            make_answers(good, {"talks-openly": WEIGHTED[1]})]
    themes = summarise(runs, custom).themes
    rows = themes[themes["theme"] == theme].set_index("group")
    assert sorted(rows.index) == ["concern", "strength"]
    assert rows.loc["concern", "points"] == mixed.item("plain-low").severity * VOCAB.max_weight
    assert rows.loc["concern", "checklists"] == mixed.id
    assert rows.loc["strength", "points"] == good.item("talks-openly").severity * VOCAB.weight(WEIGHTED[1])
    assert rows.loc["strength", "checklists"] == good.id


def test_theme_totals_add_up_over_runs(checklists, make_answers):
    runs = [make_answers(c, fill=WEIGHTED[1]) for c in checklists.values()]
    themes = summarise(runs, checklists).themes.set_index(["theme", "group"])
    for (theme, group), row in themes.iterrows():
        items = [it for c in checklists.values() if c.group == group
                 for it in c.items if theme in it.themes]
        assert row["answered"] == len(items)
        assert row["points"] == sum(it.severity * keyed(it, WEIGHTED[1]) for it in items)


def test_reflection_answers_never_enter_a_partner_theme_row(custom_dir, tmp_path, make_answers):
    """A list about you keeps its themes in rows of their own: "about you", never a concern
    about a partner, even where a red-flags list shares the theme."""
    folder = tmp_path / "lists"
    shutil.copytree(custom_dir, folder)
    write_checklist(folder, "about-me", [{"id": "mine", "severity": 3, "themes": ["communication"]}],
                    kind="reflection")
    lists = load_checklists(folder)
    mixed, me = lists["mixed"], lists["about-me"]
    runs = [make_answers(mixed, {"plain-low": WEIGHTED[-1]}), make_answers(me, {"mine": WEIGHTED[-1]})]
    themes = summarise(runs, lists).themes
    rows = themes[themes["theme"] == "communication"].set_index("group")
    assert sorted(rows.index) == ["about-you", "concern"]
    assert rows.loc["concern", "points"] == mixed.item("plain-low").severity * VOCAB.max_weight
    assert rows.loc["concern", "checklists"] == "mixed"
    assert rows.loc["about-you", "checklists"] == "about-me"
    assert me.group == "about-you" and me.direction == "concern"


# ------------------------------------------------------------------ one level rule

#: Rising bounds, as `_vocabulary.toml` must give them (whole numbers, halves, any float).
rising_bounds = st.lists(st.integers(0, 400).map(lambda n: n / 4) | st.floats(0, 150, allow_nan=False),
                         min_size=1, max_size=6, unique=True).map(sorted)


def with_bounds(vocab, bounds):
    """The vocabulary with its levels moved to `bounds` (one level per bound)."""
    levels = tuple(dataclasses.replace(vocab.levels[n % len(vocab.levels)], id=f"level-{n}", below=b)
                   for n, b in enumerate(bounds))
    return dataclasses.replace(vocab, levels=levels)


@given(bounds=rising_bounds, data=st.data())
def test_level_for_and_the_scoring_engine_pick_the_same_level(vocab, bounds, data):
    """The app's `Vocabulary.level_for` and the vectorised engine agree on every percent: on a
    bound, next to it, between, below 0, above every bound, and none (NaN)."""
    near = st.sampled_from(bounds).flatmap(lambda b: st.sampled_from(
        [b, np.nextafter(b, -np.inf), np.nextafter(b, np.inf)]))
    percents = data.draw(st.lists(near | st.floats(-50, 500, allow_nan=False) | st.just(math.nan),
                                  min_size=1, max_size=20))
    v = with_bounds(vocab, bounds)
    ones = np.ones(len(percents), dtype=np.int64)
    codes = _levels(np.array(percents, dtype=np.float64), ones, ones, v)
    assert [v.levels[c].id for c in codes] == [v.level_for(p) for p in percents]


@given(data=st.data())
def test_score_runs_levels_a_run_as_level_for_does_with_bounds_at_its_percent(checklists, data):
    """A whole run through `score_runs`, with the vocabulary's bounds placed on, just above and
    just below the run's own percent: the level in the run table is `level_for`'s."""
    c = data.draw(st.sampled_from([c for c in checklists.values() if c.direction == "concern"]))
    run = Answers(c.id, c.version, {it.id: data.draw(st.sampled_from(WEIGHTED)) for it in c.items})
    percent = float(score_runs([run], c.alone)[0]["percent"].iloc[0])
    cut = data.draw(st.sampled_from([percent, np.nextafter(percent, np.inf), np.nextafter(percent, -np.inf)]))
    bounds = sorted({cut, *data.draw(st.lists(st.floats(0, 150, allow_nan=False), max_size=3))})
    v = with_bounds(c.vocabulary, bounds)
    moved = dataclasses.replace(c, vocabulary=v, editions={})
    table, _ = score_runs([run], {c.id: moved})
    assert table["level"].iloc[0] == v.level_for(percent)


def test_the_catalogue_is_built_once_per_set(make_answers, monkeypatch):
    """Scoring builds a set's item catalogue once, not on every score or summary."""
    from toolkit import scoring

    built = []
    build = scoring._Catalogue.build.__func__

    def counting(cls, checklists):
        built.append(checklists)
        return build(cls, checklists)

    monkeypatch.setattr(scoring._Catalogue, "build", classmethod(counting))
    fresh = load_checklists(SHIPPED_DIR)
    c = fresh["trauma-bonding"]
    runs = [make_answers(c, fill=option) for option in WEIGHTED]
    for run in runs:
        assert score(run, c).level
        assert len(summarise(runs, fresh).checklists) == len(runs)
    assert [len(b) for b in built] == [1, len(fresh)], "once for the checklist alone, once for the set"
