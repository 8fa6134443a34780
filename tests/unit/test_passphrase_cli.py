"""Issue 15, "passphrase where it belongs": the commands that need no answers never ask for the
passphrase, --passphrase-file works before or after the command, and a weak new passphrase is
refused with zxcvbn's reasons, on the command line and in the Summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from _helpers import run_cli, workspace_for

from toolkit import SavedRun, cli, crypto
from toolkit.store import AnswerStore

PASS = "correct horse battery staple"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


@pytest.fixture
def protected(tmp_path, checklists, monkeypatch) -> Path:
    """A protected folder with one run (and a country), no passphrase anywhere in reach."""
    monkeypatch.delenv("REDFLAG_PASSPHRASE", raising=False)
    store = AnswerStore(tmp_path / "answers", checklists)
    c = checklists["trauma-bonding"]
    store.save(SavedRun(c.id, c.version, {c.item_ids[0]: "often"}, {},
                        saved_at=datetime.now(UTC) - timedelta(days=1)))
    store.save_settings(country="GB")
    store.protect(PASS)
    return store.folder


@pytest.mark.parametrize("argv", [["list"], ["resources"], ["validate"], ["notebooks", "{tmp}/nb"],
                                  ["app", "{tmp}/nb"], ["lab", "{tmp}/nb"]])
def test_commands_that_need_no_answers_never_ask_for_the_passphrase(protected, tmp_path, capsys, monkeypatch, argv):
    from toolkit import launch

    def no(*_a, **_k):
        raise AssertionError("the passphrase was asked for")
    monkeypatch.setattr(cli, "read_passphrase", no)
    monkeypatch.setattr(launch, "run_app", lambda folder, port: 0)
    monkeypatch.setattr(launch, "run_lab", lambda folder: 0)
    argv = [a.format(tmp=tmp_path) for a in argv]
    code, out, err = run_cli(capsys, "--dir", str(protected), *argv)
    assert code == 0 and "passphrase" not in err, err
    if argv == ["resources"]:
        assert "Samaritans" in out or "988" in out


def test_the_passphrase_file_works_before_or_after_the_command(protected, tmp_path, capsys):
    secret = tmp_path / "pass.txt"
    secret.write_text(PASS + "\n", encoding="utf-8")
    for argv in (["--passphrase-file", str(secret), "runs"], ["runs", "--passphrase-file", str(secret)],
                 ["runs", "--dir", str(protected), "--passphrase-file", str(secret)]):
        code, out, err = run_cli(capsys, "--dir", str(protected), *argv)
        assert code == 0 and "trauma-bonding" in out, (argv, err)


@pytest.mark.parametrize("weak", ["x", "second", "password123", "aaaaaaaaaaaa"])
def test_a_weak_new_passphrase_is_refused_with_the_reason(tmp_path, checklists, capsys, monkeypatch, weak):
    folder = tmp_path / "answers"
    store = AnswerStore(folder, checklists)
    c = checklists["trauma-bonding"]
    store.save(SavedRun(c.id, c.version, {c.item_ids[0]: "often"}, {},
                        saved_at=datetime.now(UTC) - timedelta(days=1)))
    before = snapshot(folder)
    secret = tmp_path / "weak.txt"
    secret.write_text(weak, encoding="utf-8")
    code, out, err = run_cli(capsys, "--dir", str(folder), "--passphrase-file", str(secret), "protect")
    assert code == 1 and "too easy to guess" in err and "Nothing was changed" in err
    assert snapshot(folder) == before and not store.protected
    assert crypto.passphrase_problem(weak) is not None
    # The passphrase change refuses it too.
    strong = tmp_path / "strong.txt"
    strong.write_text(PASS, encoding="utf-8")
    assert run_cli(capsys, "--dir", str(folder), "--passphrase-file", str(strong), "protect")[0] == 0
    before = snapshot(folder)
    monkeypatch.setenv("REDFLAG_NEW_PASSPHRASE", weak)
    code, out, err = run_cli(capsys, "--dir", str(folder), "--passphrase-file", str(strong), "passphrase")
    assert code == 1 and "too easy to guess" in err and snapshot(folder) == before


def test_the_summary_refuses_a_weak_passphrase(tmp_path, checklists):
    from toolkit.ui import Summary

    ws = workspace_for(tmp_path / "answers", checklists)
    view = Summary(ws)
    view.protect_pass.value = view.protect_again.value = "password123"
    view.protect_button.click()
    assert "too easy to guess" in view.protect_status.value and "common password" in view.protect_status.value
    assert not ws.store.protected and view.protect_pass.value == ""
    view.protect_pass.value = view.protect_again.value = PASS
    view.protect_button.click()
    assert ws.store.protected


def test_the_threshold_is_zxcvbns_offline_slow_hash_score():
    assert crypto.MIN_STRENGTH == 3
    assert crypto.passphrase_problem(PASS) is None and crypto.passphrase_problem("my dog rex 1990") is None
