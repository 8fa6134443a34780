"""The command line, called in-process (`toolkit.cli.main(argv)`), plus one real
`python -m toolkit validate` in a subprocess."""

from __future__ import annotations

import errno
import io
import json
import math
import os
import re
import subprocess
import sys
from datetime import UTC

import pandas as pd
import pytest
from _helpers import REPO, expected_totals, run_cli

from toolkit import save_answers
from toolkit.cli import main
from toolkit.markup import answered_text
from toolkit.store import AnswerStore
from toolkit.workspace import ENV_DIR

CID = "toxic-relationship"


@pytest.fixture
def saved(tmp_path, checklists, make_answers):
    """Two saved runs: toxic-relationship mixed answers (one safety item raised), trauma-bonding calm."""
    c = checklists[CID]
    options = [o.id for o in c.vocabulary.scale if not o.situational]  # offered on every item
    responses = {i: options[n % len(options)] for n, i in enumerate(c.item_ids)}
    calm = checklists["trauma-bonding"]
    runs = [make_answers(c, responses), make_answers(calm, fill="never")]
    return [(save_answers(r, tmp_path / "answers"), r) for r in runs]


# ------------------------------------------------------------------ list and validate


def test_list_prints_every_checklist_with_its_item_count(capsys, checklists):
    code, out, err = run_cli(capsys, "list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == len(checklists)
    for c in checklists.values():
        assert any(re.match(rf"^{re.escape(c.id)}\s+{len(c.items)} items\b", ln) for ln in lines), c.id


def test_validate_shipped_and_a_good_folder(capsys, checklists, shipped_copy):
    n_items = sum(len(c.items) for c in checklists.values())
    for argv in (["validate"], ["validate", str(shipped_copy)]):
        code, out, err = run_cli(capsys, *argv)
        assert code == 0 and err == ""
        assert out.strip() == f"ok: {len(checklists)} checklists, {n_items} items"


def test_validate_bad_folder_reports_one_line_per_problem(capsys, shipped_copy):
    toxic = shipped_copy / "toxic-relationship.toml"
    text = toxic.read_text(encoding="utf-8")
    text = text.replace("severity = 3", "severity = 5", 1).replace('kind = "red-flags"', 'kind = "x"', 1)
    toxic.write_text(text, encoding="utf-8")
    trauma = shipped_copy / "trauma-bonding.toml"
    trauma.write_text("author = 'me'\n" + trauma.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = run_cli(capsys, "validate", str(shipped_copy))
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert len(lines) == 3
    assert sum(toxic.name in ln for ln in lines) == 2 and sum(trauma.name in ln for ln in lines) == 1
    assert any("severity must be 1, 2 or 3 (got 5)" in ln for ln in lines)
    assert any("unknown key 'author'" in ln for ln in lines)


def test_validate_missing_folder(capsys, tmp_path):
    code, out, err = run_cli(capsys, "validate", str(tmp_path / "nope"))
    assert code == 1 and "no such folder" in err and out == ""


def test_python_dash_m_toolkit_validate(checklists):
    n_items = sum(len(c.items) for c in checklists.values())
    done = subprocess.run([sys.executable, "-m", "toolkit", "validate"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"ok: {len(checklists)} checklists, {n_items} items"


# ------------------------------------------------------------------ score


def test_score_table(capsys, checklists, saved):
    code, out, err = run_cli(capsys, "score", *(str(p) for p, _ in saved))
    assert code == 0 and err == ""
    blocks = out.split("This is a reflection aid, not a diagnosis.")
    assert len(blocks) == len(saved) + 1
    for (path, answers), block in zip(saved, blocks):
        c = checklists[answers.checklist_id]
        want = expected_totals(c, answers.responses)
        assert f"{path}: {c.title}" in block
        counts = answered_text(c, want["answered"], sum(v == "unsure" for v in answers.responses.values()),
                               want["not_happened"])
        assert f"{counts}, {want['points']} of {want['max_points']} points" in block
        # A safety answer outranks the level: it is never printed beside it.
        level = ("see the safety line above" if want["safety"] else "not shown, see below"
                 if want["level_withheld"] else c.vocabulary.level_label(want["level"]))
        assert f"level: {level}" in block
        assert ("touches on your safety" in block) == want["safety"]
        for item_id in c.item_ids:
            assert item_id in block
    assert any(expected_totals(checklists[a.checklist_id], a.responses)["safety"] for _, a in saved)


def test_score_csv(capsys, checklists, saved):
    code, out, err = run_cli(capsys, "score", "--format", "csv", *(str(p) for p, _ in saved))
    assert code == 0 and err == ""
    table = pd.read_csv(io.StringIO(out))
    assert {"item", "answer", "severity", "points", "max_points", "safety", "checklist", "level",
            "file"} <= set(table.columns)
    assert len(table) == sum(len(checklists[a.checklist_id].items) for _, a in saved)
    vocab = checklists.vocabulary
    for (path, answers) in saved:
        c = checklists[answers.checklist_id]
        rows = table[table["file"] == str(path)].set_index("item")
        assert list(rows.index) == list(c.item_ids)
        assert (rows["checklist"] == c.id).all()
        assert (rows["level"] == expected_totals(c, answers.responses)["level"]).all()
        for item in c.items:
            weight = vocab.weight(answers.responses[item.id])
            got = rows.loc[item.id, "points"]
            assert math.isnan(got) if weight is None else got == item.severity * weight


def test_score_json(capsys, checklists, saved):
    code, out, err = run_cli(capsys, "score", "--format", "json", *(str(p) for p, _ in saved))
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert [entry["file"] for entry in doc] == [str(p) for p, _ in saved]
    for entry, (_, answers) in zip(doc, saved):
        c = checklists[answers.checklist_id]
        want = expected_totals(c, answers.responses)
        assert entry["checklist"] == c.id
        for key in ("answered", "unanswered", "points", "max_points", "level", "safety"):
            assert entry[key] == want[key], key
        assert entry["percent"] == pytest.approx(want["percent"], abs=0.05)
        assert entry["not_scored"] == []
        assert [it["id"] for it in entry["items"]] == list(c.item_ids)
        for it in entry["items"]:
            assert set(it) >= {"id", "answer", "points", "safety"}
            assert it["answer"] == answers.responses.get(it["id"])
            weight = c.vocabulary.weight(it["answer"])
            assert it["points"] == (None if weight is None else c.item(it["id"]).severity * weight)
            assert it["safety"] == (c.item(it["id"]).safety and weight is not None
                                    and weight >= c.vocabulary.weight(c.item(it["id"]).safety_from
                                                                      or c.vocabulary.safety_from))


def test_score_json_nothing_answered_gives_null_percent(capsys, tmp_path, checklists, make_answers):
    path = save_answers(make_answers(checklists[CID]), tmp_path)
    code, out, _ = run_cli(capsys, "score", "--format", "json", str(path))
    [entry] = json.loads(out)
    assert code == 0 and entry["percent"] is None and entry["level"] == "insufficient"


def test_score_invalid_file_exits_1_and_still_scores_the_rest(capsys, tmp_path, saved):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "redflag-answers", "format_version": 99}', encoding="utf-8")
    good = saved[0][0]
    code, out, err = run_cli(capsys, "score", "--format", "json", str(bad), str(good))
    assert code == 1
    assert "bad.json" in err and "newer version" in err
    assert [e["file"] for e in json.loads(out)] == [str(good)]


def test_not_scored_ids_are_shown(capsys, tmp_path, evolved, make_answers):
    old_run = make_answers(evolved.old, {i: "often" for i in evolved.old.item_ids})
    path = save_answers(old_run, tmp_path)
    newer = ("--checklists", str(evolved.folder))
    code, out, err = run_cli(capsys, *newer, "score", str(path))
    assert code == 0 and err == ""
    assert re.search(rf"not scored.*: {re.escape(evolved.old_id)}\b", out)
    code, out, err = run_cli(capsys, *newer, "score", "--format", "json", str(path))
    [entry] = json.loads(out)
    assert code == 0 and entry["not_scored"] == [evolved.old_id]
    assert evolved.old_id not in [it["id"] for it in entry["items"]]
    assert entry["answered"] == len(evolved.new.items) - 1


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["score"], ["score", "x.json", "--format", "xml"],
                                  ["list", "--verbose"], ["forget", "--yes", "--dir"]])
def test_usage_errors_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


# ------------------------------------------------------------------ forget


def test_forget_needs_yes(capsys, saved):
    folder = saved[0][0].parent
    before = sorted(p.name for p in folder.iterdir())
    code, out, err = run_cli(capsys, "forget", "--dir", str(folder))
    assert code == 2 and "--yes" in err and out == ""
    assert sorted(p.name for p in folder.iterdir()) == before and before


def test_forget_yes_deletes(capsys, saved):
    folder = saved[0][0].parent
    (folder / "keep.txt").write_text("mine", encoding="utf-8")
    code, out, err = run_cli(capsys, "forget", "--yes", "--dir", str(folder))
    assert code == 0 and err == ""
    assert f"deleted {len(saved)} saved runs" in out
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]


