"""The workspace: where checklists and answers come from, and the answer store that owns one
folder. Tests hand a Workspace in; nothing here patches a module's globals."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from _helpers import REPO, SHIPPED_DIR, write_checklist

from toolkit import AnswersError, ChecklistError, SavedRun
from toolkit.checklist import checkout_root, shipped_dir
from toolkit.store import AnswerStore
from toolkit.ui import Summary
from toolkit.workspace import ENV_DIR, Workspace, default_answers_dir, default_workspace


def test_running_from_the_checkout_reads_its_checklists_folder():
    assert checkout_root() == REPO
    assert shipped_dir() == REPO / "checklists"


def test_answers_folder_follows_the_variable_else_the_checkout(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_DIR, str(tmp_path / "mine"))
    assert default_answers_dir() == tmp_path / "mine"
    assert default_workspace().answers_dir == tmp_path / "mine"
    monkeypatch.delenv(ENV_DIR)
    assert default_answers_dir() == REPO / "answers"  # ignored by git: see .gitignore
    assert "/answers/" in (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_default_workspace_is_loaded_once_per_answers_folder(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_DIR, str(tmp_path / "a"))
    first = default_workspace()
    again = default_workspace()
    assert again.checklists is first.checklists and again.resources is first.resources  # quick pages
    monkeypatch.setenv(ENV_DIR, str(tmp_path / "b"))
    assert default_workspace().checklists is not first.checklists
    assert default_workspace().answers_dir == tmp_path / "b"


def test_no_unlocked_key_outlives_its_page_in_the_shared_workspace(monkeypatch, tmp_path):
    """Each page gets its own answer store: a page unlocked once does not unlock the next one
    (Run All again, or the page opened again from the browser's history, asks again)."""
    from toolkit.errors import PassphraseError

    monkeypatch.setenv(ENV_DIR, str(tmp_path / "answers"))
    page = default_workspace()
    page.store.protect("correct horse battery staple")
    assert page.store.key is not None and page.store.runs() == []
    again = default_workspace()
    assert again.store is not page.store and again.store.key is None
    with pytest.raises(PassphraseError):
        again.store.runs()


def test_own_checklists_folder_uses_shipped_vocabulary_and_resources(tmp_path):
    folder = tmp_path / "mine"
    write_checklist(folder, "my-list", [{"id": "one", "severity": 2}])
    ws = Workspace.open(folder, tmp_path / "answers")
    assert list(ws.checklists) == ["my-list"]
    assert ws.vocabulary.max_weight == Workspace.open().vocabulary.max_weight
    assert ws.resources.heading == Workspace.open().resources.heading
    shutil.copy2(SHIPPED_DIR / "_resources.toml", folder / "_resources.toml")
    text = (folder / "_resources.toml").read_text(encoding="utf-8")
    heading = next(line for line in text.splitlines() if line.startswith("heading"))
    (folder / "_resources.toml").write_text(text.replace(heading, 'heading = "Our own heading"'),
                                            encoding="utf-8")
    assert Workspace.open(folder, tmp_path / "answers").resources.heading == "Our own heading"


def test_a_bad_checklists_folder_is_one_clear_error(tmp_path):
    with pytest.raises(ChecklistError, match="no such folder"):
        Workspace.open(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ChecklistError, match="no checklist files"):
        Workspace.open(tmp_path / "empty")


class CountingStore(AnswerStore):
    """Counts how often a run is read from disk."""

    reads: int = 0

    def _load(self, path: Path) -> SavedRun:
        self.reads += 1
        return super()._load(path)


def _saved(store: AnswerStore, checklists, make_answers, n: int) -> list[Path]:
    c = checklists["trauma-bonding"]
    return [store.save(make_answers(c, fill=("never", "often")[k % 2], saved_at=None)) for k in range(n)]


def test_the_store_reads_each_run_once_and_notices_changes(tmp_path, checklists, make_answers):
    store = CountingStore(tmp_path, checklists)
    paths = _saved(store, checklists, make_answers, 3)
    first = store.runs()
    assert store.reads == 3 and len(first) == 3
    assert store.runs() == first and store.table().shape[0] == 3 and store.reads == 3
    paths[0].write_text("damaged", encoding="utf-8")
    assert len(store.runs()) == 2 and store.reads == 4
    assert "not valid JSON" in store.table().set_index("file").loc[paths[0].name, "problem"]
    with pytest.raises(AnswersError, match="not valid JSON"):
        store.read(paths[0])
    paths[1].unlink()
    assert len(store.runs()) == 1 and store.reads == 4


def test_a_summary_reads_each_run_once(tmp_path, checklists, make_answers):
    store = CountingStore(tmp_path, checklists)
    _saved(store, checklists, make_answers, 4)
    ws = Workspace(checklists, Workspace.open().resources, store)
    view = Summary(ws)
    assert store.reads == 4
    charts = [w for w in view.history.body.children if "redflag-trend" in getattr(w, "value", "")]
    assert len(charts) == 1  # one checklist with runs: one chart
    view.refresh()
    assert store.reads == 4


def test_forget_clears_what_the_store_remembered(tmp_path, checklists, make_answers):
    store = CountingStore(tmp_path, checklists)
    _saved(store, checklists, make_answers, 2)
    assert len(store.runs()) == 2
    assert store.forget() == 2
    assert store.runs() == [] and not os.path.exists(tmp_path)
