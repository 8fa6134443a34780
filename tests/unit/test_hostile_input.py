"""Hostile input (Hypothesis fuzzing): whatever bytes end up in a saved-answers file, an uploaded
bundle or a checklist folder, the toolkit answers with a result or a ToolkitError (with a reason
a person can act on), never another exception; reading never changes a file, and an upload never
writes outside the answers folder nor changes a file already in it.

Each target counts the examples it tried; the counts are printed when the module finishes
(visible with -q; run with -s to see them interleaved with the dots).

Only the three core checklists are used (a private copy), so a half-written checklist in
checklists/ cannot break these tests.
"""

from __future__ import annotations

import collections
import json
import os
import re
import shutil
import tempfile
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from _helpers import report_at_end, workspace_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit import AnswersError, ChecklistError, ToolkitError
from toolkit.answerfile import FORMAT, MAX_CLOCK_SKEW, MAX_FILE_BYTES, MAX_NOTE_CHARS, RUN_NAME
from toolkit.bundles import BUNDLE_FORMAT, MAX_BUNDLE_BYTES
from toolkit.checklist import Answers, Checklist, SavedRun, load_checklists, parse_checklist
from toolkit.files import TEMP_PREFIX
from toolkit.report import report_html, report_md
from toolkit.resources import load_resources
from toolkit.store import export_bundle, import_bundle, list_saved, load_answers, save_answers

CORE_FILES = ("_vocabulary.toml", "_resources.toml", "avoid-partners-where.toml",
              "toxic-relationship.toml", "trauma-bonding.toml")
CID = "toxic-relationship"
FIXED = datetime(2026, 3, 14, 15, 9, 26, tzinfo=timezone(timedelta(hours=1)))

TRIED: collections.Counter = collections.Counter()
#: Outcomes of the fuzzed targets: accepted (loaded / imported a run) or refused (ToolkitError).
ACCEPTED: collections.Counter = collections.Counter()
REFUSED: collections.Counter = collections.Counter()

FUZZ = settings(max_examples=150, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])
FEW = settings(FUZZ, max_examples=60)


def _write_counts(terminalreporter) -> None:
    terminalreporter.write_sep("-", f"hostile input: examples tried per target "
                                    f"(total {sum(TRIED.values())})")
    for target, n in sorted(TRIED.items()):
        if ACCEPTED[target] + REFUSED[target] == n:
            terminalreporter.write_line(f"  {target}: {n} tried ({ACCEPTED[target]} accepted, "
                                        f"{REFUSED[target]} refused with a ToolkitError)")
        else:
            terminalreporter.write_line(f"  {target}: {n} tried")


@pytest.fixture(scope="module", autouse=True)
def report_counts(request):
    report_at_end(request, "redflag-hostile-input-counts", _write_counts)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """A module-wide base folder; each Hypothesis example gets its own fresh folder in it."""
    return tmp_path_factory.mktemp("hostile")


def fresh(scratch: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=scratch))


def valid_doc(core, **changes) -> dict:
    c = core[CID]
    doc = {"format": FORMAT, "format_version": 1, "checklist": CID, "checklist_version": c.version,
           "saved_at": FIXED.isoformat(),
           "responses": {c.item_ids[0]: "often", c.item_ids[1]: "never", c.item_ids[2]: "unsure"},
           "notes": {c.item_ids[0]: "We talked on Sunday. \u2764"}}
    doc.update(changes)
    return doc


def valid_bytes(core, **changes) -> bytes:
    return json.dumps(valid_doc(core, **changes), indent=2, ensure_ascii=False).encode("utf-8")


# ------------------------------------------------------------------ strategies

json_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
                | st.text(max_size=30))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)

#: Raw JSON fragments the json module would never produce but a file can contain.
NASTY_JSON = [
    "1" + "0" * 5000,            # 10**5000: over Python's int-from-text digit limit
    "-" + "9" * 4400,
    "1e999", "-1e999", "NaN", "Infinity", "-Infinity", "1e-999", "0.1" + "1" * 5000,
    "[" * 100_000 + "]" * 100_000,       # 100000-deep nesting
    '{"a":' * 100_000 + "1" + "}" * 100_000,
    "[" * 100_000,               # deep and unterminated
    '"' + "x" * 2_000_000 + '"',  # over the size limit on its own
    '"' + "x" * (MAX_NOTE_CHARS + 1) + '"',
    '"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', '"a\\u0000b"',
    "true", "null", "{}", "[]", '""', '"' + "\u202e" * 50 + '"',
]
nasty = st.sampled_from(NASTY_JSON)
KEYS = ["format", "format_version", "checklist", "checklist_version", "saved_at", "responses", "notes"]


@st.composite
def mutated_docs(draw, core) -> bytes:
    """A valid document with one or more keys (or nested entries) damaged, dropped or added."""
    doc = valid_doc(core)
    raw: dict[str, str] = {}
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["value", "nasty", "drop", "extra", "response", "note",
                                    "response-key", "note-key"]))
        key = draw(st.sampled_from(KEYS))
        if how == "value":
            doc[key] = draw(json_values)
        elif how == "nasty":
            marker = f"@@{key}@@"
            doc[key] = marker
            raw[json.dumps(marker)] = draw(nasty)
        elif how == "drop":
            doc.pop(key, None)
        elif how == "extra":
            doc[draw(st.text(max_size=20))] = draw(json_values)
        else:
            target = "responses" if how.startswith("response") else "notes"
            if not isinstance(doc.get(target), dict):
                doc[target] = {}
            if how.endswith("-key"):
                doc[target][draw(st.text(max_size=300))] = draw(st.sampled_from(["often", "x"]))
            else:
                item = draw(st.sampled_from(list(core[CID].item_ids)))
                doc[target][item] = draw(json_values | st.text(max_size=MAX_NOTE_CHARS + 50))
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    for marker, fragment in raw.items():
        text = text.replace(marker, fragment)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):  # damage the bytes too
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at + draw(st.integers(0, 3)):]
    return data


