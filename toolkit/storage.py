"""Saved answers on disk: one JSON file per run, written atomically, never overwritten.

Answers are among the most private things a person writes down, so every write goes to a
temporary file in the same folder, is flushed and fsynced, and is then linked into place
under a fresh name (a crash leaves either the old state or the complete new file; no run is
ever replaced). Files are 0600 and the folder 0700. Reading never modifies a file.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import os
import re
import secrets
import stat
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import crypto
from .checklist import Answers, Checklist, SavedRun, check_answers, display_path
from .errors import AnswersError, PassphraseError, ToolkitError

if TYPE_CHECKING:
    import pandas as pd

Checklists = Mapping[str, Checklist]
Folder = str | os.PathLike[str]

FORMAT = "redflag-answers"
FORMAT_VERSION = 1
BUNDLE_FORMAT = "redflag-bundle"
BUNDLE_VERSION = 1
#: A download from a protected folder: the folder's key file document (scrypt salt and
#: parameters, key id, check value; never the key) beside the sealed bundle, so the passphrase
#: opens it in any folder (a new Binder session starts with an empty one). Neutral names.
SEALED_BUNDLE_FORMAT = "sealed-backup"
SEALED_BUNDLE_SUFFIX = ".sealed"
MAX_FILE_BYTES = 1_000_000
MAX_BUNDLE_BYTES = 20_000_000
MAX_NOTE_CHARS = 10_000
TEMP_PREFIX = ".tmp-"
#: Protected folders: the key file (salt, parameters, check; never the key), the key file of a
#: passphrase change under way, and runs sealed under neutral names (no checklist, no date).
#: The names say nothing about this tool; folders protected by earlier versions keep their
#: key file's old name until the passphrase is changed.
KEY_FILE = ".key.json"
NEW_KEY_FILE = ".key.new.json"
#: While a first `protect` is under way: the plain runs it set out to seal (name and hash), sealed
#: with the new key. Running `protect` again finishes that job and seals only those, so a plain
#: file planted in the folder later is never adopted (it stays "not encrypted" and never counts).
PENDING_FILE = ".pending"
LEGACY_KEY_FILE = ".redflag-key.json"
LEGACY_NEW_KEY_FILE = ".redflag-key.new.json"
SEALED_NAME = re.compile(r"^[0-9a-f]{32}\.sealed\Z")
#: Files written in a protected folder (and the folder) get this modification time, so the
#: times do not tell when answers were saved: 2000-01-01 00:00 UTC.
NEUTRAL_TIME = 946_684_800
#: The person's settings (their country for the support lines), beside their answers.
SETTINGS_FILE = ".settings.json"
SETTINGS_KEYS = {"country"}
STALE_TEMP_SECONDS = 600
RUN_NAME = re.compile(r"^(?=.{1,150}\Z)[a-z0-9]+(-[a-z0-9]+)*_\d{8}-\d{6}_[0-9a-f]{8}\.json\Z")
#: os.link errors meaning "this filesystem has no hard links" (anything else, e.g. ENOSPC, is a failure).
NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EMLINK}
SURROGATE = re.compile("[\ud800-\udfff]")
#: A run may be dated at most this far ahead of this computer's clock. Two clocks kept by the
#: network agree within seconds; ten minutes also covers a phone or laptop whose clock is set by
#: hand, yet a run planted "in the future" can never stay the latest one for longer than that.
MAX_CLOCK_SKEW = timedelta(minutes=10)
#: The problem of an unsealed run in a protected folder: anyone can write one, so it is never
#: believed (scored, summarised, reported, resumed), only listed.
NOT_SEALED = "not encrypted: not saved with your passphrase"


# ------------------------------------------------------------- encoding


def answers_to_dict(answers: SavedRun) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "checklist": answers.checklist_id,
        "checklist_version": answers.checklist_version,
        "saved_at": answers.saved_at.isoformat(),
        "responses": dict(answers.responses),
        "notes": {k: v for k, v in answers.notes.items() if v},
    }


def _check_saved_at(saved_at: datetime, where: str) -> None:
    """Dates far outside a lifetime break charts and reports, and a run dated in the future would
    stay "the latest" for ever: refuse both when saving, loading and importing."""
    if not 1970 <= saved_at.year <= 2200:
        raise AnswersError(f"{where}: 'saved_at' is not a plausible date ({saved_at.isoformat()})")
    if saved_at > datetime.now(UTC) + MAX_CLOCK_SKEW:
        raise AnswersError(f"{where}: 'saved_at' is in the future ({saved_at.isoformat()}); a saved run "
                           "cannot be newer than this computer's clock (is the clock right?)")


def _string_map(value: Any, key: str, where: str, limit: int) -> dict[str, str]:
    if not isinstance(value, dict):
        raise AnswersError(f"{where}: '{key}' must be an object of item id -> text")
    for k, v in value.items():
        if not isinstance(v, str):
            raise AnswersError(f"{where}: '{key}' entry '{k:.60}' must be text, not {type(v).__name__}")
        if len(k) > 200 or len(v) > limit:
            raise AnswersError(f"{where}: '{key}' entry '{k:.60}' is too long")
        if SURROGATE.search(k) or SURROGATE.search(v):
            raise AnswersError(f"{where}: '{key}' entry '{k!r:.60}' is not valid Unicode text")
    return dict(value)


def answers_from_dict(data: Any, where: str, checklists: Checklists) -> SavedRun:
    """Validate a decoded answers document; raise AnswersError naming `where` and the reason."""
    if not isinstance(data, dict):
        raise AnswersError(f"{where}: expected a JSON object, got {type(data).__name__}")
    if data.get("format") != FORMAT:
        raise AnswersError(f"{where}: not a saved-answers file (format is {data.get('format')!r:.60}, "
                           f"expected '{FORMAT}')")
    version = data.get("format_version")
    if type(version) is not int or version < 1:
        raise AnswersError(f"{where}: format_version must be a whole number (got {version!r:.60})")
    if version > FORMAT_VERSION:
        raise AnswersError(f"{where}: saved by a newer version of this tool (format_version {version}); "
                           "please update the toolkit to open it")
    cid = data.get("checklist")
    if not isinstance(cid, str):
        raise AnswersError(f"{where}: 'checklist' must be text")
    if cid not in checklists:
        raise AnswersError(f"{where}: unknown checklist '{cid:.60}'")
    cver = data.get("checklist_version")
    if type(cver) is not int or not 1 <= cver < 1_000_000:
        raise AnswersError(f"{where}: 'checklist_version' must be a whole number >= 1 (got {cver!r:.60})")
    raw_time = data.get("saved_at")
    try:
        saved_at = datetime.fromisoformat(raw_time) if isinstance(raw_time, str) else None
    except ValueError:
        saved_at = None
    if saved_at is None or saved_at.tzinfo is None:
        raise AnswersError(f"{where}: 'saved_at' must be an ISO 8601 time with a UTC offset "
                           f"(got {raw_time!r:.60})")
    _check_saved_at(saved_at, where)
    answers = SavedRun(
        checklist_id=cid, checklist_version=cver, saved_at=saved_at,
        responses=_string_map(data.get("responses"), "responses", where, 40),
        notes=_string_map(data.get("notes", {}), "notes", where, MAX_NOTE_CHARS),
    )
    check_answers(answers, checklists[cid], where)
    return answers


def _decode(raw: bytes, where: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise AnswersError(f"{where}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise AnswersError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno}, "
                           f"column {exc.colno}); the file may be truncated") from None
    except (ValueError, RecursionError) as exc:  # huge integers, deep nesting
        raise AnswersError(f"{where}: not usable JSON ({str(exc)[:80] or type(exc).__name__})") from None


def _read_limited(path: Path, limit: int) -> bytes:
    """A regular file's bytes (at most `limit`). Every read of the answers folder comes here:
    opened without blocking and checked with fstat, so a FIFO or a device named like a run,
    the settings or the key file is refused at once instead of hanging every page."""
    where = display_path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                     | getattr(os, "O_CLOEXEC", 0))  # no O_NONBLOCK on Windows, and no FIFOs either
    except OSError as exc:
        raise AnswersError(f"{where}: cannot read file ({exc.strerror or exc})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise AnswersError(f"{where}: not a regular file; it was left as it is")
        with os.fdopen(fd, "rb") as fh:
            fd = -1  # closed with fh
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise AnswersError(f"{where}: cannot read file ({exc.strerror or exc})") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(raw) > limit:
        raise AnswersError(f"{where}: file is larger than {limit} bytes")
    return raw


def read_regular(path: Path, limit: int) -> bytes:
    """A regular file's bytes (never blocks on a FIFO); AnswersError naming it otherwise."""
    return _read_limited(path, limit)


