"""Safety first, everywhere: the cases a careful read found where the tool could reassure a
person exactly when it must not. Each test is the case that failed before the fix."""

from __future__ import annotations

import html
import json
import re

import pytest
from _helpers import expected_totals, workspace_for

from toolkit import load_answers, score
from toolkit.cli import main
from toolkit.report import report_html, report_md
from toolkit.summary import describe, latest_runs, summarise
from toolkit.ui import ChecklistForm, History, Summary

CID = "toxic-relationship"
GRAVEST = ("feeling-trapped", "questioning-your-sanity", "threats-or-control", "afraid-of-partner")


def reassurance(checklist) -> list[str]:
    """Every sentence that would tell the person things look fine: the none/low level texts."""
    vocab = checklist.vocabulary
    texts = [getattr(lv, attr) for lv in vocab.levels[:2] for attr in ("concern", "strength")]
    texts += [checklist.level_words[lv.id] for lv in vocab.levels[:2] if lv.id in checklist.level_words]
    return texts


def visible(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


@pytest.fixture
def trapped_only(checklists, make_answers):
    """'You feel trapped' = Always, every other item Never: a total of only a few percent."""
    c = checklists[CID]
    run = make_answers(c, {"feeling-trapped": "always"}, fill="never")
    result = score(run, c)
    assert result.safety and result.level == c.vocabulary.levels[0].id  # the case: level "none"
    return run


def test_trapped_always_alone_never_reads_as_reassurance_anywhere(tmp_path, checklists, trapped_only,
                                                                   capsys):
    c = checklists[CID]
    ws = workspace_for(tmp_path / "answers", checklists)
    path = ws.store.save(trapped_only)
    form = ChecklistForm(CID, ws)
    form.fill(trapped_only)
    form.save()
    summary = Summary(ws)
    views = {
        "form result": visible(form.support.value + form.result.value),
        "summary": visible(summary.support.value + summary.overview.value),
        "history": visible("".join(getattr(w, "value", "") for w in History(ws).body.children
                                   if isinstance(getattr(w, "value", None), str))),
        "report html": visible(report_html(ws.store.runs(), checklists, ws.resources)),
        "report md": report_md(ws.store.runs(), checklists, ws.resources),
        "describe": describe(summarise(latest_runs(ws.store.runs()), checklists), checklists),
    }
    for fmt in ("table", "json", "csv"):
        assert main(["--dir", str(ws.answers_dir), "score", str(path), "--format", fmt]) == 0
        views[f"cli {fmt}"] = capsys.readouterr().out
    for name, text in views.items():
        for sentence in reassurance(c):
            assert sentence not in text, (name, sentence)
        assert not re.search(r"level of concern\s+(none|low)\b", text), name
        assert not re.search(r"level: (none|low)\b", text), name
    for name in ("form result", "summary", "report html", "report md", "describe", "cli table"):
        assert "touches on your safety" in views[name], name
    assert json.loads(views["cli json"])[0]["explanation"] == c.vocabulary.safety_sentence
    # The level stays in the data (charts, CSV): only the words beside it change.
    assert json.loads(views["cli json"])[0]["level"] == c.vocabulary.levels[0].id


@pytest.mark.parametrize("item", GRAVEST)
def test_rarely_on_a_gravest_item_raises_the_flag(checklists, make_answers, item):
    c = checklists[CID]
    assert c.item(item).safety and c.item(item).safety_from == "rarely"
    assert score(make_answers(c, {item: "rarely"}, fill="never"), c).safety
    assert not score(make_answers(c, {item: "never"}, fill="never"), c).safety


def test_rarely_on_another_safety_item_does_not(checklists, make_answers):
    c = checklists[CID]
    other = next(it for it in c.items if it.safety and it.safety_from is None)
    assert not score(make_answers(c, {other.id: "rarely"}, fill="never"), c).safety
    assert score(make_answers(c, {other.id: c.vocabulary.safety_from}, fill="never"), c).safety


def test_not_sure_on_a_safety_item_is_named_and_listed(tmp_path, checklists, make_answers, capsys):
    c = checklists[CID]
    unsure = [it for it in c.items if it.safety][:2]
    run = make_answers(c, {it.id: "unsure" for it in unsure}, fill="never")
    result = score(run, c)
    assert not result.safety and result.safety_unsure == tuple(it.id for it in unsure)
    ws = workspace_for(tmp_path, checklists)
    path = ws.store.save(run)
    assert main(["score", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["safety_unsure"] == [it.id for it in unsure]
    form = ChecklistForm(CID, ws)
    form.fill(run)
    form.save()
    shown = visible(form.result.value)
    assert "You weren't sure about" in shown and all(it.text in shown for it in unsure)
    # The calm box (no urgent border or message), shown because a safety question was unsure.
    assert 'class="redflag-support"' in form.support.value and "urgent" not in form.support.value
    for page in (report_html(ws.store.runs(), checklists, ws.resources),
                 report_md(ws.store.runs(), checklists, ws.resources)):
        assert "weren't sure" in html.unescape(page) and unsure[0].text[:30] in html.unescape(page)
    assert "weren't sure" in visible(Summary(ws).overview.value)


def test_a_version_1_run_still_scores_by_the_rules_it_was_answered_under(checklists):
    """The fixture runs were saved against version 1 of the core lists: they score exactly as
    version 1 said (its items, severities and safety flags), not against the new items."""
    from pathlib import Path

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "answers"
    for path in sorted(fixtures.glob("*.json")):
        run = load_answers(path, checklists)
        c = checklists[run.checklist_id]
        assert run.checklist_version == 1 < c.version
        old = c.edition(1)
        assert old.version == 1 and old is not c
        result = score(run, c)
        want = expected_totals(old, run.responses)
        assert int(result.totals["answered"]) == want["answered"], path.name
        assert result.level == want["level"] and result.safety == want["safety"], path.name
        assert result.totals["not_scored"] == ()
        assert list(result.items["item"]) == list(old.item_ids)


def test_a_run_of_a_version_without_a_kept_edition_scores_against_the_current_list(evolved, make_answers):
    """No edition kept (a list of your own, say): answers to items the list no longer has are
    reported as not scored, never dropped silently."""
    run = make_answers(evolved.old, {i: "often" for i in evolved.old.item_ids})
    result = score(run, evolved.new)
    assert result.totals["not_scored"] == (evolved.old_id,)


def test_an_archived_edition_must_be_older_and_named_after_its_checklist(shipped_copy):
    from toolkit import ChecklistError, load_checklists

    archive = shipped_copy / "_archive"
    current = (shipped_copy / "trauma-bonding.toml").read_text(encoding="utf-8")
    version = int(re.search(r"^version = (\d+)", current, re.M).group(1))
    (archive / f"trauma-bonding.v{version}.toml").write_text(current, encoding="utf-8")
    with pytest.raises(ChecklistError, match="not older than"):
        load_checklists(shipped_copy)
    (archive / f"trauma-bonding.v{version}.toml").unlink()
    (archive / "no-such-list.v1.toml").write_text(current, encoding="utf-8")
    with pytest.raises(ChecklistError, match=r"no-such-list\.v1\.toml: an archived edition must be named"):
        load_checklists(shipped_copy)


def test_reflection_lists_are_shown_about_you_not_as_concerns(tmp_path, checklists, make_answers):
    ws = workspace_for(tmp_path, checklists)
    reflection = next(c for c in checklists.values() if c.kind == "reflection")
    ws.store.save(make_answers(reflection, fill="often", saved_at=None))
    ws.store.save(make_answers(checklists[CID], fill="never", saved_at=None))
    overview = html.unescape(Summary(ws).overview.value)
    concerns, about_you = overview.split("<h3>About you</h3>")
    assert reflection.title in about_you and reflection.title not in concerns
    assert checklists[CID].title in concerns


def test_situational_items_tell_the_person_to_choose_not_sure(tmp_path, checklists):
    c = next(c for c in checklists.values() if any(it.situational for it in c.items))
    form = ChecklistForm(c.id, workspace_for(tmp_path, checklists))
    hints = [("hasn't come up" in form.choices[it.id].hint) for it in c.items]
    assert hints == [it.situational for it in c.items]


# ------------------------------------------------------------------ what it does not ask


def test_the_limits_are_said_on_the_start_page_and_in_every_report(tmp_path, checklists, make_answers):
    from toolkit.markup import support_html
    from toolkit.notebooks import start_html

    ws = workspace_for(tmp_path, checklists)
    limits = ws.resources.limits
    for word in ("violence", "strangl", "weapons", "sex", "money", "phone", "dangerous"):
        assert word in limits, word
    start = html.unescape(start_html(checklists, ws.resources))
    assert limits in start and ws.resources.device_note not in start  # the device note is in the box below it
    assert ws.resources.device_note in html.unescape(support_html(ws.resources, urgent=False))
    runs = [make_answers(checklists[CID], fill="never")]
    assert limits in html.unescape(report_html(runs, checklists, ws.resources))
    assert " ".join(limits.split()) in " ".join(report_md(runs, checklists, ws.resources).split())
    assert limits in html.unescape(report_html([], checklists, ws.resources))  # even with no answers


def test_readme_makes_no_danger_assessment_claim():
    from _helpers import REPO

    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "Lethality" not in text
    assert "cannot judge how dangerous" in text


# ------------------------------------------------------------------ your country first


def test_the_chosen_country_comes_first_and_the_rest_is_folded(tmp_path, checklists, make_answers):
    from toolkit.ui import SupportResources

    ws = workspace_for(tmp_path, checklists)
    view = SupportResources(ws)
    everything = visible(view.box.value)
    assert "Other countries" not in everything  # nothing chosen: every line, none folded
    view.country.widget.value = "GB"
    assert ws.store.settings() == {"country": "GB"} and ws.country == "GB"
    box = view.box.value
    first, folded = box.split("<summary>Other countries</summary>")
    uk = [r for r in ws.resources.items if "GB" in r.countries]
    us = [r for r in ws.resources.items if "US" in r.countries and not r.emergency]  # same name as GB's
    emergency = next(r for r in ws.resources.items if "*" in r.countries)
    assert all(r.name in html.unescape(first) for r in uk + [emergency])
    assert all(r.name in html.unescape(folded) and r.name not in html.unescape(first) for r in us)
    # The same choice reaches the form's support box and the reports.
    form = ChecklistForm(CID, ws)
    form.fill(make_answers(checklists[CID], {"feeling-trapped": "always"}, fill="never"))
    form.save()
    assert "<summary>Other countries</summary>" in form.support.value
    page = report_html(ws.store.runs(), checklists, ws.resources, country=ws.country)
    assert html.unescape(page).index(uk[0].name) < html.unescape(page).index(us[0].name)
    # A fresh view of the same folder remembers the choice; forget removes it with the answers.
    assert SupportResources(ws).country.widget.value == "GB"
    ws.store.forget()
    assert ws.store.settings() == {} and not tmp_path.exists()


def test_cli_resources_for_a_country(capsys):
    assert main(["resources", "--country", "ie"]) == 0
    out = capsys.readouterr().out
    head, others = out.split("Other countries:")
    assert "Women's Aid" in head and "Men's Aid" in head and "988 Suicide" in others
    assert main(["resources", "--country", "FR"]) == 1
    assert "no support lines listed for country 'FR'" in capsys.readouterr().err


def test_a_damaged_settings_file_never_keeps_support_from_showing(tmp_path, checklists):
    from toolkit.answerfolder import SETTINGS_FILE

    ws = workspace_for(tmp_path, checklists)
    for junk in (b"{", b"[1]", b'{"country": 7}', b"\xff\xfe"):
        (tmp_path / SETTINGS_FILE).write_bytes(junk)
        assert ws.store.settings() == {} and ws.country in (None, *ws.resources.countries)