# ------------------------------------------------------------------ load_answers


def file_state(path: Path):
    st_ = path.stat()
    return path.read_bytes(), st_.st_mtime_ns, st_.st_mode, st_.st_size


def check_load(path: Path, core, target: str):
    """load_answers returns Answers or raises a ToolkitError; the file is left as it was."""
    TRIED[target] += 1
    before = file_state(path)
    try:
        got = load_answers(path, core)
    except ToolkitError as exc:
        assert str(exc).strip(), "an error must say what is wrong"
        got = exc
        REFUSED[target] += 1
    else:
        assert isinstance(got, Answers)
        ACCEPTED[target] += 1
    assert file_state(path) == before, "reading changed the file"
    return got


def write(folder: Path, data: bytes, name: str = "toxic-relationship_20260314-150926_0123abcd.json") -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@FUZZ
@given(data=st.binary(max_size=3000))
def test_load_answers_arbitrary_bytes(scratch, core, data):
    check_load(write(fresh(scratch), data), core, "load_answers: arbitrary bytes")


@FUZZ
@given(value=json_values)
def test_load_answers_arbitrary_json_values(scratch, core, value):
    got = check_load(write(fresh(scratch), json.dumps(value).encode()), core,
                     "load_answers: arbitrary JSON values")
    assert isinstance(got, AnswersError)


@settings(FUZZ, max_examples=200)
@given(data=st.data())
def test_load_answers_mutated_valid_documents(scratch, core, data):
    check_load(write(fresh(scratch), data.draw(mutated_docs(core))), core,
               "load_answers: mutated valid documents")


@FEW
@given(fragment=nasty, key=st.sampled_from(KEYS + ["responses-entry", "notes-entry", "whole-file"]))
def test_load_answers_huge_numbers_deep_nesting_long_strings(scratch, core, fragment, key):
    if key == "whole-file":
        text = fragment
    else:
        doc = valid_doc(core)
        if key.endswith("-entry"):
            doc[key.split("-")[0]][core[CID].item_ids[0]] = "@@HERE@@"
        else:
            doc[key] = "@@HERE@@"
        text = json.dumps(doc).replace('"@@HERE@@"', fragment)
    got = check_load(write(fresh(scratch), text.encode("utf-8")), core,
                     "load_answers: huge numbers / deep nesting / long strings")
    if key in ("format", "format_version", "checklist", "checklist_version", "saved_at", "whole-file"):
        assert isinstance(got, AnswersError)  # no nasty fragment is a valid value for these


def test_load_answers_truncated_at_every_length(scratch, core):
    """Every proper prefix of a valid file is refused (it is what a torn write looks like)."""
    data = valid_bytes(core)
    folder = fresh(scratch)
    for n in range(len(data)):
        got = check_load(write(folder, data[:n]), core, "load_answers: truncated at every length")
        assert isinstance(got, AnswersError), f"a file cut at byte {n} was accepted"
    assert isinstance(check_load(write(folder, data), core, "load_answers: truncated at every length"),
                      Answers)


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16", "utf-32"])
def test_load_answers_non_utf8_text_is_refused(scratch, core, encoding):
    data = valid_bytes(core, notes={core[CID].item_ids[0]: "café naïve"}).decode().encode(encoding)
    got = check_load(write(fresh(scratch), data), core, "load_answers: non-UTF-8 encodings")
    assert isinstance(got, AnswersError) and ("UTF-8" in str(got) or "JSON" in str(got))


def test_load_answers_size_limit_is_exact(scratch, core):
    """A valid run padded to exactly the limit loads; one byte more is refused unread."""
    data = valid_bytes(core)
    folder = fresh(scratch)
    at_limit = data + b" " * (MAX_FILE_BYTES - len(data))
    assert isinstance(check_load(write(folder, at_limit), core, "load_answers: size limit"), Answers)
    got = check_load(write(folder, at_limit + b" "), core, "load_answers: size limit")
    assert isinstance(got, AnswersError) and f"larger than {MAX_FILE_BYTES} bytes" in str(got)
    huge = write(folder, b"[" * (50 * MAX_FILE_BYTES))
    got = check_load(huge, core, "load_answers: size limit")
    assert isinstance(got, AnswersError) and "larger than" in str(got)


def test_load_answers_on_a_folder_or_missing_file(scratch, core):
    folder = fresh(scratch)
    for path in (folder, folder / "missing.json"):
        TRIED["load_answers: folder / missing file"] += 1
        with pytest.raises(AnswersError, match="cannot read file|not a regular file"):  # a folder: the latter
            load_answers(path, core)


@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_a_folder_of_hostile_files_still_lists(scratch, core, data):
    """list_saved never raises on a folder of damaged files: each is listed with its problem,
    and the good run next to them is listed without one."""
    folder = fresh(scratch)
    good = write(folder, valid_bytes(core))
    bad = data.draw(st.lists(mutated_docs(core) | st.binary(max_size=200), min_size=1, max_size=4))
    for n, content in enumerate(bad):
        write(folder, content, f"damaged-{n}.json")
    TRIED["list_saved: folder of hostile files"] += 1
    table = list_saved(folder, core)
    ACCEPTED["list_saved: folder of hostile files"] += 1
    assert len(table) == len(bad) + 1
    assert table.loc[table["file"] == good.name, "problem"].tolist() == [""]


