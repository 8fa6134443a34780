"""The answer store: the one public way to read and write the saved runs of one folder.

`AnswerStore` is made of small parts: its key file and key (`KeyFile`), its settings file
(`SettingsFile`) and the runs it has already validated (`RunCache`). The functions at the end
(`save_answers`, `load_runs`, …) are one-call shortcuts, each a store for that call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import answerfolder, bundles, crypto, protection
from .answerfile import MAX_FILE_BYTES, Checklists, fingerprint, run_from_bytes, seal_run
from .answerfolder import (
    LANGUAGE_FILE,
    SETTINGS_FILE,
    forget_all,
    is_protected,
    key_path,
    people,
    person_folder,
    read_run_file,
    run_files,
    write_run,
)
from .bundles import ImportReport, Saved
from .checklist import Answers, SavedRun, display_path
from .errors import AnswersError, PassphraseError
from .files import FilePath, Folder, ensure_dir, read_regular, write_private
from .i18n import _
from .protection import Converted

if TYPE_CHECKING:
    import pandas as pd

SETTINGS_KEYS = {"country", "language"}
#: What the language file may hold: a language code ("es", "pt_BR"); anything else is no choice.
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
SAVED_COLUMNS = ["file", "checklist", "version", "saved_at", "answered", "problem", "path"]


def _locked(folder: Path) -> PassphraseError:
    """Said wherever a page or command reads a locked folder: no path (a page shows it as it is)."""
    return PassphraseError(_("Your answers are protected with a passphrase: unlock them first."))


class KeyFile:
    """A folder's key file (salt, parameters, check; never the key) and, once unlocked, the key,
    kept in memory only."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.key: crypto.Key | None = None

    @property
    def protected(self) -> bool:
        return is_protected(self.folder)

    @property
    def path(self) -> Path:
        """The key file: the one there (old folders keep the old name), else the neutral name."""
        return key_path(self.folder) or self.folder / answerfolder.KEY_FILE

    def file(self, name: str) -> bytes:
        return read_regular(self.folder / name, 10_000)

    def need(self) -> crypto.Key | None:
        """The key when the folder is protected (PassphraseError while locked), else None."""
        if not self.protected:
            return None
        if self.key is None:
            raise _locked(self.folder)
        return self.key

    def use(self, key: crypto.Key) -> None:
        """Use a key already derived: it must be this protected folder's key."""
        where = display_path(self.folder)
        if not self.protected:
            raise PassphraseError(_("{where}: a key was given but these answers are not protected; nothing "
                                    "was read or written").format(where=where))
        if not crypto.key_opens(self.file(self.path.name), key):
            raise PassphraseError(_("{where}: this key does not open these answers").format(where=where))
        self.key = key

    def unlock(self, passphrase: str) -> None:
        """Check the passphrase and keep the key; PassphraseError if it is wrong."""
        self.key = crypto.unlock(self.file(self.path.name), passphrase, display_path(self.path))


class SettingsFile:
    """The person's settings beside their answers: private like them, sealed while protected,
    gone with "forget". The language is the exception: kept in its own plain file (LANGUAGE_FILE)
    so that a locked folder's pages, its Unlock box first, are already in it."""

    def __init__(self, folder: Path, keys: KeyFile) -> None:
        self.path = folder / SETTINGS_FILE
        self.language_path = folder / LANGUAGE_FILE
        self.keys = keys

    def current(self) -> dict[str, Any]:
        """The settings; a missing or unreadable file means none (never an error that could keep
        the support resources from showing). While a protected folder is locked (or for a plain
        file planted there) there are none but the language: the country falls back to the
        computer's locale."""
        settings = {} if self.keys.protected and self.keys.key is None else self.read(
            self.keys.key if self.keys.protected else None)
        language = self.language()
        if language:
            settings["language"] = language
        return settings

    def language(self) -> str | None:
        """The language chosen, if the language file holds a language code (else none)."""
        try:
            text = read_regular(self.language_path, 64).decode("ascii").strip()
        except (AnswersError, UnicodeDecodeError):
            return None
        return text if LANGUAGE_CODE.fullmatch(text) else None

    def change(self, **changes: str | None) -> None:
        """Change settings (sealed while protected, which needs the key: PassphraseError while
        locked, except for the language alone); unknown names are refused."""
        unknown = set(changes) - SETTINGS_KEYS
        if unknown:
            raise AnswersError(_("unknown setting '{name}'").format(name=sorted(unknown)[0]))
        others = {k: v for k, v in changes.items() if k != "language"}
        key = self.keys.need() if others else None  # PassphraseError before anything changes
        if "language" in changes:
            self._change_language(changes["language"])
        if others:
            ensure_dir(self.path.parent)
            kept = {k: v for k, v in {**self.current(), **others}.items() if k != "language"}
            self.write(kept, key)

    def _change_language(self, code: str | None) -> None:
        if code is not None and not LANGUAGE_CODE.fullmatch(code):
            raise AnswersError(_("'{code}' is not a language code").format(code=f"{code:.20}"))
        ensure_dir(self.path.parent)
        if code is None:
            self.language_path.unlink(missing_ok=True)
        else:  # the neutral time: the file does not say when the choice was made
            write_private(self.language_path, code.encode("ascii") + b"\n", neutral=True)

    def raw(self) -> bytes | None:
        try:
            return read_regular(self.path, MAX_FILE_BYTES)
        except AnswersError:
            return None

    def read(self, key: crypto.Key | None) -> dict[str, Any]:
        """The settings read with `key` (sealed only) or without (plain only); else {}."""
        raw = self.raw()
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

    def write(self, settings: dict[str, Any], key: crypto.Key | None) -> None:
        """Write the settings (sealed and padded with `key`), atomically, mode 0600."""
        data = json.dumps(settings, indent=1).encode("utf-8")
        write_private(self.path, seal_run(key, data) if key else data, neutral=key is not None)