def test_forget_uses_the_environment_folder(capsys, monkeypatch, saved):
    folder = saved[0][0].parent
    monkeypatch.setenv(ENV_DIR, str(folder))
    code, out, _ = run_cli(capsys, "forget", "--yes")
    assert code == 0 and str(folder) in out and not folder.exists()


# ------------------------------------------------------------------ runs, resources, launching


def test_runs_lists_every_file_with_its_problem_in_each_format(capsys, tmp_path, saved):
    folder = saved[0][0].parent
    (folder / "broken.json").write_text("{", encoding="utf-8")
    code, out, err = run_cli(capsys, "runs", "--dir", str(folder), "--format", "json")
    assert code == 0 and err == ""
    rows = {r["file"]: r for r in json.loads(out)}
    assert set(rows) == {p.name for p, _ in saved} | {"broken.json"}
    for path, answers in saved:
        row = rows[path.name]
        assert (row["checklist"], row["version"], row["answered"], row["problem"]) == (
            answers.checklist_id, answers.checklist_version, len(answers.responses), "")
        assert row["saved_at"].startswith(answers.saved_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"))
    assert "not valid JSON" in rows["broken.json"]["problem"] and rows["broken.json"]["checklist"] is None
    code, out, _ = run_cli(capsys, "runs", "--dir", str(folder), "--format", "csv")
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == ["file", "checklist", "version", "saved_at", "answered", "problem"]
    assert len(table) == len(saved) + 1
    code, out, _ = run_cli(capsys, "--dir", str(folder), "runs")
    assert code == 0 and all(p.name in out for p, _ in saved) and "broken.json" in out
    code, out, _ = run_cli(capsys, "runs", "--dir", str(tmp_path / "nothing-here"))
    assert code == 0 and out.strip() == "no saved runs"


def test_the_safety_line_names_a_command_that_exists(capsys, checklists, saved):
    code, out, _ = run_cli(capsys, "score", str(saved[0][0]))
    line = next(ln for ln in out.splitlines() if "touches on your safety" in ln)
    command = re.search(r"redflag (\w+)", line).group(1)
    code, out, err = run_cli(capsys, command)
    assert code == 0 and err == ""
    from toolkit import default_workspace
    for r in default_workspace().resources.items:
        assert r.name in out


def test_checklists_option_uses_a_folder_of_your_own(capsys, tmp_path):
    from _helpers import write_checklist

    write_checklist(tmp_path / "mine", "my-own-list", [{"id": "one", "severity": 1}])
    code, out, err = run_cli(capsys, "--checklists", str(tmp_path / "mine"), "list")
    assert code == 0 and err == "" and out.split()[0] == "my-own-list" and len(out.splitlines()) == 1
    code, out, err = run_cli(capsys, "--checklists", str(tmp_path / "missing"), "list")
    assert code == 1 and "no such folder" in err and len(err.splitlines()) == 1


def test_the_app_listens_on_loopback_with_a_token_that_is_not_on_the_command_line(tmp_path):
    from toolkit.launch import app_command, app_url, lab_command

    app = app_command(tmp_path, port=9999)
    assert "--Voila.ip=127.0.0.1" in app and "--token" in app and "--port=9999" in app
    assert not any("token=" in a.lower() for a in app), "a token in argv is visible to every user"
    assert app_url("abc", 9999) == "http://127.0.0.1:9999/voila/render/00-start-here.ipynb?token=abc"
    lab = lab_command(tmp_path)
    assert "--ServerApp.ip=127.0.0.1" in lab and lab[-1].endswith("00-start-here.ipynb")
    assert not any("token=" in a.lower() for a in lab)  # Lab keeps its own generated token


# ------------------------------------------------------------------ the system refuses (issue 16, item 7)

PASS = "correct horse battery staple"
NEW_PASS = "a different long passphrase entirely"


def refuse(code: int, only: str = ""):
    """A stand-in for an os function that fails like the system would: errno `code`, naming the
    file it was given (only for paths containing `only`)."""
    def fail(real):
        def call(*args, **kwargs):
            path = os.fsdecode(args[0]) if args and isinstance(args[0], (str, bytes, os.PathLike)) else None
            if path is not None and only not in path:
                return real(*args, **kwargs)
            raise OSError(code, os.strerror(code), path)
        return call
    return fail


@pytest.fixture
def answers(tmp_path, checklists, make_answers, monkeypatch):
    """A plain answers folder with one run, and both passphrases in the environment."""
    monkeypatch.setenv("REDFLAG_PASSPHRASE", PASS)
    monkeypatch.setenv("REDFLAG_NEW_PASSPHRASE", NEW_PASS)
    folder = tmp_path / "answers"
    save_answers(make_answers(checklists["trauma-bonding"], fill="often"), folder)
    return folder


def _protected(folder, checklists):
    store = AnswerStore(folder, checklists)
    store.protect(PASS)
    return folder


# (command line with {tmp}, protected first?, os function, errno, only paths containing, named in the message)
OS_FAULTS = [
    pytest.param("export --out {tmp}/backup.json", False, "replace", errno.ENOSPC, "", "backup.json",
                 id="export-disk-full"),
    pytest.param("report --out {tmp}/report.html", False, "replace", errno.EACCES, "", "report.html",
                 id="report-denied"),
    pytest.param("import {tmp}/backup.json", False, "open", errno.EACCES, "backup.json", "backup.json",
                 id="import-denied"),
    pytest.param("score {tmp}/gone/run.json", False, "open", errno.ENOENT, "gone", "run.json", id="score-missing"),
    pytest.param("protect", False, "unlink", errno.EACCES, ".json", "trauma-bonding_", id="protect-denied"),
    pytest.param("protect", False, "link", errno.ENOSPC, "", "answers", id="protect-disk-full"),
    pytest.param("unprotect", True, "unlink", errno.EROFS, ".sealed", ".sealed", id="unprotect-read-only"),
    pytest.param("passphrase", True, "replace", errno.ENOSPC, "", "answers", id="passphrase-disk-full"),
    pytest.param("passphrase", True, "unlink", errno.EACCES, ".sealed", ".sealed", id="passphrase-denied"),
    pytest.param("passphrase", True, "replace", errno.ENOSPC, ".key.new.json", ".key.new.json",
                 id="passphrase-key-switch-disk-full"),
    pytest.param("forget --yes", False, "unlink", errno.EACCES, "", "trauma-bonding_", id="forget-denied"),
    pytest.param("notebooks {tmp}/nb", False, "mkdir", errno.EACCES, "nb", "nb", id="notebooks-denied"),
    pytest.param("notebooks {tmp}/nb", False, "open", errno.ENOSPC, "nb", "nb", id="notebooks-disk-full"),
    pytest.param("lab {tmp}/nb", False, "mkdir", errno.EACCES, "nb", "nb", id="lab-denied"),
    pytest.param("app {tmp}/nb", False, "mkdir", errno.EACCES, "nb", "nb", id="app-denied"),
    pytest.param("validate", False, "open", errno.EACCES, "toxic-relationship.toml", "toxic-relationship.toml",
                 id="validate-denied"),
    pytest.param("list", False, "open", errno.EIO, "_vocabulary.toml", "_vocabulary.toml", id="list-io-error"),
]


@pytest.mark.parametrize("command, protect, name, code, only, named", OS_FAULTS)
def test_an_os_error_is_one_clear_line_naming_the_file_never_a_traceback(
        capsys, tmp_path, checklists, answers, monkeypatch, command, protect, name, code, only, named):
    """Disk full, permission denied, a read-only disk or a missing folder, injected where each
    command touches the disk: exit 1 (as for every ToolkitError) and one line on stderr that names
    a file or folder and says what the system said."""
    import builtins

    from toolkit import launch
    monkeypatch.setattr(launch, "run_app", lambda folder, port: pytest.fail("the app started"))
    monkeypatch.setattr(launch, "run_lab", lambda folder: pytest.fail("JupyterLab started"))
    if protect:
        _protected(answers, checklists)
    if command.startswith("import"):
        assert main(["--dir", str(answers), "export", "--out", str(tmp_path / "backup.json")]) == 0
    capsys.readouterr()
    argv = ["--dir", str(answers), *command.format(tmp=tmp_path).split()]
    owner = builtins if name == "open" else os
    monkeypatch.setattr(owner, name, refuse(code, only)(getattr(owner, name)))
    if name == "open":  # pathlib and io open files through io.open and os.open too
        monkeypatch.setattr(io, "open", refuse(code, only)(io.open))
        monkeypatch.setattr(os, "open", refuse(code, only)(os.open))
    result = main(argv)
    monkeypatch.undo()
    out, err = capsys.readouterr()
    assert result == 1, (out, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) >= 1, err
    first = err.strip().splitlines()[0]
    assert os.strerror(code) in err, err
    assert named in first, f"{named} is not named in: {first}"


def test_an_os_error_without_a_file_name_names_the_file_the_command_works_on(capsys, tmp_path, monkeypatch):
    """Some system errors carry no file name: the line then names the command's own file."""
    from toolkit import cli

    def fail(args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setitem(cli.COMMANDS, "export", fail)
    out = tmp_path / "backup.json"
    code, _, err = run_cli(capsys, "export", "--out", str(out))
    assert code == 1
    assert err.strip() == f"{out}: the disk is full ({os.strerror(errno.ENOSPC)})"
