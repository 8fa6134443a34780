"""Issue 15, hardening: a FIFO or device named like a run, the settings or the key file never
hangs a read (regular files only), and names and errors reach the terminal and CSV without
escape sequences, bidi overrides or spreadsheet formulas."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _helpers import run_cli

from toolkit import AnswersError, SavedRun, load_answers, save_answers
from toolkit.answerfolder import KEY_FILE, SETTINGS_FILE, forget_all
from toolkit.cli import safe_cell, safe_text
from toolkit.store import AnswerStore

FORK = multiprocessing.get_context("fork")
RUN_NAME = "trauma-bonding_20260101-090000_0123abcd.json"
PASS = "correct horse battery staple"
TIMEOUT = 30


def _child(fn: Callable[[], Any], conn: Any) -> None:
    try:
        conn.send(("ok", repr(fn())))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which decides
        conn.send((type(exc).__name__, str(exc)))
    os._exit(0)


def in_time(fn: Callable[[], Any]) -> tuple[str, str]:
    """Run `fn` in a forked child; a hang (a read blocked on a FIFO) fails the test instead of
    hanging the suite. Returns (exception name or "ok", text)."""
    receive, send = FORK.Pipe(duplex=False)
    child = FORK.Process(target=_child, args=(fn, send))
    child.start()
    if not receive.poll(TIMEOUT):
        child.kill()
        child.join()
        pytest.fail(f"still blocked after {TIMEOUT} s")
    child.join(5)
    return receive.recv()


def cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`redflag ARGV` in a fresh process, killed (and the test failed) if it hangs."""
    try:
        return subprocess.run([sys.executable, "-m", "toolkit", *argv], capture_output=True, text=True,
                              timeout=TIMEOUT, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"redflag {' '.join(argv)} still blocked after {TIMEOUT} s")


@pytest.fixture
def folder(tmp_path, checklists) -> Path:
    """An answers folder with one real run, a FIFO named like a run, one named like the
    settings, and a link to a device named like a run."""
    answers = tmp_path / "answers"
    c = checklists["trauma-bonding"]
    save_answers(SavedRun(c.id, c.version, {c.item_ids[0]: "often"}, {},
                          saved_at=__import__("_helpers").FIXED_TIME), answers)
    os.mkfifo(answers / RUN_NAME)
    os.mkfifo(answers / SETTINGS_FILE)
    os.symlink("/dev/zero", answers / "trauma-bonding_20260101-090001_0123abce.json")
    return answers


def test_fifos_named_like_a_run_or_the_settings_never_block_a_read(folder, checklists):
    store = AnswerStore(folder, checklists)
    assert in_time(lambda: store.settings()) == ("ok", "{}")
    assert in_time(lambda: len(store.runs())) == ("ok", "1")
    for name in (RUN_NAME, SETTINGS_FILE, "trauma-bonding_20260101-090001_0123abce.json"):
        kind, text = in_time(lambda name=name: load_answers(folder / name, checklists))
        assert kind == "AnswersError" and "not a regular file" in text, (name, kind, text)
    kind, text = in_time(lambda: forget_all(folder))
    assert kind == "ok" and text == "3"  # the run and the two named like runs (unlinked, never read)
    assert not folder.exists() and Path("/dev/zero").exists()


def test_the_command_line_never_blocks_on_a_fifo(folder):
    for argv in (["runs"], ["resources"], ["score", str(folder / RUN_NAME)], ["forget", "--yes"]):
        done = cli("--dir", str(folder), *argv)
        assert "Traceback" not in done.stderr, (argv, done.stderr)
        if argv[0] == "score":
            assert done.returncode == 1 and "not a regular file" in done.stderr
        else:
            assert done.returncode == 0, (argv, done.stderr)


def test_a_fifo_as_the_key_file_is_a_clear_error(tmp_path, checklists):
    folder = tmp_path / "answers"
    folder.mkdir()
    os.mkfifo(folder / KEY_FILE)
    store = AnswerStore(folder, checklists)
    kind, text = in_time(lambda: store.unlock(PASS))
    assert kind == "AnswersError" and "not a regular file" in text
    done = cli("--dir", str(folder), "runs", env={"REDFLAG_PASSPHRASE": PASS})
    assert done.returncode == 1 and "not a regular file" in done.stderr and "Traceback" not in done.stderr


# ------------------------------------------------------------------ what reaches the terminal

HOSTILE = ["\x1b]0;pwned\x07\x1b[2J", "\x1b[31mred", "evil\u202egnp.json", "line\rover", "a\u2028b", "\x9b31m"]


@pytest.mark.parametrize("text", HOSTILE)
def test_safe_text_leaves_no_control_or_bidi_character(text):
    cleaned = safe_text(text)
    assert all(ch.isprintable() for ch in cleaned), repr(cleaned)
    assert safe_text("plain words, é, ✓") == "plain words, é, ✓"


@pytest.mark.parametrize("cell, expected", [("=1+2", "'=1+2"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"),
                                            ("@cmd", "'@cmd"), ("\tx", "\\x09x"), ("fine", "fine"), (3, 3)])
def test_a_csv_cell_that_a_spreadsheet_would_run_is_neutralised(cell, expected):
    assert safe_cell(cell) == expected


def test_runs_and_score_show_hostile_names_and_errors_without_escape_sequences(tmp_path, capsys):
    folder = tmp_path / "answers"
    folder.mkdir()
    names = ["\x1b]0;pwned\x07\x1b[2J.json", "=HYPERLINK(\"http-x\").json", "b\u202egnp.json"]
    for name in names:
        (folder / name).write_bytes(b"not json \x1b[2J")
    for fmt in ("table", "csv"):
        code, out, err = run_cli(capsys, "--dir", str(folder), "runs", "--format", fmt)
        assert code == 0 and "\x1b" not in out and "\u202e" not in out and "\x07" not in out, (fmt, out)
        assert "\\x1b" in out  # shown, not hidden: the person can see something is odd
    rows = list(csv.DictReader(io.StringIO(run_cli(capsys, "--dir", str(folder), "runs", "--format", "csv")[1])))
    assert {r["file"] for r in rows} >= {"'=HYPERLINK(\"http-x\").json"}
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())
    code, out, _ = run_cli(capsys, "--dir", str(folder), "runs", "--format", "json")
    assert {r["file"] for r in json.loads(out)} == set(names)  # JSON escapes them itself
    code, out, err = run_cli(capsys, "--dir", str(folder), "score", str(folder / names[0]))
    assert code == 1 and "\x1b" not in err and "\\x1b]0;pwned" in err


def test_an_error_text_with_control_characters_is_neutralised(tmp_path, capsys, monkeypatch):
    from toolkit import cli

    def boom(_args):
        raise AnswersError("x.json: bad\x1b[2J\nsecond line\x07")
    monkeypatch.setitem(cli.COMMANDS, "list", boom)
    code, out, err = run_cli(capsys, "list")
    assert code == 1 and err == "x.json: bad\\x1b[2J\nsecond line\\x07\n"
    with pytest.raises(AnswersError):
        boom(None)