def load_answers(path: Folder, checklists: Checklists, key: crypto.Key | None = None) -> SavedRun:
    """Read and validate one saved run (sealed ones with `key`). The file is only read, never
    changed. In a protected folder only a sealed run is believed, and without its key
    PassphraseError is raised (see `AnswerStore.read`)."""
    path = Path(path)
    return _store(path.parent, checklists, key).read(path)


def _load_file(path: Path, checklists: Checklists, key: crypto.Key | None) -> SavedRun:
    """One run from disk: sealed-only when its folder is protected (see NOT_SEALED)."""
    return _run_from_bytes(_read_limited(path, MAX_FILE_BYTES), display_path(path), checklists, key,
                           sealed_only=_is_protected(path.parent))


def _is_protected(folder: Path) -> bool:
    """A folder with a key file: its runs count only when sealed with that key."""
    return _key_path(folder) is not None


def _key_path(folder: Path) -> Path | None:
    """The folder's key file: its neutral name, else the name earlier versions gave it."""
    for name in (KEY_FILE, LEGACY_KEY_FILE):
        if os.path.lexists(folder / name):
            return folder / name
    return None


def _neutral_time(*paths: Path) -> None:
    """Give files (and their folder) the neutral modification time; best effort."""
    for path in paths:
        try:
            os.utime(path, (NEUTRAL_TIME, NEUTRAL_TIME))
        except OSError:
            pass