Stamp = tuple[int, int, int, int, bool]


class RunCache:
    """The runs already validated, by path. Runs are never rewritten in place; the inode and
    change time (which no program can set) also catch a file replaced with the same size and a
    copied modification time."""

    def __init__(self, load: Callable[[Path], SavedRun]) -> None:
        self._load = load
        self._runs: dict[str, tuple[Stamp, SavedRun | AnswersError]] = {}

    def __len__(self) -> int:
        return len(self._runs)

    def clear(self) -> None:
        self._runs.clear()

    def keep_only(self, paths: list[Path]) -> None:
        """Forget the files that are gone."""
        live = {str(p) for p in paths}
        for gone in set(self._runs) - live:
            del self._runs[gone]

    def run(self, path: Path) -> SavedRun:
        """The run at `path`; its AnswersError raised."""
        got = self.get(path)
        if isinstance(got, AnswersError):
            raise got
        return got

    def get(self, path: Path) -> SavedRun | AnswersError:
        """The run at `path` or its problem, read from disk only when the file changed."""
        try:
            st = path.stat()
        except OSError as exc:
            return AnswersError(_("{where}: cannot read file ({why})").format(
                where=display_path(path), why=exc.strerror or exc))
        stamp = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, is_protected(path.parent))
        hit = self._runs.get(str(path))
        if hit is not None and hit[0] == stamp:
            return hit[1]
        try:
            got: SavedRun | AnswersError = self._load(path)
        except AnswersError as exc:
            got = exc
        self._runs[str(path)] = (stamp, got)
        return got


def valid_runs(saved: Saved) -> list[SavedRun]:
    """The valid runs of a folder listing, oldest first."""
    return sorted((a for _path, a in saved if isinstance(a, SavedRun)), key=lambda a: a.saved_at)


def _saved_table(saved: Saved) -> pd.DataFrame:
    """A folder listing as a table, newest first; unreadable files with their problem."""
    import pandas as pd  # only tables need it: saving and reading runs do not

    rows = []
    for path, got in saved:
        if isinstance(got, SavedRun):
            rows.append({"file": path.name, "checklist": got.checklist_id, "version": got.checklist_version,
                         "saved_at": pd.Timestamp(got.saved_at).tz_convert("UTC"),
                         "answered": len(got.responses), "problem": "", "path": path})
        else:
            rows.append({"file": path.name, "checklist": None, "version": None, "saved_at": pd.NaT,
                         "answered": None, "problem": str(got), "path": path})
    table = pd.DataFrame(rows, columns=SAVED_COLUMNS)
    table["saved_at"] = pd.to_datetime(table["saved_at"], utc=True)
    return table.sort_values("saved_at", ascending=False, na_position="last", ignore_index=True)


