"""Nothing phones home: the whole toolkit works with sockets disabled (pytest-socket), and a
fresh interpreter whose network functions all raise can import every UI/report module and
score + summarise without touching them.

Only the three core checklists are used (a private copy), so a half-written checklist in
checklists/ cannot break these tests.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import pytest_socket

from toolkit.checklist import SavedRun

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 4, 1, 20, 0, tzinfo=timezone(timedelta(hours=2)))


BLOCKED = "ignore:A test tried to use socket:UserWarning"


@pytest.mark.filterwarnings(BLOCKED)
def test_the_guard_is_active(socket_disabled):
    """In this mode creating any socket raises, so the end-to-end test below proves something."""
    with pytest.raises(pytest_socket.SocketBlockedError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(pytest_socket.SocketBlockedError):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(pytest_socket.SocketBlockedError):
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)


@pytest.mark.filterwarnings(BLOCKED)
def test_the_whole_toolkit_works_without_network(socket_disabled, core_dir, tmp_path):
    # The guard is on inside the test body.
    with pytest.raises(pytest_socket.SocketBlockedError):
        socket.socket()
    # pytest-socket warns on every blocked attempt: record them, so that an attempt the
    # toolkit caught and swallowed still fails the test.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _whole_toolkit(core_dir, tmp_path)
    attempts = [str(w.message) for w in caught if "tried to use socket" in str(w.message)]
    assert attempts == []


def _whole_toolkit(core_dir, tmp_path):
    from toolkit import (
        export_bundle,
        import_bundle,
        latest_runs,
        list_saved,
        load_answers,
        load_checklists,
        load_runs,
        save_answers,
        score,
        summarise,
    )
    from toolkit.markup import support_html
    from toolkit.notebooks import all_notebooks
    from toolkit.report import report_html, report_md
    from toolkit.resources import load_resources
    from toolkit.summary import changes, describe, history, trend
    from toolkit.ui import ChecklistForm, History, Summary, SupportResources
    from toolkit.workspace import Workspace

    checklists = load_checklists(core_dir)
    resources = load_resources(core_dir / "_resources.toml")
    folder = tmp_path / "answers"
    runs = []
    for n, (cid, c) in enumerate(checklists.items()):
        for k, answer in enumerate(("rarely", "often")):
            run = SavedRun(cid, c.version, {i: answer for i in c.item_ids},
                          {c.item_ids[0]: f"note {n}.{k}"}, saved_at=T0 + timedelta(days=7 * k + n))
            score(run, c)
            runs.append(load_answers(save_answers(run, folder), checklists))
    assert len(list_saved(folder, checklists)) == 6
    summary = summarise(latest_runs(load_runs(folder, checklists)), checklists)
    assert summary.safety and "support" in describe(summary, checklists)
    assert not history(runs, checklists).empty and not trend(runs, checklists, "trauma-bonding").empty
    assert not changes(runs[0], runs[1], checklists[runs[0].checklist_id]).empty

    data = export_bundle(folder, checklists)
    report = import_bundle(data, tmp_path / "restored", checklists)
    assert len(report.imported) == 6 and not report.rejected

    form = ChecklistForm("trauma-bonding", Workspace.open(core_dir, tmp_path / "form"))
    for choice in form.choices.values():
        choice.value = "sometimes"
    form.save_button.click()
    assert "Saved." in form.status.value and "Your result" in form.result.value
    restored = Workspace.open(core_dir, tmp_path / "restored")
    view = Summary(restored)
    assert "Your latest answers" in view.overview.value
    assert view.prepare_download().startswith(b"{")
    view.import_file("again.json", data)
    assert "6 were already here" in view.data_status.value
    History(restored)
    SupportResources(restored)

    page = report_html(runs, checklists, resources)
    assert page.startswith("<!DOCTYPE html>") and "http://" not in page.split("<body>", 1)[0]
    assert report_md(runs, checklists, resources).startswith("# ")
    assert "redflag-support" in support_html(resources)
    assert len(all_notebooks(checklists, resources)) == 3 + len(checklists)


def test_the_report_loads_nothing_from_elsewhere(core_dir):
    """The printable report must open offline: no external scripts, styles, fonts or images."""
    from toolkit import load_checklists
    from toolkit.report import report_html
    from toolkit.resources import load_resources

    checklists = load_checklists(core_dir)
    c = checklists["toxic-relationship"]
    runs = [SavedRun(c.id, c.version, {i: "always" for i in c.item_ids}, {}, saved_at=T0)]
    page = report_html(runs, checklists, load_resources(core_dir / "_resources.toml"))
    lowered = page.lower()
    for needle in ("<script", "<link", "<img", "<iframe", "@import", "url(", " src="):
        assert needle not in lowered, needle


SCRIPT = r"""
import os, socket, sys

attempts = []

def refuse(name):
    def fail(*args, **kwargs):
        attempts.append((name, args[:2]))
        raise OSError(f"network disabled for this test: {name}{args[:2]!r}")
    return fail

socket.socket.connect = refuse("connect")
socket.socket.connect_ex = refuse("connect_ex")
socket.socket.sendto = refuse("sendto")
socket.create_connection = refuse("create_connection")
socket.getaddrinfo = refuse("getaddrinfo")
socket.gethostbyname = refuse("gethostbyname")

# Prove the guard is active before relying on it.
try:
    socket.create_connection(("example.org", 443), timeout=1)
except OSError:
    pass
else:
    sys.exit("guard not active")
assert [name for name, _ in attempts] == ["create_connection"], attempts
attempts.clear()

import toolkit, toolkit.ui, toolkit.report, toolkit.tables, toolkit.charts, toolkit.resources, toolkit.summary
from datetime import datetime, timezone
from toolkit import SavedRun, load_checklists, score, summarise

checklists = load_checklists(sys.argv[1])
c = checklists["toxic-relationship"]
when = datetime(2026, 4, 1, tzinfo=timezone.utc)
run = SavedRun(c.id, c.version, {i: "often" for i in c.item_ids}, {}, saved_at=when)
result = score(run, c)
summary = summarise([run], checklists)
assert result.safety and summary.safety
ws = toolkit.Workspace.open(sys.argv[1], sys.argv[2])
form = toolkit.ui.ChecklistForm(c.id, ws)
page = toolkit.report.report_html([run], checklists, ws.resources)
if attempts:
    sys.exit(f"network used: {attempts}")
print("no network used:", result.level, len(page))
"""


def test_a_fresh_interpreter_with_network_functions_broken_runs_the_toolkit(core_dir, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"http_proxy", "https_proxy",
                                                            "HTTP_PROXY", "HTTPS_PROXY"}}
    env.update(REDFLAG_ANSWERS_DIR=str(tmp_path / "answers"), MPLBACKEND="Agg",
               MPLCONFIGDIR=str(tmp_path / "mpl"), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(SCRIPT), str(core_dir),
                           str(tmp_path / "answers")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-2000:]
    assert "no network used:" in proc.stdout
    assert not (tmp_path / "answers").exists(), "showing a form must not write anything"
