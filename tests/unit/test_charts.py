"""The trend charts (charts.trend_figure / trend_png / trend_svg / trend_text): readable dates,
no title inside, the vocabulary's bands, safety marked, a text alternative with every number,
and an inline SVG that is inert and references nothing outside itself."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.charts import (
    MAX_DATE_TICKS,
    SAFETY_WORDS,
    trend_figure,
    trend_lines,
    trend_png,
    trend_svg,
    trend_text,
)
from toolkit.markup import local_day
from toolkit.summary import trend

pytest.importorskip("matplotlib")
import matplotlib.colors as mcolors  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script>"


def table(times, percents, vocab, safety=None, levels=None) -> pd.DataFrame:
    """A trend table as `summary.trend` returns it."""
    n = len(times)
    return pd.DataFrame({
        "saved_at": pd.to_datetime(list(times), utc=True),
        "percent": [float(p) for p in percents],
        "level": pd.Categorical(levels or [vocab.level_for(p) for p in percents]),
        "safety": list(safety or [False] * n),
        "answered": [5] * n,
    })


def drawn(trend_table, vocab):
    fig = trend_figure(trend_table, vocab)
    FigureCanvasAgg(fig).draw()
    return fig, fig.axes[0]


def local_naive(moment: datetime) -> datetime:
    return moment.astimezone().replace(tzinfo=None)


def points(ax) -> list[tuple[float, float]]:
    """Every marker drawn, as (x, y), left to right."""
    return sorted((float(x), float(y)) for c in ax.collections for x, y in c.get_offsets())


def tick_labels(fig, ax) -> list:
    """The date labels inside the axis range, left to right."""
    lo, hi = ax.get_xlim()
    return [label for tick, label in zip(ax.get_xticks(), ax.get_xticklabels()) if lo <= tick <= hi]


def assert_readable_dates(fig, ax, at_least: int = 2) -> None:
    labels = tick_labels(fig, ax)
    texts = [label.get_text() for label in labels]
    assert at_least <= len(texts) <= MAX_DATE_TICKS, texts
    assert len(set(texts)) == len(texts), f"two labels read alike: {texts}"
    if texts:
        assert re.search(r"\d{4}", texts[0]), f"the first label does not name the year: {texts}"
    boxes = [label.get_window_extent(fig.canvas.get_renderer()) for label in labels]
    for left, right in zip(boxes, boxes[1:]):
        assert left.x1 + 2 <= right.x0, f"date labels collide: {texts}"


# ------------------------------------------------------------------ the saves along the bottom


@pytest.mark.parametrize("gaps", [[0, 5, 12], [0, 5], [0, 1, 2, 3]], ids=["three", "two", "four"])
def test_saves_on_one_day_get_distinct_places(vocab, gaps):
    """Two, three or four saves minutes apart sit as far apart as saves weeks apart, each
    labelled with its time of day (a calendar axis drew them as one vertical spike)."""
    times = [T0 + timedelta(minutes=m) for m in gaps]
    fig, ax = drawn(table(times, [20, 60, 40, 80][:len(times)], vocab), vocab)
    xs = [x for x, _ in points(ax)]
    assert len(xs) == len(times)
    steps = [b - a for a, b in zip(xs, xs[1:])]
    assert min(steps) > 0.9 * max(steps) > 0, f"saves not evenly spread: {xs}"
    lo, hi = ax.get_xlim()
    assert min(steps) >= 0.15 * (hi - lo), f"saves too close together: {xs} in {(lo, hi)}"
    assert_readable_dates(fig, ax, at_least=len(times))
    texts = [label.get_text() for label in tick_labels(fig, ax)]
    for when, text in zip(times, texts):
        assert local_naive(when).strftime("%H:%M") in text, texts


def test_same_day_saves_spread_like_saves_weeks_apart(vocab):
    same_day = [x for x, _ in points(drawn(table([T0, T0 + timedelta(minutes=3)], [20, 60], vocab), vocab)[1])]
    weeks = [x for x, _ in points(drawn(table([T0, T0 + timedelta(days=30)], [20, 60], vocab), vocab)[1])]
    assert same_day[1] - same_day[0] == pytest.approx(weeks[1] - weeks[0])


@pytest.mark.parametrize("n", [1, 2, 3, 7, 40])
def test_axis_ends_at_the_last_save(vocab, n):
    """The last save is the right-most thing: no room for later dates, no label after it."""
    times = [T0 + timedelta(days=k, hours=k % 3) for k in range(n)]
    fig, ax = drawn(table(times, [50] * n, vocab), vocab)
    xs = [x for x, _ in points(ax)]
    lo, hi = ax.get_xlim()
    gap = (xs[-1] - xs[0]) / (n - 1) if n > 1 else 1.0
    assert hi - xs[-1] <= 0.5 * gap + 1e-9, "the axis runs on past the last save"
    assert xs[0] - lo <= 0.5 * gap + 1e-9
    ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
    assert max(ticks) == pytest.approx(xs[-1]), "the last save has the last date label"
    last = tick_labels(fig, ax)[-1].get_text()
    assert local_naive(times[-1]).strftime("%d %b") in last


def test_one_save_sits_in_the_middle(vocab):
    fig, ax = drawn(table([T0], [50], vocab), vocab)
    (x, _), = points(ax)
    lo, hi = ax.get_xlim()
    assert x - lo == pytest.approx(hi - x)
    assert [t.get_text() for t in tick_labels(fig, ax)] == [local_naive(T0).strftime("%d %b %Y")]


def test_two_years_of_saves_get_few_distinct_date_labels(vocab):
    times = pd.date_range("2025-01-03 09:00", "2026-12-20 18:00", periods=60, tz="UTC")
    fig, ax = drawn(table(times, [(n * 37) % 100 for n in range(60)], vocab), vocab)
    assert_readable_dates(fig, ax, at_least=3)
    texts = [label.get_text() for label in tick_labels(fig, ax)]
    assert "2025" in texts[0] and any("2026" in t for t in texts[1:]), texts


@pytest.mark.parametrize("start", ["2024-02-29 00:10", "2024-01-30 23:59", "2026-11-28 21:30"])
@pytest.mark.parametrize("days", [0, 1, 10, 14, 29, 40, 45, 60, 180, 400, 730, 1500])
def test_date_labels_never_collide_or_repeat(vocab, start, days):
    """Month ends (29 Feb next to 1 Mar), one moment (five saves: one label), one day (five
    saves within hours) to four years."""
    first = pd.Timestamp(start, tz="UTC")
    times = [first + pd.Timedelta(days=days) * k / 4 for k in range(5)]
    assert_readable_dates(*drawn(table(times, [10, 50, 90, 30, 60], vocab), vocab), at_least=1 if days == 0 else 2)


@given(start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)),
       span=st.floats(min_value=0, max_value=3000), n=st.integers(min_value=1, max_value=12))
def test_date_labels_are_readable_for_any_saves(vocab, start, span, n):
    first = pd.Timestamp(start, tz="UTC")
    times = [first + pd.Timedelta(days=span) * k / max(n - 1, 1) for k in range(n)]
    assert_readable_dates(*drawn(table(times, [50] * n, vocab), vocab), at_least=1)


def test_the_axes_speak_plainly(vocab):
    fig, ax = drawn(table([T0, T0 + timedelta(days=2)], [25, 75], vocab), vocab)
    assert ax.get_ylabel() == "Share of the possible points"
    assert "%" not in ax.get_ylabel() and "Each time you saved" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0 %", "25 %", "50 %", "75 %", "100 %"]


# ------------------------------------------------------------------ what the chart shows


def test_no_title_inside_the_chart_and_bands_named_by_the_vocabulary(vocab):
    fig, ax = drawn(table([T0], [50], vocab), vocab)
    assert ax.get_title() == "" and fig.get_suptitle() == ""
    texts = {t.get_text() for t in ax.texts}
    assert {level.label for level in vocab.levels} <= texts
    colours = {tuple(round(c, 3) for c in p.get_facecolor()[:3]) for p in ax.patches}
    for level in vocab.levels:
        assert tuple(round(c, 3) for c in mcolors.to_rgb(level.colour)) in colours


def test_safety_runs_are_triangles_with_a_legend(vocab):
    _, ax = drawn(table([T0, T0 + timedelta(days=20)], [30, 50], vocab, safety=[False, True]), vocab)
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == [SAFETY_WORDS]
    _, calm = drawn(table([T0], [30], vocab), vocab)
    assert calm.get_legend() is None


def test_runs_with_too_few_answers_are_named_in_the_legend(vocab):
    trend_table = table([T0, T0 + timedelta(days=3)], [20, 40], vocab, levels=["insufficient", "moderate"])
    _, ax = drawn(trend_table, vocab)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [vocab.insufficient_label]


def test_no_runs_draws_an_empty_chart(vocab):
    empty = table([], [], vocab)
    fig, ax = drawn(empty, vocab)
    assert_readable_dates(fig, ax, at_least=0)
    assert trend_text(empty, vocab) == "Nothing saved yet."
    assert "<svg" in trend_svg(empty, vocab)


def test_labels_are_text_not_mathtext(vocab):
    strange = dataclasses.replace(vocab, levels=tuple(
        dataclasses.replace(level, label=f"$\\frac{{1}}{{{n}}}$ {level.label}")
        for n, level in enumerate(vocab.levels)))
    _, ax = drawn(table([T0], [50], strange), strange)
    assert {f"$\\frac{{1}}{{{n}}}$" for n in range(len(vocab.levels))} <= {t.get_text().split()[0] for t in ax.texts}
    assert "$\\frac{1}{0}$ " in trend_svg(table([T0], [50], strange), strange)


# ------------------------------------------------------------------ the text alternative


def test_text_alternative_lists_every_run(vocab):
    times = [T0 + timedelta(days=9 * k, hours=k) for k in range(6)]
    percents = [0, 12.4, 37.5, 50, 87.6, 100]
    safety = [False, False, True, False, False, True]
    trend_table = table(times, percents, vocab, safety=safety)
    lines = trend_lines(trend_table, vocab)
    assert len(lines) == 6
    for line, when, pct, flagged, level in zip(lines, times, percents, safety, trend_table["level"]):
        assert line.startswith(local_day(when) + ": ")
        assert f"{pct:.0f} %" in line
        if flagged:  # a safety answer outranks the level
            assert SAFETY_WORDS in line and vocab.level_label(level) not in line.split(", ", 1)[1]
        else:
            assert line.endswith(f", {vocab.level_label(level)}.")
    assert trend_text(trend_table, vocab) == "\n".join(lines)


def test_text_alternative_gives_the_time_of_day_only_when_a_day_has_several_saves(vocab):
    times = [T0, T0 + timedelta(minutes=20), T0 + timedelta(days=3)]
    lines = trend_lines(table(times, [20, 40, 60], vocab), vocab)
    for when, line in zip(times[:2], lines):
        assert line.startswith(f"{local_day(when)}, {local_naive(when):%H:%M}: "), line
    assert lines[2].startswith(f"{local_day(times[2])}: "), lines[2]


def test_text_alternative_of_the_fixture_runs(runs_and_checklists):
    runs, checklists = runs_and_checklists
    toxic = trend(runs, checklists, "toxic-relationship")
    vocab = checklists["toxic-relationship"].vocabulary
    assert trend_text(toxic, vocab) == f"{local_day(toxic['saved_at'][0])}: 50 %, {SAFETY_WORDS}."
    avoid = trend(runs, checklists, "avoid-partners-where")
    assert [line.split(": ", 1)[1] for line in trend_lines(avoid, vocab)] == ["75 %, high.", "0 %, none."]


@pytest.fixture(scope="module")
def runs_and_checklists(checklists):
    from pathlib import Path

    from toolkit import load_runs

    return load_runs(Path(__file__).resolve().parents[1] / "fixtures" / "answers", checklists), checklists


# ------------------------------------------------------------------ PNG and inline SVG


def test_png_keeps_its_signature(vocab):
    png = trend_png(table([T0], [50], vocab), "Signs of a toxic relationship", vocab)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"Signs of a toxic relationship" in png  # metadata only


def svg_tree(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_svg_is_an_inert_self_contained_image(vocab):
    trend_table = table([T0, T0 + timedelta(days=30)], [20, 70], vocab, safety=[False, True])
    svg = trend_svg(trend_table, vocab, name="Signs of a toxic relationship", ident="chart-7")
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    lowered = svg.lower()
    for needle in ("<?xml", "<!doctype", "<script", "<style", "<metadata", "<foreignobject", "<image",
                   "<a ", "url(", "@import", "javascript:", "<!--"):
        assert needle not in lowered, needle
    root = svg_tree(svg)
    assert root.get("role") == "img"
    label = root.get("aria-label")
    assert label.startswith("Signs of a toxic relationship: chart") and "(2 times saved)" in label
    assert "run" not in label and "percent" not in label
    ns = "{http://www.w3.org/2000/svg}"
    assert root[0].tag == f"{ns}title" and root[0].text == label
    assert root[1].tag == f"{ns}desc" and root[1].text == trend_text(trend_table, vocab)
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    assert all(i.startswith("chart-7-") for i in ids)
    for el in root.iter():
        for key, value in el.attrib.items():
            assert not key.lower().startswith("on"), key
            if key == "xmlns":
                continue
            assert "://" not in value, (key, value)
            if key.endswith("href"):
                assert value.startswith("#") and value[1:] in ids, value
    shown = [el.text for el in root.iter(f"{ns}text")]
    assert "Signs of a toxic relationship" not in " ".join(t or "" for t in shown), "no title in the chart"
    assert SAFETY_WORDS in shown


def test_svg_without_desc_and_ident_checked(vocab):
    svg = trend_svg(table([T0], [50], vocab), vocab, describe=False)
    assert "<desc>" not in svg and svg_tree(svg)[0].tag.endswith("title")
    with pytest.raises(ValueError):
        trend_svg(table([T0], [50], vocab), vocab, ident='x" onload="alert(1)')


def test_two_charts_on_one_page_share_no_ids(vocab):
    one = trend_svg(table([T0], [50], vocab), vocab, ident="trend-1")
    two = trend_svg(table([T0], [50], vocab), vocab, ident="trend-2")
    ids = [re.findall(r' id="([^"]+)"', svg) for svg in (one, two)]
    assert ids[0] and ids[1] and not set(ids[0]) & set(ids[1])


@pytest.mark.parametrize("payload", [HOSTILE, '"><svg onload=alert(1)>', "x & y -- z --> <!-- w"])
def test_svg_escapes_the_name_and_vocabulary_texts(vocab, payload):
    hostile = dataclasses.replace(vocab, insufficient_label=f"few {payload}", levels=tuple(
        dataclasses.replace(level, label=f"{level.label} {payload}") for level in vocab.levels))
    trend_table = table([T0, T0 + timedelta(days=2)], [20, 70], hostile, levels=["insufficient", "high"])
    svg = trend_svg(trend_table, hostile, name=f"Title {payload}")
    root = svg_tree(svg)  # well-formed: nothing broke out of an attribute or a text node
    assert [el.tag.rpartition("}")[2] for el in root.iter()].count("svg") == 1
    assert svg.count("<") == sum(1 for _ in root.iter()) * 2 - svg.count("/>"), "every < is a real tag"
    assert not [k for el in root.iter() for k in el.attrib if k.lower().startswith("on")]
    assert root.get("aria-label").startswith(f"Title {payload}: ")  # the text, escaped, came back whole
    texts = [el.text or "" for el in root.iter() if el.tag.endswith("}text")]
    assert f"high {payload}" in texts and f"few {payload}" in texts


# ------------------------------------------------------------------ the History page's words


def test_history_says_how_many_times_saved_in_plain_words(runs_and_checklists, tmp_path):
    """Four saves of one list on one day: "4 times saved." (not "4 saved run(s)"), a chart
    that tells the four apart, and numbers that give each its time of day."""
    from _helpers import workspace_for

    from toolkit.ui import History

    runs, checklists = runs_and_checklists
    toxic = next(r for r in runs if r.checklist_id == "toxic-relationship")
    same_day = [dataclasses.replace(toxic, saved_at=T0 + timedelta(minutes=7 * k)) for k in range(4)]
    history = History(workspace_for(tmp_path / "answers", checklists), draw=False)
    history.draw(same_day)
    shown = " ".join(getattr(w, "value", "") for w in history.body.children)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", shown))
    assert "4 times saved." in text and "4 times, at least one answer touched on your safety" in text
    for jargon in ("run(s)", "saved run", "% of possible points", "percent of the possible"):
        assert jargon not in text, jargon
    assert "Share of the possible points" in text and "4 times saved" in text
    for k in range(4):
        assert f"{local_day(T0)}, {local_naive(T0 + timedelta(minutes=7 * k)):%H:%M}: " in text
    history.draw(same_day[:1])
    once = " ".join(getattr(w, "value", "") for w in history.body.children)
    assert "Saved once." in once and "1 times" not in once
