"""Passphrase protection of the answers folder, as a person sharing a computer needs it: nothing
readable in the files or their names, the right passphrase shows everything, a wrong or missing
one changes nothing, and a protect killed at any moment loses no run."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import random
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from _helpers import run_cli, shown, workspace_for

from toolkit import AnswersError, PassphraseError, SavedRun
from toolkit.answerfile import NOT_SEALED, run_from_bytes
from toolkit.answerfolder import KEY_FILE, run_files
from toolkit.cli import main
from toolkit.protection import Converted
from toolkit.store import AnswerStore

PASS = "correct horse battery staple"
FORK = multiprocessing.get_context("fork")
NOTE = "we argued about my sister on friday"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def fill(store: AnswerStore, checklists, n: int) -> list[SavedRun]:
    """n runs over every checklist, each with every answer word used and a note."""
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    runs = []
    cids = list(checklists)
    for k in range(n):
        c = checklists[cids[k % len(cids)]]
        words = [o.id for o in c.vocabulary.scale if not o.situational]
        run = SavedRun(c.id, c.version, {it.id: words[(k + j) % len(words)] for j, it in enumerate(c.items)},
                       {c.items[0].id: f"{NOTE} {k}"}, saved_at=start + timedelta(hours=k))
        store.save(run)
        runs.append(run)
    return runs


def secrets_of(checklists, runs) -> set[str]:
    """Every word that would give a run away: checklist ids, item ids, answer words, note text."""
    words = {c.id for c in checklists.values()} | {i for c in checklists.values() for i in c.item_ids}
    words |= {o.id for c in checklists.values() for o in c.vocabulary.scale} | {NOTE}
    words |= {o.label for c in checklists.values() for o in c.vocabulary.scale}
    return words


def fingerprints(runs) -> set[str]:
    return {json.dumps([r.checklist_id, r.checklist_version, r.saved_at.isoformat(),
                        sorted(r.responses.items()), sorted(r.notes.items())]) for r in runs}


@pytest.fixture
def store(tmp_path, checklists):
    return AnswerStore(tmp_path / "answers", checklists)


def test_after_protect_nothing_in_the_folder_gives_a_run_away(store, checklists):
    runs = fill(store, checklists, 12)
    assert store.protect(PASS) == Converted(12, [])
    leaks = secrets_of(checklists, runs)
    for path in store.folder.iterdir():
        data = path.read_bytes()
        for word in leaks:
            assert word not in path.name, (path.name, word)
            assert word.encode() not in data, (path.name, word)
    assert fingerprints(store.runs()) == fingerprints(runs)
    # A new save while protected is sealed before it touches the disk.
    c = checklists["trauma-bonding"]
    path = store.save(SavedRun(c.id, c.version, {c.item_ids[0]: "often"}, {c.item_ids[0]: NOTE},
                               saved_at=datetime(2026, 5, 1, tzinfo=UTC)))
    assert path.suffix == ".sealed" and c.id.encode() not in path.read_bytes()
    assert NOTE.encode() not in path.read_bytes()


def test_a_fresh_store_needs_the_passphrase_and_refuses_a_wrong_one(store, checklists):
    runs = fill(store, checklists, 3)
    store.protect(PASS)
    before = snapshot(store.folder)
    locked = AnswerStore(store.folder, checklists)
    with pytest.raises(PassphraseError, match="protected with a passphrase: unlock them first"):
        locked.runs()
    with pytest.raises(PassphraseError, match="protected"):
        locked.save(runs[0])
    with pytest.raises(PassphraseError, match="wrong passphrase"):
        locked.unlock("not it")
    locked.unlock(PASS)
    assert fingerprints(locked.runs()) == fingerprints(runs)
    assert snapshot(store.folder) == before


def test_unprotect_restores_every_run_as_a_plain_file(store, checklists):
    runs = fill(store, checklists, 10)
    store.protect(PASS)
    assert store.unprotect() == Converted(10, []) and not store.protected
    assert all(p.suffix == ".json" for p in run_files(store.folder))
    assert fingerprints(AnswerStore(store.folder, checklists).runs()) == fingerprints(runs)


def test_changing_the_passphrase(store, checklists):
    runs = fill(store, checklists, 5)
    store.protect(PASS)
    store.change_passphrase("a new one")
    fresh = AnswerStore(store.folder, checklists)
    with pytest.raises(PassphraseError):
        fresh.unlock(PASS)
    fresh.unlock("a new one")
    assert fingerprints(fresh.runs()) == fingerprints(runs)


# ------------------------------------------------------------------ the command line


def test_cli_protect_read_and_unprotect_with_passphrase_sources(tmp_path, store, checklists, capsys,
                                                                 monkeypatch):
    runs = fill(store, checklists, 4)
    folder = str(store.folder)
    secret = tmp_path / "pass.txt"
    secret.write_text(PASS + "\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "--dir", folder, "--passphrase-file", str(secret), "protect")
    assert code == 0 and "4 saved run(s) encrypted" in out and "nobody can recover" in out, err
    before = snapshot(store.folder)
    # Missing passphrase (no file, no variable, no keyboard): exit 1, one line, nothing changed.
    monkeypatch.delenv("REDFLAG_PASSPHRASE", raising=False)
    for argv in (["runs"], ["report"], ["unprotect"], ["score", str(run_files(store.folder)[0])]):
        code, out, err = run_cli(capsys, "--dir", folder, *argv)
        assert code == 1 and out == "" and len(err.strip().splitlines()) == 1, argv
        assert "no passphrase given" in err and "Traceback" not in err
    monkeypatch.setenv("REDFLAG_PASSPHRASE", "wrong")
    code, out, err = run_cli(capsys, "--dir", folder, "runs")
    assert code == 1 and err.strip().endswith("wrong passphrase") and len(err.strip().splitlines()) == 1
    assert snapshot(store.folder) == before
    monkeypatch.setenv("REDFLAG_PASSPHRASE", PASS)
    code, out, err = run_cli(capsys, "--dir", folder, "runs", "--format", "json")
    listed = json.loads(out)
    assert code == 0 and sorted(r["checklist"] for r in listed) == sorted(r.checklist_id for r in runs)
    assert all(r["problem"] == "" for r in listed)
    code, out, err = run_cli(capsys, "--dir", folder, "report", "--format", "md")
    assert code == 1 and out == "" and "--plain" in err  # a report of protected answers only when asked for
    code, out, _ = run_cli(capsys, "--dir", folder, "report", "--format", "md", "--plain")
    assert code == 0 and all(checklists[r.checklist_id].title in out for r in runs)
    code, out, _ = run_cli(capsys, "--dir", folder, "score", str(run_files(store.folder)[0]), "--format", "json")
    assert code == 0 and json.loads(out)[0]["checklist"] in checklists
    monkeypatch.setenv("REDFLAG_NEW_PASSPHRASE", "second quiet harbour lantern")
    code, out, _ = run_cli(capsys, "--dir", folder, "passphrase")
    assert code == 0 and "re-encrypted" in out
    monkeypatch.setenv("REDFLAG_PASSPHRASE", "second quiet harbour lantern")
    code, out, _ = run_cli(capsys, "--dir", folder, "unprotect")
    assert code == 0 and "4 saved run(s) decrypted" in out and not store.protected


def test_cli_usage_errors_exit_2(capsys):
    for argv in (["protect", "--frobnicate"], ["passphrase", "--new-passphrase-file"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2


# ------------------------------------------------------------------ hostile sealed files


def _damage(data: bytes, how: str) -> bytes:
    if how == "truncated":
        return data[: len(data) // 2]
    if how == "flipped-bit":
        return data[:40] + bytes([data[40] ^ 0x01]) + data[41:]
    if how == "wrong-header":
        return b"XXXXXXXX" + data[8:]
    if how == "other-key-id":
        return data[:8] + bytes(8) + data[16:]
    raise ValueError(how)


@pytest.mark.parametrize("how, message", [
    ("truncated", "damaged or altered"), ("flipped-bit", "damaged or altered"),
    ("wrong-header", NOT_SEALED), ("other-key-id", "encrypted with a different passphrase"),
])
def test_a_damaged_sealed_file_is_a_clear_error_and_is_never_repaired(store, checklists, how, message):
    fill(store, checklists, 3)
    store.protect(PASS)
    victim = run_files(store.folder)[0]
    victim.write_bytes(_damage(victim.read_bytes(), how))
    before = snapshot(store.folder)
    table = store.table().set_index("file")
    assert message in table.loc[victim.name, "problem"] and victim.name in table.loc[victim.name, "problem"]
    assert len(store.runs()) == 2
    with pytest.raises(AnswersError, match=message):
        store.read(victim)
    converted = store.unprotect()
    assert converted.count == 2 and len(converted.left) == 1 and message in converted.left[0]
    assert (store.folder / victim.name).read_bytes() == before[victim.name]  # left as it was
    assert store.protected  # the key stays while a sealed file could not be read


@pytest.mark.parametrize("content", [b"", b"{", b'{"format": "redflag-key"}',
                                     b'{"format": "redflag-key", "kdf": "scrypt", "n": 1099511627776, '
                                     b'"r": 8, "p": 1, "salt": "AA==", "key_id": "AAAAAAAAAAA=", "check": "AA=="}',
                                     b'{"format": "redflag-key", "kdf": "scrypt", "n": 1024, "r": true, "p": 1}'])
def test_a_damaged_key_file_is_a_clear_error(store, checklists, content):
    fill(store, checklists, 1)
    store.protect(PASS)
    (store.folder / KEY_FILE).write_bytes(content)
    before = snapshot(store.folder)
    with pytest.raises(AnswersError, match=r"\.key\.json: (not a key file|damaged key file)"):
        AnswerStore(store.folder, checklists).unlock(PASS)
    assert snapshot(store.folder) == before


# ------------------------------------------------------------------ crash safety


def _protector(folder: str, checklists, passphrase: str) -> None:
    AnswerStore(folder, checklists).protect(passphrase)
    os._exit(0)


def _sealed(folder: Path) -> int:
    return sum(1 for p in folder.iterdir() if p.suffix == ".sealed")


def test_protect_killed_again_and_again_then_finished_keeps_every_run(store, checklists):
    runs = fill(store, checklists, 160)
    rng = random.Random(20261125)
    kills = 0
    for _ in itertools.count():
        target = _sealed(store.folder) + rng.randint(1, 12)
        child = FORK.Process(target=_protector, args=(str(store.folder), checklists, PASS))
        child.start()
        deadline = time.monotonic() + 30
        while child.is_alive() and _sealed(store.folder) < target and time.monotonic() < deadline:
            time.sleep(0.0005)
        if not child.is_alive():
            child.join()
            break  # it finished before the next kill
        os.kill(child.pid, signal.SIGKILL)
        child.join(5)
        kills += 1
        # Between kills every run is there, sealed or still plain, and none is lost; the plain
        # ones are listed as not encrypted (never believed) until protect is run again.
        between = AnswerStore(store.folder, checklists)
        between.unlock(PASS)
        plain = [p for p, got in between.saved() if isinstance(got, AnswersError)]
        assert all(NOT_SEALED in str(got) for _, got in between.saved() if isinstance(got, AnswersError))
        waiting = [run_from_bytes(p.read_bytes(), p.name, checklists, None) for p in plain]
        assert fingerprints(between.runs()) | fingerprints(waiting) == fingerprints(runs)
    assert kills >= 10, f"only {kills} kills landed: the loop proves little"
    store.protect(PASS)  # running it again finishes the job
    assert all(p.suffix == ".sealed" for p in run_files(store.folder))
    assert len(run_files(store.folder)) == len(runs)  # nothing sealed twice
    assert fingerprints(store.runs()) == fingerprints(runs)
    store.unprotect()
    assert fingerprints(AnswerStore(store.folder, checklists).runs()) == fingerprints(runs)
    print(f"protect: {kills} SIGKILLs over {len(runs)} runs, none lost")


def test_a_passphrase_change_killed_half_way_is_finished_by_running_it_again(store, checklists):
    runs = fill(store, checklists, 40)
    store.protect(PASS)

    def change(folder: str) -> None:
        s = AnswerStore(folder, checklists)
        s.unlock(PASS)
        s.change_passphrase("new")
        os._exit(0)

    first_name = {p.name for p in run_files(store.folder)}
    child = FORK.Process(target=change, args=(str(store.folder),))
    child.start()
    deadline = time.monotonic() + 30
    while child.is_alive() and len({p.name for p in run_files(store.folder)} - first_name) < 10 \
            and time.monotonic() < deadline:
        time.sleep(0.0005)
    if child.is_alive():
        os.kill(child.pid, signal.SIGKILL)
    child.join(5)
    again = AnswerStore(store.folder, checklists)
    again.unlock(PASS)  # the old passphrase still opens the folder until the change is done
    again.change_passphrase("new")
    fresh = AnswerStore(store.folder, checklists)
    fresh.unlock("new")
    assert fingerprints(fresh.runs()) == fingerprints(runs) and len(run_files(store.folder)) == len(runs)


# ------------------------------------------------------------------ the notebooks


def test_unlock_box_and_protect_my_answers_in_the_notebooks(tmp_path, checklists):
    from toolkit.ui import ChecklistForm, Summary

    ws = workspace_for(tmp_path / "answers", checklists)
    runs = fill(ws.store, checklists, 3)
    view = Summary(ws)
    view.protect_pass.value = PASS
    view.protect_again.value = PASS + " typo"
    view.protect_button.click()
    assert "differ" in view.protect_status.value and not ws.store.protected
    assert view.protect_pass.value == ""  # cleared even when refused
    view.protect_pass.value = view.protect_again.value = PASS
    view.protect_button.click()
    assert ws.store.protected and "cannot be recovered" in view.protect_status.value
    assert view.protect_pass.value == "" and view.protect_again.value == ""  # not kept on screen
    # A new kernel (a new workspace on the same folder) shows the Unlock box, not the answers.
    locked = workspace_for(tmp_path / "answers", checklists)
    form = ChecklistForm("trauma-bonding", locked)
    assert shown(form.unlock.passphrase, form.root) and shown(form.unlock.status, form.root)
    assert shown(form.choices["blame-yourself"], form.root) and shown(form.exit, form.root)  # answering needs no key
    form.unlock.passphrase.value = "wrong"
    form.unlock.button.click()
    assert "wrong passphrase" in form.unlock.status.value
    form.unlock.passphrase.value = PASS
    form.unlock.button.click()
    assert shown(form.choices["blame-yourself"], form.root) and not shown(form.unlock.passphrase, form.root)
    assert form.unlock.passphrase.value == ""
    assert len(form.resume_choice.options) == 1 + sum(r.checklist_id == "trauma-bonding" for r in runs)
    for choice in form.choices.values():
        choice.value = "never"
    path = form.save()
    assert path is not None and path.suffix == ".sealed"