# ------------------------------------------------------------------ import_bundle

ESCAPING_NAMES = [
    "../x.json", "../../etc/passwd", "/tmp/abs.json", "a/b.json", "..\\x.json", "..", ".", "",
    "x\x00.json", "toxic-relationship_20260314-150926_0123abcd.json\x00../../x.json",
    "toxic-relationship_20260314-150926_0123abcd.json\n", "../toxic-relationship_20260314-150926_0123abcd.json",
    "toxic-relationship_20260314-150926_0123abcd.json/../../y.json",
    "sub/toxic-relationship_20260314-150926_0123abcd.json",
    "/work/main/answers/toxic-relationship_20260314-150926_0123abcd.json",
    "..%2fx.json", ".hidden.json", TEMP_PREFIX + "x.json", "x" * 10_000 + ".json", "\u202ex.json",
    "file:///tmp/abs.json", "C:\\Windows\\x.json", "~/x.json", "$HOME/x.json",
]
#: Paths outside the sandbox an escaping name could aim at; they must not appear or change.
WATCHED = ["/tmp/abs.json", "/tmp/x.json", "/tmp/y.json", "/etc/passwd", "/x.json", "/y.json"]

EXISTING = "toxic-relationship_20260101-090000_00000001.json"


def tree(root: Path) -> dict[str, tuple]:
    """Every path under root with its kind, bytes and mtime."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            p = Path(dirpath, name)
            out[str(p.relative_to(root))] = ("dir",)
        for name in filenames:
            p = Path(dirpath, name)
            st_ = p.lstat()
            out[str(p.relative_to(root))] = ("file", p.read_bytes(), st_.st_mtime_ns)
    return out


def watched_state():
    out = {}
    for p in WATCHED:
        try:
            st_ = os.lstat(p)
            out[p] = (st_.st_size, st_.st_mtime_ns)
        except OSError:
            out[p] = None
    return out


def sandbox(scratch: Path, core) -> Path:
    """sandbox/answers holds one earlier run; sandbox/ also holds a file that must not change."""
    box = fresh(scratch)
    answers = box / "answers"
    answers.mkdir(mode=0o700)
    (answers / EXISTING).write_bytes(valid_bytes(core, saved_at="2026-01-01T09:00:00+00:00"))
    (answers / "my-notes.txt").write_bytes(b"not a run")
    (box / "x.json").write_bytes(b"outside")
    (box / "sub").mkdir()
    return box


def check_import(box: Path, data: bytes, core, target: str):
    """import_bundle returns a report or raises a ToolkitError; it only ever adds new run files
    to the answers folder and changes nothing else."""
    TRIED[target] += 1
    answers = box / "answers"
    before, outside = tree(box), watched_state()
    try:
        got = import_bundle(data, answers, core, name="upload.json")
    except ToolkitError as exc:
        assert str(exc).strip()
        got = exc
    after = tree(box)
    assert watched_state() == outside, "an import touched a path outside its folder"
    added = {k: v for k, v in after.items() if k not in before}
    for key, value in before.items():
        assert after.get(key) == value, f"import changed or removed {key}"
    for key, value in added.items():
        path = box / key
        assert path.parent == answers and value[0] == "file", f"import wrote {key}"
        assert RUN_NAME.match(path.name), f"import wrote an oddly named file {key!r}"
        assert isinstance(load_answers(path, core), Answers)
        assert path.stat().st_mode & 0o777 == 0o600
    if not isinstance(got, ToolkitError):
        assert sorted(p.name for p in got.imported) == sorted(Path(k).name for k in added)
        ACCEPTED[target] += bool(got.imported)
        REFUSED[target] += not got.imported  # every run rejected with its reason
    else:
        REFUSED[target] += 1
    if isinstance(got, ToolkitError):
        assert not added, "an import that failed as a whole still wrote files"
    return got


def bundle(runs, **changes) -> bytes:
    doc = {"format": BUNDLE_FORMAT, "format_version": 1, "exported_at": FIXED.isoformat(), "runs": runs}
    doc.update(changes)
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


@FUZZ
@given(data=st.binary(max_size=2000))
def test_import_bundle_arbitrary_bytes(scratch, core, data):
    check_import(sandbox(scratch, core), data, core, "import_bundle: arbitrary bytes")


@settings(FUZZ, max_examples=100)
@given(value=json_values, runs=st.lists(json_values, max_size=4), wrap=st.booleans())
def test_import_bundle_arbitrary_json(scratch, core, value, runs, wrap):
    data = bundle(runs) if wrap else json.dumps(value).encode()
    got = check_import(sandbox(scratch, core), data, core, "import_bundle: arbitrary JSON")
    if not isinstance(got, ToolkitError):
        assert got.imported == []


@settings(FUZZ, max_examples=100)
@given(data=st.data())
def test_import_bundle_hostile_entry_names(scratch, core, data):
    names = data.draw(st.lists(st.sampled_from(ESCAPING_NAMES) | st.text(max_size=60)
                               | st.from_regex(r"\A(\.\./|/|[a-z]/)*[a-z-]{1,30}_\d{8}-\d{6}_[0-9a-f]{8}\.json\Z"),
                               min_size=1, max_size=5))
    runs = [{"file": name, "answers": valid_doc(core, notes={core[CID].item_ids[0]: f"run {n}"})}
            for n, name in enumerate(names)]
    got = check_import(sandbox(scratch, core), bundle(runs), core, "import_bundle: hostile entry names")
    assert not isinstance(got, ToolkitError), got
    unsafe = [n for n in names if not RUN_NAME.match(n)]
    assert len(got.rejected) == len(unsafe)
    assert all("unsafe or unexpected file name" in why for _, why in got.rejected)
    # A plain run name is kept when it is free and names this run's checklist; other names are
    # replaced by a fresh one for the right checklist (first come, first served).
    kept = {p.name for p in got.imported}
    assert len(got.imported) == len(names) - len(unsafe)
    assert {n for n in names if RUN_NAME.match(n) and n.startswith(CID + "_")} <= kept | {EXISTING}
    assert all(name.startswith(CID + "_") for name in kept)


@pytest.mark.parametrize("name", ESCAPING_NAMES)
def test_import_bundle_each_escaping_name_is_refused(scratch, core, name):
    got = check_import(sandbox(scratch, core), bundle([{"file": name, "answers": valid_doc(core)}]), core,
                       "import_bundle: escaping names (each)")
    assert not isinstance(got, ToolkitError)
    assert got.imported == []
    [(_, why)] = got.rejected
    assert "unsafe or unexpected file name" in why


def test_import_bundle_never_overwrites_a_run_with_the_same_name(scratch, core):
    box = sandbox(scratch, core)
    different = valid_doc(core, notes={core[CID].item_ids[0]: "a different run, same file name"})
    got = check_import(box, bundle([{"file": EXISTING, "answers": different}]), core,
                       "import_bundle: name of an existing run")
    [path] = got.imported
    assert path.name != EXISTING and RUN_NAME.match(path.name)


@settings(FUZZ, max_examples=100)
@given(data=st.data())
def test_import_bundle_mutated_bundles(scratch, core, data):
    """A valid three-run bundle with damage at the bundle level, the entry level and inside
    runs (the damaged-document generator of the load_answers fuzzing)."""
    runs = [{"file": f"{CID}_2026031{n}-150926_0123abc{n}.json",
             "answers": valid_doc(core, notes={core[CID].item_ids[0]: f"run {n}"},
                                  saved_at=f"2026-03-1{n}T15:09:26+01:00")} for n in range(3)]
    doc = {"format": BUNDLE_FORMAT, "format_version": 1, "exported_at": FIXED.isoformat(), "runs": runs}
    raw: dict[str, str] = {}
    for _ in range(data.draw(st.integers(1, 4))):
        how = data.draw(st.sampled_from(["bundle-key", "bundle-nasty", "entry", "entry-key", "entry-doc",
                                         "drop-bundle-key"]))
        if how == "bundle-key":
            doc[data.draw(st.sampled_from(["format", "format_version", "runs", "exported_at"]))] = \
                data.draw(json_values)
        elif how == "drop-bundle-key":
            doc.pop(data.draw(st.sampled_from(["format", "format_version", "runs"])), None)
        elif how == "bundle-nasty":
            key = data.draw(st.sampled_from(["format", "format_version", "runs"]))
            doc[key] = f"@@{key}@@"
            raw[json.dumps(f"@@{key}@@")] = data.draw(nasty)
        elif isinstance(doc.get("runs"), list) and doc["runs"]:
            n = data.draw(st.integers(0, len(doc["runs"]) - 1))
            if how == "entry":
                doc["runs"][n] = data.draw(json_values)
            elif how == "entry-key" and isinstance(doc["runs"][n], dict):
                doc["runs"][n][data.draw(st.sampled_from(["file", "answers", "extra"]))] = data.draw(json_values)
            elif how == "entry-doc" and isinstance(doc["runs"][n], dict):
                damaged = data.draw(mutated_docs(core))
                try:
                    doc["runs"][n]["answers"] = json.loads(damaged.decode("utf-8"))
                except (ValueError, RecursionError):
                    doc["runs"][n]["answers"] = damaged.decode("utf-8", "replace")
    text = json.dumps(doc)
    for marker, fragment in raw.items():
        text = text.replace(marker, fragment)
    check_import(sandbox(scratch, core), text.encode("utf-8"), core, "import_bundle: mutated bundles")


def test_import_bundle_truncated_at_every_length(scratch, core):
    src = fresh(scratch) / "answers"
    for n in range(2):
        save_answers(SavedRun(CID, core[CID].version, {core[CID].item_ids[n]: "often"},
                             {core[CID].item_ids[n]: f"note {n}"}, saved_at=FIXED + timedelta(days=n)), src)
    data = export_bundle(src, core)
    box = sandbox(scratch, core)
    for n in range(0, len(data), 3):
        got = check_import(box, data[:n], core, "import_bundle: truncated at every 3rd length")
        assert isinstance(got, AnswersError)
    got = check_import(box, data, core, "import_bundle: truncated at every 3rd length")
    assert len(got.imported) == 2


def test_import_bundle_size_limit(scratch, core):
    box = sandbox(scratch, core)
    data = bundle([{"file": None, "answers": valid_doc(core)}])
    padded = data + b" " * (MAX_BUNDLE_BYTES + 1 - len(data))
    got = check_import(box, padded, core, "import_bundle: size limit")
    assert isinstance(got, AnswersError) and "larger than" in str(got)


def test_a_failed_entry_does_not_abort_an_import_after_earlier_runs_were_written(scratch, core, monkeypatch):
    import toolkit.bundles as storage

    box = sandbox(scratch, core)
    long_name = "a-" * 150 + "list_20260314-150926_0123abcd.json"
    assert not RUN_NAME.match(long_name) and len(long_name) > 255  # over-long names are refused
    runs = [{"file": None, "answers": valid_doc(core, notes={core[CID].item_ids[0]: "first"})},
            {"file": long_name, "answers": valid_doc(core, notes={core[CID].item_ids[0]: "second"})},
            {"file": None, "answers": valid_doc(core, notes={core[CID].item_ids[0]: "third"})}]
    TRIED["import_bundle: over-long run name"] += 1
    report = import_bundle(bundle(runs), box / "answers", core, name="upload.json")
    assert len(report.imported) == 2 and len(report.rejected) == 1
    assert "unsafe or unexpected file name" in report.rejected[0][1]
    # A write that fails part-way rejects that run only; the runs before and after are kept.
    real, calls = storage.write_new, []

    def fail_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise AnswersError("answers: could not save your answers (No space left on device)")
        return real(*args, **kwargs)

    monkeypatch.setattr(storage, "write_new", fail_second)
    fresh_runs = [{"file": None, "answers": valid_doc(core, notes={core[CID].item_ids[0]: f"n{k}"})}
                  for k in range(3)]
    other = fresh(scratch) / "answers"
    report = import_bundle(bundle(fresh_runs), other, core, name="upload.json")
    assert len(report.imported) == 2 and len(os.listdir(other)) == 2
    assert report.rejected and "No space left" in report.rejected[0][1]


# ------------------------------------------------------------------ runs that load must also show

#: The plausible-date bounds, at their very edges: from the year 1970 in the run's own offset (in
#: UTC just outside it) to this computer's clock plus the allowed skew; the others are refused.
#: A time hours ahead (the suite takes minutes) or far ahead (the planted 2199 run) is in the future.
_SOON = datetime.now(UTC) + MAX_CLOCK_SKEW
BOUNDARY_TIMES = ["1970-01-01T00:00:00+14:00", (_SOON - timedelta(seconds=60)).astimezone(
    timezone(timedelta(hours=-12))).isoformat()]
REFUSED_TIMES = [("1969-12-31T23:59:59+00:00", "not a plausible date"),
                 ("2201-01-01T00:00:00+00:00", "not a plausible date"),
                 ((_SOON + timedelta(hours=2)).astimezone(timezone(timedelta(hours=14))).isoformat(),
                  "is in the future"),
                 ("2199-06-01T00:00:00+00:00", "is in the future")]


@pytest.mark.parametrize("saved_at", BOUNDARY_TIMES, ids=["epoch", "just-before-the-skew"])
def test_a_run_at_the_edge_of_the_plausible_dates_loads_and_every_view_shows_it(scratch, core, saved_at):
    """Runs that load must also render: reports, History (charts) and Summary."""
    from toolkit.ui import History, Summary

    folder = fresh(scratch) / "answers"
    TRIED["views of runs that load: boundary saved_at"] += 1
    report = import_bundle(bundle([{"file": None, "answers": valid_doc(core, saved_at=saved_at)}]),
                           folder, core)
    assert len(report.imported) == 1 and not report.rejected, report.rejected
    runs = [load_answers(p, core) for p in report.imported]
    ws = workspace_for(folder, core)
    year = runs[0].saved_at.astimezone().strftime("%d %b %Y")  # shown in local time
    assert year in report_html(runs, core, ws.resources) and year in report_md(runs, core, ws.resources)
    history = History(ws)
    assert [w for w in history.body.children if "redflag-trend" in getattr(w, "value", "")]
    assert core[runs[0].checklist_id].title in Summary(ws).overview.value


@pytest.mark.parametrize("saved_at, reason", REFUSED_TIMES + [("0001-01-01T00:00:00+14:00", "not a plausible date"),
                                                               ("9999-06-01T00:00:00+00:00", "not a plausible date")],
                         ids=lambda v: "" if " " in v or len(v) > 30 else None)  # no clock time in an id
def test_a_run_outside_the_plausible_dates_is_refused_with_its_reason(scratch, core, saved_at, reason):
    folder = fresh(scratch) / "answers"
    report = import_bundle(bundle([{"file": None, "answers": valid_doc(core, saved_at=saved_at)}]),
                           folder, core)
    assert report.imported == [] and reason in report.rejected[0][1]
    # The same run planted as a file is listed with its reason, and never loaded.
    folder.mkdir(parents=True, exist_ok=True)
    planted = folder / f"{CID}_21990601-000000_0123abcd.json"
    planted.write_text(json.dumps(valid_doc(core, saved_at=saved_at)), encoding="utf-8")
    with pytest.raises(AnswersError, match=reason):
        load_answers(planted, core)
    assert reason in list_saved(folder, core)["problem"][0]


# ------------------------------------------------------------------ the checklist loader

toml_scalars = (st.text(max_size=20) | st.integers(-10, 10) | st.integers() | st.booleans()
                | st.floats(allow_nan=False, allow_infinity=True)
                | st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)))
toml_values = st.recursive(toml_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.sampled_from(["id", "text", "x", "title", "severity"]),
                                             inner, max_size=3), max_leaves=5)


def toml_literal(value) -> str:
    """A Python value as a TOML value (inline tables for dicts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "inf" if value == float("inf") else "-inf" if value == float("-inf") else repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, date):  # a datetime, or a date such as a resource's `reviewed`
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def usable(checklists) -> None:
    """Checklists that loaded can be scored and summarised, whatever the answers."""
    from toolkit.scoring import score
    from toolkit.summary import summarise

    runs = [SavedRun(c.id, c.version, {it.id: option.id for it in c.items
                                        if option in c.vocabulary.options_for(it)}, {}, saved_at=FIXED)
            for c in checklists.values() for option in c.vocabulary.scale]
    runs += [SavedRun(c.id, c.version, {}, {}, saved_at=FIXED) for c in checklists.values()]
    summary = summarise(runs, checklists)
    assert len(summary.checklists) == len(runs)
    c = next(iter(checklists.values()))
    score(runs[0], c)


