"""Bundles: every run of a folder as one download, and an upload restored run by run.

Binder forgets everything when a session ends, so a person downloads their answers and uploads
them next time. A download from a protected folder is sealed with the folder's key and carries
its key file document, so the passphrase opens it anywhere. Used by the store
(`AnswerStore.export_bundle` / `import_bundle`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from . import crypto
from .answerfile import (
    FORMAT,
    RUN_NAME,
    Checklists,
    answers_from_dict,
    answers_to_dict,
    decode,
    fingerprint,
    run_bytes,
    run_name,
)
from .answerfolder import write_run
from .checklist import SavedRun
from .errors import AnswersError, PassphraseError, ToolkitError
from .files import Folder, write_new
from .i18n import _

BUNDLE_FORMAT = "redflag-bundle"
BUNDLE_VERSION = 1
#: A download from a protected folder: the folder's key file document (scrypt salt and
#: parameters, key id, check value; never the key) beside the sealed bundle, so the passphrase
#: opens it in any folder (a new Binder session starts with an empty one). Neutral names.
SEALED_BUNDLE_FORMAT = "sealed-backup"
SEALED_BUNDLE_SUFFIX = ".sealed"
MAX_BUNDLE_BYTES = 20_000_000
#: A saved run or its problem, as the store lists a folder.
Saved = list[tuple[Path, SavedRun | AnswersError]]


@dataclass
class ImportReport:
    """What an upload did: the files it created, the runs already present, and the rejects."""

    imported: list[Path] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SealedUpload:
    """The bundle inside a sealed download, the key that opened it and its key file document."""

    data: bytes
    key: crypto.Key
    key_doc: bytes


def neutral_name(extension: str) -> str:
    """A default name for a download or report that says nothing about what is inside."""
    return f"backup-{datetime.now():%Y-%m-%d}.{extension}" if extension != "html" else \
        f"notes-{datetime.now():%Y-%m-%d}.html"


def bundle_bytes(saved: Saved) -> bytes:
    """The valid runs of a folder listing as one bundle document (a sealed run's random name is
    left out: import would refuse it, and it says nothing)."""
    runs = [{"file": path.name if RUN_NAME.match(path.name) else None, "answers": answers_to_dict(a)}
            for path, a in saved if isinstance(a, SavedRun)]
    doc = {"format": BUNDLE_FORMAT, "format_version": BUNDLE_VERSION,
           "exported_at": datetime.now().astimezone().isoformat(), "runs": runs}
    return json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8")


def sealed_bundle(data: bytes, key: crypto.Key, key_doc: bytes) -> bytes:
    """A bundle sealed with `key`, beside the key file document that the passphrase opens."""
    envelope = {"format": SEALED_BUNDLE_FORMAT, "format_version": 1, "key": json.loads(key_doc.decode("utf-8")),
                "sealed": base64.b64encode(crypto.seal(key, crypto.padded(data, MAX_BUNDLE_BYTES))).decode("ascii")}
    return json.dumps(envelope, indent=1).encode("utf-8")


def _too_large(name: str) -> AnswersError:
    return AnswersError(_("{name}: the file is larger than {mb} MB").format(
        name=name, mb=MAX_BUNDLE_BYTES // 1_000_000))


def sealed_envelope(data: bytes, name: str) -> dict[str, Any] | None:
    """The envelope of a sealed download, or None for anything else (a plain bundle or run)."""
    if len(data) > MAX_BUNDLE_BYTES + 100_000:
        raise _too_large(name)
    try:
        doc = json.loads(data.decode("utf-8")) if data.lstrip()[:1] == b"{" else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) and doc.get("format") == SEALED_BUNDLE_FORMAT else None


def open_sealed(doc: dict[str, Any], name: str, folder_key: crypto.Key | None, passphrase: str | None
                ) -> SealedUpload:
    """The bundle inside a sealed download: opened with the folder's key when it is the same,
    else with the passphrase (PassphraseError asks for it)."""
    key_doc = json.dumps(doc.get("key")).encode("utf-8")
    try:
        sealed = base64.b64decode(doc.get("sealed") or "", validate=True)
    except (ValueError, TypeError):
        raise AnswersError(_("{name}: damaged protected download").format(name=name)) from None
    if folder_key is not None and crypto.key_file_id(key_doc) == folder_key.key_id:
        key = folder_key
    elif passphrase:
        key = crypto.unlock(key_doc, passphrase, name)
    else:
        raise PassphraseError(_("{name} is protected with a passphrase: type it to open the file").format(name=name))
    return SealedUpload(crypto.unseal(key, sealed, name), key, key_doc)


def _entries(data: bytes, name: str) -> list[Any]:
    """The run entries of a bundle, or of a single saved-answers file."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise _too_large(name)
    doc = decode(data, name)
    if isinstance(doc, dict) and doc.get("format") == FORMAT:
        return [{"file": None, "answers": doc}]
    if not (isinstance(doc, dict) and doc.get("format") == BUNDLE_FORMAT):
        raise AnswersError(_("{name}: not an answers bundle or a saved-answers file").format(name=name))
    if doc.get("format_version") != BUNDLE_VERSION:
        raise AnswersError(_("{name}: unsupported bundle format_version {got!r:.40}").format(
            name=name, got=doc.get("format_version")))
    runs = doc.get("runs")
    if not isinstance(runs, list):
        raise AnswersError(_("{name}: 'runs' must be a list").format(name=name))
    return runs


