"""The printable report (issue: history, report, more checklists), rendered from fixture runs."""

from __future__ import annotations

import html
import json
import re
import shutil
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _helpers import SHIPPED_DIR
from markupsafe import escape

from toolkit import load_checklists, load_runs
from toolkit.charts import trend_lines
from toolkit.cli import main
from toolkit.markup import md_escape
from toolkit.report import report_html, report_md
from toolkit.resources import load_resources
from toolkit.summary import trend

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "answers"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
RESOURCES = load_resources(SHIPPED_DIR / "_resources.toml")


@pytest.fixture(scope="module")
def checklists():
    return load_checklists(SHIPPED_DIR)


@pytest.fixture(scope="module")
def runs(checklists):
    return load_runs(FIXTURES, checklists)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_html_report_has_every_section_in_order(runs, checklists):
    page = report_html(runs, checklists, RESOURCES, now=NOW)
    assert "23 November 2026" in page
    for cid in {r.checklist_id for r in runs}:
        assert checklists[cid].title in page
    assert "version 1" in page
    # page 1 first (the toxic-relationship fixture answers safety items "sometimes": the
    # urgent message is there), then the results in full; the whole support box at the end
    assert page.index("<h2 id=\"in-short\">") < page.index(RESOURCES.message) < page.index("<h2>Results</h2>")
    assert page.index("<h2>Results</h2>") < page.index("Themes across checklists") < \
        page.index("Changes since last time") < page.index('class="redflag-support urgent"')
    vocab = checklists["toxic-relationship"].vocabulary
    assert "touches on your safety" in page and vocab.insufficient_label in page  # toxic / trauma-bonding
    # the two avoid-partners-where runs (version 1): every item moved from Often to Never
    assert page.count(">better<") == len(checklists["avoid-partners-where"].edition(1).items)
    assert "not a diagnosis" in page


def test_html_report_is_standalone_and_inert(runs, checklists):
    page = report_html(runs, checklists, RESOURCES, now=NOW)
    parser = Tags()
    parser.feed(page)
    names = {t for t, _ in parser.tags}
    assert not names & {"script", "img", "iframe", "link", "object", "embed"}
    for _, attrs in parser.tags:
        assert not any(k.startswith("on") for k in attrs)
        assert not (attrs.get("src") or "").startswith("http")


def test_private_notes_stay_out_of_the_report(runs, checklists):
    noted = [n for r in runs for n in r.notes.values()]
    assert noted, "fixtures should carry a note"
    page = report_html(runs, checklists, RESOURCES, now=NOW)
    text = report_md(runs, checklists, RESOURCES, now=NOW)
    for note in noted:
        assert note not in page and note not in text


def test_markdown_report_has_the_same_content(runs, checklists):
    text = report_md(runs, checklists, RESOURCES, now=NOW)
    assert text.startswith("# Relationship checklists")
    assert text.index("## In short") < text.index("## Help now") < text.index("## Results") < \
        text.index("## You don't have to work this out alone")
    assert "Often → Never (better)" in text
    assert "## Themes across checklists" in text and "not a diagnosis" in text


def test_report_escapes_checklist_text(tmp_path, checklists):
    folder = tmp_path / "lists"
    folder.mkdir()
    src = Path(checklists["trauma-bonding"].path)
    (folder / src.name).write_text(src.read_text().replace(
        'title = "Things you might tell yourself"', 'title = "<script>alert(1)</script> [x](javascript:alert(1))"'))
    mine = load_checklists(folder)
    runs = load_runs(FIXTURES, {**checklists, **mine})
    runs = [r for r in runs if r.checklist_id == "trauma-bonding"]
    page = report_html(runs, mine, RESOURCES, now=NOW)
    assert "<script>" not in page and "&lt;script&gt;" in page
    import re

    text = report_md(runs, mine, RESOURCES, now=NOW)
    assert "\\[x\\](javascript:" in text  # brackets escaped: no link can form
    assert not re.search(r"(?<!\\)\](\(javascript:)", text)


def test_report_without_runs_says_so(checklists):
    assert "No saved answers yet" in report_html([], checklists, RESOURCES, now=NOW)
    assert "No saved answers yet" in report_md([], checklists, RESOURCES, now=NOW)


def test_cli_report_writes_a_private_file(tmp_path, capsys):
    answers = tmp_path / "answers"
    shutil.copytree(FIXTURES, answers)
    out = tmp_path / "report.md"
    assert main(["report", "--dir", str(answers), "--format", "md", "--out", str(out)]) == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert out.read_text().startswith("# Relationship checklists")
    assert main(["report", "--dir", str(answers)]) == 0
    assert capsys.readouterr().out.count("<!DOCTYPE html>") == 1


