"""Exit locks, and so does leaving a page alone: issue 15 ("Locked means locked"), item 2.

Driven without a browser, as the kernel sees it: the front end's "exit" and "use" messages are
handed to the QuickExit widget, and the idle clock runs on an asyncio loop as in a kernel.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest

pytest.importorskip("ipywidgets")

from _helpers import shown, workspace_for  # noqa: E402

from toolkit import load_checklists, shipped_dir  # noqa: E402
from toolkit.checklist import SavedRun  # noqa: E402
from toolkit.errors import PassphraseError  # noqa: E402
from toolkit.ui import IDLE_ENV, ChecklistForm, History, Summary, SupportResources, idle_minutes  # noqa: E402
from toolkit.workspace import ENV_DIR  # noqa: E402

from _helpers import SHIPPED_DIR  # noqa: E402  # isort: skip

PASS = "correct horse battery staple"
#: A trauma-bonding statement (the first: the tests answer it and look for it on screen).
T = TypeVar("T")
ITEM = load_checklists(shipped_dir())["trauma-bonding"].items[0].id
NOTE = "he read my messages again"


@pytest.fixture(scope="module")
def checklists():
    return load_checklists(SHIPPED_DIR)


@pytest.fixture
def protected(tmp_path, checklists):
    """A protected answers folder with two trauma-bonding runs (one with a note); its path."""
    folder = tmp_path / "answers"
    ws = workspace_for(folder, checklists)
    c = checklists["trauma-bonding"]
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    for k, word in enumerate(("often", "always")):
        ws.store.save(SavedRun(c.id, c.version, {i: word for i in c.item_ids}, {c.item_ids[0]: NOTE},
                               saved_at=start + timedelta(days=k)))
    ws.store.protect(PASS)
    return folder


def send(page, event: str) -> None:
    """What the page's front end sends the kernel: {"event": "exit"} or {"event": "use"}."""
    page.exit._handle_custom_msg({"event": event}, [])


def unlock(page) -> None:
    page.unlock.passphrase.value = PASS
    page.unlock.button.click()
    assert page.workspace.store.key is not None, page.unlock.status.value


def assert_locked(page) -> None:
    store = page.workspace.store
    assert store.key is None and len(store.cache) == 0, "the key or a decrypted run is still in memory"
    with pytest.raises(PassphraseError):
        store.runs()
    assert shown(page.unlock.passphrase, page.root), "the Unlock box is not shown again"
    assert page.unlock.passphrase.value == ""


# ------------------------------------------------------------------ Exit



def in_own_thread(work: Callable[[], T]) -> T:
    """`work()` in a new thread, where no event loop runs: other tests in this process (the
    browser tests' Playwright) may leave one running in the main thread, and a page made there
    would take it for a kernel's loop and set its idle clock on a loop that never turns."""
    done: list[T] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            done.append(work())
        except BaseException as exc:  # handed back to the test
            failed.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    if failed:
        raise failed[0]
    return done[0]

def test_exit_on_the_form_locks_and_clears_answers_results_and_earlier_runs(protected, checklists):
    form = ChecklistForm("trauma-bonding", workspace_for(protected, checklists))
    unlock(form)
    form.resume_choice.value = form.resume_choice.options[1][1]
    form.resume_button.click()
    assert "Your result" in form.result.value and any(c.note == NOTE for c in form.choices.values())
    send(form, "exit")
    assert_locked(form)
    assert all(c.value is None and c.note == "" for c in form.choices.values())
    assert form.result.value == form.support.value == form.status.value == ""
    assert len(form.resume_choice.options) == 1 and form.resume_button.disabled  # no list of dates
    assert shown(form.choices[ITEM], form.root)  # empty, and answerable without the key (issue 18)


def test_exit_on_the_summary_locks_and_clears_every_result(protected, checklists):
    view = Summary(workspace_for(protected, checklists))
    unlock(view)
    assert checklists["trauma-bonding"].title in view.tables.value
    assert view.support.value and view.history.body.children
    view.prepare_download()
    assert "data:" in view.download_link.value
    view.download_plain.value = view.report_plain.value = True
    view._pending_upload = ("backup.sealed", b"...")  # an upload waiting for its passphrase
    view.upload_box.layout.display = "flex"
    send(view, "exit")
    assert_locked(view)
    assert view.tables.value == view.support.value == view.download_link.value == ""
    assert view._pending_upload is None and view.upload_box.layout.display == "none"
    assert not (view.download_plain.value or view.report_plain.value)
    assert view.history.body.children == ()
    assert "unlock" in view.overview.value.lower() and "%" not in view.overview.value


def test_exit_on_the_history_page_locks_and_clears_the_charts(protected, checklists):
    view = History(workspace_for(protected, checklists))
    assert view.root is not None
    unlock(view)
    assert any("<svg" in getattr(c, "value", "") for c in view.body.children)
    send(view, "exit")
    assert_locked(view)
    assert view.body.children == ()


