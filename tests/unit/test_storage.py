"""Saved answers on disk: reading rejects bad files without touching them, saving is atomic and
never overwrites, bundles round-trip safely, forgetting removes only runs."""

from __future__ import annotations

import errno
import json
import os
import stat
from datetime import UTC, datetime

import pytest
from _helpers import FIXED_TIME

from toolkit import (
    AnswersError,
    answerfile,
    export_bundle,
    files,
    forget_all,
    import_bundle,
    list_saved,
    load_answers,
    load_runs,
    save_answers,
)
from toolkit.answerfile import FORMAT, FORMAT_VERSION, RUN_NAME
from toolkit.checklist import SavedRun
from toolkit.files import TEMP_PREFIX
from toolkit.scoring import score_runs
from toolkit.workspace import ENV_DIR, Workspace, default_workspace

CID = "toxic-relationship"


@pytest.fixture
def run(checklists, make_answers):
    """A typical run: every item answered, a note on the first."""
    c = checklists[CID]
    options = [o.id for o in c.vocabulary.scale if not o.situational]  # offered on every item
    responses = {i: options[n % len(options)] for n, i in enumerate(c.item_ids)}
    return make_answers(c, responses, notes={c.item_ids[0]: "We talked on Sunday. \u2764"})


def good_doc(checklists, **changes):
    c = checklists[CID]
    doc = {"format": FORMAT, "format_version": FORMAT_VERSION, "checklist": CID,
           "checklist_version": c.version, "saved_at": FIXED_TIME.isoformat(),
           "responses": {c.item_ids[0]: "often", c.item_ids[1]: "never"},
           "notes": {c.item_ids[0]: "hello"}}
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not ...}


