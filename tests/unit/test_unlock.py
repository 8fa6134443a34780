"""Unlocking people understand (issue 18, item 6) and people kept apart (item 1, second half).

Driven as the kernel sees it: the tab's report ({"event": "found", …}) is handed to the page's
SessionUnlock, Enter to the passphrase field ({"event": "submit"}), and what the page tells the
tab is recorded from SessionUnlock.send. The browser half is tests/e2e/test_e2e_unlock.py.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

pytest.importorskip("ipywidgets")

from _helpers import shown, workspace_for  # noqa: E402

from toolkit import load_checklists  # noqa: E402
from toolkit.checklist import SavedRun  # noqa: E402
from toolkit.crypto import Key  # noqa: E402
from toolkit.errors import AnswersError, PassphraseError  # noqa: E402
from toolkit.ui import ChecklistForm, History, Summary  # noqa: E402
from toolkit.uikit import SESSION_ITEM, SessionUnlock, key_from_text, key_text  # noqa: E402

from _helpers import SHIPPED_DIR  # noqa: E402  # isort: skip

PASS = "correct horse battery staple"
CID = "trauma-bonding"


@pytest.fixture(scope="module")
def checklists():
    return load_checklists(SHIPPED_DIR)


@pytest.fixture
def told(monkeypatch):
    """Every message a page sends its tab, in order."""
    sent: list[dict] = []
    monkeypatch.setattr(SessionUnlock, "send", lambda self, content, buffers=None: sent.append(content))
    return sent


def save(ws, checklists, word: str, day: int = 1) -> None:
    c = checklists[CID]
    ws.store.save(SavedRun(c.id, c.version, {i: word for i in c.item_ids}, {},
                           saved_at=datetime(2026, 1, day, 9, tzinfo=UTC)))


@pytest.fixture
def protected(tmp_path, checklists):
    folder = tmp_path / "answers"
    ws = workspace_for(folder, checklists)
    save(ws, checklists, "often")
    ws.store.protect(PASS)
    return folder


def found(page, key: str | None, person: int = 1) -> None:
    """What the tab reports when the page is shown."""
    page.unlock.session._handle_custom_msg({"event": "found", "key": key, "person": person}, [])


def enter(page, text: str) -> None:
    """Typing into the passphrase field, then Enter (the front end sends "submit")."""
    page.unlock.passphrase.value = text
    page.unlock.passphrase._handle_custom_msg({"event": "submit"}, [])


# ------------------------------------------------------------------ plain words, Enter


def test_a_wrong_passphrase_says_so_plainly_without_a_path(protected, checklists):
    form = ChecklistForm(CID, workspace_for(protected, checklists))
    enter(form, "not it")
    text = html.unescape(form.unlock.status.value)
    assert "That passphrase doesn't match. Try again." in text and 'role="alert"' in text
    words = re.sub(r"<[^>]*>", "", text)
    assert str(protected) not in words and ".json" not in words and "/" not in words
    assert form.workspace.store.key is None and shown(form.unlock.passphrase, form.root)  # answering stays possible


def test_enter_in_the_passphrase_field_unlocks(protected, checklists):
    form = ChecklistForm(CID, workspace_for(protected, checklists))
    enter(form, PASS)
    assert form.workspace.store.key is not None and form.unlock.passphrase.value == ""
    assert shown(form.choices[form.checklist.item_ids[0]], form.root)
    assert not shown(form.unlock.passphrase, form.root)


def test_an_unprotected_folders_page_opens_no_passphrase_box_until_one_is_needed(tmp_path, checklists):
    """Most people never protect their answers: their pages do not make the box's widgets (a
    page opens quicker); once the folder is protected and locked, the box is there again."""
    ws = workspace_for(tmp_path / "answers", checklists)
    save(ws, checklists, "often")
    form = ChecklistForm(CID, ws)
    assert "parts" not in form.unlock.__dict__ and len(form.unlock.root.children) == 3
    ws.store.protect(PASS)
    ws.store.lock()
    form.unlock.show_if_locked()
    assert shown(form.unlock.passphrase, form.root) and form.unlock.passphrase.value == ""
    enter(form, PASS)
    assert ws.store.key is not None and not shown(form.unlock.passphrase, form.root)


def test_an_empty_passphrase_asks_for_one(protected, checklists):
    form = ChecklistForm(CID, workspace_for(protected, checklists))
    enter(form, "")
    assert "Type your passphrase first." in form.unlock.status.value


@pytest.mark.parametrize("fault", [OSError(5, "Input/output error", "/secret/place/.key.json"),
                                   AnswersError("/secret/place/.key.json: damaged key file")])
def test_other_unlock_problems_are_plain_too(protected, checklists, monkeypatch, fault):
    ws = workspace_for(protected, checklists)
    form = ChecklistForm(CID, ws)

    def fail(_passphrase):
        raise fault

    monkeypatch.setattr(ws.store, "unlock", fail)
    enter(form, PASS)  # raises nothing
    text = html.unescape(form.unlock.status.value)
    assert 'role="alert"' in text and "/secret" not in text and ".key.json" not in text
    assert ("Input/output error" in text) if isinstance(fault, OSError) else ("Nothing was changed" in text)


# ------------------------------------------------------------------ one unlock per tab session


def test_the_tab_keeps_the_key_and_the_next_page_opens_without_asking(protected, checklists, told):
    first = ChecklistForm(CID, workspace_for(protected, checklists))
    enter(first, PASS)
    keep = [m for m in told if m["event"] == "keep"]
    assert len(keep) == 1 and keep[0]["person"] == 1
    assert PASS not in str(told)  # the key, never the passphrase
    # Another page (a new kernel in the app view): the tab hands the key back when it is shown.
    later = Summary(workspace_for(protected, checklists))
    assert later.workspace.store.key is None and later.tables.value == ""
    found(later, keep[0]["key"])
    assert later.workspace.store.key is not None and checklists[CID].title in later.tables.value
    assert not shown(later.unlock.passphrase, later.root)


def test_a_key_the_folder_did_not_make_opens_nothing(protected, checklists, told):
    first = ChecklistForm(CID, workspace_for(protected, checklists))
    enter(first, PASS)
    real = key_from_text(told[-1]["key"])
    assert real is not None
    forged = key_text(Key(real.key_id, bytes(32)))  # the right id, another secret
    later = Summary(workspace_for(protected, checklists))
    told.clear()
    for text in (forged, "not a key", "a.b", None):
        found(later, text)
        assert later.workspace.store.key is None and later.tables.value == ""
    assert {"event": "forget"} in told  # the tab drops what it handed over


def test_exit_and_the_idle_lock_tell_the_tab_to_forget(protected, checklists, told):
    form = ChecklistForm(CID, workspace_for(protected, checklists))
    for why in ("exit", "idle"):
        enter(form, PASS)
        told.clear()
        form.page_lock.lock(why)
        assert told == [{"event": "forget"}], why
        assert shown(form.unlock.passphrase, form.root)


def test_the_tab_item_is_named_for_the_exit_hook():
    """Exit's script removes this item (uikit.SESSION_ITEM): the name is part of the contract."""
    from toolkit.widgets import STATIC

    assert SESSION_ITEM == "redflag-unlock"
    assert f'sessionStorage.removeItem("{SESSION_ITEM}")' in (STATIC / "quick_exit.js").read_text()
    template_exit = STATIC.parent / "share/jupyter/voila/templates/redflag/static/exit.js"  # before the kernel
    assert f'sessionStorage.removeItem("{SESSION_ITEM}")' in template_exit.read_text()
    assert SessionUnlock(lambda key, person: None).item_name == SESSION_ITEM