def _seal(key: crypto.Key, data: bytes) -> bytes:
    """Pad, then seal: every sealed file of the folder comes in a few fixed sizes."""
    limit = MAX_FILE_BYTES - crypto.HEADER_BYTES - crypto.TAG_BYTES
    return crypto.seal(key, crypto.padded(data, limit))


def _run_from_bytes(raw: bytes, where: str, checklists: Checklists, key: crypto.Key | None,
                    sealed_only: bool = False) -> SavedRun:
    """A saved run from a file's bytes (unsealed with `key` when sealed), validated; with
    `sealed_only`, a plain run is an error (anyone could have written it)."""
    if crypto.is_sealed(raw):
        if key is None:
            raise AnswersError(f"{where}: this answers file is protected: unlock it with your passphrase")
        raw = crypto.unseal(key, raw, where)
    elif sealed_only:
        raise AnswersError(f"{where}: {NOT_SEALED}")
    return answers_from_dict(_decode(raw, where), where, checklists)


# ------------------------------------------------------------- writing


def _ensure_dir(directory: Path) -> None:
    """Create the answers folder (0700) if needed; another process creating it first is fine."""
    try:
        directory.mkdir(parents=True, mode=0o700)
    except FileExistsError:
        return
    except OSError as exc:
        raise AnswersError(f"{display_path(directory)}: cannot create the answers folder "
                           f"({exc.strerror or exc})") from None
    os.chmod(directory, 0o700)  # mkdir's mode is filtered by the umask


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_new(directory: Path, make_name: Callable[[], str], data: bytes, neutral: bool = False) -> Path:
    """Write `data` to a new file in `directory` atomically, never replacing an existing file;
    `neutral`: then give it and the folder the neutral modification time."""
    _ensure_dir(directory)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".part", dir=directory)
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        for _ in range(20):
            final = directory / make_name()
            try:
                os.link(tmp, final)  # atomic and fails if the name is taken: never clobbers
            except FileExistsError:
                continue
            except OSError as exc:  # filesystems without hard links: the name is random and unused
                if exc.errno not in NO_HARD_LINKS:
                    raise
                if final.exists():
                    continue
                os.replace(tmp, final)
            break
        else:
            raise AnswersError(f"{display_path(directory)}: could not find a free file name")
        if os.path.exists(tmp):
            os.unlink(tmp)
        if neutral:  # after linking: a temp file with an old time would look abandoned
            _neutral_time(final, directory)
        _fsync_dir(directory)
        return final
    except OSError as exc:
        raise AnswersError(f"{display_path(directory)}: could not save your answers "
                           f"({exc.strerror or exc}); earlier saved answers are untouched") from None
    finally:
        if tmp and os.path.exists(tmp):
            try:
                os.unlink(tmp)
            except OSError:
                pass


def write_private(path: str | os.PathLike[str], data: bytes, neutral: bool = False) -> Path:
    """Write a private file (a report) atomically with mode 0600, replacing an older copy;
    `neutral`: with the neutral modification time (a protected folder's key file, settings)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".part", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
        if neutral:
            _neutral_time(path, folder)
        _fsync_dir(folder)
        return path
    except OSError as exc:
        raise AnswersError(f"{display_path(path)}: could not write ({exc.strerror or exc})") from None
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)


def _run_name(checklist_id: str, saved_at: datetime) -> str:
    return f"{checklist_id}_{saved_at.strftime('%Y%m%d-%H%M%S')}_{secrets.token_hex(4)}.json"


def _remove_stale_temps(directory: Path) -> None:
    """Temp files a crash left behind: ignored by listing, removed once clearly abandoned."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    for tmp in directory.glob(TEMP_PREFIX + "*"):
        try:
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()
        except OSError:
            pass


def stamp(answers: Answers) -> SavedRun:
    """A draft as a saved run: the moment it is saved becomes part of it (a SavedRun keeps its own)."""
    if isinstance(answers, SavedRun):
        return answers
    return SavedRun(answers.checklist_id, answers.checklist_version, answers.responses,
                    answers.notes, saved_at=datetime.now().astimezone())


def save_answers(answers: Answers, directory: Folder, key: crypto.Key | None = None) -> Path:
    """Save one run as a new file and return its path; earlier runs are never touched.

    A draft is stamped with the current time; a SavedRun (an import, a test) keeps its own.
    A protected folder needs its key (PassphraseError without it); the run is then sealed
    before it touches the disk, under a neutral name. See `AnswerStore.save`.
    """
    return _store(directory, {}, key).save(answers)


def _save_run(answers: Answers, directory: Folder, key: crypto.Key | None) -> Path:
    """Write one run (sealed with `key`): the store's single way of writing a run."""
    folder = Path(directory)
    run = stamp(answers)
    saved_at = run.saved_at
    if saved_at.tzinfo is None:
        raise AnswersError("saved_at must be timezone-aware")
    _check_saved_at(saved_at, str(folder))
    doc = answers_to_dict(run)
    try:
        data = json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise AnswersError("your answers could not be saved: a note contains characters that are "
                           "not valid Unicode text") from None
    if key is not None:
        path = _write_new(folder, lambda: f"{secrets.token_hex(16)}.sealed", _seal(key, data), neutral=True)
    else:
        path = _write_new(folder, lambda: _run_name(answers.checklist_id, saved_at), data)
    _remove_stale_temps(folder)
    return path


