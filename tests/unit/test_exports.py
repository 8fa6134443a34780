"""Issue 15, "exports stay protected": a download from a protected folder is sealed with the same
passphrase and opens with it in any folder (Binder: a new session, an empty folder); plain
downloads and reports of protected answers only by an explicit choice; neutral names."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from _helpers import run_cli, workspace_for

from toolkit import AnswersError, PassphraseError, SavedRun, crypto
from toolkit.answerfolder import run_files
from toolkit.bundles import SEALED_BUNDLE_FORMAT
from toolkit.store import AnswerStore

PASS = "correct horse battery staple"
NOTE = "we argued about my sister on friday"
GIVEAWAY = re.compile(r"relationship|abuse|red.?flag|checklist|answers|report", re.IGNORECASE)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def some_runs(checklists) -> list[SavedRun]:
    now = datetime.now(UTC)
    return [SavedRun(c.id, c.version, {c.item_ids[0]: "often"}, {c.item_ids[0]: NOTE},
                     saved_at=now - timedelta(days=k + 1))
            for k, c in enumerate(list(checklists.values())[:3])]


@pytest.fixture
def protected_ws(tmp_path, checklists):
    ws = workspace_for(tmp_path / "home", checklists)
    for run in some_runs(checklists):
        ws.store.save(run)
    ws.store.protect(PASS)
    return ws


def download_name(link_html: str) -> str:
    return re.search(r'download="([^"]+)"', link_html).group(1)


def test_a_sealed_download_round_trip_into_a_fresh_folder(protected_ws, tmp_path, checklists):
    from toolkit.ui import Summary

    view = Summary(protected_ws)
    data = view.prepare_download()
    name = download_name(view.download_link.value)
    assert not GIVEAWAY.search(name) and name.endswith(".sealed")
    doc = json.loads(data)
    assert doc["format"] == SEALED_BUNDLE_FORMAT and NOTE.encode() not in data
    assert not any(c.encode() in data for c in checklists)
    assert ".sealed" in view.upload.accept

    fresh = workspace_for(tmp_path / "binder-session", checklists)  # a new session, an empty folder
    there = Summary(fresh)
    there.import_file(name, data)
    assert "type it to open the file" in there.data_status.value and there.upload_box.layout.display == "flex"
    assert not fresh.answers_dir.exists()  # nothing written without the passphrase
    there.upload_pass.value = "not the passphrase"
    there.upload_open.click()
    assert "wrong passphrase" in there.data_status.value and not fresh.answers_dir.exists()
    there.upload_pass.value = PASS
    there.upload_open.click()
    assert "Imported 3 saved run(s)" in there.data_status.value, there.data_status.value
    assert there.upload_pass.value == "" and there.upload_box.layout.display == "none"
    # Never written plain: the empty folder took the download's key (the same passphrase).
    assert fresh.store.protected and all(p.suffix == ".sealed" for p in run_files(fresh.answers_dir))
    again = AnswerStore(fresh.answers_dir, checklists)
    again.unlock(PASS)
    assert sorted(map(repr, again.runs())) == sorted(map(repr, protected_ws.store.runs()))


def test_a_sealed_upload_into_a_folder_with_plain_runs_protects_them_too(protected_ws, tmp_path, checklists):
    data = protected_ws.store.export_bundle()
    other = AnswerStore(tmp_path / "other", checklists)
    c = checklists["trauma-bonding"]
    other.save(SavedRun(c.id, c.version, {c.item_ids[0]: "never"}, {},
                        saved_at=datetime.now(UTC) - timedelta(days=30)))
    with pytest.raises(PassphraseError, match="protected with a passphrase"):
        other.import_bundle(data, "backup.sealed")
    report = other.import_bundle(data, "backup.sealed", passphrase=PASS)
    assert len(report.imported) == 3 and other.protected
    assert all(p.suffix == ".sealed" for p in run_files(other.folder)) and len(other.runs()) == 4


def test_a_damaged_sealed_download_is_a_clear_error(protected_ws, tmp_path, checklists):
    doc = json.loads(protected_ws.store.export_bundle())
    doc["sealed"] = doc["sealed"][:40] + ("A" if doc["sealed"][40] != "A" else "B") + doc["sealed"][41:]
    other = AnswerStore(tmp_path / "other", checklists)
    with pytest.raises(AnswersError, match="damaged or altered"):
        other.import_bundle(json.dumps(doc).encode(), "backup.sealed", passphrase=PASS)
    assert not other.folder.exists()


def test_a_plain_download_of_protected_answers_only_when_ticked_with_a_warning(protected_ws, checklists):
    from toolkit.ui import Summary

    view = Summary(protected_ws)
    assert crypto.is_sealed(__import__("base64").b64decode(json.loads(view.prepare_download())["sealed"]))
    view.download_plain.value = True
    data = view.prepare_download()
    assert json.loads(data)["format"] == "redflag-bundle" and NOTE.encode() in data
    assert "anyone who finds it can read" in view.download_link.value
    assert download_name(view.download_link.value).endswith(".json")
    assert not GIVEAWAY.search(download_name(view.download_link.value))


def test_a_report_of_protected_answers_only_when_asked_for(protected_ws, tmp_path, capsys, monkeypatch, checklists):
    from toolkit.ui import Summary

    view = Summary(protected_ws)
    assert view.prepare_report() == "" and "anyone who finds it can read it" in view.report_link.value
    assert "download=" not in view.report_link.value
    view.report_plain.value = True
    page = view.prepare_report()
    assert "<html" in page.lower()
    assert not GIVEAWAY.search(download_name(view.report_link.value))
    monkeypatch.setenv("REDFLAG_PASSPHRASE", PASS)
    out_file = tmp_path / "out.html"
    code, out, err = run_cli(capsys, "--dir", str(protected_ws.answers_dir), "report", "--out", str(out_file))
    assert code == 1 and "--plain" in err and not out_file.exists()
    code, out, err = run_cli(capsys, "--dir", str(protected_ws.answers_dir), "report", "--out", str(out_file),
                             "--plain")
    assert code == 0 and out_file.exists()


def test_cli_export_and_import_round_trip(protected_ws, tmp_path, capsys, monkeypatch, checklists):
    monkeypatch.setenv("REDFLAG_PASSPHRASE", PASS)
    out_file = tmp_path / "backup.sealed"
    code, out, err = run_cli(capsys, "--dir", str(protected_ws.answers_dir), "export", "--out", str(out_file))
    assert code == 0 and "encrypted" in out and NOTE.encode() not in out_file.read_bytes(), err
    assert out_file.stat().st_mode & 0o777 == 0o600
    new_dir = tmp_path / "new"
    code, out, err = run_cli(capsys, "--dir", str(new_dir), "import", str(out_file))
    assert code == 0 and "imported 3" in out, err
    assert AnswerStore(new_dir, checklists).protected
    monkeypatch.delenv("REDFLAG_PASSPHRASE")
    before = snapshot(tmp_path / "third")
    code, out, err = run_cli(capsys, "--dir", str(tmp_path / "third"), "import", str(out_file))
    assert code == 1 and "no passphrase given" in err and snapshot(tmp_path / "third") == before
    monkeypatch.setenv("REDFLAG_PASSPHRASE", PASS)
    plain = tmp_path / "plain.json"
    code, out, err = run_cli(capsys, "--dir", str(protected_ws.answers_dir), "export", "--out", str(plain), "--plain")
    assert code == 0 and "not encrypted" in out and NOTE.encode() in plain.read_bytes()
