"""Issue 15, "Locked means locked": in a protected folder only sealed runs count, runs dated in
the future are refused everywhere, and every public function goes through the answer store."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from _helpers import run_cli, workspace_for

from toolkit import SavedRun
from toolkit.report import report_md
from toolkit.storage import FORMAT, NOT_SEALED, AnswerStore, answers_to_dict

PASS = "correct horse battery staple"
CID = "trauma-bonding"
NOW = datetime.now(timezone.utc)


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
               for when, stamp in ((datetime(2199, 6, 1, tzinfo=timezone.utc), "21990601-000000"),
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


def test_a_run_dated_in_the_future_is_refused_in_a_plain_folder_too(tmp_path, checklists):
    folder = tmp_path / "answers"
    store = AnswerStore(folder, checklists)
    real = all_answered(checklists, "always", NOW - timedelta(days=1))
    store.save(real)
    future = all_answered(checklists, "never", datetime.now(timezone.utc) + timedelta(minutes=11))
    path = plant(folder, future, f"{CID}_21990601-000000_0123abcd.json")
    assert store.runs() == [real]
    assert "is in the future" in store.table().set_index("file").loc[path.name, "problem"]
    bundle = json.dumps({"format": "redflag-bundle", "format_version": 1,
                         "runs": [{"file": None, "answers": answers_to_dict(future)}]}).encode()
    report = store.import_bundle(bundle, "upload.json")
    assert report.imported == [] and "is in the future" in report.rejected[0][1]
    assert json.loads(path.read_text())["format"] == FORMAT  # left as it was
