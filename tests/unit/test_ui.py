"""The notebook UI driven without a browser: set `.value`, `.click()`, check files and text."""

from __future__ import annotations

import base64
import html
import os
import re
from datetime import UTC, datetime

import pytest

pytest.importorskip("ipywidgets")

from _faults import break_fsync  # noqa: E402
from _helpers import SHIPPED_DIR, shown, text_of, workspace_for  # noqa: E402

from toolkit import load_answers, load_checklists, save_answers  # noqa: E402
from toolkit.answerfolder import run_files  # noqa: E402
from toolkit.bundles import MAX_BUNDLE_BYTES  # noqa: E402
from toolkit.checklist import Answers, SavedRun  # noqa: E402
from toolkit.i18n import _  # noqa: E402
from toolkit.ui import ChecklistForm, History, Summary, SupportResources  # noqa: E402
from toolkit.words import NOT_A_DIAGNOSIS  # noqa: E402


@pytest.fixture(scope="module")
def checklists():
    return load_checklists(SHIPPED_DIR)


def answer_all(form: ChecklistForm, value: str) -> None:
    for choice in form.choices.values():
        choice.value = value


def test_progress_counts_each_answer_and_mentions_unsure(tmp_path, checklists):
    form = ChecklistForm("toxic-relationship", workspace_for(tmp_path, checklists))
    n = len(checklists["toxic-relationship"].items)
    assert f"0 of {n} answered" in form.progress.value
    ids = list(form.choices)
    form.choices[ids[0]].value = "often"
    form.choices[ids[1]].value = "unsure"
    unsure = checklists["toxic-relationship"].vocabulary.options["unsure"].label
    assert f"2 of {n} answered, 1 “{unsure}”" in html.unescape(form.progress.value)
    assert form.progress_bar.value == 2
    form.choices[ids[1]].value = None
    assert f"1 of {n} answered" in form.progress_top.value


def test_every_answer_control_is_labelled_and_offers_the_scale(tmp_path, checklists):
    form = ChecklistForm("avoid-partners-where", workspace_for(tmp_path, checklists))
    vocab = checklists["avoid-partners-where"].vocabulary
    items = checklists["avoid-partners-where"].items
    for n, (item, choice) in enumerate(zip(items, form.choices.values()), start=1):
        assert choice.statement == f"{n}. {item.text}"  # the group's legend: its accessible name
        assert [label for label, _ in choice.options] == [o.label for o in vocab.options_for(item)]
        assert choice.value is None


def expected_level(vocabulary, answer: str) -> str:
    """The level word for every item answered `answer`, from the vocabulary's data: the percent
    of the possible points (the same answer everywhere: its weight over the highest), then the
    first level it is below (the last level when none)."""
    percent = 100 * vocabulary.options[answer].weight / max(o.weight or 0 for o in vocabulary.scale)
    return next((lv for lv in vocabulary.levels if percent < lv.below), vocabulary.levels[-1]).label


def relabelled(checklists, cid: str):
    """The checklists with their level words changed (one vocabulary for the whole set, archived
    editions included): a test that hard-codes a level word fails on it. `cid` is the list the
    test looks at."""
    import dataclasses

    vocab = checklists[cid].vocabulary
    levels = tuple(dataclasses.replace(lv, label=f"Level word {n}") for n, lv in enumerate(vocab.levels))
    vocab = dataclasses.replace(vocab, levels=levels)

    def swap(c):
        editions = {v: dataclasses.replace(e, vocabulary=vocab) for v, e in c.editions.items()}
        return dataclasses.replace(c, vocabulary=vocab, editions=editions)

    return {k: swap(c) for k, c in checklists.items()}


