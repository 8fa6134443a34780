"""The printable report (issue: history, report, more checklists), rendered from fixture runs."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _helpers import SHIPPED_DIR

from toolkit import load_checklists, load_runs
from toolkit.cli import main
from toolkit.report import report_html, report_md
from toolkit.resources import load_resources

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "answers"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
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
    # safety first: the toxic-relationship fixture answers safety items "sometimes"
    assert page.index('class="redflag-support urgent"') < page.index("<h2>Results</h2>")
    assert page.index("<h2>Results</h2>") < page.index("Themes across checklists") < \
        page.index("Changes since last time")
    assert "touches on your safety" in page and "not enough answers yet" in page  # toxic / trauma-bonding
    # the two avoid-partners-where runs: every item moved from Often to Never
    assert page.count(">better<") == len(checklists["avoid-partners-where"].items)
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
    assert text.index("You don't have to work this out alone") < text.index("## Results")
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
