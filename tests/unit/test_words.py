"""Issue 17: words that hold up for someone being hurt. Each test is a case a close read found:
calm words beside harm, "Not sure" doing two jobs ("This hasn't happened"), help in the wrong
order, and results that contradict themselves. Expected values come from the loaded data."""

from __future__ import annotations

import html
import json
import re

import pytest
from _helpers import expected_totals, workspace_for

from toolkit import AnswersError, ChecklistError, load_answers, load_checklists, save_answers, score
from toolkit.cli import main
from toolkit.report import report_html, report_md
from toolkit.summary import describe, latest_runs, summarise
from toolkit.ui import ChecklistForm, History, Summary

TOXIC, TRAUMA, AVOID = "toxic-relationship", "trauma-bonding", "avoid-partners-where"
CORE = (AVOID, TOXIC, TRAUMA)


def visible(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def calm_words(checklist) -> list[str]:
    """Every sentence that could tell the person things look fine: the words of the two lowest
    levels, none and low (the vocabulary's and the list's own), for concerns and good signs."""
    vocab = checklist.vocabulary
    calm = vocab.levels[:2]
    texts = [getattr(lv, attr) for lv in calm for attr in ("concern", "strength")]
    return texts + [checklist.level_words[lv.id] for lv in calm if lv.id in checklist.level_words]


def every_view(tmp_path, checklists, run, capsys) -> dict[str, str]:
    """The run as each view words it: form result, Summary, History, reports, describe(), CLI."""
    ws = workspace_for(tmp_path / "answers", checklists)
    path = ws.store.save(run)
    form = ChecklistForm(run.checklist_id, ws)
    form.fill(run)
    form.save()
    summary = Summary(ws)
    runs = ws.store.runs()
    views = {
        "form": visible(form.support.value + form.result.value),
        "form progress": visible(form.progress.value),
        "summary": visible(summary.support.value + summary.overview.value + summary.tables.value),
        "history": visible("".join(getattr(w, "value", "") for w in History(ws).body.children
                                   if isinstance(getattr(w, "value", None), str))),
        "report html": visible(report_html(runs, checklists, ws.resources)),
        "report md": report_md(runs, checklists, ws.resources),
        "describe": describe(summarise(latest_runs(runs), checklists), checklists),
    }
    for fmt in ("table", "json", "csv"):
        assert main(["--dir", str(ws.answers_dir), "score", str(path), "--format", fmt]) == 0
        views[f"cli {fmt}"] = capsys.readouterr().out
    views["_form_support"] = form.support.value
    views["_summary_support"] = summary.support.value
    views["_report_page"] = report_html(runs, checklists, ws.resources)
    return views


def assert_no_calm_words(views: dict[str, str], checklist) -> None:
    for name, text in views.items():
        if name.startswith("_"):
            continue
        for sentence in calm_words(checklist):
            assert sentence not in text, (name, sentence)
        calm_labels = "|".join(re.escape(checklist.vocabulary.level_label(lv.id))
                               for lv in checklist.vocabulary.levels[:2])
        assert not re.search(rf"level of concern\s+({calm_labels})\b", text), name
        assert not re.search(rf"level: ({calm_labels})\b", text), name


# ------------------------------------------------------------------ 1. no calm words beside harm


def test_rarely_on_being_humiliated_is_harm_not_few_or_none(tmp_path, checklists, make_answers, capsys):
    """The issue's first case: hurts-when-vulnerable at Rarely, the rest Never."""
    c = checklists[TOXIC]
    item = c.item("hurts-when-vulnerable")
    run = make_answers(c, {item.id: "rarely"}, fill="never")
    want = expected_totals(c, run.responses)
    assert want["level"] == c.vocabulary.levels[0].id  # the case: the total alone says "none"
    result = score(run, c)
    assert result.safety and result.level_withheld  # flags from Rarely: it presupposes being hurt
    views = every_view(tmp_path, checklists, run, capsys)
    assert_no_calm_words(views, c)
    assert 'class="redflag-support urgent"' in views["_form_support"]
    assert json.loads(views["cli json"])[0]["explanation"] == c.vocabulary.safety_sentence


def test_every_statement_that_presupposes_being_hurt_flags_from_rarely(checklists):
    """All of trauma-bonding and hurts-when-vulnerable say "when your partner hurts you": any
    answer but Never already says it happens. The loader's rule finds every such statement."""
    from toolkit.checklist import HARM_PRESUPPOSED

    found = {(c.id, it.id) for c in checklists.values() for it in c.items if HARM_PRESUPPOSED.search(it.text)}
    assert {(TRAUMA, it.id) for it in checklists[TRAUMA].items} | {(TOXIC, "hurts-when-vulnerable")} <= found
    first = min((o for o in checklists[TOXIC].vocabulary.scale if o.weight), key=lambda o: o.weight or 0)
    for cid, iid in found:
        item = checklists[cid].item(iid)
        assert item.safety and item.safety_from == first.id, (cid, iid)


def test_all_trauma_bonding_at_rarely_is_no_longer_low_and_milder(tmp_path, checklists, make_answers, capsys):
    c = checklists[TRAUMA]
    run = make_answers(c, fill="rarely")
    assert expected_totals(c, run.responses)["safety"]
    assert c.vocabulary.level_for(expected_totals(c, run.responses)["percent"]) != "high"
    views = every_view(tmp_path, checklists, run, capsys)
    assert_no_calm_words(views, c)
    for name, text in views.items():
        assert "milder" not in text, name
    assert "touches on your safety" in views["form"] and "touches on your safety" in views["describe"]


def test_not_sure_about_fear_removes_few_or_none_and_brings_the_calm_box(tmp_path, checklists, make_answers,
                                                                          capsys):
    c = checklists[TOXIC]
    run = make_answers(c, {"afraid-of-partner": "unsure"}, fill="never")
    result = score(run, c)
    assert result.level == c.vocabulary.levels[0].id  # the case: the total alone says "none"
    views = every_view(tmp_path, checklists, run, capsys)
    assert_no_calm_words(views, c)
    assert not result.safety and result.safety_noted and result.level_withheld
    assert result.explanation == c.vocabulary.safety_noted
    for name in ("_form_support", "_summary_support"):
        assert 'class="redflag-support"' in views[name] and "urgent" not in views[name], name
    assert c.item("afraid-of-partner").text in views["form"]  # named, never dropped
    out = json.loads(views["cli json"])[0]
    assert out["safety_unsure"] == ["afraid-of-partner"] and out["level_withheld"] and not out["safety"]


def test_rarely_on_any_other_safety_item_removes_the_calm_words_without_the_urgent_box(
        tmp_path, checklists, make_answers, capsys):
    c = checklists[TOXIC]
    item = next(it for it in c.items if it.safety and it.safety_from is None)
    run = make_answers(c, {item.id: "rarely"}, fill="never")
    result = score(run, c)
    views = every_view(tmp_path, checklists, run, capsys)
    assert_no_calm_words(views, c)
    assert not result.safety and result.safety_noted and result.level_withheld
    assert 'class="redflag-support"' in views["_form_support"] and "urgent" not in views["_form_support"]


def test_always_on_two_items_is_not_called_milder(checklists, make_answers):
    """The scale says how often, not how mild: two signs at Always are not "milder forms"."""
    c = checklists[TOXIC]
    two = [it.id for it in c.items if not it.safety][:2]
    run = make_answers(c, {i: "always" for i in two}, fill="never")
    result = score(run, c)
    words = result.explanation
    assert "milder" not in words and "rarely" not in words.lower() and "yet" not in words.split()
    assert not result.safety_noted and result.level == expected_totals(c, run.responses)["level"]
    # The vocabulary marks the reassuring levels, none and low, as calm (nothing else).
    assert [lv.id for lv in c.vocabulary.levels if lv.calm] == [lv.id for lv in c.vocabulary.levels[:2]]
    for level in c.vocabulary.levels:  # every level's words, for concerns and good signs
        for text in (level.concern, level.strength):
            assert not re.search(r"\bmild|\byet\b", text), (level.id, text)


# ------------------------------------------------------------------ 2. "This hasn't happened"


def not_happened(vocab) -> str:
    return next(o.id for o in vocab.scale if o.situational)


def test_hasnt_happened_throughout_says_the_list_does_not_apply(tmp_path, checklists, make_answers, capsys):
    c = checklists[TRAUMA]
    assert all(it.situational for it in c.items)
    run = make_answers(c, fill=not_happened(c.vocabulary))
    result = score(run, c)
    assert result.level == "not-applicable" and not result.safety and result.safety_unsure == ()
    assert not result.safety_noted and int(result.totals["not_happened"]) == len(c.items)
    assert result.explanation == c.vocabulary.not_applicable
    views = every_view(tmp_path, checklists, run, capsys)
    for name in ("form", "summary", "report html", "report md", "describe"):
        assert c.vocabulary.not_applicable_label in views[name], name
        assert "weren't sure" not in views[name], name
    assert_no_calm_words(views, c)
    assert views["_form_support"] == ""  # neither a concern nor uncertainty


def test_hasnt_happened_is_out_of_the_answered_share_and_not_unsure(checklists, make_answers):
    c = checklists[TRAUMA]
    vocab = c.vocabulary
    skipped = [it.id for it in c.items][:2]
    never = {it.id: "never" for it in c.items if it.id not in skipped}
    with_nh = score(make_answers(c, {**never, **{i: not_happened(vocab) for i in skipped}}), c)
    with_unsure = score(make_answers(c, {**never, **{i: "unsure" for i in skipped}}), c)
    # Not sure on two of five leaves too few answers, and names two safety questions...
    assert with_unsure.level == "insufficient" and with_unsure.safety_unsure == tuple(skipped)
    # ...while "This hasn't happened" leaves the other three to decide the level, unsure about nothing.
    assert with_nh.level == vocab.levels[0].id and with_nh.safety_unsure == () and not with_nh.safety_noted
    assert int(with_nh.totals["unsure"]) == 0 and int(with_nh.totals["not_happened"]) == len(skipped)
    assert with_nh.percent == with_unsure.percent  # not scored: the points are the same


def test_the_form_offers_hasnt_happened_only_on_situational_items(tmp_path, checklists):
    for cid in (TOXIC, TRAUMA):
        c = checklists[cid]
        nh = next(o for o in c.vocabulary.scale if o.situational)
        form = ChecklistForm(cid, workspace_for(tmp_path, checklists))
        for item in c.items:
            choice = form.choices[item.id]
            assert (nh.id in choice.values) == item.situational, item.id
            assert (nh.label in choice.hint) == item.situational, item.id
            assert "choose “Not sure”" not in choice.hint


def test_saved_hasnt_happened_on_a_non_situational_item_is_refused_naming_file_and_item(
        tmp_path, checklists, make_answers):
    c = checklists[TOXIC]
    item = next(it for it in c.items if not it.situational)
    doc = {"format": "redflag-answers", "format_version": 1, "checklist": c.id, "checklist_version": c.version,
           "saved_at": "2026-11-23T18:05:01+00:00", "responses": {item.id: not_happened(c.vocabulary)},
           "notes": {}}
    path = tmp_path / f"{c.id}_20261123-180501_00000001.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(AnswersError, match=rf"{re.escape(path.name)}.*item '{item.id}'"):
        load_answers(path, checklists)
    situational = next(it for it in c.items if it.situational)
    doc["responses"] = {situational.id: not_happened(c.vocabulary)}
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert load_answers(path, checklists).responses == doc["responses"]


def test_v1_and_v2_runs_of_trauma_bonding_still_score(tmp_path, checklists, make_answers):
    c = checklists[TRAUMA]
    for version in sorted({*c.editions, c.version}):
        edition = c.edition(version)
        run = make_answers(edition, fill="sometimes", version=version)
        path = save_answers(run, tmp_path)
        loaded = load_answers(path, checklists)
        result = score(loaded, c)
        want = expected_totals(edition, run.responses)
        for key in ("answered", "level", "safety", "level_withheld"):
            assert result.totals[key] == want[key], (version, key)
        assert result.totals["not_scored"] == ()
    assert 1 in c.editions and c.version >= 2


def test_json_and_csv_carry_hasnt_happened_as_its_own_value(tmp_path, checklists, make_answers, capsys):
    c = checklists[TRAUMA]
    nh = next(o for o in c.vocabulary.scale if o.situational)
    run = make_answers(c, {c.items[0].id: nh.id}, fill="never")
    path = save_answers(run, tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["responses"][c.items[0].id] == nh.id
    assert main(["--dir", str(tmp_path), "score", str(path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)[0]
    assert out["items"][0]["answer"] == nh.id and out["items"][0]["points"] is None
    assert out["not_happened"] == 1 and out["unsure"] == 0
    assert main(["--dir", str(tmp_path), "score", str(path), "--format", "csv"]) == 0
    assert nh.label in capsys.readouterr().out


def test_a_harm_presupposing_statement_without_safety_from_rarely_is_refused(shipped_copy):
    path = shipped_copy / "trauma-bonding.toml"
    text = path.read_text(encoding="utf-8")
    first = re.search(r'\[\[items\]\]\nid = "([^"]+)"', text).group(1)
    text = text.replace('safety_from = "rarely"\n', "", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ChecklistError, match=rf"trauma-bonding\.toml: item '{first}': the statement presupposes"):
        load_checklists(shipped_copy)


# ------------------------------------------------------------------ 3. help first, in the right order


def test_high_and_safety_words_name_a_helpline_or_advocate_first_and_no_joint_counselling(checklists):
    vocab = checklists[TOXIC].vocabulary
    high = vocab.levels[-1]
    for text in (high.concern, vocab.safety_sentence):
        lower = text.lower()
        helpline = min(lower.find(w) for w in ("helpline", "advocate") if w in lower)
        assert 0 <= helpline < lower.index("a counsellor of your own"), text
        assert not re.search(r"couples|joint|together", lower), text
    for c in checklists.values():  # no list's own words send anyone to joint counselling
        for text in c.level_words.values():
            assert not re.search(r"couples? counsel|joint counsel", text.lower()), c.id


@pytest.mark.parametrize("cid", CORE)
def test_every_core_result_ends_with_the_limits_and_the_support_lines_even_when_calm(
        tmp_path, checklists, make_answers, capsys, cid):
    c = checklists[cid]
    run = make_answers(c, fill="never")
    assert not score(run, c).safety_noted
    views = every_view(tmp_path, checklists, run, capsys)
    resources = workspace_for(tmp_path, checklists).resources
    assert views["_form_support"] == ""  # nothing flagged: no box above the result...
    assert "can't tell how safe you are" in views["form"]  # ...but the limits line,
    assert resources.limits in views["form"]  # the limits themselves, folded under it,
    assert resources.items[0].name in views["form"]  # and the support lines, folded
    for name in ("summary", "report html", "report md", "describe", "cli table"):
        assert "can't tell how safe you are" in views[name], name
    page = views["_report_page"]
    assert 'href="#support"' in page and 'id="support"' in page and 'href="#limits"' in page


# ------------------------------------------------------------------ 4. results that agree with themselves


def test_the_progress_line_and_the_result_count_answers_alike(tmp_path, checklists, make_answers, capsys):
    c = checklists[TOXIC]
    unsure = [it.id for it in c.items if not it.safety][:6]
    run = make_answers(c, {i: "unsure" for i in unsure}, fill="never")
    views = every_view(tmp_path, checklists, run, capsys)
    label = c.vocabulary.options["unsure"].label
    words = f"{len(c.items)} of {len(c.items)} answered, {len(unsure)} “{label}”"
    for name in ("form progress", "form", "summary", "report html", "describe", "cli table"):
        assert words in views[name], name
        # nowhere a second count that leaves the Not sure answers out
        assert f"{len(c.items) - len(unsure)} of {len(c.items)}" not in views[name], name


def test_too_few_answers_never_asks_for_three_quarters_beside_not_sure_is_fine(tmp_path, checklists,
                                                                              make_answers, capsys):
    c = checklists[TOXIC]
    run = make_answers(c, {it.id: "unsure" for it in c.items if it.safety}, fill="unsure")
    assert score(run, c).level == "insufficient"
    views = every_view(tmp_path, checklists, run, capsys)
    for name, text in views.items():
        assert "three quarters" not in text, name
        assert "below" not in re.sub(r"“[^”]*”", "", text).split("support lines")[-1][:20], name
    assert "support lines below" not in views["form"]
    assert "a level needs" in views["form"]


def test_no_highlighted_rows_promised_where_nothing_is_highlighted(tmp_path, checklists, make_answers, capsys):
    c = checklists[AVOID]
    assert not any(it.safety for it in c.items)
    views = every_view(tmp_path, checklists, make_answers(c, fill="often"), capsys)
    for name in ("form", "report html", "report md"):
        assert "Highlighted rows" not in views[name], name
    flagged = every_view(tmp_path / "t", checklists, make_answers(checklists[TOXIC], fill="often"), capsys)
    assert "Highlighted rows" in flagged["form"] and "Highlighted rows" in flagged["report html"]


def test_a_high_level_on_a_partner_list_shows_the_support_box_in_its_calm_form(tmp_path, checklists,
                                                                              make_answers, capsys):
    c = checklists[AVOID]  # a partner list without safety items: only the level can bring the box
    run = make_answers(c, fill="always")
    result = score(run, c)
    assert result.level == c.vocabulary.levels[-1].id and not result.safety and not result.safety_noted
    views = every_view(tmp_path, checklists, run, capsys)
    for name in ("_form_support", "_summary_support"):
        assert 'class="redflag-support"' in views[name] and "urgent" not in views[name], name
    page = views["_report_page"]
    # the report's page 1 gives help before any result (issue 18); the whole box closes it
    assert page.index('id="help-now"') < page.index("<h2>Results</h2>") < page.index('class="redflag-support"')


def test_the_themes_table_names_fear_as_fear(tmp_path, checklists, make_answers, capsys):
    c = checklists[TOXIC]
    run = make_answers(c, {"afraid-of-partner": "often"}, fill="never")
    theme = c.vocabulary.themes["feeling-safe"]
    assert "feeling-safe" in c.item("afraid-of-partner").themes and theme.concern_title
    views = every_view(tmp_path, checklists, run, capsys)
    table = views["summary"].split("Themes across checklists")[1]
    assert theme.concern_title in table and f"{theme.title} " not in table
    assert "How much shows up" in table
    good = checklists["partner-green-flags"]
    strength = summarise([make_answers(good, fill="often")], checklists).themes
    assert theme.title in set(strength["title"]) and theme.concern_title not in set(strength["title"])