@pytest.mark.parametrize("words", ["shipped", "relabelled"])
def test_save_writes_the_answers_and_shows_the_result(tmp_path, checklists, words):
    if words == "relabelled":
        checklists = relabelled(checklists, "avoid-partners-where")
    form = ChecklistForm("avoid-partners-where", workspace_for(tmp_path, checklists))
    answer_all(form, "sometimes")
    first = next(iter(form.choices))
    form.choices[first].note = "remember the weekend"
    form.save_button.click()
    files = run_files(tmp_path)
    assert len(files) == 1
    saved = load_answers(files[0], checklists)
    assert dict(saved.responses) == {iid: "sometimes" for iid in form.choices}
    assert saved.notes == {first: "remember the weekend"}
    assert re.sub(r"<[^>]+>", "", form.status.value).strip() == "Saved. Your result is below."
    assert files[0].name not in form.status.value and str(tmp_path) not in form.status.value
    level = expected_level(checklists["avoid-partners-where"].vocabulary, "sometimes")
    assert "Your result" in form.result.value and f"<b>{html.escape(level)}</b>" in form.result.value
    assert _(NOT_A_DIAGNOSIS) in form.header.value
    assert html.escape(form.workspace.resources.disclaimer) in form.result.value
    assert form.support.value == ""  # no safety items on this checklist
    assert len(form.resume_choice.options) == 2  # "Choose…" + the new run


def test_nothing_to_save_writes_nothing(tmp_path, checklists):
    form = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    form.save_button.click()
    assert run_files(tmp_path) == []
    assert "Nothing to save" in form.status.value


def test_safety_answer_shows_support_box_before_the_score(tmp_path, checklists):
    form = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    form.choices["blame-yourself"].value = "often"
    form.save_button.click()
    assert "redflag-support" in form.support.value
    first, _more, _others = form.workspace.resources.shortlist(form.workspace.country)
    assert first and all(r.phone in text_of(form.support.value) for r in first if r.phone)  # the lines shown first
    children = list(form.result_area.children)
    assert children.index(form.support) < children.index(form.result)


def test_rarely_on_every_trauma_bonding_statement_shows_the_support_box(tmp_path, checklists):
    """Each statement there presupposes being hurt: any answer but Never says so (issue 17)."""
    form = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    answer_all(form, "rarely")
    form.save_button.click()
    assert "redflag-support" in form.support.value


def test_no_support_box_above_a_calm_result_but_the_lines_are_one_click_away(tmp_path, checklists):
    form = ChecklistForm("toxic-relationship", workspace_for(tmp_path, checklists))
    answer_all(form, "never")
    form.save_button.click()
    assert form.support.value == ""
    assert "redflag-support-link" in form.result.value and 'class="redflag-support"' in form.result.value


def test_resume_restores_answers_and_notes(tmp_path, checklists):
    c = checklists["toxic-relationship"]
    ids = c.item_ids
    earlier = Answers(c.id, c.version, {ids[0]: "always", ids[3]: "never"}, {ids[3]: "note"})
    save_answers(earlier, tmp_path)
    form = ChecklistForm(c.id, workspace_for(tmp_path, checklists))
    form.choices[ids[5]].value = "often"  # on screen, not in the saved run: resume replaces it
    form.resume_choice.value = form.resume_choice.options[1][1]
    form.resume_button.click()
    assert form.choices[ids[0]].value == "always"
    assert form.choices[ids[3]].value == "never"
    assert form.choices[ids[5]].value is None
    assert form.choices[ids[3]].note == "note"
    assert f"2 of {len(ids)} answered" in form.progress.value
    assert "Resumed" in form.status.value


def test_resume_reports_items_the_checklist_no_longer_has(tmp_path, checklists):
    import dataclasses

    c = checklists["trauma-bonding"]
    newer = dataclasses.replace(c, version=c.version + 1)  # the run was saved against c.version
    path = save_answers(Answers(c.id, c.version, {"old-retired-item": "often", c.item_ids[0]: "sometimes"}),
                        tmp_path)
    form = ChecklistForm(c.id, workspace_for(tmp_path, {**checklists, c.id: newer}))
    form.resume_choice.value = str(path)
    form.resume_button.click()
    assert form.choices[c.item_ids[0]].value == "sometimes"
    assert "old-retired-item" in form.status.value and "no longer has" in form.status.value


