"""Switching a folder's encryption: protect, unprotect, change the passphrase.

Each rewrites runs as new files (sealed with a key, or plain), syncing each before its old file
goes, so a kill half-way loses nothing and running the same command again finishes the job.
Called through the store (`AnswerStore.protect` and friends); see crypto.py for what protection
does and does not protect against.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import answerfolder, bundles, crypto
from .answerfile import SEALED_NAME, fingerprint, run_from_bytes
from .answerfolder import LEGACY_KEY_FILE, NEW_KEY_FILE, PENDING_FILE, plain_id, read_run_file, run_files, write_run
from .checklist import display_path
from .errors import AnswersError, PassphraseError, ToolkitError
from .files import ensure_dir, fsync_dir, neutral_time, read_regular, write_private
from .i18n import _

if TYPE_CHECKING:
    from .store import AnswerStore


@dataclass(frozen=True)
class Converted:
    """What a switch did: how many runs it rewrote, and the problems of the files it left as they were."""

    count: int = 0
    left: list[str] = field(default_factory=list)


def write_key_file(folder: Path, key_doc: bytes, name: str | None = None) -> None:
    """The key file document (never the key) under the folder's key file name, synced."""
    ensure_dir(folder)
    write_private(folder / (name or answerfolder.KEY_FILE), key_doc, neutral=True)
    fsync_dir(folder)


def _pending_plain(store: AnswerStore, key: crypto.Key) -> set[str]:
    """The plain runs a first protect listed (sealed in PENDING_FILE); none when nothing is under way."""
    try:
        raw = read_regular(store.folder / PENDING_FILE, 1_000_000)
        return set(json.loads(crypto.unseal(key, raw, PENDING_FILE)))
    except (AnswersError, OSError, ValueError):
        return set()  # nothing under way: a plain file here now was not the person's


def _start_protect(store: AnswerStore, passphrase: str) -> tuple[crypto.Key, set[str]]:
    """A new key, with the plain runs it will seal listed (sealed) before the key file exists."""
    key, doc = crypto.new_key(passphrase)
    ensure_dir(store.folder)
    files = [(path, read_run_file(path)) for path in run_files(store.folder)]
    plain = [plain_id(path, data) for path, data in files if not crypto.is_sealed(data)]
    write_private(store.folder / PENDING_FILE, crypto.seal(key, json.dumps(plain).encode("utf-8")), neutral=True)
    write_key_file(store.folder, doc)
    return key, set(plain)


def protect(store: AnswerStore, passphrase: str) -> Converted:
    """Turn protection on and seal every readable plain run. Crash-safe: each run is sealed and
    synced before its plain file goes, and running it again (same passphrase) finishes the job:
    the plain runs it found are listed, sealed, in PENDING_FILE, and only those are sealed later."""
    if store.protected:
        store.unlock(passphrase)
        key = store.keys.need()
        assert key is not None
        listed = _pending_plain(store, key)
    else:
        key, listed = _start_protect(store, passphrase)
        store.keys.key = key
    done = convert(store, lambda path, raw: not crypto.is_sealed(raw) and plain_id(path, raw) in listed, key)
    (store.folder / PENDING_FILE).unlink(missing_ok=True)
    raw = store.settings_file.raw()
    if raw is not None and not crypto.is_sealed(raw):  # the country too, once it is protected
        store.settings_file.write(store.settings_file.read(None), key)
    neutral_time(store.folder)  # removing the plain files changed it
    return done


def unprotect(store: AnswerStore) -> Converted:
    """Turn protection off: every sealed run back to a plain file, then the key file goes (kept
    while any sealed file could not be read). Crash-safe like `protect`."""
    key = store.keys.need()
    if key is None:
        return Converted()
    done = convert(store, lambda path, raw: SEALED_NAME.match(path.name) is not None, None)
    if not any(SEALED_NAME.match(p.name) for p in run_files(store.folder)):
        store.settings_file.write(store.settings_file.read(key), None)  # plain again, then no key
        store.keys.path.unlink()
        fsync_dir(store.folder)
        store.keys.key = None
    return done