# ------------------------------------------------------------- reading many


def run_files(directory: Folder) -> list[Path]:
    """Saved-run files in the folder: `*.json` and sealed runs, skipping hidden and temporary files."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    return sorted(p for p in (*folder.glob("*.json"), *folder.glob("*.sealed"))
                  if not p.name.startswith(".") and p.is_file())


def read_saved(directory: Folder, checklists: Checklists, key: crypto.Key | None = None
               ) -> list[tuple[Path, SavedRun | AnswersError]]:
    """Every saved run with its path; a bad file yields its error instead of stopping the rest.
    A protected folder needs its key (see `AnswerStore.saved`)."""
    return _store(directory, checklists, key).saved()


def valid_runs(saved: list[tuple[Path, SavedRun | AnswersError]]) -> list[SavedRun]:
    """The valid runs of `read_saved`'s answer, oldest first."""
    return sorted((a for _, a in saved if isinstance(a, SavedRun)), key=lambda a: a.saved_at)


def load_runs(directory: Folder, checklists: Checklists, key: crypto.Key | None = None) -> list[SavedRun]:
    """The valid saved runs, oldest first (bad files are left to `list_saved` to report); a
    protected folder needs its key: never only the runs that happen to be readable."""
    return _store(directory, checklists, key).runs()


SAVED_COLUMNS = ["file", "checklist", "version", "saved_at", "answered", "problem", "path"]


def saved_table(saved: list[tuple[Path, SavedRun | AnswersError]]) -> pd.DataFrame:
    """`read_saved`'s answer as a table, newest first; unreadable files with their problem."""
    import pandas as pd  # only tables need it: saving and reading runs do not

    rows = []
    for path, got in saved:
        if isinstance(got, SavedRun):
            rows.append({"file": path.name, "checklist": got.checklist_id,
                         "version": got.checklist_version,
                         "saved_at": pd.Timestamp(got.saved_at).tz_convert("UTC"),
                         "answered": len(got.responses), "problem": "", "path": path})
        else:
            rows.append({"file": path.name, "checklist": None, "version": None, "saved_at": pd.NaT,
                         "answered": None, "problem": str(got), "path": path})
    table = pd.DataFrame(rows, columns=SAVED_COLUMNS)
    table["saved_at"] = pd.to_datetime(table["saved_at"], utc=True)
    return table.sort_values("saved_at", ascending=False, na_position="last", ignore_index=True)


def list_saved(directory: Folder, checklists: Checklists, key: crypto.Key | None = None) -> pd.DataFrame:
    """A table of saved runs, newest first; unreadable files are listed with their problem.
    A protected folder needs its key."""
    return _store(directory, checklists, key).table()


# ------------------------------------------------------------- bundles


@dataclass
class ImportReport:
    """What an upload did: the files it created, the runs already present, and the rejects."""

    imported: list[Path] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)


def export_bundle(directory: Folder, checklists: Checklists, key: crypto.Key | None = None) -> bytes:
    """Every valid saved run in one JSON document, for download (Binder forgets everything).
    A protected folder needs its key (see `AnswerStore.export_bundle`)."""
    return _store(directory, checklists, key).export_bundle()


def neutral_name(extension: str) -> str:
    """A default name for a download or report that says nothing about what is inside."""
    return f"backup-{datetime.now():%Y-%m-%d}.{extension}" if extension != "html" else \
        f"notes-{datetime.now():%Y-%m-%d}.html"


def bundle_bytes(saved: list[tuple[Path, SavedRun | AnswersError]]) -> bytes:
    """The valid runs of `read_saved`'s answer as one bundle document (a sealed run's random name
    is left out: import would refuse it, and it says nothing)."""
    runs = [{"file": path.name if RUN_NAME.match(path.name) else None, "answers": answers_to_dict(a)}
            for path, a in saved if isinstance(a, SavedRun)]
    doc = {"format": BUNDLE_FORMAT, "format_version": BUNDLE_VERSION,
           "exported_at": datetime.now().astimezone().isoformat(), "runs": runs}
    return json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8")


def import_bundle(data: bytes, directory: Folder, checklists: Checklists, name: str = "upload",
                  key: crypto.Key | None = None) -> ImportReport:
    """Restore runs from a bundle (or a single saved-answers file) as new files; a protected
    folder needs its key (PassphraseError without it) and gets sealed runs only. See
    `AnswerStore.import_bundle`."""
    return _store(directory, checklists, key).import_bundle(data, name)