def files_in(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ------------------------------------------------------------------ reading bad files

FIRST = "arguments-to-wound"

BAD_FILES = [
    pytest.param(b"these are my answers", "not valid JSON", id="not-json"),
    pytest.param(lambda d: json.dumps(d).encode()[:60], "may be truncated", id="truncated"),
    pytest.param(b"", "not valid JSON", id="empty"),
    pytest.param(b"[1, 2, 3]", "expected a JSON object, got list", id="not-an-object"),
    pytest.param(b'"just text"', "expected a JSON object, got str", id="a-string"),
    pytest.param({"format": "something-else"}, "not a saved-answers file", id="wrong-format"),
    pytest.param({"format": ...}, "not a saved-answers file", id="no-format"),
    pytest.param({"format_version": FORMAT_VERSION + 1}, "saved by a newer version", id="newer-version"),
    pytest.param({"format_version": "1"}, "format_version must be a whole number", id="version-text"),
    pytest.param({"format_version": True}, "format_version must be a whole number", id="version-bool"),
    pytest.param({"checklist": "horoscope"}, "unknown checklist 'horoscope'", id="unknown-checklist"),
    pytest.param({"checklist": 7}, "'checklist' must be text", id="checklist-number"),
    pytest.param({"responses": {FIRST: "often", "made-up-item": "never"}},
                 "unknown item id 'made-up-item'", id="unknown-item"),
    pytest.param({"notes": {"made-up-item": "hi"}}, "unknown item id 'made-up-item'", id="unknown-note"),
    pytest.param({"responses": {FIRST: "maybe"}}, f"item '{FIRST}': 'maybe' is not on the answer scale",
                 id="bad-scale-label"),
    pytest.param({"responses": {FIRST: 3}}, f"'responses' entry '{FIRST}' must be text, not int",
                 id="answer-number"),
    pytest.param({"responses": [FIRST]}, "'responses' must be an object", id="responses-list"),
    pytest.param({"responses": ...}, "'responses' must be an object", id="no-responses"),
    pytest.param({"notes": "hello"}, "'notes' must be an object", id="notes-text"),
    pytest.param({"notes": {FIRST: "x" * (answerfile.MAX_NOTE_CHARS + 1)}}, "is too long", id="huge-note"),
    pytest.param({"checklist_version": "1"}, "'checklist_version' must be a whole number", id="cver-text"),
    pytest.param({"checklist_version": 0}, "'checklist_version' must be a whole number", id="cver-0"),
    pytest.param({"saved_at": "2025-03-14T15:09:26"}, "'saved_at' must be an ISO 8601 time with a UTC offset",
                 id="no-offset"),
    pytest.param({"saved_at": "last tuesday"}, "'saved_at' must be an ISO 8601", id="saved-at-text"),
    pytest.param({"saved_at": 1700000000}, "'saved_at' must be an ISO 8601", id="saved-at-number"),
    pytest.param({"notes": {FIRST: "\ud83d"}}, "not valid Unicode text", id="lone-surrogate"),
    pytest.param(lambda d: json.dumps(d, ensure_ascii=False).replace("hello", "h\u00e9llo").encode("latin-1"),
                 "not UTF-8 text", id="latin-1"),
]


@pytest.mark.parametrize("content,reason", BAD_FILES)
def test_bad_answers_file_is_rejected_and_left_untouched(tmp_path, checklists, content, reason):
    if isinstance(content, dict):
        data = json.dumps(good_doc(checklists, **content)).encode()
    elif callable(content):
        data = content(good_doc(checklists))
    else:
        data = content
    path = tmp_path / "toxic-relationship_20250314-150926_0123abcd.json"
    path.write_bytes(data)
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = path.stat()
    with pytest.raises(AnswersError) as info:
        load_answers(path, checklists)
    message = str(info.value)
    assert message.startswith(str(path) + ": ") or message.startswith(path.name + ": ")
    assert reason in message
    assert path.read_bytes() == data
    after = path.stat()
    assert (after.st_mtime_ns, after.st_size, after.st_mode) == (before.st_mtime_ns, before.st_size,
                                                                  before.st_mode)
    assert files_in(tmp_path) == [path.name]


def test_the_good_document_itself_loads(tmp_path, checklists):
    path = tmp_path / "run.json"
    path.write_text(json.dumps(good_doc(checklists)), encoding="utf-8")
    got = load_answers(path, checklists)
    assert got.checklist_id == CID and got.saved_at == FIXED_TIME
    assert got.responses == good_doc(checklists)["responses"]


def test_missing_file_is_an_answers_error(tmp_path, checklists):
    with pytest.raises(AnswersError, match="cannot read file"):
        load_answers(tmp_path / "gone.json", checklists)


def test_older_version_with_a_removed_item_loads_and_scores(tmp_path, evolved, make_answers):
    responses = {i: "often" for i in evolved.old.item_ids}
    old_run = make_answers(evolved.old, responses, notes={evolved.old_id: "about the old item"})
    path = save_answers(old_run, tmp_path)
    got = load_answers(path, evolved.checklists)
    assert got.responses == responses and got.checklist_version == evolved.old.version
    table, _ = score_runs([got], evolved.checklists)
    assert table.loc[0, "not_scored"] == (evolved.old_id,)
    assert table.loc[0, "answered"] == len(evolved.new.items) - 1
    # the same unknown id against the *same* version is damage, not history
    same = make_answers(evolved.new, responses)
    with pytest.raises(AnswersError, match=f"unknown item id '{evolved.old_id}'"):
        load_answers(save_answers(same, tmp_path / "other"), evolved.checklists)


def test_one_bad_file_does_not_hide_the_others(tmp_path, checklists, run, make_answers):
    good = [save_answers(run, tmp_path),
            save_answers(make_answers(checklists["trauma-bonding"], fill="rarely"), tmp_path)]
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "redflag-answers", "format_version": 1, "checkl', encoding="utf-8")
    table = list_saved(tmp_path, checklists)
    assert sorted(table["file"]) == sorted([p.name for p in good] + [bad.name])
    by_file = table.set_index("file")
    assert "not valid JSON" in by_file.loc[bad.name, "problem"]
    assert bad.name in by_file.loc[bad.name, "problem"]
    assert (by_file.loc[[p.name for p in good], "problem"] == "").all()
    assert table.iloc[-1]["file"] == bad.name  # unreadable runs sort last
    assert len(load_runs(tmp_path, checklists)) == 2


# ------------------------------------------------------------------ saving


def test_saved_document_has_every_field(tmp_path, checklists, run):
    path = save_answers(run, tmp_path)
    assert RUN_NAME.match(path.name) and path.name.startswith(CID + "_")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "redflag-answers" and doc["format_version"] == 1
    assert doc["checklist"] == CID and doc["checklist_version"] == checklists[CID].version
    saved_at = datetime.fromisoformat(doc["saved_at"])
    assert saved_at.utcoffset() is not None and saved_at == run.saved_at
    assert doc["responses"] == dict(run.responses)
    assert doc["notes"] == dict(run.notes)
    assert load_answers(path, checklists) == run


def test_save_without_a_time_stamps_now_with_offset(tmp_path, checklists, make_answers):
    before = datetime.now().astimezone()
    path = save_answers(make_answers(checklists[CID], fill="never", saved_at=None), tmp_path)
    saved_at = datetime.fromisoformat(json.loads(path.read_bytes())["saved_at"])
    assert saved_at.tzinfo is not None
    assert before.replace(microsecond=0) <= saved_at <= datetime.now().astimezone()


def test_naive_saved_at_is_refused(tmp_path, checklists, make_answers):
    with pytest.raises(AnswersError, match="timezone-aware"):
        save_answers(make_answers(checklists[CID], saved_at=datetime(2025, 1, 1)), tmp_path)
    assert files_in(tmp_path) == []


def test_file_is_private_and_new_folder_too(tmp_path, run):
    folder = tmp_path / "new" / "answers"
    path = save_answers(run, folder)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_env_var_and_argument_choose_the_folder(tmp_path, monkeypatch, run):
    env_dir, arg_dir = tmp_path / "from-env", tmp_path / "from-arg"
    monkeypatch.setenv(ENV_DIR, str(env_dir))
    assert Workspace.open().store.save(run).parent == env_dir
    assert Workspace.open(answers_dir=arg_dir).store.save(run).parent == arg_dir
    assert len(files_in(env_dir)) == len(files_in(arg_dir)) == 1
    assert len(default_workspace().store.runs()) == 1  # reading follows the variable too


def test_identical_saves_make_two_files(tmp_path, run):
    first, second = save_answers(run, tmp_path), save_answers(run, tmp_path)
    assert first != second
    assert first.read_bytes() == second.read_bytes()
    assert files_in(tmp_path) == sorted([first.name, second.name])


def test_a_taken_name_is_never_overwritten(tmp_path, monkeypatch, run):
    first = save_answers(run, tmp_path)
    original = first.read_bytes()
    taken_token = first.stem.rsplit("_", 1)[1]
    tokens = iter([taken_token, "abcdef01"])
    monkeypatch.setattr(answerfile.secrets, "token_hex", lambda n: next(tokens))
    second = save_answers(run, tmp_path)  # same checklist and time: the first name is taken
    assert second.name == first.name.replace(taken_token, "abcdef01")
    assert first.read_bytes() == original
    assert files_in(tmp_path) == sorted([first.name, second.name])


def test_without_hard_links_the_save_still_works(tmp_path, monkeypatch, run, checklists):
    def no_links(*args, **kwargs):
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "link", no_links)
    path = save_answers(run, tmp_path)
    assert files_in(tmp_path) == [path.name]
    assert load_answers(path, checklists) == run