@pytest.mark.parametrize("kind", ['["red-flags"]', '{ name = "red-flags" }'])
def test_unhashable_kind_is_a_checklist_error(scratch, core_dir, kind):
    text = (core_dir / "trauma-bonding.toml").read_text(encoding="utf-8")
    text, n = re.subn(r'^kind = .*$', f"kind = {kind}", text, count=1, flags=re.M)
    assert n == 1
    TRIED["load_checklists: unhashable kind"] += 1
    with pytest.raises(ChecklistError, match="kind"):
        load_checklists(checklist_folder(scratch, core_dir, "trauma-bonding", text.encode()))


def both_paths(target: str, fuzz) -> None:
    """Run a fuzzing function and require that it reached both outcomes: some examples were
    accepted (and then loaded and scored) and some refused, so neither path went untested."""
    accepted, refused = ACCEPTED[target], REFUSED[target]
    fuzz()
    assert ACCEPTED[target] > accepted, f"{target}: no example was accepted, the accepted path never ran"
    assert REFUSED[target] > refused, f"{target}: no example was refused, the refused path never ran"


def check_checklists(folder: Path, target: str):
    """load_checklists returns checklists or raises a ChecklistError, nothing else."""
    TRIED[target] += 1
    try:
        got = load_checklists(folder)
    except ChecklistError as exc:
        assert str(exc).strip()
        REFUSED[target] += 1
        return exc
    assert got and all(isinstance(c, Checklist) for c in got.values())
    ACCEPTED[target] += 1
    return got