class _Keys:
    """The store's passphrase protection (see crypto.py for what it does and does not protect
    against): the key in memory and locking. Part of AnswerStore, whose `keys` (KeyFile) and
    `cache` (RunCache) it uses."""

    keys: KeyFile
    cache: RunCache
    _lock_hooks: list[Callable[[], None]]

    @property
    def key(self) -> crypto.Key | None:
        """The folder's key once unlocked (in memory only), else None."""
        return self.keys.key

    @property
    def protected(self) -> bool:
        return self.keys.protected

    def use_key(self, key: crypto.Key | None) -> None:
        """Use a key already derived (the one-call functions take one); see `KeyFile.use`."""
        if key is not None:
            self.keys.use(key)
            self.cache.clear()

    def unlock(self, passphrase: str) -> None:
        """Check the passphrase and keep the key in memory; PassphraseError if it is wrong."""
        self.keys.unlock(passphrase)
        self.cache.clear()

    def lock(self) -> None:
        """Forget the key and every run read so far (decrypted ones included): Exit, the idle
        lock and a page that is gone call it, so reading again needs the passphrase. Whatever
        keeps the key elsewhere (a browser tab's unlock, see uikit.SessionUnlock) is told too."""
        self.keys.key = None
        self.cache.clear()
        for hook in list(self._lock_hooks):
            hook()

    def on_lock(self, hook: Callable[[], None]) -> None:
        """Call `hook` whenever this store locks (Exit, idle, forget, another person chosen)."""
        self._lock_hooks.append(hook)


class _People:
    """One person's answers at a time, where one computer serves several (see
    answerfolder.person_folder): person 1 is the folder itself, person N its subfolder N. Part
    of AnswerStore, which opens the chosen person's folder (`_open`) and locks first."""

    home: Path
    person: int
    _switch_hooks: list[Callable[[], None]]

    def _open(self, folder: Path) -> None:
        raise NotImplementedError

    def lock(self) -> None:
        raise NotImplementedError

    def people(self) -> list[int]:
        """The people with answers here (1 always; numbers only, never names)."""
        return people(self.home)

    def choose_person(self, person: int, create: bool = False) -> None:
        """Read and write `person`'s answers from now on: the store locks first (one person's
        key never opens, or stays beside, another's answers). `create` makes a new person's
        folder; otherwise a person without one is refused."""
        folder = person_folder(self.home, person)
        if person != 1 and not folder.is_dir():
            if not create:
                raise AnswersError(_("there is no person {n} here").format(n=person))
            ensure_dir(folder)
        self.lock()
        self.person = person
        self._open(folder)
        for hook in list(self._switch_hooks):
            hook()

    def on_switch(self, hook: Callable[[], None]) -> None:
        """Call `hook` after another person was chosen (a page clears the last person's answers)."""
        self._switch_hooks.append(hook)

    def new_person(self) -> int:
        """Make the next person's folder and choose it; their number."""
        person = max(self.people()) + 1
        self.choose_person(person, create=True)
        return person