def test_hide_clears_the_screen_and_show_brings_it_back(tmp_path, checklists):
    form = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    form.choices["blame-yourself"].value = "often"
    form.result_button.click()
    form.hide_top.click()
    # A neutral page: nothing of the form, its result, the Exit button or the skip link, only
    # "Back" (a layout shared with the page must not be the one hidden, or Back goes too).
    for part in (form.choices["blame-yourself"], form.save_button, form.header, form.result, form.support,
                 form.exit, form.unlock.root, form.to_result, form.hide_top):
        assert not shown(part, form.root)
    assert shown(form.show_button, form.root) and form.show_button.description == "Back"
    on_screen = [x for x in walk(form.root) if shown(x, form.root) and x is not form.root]
    assert on_screen == [form.hidden_box, form.show_button]  # no words but "Back"
    form.show_button.click()
    assert shown(form.choices["blame-yourself"], form.root) and shown(form.hide_top, form.root)
    assert shown(form.exit, form.root) and shown(form.result, form.root)
    assert not shown(form.show_button, form.root)
    assert form.choices["blame-yourself"].value == "often"  # nothing lost


def walk(widget):
    """A widget and every widget inside it."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def plain(widget) -> str:
    """An HTML widget's words without the markup."""
    return " ".join(re.sub(r"<[^>]+>", " ", widget.value).split())


def test_show_my_result_shows_the_result_and_support_and_writes_nothing(tmp_path, checklists):
    form = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    form.choices["blame-yourself"].value = "often"
    before = form.to_result.request
    form.result_button.click()
    assert "redflag-support" in form.support.value and "Your result" in form.result.value
    assert 'class="redflag-result-heading"' in form.result.value  # the focus target
    assert form.to_result.request == before + 1  # focus and scroll move to the result
    assert "Nothing is saved" in plain(form.status)
    assert list(tmp_path.iterdir()) == []  # not a file, not a folder setting


def test_the_skip_link_comes_first_and_the_result_sits_in_the_area_it_goes_to(tmp_path, checklists):
    form = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    assert form.page.children[0] is form.to_result and form.to_result.label == "Skip to your result"
    assert "redflag-form" in form.root._dom_classes  # the link and the focus stay inside their own form
    assert "redflag-result-area" in form.result_area._dom_classes
    assert [form.support, form.result] == list(form.result_area.children)
    assert "redflag-show-result" in form.result_button._dom_classes  # where the link goes before a result


def test_show_my_result_with_no_answer_says_what_to_do(tmp_path, checklists):
    form = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    form.result_button.click()
    assert form.result.value == "" and form.to_result.request == 0
    assert "Choose an answer" in plain(form.status)


def test_the_result_appears_by_itself_with_the_last_answer_and_then_follows_the_answers(tmp_path, checklists):
    form = ChecklistForm("toxic-relationship", workspace_for(tmp_path, checklists))
    choices = list(form.choices.values())
    for choice in choices[:-1]:
        choice.value = "never"
    assert form.result.value == ""  # not before every statement is answered
    choices[-1].value = "never"
    assert "Your result" in form.result.value and "All answered" in plain(form.status)
    assert form.to_result.request == 0  # an answer never moves focus away (WCAG 3.2.2)
    low = form.result.value
    for choice in choices:
        choice.value = "always"
    assert form.result.value != low and "redflag-support" in form.support.value  # live from then on
    assert list(tmp_path.iterdir()) == []


def test_save_moves_focus_to_the_result(tmp_path, checklists):
    form = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    form.choices["blame-yourself"].value = "often"
    form.save_button.click()
    assert form.to_result.request == 1 and len(run_files(tmp_path)) == 1


def test_a_locked_folder_still_answers_and_shows_the_result_but_saves_only_after_unlocking(tmp_path, checklists):
    folder = tmp_path / "answers"
    workspace_for(folder, checklists).store.protect("correct horse battery staple")
    files = sorted(p.name for p in folder.iterdir())
    form = ChecklistForm("trauma-bonding", workspace_for(folder, checklists))  # a new kernel: locked
    assert form.unlock.locked and shown(form.unlock.passphrase, form.root)
    assert shown(form.choices["blame-yourself"], form.root) and shown(form.result_button, form.root)
    form.choices["blame-yourself"].value = "often"
    form.result_button.click()
    assert "redflag-support" in form.support.value and "Your result" in form.result.value
    form.save_button.click()
    assert sorted(p.name for p in folder.iterdir()) == files  # nothing written
    assert "Unlock" in plain(form.status) and "Not saved" in plain(form.status)
    assert "redflag-support" in form.support.value  # the result stays
    form.unlock.passphrase.value = "correct horse battery staple"
    form.unlock.button.click()
    assert "Unlocked" in plain(form.status) and form.choices["blame-yourself"].value == "often"
    assert form.save() is not None and len(list(folder.iterdir())) == len(files) + 1


