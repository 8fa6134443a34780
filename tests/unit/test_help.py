"""Help within reach and a start page that starts (issue 18, items 3 and 7), on the Python side:
the support box's order and folding, tap-to-call and text links, "Need to talk now?", the
country choice inside the box, the start page's context, one H1 per page. The browser side is
tests/e2e/test_e2e_help.py."""

from __future__ import annotations

import html
import re

import pytest
from _helpers import text_of, workspace_for

from toolkit.markup import dial, support_html, talk_html
from toolkit.notebooks import FIRST, SECTIONS, minutes, start_context, start_html
from toolkit.resources import SHORTLIST

pytest.importorskip("ipywidgets")


@pytest.mark.parametrize("value, scheme, links", [
    ("999 or 112", "tel", ["tel:999", "tel:112"]),
    ("999, then press 55", "tel", ["tel:999"]),                       # 55 is pressed, not dialled
    ("0800 733 843 (0800 REFUGE)", "tel", ["tel:0800733843"]),         # a word-number is not a number
    ("110 (police) · 112 (ambulance, fire)", "tel", ["tel:110", "tel:112"]),
    ("000 (or 112 from a mobile)", "tel", ["tel:000", "tel:112"]),
    ("1-800-799-7233", "tel", ["tel:18007997233"]),
    ("+44 20 7946 0000", "tel", ["tel:+442079460000"]),
    ("START to 88788", "sms", ["sms:88788?body=START"]),               # the keyword goes in the message
    ("1-844-762-8483", "sms", ["sms:18447628483"]),
])
def test_each_number_is_one_tap_to_call_or_text_and_the_words_stay(value, scheme, links):
    pieces = dial(value, scheme)
    assert "".join(text for text, _href in pieces) == value  # nothing lost or added
    assert [href for _text, href in pieces if href] == links


def test_a_chosen_country_gets_its_emergency_numbers_then_a_few_lines_the_rest_folded(tmp_path, checklists):
    res = workspace_for(tmp_path, checklists).resources
    first, more, others = res.shortlist("GB")
    uk = [r for r in res.items if "GB" in r.countries]
    assert [r for r in first if r.emergency] == [r for r in uk if r.emergency]  # all of them, first
    assert all(r.emergency for r in first[:2]) and not any(r.emergency for r in first[2:])
    assert first[2:] == tuple(r for r in uk if not r.emergency)[:SHORTLIST]
    assert set(more) >= set(uk) - set(first) and not any("US" in r.countries for r in first + more)
    assert set(first) | set(more) | set(others) == set(res.items)
    # No country: nothing is cut (every country's emergency number; the lines by country).
    first, more, _others = res.shortlist(None)
    assert more == () and {r for r in res.items if r.emergency} <= set(first)


def test_the_box_for_the_uk_starts_with_999_as_a_link_and_folds_the_rest(tmp_path, checklists):
    res = workspace_for(tmp_path, checklists).resources
    box = support_html(res, urgent=True, country="GB")
    first_list = box.split('<ul class="redflag-first"', 1)[1].split("</ul>", 1)[0]
    first_item = first_list.split("</li>", 1)[0]
    assert '<a href="tel:999">999</a>' in first_item and "911" not in text_of(first_list)
    assert "Refuge" in first_list
    more, others = box.index("<summary>More lines in United Kingdom</summary>"), box.index(
        "<summary>Other countries</summary>")
    assert box.index("Refuge") < more < others and "<details class=\"redflag-others\">" in box  # folded
    assert text_of(box).index("National Domestic Violence Hotline") > others  # the US line, folded
    assert "<small>" not in box and "font-size:16px" in box
    assert 'href="sms:' not in box or re.search(r'href="sms:\d+', box)


def test_need_to_talk_now_names_the_countrys_numbers_or_where_to_choose(tmp_path, checklists):
    res = workspace_for(tmp_path, checklists).resources
    uk = talk_html(res, "GB")
    assert "Need to talk now?" in uk and '<a href="tel:999">' in uk and '<a href="tel:08082000247">' in uk
    us = talk_html(res, "US")
    assert '<a href="tel:911">' in us and "999" not in us
    none = text_of(talk_html(res, None))
    assert "Need to talk now?" in none and "Choose your country" in none and "tel:" not in talk_html(res, None)


def test_the_start_page_has_one_first_step_lengths_and_talk_near_the_top(tmp_path, checklists, monkeypatch):
    for name in ("BINDER_REPO_URL", "BINDER_LAUNCH_HOST", "JUPYTERHUB_USER", "JUPYTERHUB_SERVICE_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    res = workspace_for(tmp_path, checklists).resources
    context = start_context(checklists, res, "GB")
    first, mins = context["first"]
    assert first.id == FIRST and mins == minutes(first) == -(-len(first.items) * 15 // 60)
    assert [heading for heading, _rows in context["sections"]] == [
        h for kind, h in SECTIONS if any(c.kind == kind for c in checklists.values())]
    page = start_html(checklists, res, "GB")
    shown = text_of(page)
    assert len(re.findall(r"<h1[ >]", page)) == 1
    assert shown.index("Need to talk now?") < shown.index("Start with:") < shown.index("The checklists")
    assert shown.count("Start with:") == 1 and "tel:999" in page
    assert f"Start with: {first.title}, {len(first.items)} statements, about {mins} minutes." in " ".join(shown.split())
    paragraphs = [p for p in re.findall(r"<p[^>]*>(.*?)</p>", page, re.S)]
    assert len(paragraphs) == len(set(paragraphs))  # nothing said twice
    assert res.device_note not in html.unescape(page)  # the support box below says it
    assert "Binder" not in page  # on one's own computer
    monkeypatch.setenv("BINDER_REPO_URL", "https://github.com/o/r")
    assert "On Binder" in start_html(checklists, res, "GB")


def test_a_checklist_page_has_its_title_as_its_one_h1(tmp_path, checklists):
    from toolkit.ui import ChecklistForm

    form = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    assert re.findall(r"<h1>(.*?)</h1>", form.header.value) == [html.escape(form.checklist.title)]


def test_the_country_choice_inside_the_forms_box_changes_the_box_and_the_result(tmp_path, checklists, monkeypatch):
    from toolkit.ui import ChecklistForm

    for var in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")  # a default locale: no country is taken from it
    form = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    form.choices["blame-yourself"].value = "often"
    form.save()
    box = form.support
    assert box.country.root in box.children and box.layout.display != "none"
    assert "Choose your country" in box.value and "Need to talk now?" in form.result.value
    box.country.widget.value = "GB"
    assert form.workspace.store.settings() == {"country": "GB"}
    assert '<a href="tel:999">999</a>' in box.body.value.split("</li>", 1)[0]
    assert "Choose your country" not in box.value and "tel:999" in form.result.value  # the result follows
    assert "redflag-support urgent" in box.value and "urgent" in box._dom_classes


def test_the_summarys_two_country_choices_show_the_same_country(tmp_path, checklists, monkeypatch):
    """The support box's choice and the one under Your data are one setting: choosing in either
    shows in both."""
    from toolkit.ui import ChecklistForm, Summary

    for var in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    form = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    form.choices["blame-yourself"].value = "often"
    form.save()
    summary = Summary(workspace_for(tmp_path, checklists))
    in_box, in_data = summary.support.country.widget, summary.country.widget
    assert summary.support.layout.display != "none" and in_box.value == in_data.value == ""
    in_box.value = "GB"
    assert in_data.value == "GB" and summary.workspace.store.settings()["country"] == "GB"
    in_data.value = "IE"
    assert in_box.value == "IE" and "Choose your country" not in summary.support.value