def test_unencodable_note_is_an_answers_error(tmp_path, checklists, make_answers):
    c = checklists[CID]
    with pytest.raises(AnswersError, match="not valid Unicode"):
        save_answers(make_answers(c, fill="never", notes={c.item_ids[0]: "broken \ud800"}), tmp_path)
    assert files_in(tmp_path) == []


def test_temp_files_are_never_runs(tmp_path, checklists, run):
    saved = save_answers(run, tmp_path)
    for name in (TEMP_PREFIX + "abc123.part", TEMP_PREFIX + "abc123.json", ".hidden.json"):
        (tmp_path / name).write_bytes(saved.read_bytes())
    assert list(list_saved(tmp_path, checklists)["file"]) == [saved.name]
    assert load_runs(tmp_path, checklists) == [run]


def test_abandoned_temp_files_are_cleaned_up_fresh_ones_kept(tmp_path, run):
    stale, fresh = tmp_path / (TEMP_PREFIX + "old.part"), tmp_path / (TEMP_PREFIX + "new.part")
    tmp_path.mkdir(exist_ok=True)
    stale.write_bytes(b"{")
    fresh.write_bytes(b"{")
    old = stale.stat().st_mtime - files.STALE_TEMP_SECONDS - 60
    os.utime(stale, (old, old))
    save_answers(run, tmp_path)
    assert not stale.exists() and fresh.exists()


# ------------------------------------------------------------------ bundles


@pytest.fixture
def three_runs(tmp_path, checklists, make_answers):
    folder = tmp_path / "source"
    runs = [make_answers(c, fill=opt, notes={c.item_ids[0]: f"note for {c.id}"})
            for c, opt in zip([checklists[k] for k in ("avoid-partners-where", CID, "trauma-bonding")],
                              ("rarely", "often", "unsure"))]
    paths = [save_answers(r, folder) for r in runs]
    return folder, runs, paths


def test_bundle_round_trip_into_an_empty_folder(tmp_path, checklists, three_runs):
    folder, runs, paths = three_runs
    bundle = export_bundle(folder, checklists)
    dest = tmp_path / "restored"
    report = import_bundle(bundle, dest, checklists)
    assert report.rejected == [] and report.already_present == []
    assert sorted(p.name for p in report.imported) == sorted(p.name for p in paths)
    assert files_in(dest) == sorted(p.name for p in paths)
    for p in paths:
        assert (dest / p.name).read_bytes() == p.read_bytes()
    key = lambda a: a.checklist_id  # noqa: E731
    assert sorted(load_runs(dest, checklists), key=key) == sorted(runs, key=key)