def _import_bundle(data: bytes, directory: Folder, checklists: Checklists, name: str,
                   seal_key: crypto.Key | None, present: Sequence[SavedRun]) -> ImportReport:
    """Restore runs from a bundle (or a single saved-answers file) as new files.

    Every run is validated on its own; a bad one is rejected with its reason and the others
    are still imported. Existing files are never overwritten; a run already present (in
    `present`, the folder's runs) is skipped.
    Entry names are only used when they are plain run names, so nothing is written outside
    the answers folder.
    """
    if len(data) > MAX_BUNDLE_BYTES:
        raise AnswersError(f"{name}: the file is larger than {MAX_BUNDLE_BYTES // 1_000_000} MB")
    doc = _decode(data, name)
    if isinstance(doc, dict) and doc.get("format") == FORMAT:
        entries: list[Any] = [{"file": None, "answers": doc}]
    elif isinstance(doc, dict) and doc.get("format") == BUNDLE_FORMAT:
        if doc.get("format_version") != BUNDLE_VERSION:
            raise AnswersError(f"{name}: unsupported bundle format_version {doc.get('format_version')!r:.40}")
        runs = doc.get("runs")
        if not isinstance(runs, list):
            raise AnswersError(f"{name}: 'runs' must be a list")
        entries = runs
    else:
        raise AnswersError(f"{name}: not an answers bundle or a saved-answers file")
    folder = Path(directory)
    existing = {_fingerprint(a) for a in present}
    report = ImportReport()
    for n, entry in enumerate(entries, start=1):
        label = f"{name}: run {n}"
        try:
            if not isinstance(entry, dict) or "answers" not in entry:
                raise AnswersError(f"{label}: each run must be an object with 'answers'")
            wanted = entry.get("file")
            if wanted is not None and (not isinstance(wanted, str) or not RUN_NAME.match(wanted)):
                raise AnswersError(f"{label}: unsafe or unexpected file name {str(wanted)[:80]!r}")
            answers = answers_from_dict(entry["answers"], label, checklists)
        except ToolkitError as exc:
            report.rejected.append((label, str(exc)))
            continue
        key = _fingerprint(answers)
        if key in existing:
            report.already_present.append(wanted or label)
            continue
        # Keep the entry's name only when it names this run's checklist; otherwise make a fresh one.
        keep = wanted if wanted and wanted.startswith(answers.checklist_id + "_") else None
        try:
            if seal_key is not None:  # a protected folder: sealed, under a neutral name
                path = _save_run(answers, folder, seal_key)
            else:
                data_out = json.dumps(answers_to_dict(answers), indent=2, ensure_ascii=False).encode("utf-8")
                path = _write_new(folder, _names(keep, answers), data_out)
        except AnswersError as exc:  # one failed write rejects this run, not the whole upload
            report.rejected.append((label, str(exc)))
            continue
        existing.add(key)
        report.imported.append(path)
    return report


def _names(first: str | None, run: SavedRun) -> Callable[[], str]:
    """File names to try: `first` (a bundle entry's own name) once, then fresh run names."""
    pending = [first] if first else []
    return lambda: pending.pop() if pending else _run_name(run.checklist_id, run.saved_at)


def _fingerprint(a: SavedRun) -> str:
    return json.dumps([a.checklist_id, a.checklist_version, a.saved_at.isoformat(),
                       sorted(a.responses.items()), sorted((k, v) for k, v in a.notes.items() if v)])


def _is_run_file(path: Path) -> bool:
    """A file this toolkit wrote (a run name) or any saved-answers document, valid or not."""
    if RUN_NAME.match(path.name) or SEALED_NAME.match(path.name):
        return True
    try:
        doc = _decode(_read_limited(path, MAX_FILE_BYTES), path.name)
    except AnswersError:
        return False
    return isinstance(doc, dict) and doc.get("format") == FORMAT


def _plain_id(path: Path, raw: bytes) -> str:
    """A plain run file as `protect` lists it: its name and a hash of its bytes."""
    return f"{path.name}:{hashlib.blake2b(raw, digest_size=16).hexdigest()}"


def forget_all(directory: Folder) -> int:
    """Delete every saved run (and leftover temp file) in the answers folder; return the count.

    Only files this toolkit writes are removed; anything else in the folder is left alone.
    Deleting is not secure erasure on every disk (see README, "Your data").
    """
    folder = Path(directory)
    if not folder.is_dir():
        return 0
    count = 0
    runs = [p for p in folder.glob("*.json") if _is_run_file(p)]
    runs += [p for p in folder.glob("*.sealed") if SEALED_NAME.match(p.name)]
    extra = [folder / name for name in (SETTINGS_FILE, KEY_FILE, NEW_KEY_FILE, PENDING_FILE, LEGACY_KEY_FILE,
                                             LEGACY_NEW_KEY_FILE)
             if os.path.lexists(folder / name)]
    for path in dict.fromkeys(runs + extra + list(folder.glob(TEMP_PREFIX + "*"))):
        try:
            path.unlink()
            count += path in runs
        except OSError as exc:
            raise AnswersError(f"{display_path(path)}: could not delete ({exc.strerror or exc})") from None
    try:
        folder.rmdir()
    except OSError:
        pass
    return count


# ------------------------------------------------------------- one folder


def _store(directory: Folder, checklists: Checklists, key: crypto.Key | None) -> AnswerStore:
    """The store behind every public function: one way in, one set of rules for protection."""
    store = AnswerStore(directory, checklists)
    store.use_key(key)
    return store