# ------------------------------------------------------------------ Forgotten it?


def test_forgotten_explains_and_deletes_everything_only_when_confirmed(protected, checklists, told):
    ws = workspace_for(protected, checklists)
    form = ChecklistForm(CID, ws)
    form.unlock.forgotten.forgot_button.click()
    text = html.unescape(form.unlock.forgotten.forgot_text.value)
    assert "cannot be recovered" in text and shown(form.unlock.forgotten.start_again, form.root)
    form.unlock.forgotten.start_again.click()
    assert "cannot be undone" in form.unlock.forgotten.confirm_text.value
    form.unlock.forgotten.cancel_start_again.click()  # changed their mind: nothing goes
    assert ws.store.protected and any(protected.iterdir())
    form.unlock.forgotten.start_again.click()
    form.unlock.forgotten.confirm_start_again.click()
    assert not ws.store.protected and not protected.exists()  # runs, key file, settings: all gone
    assert shown(form.choices[form.checklist.item_ids[0]], form.root)
    assert "Deleted 1 saved answer" in form.unlock.notice.value
    assert {"event": "forget"} in told
    form.choices[form.checklist.item_ids[0]].value = "never"
    assert form.save() is not None  # and they start again


# ------------------------------------------------------------------ people kept apart


def tables(view) -> str:
    """The Summary's tables without pandas' random style ids."""
    return re.sub(r"T_[0-9a-f]+", "T", view.tables.value)