def test_exit_on_the_start_page_locks_its_store_and_keeps_the_helplines(protected, checklists):
    ws = workspace_for(protected, checklists)
    ws.store.unlock(PASS)
    view = SupportResources(ws)
    send(view, "exit")
    assert ws.store.key is None and "988" in view.box.value


def test_exit_on_an_open_folder_clears_the_summary_until_refresh(tmp_path, checklists):
    ws = workspace_for(tmp_path, checklists)
    c = checklists["trauma-bonding"]
    ws.store.save(SavedRun(c.id, c.version, {i: "often" for i in c.item_ids},
                           saved_at=datetime(2026, 1, 1, tzinfo=UTC)))
    view = Summary(ws)
    assert view.tables.value and view.support.value
    send(view, "exit")
    assert view.tables.value == view.support.value == "" and view.history.body.children == ()
    assert not shown(view.unlock.passphrase, view.root) and "Refresh" in view.overview.value
    view.refresh_button.click()
    assert view.tables.value


# ------------------------------------------------------------------ pages opened again


def test_summary_run_again_after_exit_asks_for_the_passphrase(protected, monkeypatch):
    """Run All on the Summary (or the page opened again) in the same kernel after Exit."""
    monkeypatch.setenv(ENV_DIR, str(protected))
    first = Summary()
    unlock(first)
    send(first, "exit")
    again = Summary()
    assert_locked(again)
    assert again.tables.value == "" and "unlock" in again.overview.value.lower()


def test_a_page_left_without_exit_unlocks_no_later_page(protected, monkeypatch):
    """The key belongs to the page: a tab closed (no Exit) leaves no key for the next page."""
    monkeypatch.setenv(ENV_DIR, str(protected))
    first = Summary()
    unlock(first)
    for later in (Summary(), ChecklistForm("trauma-bonding"), History()):
        assert later.workspace.store.key is None
        assert later.workspace.checklists is first.workspace.checklists  # still loaded once
    assert_locked(Summary())


# ------------------------------------------------------------------ the idle lock


def test_idle_minutes_come_from_the_environment(monkeypatch):
    for raw, minutes in (("", 5.0), ("2", 2.0), ("0.5", 0.5), ("0", 0.0), ("soon", 5.0), ("-3", 5.0),
                         ("inf", 5.0), ("nan", 5.0)):
        monkeypatch.setenv(IDLE_ENV, raw)
        assert idle_minutes() == minutes, raw
    monkeypatch.delenv(IDLE_ENV)
    assert idle_minutes() == 5.0


def test_the_idle_lock_clears_a_page_not_used_and_spares_one_in_use(protected, checklists, monkeypatch):
    """On the kernel's event loop, as in a kernel: 1 s without a "use" message locks the form;
    "use" every 0.2 s keeps the other one."""
    monkeypatch.setenv(IDLE_ENV, str(1 / 60))

    async def scenario() -> tuple[ChecklistForm, ChecklistForm]:
        used, left = (ChecklistForm("trauma-bonding", workspace_for(protected, checklists)) for _ in range(2))
        for form in (used, left):
            assert form.exit.idle_seconds == pytest.approx(1)
            unlock(form)  # unlocking is use: the clock starts again
            form.choices[ITEM].value = "always"
            form.choices[ITEM].note = NOTE
        for _ in range(8):
            await asyncio.sleep(0.2)
            send(used, "use")
        return used, left

    used, left = in_own_thread(lambda: asyncio.run(scenario()))
    assert used.workspace.store.key is not None and used.choices[ITEM].value == "always"
    assert_locked(left)
    assert left.choices[ITEM].value is None and left.choices[ITEM].note == ""
    assert "was not used for a while" in left.unlock.status.value
    unlock(left)  # and the person carries on
    assert shown(left.choices[ITEM], left.root)


def test_the_idle_lock_works_outside_a_kernel_too(protected, checklists, monkeypatch):
    monkeypatch.setenv(IDLE_ENV, str(2 / 60))
    view = in_own_thread(lambda: Summary(workspace_for(protected, checklists)))  # no event loop there
    in_own_thread(lambda: unlock(view))
    assert view.tables.value
    deadline = time.monotonic() + 10
    while view.workspace.store.key is not None and time.monotonic() < deadline:
        time.sleep(0.05)  # the timer thread locks the page
    assert_locked(view)
    assert view.tables.value == "" and "was not used for a while" in view.unlock.status.value


def test_no_idle_lock_when_turned_off(protected, checklists, monkeypatch):
    monkeypatch.setenv(IDLE_ENV, "0")
    form = ChecklistForm("trauma-bonding", workspace_for(protected, checklists))
    assert form.page_lock._timer is None and form.exit.idle_seconds == 0
