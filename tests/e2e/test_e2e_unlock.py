"""Unlocking people understand, and people kept apart (issue 18, items 6 and 1), in the app view.

One walk through the session's Voilà server (no server of its own): a second person's answers,
protected, beside the session's open folder (person 1, which the other browser tests use, stays
open and as it was). A wrong passphrase gets a plain sentence, Enter unlocks, another page of the
tab opens without asking, Exit forgets the unlock, "Forgotten it?" deletes that person's answers
only after a confirmation, and a save as person 2 lands in person 2's folder only.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime

import pytest
import servers as S
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PASS = "correct horse battery staple"
RESULTS = "All checklists"  # the Summary's table heading: only there once unlocked
FORM = "trauma-bonding"


@pytest.fixture(scope="module")
def person_2(workspace):
    """Person 2's protected folder (one run) inside the session's answers folder; removed after."""
    from toolkit.checklist import SavedRun, load_checklists, shipped_dir
    from toolkit.store import AnswerStore

    checklists = load_checklists(shipped_dir())
    c = checklists[FORM]
    store = AnswerStore(workspace.answers, checklists)
    store.choose_person(2, create=True)
    store.save(SavedRun(c.id, c.version, {i: "often" for i in c.item_ids}, saved_at=datetime(2026, 1, 1, tzinfo=UTC)))
    store.protect(PASS)
    yield workspace.answers / "2"
    for extra in workspace.answers.glob("[0-9]*"):
        shutil.rmtree(extra, ignore_errors=True)


def _app(page, server, name: str) -> None:
    page.goto(f"{server.url}/voila/render/{name}.ipynb", timeout=S.KERNEL_TIMEOUT)
    expect(page.get_by_role("button", name="Exit this page")).to_be_visible(timeout=S.KERNEL_TIMEOUT)


def _choose(page, person: str) -> None:
    choice = page.get_by_label("Who is this for?").first
    expect(choice).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    choice.select_option(label=person)


def _files(folder) -> set[str]:
    return {p.name for p in folder.iterdir() if p.is_file()} if folder.is_dir() else set()


def test_unlock_once_per_tab_forgotten_and_people_apart(voila_server, workspace, person_2, page, screens):
    answers = workspace.answers
    # 1. The Summary, person 2: their answers are protected.
    _app(page, voila_server, "summary")
    _choose(page, "Person 2")
    password = page.locator("input[type=password]").first
    expect(password).to_be_visible(timeout=S.KERNEL_TIMEOUT)

    # 2. A wrong passphrase, Enter: a plain sentence, no file name or folder.
    password.fill("not the passphrase")
    password.press("Enter")
    wrong = page.get_by_role("alert").filter(has_text="That passphrase doesn't match. Try again.")
    expect(wrong).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    assert "/" not in wrong.inner_text() and ".json" not in wrong.inner_text()
    page.set_viewport_size({"width": 390, "height": 844})
    screens.shot(page, "unlock-wrong-passphrase-phone")
    expect(S.Form(page).button("Unlock")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 800})
    screens.shot(page, "unlock-wrong-passphrase-desktop")

    # 3. The right one, Enter: person 2's results.
    password.fill(PASS)
    password.press("Enter")
    expect(page.get_by_text(RESULTS)).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    assert page.evaluate("sessionStorage.getItem('redflag-unlock')") is not None

    # 4. Another page of the tab: person 2, unlocked, without asking.
    _app(page, voila_server, FORM)
    expect(page.get_by_text("Showing the answers of: Person 2")).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    form = S.Form(page).wait_ready()
    expect(page.locator("input[type=password]").first).to_be_hidden()
    expect(form.resume_select.locator("option")).to_have_count(2)  # "Choose…" and person 2's run
    screens.shot(page, "unlock-next-page-without-asking")
    # A save as person 2 goes to person 2's folder only (sealed there), nothing beside person 1's.
    top_before, mine_before = _files(answers), _files(person_2)
    form.radio(1, "Never").check()
    form.save.click()
    expect(form.resume_select.locator("option")).to_have_count(3, timeout=S.KERNEL_TIMEOUT)
    assert _files(answers) == top_before
    new = _files(person_2) - mine_before
    assert len(new) == 1 and next(iter(new)).endswith(".sealed")

    # 5. Exit, then the app again: the unlock is gone, and so is the choice of person.
    page.get_by_role("button", name="Exit this page").click()
    page.wait_for_url("about:blank", timeout=15_000)
    _app(page, voila_server, "summary")
    assert page.evaluate("sessionStorage.getItem('redflag-unlock')") is None
    _choose(page, "Person 2")
    expect(page.locator("input[type=password]").first).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    expect(page.get_by_text(RESULTS)).to_have_count(0)

    # 6. Forgotten it? Nothing can be recovered; delete everything, after a confirmation.
    S.Form(page).button("Forgotten it?").click()
    expect(page.get_by_text(re.compile("A passphrase cannot be recovered, by anyone"))).to_be_visible()
    S.Form(page).button("Delete everything and start again…").click()
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    assert len(_files(person_2)) == 3  # the key file and two runs: nothing gone yet
    screens.shot(page, "unlock-forgotten-confirm")
    S.Form(page).button("Yes, delete everything").click()
    expect(page.get_by_text("Deleted 2 saved answers. You can start again.")).to_be_visible(
        timeout=S.KERNEL_TIMEOUT)
    assert _files(person_2) == set()
    assert _files(answers) == top_before  # person 1's answers untouched
    expect(page.locator("input[type=password]").first).to_be_hidden()