def test_resume_and_exit_do_not_work_out_the_result_once_per_answer(tmp_path, checklists, monkeypatch):
    from toolkit import ui as U

    c = checklists["toxic-relationship"]
    save_answers(Answers(c.id, c.version, dict.fromkeys(c.item_ids, "often")), tmp_path)
    form = ChecklistForm(c.id, workspace_for(tmp_path, checklists))
    calls = []
    real = U._result
    monkeypatch.setattr(U, "_result", lambda *a: calls.append(1) or real(*a))
    form.resume_choice.value = form.resume_choice.options[1][1]
    form.resume_button.click()
    assert len(calls) == 1 and "Resumed" in form.status.value
    form.page_lock.lock("exit")
    assert len(calls) == 1 and form.result.value == ""
    form.choices[c.item_ids[0]].value = "often"  # after Exit the result is not live any more
    assert len(calls) == 1


def test_shared_layouts_and_styles_never_change(tmp_path, checklists):
    """The shared layout/style models keep the state they started with whatever the pages do."""
    from toolkit import ui as U

    before = [m.get_state() for m in U.SHARED]
    ws = workspace_for(tmp_path, checklists)
    form = ChecklistForm("trauma-bonding", ws)
    form.hide_top.click()
    form.show_button.click()
    answer_all(form, "often")
    form.save()
    view = Summary(ws)
    view.delete_button.click()
    view.cancel_delete.click()
    assert [m.get_state() for m in U.SHARED] == before


def test_text_plain_never_contains_answers(tmp_path, checklists):
    form = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    answer_all(form, "always")
    form.choices["blame-yourself"].note = "a secret note"
    bundle = form._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "always" not in data["text/plain"] and "secret" not in data["text/plain"]
    assert "application/vnd.jupyter.widget-view+json" in data


def test_save_failure_is_reported_and_earlier_runs_survive(tmp_path, checklists, monkeypatch):
    form = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    answer_all(form, "never")
    form.save_button.click()
    before = {p: p.read_bytes() for p in run_files(tmp_path)}

    break_fsync(monkeypatch, tmp_path)
    answer_all(form, "always")
    form.save_button.click()
    assert "could not be saved" in form.status.value and "No space left" in form.status.value
    assert {p: p.read_bytes() for p in run_files(tmp_path)} == before


def test_unknown_checklist_is_a_clear_error(tmp_path, checklists):
    with pytest.raises(Exception, match="no checklist called 'nope'"):
        ChecklistForm("nope", workspace_for(tmp_path, checklists))


# ------------------------------------------------------------------ summary


def save_runs(tmp_path, checklists, **answers_by_checklist):
    for cid, value in answers_by_checklist.items():
        c = checklists[cid]
        save_answers(Answers(cid, c.version, {i: value for i in c.item_ids}), tmp_path)


def test_summary_without_runs_says_so(tmp_path, checklists):
    summary = Summary(workspace_for(tmp_path, checklists))
    assert "No saved answers yet" in summary.overview.value
    assert summary.support.value == ""


def test_summary_shows_levels_in_words_and_safety_first(tmp_path, checklists):
    save_runs(tmp_path, checklists, **{"toxic-relationship": "often", "avoid-partners-where": "never"})
    summary = Summary(workspace_for(tmp_path, checklists))
    assert "redflag-support" in summary.support.value
    shown = [c for c in summary.root.children if c.layout.display != "none"]
    assert shown.index(summary.support) < shown.index(summary.tabs)  # support first, then the tabs
    assert "Signs of a toxic relationship" in summary.overview.value
    toxic, calm = summary.overview.value.split("Partners to steer clear of")
    # The safety answer outranks the level: no level word beside it, the safety sentence instead.
    assert "touches on your safety" in toxic and "<b>high</b>" not in toxic
    assert "<b>none</b>" in calm
    assert "Themes across checklists" in summary.tables.value
    assert html.escape(summary.workspace.resources.disclaimer) in summary.overview.value


