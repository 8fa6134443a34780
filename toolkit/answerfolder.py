"""What lives in an answers folder: the run files, the key and settings files, and how a run is
written into it or everything is deleted. Used by the store (`store.AnswerStore`), which is the
one public way to read and write answers.

Runs are never overwritten: each is a new file, plain (named by checklist and time) or, in a
protected folder, sealed under a neutral random name. Files are 0600 and the folder 0700.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from . import crypto
from .answerfile import (
    FORMAT,
    MAX_FILE_BYTES,
    RUN_NAME,
    SEALED_NAME,
    check_saved_at,
    decode,
    run_bytes,
    run_name,
    seal_run,
    stamp,
)
from .checklist import Answers, display_path
from .errors import AnswersError
from .files import TEMP_PREFIX, Folder, read_regular, remove_stale_temps, write_new
from .i18n import _

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
#: The person's settings (their country for the support lines), beside their answers.
SETTINGS_FILE = ".settings.json"
#: The language of the pages, kept apart and never sealed: the Unlock box itself must speak the
#: person's language, and a language code says nothing about anyone's answers.
LANGUAGE_FILE = ".language"


def run_files(directory: Folder) -> list[Path]:
    """Saved-run files in the folder: `*.json` and sealed runs, skipping hidden and temporary files."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    return sorted(p for p in (*folder.glob("*.json"), *folder.glob("*.sealed"))
                  if not p.name.startswith(".") and p.is_file())


def read_run_file(path: Path) -> bytes:
    """A run file's bytes, within the size limit (never blocks on a FIFO)."""
    return read_regular(path, MAX_FILE_BYTES)


def key_path(folder: Path) -> Path | None:
    """The folder's key file: its neutral name, else the name earlier versions gave it."""
    for name in (KEY_FILE, LEGACY_KEY_FILE):
        if os.path.lexists(folder / name):
            return folder / name
    return None


def is_protected(folder: Path) -> bool:
    """A folder with a key file: its runs count only when sealed with that key."""
    return key_path(folder) is not None


#: Several people on one computer (a counsellor and the people they see): person 1 keeps the
#: answers folder itself, as before; person N (2 to MAX_PEOPLE) gets the subfolder named N. Only
#: numbers: no name of anyone is ever written to disk. Each is a folder of its own (its own runs,
#: settings and, if protected, its own passphrase), so nothing of one person counts for another.
MAX_PEOPLE = 99


def person_folder(home: Path, person: int) -> Path:
    """The answers folder of `person` (1 is `home` itself)."""
    if not 1 <= person <= MAX_PEOPLE:
        raise AnswersError(_("there is no person {n} (choose 1 to {most})").format(n=person, most=MAX_PEOPLE))
    return home if person == 1 else home / str(person)


def people(home: Path) -> list[int]:
    """The people with a folder here: always 1, then every N with a subfolder named N."""
    found = {1}
    try:
        for entry in os.scandir(home):
            if entry.name.isdigit() and entry.name == str(int(entry.name)) \
                    and 2 <= int(entry.name) <= MAX_PEOPLE and entry.is_dir(follow_symlinks=False):
                found.add(int(entry.name))
    except OSError:  # no folder yet, or unreadable: just the one person
        pass
    return sorted(found)


def plain_id(path: Path, raw: bytes) -> str:
    """A plain run file as `protect` lists it: its name and a hash of its bytes."""
    return f"{path.name}:{hashlib.blake2b(raw, digest_size=16).hexdigest()}"


def write_run(answers: Answers, directory: Folder, key: crypto.Key | None) -> Path:
    """Write one run as a new file (sealed with `key` under a neutral name, else plain): the
    store's single way of writing a run. A draft is stamped with the current time."""
    folder = Path(directory)
    run = stamp(answers)
    saved_at = run.saved_at
    if saved_at.tzinfo is None:
        raise AnswersError(_("saved_at must be timezone-aware"))
    check_saved_at(saved_at, str(folder))
    data = run_bytes(run)
    if key is not None:
        path = write_new(folder, lambda: f"{secrets.token_hex(16)}.sealed", seal_run(key, data), neutral=True)
    else:
        path = write_new(folder, lambda: run_name(answers.checklist_id, saved_at), data)
    remove_stale_temps(folder)
    return path


def _is_run_file(path: Path) -> bool:
    """A file this toolkit wrote (a run name) or any saved-answers document, valid or not."""
    if RUN_NAME.match(path.name) or SEALED_NAME.match(path.name):
        return True
    try:
        doc = decode(read_run_file(path), path.name)
    except AnswersError:
        return False
    return isinstance(doc, dict) and doc.get("format") == FORMAT


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
    extra = [folder / name for name in (SETTINGS_FILE, LANGUAGE_FILE, KEY_FILE, NEW_KEY_FILE, PENDING_FILE,
                                        LEGACY_KEY_FILE, LEGACY_NEW_KEY_FILE)
             if os.path.lexists(folder / name)]
    for path in dict.fromkeys(runs + extra + list(folder.glob(TEMP_PREFIX + "*"))):
        try:
            path.unlink()
            count += path in runs
        except OSError as exc:
            raise AnswersError(_("{where}: could not delete ({why})").format(
                where=display_path(path), why=exc.strerror or exc)) from None
    try:
        folder.rmdir()
    except OSError:
        pass
    return count
