"""Issue 18 items 4 and 5, the parts a unit test can hold: the app view's template Exit says and
does what the QuickExit widget does until the widget takes over; charts keep 12px text at their
own size; tables can be scrolled with the keyboard. The browser side: tests/e2e/test_e2e_phone.py.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from toolkit.widgets import DEFAULT_EXIT_URL, QuickExit, _shift_messages

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "toolkit/share/jupyter/voila/templates/redflag"
TEMPLATE = TEMPLATE_DIR / "index.html.j2"
PX_PER_PT = 96 / 72


def _band() -> tuple[dict[str, str], dict[str, str]]:
    """The template's Exit band: its attributes, and the text of its parts by class."""
    text = TEMPLATE.read_text(encoding="utf-8")
    start = text.index('<div id="redflag-exit"')
    band = text[start:text.index("</div>", start) + len("</div>")]
    attrs = {k: html.unescape(v) for k, v in re.findall(r'\s([\w-]+)="([^"]*)"', band[:band.index(">")])}
    parts = {cls: html.unescape(body.strip()) for cls, body in
             re.findall(r'class="(?:redflag-visually-hidden )?(redflag-quick-exit-[\w-]+)"[^>]*>([^<]*)<', band)}
    return attrs, parts


def test_template_exit_says_and_goes_where_the_widget_does(monkeypatch):
    """Before the kernel, the page's own button must match the widget's defaults: the same
    address, label, hint and Shift messages (English: the template cannot translate)."""
    monkeypatch.delenv("REDFLAG_EXIT_URL", raising=False)
    attrs, parts = _band()
    widget = QuickExit()
    assert attrs["data-url"] == DEFAULT_EXIT_URL == widget.url
    assert parts["redflag-quick-exit-button"] == widget.label
    assert parts["redflag-quick-exit-hint"] == widget.shift_hint
    assert [attrs["data-said-1"], attrs["data-said-2"]] == _shift_messages() == widget.shift_messages
    assert attrs["data-expired"] == widget.expired_message


def test_template_exit_is_the_first_thing_in_the_body_and_loads_its_script_as_a_file():
    """The band comes before Voilà's spinner (shown while the kernel starts), its script is a
    static file (the CSP refuses inline scripts), and both static files exist."""
    text = TEMPLATE.read_text(encoding="utf-8")
    assert "replace(spinner.html(), exit_band() ~ spinner.html())" in text
    assert re.search(r"\{\{ static_script\('exit.js'\) \}\}", text)
    assert "<script>" not in text[text.index("{%- macro exit_band"):text.index("{%- endmacro", text.index(
        "{%- macro exit_band"))]
    for name in ("exit.js", "exit.css"):
        assert (TEMPLATE_DIR / "static" / name).is_file(), name


def test_shift_hint_is_a_trait_the_page_can_change():
    q = QuickExit(shift_hint="or Shift, Shift, Shift")
    assert q.shift_hint == "or Shift, Shift, Shift"
    assert "shift_hint" in q.keys


def test_chart_text_is_at_least_12px_at_the_charts_own_size(vocab):
    """Pages show the chart at its own size (a narrow one scrolls it): every text of the SVG,
    tick labels, level names and legend, must then be 12px or more."""
    pytest.importorskip("matplotlib")
    from toolkit.charts import trend_svg

    t0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    trend = pd.DataFrame({
        "saved_at": pd.to_datetime([t0, t0 + timedelta(days=3), t0 + timedelta(days=9)], utc=True),
        "percent": [10.0, 55.0, 80.0],
        "level": pd.Categorical([vocab.level_for(p) for p in (10, 55, 80)]),
        "safety": [False, True, False],
        "answered": [5, 5, 5],
    })
    root = ET.fromstring(trend_svg(trend, vocab))
    width = root.get("width") or ""
    assert width.endswith("pt"), width        # 1 unit of the drawing = 1pt at the chart's own size
    sizes = []
    for el in root.iter():
        if el.tag.rpartition("}")[2] != "text":
            continue
        style = el.get("style") or ""
        found = re.search(r"font(?:-size)?:\s*(?:[a-z]+\s+)*([\d.]+)px", style) or re.search(
            r"([\d.]+)", el.get("font-size") or "")
        assert found, style
        scale = re.search(r"scale\(([\d.]+)", el.get("transform") or "")
        sizes.append(float(found.group(1)) * (float(scale.group(1)) if scale else 1.0) * PX_PER_PT)
    assert len(sizes) >= 8, sizes             # ticks, level names, legend
    assert min(sizes) >= 12 - 1e-6, sorted(sizes)[:3]


def test_tables_can_be_scrolled_with_the_keyboard(vocab):
    """A table scrolls inside its own box on a narrow screen (phone.css): it must take focus."""
    from toolkit.tables import themes_styler

    themes = pd.DataFrame({"title": ["Control"], "group": ["concern"], "answered": [3], "percent": [50.0],
                           "checklists": ["a"]})
    page = themes_styler(themes, {}).to_html()
    assert re.search(r"<table[^>]*class=.redflag-themes.[^>]*tabindex=.0.", page), page[:300]