def test_cli_notebooks_writes_only_missing_ones(tmp_path, capsys):
    folder = tmp_path / "mine"
    assert main(["notebooks", str(folder)]) == 0
    assert (folder / "trauma-bonding.ipynb").exists()
    (folder / "summary.ipynb").write_text("changed by me", encoding="utf-8")
    assert main(["notebooks", str(folder)]) == 0
    assert "every notebook is already in" in capsys.readouterr().out
    assert (folder / "summary.ipynb").read_text(encoding="utf-8") == "changed by me"
    assert main(["notebooks", str(folder), "--force"]) == 0
    assert (folder / "summary.ipynb").read_text(encoding="utf-8") != "changed by me"


def test_cli_report_that_cannot_be_written_is_one_clear_line(tmp_path, capsys):
    target = tmp_path / "no-such-folder" / "report.html"
    assert main(["report", "--dir", str(FIXTURES), "--out", str(target)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "report.html" in err[0] and "could not write" in err[0]
    assert not target.parent.exists()


# ------------------------------------------------------------------ checklist by checklist


def _section(page: str, title: str) -> str:
    """The "Checklist by checklist" part of the page for one checklist."""
    detail = page[page.index("<h2>Checklist by checklist</h2>"):]
    start = detail.index(f">{title}</h3>")
    end = detail.find("<section", start)
    return detail[start:end if end > 0 else detail.index("<h2>", start)]


def test_each_checklist_has_its_answers_item_by_item(runs, checklists):
    from toolkit.markup import local_day
    from toolkit.scoring import score
    from toolkit.summary import latest_runs

    page = report_html(runs, checklists, RESOURCES, now=NOW)
    assert page.index("Changes since last time") < page.index("<h2>Checklist by checklist</h2>") < \
        page.index("What this does not ask")
    for run in latest_runs(runs):
        c = checklists[run.checklist_id].edition(run.checklist_version)
        part = _section(page, c.title)
        assert f"saved {local_day(run.saved_at)}" in part
        assert "<thead><tr><th scope=\"col\">#</th><th scope=\"col\">Statement</th>" in part
        items = score(run, c).items
        rows = part.split("<tr")[2:]  # after the header row
        assert len(rows) == len(items)
        for row, item in zip(rows, items.itertuples()):
            assert f"<td>{escape(item.text)}</td>" in row
            assert f"<td>{item.answer or '–'}" in row
            points = "–" if item.points != item.points else f"{item.points:.0f} of {item.max_points:.0f}"
            assert f">{points}</td>" in row
            assert ("touches on your safety" in row) == bool(item.safety) == ('class="safety"' in row)


def test_each_checklist_has_its_trend_as_an_inline_svg_and_in_words(runs, checklists):
    from toolkit.summary import latest_runs

    page = report_html(runs, checklists, RESOURCES, now=NOW)
    latest = latest_runs(runs)
    assert page.count("<svg ") == len(latest) == page.count("</svg>")
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "ids are unique across the charts"
    for run in latest:
        c = checklists[run.checklist_id]
        part = _section(page, c.title)
        svg = part[part.index("<svg "):part.index("</svg>") + 6]
        assert 'role="img"' in svg and f'aria-label="{html.escape(c.title)}: chart' in svg
        assert "<title>" in svg and "<desc>" not in svg  # the numbers are in the caption below
        mine = [r for r in runs if r.checklist_id == run.checklist_id]
        for line in trend_lines(trend(runs, checklists, c.id), c.vocabulary):
            assert f"<li>{line}</li>" in part
        assert part.count("<li>") == len(mine)
    toxic = _section(page, checklists["toxic-relationship"].title)
    assert "50 %, touches on your safety." in toxic
    words = toxic[:toxic.index("<svg")] + toxic[toxic.index("</svg>"):]  # the chart names every band
    assert "moderate" not in words, "no level word beside a safety answer"


def test_report_stays_inert_with_its_charts(runs, checklists):
    page = report_html(runs, checklists, RESOURCES, now=NOW)
    lowered = page.lower()
    for needle in ("<script", "<link", "<img", "<iframe", "<object", "<embed", "url(", "@import",
                   "<style type=\"text/css\">*", "<?xml", "<!doctype svg", "<foreignobject"):
        assert needle not in lowered, needle
    parser = Tags()
    parser.feed(page)
    for tag, attrs in parser.tags:
        for key, value in attrs.items():
            if key in ("href", "xlink:href") and tag != "a":
                assert value.startswith("#"), (tag, key, value)
            if key == "src":
                raise AssertionError(f"<{tag} src=…> in the report")


def test_without_charts_the_numbers_are_still_there(runs, checklists):
    page = report_html(runs, checklists, RESOURCES, now=NOW, charts=False)
    assert "<svg" not in page
    assert "Each time you saved, oldest first" in page and "50 %, touches on your safety." in page


def test_markdown_report_lists_answers_and_runs(runs, checklists):
    text = report_md(runs, checklists, RESOURCES, now=NOW)
    part = text[text.index("## Checklist by checklist"):]
    toxic = checklists["toxic-relationship"]
    assert f"### {toxic.title}" in part
    assert "- 01 Sep 2026: 75 %, high." in part and "- 03 Oct 2026: 0 %, none." in part
    first = toxic.edition(1).items[0]  # the fixture runs answer version 1
    assert f"1. {md_escape(first.text)} — Sometimes, points: 6 of 12" in part
    assert "<svg" not in text


def test_hostile_checklist_title_stays_escaped_in_the_charts(tmp_path, checklists):
    """A title with markup: escaped in the heading, the chart's aria-label and <title>."""
    folder = tmp_path / "lists"
    folder.mkdir()
    src = Path(checklists["avoid-partners-where"].path)
    payload = '<script>alert(1)</script>"><svg onload=alert(1)>'
    text = src.read_text().replace(f'title = "{checklists["avoid-partners-where"].title}"',
                                   f"title = {json.dumps(payload)}")
    assert json.dumps(payload) in text
    (folder / src.name).write_text(text)
    mine = load_checklists(folder)
    runs = [r for r in load_runs(FIXTURES, {**checklists, **mine}) if r.checklist_id == "avoid-partners-where"]
    page = report_html(runs, mine, RESOURCES, now=NOW)
    assert "<script" not in page and page.count("<svg") == 1 and "onload=alert(1)>" not in page
    assert html.escape(payload) in page
    svg = page[page.index("<svg "):page.index("</svg>") + 6]
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg)
    assert root.get("aria-label").startswith(payload + ": ")
    assert root[0].text.startswith(payload + ": ")
    assert not [k for el in root.iter() for k in el.attrib if k.lower().startswith("on")]


# ------------------------------------------------------------------ page 1: the short summary


def page_one(page: str) -> str:
    """The report's first page as text: everything up to the end of its short summary."""
    part = page[page.index("<body>"):page.index("</section>")]
    part = re.sub(r"</?(b|span|small|a)\b[^>]*>", "", part)  # inline: no space
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", part)))


def one_line(line) -> str:
    """What page 1 should say of one list, derived from its result line (not from the template)."""
    if line.safety:
        return f"{line.title}: touches on your safety."
    if line.level_withheld:
        return f"{line.title}: a safety answer other than Never, so no level."
    if line.level in ("insufficient", "not-applicable"):
        return f"{line.title}: {line.label}."
    return f"{line.title}: {line.label}, {line.percent_text}."


def result_lines_of(runs, checklists):
    from toolkit.summary import latest_runs, result_lines, summarise

    return result_lines(summarise(latest_runs(runs), checklists), checklists)


@pytest.mark.parametrize("country", ["GB", "US"])
def test_page_one_gives_each_list_in_one_line_and_the_chosen_countrys_help(runs, checklists, country):
    page = report_html(runs, checklists, RESOURCES, now=NOW, country=country)
    first = page_one(page)
    lines = result_lines_of(runs, checklists)
    assert len(lines) == 3
    for line in lines:
        assert re.sub(r"\s+", " ", one_line(line)) in first, one_line(line)
    # each list once on page 1, and none of the long explanations
    for line in lines:
        assert first.count(line.title) == 1 and line.explanation not in first
    mine, _rest = RESOURCES.for_country(country)
    emergency = [r for r in mine if r.emergency]
    helplines = [r for r in mine if not r.emergency and "*" not in r.countries]
    assert emergency and helplines
    for r in emergency + helplines[:4]:
        assert r.name in first and r.phone in first, r.name
    for r in helplines[4:]:
        assert r.name not in first, f"{r.name}: page 1 holds at most four helplines"
    others = [r for r in RESOURCES.items if country not in r.countries and "*" not in r.countries]
    numbers = {r.phone for r in mine}
    assert others and not [r.name for r in others if not r.emergency and r.name in first], \
        "another country's helplines are on page 1"
    # (a number that is part of the chosen country's own, like 112 in "999 or 112", proves nothing)
    assert not [r.region for r in others if r.emergency and not any(r.phone in n for n in numbers)
                and r.phone in first], \
        "another country's emergency number is on page 1"
    assert RESOURCES.message in first, "an answer touches on safety: the urgent words are on page 1"
    # every line of help is still in the report, after page 1
    rest = html.unescape(page[page.index("</section>"):])
    for r in RESOURCES.items:
        assert r.name in rest, r.name


def test_page_one_without_a_country_gives_every_emergency_number(runs, checklists):
    first = page_one(report_html(runs, checklists, RESOURCES, now=NOW))
    emergency = [r for r in RESOURCES.items if r.emergency]
    for r in emergency:
        assert f"({r.region}): Call {r.phone}" in first, r.region
    assert not [r.name for r in RESOURCES.items if not r.emergency and r.name in first]
    assert "No country is chosen" in first


def test_markdown_report_opens_with_the_same_short_summary(runs, checklists):
    text = report_md(runs, checklists, RESOURCES, now=NOW, country="GB")
    first = text[:text.index("## Results")].replace("**", "")
    for line in result_lines_of(runs, checklists):
        assert one_line(line) in first, one_line(line)
    assert "Help now: United Kingdom" in first and "999 or 112" in first
    mine, _rest = RESOURCES.for_country("GB")
    for r in [r for r in mine if not r.emergency and "*" not in r.countries][:4]:
        assert f"{r.name} ({r.region}): Call {r.phone}" in first, r.name
    assert "National Domestic Violence Hotline" not in first


def test_report_speaks_plainly(runs, checklists):
    """No "run(s)", "saved runs" or "percent of the possible points" for a person to read."""
    page = report_html(runs, checklists, RESOURCES, now=NOW)
    text = report_md(runs, checklists, RESOURCES, now=NOW)
    visible = re.sub(r"<[^>]+>", " ", page)
    for words in (visible, text):
        for jargon in ("run(s)", "saved run", "percent of the possible points", "% of possible points",
                       ">Percent<"):
            assert jargon not in words, jargon
    assert "share of the possible points" in visible and "Share of the possible points" in page


# ------------------------------------------------------------------ the Print button


def test_print_button_sends_the_report_to_the_page(tmp_path, checklists):
    """Pressing Print (as the page's message does) sends the report's page back to be printed,
    with a plain line on screen; nothing is written to disk."""
    from _helpers import workspace_for

    from toolkit.panels import ReportPanel

    answers = tmp_path / "answers"
    shutil.copytree(FIXTURES, answers)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    panel = ReportPanel(workspace_for(answers, checklists))
    sent: list[dict] = []
    panel.print_button.send = sent.append  # the page's end of the message
    panel.print_button._on_front_end_msg(panel.print_button, {"event": "print"}, [])
    assert len(sent) == 1 and sent[0]["event"] == "page"
    page = sent[0]["html"]
    assert page.startswith("\n<!DOCTYPE html>") or page.lstrip().startswith("<!DOCTYPE html>")
    assert '<h2 id="in-short">' in page and "Signs of a toxic relationship" in page
    assert "Printing your report" in panel.report_link.value
    assert sorted(p.name for p in tmp_path.rglob("*")) == before, "printing wrote a file"
    panel.print_button._on_front_end_msg(panel.print_button, {"event": "something else"}, [])
    assert len(sent) == 1
    assert panel.print_button.label == "Print"


def test_print_button_keeps_protected_answers_unless_asked(tmp_path, checklists, monkeypatch):
    from _helpers import workspace_for

    from toolkit.panels import ReportPanel

    answers = tmp_path / "answers"
    shutil.copytree(FIXTURES, answers)
    ws = workspace_for(answers, checklists)
    monkeypatch.setattr(type(ws.store), "protected", property(lambda self: True))
    saved = load_runs(FIXTURES, checklists)
    monkeypatch.setattr(type(ws.store), "runs", lambda self: saved)
    panel = ReportPanel(ws)
    sent: list[dict] = []
    panel.print_button.send = sent.append
    panel.print_button.click()
    assert sent == [] and "anyone who finds it can read it" in panel.report_link.value
    panel.report_plain.value = True
    panel.print_button.click()
    assert len(sent) == 1 and '<h2 id="in-short">' in sent[0]["html"]