def test_summary_uses_latest_run_of_each_checklist(tmp_path, checklists):
    c = checklists["avoid-partners-where"]
    old = SavedRun(c.id, c.version, {i: "always" for i in c.item_ids},
                  saved_at=__import__("datetime").datetime(2020, 1, 1).astimezone())
    save_answers(old, tmp_path)
    save_runs(tmp_path, checklists, **{"avoid-partners-where": "never"})
    summary = Summary(workspace_for(tmp_path, checklists))
    assert "level of concern <b>none</b>" in summary.overview.value
    assert "<b>high</b>" not in summary.overview.value


def test_download_then_upload_restores_every_run(tmp_path, checklists):

    first, second = tmp_path / "a", tmp_path / "b"
    save_runs(first, checklists, **{"toxic-relationship": "rarely", "trauma-bonding": "never"})
    summary = Summary(workspace_for(first, checklists))
    data = summary.prepare_download()
    href = re.search(r"base64,([A-Za-z0-9+/=]+)[\"']", summary.download_link.value).group(1)
    assert base64.b64decode(href) == data
    fresh = Summary(workspace_for(second, checklists))
    fresh.import_file("bundle.json", data)
    assert "Imported 2" in fresh.data_status.value
    assert len(run_files(second)) == 2
    fresh.import_file("bundle.json", data)
    assert "Imported 0" in fresh.data_status.value and "already here" in fresh.data_status.value
    assert len(run_files(second)) == 2


def test_upload_through_the_fileupload_widget(tmp_path, checklists):
    save_runs(tmp_path / "a", checklists, **{"trauma-bonding": "often"})
    data = Summary(workspace_for(tmp_path / "a", checklists)).prepare_download()
    target = Summary(workspace_for(tmp_path / "b", checklists))
    target.upload.value = ({"name": "mine.json", "type": "application/json", "size": len(data),
                            "content": memoryview(data),
                            "last_modified": __import__("datetime").datetime(2026, 1, 1)},)
    assert len(run_files(tmp_path / "b")) == 1
    assert target.upload.value == ()
    assert "redflag-support" in target.support.value  # the imported run is summarised


@pytest.mark.parametrize("payload, reason", [
    (b"not json at all", "not valid JSON"),
    (b'{"format": "something-else"}', "not an answers bundle"),
    (b'{"format": "redflag-bundle", "format_version": 1, "runs": [{"file": "../../evil.json", '
     b'"answers": {}}]}', "unsafe or unexpected file name"),
])
def test_bad_uploads_are_rejected_with_a_reason(tmp_path, checklists, payload, reason):
    summary = Summary(workspace_for(tmp_path, checklists))
    summary.import_file("upload.json", payload)
    assert reason in summary.data_status.value
    assert run_files(tmp_path) == []
    assert not (tmp_path.parent / "evil.json").exists()


def test_oversized_upload_is_refused_before_reading(tmp_path, checklists):
    summary = Summary(workspace_for(tmp_path, checklists))
    summary.import_file("big.json", b"{}", size=MAX_BUNDLE_BYTES + 1)
    assert "too large" in summary.data_status.value


def test_delete_all_asks_first_then_removes_everything(tmp_path, checklists):
    save_runs(tmp_path, checklists, **{"trauma-bonding": "never", "avoid-partners-where": "never"})
    summary = Summary(workspace_for(tmp_path, checklists))
    summary.delete_button.click()
    assert summary.confirm_box.layout.display == "flex"
    assert "Delete 2 saved file(s)" in summary.confirm_box.children[0].value
    summary.cancel_delete.click()
    assert len(run_files(tmp_path)) == 2
    summary.delete_button.click()
    summary.confirm_delete.click()
    assert run_files(tmp_path) == []
    assert "No saved answers yet" in summary.overview.value


