"""The saved-answers file format: one run as a JSON document, its validation, and its bytes.

Everything here is pure (no disk): a run to a dict and back, refusing anything a hostile or
damaged file could hold, and the bytes of a run (plain, or sealed and padded with a key).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from . import crypto
from .checklist import Answers, Checklist, SavedRun, check_answers
from .errors import AnswersError
from .i18n import N_, _

Checklists = Mapping[str, Checklist]

FORMAT = "redflag-answers"
FORMAT_VERSION = 1
MAX_FILE_BYTES = 1_000_000
MAX_NOTE_CHARS = 10_000
RUN_NAME = re.compile(r"^(?=.{1,150}\Z)[a-z0-9]+(-[a-z0-9]+)*_\d{8}-\d{6}_[0-9a-f]{8}\.json\Z")
#: Runs in a protected folder: sealed under neutral names (no checklist, no date).
SEALED_NAME = re.compile(r"^[0-9a-f]{32}\.sealed\Z")
SURROGATE = re.compile("[\ud800-\udfff]")
#: A run may be dated at most this far ahead of this computer's clock. Two clocks kept by the
#: network agree within seconds; ten minutes also covers a phone or laptop whose clock is set by
#: hand, yet a run planted "in the future" can never stay the latest one for longer than that.
MAX_CLOCK_SKEW = timedelta(minutes=10)
#: The problem of an unsealed run in a protected folder: anyone can write one, so it is never
#: believed (scored, summarised, reported, resumed), only listed.
NOT_SEALED = N_("not encrypted: not saved with your passphrase")


def answers_to_dict(answers: SavedRun) -> dict[str, Any]:
    """A run as the document saved on disk and in bundles."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "checklist": answers.checklist_id,
        "checklist_version": answers.checklist_version,
        "saved_at": answers.saved_at.isoformat(),
        "responses": dict(answers.responses),
        "notes": {k: v for k, v in answers.notes.items() if v},
    }


def check_saved_at(saved_at: datetime, where: str) -> None:
    """Dates far outside a lifetime break charts and reports, and a run dated in the future would
    stay "the latest" for ever: refuse both when saving, loading and importing."""
    if not 1970 <= saved_at.year <= 2200:
        raise AnswersError(_("{where}: 'saved_at' is not a plausible date ({when})").format(
            where=where, when=saved_at.isoformat()))
    if saved_at > datetime.now(UTC) + MAX_CLOCK_SKEW:
        raise AnswersError(_("{where}: 'saved_at' is in the future ({when}); a saved run cannot be newer "
                             "than this computer's clock (is the clock right?)").format(
            where=where, when=saved_at.isoformat()))


def _string_map(value: Any, key: str, where: str, limit: int) -> dict[str, str]:
    if not isinstance(value, dict):
        raise AnswersError(_("{where}: '{key}' must be an object of item id -> text").format(where=where, key=key))
    for k, v in value.items():
        if not isinstance(v, str):
            raise AnswersError(_("{where}: '{key}' entry '{entry:.60}' must be text, not {kind}").format(
                where=where, key=key, entry=k, kind=type(v).__name__))
        if len(k) > 200 or len(v) > limit:
            raise AnswersError(_("{where}: '{key}' entry '{entry:.60}' is too long").format(
                where=where, key=key, entry=k))
        if SURROGATE.search(k) or SURROGATE.search(v):
            raise AnswersError(_("{where}: '{key}' entry '{entry!r:.60}' is not valid Unicode text").format(
                where=where, key=key, entry=k))
    return dict(value)


def _check_header(data: Any, where: str, checklists: Checklists) -> tuple[str, int]:
    """The format, its version and the checklist of a document: (checklist id, its version)."""
    if not isinstance(data, dict):
        raise AnswersError(_("{where}: expected a JSON object, got {kind}").format(
            where=where, kind=type(data).__name__))
    if data.get("format") != FORMAT:
        raise AnswersError(_("{where}: not a saved-answers file (format is {got!r:.60}, expected '{want}')").format(
            where=where, got=data.get("format"), want=FORMAT))
    version = data.get("format_version")
    if type(version) is not int or version < 1:
        raise AnswersError(_("{where}: format_version must be a whole number (got {got!r:.60})").format(
            where=where, got=version))
    if version > FORMAT_VERSION:
        raise AnswersError(_("{where}: saved by a newer version of this tool (format_version {version}); "
                             "please update the toolkit to open it").format(where=where, version=version))
    cid = data.get("checklist")
    if not isinstance(cid, str):
        raise AnswersError(_("{where}: 'checklist' must be text").format(where=where))
    if cid not in checklists:
        raise AnswersError(_("{where}: unknown checklist '{cid:.60}'").format(where=where, cid=cid))
    cver = data.get("checklist_version")
    if type(cver) is not int or not 1 <= cver < 1_000_000:
        raise AnswersError(_("{where}: 'checklist_version' must be a whole number >= 1 (got {got!r:.60})").format(
            where=where, got=cver))
    return cid, cver