class AnswerStore:
    """The saved runs of one folder, read against one set of checklists.

    Owns read / save / list / import / export / forget for that folder, and keeps the runs it
    has already validated (keyed by name, size and modification time: runs are never rewritten
    in place), so a page that shows several views reads each file once.
    """

    def __init__(self, folder: Folder, checklists: Checklists) -> None:
        self.folder = Path(folder)
        self.checklists = checklists
        self._cache: dict[str, tuple[tuple[int, int, int, int, bool], SavedRun | AnswersError]] = {}
        self.key: crypto.Key | None = None  # kept in memory only, once unlocked

    def __repr__(self) -> str:
        return f"AnswerStore({display_path(self.folder)!r})"

    # -- passphrase protection (see crypto.py for what it does and does not protect against)

    @property
    def protected(self) -> bool:
        return _is_protected(self.folder)

    @property
    def key_path(self) -> Path:
        """The key file: the one there (old folders keep the old name), else the neutral name."""
        return _key_path(self.folder) or self.folder / KEY_FILE

    def _need_key(self) -> crypto.Key | None:
        """The key when the folder is protected (PassphraseError while locked), else None."""
        if not self.protected:
            return None
        if self.key is None:
            raise PassphraseError(f"{display_path(self.folder)}: your answers are protected with a "
                                  "passphrase: unlock them first")
        return self.key

    def use_key(self, key: crypto.Key | None) -> None:
        """Use a key already derived (the public functions take one): it must be this
        protected folder's key, never one for a folder that has none."""
        if key is None:
            return
        if not self.protected:
            raise PassphraseError(f"{display_path(self.folder)}: a key was given but these answers are not "
                                  "protected; nothing was read or written")
        if crypto.key_file_id(self._key_file(self.key_path.name)) != key.key_id:
            raise PassphraseError(f"{display_path(self.folder)}: this key does not open these answers")
        self.key = key
        self._cache.clear()

    def _key_file(self, name: str) -> bytes:
        return _read_limited(self.folder / name, 10_000)

    def unlock(self, passphrase: str) -> None:
        """Check the passphrase and keep the key in memory; PassphraseError if it is wrong."""
        self.key = crypto.unlock(self._key_file(self.key_path.name), passphrase, display_path(self.key_path))
        self._cache.clear()

    def lock(self) -> None:
        """Forget the key and every run read so far (decrypted ones included): Exit, the idle
        lock and a page that is gone call it, so reading again needs the passphrase."""
        self.key = None
        self._cache.clear()

    def protect(self, passphrase: str) -> tuple[int, list[str]]:
        """Turn protection on and seal every readable plain run; (runs sealed, files left as they
        were because they could not be read). Crash-safe: each run is sealed and synced before its
        plain file goes, and running it again (same passphrase) finishes the job: the plain runs
        it found are listed, sealed, in PENDING_FILE, and only those are sealed on a later run."""
        pending = self.folder / PENDING_FILE
        if self.protected:
            self.unlock(passphrase)
            assert self.key is not None
            try:
                listed = set(json.loads(crypto.unseal(self.key, read_regular(pending, 1_000_000), PENDING_FILE)))
            except (AnswersError, OSError, ValueError):
                listed = set()  # nothing under way: a plain file here now was not the person's
        else:
            key, doc = crypto.new_key(passphrase)
            _ensure_dir(self.folder)
            files = [(path, _read_limited(path, MAX_FILE_BYTES)) for path in run_files(self.folder)]
            plain = [_plain_id(path, data) for path, data in files if not crypto.is_sealed(data)]
            write_private(pending, crypto.seal(key, json.dumps(plain).encode("utf-8")), neutral=True)
            write_private(self.folder / KEY_FILE, doc, neutral=True)
            _fsync_dir(self.folder)
            self.key, listed = key, set(plain)
        done = self._convert(lambda path, raw: not crypto.is_sealed(raw) and _plain_id(path, raw) in listed,
                             self.key)
        pending.unlink(missing_ok=True)
        raw = self._settings_bytes()
        if raw is not None and not crypto.is_sealed(raw):  # the country too, once it is protected
            self._write_settings(self._read_settings(None), self.key)
        _neutral_time(self.folder)  # removing the plain files changed it
        return done

    def unprotect(self) -> tuple[int, list[str]]:
        """Turn protection off: every sealed run back to a plain file, then the key file goes
        (kept while any sealed file could not be read). Crash-safe like `protect`."""
        key = self._need_key()
        if key is None:
            return 0, []
        done, left = self._convert(lambda path, raw: SEALED_NAME.match(path.name) is not None, None)
        if not any(SEALED_NAME.match(p.name) for p in run_files(self.folder)):
            self._write_settings(self._read_settings(key), None)  # plain again, then no key
            self.key_path.unlink()
            _fsync_dir(self.folder)
            self.key = None
        return done, left

    def change_passphrase(self, new_passphrase: str) -> tuple[int, list[str]]:
        """Seal every run under a key from the new passphrase, then switch key files. Killed
        half-way, running it again with the same two passphrases finishes the job."""
        old = self._need_key()
        if old is None:
            raise PassphraseError(f"{display_path(self.folder)}: your answers are not protected")
        pending = self.folder / NEW_KEY_FILE
        if pending.exists():
            new = crypto.unlock(self._key_file(NEW_KEY_FILE), new_passphrase, display_path(pending))
        else:
            new, doc = crypto.new_key(new_passphrase)
            write_private(pending, doc, neutral=True)
            _fsync_dir(self.folder)
        done, left = self._convert(lambda path, raw: crypto.key_id_of(raw) == old.key_id, new)
        raw = self._settings_bytes()
        if raw is not None and crypto.key_id_of(raw) == old.key_id:
            self._write_settings(self._read_settings(old), new)
        legacy = self.key_path.name == LEGACY_KEY_FILE
        os.replace(pending, self.folder / KEY_FILE)  # the neutral name from now on
        if legacy:
            (self.folder / LEGACY_KEY_FILE).unlink()
        _neutral_time(self.folder)
        _fsync_dir(self.folder)
        self.key = new
        self._cache.clear()
        return done, left

    def _convert(self, wanted: Callable[[Path, bytes], bool], key: crypto.Key | None) -> tuple[int, list[str]]:
        """Rewrite the runs `wanted` picks (by name and bytes) as new files, sealed with `key` or
        plain, each synced before the old file is removed; a run already present in its new form
        is not written twice. Each file is read once."""
        self._cache.clear()
        target = key.key_id if key else None
        files = [(path, _read_limited(path, MAX_FILE_BYTES)) for path in run_files(self.folder)]
        present = set()
        for path, raw in files:
            if crypto.key_id_of(raw) == target:
                try:
                    present.add(_fingerprint(_run_from_bytes(raw, display_path(path), self.checklists, key)))
                except ToolkitError:
                    pass
        done, left = 0, []
        for path, raw in files:
            if not wanted(path, raw):
                continue
            try:  # a file named as sealed must be sealed (a plain one there was planted)
                run = _run_from_bytes(raw, display_path(path), self.checklists, self.key,
                                      sealed_only=SEALED_NAME.match(path.name) is not None)
            except ToolkitError as exc:
                left.append(str(exc))
                continue
            if _fingerprint(run) not in present:
                _save_run(run, self.folder, key)
                present.add(_fingerprint(run))
            path.unlink()
            _fsync_dir(self.folder)
            done += 1
        self._cache.clear()
        return done, left

    def save(self, answers: Answers) -> Path:
        """Save a run as a new file (sealed while the folder is protected); see `save_answers`."""
        return _save_run(answers, self.folder, self._need_key())

    def read(self, path: Folder) -> SavedRun:
        """One run, validated; raises AnswersError naming the file, PassphraseError when its
        folder is protected and this store has no key."""
        path = Path(path)
        if self.key is None and _is_protected(path.parent):
            raise PassphraseError(f"{display_path(path.parent)}: your answers are protected with a "
                                  "passphrase: unlock them first")
        got = self._read_cached(path)
        if isinstance(got, AnswersError):
            raise got
        return got

    def _read_cached(self, path: Path) -> SavedRun | AnswersError:
        try:
            st = path.stat()
        except OSError as exc:
            return AnswersError(f"{display_path(path)}: cannot read file ({exc.strerror or exc})")
        # Runs are never rewritten in place; the inode and change time (which no program can set)
        # also catch a file replaced with the same size and a copied modification time.
        key = str(path)
        stamp_ = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, _is_protected(path.parent))
        hit = self._cache.get(key)
        if hit is not None and hit[0] == stamp_:
            return hit[1]
        try:
            got: SavedRun | AnswersError = self._load(path)
        except AnswersError as exc:
            got = exc
        self._cache[key] = (stamp_, got)
        return got

    def _load(self, path: Path) -> SavedRun:
        """Read and validate one file (the only place the store reads a run from disk)."""
        return _load_file(path, self.checklists, self.key)

    def saved(self) -> list[tuple[Path, SavedRun | AnswersError]]:
        """Every file with its run or its problem (see `read_saved`); PassphraseError while a
        protected folder is locked."""
        self._need_key()
        files = run_files(self.folder)
        live = {str(p) for p in files}
        for gone in set(self._cache) - live:
            del self._cache[gone]
        return [(p, self._read_cached(p)) for p in files]

    def runs(self) -> list[SavedRun]:
        """The valid runs, oldest first; a run present twice (a protect that was interrupted,
        until it is run again) counts once."""
        runs = valid_runs(self.saved())
        return list({_fingerprint(r): r for r in runs}.values())

    def table(self) -> pd.DataFrame:
        """Every file as a table row, newest first, with its problem if it has one."""
        return saved_table(self.saved())

    def export_bundle(self, plain: bool = False) -> bytes:
        """Every valid run as one download. From a protected folder it is sealed with the same
        key (see SEALED_BUNDLE_FORMAT) unless `plain` is asked for explicitly."""
        key = self._need_key()
        data = bundle_bytes(self.saved())
        if key is None or plain:
            return data
        envelope = {"format": SEALED_BUNDLE_FORMAT, "format_version": 1,
                    "key": json.loads(self._key_file(self.key_path.name).decode("utf-8")),
                    "sealed": base64.b64encode(crypto.seal(key, crypto.padded(data, MAX_BUNDLE_BYTES))).decode("ascii")}
        return json.dumps(envelope, indent=1).encode("utf-8")

    def _open_sealed_bundle(self, doc: dict[str, Any], name: str, passphrase: str | None
                            ) -> tuple[bytes, crypto.Key, bytes]:
        """The bundle inside a sealed download, its key and key file document: the folder's key
        when it is the same, else the passphrase's (PassphraseError asks for it)."""
        key_doc = json.dumps(doc.get("key")).encode("utf-8")
        try:
            sealed = base64.b64decode(doc.get("sealed") or "", validate=True)
        except (ValueError, TypeError):
            raise AnswersError(f"{name}: damaged protected download") from None
        if self.key is not None and crypto.key_file_id(key_doc) == self.key.key_id:
            key = self.key
        elif passphrase:
            key = crypto.unlock(key_doc, passphrase, name)
        else:
            raise PassphraseError(f"{name} is protected with a passphrase: type it to open the file")
        return crypto.unseal(key, sealed, name), key, key_doc

    # -- settings: kept with the answers, private like them, gone with "forget"

    def settings(self) -> dict[str, Any]:
        """The person's settings; a missing or unreadable file means no settings (never an error
        that could keep the support resources from showing). In a protected folder they are
        sealed: while it is locked (or for a plain file planted there) there are none, and the
        country falls back to the computer's locale."""
        if self.protected and self.key is None:
            return {}
        return self._read_settings(self.key if self.protected else None)

    def _settings_bytes(self) -> bytes | None:
        try:
            return _read_limited(self.folder / SETTINGS_FILE, MAX_FILE_BYTES)
        except AnswersError:
            return None

    def _read_settings(self, key: crypto.Key | None) -> dict[str, Any]:
        """The settings file read with `key` (sealed only) or without (plain only); else {}."""
        raw = self._settings_bytes()
        if raw is None or crypto.is_sealed(raw) != (key is not None):
            return {}
        try:
            if key is not None:
                raw = crypto.unseal(key, raw, SETTINGS_FILE)
            data = json.loads(raw.decode("utf-8"))
        except (AnswersError, UnicodeDecodeError, ValueError, RecursionError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if k in SETTINGS_KEYS and (v is None or isinstance(v, str))}

    def _write_settings(self, settings: dict[str, Any], key: crypto.Key | None) -> None:
        """Write the settings (sealed and padded with `key`), atomically, mode 0600."""
        data = json.dumps(settings, indent=1).encode("utf-8")
        write_private(self.folder / SETTINGS_FILE, _seal(key, data) if key else data, neutral=key is not None)

    def save_settings(self, **changes: str | None) -> None:
        """Change settings (atomically, mode 0600; sealed while protected, which needs the key:
        PassphraseError while locked); unknown names are refused."""
        unknown = set(changes) - SETTINGS_KEYS
        if unknown:
            raise AnswersError(f"unknown setting '{sorted(unknown)[0]}'")
        key = self._need_key()
        _ensure_dir(self.folder)
        self._write_settings({**self.settings(), **changes}, key)

    def import_bundle(self, data: bytes, name: str = "upload", passphrase: str | None = None) -> ImportReport:
        """Restore an upload (see `import_bundle`). A sealed download opens with this folder's key
        or `passphrase` (PassphraseError with a plain message otherwise). Its runs are never
        written as plain files: a folder that is not protected becomes protected with the
        download's key (its passphrase), its plain runs sealed as by `protect`."""
        if len(data) > MAX_BUNDLE_BYTES + 100_000:
            raise AnswersError(f"{name}: the file is larger than {MAX_BUNDLE_BYTES // 1_000_000} MB")
        try:
            doc = json.loads(data.decode("utf-8")) if data.lstrip()[:1] == b"{" else None
        except (UnicodeDecodeError, ValueError, RecursionError):
            doc = None
        if isinstance(doc, dict) and doc.get("format") == SEALED_BUNDLE_FORMAT:
            data, bundle_key, key_doc = self._open_sealed_bundle(doc, name, passphrase)
            if not self.protected:  # adopt the download's key: nothing it holds is written plain
                _ensure_dir(self.folder)
                write_private(self.folder / KEY_FILE, key_doc, neutral=True)
                _fsync_dir(self.folder)
                self.key = bundle_key
                self._convert(lambda path, raw: not crypto.is_sealed(raw), bundle_key)
        elif self.protected and self.key is None and passphrase:
            self.unlock(passphrase)
        key = self._need_key()
        return _import_bundle(data, self.folder, self.checklists, name=name, seal_key=key,
                              present=valid_runs(self.saved()))  # from the cache: each file read once

    def forget(self) -> int:
        """Delete every saved run here (sealed or not, with the key file); see `forget_all`."""
        self._cache.clear()
        self.key = None
        return forget_all(self.folder)