def test_history_shows_a_chart_per_checklist_and_changes(tmp_path, checklists):
    c = checklists["avoid-partners-where"]
    from datetime import datetime, timedelta
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    save_answers(SavedRun(c.id, c.version, {i: "often" for i in c.item_ids}, saved_at=t0), tmp_path)
    save_answers(SavedRun(c.id, c.version, {**{i: "often" for i in c.item_ids}, c.item_ids[0]: "never"},
                         saved_at=t0 + timedelta(days=7)), tmp_path)
    history = History(workspace_for(tmp_path, checklists))
    charts = [w.value for w in history.body.children if "redflag-trend" in getattr(w, "value", "")]
    assert len(charts) == 1 and 'role="img"' in charts[0]
    assert all(t.strftime("%d %b %Y") in charts[0] for t in (t0, t0 + timedelta(days=7)))  # the numbers as text
    html = "".join(getattr(w, "value", "") for w in history.body.children if w.__class__.__name__ == "HTML")
    assert "What changed since last time" in html
    assert "better" in html and c.items[0].text[:30] in html


def test_support_resources_lists_the_emergency_numbers_and_the_lines_first(tmp_path, checklists):
    """Every number shown first comes from the resources file: the emergency numbers, and the
    chosen country's lines (none chosen here: every country's emergency number)."""
    view = SupportResources(workspace_for(tmp_path, checklists))
    first, _more, _others = view.workspace.resources.shortlist(view.workspace.country)
    emergency = [r for r in view.workspace.resources.items if r.emergency]
    box = text_of(view.box.value)
    assert emergency and all(r.phone in box for r in emergency)
    assert all(r.phone in box for r in first if r.phone)
    assert html.escape(view.workspace.resources.disclaimer) in view.disclaimer.value


def test_printable_report_link_holds_a_standalone_page(tmp_path, checklists):

    save_runs(tmp_path, checklists, **{"trauma-bonding": "often"})
    summary = Summary(workspace_for(tmp_path, checklists))
    page = summary.prepare_report()
    href = re.search(r"data:text/html;base64,([A-Za-z0-9+/=]+)[\"']", summary.report_link.value).group(1)
    assert base64.b64decode(href).decode() == page
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    # safety first: page 1's help (with the urgent words) before the results, the whole box at the end
    assert page.index('class="redflag-help-now"') < page.index("<h2>Results</h2>") < \
        page.index('class="redflag-support urgent"')
    assert "Things you might tell yourself" in page


def test_note_box_opens_with_its_button_and_resume_reopens_it(tmp_path, checklists):
    form = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    assert form.choices["blame-yourself"].notes and not form.choices["blame-yourself"].note_open
    form.choices["blame-yourself"].note_open = True  # what "Add a note" does in the page
    form.choices["blame-yourself"].note = "written down"
    form.choices["blame-yourself"].value = "rarely"
    path = form.save()
    other = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    other.resume_choice.value = str(path)
    other.resume_button.click()
    assert other.choices["blame-yourself"].note_open is True  # a resumed note is shown open


def test_why_this_matters_is_a_native_disclosure_and_buttons_have_plain_names(tmp_path, checklists):
    form = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    items = checklists["trauma-bonding"].items
    # Each group carries its item's "why", which the page shows in a native <details>.
    assert [c.why for c in form.choices.values()] == [it.explain for it in items]
    assert all(c.why_label == "Why this matters" for c in form.choices.values())  # <details>: test_e2e_widgets
    assert form.save_button.icon == "" and form.hide_button.icon == ""
    assert form.resume_choice.label == "Choose…"


def test_too_few_answers_say_so_without_a_level(tmp_path, checklists):
    form = ChecklistForm("toxic-relationship", workspace_for(tmp_path, checklists))
    next(iter(form.choices.values())).value = "always"
    form.save()
    vocab = checklists["toxic-relationship"].vocabulary
    assert f"{vocab.insufficient_label} (1 of" in form.result.value
    assert "level of concern" not in form.result.value