def checklist_folder(scratch: Path, core_dir: Path, name: str, data: bytes, vocab: bytes | None = None) -> Path:
    folder = fresh(scratch)
    shutil.copy2(core_dir / "_vocabulary.toml", folder / "_vocabulary.toml")
    if vocab is not None:
        (folder / "_vocabulary.toml").write_bytes(vocab)
    (folder / f"{name}.toml").write_bytes(data)
    return folder


#: Values a person editing a file might well write for a key: a mutation that uses them often
#: leaves the file valid, so the fuzzing reaches the accepted path (and scores what loaded).
PLAUSIBLE = {"version": [1, 2, 99], "kind": ["red-flags", "reflection", "green-flags", "strengths"],
             "retired": [[], ["an-old-id"]], "items": [[]], "id": ["a-new-slug"],
             "severity": [1, 2, 3], "themes": [["communication"], ["isolation", "control"]],
             "safety": [True, False], "reverse": [True, False], "situational": [False],
             "below": [5, 20, 50, 101, 1000], "weight": [0, 1, 2, 3, 4, 100], "calm": [True, False],
             "min_answered_share": [0, 0.5, 0.75, 1], "emergency": [True, False],
             "phone": ["0800 000 000"], "web": ["https://example.org/help"],
             "reviewed": [datetime(2026, 1, 5).date()]}