class AnswerStore(_Keys, _People):
    """The saved runs of one folder, read against one set of checklists.

    Owns read / save / list / import / export / protect / forget for that folder, and keeps the
    runs it has already validated, so a page that shows several views reads each file once.
    """

    def __init__(self, folder: Folder, checklists: Checklists) -> None:
        self.home = Path(folder)
        self.checklists = checklists
        self._lock_hooks: list[Callable[[], None]] = []
        self._switch_hooks: list[Callable[[], None]] = []
        self._open(self.home)
        self.person = 1

    def _open(self, folder: Path) -> None:
        self.folder = folder
        self.keys = KeyFile(folder)
        self.settings_file = SettingsFile(folder, self.keys)
        self.cache = RunCache(self._load)

    def __repr__(self) -> str:
        return f"AnswerStore({display_path(self.folder)!r})"

    def protect(self, passphrase: str) -> Converted:
        """Protect the folder with `passphrase`, sealing every readable plain run (see protection.py)."""
        return protection.protect(self, passphrase)

    def unprotect(self) -> Converted:
        """Every sealed run back to a plain file, then the key file goes (see protection.py)."""
        return protection.unprotect(self)

    def change_passphrase(self, new_passphrase: str) -> Converted:
        """Every run sealed under a key from the new passphrase (see protection.py)."""
        return protection.change_passphrase(self, new_passphrase)

    # -- runs

    def save(self, answers: Answers) -> Path:
        """A run as a new file (sealed while protected); earlier runs are never touched."""
        return write_run(answers, self.folder, self.keys.need())

    def read(self, path: FilePath) -> SavedRun:
        """One run, validated (AnswersError naming the file); PassphraseError while locked."""
        path = Path(path)
        if self.key is None and is_protected(path.parent):
            raise _locked(path.parent)
        return self.cache.run(path)

    def _load(self, path: Path) -> SavedRun:
        """The only place the store reads a run from disk; when protected, only sealed runs count."""
        return run_from_bytes(read_run_file(path), display_path(path), self.checklists, self.key,
                              sealed_only=is_protected(path.parent))

    def saved(self) -> Saved:
        """Every file with its run or its problem; PassphraseError while a protected folder is locked."""
        self.keys.need()
        files = run_files(self.folder)
        self.cache.keep_only(files)
        return [(p, self.cache.get(p)) for p in files]

    def runs(self) -> list[SavedRun]:
        """The valid runs, oldest first; a run present twice (an interrupted protect) counts once."""
        return list({fingerprint(r): r for r in valid_runs(self.saved())}.values())

    def table(self) -> pd.DataFrame:
        """Every file as a table row, newest first, with its problem if it has one."""
        return _saved_table(self.saved())

    def export_bundle(self, plain: bool = False) -> bytes:
        """Every valid run as one download; from a protected folder sealed with its key unless `plain`."""
        key = self.keys.need()
        data = bundles.bundle_bytes(self.saved())
        if key is None or plain:
            return data
        return bundles.sealed_bundle(data, key, self.keys.file(self.keys.path.name))

    def import_bundle(self, data: bytes, name: str = "upload", passphrase: str | None = None) -> ImportReport:
        """Every valid run of an upload not already here becomes a new file (sealed ones: see
        `protection.open_upload`)."""
        data = protection.open_upload(self, data, name, passphrase)
        key = self.keys.need()
        return bundles.import_runs(data, self.folder, self.checklists, name=name, seal_key=key,
                                   present=valid_runs(self.saved()))  # from the cache: each file read once

    # -- settings

    def settings(self) -> dict[str, Any]:
        """The person's settings (see `SettingsFile.current`): none while locked."""
        return self.settings_file.current()

    def save_settings(self, **changes: str | None) -> None:
        """Change settings (see `SettingsFile.change`); PassphraseError while locked."""
        self.settings_file.change(**changes)

    def forget(self) -> int:
        """Delete every saved run here (sealed or not, with the key file); see `forget_all`."""
        self.lock()
        return forget_all(self.folder)


# ------------------------------------------------------------- one-call shortcuts


def _store(directory: Folder, checklists: Checklists, key: crypto.Key | None) -> AnswerStore:
    """The store behind every shortcut: one way in, one set of rules for protection."""
    store = AnswerStore(directory, checklists)
    store.use_key(key)
    return store


def save_answers(answers: Answers, directory: Folder, key: crypto.Key | None = None) -> Path:
    """Save one run as a new file and return its path; earlier runs are never touched.

    A draft is stamped with the current time; a SavedRun (an import, a test) keeps its own.
    A protected folder needs its key (PassphraseError without it); the run is then sealed
    before it touches the disk, under a neutral name.
    """
    return _store(directory, {}, key).save(answers)


def load_answers(path: FilePath, checklists: Checklists, key: crypto.Key | None = None) -> SavedRun:
    """Read and validate one saved run (sealed ones with `key`); the file is never changed."""
    path = Path(path)
    return _store(path.parent, checklists, key).read(path)


def read_saved(directory: Folder, checklists: Checklists, key: crypto.Key | None = None) -> Saved:
    """Every saved run with its path; a bad file yields its error instead of stopping the rest."""
    return _store(directory, checklists, key).saved()


def load_runs(directory: Folder, checklists: Checklists, key: crypto.Key | None = None) -> list[SavedRun]:
    """The valid saved runs, oldest first (bad files are left to `list_saved` to report); a
    protected folder needs its key: never only the runs that happen to be readable."""
    return _store(directory, checklists, key).runs()


def list_saved(directory: Folder, checklists: Checklists, key: crypto.Key | None = None) -> pd.DataFrame:
    """A table of saved runs, newest first; unreadable files are listed with their problem."""
    return _store(directory, checklists, key).table()


def export_bundle(directory: Folder, checklists: Checklists, key: crypto.Key | None = None) -> bytes:
    """Every valid saved run in one JSON document, for download (Binder forgets everything)."""
    return _store(directory, checklists, key).export_bundle()


def import_bundle(data: bytes, directory: Folder, checklists: Checklists, name: str = "upload",
                  key: crypto.Key | None = None) -> ImportReport:
    """Restore runs from a bundle (or a single saved-answers file) as new files; a protected
    folder needs its key (PassphraseError without it) and gets sealed runs only."""
    return _store(directory, checklists, key).import_bundle(data, name)