def change_passphrase(store: AnswerStore, new_passphrase: str) -> Converted:
    """Seal every run under a key from the new passphrase, then switch key files. Killed
    half-way, running it again with the same two passphrases finishes the job."""
    old = store.keys.need()
    if old is None:
        raise PassphraseError(_("{where}: your answers are not protected").format(where=display_path(store.folder)))
    pending = store.folder / NEW_KEY_FILE
    if pending.exists():
        new = crypto.unlock(store.keys.file(NEW_KEY_FILE), new_passphrase, display_path(pending))
    else:
        new, doc = crypto.new_key(new_passphrase)
        write_key_file(store.folder, doc, NEW_KEY_FILE)
    done = convert(store, lambda path, raw: crypto.key_id_of(raw) == old.key_id, new)
    raw = store.settings_file.raw()
    if raw is not None and crypto.key_id_of(raw) == old.key_id:
        store.settings_file.write(store.settings_file.read(old), new)
    legacy = store.keys.path.name == LEGACY_KEY_FILE
    os.replace(pending, store.folder / answerfolder.KEY_FILE)  # the neutral name from now on
    if legacy:
        (store.folder / LEGACY_KEY_FILE).unlink()
    neutral_time(store.folder)
    fsync_dir(store.folder)
    store.keys.key = new
    store.cache.clear()
    return done


def open_upload(store: AnswerStore, data: bytes, name: str, passphrase: str | None) -> bytes:
    """The bundle of an upload. A sealed download opens with the folder's key or `passphrase`
    (PassphraseError otherwise), and its runs are never written plain: a plain folder is
    protected with the download's key first, its plain runs sealed as by `protect`. A plain
    upload into a locked folder unlocks it with `passphrase` when one is given."""
    envelope = bundles.sealed_envelope(data, name)
    if envelope is None:
        if store.protected and store.key is None and passphrase:
            store.unlock(passphrase)
        return data
    upload = bundles.open_sealed(envelope, name, store.key, passphrase)
    if not store.protected:
        write_key_file(store.folder, upload.key_doc)
        store.keys.key = upload.key
        convert(store, lambda path, raw: not crypto.is_sealed(raw), upload.key)
    return upload.data


def _present(store: AnswerStore, files: list[tuple[Path, bytes]], key: crypto.Key | None) -> set[str]:
    """The runs already in their new form (sealed with `key`, or plain): never written twice."""
    target = key.key_id if key else None
    present = set()
    for path, raw in files:
        if crypto.key_id_of(raw) == target:
            try:
                present.add(fingerprint(run_from_bytes(raw, display_path(path), store.checklists, key)))
            except ToolkitError:
                pass
    return present


def convert(store: AnswerStore, wanted: Callable[[Path, bytes], bool], key: crypto.Key | None) -> Converted:
    """Rewrite the runs `wanted` picks (by name and bytes) as new files, sealed with `key` or
    plain, each synced before the old file is removed. Each file is read once."""
    store.cache.clear()
    files = [(path, read_run_file(path)) for path in run_files(store.folder)]
    present = _present(store, files, key)
    done, left = 0, []
    for path, raw in files:
        if not wanted(path, raw):
            continue
        try:  # a file named as sealed must be sealed (a plain one there was planted)
            run = run_from_bytes(raw, display_path(path), store.checklists, store.key,
                                 sealed_only=SEALED_NAME.match(path.name) is not None)
        except ToolkitError as exc:
            left.append(str(exc))
            continue
        if fingerprint(run) not in present:
            write_run(run, store.folder, key)
            present.add(fingerprint(run))
        path.unlink()
        fsync_dir(store.folder)
        done += 1
    store.cache.clear()
    return Converted(done, left)