def test_theme_table_names_checklists_by_title(tmp_path, checklists):
    save_runs(tmp_path, checklists, **{"trauma-bonding": "often"})
    summary = Summary(workspace_for(tmp_path, checklists))
    assert "Things you might tell yourself" in summary.tables.value.split("Themes across")[1]


def test_reflection_lists_speak_about_you_not_a_verdict(tmp_path, checklists):
    reflection = [cid for cid, c in checklists.items() if c.kind == "reflection"]
    assert reflection
    for cid in reflection:
        header = ChecklistForm(cid, workspace_for(tmp_path, checklists)).header.value
        assert "about <b>you</b>: a mirror for your own patterns, not a verdict on anyone" in header
    assert "verdict" not in ChecklistForm("toxic-relationship", workspace_for(tmp_path, checklists)).header.value


def test_green_flags_are_shown_as_what_is_working_apart_from_concerns(tmp_path, checklists):
    save_runs(tmp_path, checklists, **{"partner-green-flags": "often", "toxic-relationship": "never"})
    summary = Summary(workspace_for(tmp_path, checklists))
    import html

    concerns, working = html.unescape(summary.overview.value).split("<h3>What's working</h3>")
    assert "Signs of a toxic relationship" in concerns.split("<h3>Concerns</h3>")[1]
    assert checklists["partner-green-flags"].title in working
    assert "signs present" in working


def test_quick_exit_forgets_unsaved_answers_and_notes(tmp_path, checklists):
    form = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    answer_all(form, "often")
    first = next(iter(form.choices))
    form.choices[first].note = "something private"
    form.exit._handle_custom_msg({"event": "exit"}, [])
    assert all(c.value is None for c in form.choices.values())
    assert all(c.note == "" and not c.note_open for c in form.choices.values())
    assert "0 of" in form.progress.value and run_files(tmp_path) == []


def test_every_page_has_one_exit_button(tmp_path, checklists):
    from toolkit.widgets import QuickExit

    ws = workspace_for(tmp_path, checklists)
    for view in (ChecklistForm("trauma-bonding", ws), Summary(ws), History(ws), SupportResources(ws)):
        assert sum(isinstance(w, QuickExit) for w in walk(view.root)) == 1, type(view).__name__