#: Any text, and text a person would write: for keys not in PLAUSIBLE.
PLAUSIBLE_TEXT = ["Some text.", "  padded text  ", "Ça va – “quoted”", "  padded \u202e text  "]


def mutate_lines(draw, text: str) -> str:
    """Line-level damage to a TOML text: values replaced, lines dropped, duplicated, swapped,
    truncated, bytes inserted; the generated value may be any TOML value or a nasty one. A
    "plausible" edit writes a value a person might (PLAUSIBLE, or text for other keys), and a
    "comment" adds one: those often keep the file valid, so both outcomes are reached."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        n = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["value", "value", "huge", "drop", "dup", "swap", "junk", "cut",
                                    "plausible", "plausible", "plausible", "comment"]))
        if how == "plausible" and "=" in lines[n] and not lines[n].lstrip().startswith("#"):
            key = lines[n].split("=", 1)[0]
            choices = PLAUSIBLE.get(key.strip(), PLAUSIBLE_TEXT)
            lines[n] = f"{key}= {toml_literal(draw(st.sampled_from(choices)))}"
        elif how == "comment":
            lines.insert(n, "# " + draw(st.text(max_size=30)).replace("\n", " ").replace("\r", " "))
        elif how in ("value", "huge") and "=" in lines[n]:
            key = lines[n].split("=", 1)[0]
            new = (toml_literal(draw(toml_values)) if how == "value"
                   else draw(st.sampled_from(["1" + "0" * 5000, "[" * 5000 + "]" * 5000,
                                              '"' + "x" * 100_000 + '"', "nan", "-inf",
                                              "{a = {b = {c = {d = 1}}}}", "1979-05-27T07:32:00Z"])))
            lines[n] = f"{key}= {new}"
        elif how == "drop":
            del lines[n]
        elif how == "dup":
            lines.insert(n, lines[n])
        elif how == "swap":
            m = draw(st.integers(0, len(lines) - 1))
            lines[n], lines[m] = lines[m], lines[n]
        elif how == "junk":
            lines.insert(n, draw(st.text(max_size=30)))
        elif how == "cut":
            lines = lines[:n] + [lines[n][:draw(st.integers(0, len(lines[n])))]]
    return "\n".join(lines) + "\n"


@FUZZ
@given(data=st.binary(max_size=2000))
def test_checklist_loader_arbitrary_bytes(scratch, core_dir, data):
    """Random bytes are never a checklist (not even empty TOML: keys are required): refused."""
    got = check_checklists(checklist_folder(scratch, core_dir, "fuzzed", data), "load_checklists: arbitrary bytes")
    assert isinstance(got, ChecklistError)


def test_checklist_loader_mutated_valid_checklists(scratch, core_dir):
    """Damaged or edited checklists: each refused with a ChecklistError or loaded, and what
    loaded scores; both outcomes must occur."""
    target = "load_checklists: mutated valid checklists"

    @settings(FUZZ, max_examples=150)
    @given(data=st.data(), cid=st.sampled_from(["avoid-partners-where", "toxic-relationship", "trauma-bonding"]))
    def fuzz(data, cid):
        text = (core_dir / f"{cid}.toml").read_text(encoding="utf-8")
        mutated = mutate_lines(data.draw, text)
        got = check_checklists(checklist_folder(scratch, core_dir, cid, mutated.encode("utf-8", "surrogatepass")),
                               target)
        if not isinstance(got, ChecklistError):
            usable(got)

    both_paths(target, fuzz)


TOP_KEYS = ["id", "version", "title", "intro", "kind", "source", "items", "retired"]
ITEM_KEYS = ["id", "text", "explain", "severity", "themes", "safety", "source", "reverse"]


@st.composite
def checklist_documents(draw, core_dir: Path) -> dict:
    """A third anything at all; a third the real checklist with a few keys (top level or in an
    item) replaced by any value or a plausible one, or dropped; a third the real checklist
    edited as a person might (plausible values only), which is often still valid."""
    item = st.dictionaries(st.sampled_from(ITEM_KEYS + ["bogus"]), toml_values | st.sampled_from(
        ["feeling-trapped", ["isolation"], ["control", "isolation"], 2, True]), max_size=9)
    how = draw(st.sampled_from(["anything", "damaged", "edited"]))
    if how == "anything":
        return draw(st.dictionaries(st.sampled_from(TOP_KEYS + ["zzz"]), toml_values
                                    | st.lists(item | toml_values, max_size=3)
                                    | st.sampled_from(["fuzzed", 1, "red-flags", "green-flags"]), max_size=9))
    import tomllib

    doc = tomllib.loads((core_dir / "trauma-bonding.toml").read_text(encoding="utf-8"))
    doc["id"] = "fuzzed"
    for _ in range(draw(st.integers(1, 3))):
        items = doc.get("items")
        tables = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
        where = doc if draw(st.booleans()) or not tables else draw(st.sampled_from(tables))
        keys = TOP_KEYS if where is doc else ITEM_KEYS
        if how == "edited" and where is doc:  # a person keeps the id (the file name) and the items
            keys = [k for k in keys if k not in ("id", "items")]
        key = draw(st.sampled_from(keys))
        plausible = st.sampled_from(PLAUSIBLE.get(key, PLAUSIBLE_TEXT))
        if how == "edited":
            where[key] = draw(plausible)
        elif draw(st.integers(0, 4)) == 0:
            where.pop(key, None)
        else:
            where[key] = draw(toml_values | plausible)
    return doc


def test_parse_checklist_arbitrary_documents(scratch, core, core_dir):
    """parse_checklist on any parsed TOML document: a Checklist that scores, or a
    ChecklistError whose every problem names the file; both outcomes must occur."""
    vocab = core.vocabulary
    target = "parse_checklist: arbitrary documents"

    @settings(FUZZ, max_examples=120)  # about one in eight is accepted: never none in practice
    @given(doc=checklist_documents(core_dir))
    def fuzz(doc):
        TRIED[target] += 1
        try:
            got = parse_checklist(doc, Path("/nowhere/fuzzed.toml"), vocab)
        except ChecklistError as exc:
            assert exc.problems and all(p.file.endswith("fuzzed.toml") and p.message for p in exc.problems)
            REFUSED[target] += 1
            return
        assert isinstance(got, Checklist) and got.items
        usable({got.id: got})
        ACCEPTED[target] += 1

    both_paths(target, fuzz)


@pytest.mark.parametrize("which", ["checklist", "vocabulary", "resources"])
def test_huge_integer_in_a_toml_file_is_a_checklist_error(scratch, core_dir, which):
    folder = fresh(scratch)
    for name in CORE_FILES[:3]:
        shutil.copy2(core_dir / name, folder / name)
    target = {"checklist": "avoid-partners-where.toml", "vocabulary": "_vocabulary.toml",
              "resources": "_resources.toml"}[which]
    text = (folder / target).read_text(encoding="utf-8")
    (folder / target).write_text("huge = " + "1" * 5000 + "\n" + text, encoding="utf-8")
    TRIED["loaders: integer over 4300 digits"] += 1
    with pytest.raises(ChecklistError):
        if which == "resources":
            load_resources(folder / target)
        else:
            load_checklists(folder)


#: Vocabulary shapes that once crashed the loader; each must now be a clear ChecklistError.
VOCAB_SHAPES = {
    "themes-not-a-table": ("themes", "[1, 2]"),
    "rules-not-a-table": ("rules", '"strict"'),
    "levels_extra-not-a-table": ("levels_extra", "[1]"),
    "scale-a-number": ("scale", "5"),
    "levels-a-number": ("levels", "5"),
    "min_answered_share-text": ("rules", '{min_answered_share = "most", safety_from = "sometimes"}'),
    "safety_from-a-list": ("rules", '{min_answered_share = 0.75, safety_from = ["sometimes"]}'),
}


def _vocab_with(core_dir: Path, key: str, value: str) -> bytes:
    """The shipped vocabulary with one top-level key replaced by a TOML value."""
    import tomllib

    data = tomllib.loads((core_dir / "_vocabulary.toml").read_text(encoding="utf-8"))
    lines = [f"{k} = {toml_literal(v)}" for k, v in data.items() if k != key]
    return ("\n".join([f"{key} = {value}", *lines]) + "\n").encode("utf-8")


def test_vocabulary_rewriter_round_trips(core_dir):
    """The helper the vocabulary fuzzing uses keeps a valid vocabulary valid."""
    import tomllib

    data = tomllib.loads((core_dir / "_vocabulary.toml").read_text(encoding="utf-8"))
    text = _vocab_with(core_dir, "rules", toml_literal(data["rules"])).decode()
    assert tomllib.loads(text) == data


@pytest.mark.parametrize("shape", sorted(VOCAB_SHAPES))
def test_malformed_vocabulary_is_a_checklist_error(scratch, core_dir, shape):
    key, value = VOCAB_SHAPES[shape]
    folder = checklist_folder(scratch, core_dir, "trauma-bonding",
                              (core_dir / "trauma-bonding.toml").read_bytes(),
                              vocab=_vocab_with(core_dir, key, value))
    TRIED["load_checklists: malformed vocabulary"] += 1
    with pytest.raises(ChecklistError):
        load_checklists(folder)


def test_checklist_loader_mutated_vocabulary(scratch, core_dir):
    """A damaged or edited vocabulary: refused with a ChecklistError, or loaded with a checklist
    that scores; both outcomes must occur."""
    target = "load_checklists: mutated vocabulary"

    @settings(FUZZ, max_examples=120)
    @given(data=st.data())
    def fuzz(data):
        text = (core_dir / "_vocabulary.toml").read_text(encoding="utf-8")
        mutated = mutate_lines(data.draw, text)
        folder = checklist_folder(scratch, core_dir, "trauma-bonding",
                                  (core_dir / "trauma-bonding.toml").read_bytes(),
                                  vocab=mutated.encode("utf-8", "surrogatepass"))
        got = check_checklists(folder, target)
        if not isinstance(got, ChecklistError):
            assert list(got.vocabulary.bounds) == sorted(set(got.vocabulary.bounds))  # the rule held
            usable(got)

    both_paths(target, fuzz)


def test_resources_loader_mutated(scratch, core_dir):
    """load_resources on a damaged resources file: Resources (every web address https) or a
    ChecklistError naming the file; both outcomes must occur."""
    target = "load_resources: mutated resources file"

    @settings(FUZZ, max_examples=60)
    @given(data=st.data())
    def fuzz(data):
        text = (core_dir / "_resources.toml").read_text(encoding="utf-8")
        mutated = mutate_lines(data.draw, text)
        path = fresh(scratch) / "_resources.toml"
        path.write_bytes(mutated.encode("utf-8", "surrogatepass"))
        TRIED[target] += 1
        try:
            got = load_resources(path)
        except ChecklistError as exc:
            assert exc.problems and all(p.file.endswith("_resources.toml") for p in exc.problems)
            REFUSED[target] += 1
            return
        assert got.items and all(not r.web or r.web.startswith("https://") for r in got.items)
        ACCEPTED[target] += 1

    both_paths(target, fuzz)


@pytest.mark.parametrize("value", ["false", "0", "[]", "{}"])
def test_non_text_web_address_is_refused(scratch, core_dir, value):
    """A web address that is not text is refused, naming the file, the entry and the key."""
    text = (core_dir / "_resources.toml").read_text(encoding="utf-8")
    text, n = re.subn(r'^web = .*$', f"web = {value}", text, count=1, flags=re.M)
    assert n == 1
    path = fresh(scratch) / "_resources.toml"
    path.write_text(text, encoding="utf-8")
    TRIED["load_resources: non-text web"] += 1
    with pytest.raises(ChecklistError) as refused:
        load_resources(path)
    REFUSED["load_resources: non-text web"] += 1
    (problem,) = refused.value.problems
    assert problem.file.endswith("_resources.toml") and problem.item.startswith("resource ")
    assert problem.message.startswith("web must be non-empty text"), problem
    assert str(problem) in str(refused.value)


# ------------------------------------------------------------------ control and bidi characters


@pytest.mark.parametrize("key,old,new,named", [
    ("device_note", 'device_note = """\n', 'device_note = """\n\\u202e', "device_note"),
    ("limits", 'limits = """\n', 'limits = """\n\\u001b[8m', "limits"),
    ("resource name", 'name = "', 'name = "\\u2067', "resources[1].name"),
    ("country name", '[countries]\n', '[countries]\nXX = "Somewhere\\u009b31m"\n', "countries.XX"),
], ids=["bidi-override-device-note", "escape-limits", "isolate-in-a-name", "c1-country"])
def test_validate_refuses_control_and_bidi_characters_in_the_resources(tmp_path, capsys, core_dir, key, old, new,
                                                                       named):
    """`redflag validate` on a folder whose resources file hides a control or bidi character:
    exit 1, one line naming the file and the key, and the character itself not echoed."""
    from _helpers import run_cli

    folder = tmp_path / "checklists"
    shutil.copytree(core_dir, folder)
    path = folder / "_resources.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, key
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    code, out, err = run_cli(capsys, "validate", str(folder), "--dir", str(tmp_path / "answers"))
    assert code == 1, out
    assert f"_resources.toml: {named}: holds U+" in err, err
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", err)