def test_reimport_writes_nothing(tmp_path, checklists, three_runs):
    folder, runs, paths = three_runs
    bundle = export_bundle(folder, checklists)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    report = import_bundle(bundle, folder, checklists)
    assert report.imported == [] and report.rejected == []
    assert sorted(report.already_present) == sorted(p.name for p in paths)
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()} == before


def test_a_single_answers_file_can_be_imported(tmp_path, checklists, run):
    path = save_answers(run, tmp_path / "a")
    report = import_bundle(path.read_bytes(), tmp_path / "b", checklists)
    assert len(report.imported) == 1 and load_runs(tmp_path / "b", checklists) == [run]


def test_bundle_with_one_bad_run_imports_the_rest(tmp_path, checklists, three_runs):
    folder, runs, paths = three_runs
    doc = json.loads(export_bundle(folder, checklists))
    victim = doc["runs"][1]
    first_item = next(iter(victim["answers"]["responses"]))
    victim["answers"]["responses"][first_item] = "maybe"
    dest = tmp_path / "dest"
    report = import_bundle(json.dumps(doc).encode(), dest, checklists, name="backup.json")
    assert len(report.imported) == 2
    [(label, reason)] = report.rejected
    assert label == "backup.json: run 2"
    assert "'maybe' is not on the answer scale" in reason
    assert victim["file"] not in files_in(dest)
    assert len(files_in(dest)) == 2


@pytest.mark.parametrize("name", ["../x.json", "/etc/x.json", "a/b.json", "..", ".hidden.json",
                                  "x.json", "toxic-relationship_20250314-150926_0123abcd.json/../../y.json",
                                  "toxic-relationship_20250314-150926_0123abcd.json\n", 5])
def test_unsafe_entry_names_are_rejected(tmp_path, checklists, run, name):
    path = save_answers(run, tmp_path / "src")
    doc = {"format": "redflag-bundle", "format_version": 1, "exported_at": FIXED_TIME.isoformat(),
           "runs": [{"file": name, "answers": json.loads(path.read_bytes())}]}
    dest = tmp_path / "box" / "answers"
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    report = import_bundle(json.dumps(doc).encode(), dest, checklists)
    assert report.imported == []
    [(label, reason)] = report.rejected
    assert "unsafe or unexpected file name" in reason
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before
    if isinstance(name, str) and os.path.isabs(name):
        assert not os.path.exists(name)


@pytest.mark.parametrize("data,reason", [
    (b"\x89PNG", "not UTF-8 text"),
    (b"{}", "not an answers bundle or a saved-answers file"),
    (b'{"format": "redflag-bundle", "format_version": 9, "runs": []}', "unsupported bundle format_version"),
    (b'{"format": "redflag-bundle", "format_version": 1, "runs": {}}', "'runs' must be a list"),
])
def test_unusable_bundles_are_refused_whole(tmp_path, checklists, data, reason):
    with pytest.raises(AnswersError, match=reason):
        import_bundle(data, tmp_path / "dest", checklists, name="upload.json")
    assert not (tmp_path / "dest").exists()


# ------------------------------------------------------------------ forgetting


def test_forget_all_removes_runs_and_leaves_other_files(tmp_path, checklists, three_runs, run):
    folder, runs, paths = three_runs
    copied = folder / "my-copy.json"  # a run saved under another name is still a run
    copied.write_bytes(paths[0].read_bytes())
    broken = folder / "toxic-relationship_20250101-000000_deadbeef.json"  # a damaged run
    broken.write_bytes(b"{")
    (folder / (TEMP_PREFIX + "x.part")).write_bytes(b"half")
    keep = {"readme.txt": b"mine", "settings.json": b'{"theme": "dark"}', "list.json": b"[1]"}
    for name, data in keep.items():
        (folder / name).write_bytes(data)
    assert forget_all(folder) == len(paths) + 2
    assert files_in(folder) == sorted(keep)
    assert all((folder / n).read_bytes() == d for n, d in keep.items())


def test_forget_all_removes_the_emptied_folder(tmp_path, run):
    folder = tmp_path / "answers"
    save_answers(run, folder)
    save_answers(run, folder)
    assert forget_all(folder) == 2
    assert not folder.exists()
    assert forget_all(folder) == 0


@pytest.mark.parametrize("year", [1969, 2201])
def test_implausible_dates_are_refused_when_saving_as_when_loading(tmp_path, year):
    from datetime import datetime

    from toolkit import AnswersError, save_answers

    when = datetime(year, 6, 1, tzinfo=UTC)
    with pytest.raises(AnswersError, match="not a plausible date"):
        save_answers(SavedRun("trauma-bonding", 1, {"my-fault": "never"}, saved_at=when), tmp_path)
    assert not any(tmp_path.iterdir())