def _entry(entry: Any, label: str, checklists: Checklists) -> tuple[SavedRun, str | None]:
    """One entry's run and its own file name (only a plain run name, never a path)."""
    if not isinstance(entry, dict) or "answers" not in entry:
        raise AnswersError(_("{label}: each run must be an object with 'answers'").format(label=label))
    wanted = entry.get("file")
    if wanted is not None and (not isinstance(wanted, str) or not RUN_NAME.match(wanted)):
        raise AnswersError(_("{label}: unsafe or unexpected file name {name!r}").format(
            label=label, name=str(wanted)[:80]))
    return answers_from_dict(entry["answers"], label, checklists), wanted


def _names(first: str | None, run: SavedRun) -> Callable[[], str]:
    """File names to try: `first` (a bundle entry's own name) once, then fresh run names."""
    pending = [first] if first else []
    return lambda: pending.pop() if pending else run_name(run.checklist_id, run.saved_at)


def import_runs(data: bytes, directory: Folder, checklists: Checklists, name: str,
                seal_key: crypto.Key | None, present: Sequence[SavedRun]) -> ImportReport:
    """Restore runs from a bundle (or a single saved-answers file) as new files.

    Every run is validated on its own; a bad one is rejected with its reason and the others
    are still imported. Existing files are never overwritten; a run already present (in
    `present`, the folder's runs) is skipped. Entry names are only used when they are plain
    run names, so nothing is written outside the answers folder.
    """
    folder = Path(directory)
    existing = {fingerprint(a) for a in present}
    report = ImportReport()
    for n, entry in enumerate(_entries(data, name), start=1):
        label = _("{name}: run {n}").format(name=name, n=n)
        try:
            answers, wanted = _entry(entry, label, checklists)
        except ToolkitError as exc:
            report.rejected.append((label, str(exc)))
            continue
        if fingerprint(answers) in existing:
            report.already_present.append(wanted or label)
            continue
        # Keep the entry's name only when it names this run's checklist; otherwise make a fresh one.
        keep = wanted if wanted and wanted.startswith(answers.checklist_id + "_") else None
        try:
            if seal_key is not None:  # a protected folder: sealed, under a neutral name
                path = write_run(answers, folder, seal_key)
            else:
                path = write_new(folder, _names(keep, answers), run_bytes(answers))
        except AnswersError as exc:  # one failed write rejects this run, not the whole upload
            report.rejected.append((label, str(exc)))
            continue
        existing.add(fingerprint(answers))
        report.imported.append(path)
    return report
