"""Issue 15, "Locked means locked": in a protected folder only sealed runs count, runs dated in
the future are refused everywhere, and every public function goes through the answer store."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from _helpers import run_cli, workspace_for

import toolkit
from toolkit import AnswersError, PassphraseError, SavedRun, answerfolder, crypto, files, protection, store
from toolkit.answerfile import FORMAT, NOT_SEALED, answers_to_dict
from toolkit.answerfolder import SETTINGS_FILE
from toolkit.protection import Converted
from toolkit.report import report_md
from toolkit.store import AnswerStore

PASS = "correct horse battery staple"
CID = "trauma-bonding"
NOW = datetime.now(UTC)


def plant(folder: Path, run: SavedRun, name: str) -> Path:
    """A plain run file written by someone without the passphrase."""
    path = folder / name
    path.write_text(json.dumps(answers_to_dict(run)), encoding="utf-8")
    return path


def all_answered(checklists, word: str, saved_at: datetime) -> SavedRun:
    c = checklists[CID]
    return SavedRun(c.id, c.version, {i: word for i in c.item_ids}, {}, saved_at=saved_at)


def without_date(text: str) -> str:
    return re.sub(r"Made on [^\n]*", "", text)


def test_a_planted_plain_run_in_a_protected_folder_is_listed_but_never_believed(tmp_path, checklists, capsys,
                                                                               monkeypatch):
    """The issue's case: a trauma-bonding run of all Never dated 2199, planted as a plain file beside
    the person's sealed run of all Always, made the support box disappear and the report say
    "none, 0 %" and "Always -> Never (better)"."""
    from toolkit.ui import ChecklistForm, Summary

    ws = workspace_for(tmp_path / "answers", checklists)
    ws.store.protect(PASS)
    real = all_answered(checklists, "always", NOW - timedelta(days=1))
    ws.store.save(real)
    planted = [plant(ws.answers_dir, all_answered(checklists, "never", when), f"{CID}_{stamp}_0123abcd.json")
               for when, stamp in ((datetime(2199, 6, 1, tzinfo=UTC), "21990601-000000"),
                                   (NOW - timedelta(hours=1), "20261203-000000"))]

    table = ws.store.table().set_index("file")
    for path in planted:
        assert table.loc[path.name, "problem"] == f"{path}: {NOT_SEALED}"
    assert ws.store.runs() == [real]
    assert [type(got).__name__ for _, got in ws.store.saved()].count("AnswersError") == 2

    view = Summary(ws)
    assert view.support.value  # the support box still shows
    expected = without_date(report_md([real], checklists, ws.resources))
    assert without_date(report_md(ws.store.runs(), checklists, ws.resources)) == expected
    form = ChecklistForm(CID, ws)
    assert len(form.resume_choice.options) == 2  # "Choose…" and the real run only

    monkeypatch.setenv("REDFLAG_PASSPHRASE", PASS)
    code, out, err = run_cli(capsys, "--dir", str(ws.answers_dir), "runs", "--format", "json")
    listed = {row["file"]: row for row in json.loads(out)}
    assert code == 0 and all(NOT_SEALED in listed[p.name]["problem"] for p in planted), err
    assert sum(row["problem"] == "" for row in listed.values()) == 1


def test_protecting_again_never_adopts_a_run_planted_after_protection(tmp_path, checklists):
    """Pressing Protect again on a protected folder finishes an interrupted first protect, but a
    plain run planted since stays "not encrypted": it is not sealed and never counts."""
    ws = workspace_for(tmp_path / "answers", checklists)
    mine = all_answered(checklists, "always", NOW - timedelta(days=2))
    ws.store.save(mine)
    ws.store.protect(PASS)
    planted = plant(ws.answers_dir, all_answered(checklists, "never", NOW - timedelta(hours=1)),
                    f"{CID}_20261203-000000_0123abcd.json")
    again = workspace_for(ws.answers_dir, checklists)
    assert again.store.protect(PASS) == Converted(0, []) and planted.exists()
    assert again.store.runs() == [mine]
    assert again.store.table().set_index("file").loc[planted.name, "problem"] == f"{planted}: {NOT_SEALED}"


def test_an_interrupted_first_protect_is_finished_by_protecting_again(tmp_path, checklists, monkeypatch):
    """The runs a first protect found are listed (sealed) until it is done: a second run seals those."""
    ws = workspace_for(tmp_path / "answers", checklists)
    runs = [all_answered(checklists, word, NOW - timedelta(days=n)) for n, word in enumerate(("often", "never"), 1)]
    for run in runs:
        ws.store.save(run)
    with monkeypatch.context() as crash:  # the first protect dies before it seals anything
        crash.setattr(protection, "convert", lambda store, wanted, key: (_ for _ in ()).throw(KeyboardInterrupt))
        with pytest.raises(KeyboardInterrupt):
            ws.store.protect(PASS)
    assert (ws.answers_dir / answerfolder.PENDING_FILE).exists()
    again = workspace_for(ws.answers_dir, checklists)
    assert again.store.protect(PASS) == Converted(2, [])
    assert sorted(r.saved_at for r in again.store.runs()) == sorted(r.saved_at for r in runs)
    assert not (ws.answers_dir / answerfolder.PENDING_FILE).exists()


def test_a_run_dated_in_the_future_is_refused_in_a_plain_folder_too(tmp_path, checklists):
    folder = tmp_path / "answers"
    store = AnswerStore(folder, checklists)
    real = all_answered(checklists, "always", NOW - timedelta(days=1))
    store.save(real)
    future = all_answered(checklists, "never", datetime.now(UTC) + timedelta(minutes=11))
    path = plant(folder, future, f"{CID}_21990601-000000_0123abcd.json")
    assert store.runs() == [real]
    assert "is in the future" in store.table().set_index("file").loc[path.name, "problem"]
    bundle = json.dumps({"format": "redflag-bundle", "format_version": 1,
                         "runs": [{"file": None, "answers": answers_to_dict(future)}]}).encode()
    report = store.import_bundle(bundle, "upload.json")
    assert report.imported == [] and "is in the future" in report.rejected[0][1]
    assert json.loads(path.read_text())["format"] == FORMAT  # left as it was


# ------------------------------------------------------------------ one way in


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def protected(tmp_path, checklists):
    """A protected folder with four sealed runs (the issue's "one of four"), and one plain one
    planted, and the key that opens it."""
    store = AnswerStore(tmp_path / "answers", checklists)
    store.protect(PASS)
    runs = [SavedRun(c.id, c.version, {c.item_ids[0]: "often"}, {c.item_ids[0]: "a private note"},
                     saved_at=NOW - timedelta(days=k + 1))
            for k, c in enumerate(list(checklists.values())[:4])]
    for run in runs:
        store.save(run)
    plant(store.folder, all_answered(checklists, "never", NOW - timedelta(days=9)),
          f"{CID}_20261101-000000_0123abcd.json")
    return store, runs


def _bundle(checklists) -> bytes:
    run = all_answered(checklists, "sometimes", NOW - timedelta(days=20))
    return json.dumps({"format": "redflag-bundle", "format_version": 1,
                       "runs": [{"file": None, "answers": answers_to_dict(run)}]}).encode()


PUBLIC = {
    "save_answers": lambda folder, cl, **k: toolkit.save_answers(
        all_answered(cl, "rarely", NOW - timedelta(days=30)), folder, **k),
    "load_answers": lambda folder, cl, **k: toolkit.load_answers(sorted(folder.glob("*.sealed"))[0], cl, **k),
    "load_answers (a planted plain run)": lambda folder, cl, **k: toolkit.load_answers(
        folder / f"{CID}_20261101-000000_0123abcd.json", cl, **k),
    "load_runs": lambda folder, cl, **k: toolkit.load_runs(folder, cl, **k),
    "list_saved": lambda folder, cl, **k: toolkit.list_saved(folder, cl, **k),
    "read_saved": lambda folder, cl, **k: store.read_saved(folder, cl, **k),
    "import_bundle": lambda folder, cl, **k: toolkit.import_bundle(_bundle(cl), folder, cl, **k),
    "export_bundle": lambda folder, cl, **k: toolkit.export_bundle(folder, cl, **k),
}


@pytest.mark.parametrize("name", list(PUBLIC))
def test_every_public_function_refuses_a_protected_folder_without_its_key(protected, checklists, name):
    """The issue: save_answers and import_bundle wrote plain files (notes included) into a
    protected folder; load_runs and export_bundle returned only the plain runs."""
    store, runs = protected
    before = snapshot(store.folder)
    with pytest.raises(PassphraseError, match="protected with a passphrase"):
        PUBLIC[name](store.folder, checklists)
    assert snapshot(store.folder) == before
    other = crypto.new_key("another passphrase", n=2**10)[0]
    with pytest.raises(PassphraseError, match="does not open these answers"):
        PUBLIC[name](store.folder, checklists, key=other)
    assert snapshot(store.folder) == before


def test_with_its_key_every_public_function_sees_every_sealed_run_and_writes_only_sealed(protected, checklists):
    store, runs = protected
    key = store.key
    assert sorted(toolkit.load_runs(store.folder, checklists, key=key), key=lambda r: r.saved_at) == \
        sorted(runs, key=lambda r: r.saved_at)
    table = toolkit.list_saved(store.folder, checklists, key=key)
    assert len(table) == 5 and (table["problem"] == "").sum() == 4
    assert toolkit.load_answers(sorted(store.folder.glob("*.sealed"))[0], checklists, key=key) in runs
    with pytest.raises(AnswersError, match=NOT_SEALED):
        toolkit.load_answers(store.folder / f"{CID}_20261101-000000_0123abcd.json", checklists, key=key)
    path = toolkit.save_answers(all_answered(checklists, "rarely", NOW - timedelta(days=30)), store.folder, key=key)
    report = toolkit.import_bundle(_bundle(checklists), store.folder, checklists, key=key)
    assert path.suffix == ".sealed" and len(report.imported) == 1 and report.imported[0].suffix == ".sealed"
    assert [p.name for p in answerfolder.run_files(store.folder) if p.suffix == ".json"] == [
        f"{CID}_20261101-000000_0123abcd.json"]  # only the planted one
    assert len(toolkit.load_runs(store.folder, checklists, key=key)) == 6


def test_a_key_for_a_folder_that_is_not_protected_is_refused(tmp_path, checklists):
    key = crypto.new_key("a passphrase", n=2**10)[0]
    with pytest.raises(PassphraseError, match="not protected"):
        toolkit.save_answers(all_answered(checklists, "rarely", NOW), tmp_path, key=key)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ sealed files say less


def _one_of_each(checklists) -> list[SavedRun]:
    """A run of each of three checklists of 6, 20 and 5 items, every item answered, a short note."""
    runs = []
    for k, cid in enumerate(("avoid-partners-where", "toxic-relationship", "trauma-bonding")):
        c = checklists[cid]
        runs.append(SavedRun(c.id, c.version, {i: "always" for i in c.item_ids}, {c.item_ids[0]: "a short note"},
                             saved_at=NOW - timedelta(days=k + 1)))
    return runs


def test_sealed_runs_of_different_checklists_have_equal_sizes_and_neutral_times(tmp_path, checklists):
    store = AnswerStore(tmp_path / "answers", checklists)
    plain = [store.save(run) for run in _one_of_each(checklists)]
    assert len({p.stat().st_size for p in plain}) == 3  # plain files differ: the sealed ones must not
    store.save_settings(country="GB")
    store.protect(PASS)
    assert store.folder.stat().st_mtime == files.NEUTRAL_TIME  # removing the plain files changed it
    for run in _one_of_each(checklists):
        store.save(run)
    sealed = sorted(store.folder.glob("*.sealed"))
    assert len(sealed) == 6 and len({p.stat().st_size for p in sealed}) == 1
    assert (store.folder / SETTINGS_FILE).stat().st_size == sealed[0].stat().st_size
    for path in [*store.folder.iterdir(), store.folder]:
        assert path.stat().st_mtime == files.NEUTRAL_TIME, path.name
    assert len(store.runs()) == 3  # the same runs twice count once


def test_the_cache_still_sees_a_file_replaced_with_the_same_size_and_time(tmp_path, checklists):
    store = AnswerStore(tmp_path / "answers", checklists)
    store.protect(PASS)
    first, second = _one_of_each(checklists)[:2]
    path = store.save(first)
    other = store.save(second)
    assert store.read(path) == first and path.stat().st_size == other.stat().st_size
    os.replace(other, path)  # the same size and the same (neutral) modification time
    assert path.stat().st_mtime == files.NEUTRAL_TIME
    assert store.read(path) == second


def test_settings_are_sealed_while_protected_and_the_locale_is_used_while_locked(tmp_path, checklists, monkeypatch):
    from toolkit.ui import SupportResources

    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    ws = workspace_for(tmp_path / "answers", checklists)
    ws.store.save_settings(country="GB")
    ws.store.protect(PASS)
    raw = (ws.answers_dir / SETTINGS_FILE).read_bytes()
    assert crypto.is_sealed(raw) and b"GB" not in raw and b"country" not in raw
    locked = workspace_for(ws.answers_dir, checklists)
    assert locked.store.settings() == {} and locked.country == "DE"
    with pytest.raises(PassphraseError):
        locked.store.save_settings(country="IE")
    assert "110" in SupportResources(locked).box.value  # the German lines (police): the support box still shows
    locked.store.unlock(PASS)
    assert locked.country == "GB"
    locked.store.change_passphrase("another long passphrase")
    assert workspace_for(ws.answers_dir, checklists).store.settings() == {}
    locked.store.unprotect()
    assert json.loads((ws.answers_dir / SETTINGS_FILE).read_bytes()) == {"country": "GB"}


def test_the_language_alone_is_kept_plain_so_a_locked_folder_opens_in_it(tmp_path, checklists):
    """The Unlock box must speak the person's language before the key is known; a language
    code is all the file holds (neutral time), junk in it is no choice, and forget removes it."""
    ws = workspace_for(tmp_path / "answers", checklists)
    ws.store.protect(PASS)
    locked = workspace_for(ws.answers_dir, checklists)
    locked.store.save_settings(language="es")  # no PassphraseError: nothing sealed changes
    path = ws.answers_dir / answerfolder.LANGUAGE_FILE
    assert path.read_bytes() == b"es\n" and path.stat().st_mtime == files.NEUTRAL_TIME
    assert workspace_for(ws.answers_dir, checklists).store.settings() == {"language": "es"}
    with pytest.raises(PassphraseError):
        locked.store.save_settings(country="IE", language="en")
    locked.store.unlock(PASS)
    locked.store.save_settings(country="IE")
    sealed = (ws.answers_dir / SETTINGS_FILE).read_bytes()
    assert crypto.is_sealed(sealed) and locked.store.settings() == {"country": "IE", "language": "es"}
    for junk in (b"<script>", b"es; rm -rf /", b"\xff\xfe", b"e" * 100):
        path.write_bytes(junk)
        assert "language" not in workspace_for(ws.answers_dir, checklists).store.settings()
    with pytest.raises(AnswersError):
        locked.store.save_settings(language="../../x")
    locked.store.save_settings(language=None)
    assert not path.exists()
    locked.store.save_settings(language="es")
    locked.store.forget()
    assert not path.exists()


def test_a_folder_protected_by_an_earlier_version_still_opens(tmp_path, checklists, monkeypatch):
    """Earlier versions named the key file .redflag-key.json, its format 'redflag-key', and began
    every sealed file with RFLGENC1."""
    with monkeypatch.context() as old:
        old.setattr(crypto, "MAGIC", crypto.LEGACY_MAGIC)
        old.setattr(crypto, "KEY_FORMAT", "redflag-key")
        old.setattr(answerfolder, "KEY_FILE", answerfolder.LEGACY_KEY_FILE)
        store = AnswerStore(tmp_path / "answers", checklists)
        store.protect(PASS)
        runs = _one_of_each(checklists)
        for run in runs:
            store.save(run)
    assert json.loads((store.folder / answerfolder.LEGACY_KEY_FILE).read_bytes())["format"] == "redflag-key"
    assert all(p.read_bytes().startswith(b"RFLGENC1") for p in store.folder.glob("*.sealed"))
    fresh = AnswerStore(store.folder, checklists)
    assert fresh.protected
    with pytest.raises(PassphraseError):
        fresh.runs()
    fresh.unlock(PASS)
    assert sorted(fresh.runs(), key=lambda r: r.checklist_id) == sorted(runs, key=lambda r: r.checklist_id)
    assert toolkit.load_runs(store.folder, checklists, key=fresh.key) == fresh.runs()
    fresh.change_passphrase("another long passphrase")  # moves to the neutral names
    names = {p.name for p in store.folder.iterdir()}
    assert answerfolder.KEY_FILE in names and answerfolder.LEGACY_KEY_FILE not in names
    again = AnswerStore(store.folder, checklists)
    again.unlock("another long passphrase")
    assert len(again.runs()) == 3
    assert all(p.read_bytes().startswith(crypto.MAGIC) for p in store.folder.glob("*.sealed"))
    assert json.loads((store.folder / answerfolder.KEY_FILE).read_bytes())["format"] == crypto.KEY_FORMAT


def test_no_file_name_or_format_name_in_a_protected_folder_names_the_tool(tmp_path, checklists):
    store = AnswerStore(tmp_path / "answers", checklists)
    store.save_settings(country="GB")
    store.protect(PASS)
    for run in _one_of_each(checklists):
        store.save(run)
    for path in store.folder.iterdir():
        for word in ("redflag", "rflg", "checklist", "relationship"):
            assert word not in path.name.lower() and word.encode() not in path.read_bytes().lower(), (path, word)


def test_the_protection_text_says_what_is_not_hidden():
    from toolkit.markup import ui

    text = ui("protect_intro")
    for words in ("how many files", "roughly how large", "a key file exists", "when the folder was last changed"):
        assert words in text, words