def _saved_at(raw_time: Any, where: str) -> datetime:
    try:
        saved_at = datetime.fromisoformat(raw_time) if isinstance(raw_time, str) else None
    except ValueError:
        saved_at = None
    if saved_at is None or saved_at.tzinfo is None:
        raise AnswersError(_("{where}: 'saved_at' must be an ISO 8601 time with a UTC offset "
                             "(got {got!r:.60})").format(where=where, got=raw_time))
    check_saved_at(saved_at, where)
    return saved_at


def answers_from_dict(data: Any, where: str, checklists: Checklists) -> SavedRun:
    """Validate a decoded answers document; raise AnswersError naming `where` and the reason."""
    cid, cver = _check_header(data, where, checklists)
    answers = SavedRun(
        checklist_id=cid, checklist_version=cver, saved_at=_saved_at(data.get("saved_at"), where),
        responses=_string_map(data.get("responses"), "responses", where, 40),
        notes=_string_map(data.get("notes", {}), "notes", where, MAX_NOTE_CHARS),
    )
    check_answers(answers, checklists[cid], where)
    return answers


def decode(raw: bytes, where: str) -> Any:
    """JSON from bytes; AnswersError naming `where` for anything that is not usable JSON."""
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise AnswersError(_("{where}: not UTF-8 text").format(where=where)) from None
    except json.JSONDecodeError as exc:
        raise AnswersError(_("{where}: not valid JSON ({msg} at line {line}, column {col}); the file may be "
                             "truncated").format(where=where, msg=exc.msg, line=exc.lineno, col=exc.colno)) from None
    except (ValueError, RecursionError) as exc:  # huge integers, deep nesting
        raise AnswersError(_("{where}: not usable JSON ({why})").format(
            where=where, why=str(exc)[:80] or type(exc).__name__)) from None


def seal_run(key: crypto.Key, data: bytes) -> bytes:
    """Pad, then seal: every sealed file of the folder comes in a few fixed sizes."""
    limit = MAX_FILE_BYTES - crypto.HEADER_BYTES - crypto.TAG_BYTES
    return crypto.seal(key, crypto.padded(data, limit))


def run_from_bytes(raw: bytes, where: str, checklists: Checklists, key: crypto.Key | None,
                   sealed_only: bool = False) -> SavedRun:
    """A saved run from a file's bytes (unsealed with `key` when sealed), validated; with
    `sealed_only`, a plain run is an error (anyone could have written it)."""
    if crypto.is_sealed(raw):
        if key is None:
            raise AnswersError(_("{where}: this answers file is protected: unlock it with your passphrase").format(
                where=where))
        raw = crypto.unseal(key, raw, where)
    elif sealed_only:
        raise AnswersError(f"{where}: {_(NOT_SEALED)}")
    return answers_from_dict(decode(raw, where), where, checklists)


def run_bytes(run: SavedRun) -> bytes:
    """A run's plain file content; AnswersError when a note cannot be written as UTF-8."""
    try:
        return json.dumps(answers_to_dict(run), indent=2, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise AnswersError(_("your answers could not be saved: a note contains characters that are "
                             "not valid Unicode text")) from None


def stamp(answers: Answers) -> SavedRun:
    """A draft as a saved run: the moment it is saved becomes part of it (a SavedRun keeps its own)."""
    if isinstance(answers, SavedRun):
        return answers
    return SavedRun(answers.checklist_id, answers.checklist_version, answers.responses,
                    answers.notes, saved_at=datetime.now().astimezone())


def run_name(checklist_id: str, saved_at: datetime) -> str:
    """A fresh plain file name: checklist, time and a random tail (never one already used)."""
    return f"{checklist_id}_{saved_at.strftime('%Y%m%d-%H%M%S')}_{secrets.token_hex(4)}.json"


def fingerprint(run: SavedRun) -> str:
    """What makes two runs the same run (an import, an interrupted protect): all but the file."""
    return json.dumps([run.checklist_id, run.checklist_version, run.saved_at.isoformat(),
                       sorted(run.responses.items()), sorted((k, v) for k, v in run.notes.items() if v)])
