"""Locked means locked (issue 15, item 2) in a real browser: Exit locks, the app is one history
entry, and a page left alone locks itself.

These tests protect their answers folder with a passphrase, so they run their own JupyterLab and
Voilà servers on a folder of their own (the session's servers share one answers folder with the
other browser tests, which expect it open). The exit page is about:blank, as for every browser
test (servers.Workspace.env).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import servers as S
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PASS = "correct horse battery staple"
RESULTS = "All checklists"          # the Summary's table heading: only there once unlocked
BEFORE = "data:text/html,<title>before</title><p>A page visited before the app</p>"
IDLE_MINUTES = 0.15                 # 9 s: the idle page's lock (the notice shows 4.5 s before)
IDLE_NOTEBOOK = "idle-summary.ipynb"


@pytest.fixture(scope="module")
def locked(browser):
    """A protected answers folder with one saved run, and Lab and Voilà serving it."""
    from toolkit.checklist import SavedRun, load_checklists, shipped_dir
    from toolkit.store import AnswerStore

    ws = S.Workspace(Path(tempfile.mkdtemp(prefix="redflag-e2e-lock-")))
    checklists = load_checklists(shipped_dir())
    c = checklists["trauma-bonding"]
    store = AnswerStore(ws.answers, checklists)
    store.save(SavedRun(c.id, c.version, {i: "often" for i in c.item_ids},
                        saved_at=datetime(2026, 1, 1, tzinfo=UTC)))
    store.protect(PASS)
    code = (f'import os\nos.environ["REDFLAG_IDLE_MINUTES"] = "{IDLE_MINUTES}"  # as a deployment may set it\n'
            "from toolkit.ui import Summary\nSummary()")
    (ws.notebooks / IDLE_NOTEBOOK).write_text(json.dumps({
        "cells": [{"cell_type": "code", "id": "idle", "metadata": {}, "execution_count": None, "outputs": [],
                   "source": code}],
        "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                    "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    servers = S.start_servers(ws, ["lab", "voila"])
    yield ws, servers
    S.stop_servers(servers.values())
    shutil.rmtree(ws.root, ignore_errors=True)


def _unlock(scope) -> None:
    scope.locator("input[type=password]").first.fill(PASS)
    S.Form(scope).button("Unlock").click()


def _exit(page) -> None:
    page.get_by_role("button", name="Exit this page").click()
    page.wait_for_url("about:blank", timeout=15_000)


def test_lab_summary_run_again_after_exit_asks_for_the_passphrase(locked, page, screens):
    """Unlock the Summary in Lab, Exit, open the address again, Run All: the passphrase is asked
    for and no result is on the page (before: every result, from the kernel's cached key)."""
    _ws, servers = locked
    lab = S.LabApp(page, servers["lab"])
    lab.open("summary.ipynb")
    S.run_all(page)
    out = S.fresh_outputs(page)
    _unlock(out)
    expect(out.get_by_text(RESULTS)).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    _exit(page)

    lab.open("summary.ipynb", reload=True)  # as the address reopened from the browser's history
    S.run_all(page)
    out = S.fresh_outputs(page)
    expect(out.locator("input[type=password]").first).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    expect(out.get_by_text(re.compile("protected with a passphrase"))).to_be_visible()
    screens.shot(page, "lock-lab-summary-after-exit")
    expect(page.get_by_text(RESULTS)).to_have_count(0)   # nowhere, old outputs included


def test_app_back_after_exit_leaves_the_app(locked, page, screens):
    """Start page → Summary (unlocked) → Exit → Back: the page visited before the app, not the
    start page (before: the start page, with its token, one click from the Summary)."""
    _ws, servers = locked
    page.goto(BEFORE)
    page.goto(f"{servers['voila'].url}/voila/render/00-start-here.ipynb", timeout=S.KERNEL_TIMEOUT)
    expect(page.get_by_role("button", name="Exit this page")).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    entries = page.evaluate("history.length")
    page.get_by_role("link", name="Summary of your latest answers").click()
    page.wait_for_url(re.compile(r"/summary\.ipynb"), timeout=S.KERNEL_TIMEOUT)
    body = page.locator("body")
    _unlock(body)
    expect(page.get_by_text(RESULTS)).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    inside = page.evaluate("history.length")
    _exit(page)
    page.go_back()
    page.wait_for_load_state()
    assert page.url.startswith("data:text/html"), f"Back after Exit returned to {page.url}"
    expect(page.get_by_text("A page visited before the app")).to_be_visible()
    assert inside == entries, "moving inside the app added a history entry"
    screens.shot(page, "lock-app-back-after-exit")


def test_app_page_left_alone_locks_itself(locked, page, screens):
    """A Summary unlocked, then not used: a notice first, then the results go and the Unlock box
    is back (before: the results stayed on screen, the key in the kernel)."""
    _ws, servers = locked
    page.goto(f"{servers['voila'].url}/voila/render/{IDLE_NOTEBOOK}", timeout=S.KERNEL_TIMEOUT)
    body = page.locator("body")
    expect(body.locator("input[type=password]").first).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    _unlock(body)
    expect(page.get_by_text(RESULTS)).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    start = time.monotonic()                                    # no use of the page from here on
    notice = page.locator(".redflag-quick-exit-notice")
    expect(notice).to_be_visible(timeout=30_000)
    expect(notice).to_have_text(re.compile("this page will soon clear itself"))
    page.screenshot(path=str(screens.dir / "lock-app-idle-notice.png"))  # a full shot would scroll
    expect(page.get_by_text(RESULTS)).to_have_count(0, timeout=30_000)
    locked_after = time.monotonic() - start
    expect(body.locator("input[type=password]").first).to_be_visible()
    expect(page.get_by_text(re.compile("not used for a while"))).to_be_visible()
    page.screenshot(path=str(screens.dir / "lock-app-idle-locked.png"))
    print(f"\nidle lock: results gone {locked_after:.1f} s after the last use (lock set to "
          f"{IDLE_MINUTES * 60:.0f} s)")
    assert IDLE_MINUTES * 60 - 5 <= locked_after <= IDLE_MINUTES * 60 + 10