def test_each_person_has_a_neutral_folder_and_the_summary_shows_one_at_a_time(tmp_path, checklists, told):
    folder = tmp_path / "answers"
    ws = workspace_for(folder, checklists)
    save(ws, checklists, "always")
    view = Summary(ws)
    assert view.people_top.layout.display == "none" and view.unlock.person_line.value == ""  # as before
    assert view.tables.value
    first_tables = tables(view)
    view.people.person_choice.value = view.people.NEW  # "Someone new"
    assert ws.store.person == 2 and ws.store.folder == folder / "2"
    assert view.tables.value == "" and "Always" not in view.overview.value  # nothing of person 1
    assert {"event": "person", "person": 2} in told
    assert view.people_top.layout.display == "flex" and "Person 2" in view.unlock.person_line.value
    save(ws, checklists, "never", day=2)  # person 2's answers
    view.refresh()
    assert [p.name for p in folder.iterdir() if p.is_dir()] == ["2"]  # a number, no name
    assert len(list((folder / "2").glob("*.json"))) == 1 and len(list(folder.glob("*.json"))) == 1
    history_2 = view.history.body.children
    assert history_2 and tables(view) != first_tables
    view.people.person_choice.value = 1
    assert ws.store.person == 1 and tables(view) == first_tables


def test_a_page_follows_the_person_the_tab_shows(tmp_path, checklists, told):
    folder = tmp_path / "answers"
    ws = workspace_for(folder, checklists)
    save(ws, checklists, "always")
    ws.store.new_person()
    save(ws, checklists, "never")
    ws.store.protect(PASS)  # person 2 protects theirs; person 1's stay open
    page = History(workspace_for(folder, checklists))
    root = page.root
    assert page.body.children  # person 1's history, before the tab says whose page this is
    found(page, None, person=2)
    assert page.workspace.store.person == 2 and page.body.children == ()
    assert shown(page.unlock.passphrase, root)
    form = ChecklistForm(CID, workspace_for(folder, checklists))
    assert form.earlier.resume_choice.options[1:]  # person 1 has a run
    found(form, None, person=2)
    assert form.earlier.resume_choice.options[1:] == () and shown(form.unlock.passphrase, form.root)
    found(form, None, person=7)  # a person whose folder is gone: back to the first
    assert form.workspace.store.person == 1 and {"event": "person", "person": 1} in told


def test_a_person_number_is_checked(tmp_path, checklists):
    ws = workspace_for(tmp_path, checklists)
    for bad in (0, 100, -1):
        with pytest.raises(AnswersError):
            ws.store.choose_person(bad, create=True)
    with pytest.raises(AnswersError):
        ws.store.choose_person(3)  # no folder, not asked to make one
    (tmp_path / "notes").mkdir()
    (tmp_path / "007").mkdir()
    assert ws.store.people() == [1]


def test_a_key_opens_only_its_own_person(tmp_path, checklists, told):
    folder = tmp_path / "answers"
    ws = workspace_for(folder, checklists)
    save(ws, checklists, "always")
    ws.store.protect(PASS)
    ws.store.unlock(PASS)
    key = ws.store.key
    ws.store.new_person()
    save(ws, checklists, "never")
    ws.store.protect("another quite long passphrase 42")
    assert key is not None
    with pytest.raises(PassphraseError):
        ws.store.use_key(key)