def test_the_form_path_imports_no_pandas_numpy_matplotlib_or_cryptography(tmp_path, checklists):
    """A fresh kernel shows a form sooner when it imports only what the form needs: tables,
    charts and encryption come in when a result, a chart or a protected folder needs them."""
    import subprocess
    import sys

    save_answers(SavedRun("trauma-bonding", checklists["trauma-bonding"].version, {"blame-yourself": "often"},
                          saved_at=datetime(2026, 1, 1, tzinfo=UTC)), tmp_path)
    code = ("import sys\nfrom toolkit.ui import ChecklistForm\nform = ChecklistForm('trauma-bonding')\n"
            "assert len(form.resume_choice.options) == 2\n"
            "print(sorted(m for m in ('pandas', 'numpy', 'matplotlib', 'cryptography') if m in sys.modules))")
    env = {**os.environ, "REDFLAG_ANSWERS_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------ callbacks never raise

PASSPHRASE = "plum-harbour-violet-seventy-gravel"


def _typed(view, text: str = PASSPHRASE) -> None:
    view.protect_pass.value = view.protect_again.value = text


def _pending(view) -> None:
    view._pending_upload = ("mine.redflag", b"{}")  # an upload waiting for its passphrase


def _upload(view) -> None:
    """What the FileUpload widget does when a file is chosen: its observer runs."""
    view.upload.value = ({"name": "mine.json", "type": "application/json", "size": 2, "content": memoryview(b"{}"),
                          "last_modified": datetime(2026, 1, 1)},)


def _choose_earlier(form) -> None:
    form.resume_choice.value = form.resume_choice.options[1][1]


#: Each widget callback of the pages: (page, store method made to fail, what a person does first,
#: the callback as its widget calls it, the status widget that must say what went wrong).
HANDLERS = {
    "form: Save": ("form", "save", lambda f: answer_all(f, "never"), lambda f: f.save(f.save_button), "status"),
    "form: Resume": ("form", "read", _choose_earlier, lambda f: f.resume(f.resume_button), "status"),
    # "form: Unlock" speaks in its own plain words (no paths): tests/unit/test_unlock.py
    "summary: Refresh": ("summary", "runs", None, lambda v: v.refresh(), "overview"),
    "summary: Printable report": ("summary", "runs", None, lambda v: v.prepare_report(v.report_button),
                                  "report_link"),
    "summary: Download": ("summary", "export_bundle", None, lambda v: v.prepare_download(v.download_button),
                          "download_link"),
    "summary: Upload": ("summary", "import_bundle", None, _upload, "data_status"),
    "summary: Open the uploaded file": ("summary", "import_bundle", _pending,
                                        lambda v: v.open_pending_upload(v.upload_open), "data_status"),
    "summary: Protect": ("summary", "protect", _typed, lambda v: v.protect(v.protect_button), "protect_status"),
    "summary: Delete all…": ("summary", "table", None, lambda v: v.ask_delete(v.delete_button), "data_status"),
    "summary: Yes, delete": ("summary", "forget", None, lambda v: v.delete_all(v.confirm_delete), "data_status"),
    "summary: country": ("summary", "save_settings", None,
                         lambda v: setattr(v.country.widget, "value", "GB"), "country.status"),
}


def _widget(view, dotted: str):
    for name in dotted.split("."):
        view = getattr(view, name)
    return view


@pytest.mark.parametrize("fault", ["OSError", "ToolkitError"])
@pytest.mark.parametrize("handler", HANDLERS)
def test_every_callback_shows_a_message_instead_of_a_traceback(tmp_path, checklists, monkeypatch, handler, fault):
    """A store that fails (the disk, a bad file) never sends a traceback to the page: the
    callback puts a plain message where the person looks, and returns."""
    from toolkit.errors import ToolkitError

    page, method, prepare, act, status = HANDLERS[handler]
    save_runs(tmp_path, checklists, **{"trauma-bonding": "often"})
    ws = workspace_for(tmp_path, checklists)
    view = ChecklistForm("trauma-bonding", ws) if page == "form" else Summary(ws)
    if prepare:
        prepare(view)
    error = OSError(5, "Input/output error") if fault == "OSError" else ToolkitError("a planted problem")

    def fail(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(ws.store, method, fail)
    act(view)  # raises nothing
    text = html.unescape(_widget(view, status).value)
    assert ("Input/output error" if fault == "OSError" else "a planted problem") in text, text
    assert 'role="alert"' in _widget(view, status).value


def test_asking_to_delete_from_a_locked_folder_asks_for_the_passphrase_instead_of_failing(tmp_path, checklists):
    """Issue 16: Delete all… on a protected folder whose key is gone (Exit, the idle lock, another
    page) let a PassphraseError escape the callback."""
    save_runs(tmp_path, checklists, **{"trauma-bonding": "often"})
    ws = workspace_for(tmp_path, checklists)
    ws.store.protect(PASSPHRASE)
    view = Summary(ws)
    ws.store.lock()
    view.ask_delete(view.delete_button)  # raises nothing
    assert 'role="alert"' in view.data_status.value and view.confirm_box.layout.display == "none"
    assert len(run_files(tmp_path)) == 1


def test_the_support_box_is_made_with_the_first_result_and_comes_before_it(tmp_path, checklists):
    """A page opens without the support box's widgets; the first answer brings it (hidden until
    the result), first."""
    form = ChecklistForm("trauma-bonding", workspace_for(tmp_path, checklists))
    assert "support" not in form.results.__dict__ and form.results.result_area.children == (form.result,)
    form.forget_unsaved()  # Exit before any answer: nothing made
    assert "support" not in form.results.__dict__
    first = next(iter(form.choices.values()))
    first.value = "often"
    assert form.results.result_area.children == (form.support, form.result)
    assert form.support.layout.display == "none" and form.result.value == ""
    answer_all(form, "often")
    assert form.results.result_area.children == (form.support, form.result)
    assert form.support.layout.display != "none" and "Your result" in form.result.value
