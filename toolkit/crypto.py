"""Passphrase protection of saved answers: scrypt key derivation, AES-256-GCM, no home-made crypto.

What it protects against: someone who opens the answers folder (on a shared computer, a copied
disk, a backup) sees neither answers, notes, checklist names nor dates, in the files or their
names. What it does not: a keylogger or someone watching the screen, a weak passphrase, or a
person who can run code as you while the answers are unlocked. A lost passphrase cannot be
recovered: nobody, including this program, can read the answers without it.

The key file (`.key.json` in the answers folder) holds the scrypt salt and parameters, a
random key id, and a check value (a known marker sealed with the key), never the key. Each
sealed file is MAGIC | key id | nonce | AES-GCM ciphertext, the header authenticated too. The
magic and the key file's format name are neutral (they name no tool); files written by earlier
versions (`RFLGENC1`, `redflag-key`) still open. What is sealed is first padded (`padded`), so
a sealed file's size tells little about what is inside.
"""

from __future__ import annotations

import base64
import getpass
import json
import os
import secrets
import sys
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from .errors import AnswersError, PassphraseError
from .i18n import _

MAGIC = b"SEALED01"
LEGACY_MAGIC = b"RFLGENC1"  # earlier versions: still read, never written
KEY_ID_BYTES = 8
NONCE_BYTES = 12
HEADER_BYTES = len(MAGIC) + KEY_ID_BYTES + NONCE_BYTES
TAG_BYTES = 16
KEY_FORMAT = "passphrase-key"
LEGACY_KEY_FORMATS = {"redflag-key"}  # earlier versions: still opened, never written
#: Sealed plaintext is padded with spaces (JSON ignores them) to a power of two of at least this
#: many bytes: a run of any checklist without long notes is sealed to the same size.
PAD_MIN = 4096
#: scrypt cost: 2**15 x 8 x 1 needs 32 MiB and about 0.1 s: slow for guessing, quick to unlock.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_CHECK = b"redflag-checklists key check"
ENV_PASSPHRASE = "REDFLAG_PASSPHRASE"
#: The lowest zxcvbn score accepted for a new passphrase. 3 is zxcvbn's "safely unguessable:
#: moderate protection from an offline slow-hash scenario" (under 10**10 guesses): exactly our
#: case, someone with a copy of the folder guessing against scrypt at leisure. 2 only holds
#: against online guessing, which no one here is limited to.
MIN_STRENGTH = 3


@dataclass(frozen=True)
class Key:
    """A derived key and its id. Its repr never shows the key (it could reach a notebook)."""

    key_id: bytes
    secret: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"Key(id={self.key_id.hex()})"

    __str__ = __repr__


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    """The key; the passphrase is NFC-normalised so that it types the same on every system."""
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt  # only when a key is needed

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(
        unicodedata.normalize("NFC", passphrase).encode("utf-8", "surrogatepass"))


def new_key(passphrase: str, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> tuple[Key, bytes]:
    """A fresh key from a passphrase, and the key file document that unlocks it again."""
    if not passphrase:
        raise PassphraseError(_("the passphrase must not be empty"))
    salt, key_id = secrets.token_bytes(16), secrets.token_bytes(KEY_ID_BYTES)
    key = Key(key_id, _derive(passphrase, salt, n, r, p))
    doc = {"format": KEY_FORMAT, "format_version": 1, "kdf": "scrypt", "n": n, "r": r, "p": p,
           "salt": _b64(salt), "key_id": _b64(key_id), "check": _b64(seal(key, _CHECK))}
    return key, json.dumps(doc, indent=1).encode("utf-8")


def key_file_id(key_file: bytes) -> bytes | None:
    """The key id a key file names (readable without the passphrase), or None when damaged."""
    try:
        doc = json.loads(key_file.decode("utf-8"))
        value = base64.b64decode(doc["key_id"], validate=True)
    except (UnicodeDecodeError, ValueError, RecursionError, TypeError, KeyError):
        return None
    return value if len(value) == KEY_ID_BYTES else None


def _field(doc: Mapping[str, Any], name: str, where: str, size: int | None = None) -> bytes:
    value = doc.get(name)
    try:
        raw = base64.b64decode(value, validate=True) if isinstance(value, str) else None
    except ValueError:
        raw = None
    if raw is None or (size is not None and len(raw) != size):
        raise AnswersError(_("{where}: damaged key file ('{name}' is not valid); it was left as it is").format(
            where=where, name=name))
    return raw


def unlock(key_file: bytes, passphrase: str, where: str) -> Key:
    """The key a key file describes; PassphraseError for a wrong passphrase, AnswersError for a
    damaged file (never an exception of another kind)."""
    try:
        doc = json.loads(key_file.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        doc = None
    if not isinstance(doc, dict) or doc.get("format") not in (KEY_FORMAT, *LEGACY_KEY_FORMATS) \
            or doc.get("kdf") != "scrypt":
        raise AnswersError(_("{where}: not a key file of this tool, or damaged; it was left as it is").format(
            where=where))
    n, r, p = doc.get("n"), doc.get("r"), doc.get("p")
    if not (isinstance(n, int) and isinstance(r, int) and isinstance(p, int)) or any(
            isinstance(v, bool) for v in (n, r, p)):
        raise AnswersError(_("{where}: damaged key file (scrypt parameters missing); it was left as it is").format(
            where=where))
    # Bounds a hostile key file cannot get past: scrypt needs 128*n*r bytes (at most 256 MiB
    # here), and n must be below 2**(16*r) or the library itself fails.
    if not (2**10 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 16 and 1 <= p <= 4
            and n < 2 ** (16 * r) and 128 * n * r <= 256 * 2**20):
        raise AnswersError(_("{where}: damaged key file (implausible scrypt parameters); it was left as it is")
                          .format(where=where))
    salt = _field(doc, "salt", where)
    key = Key(_field(doc, "key_id", where, KEY_ID_BYTES), _derive(passphrase, salt, n, r, p))
    try:
        ok = unseal(key, _field(doc, "check", where), where) == _CHECK
    except AnswersError:
        ok = False
    if not ok:
        raise PassphraseError(_("{where}: wrong passphrase").format(where=where))
    return key


def seal(key: Key, plaintext: bytes) -> bytes:
    """Encrypt and authenticate one file's bytes under a fresh random nonce."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header = MAGIC + key.key_id + secrets.token_bytes(NONCE_BYTES)
    return header + AESGCM(key.secret).encrypt(header[-NONCE_BYTES:], plaintext, header)


def padded(plaintext: bytes, limit: int) -> bytes:
    """JSON `plaintext` padded with trailing spaces to the next power of two (at least PAD_MIN,
    at most `limit`), so sizes come in a few steps instead of telling the content's length."""
    size = PAD_MIN
    while size < len(plaintext):
        size *= 2
    return plaintext + b" " * max(0, min(size, limit) - len(plaintext))


def is_sealed(data: bytes) -> bool:
    return data.startswith((MAGIC, LEGACY_MAGIC))


def key_id_of(data: bytes) -> bytes | None:
    """The key id a sealed file was written with (readable without the key), or None."""
    return data[len(MAGIC):len(MAGIC) + KEY_ID_BYTES] if is_sealed(data) and len(data) >= HEADER_BYTES else None


def unseal(key: Key, data: bytes, where: str) -> bytes:
    """Decrypt one sealed file; AnswersError naming it when it is not one, was sealed with
    another key, or was damaged or altered."""
    if not is_sealed(data):
        raise AnswersError(_("{where}: not an encrypted answers file").format(where=where))
    if len(data) < HEADER_BYTES + TAG_BYTES:
        raise AnswersError(_("{where}: encrypted file is truncated; it was left as it is").format(where=where))
    if key_id_of(data) != key.key_id:
        raise AnswersError(_("{where}: encrypted with a different passphrase").format(where=where))
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header = data[:HEADER_BYTES]
    try:
        return AESGCM(key.secret).decrypt(header[-NONCE_BYTES:], data[HEADER_BYTES:], header)
    except InvalidTag:
        raise AnswersError(_("{where}: encrypted file is damaged or altered; it was left as it is").format(
            where=where)) from None


def passphrase_problem(passphrase: str) -> str | None:
    """Why a new passphrase is too easy to guess (zxcvbn's own warning and suggestions), or
    None when it scores MIN_STRENGTH or more."""
    from zxcvbn import zxcvbn  # only when a passphrase is chosen

    result = zxcvbn(passphrase[:100])  # its cost grows with length; 100 characters say enough
    if result["score"] >= MIN_STRENGTH:
        return None
    feedback = result.get("feedback") or {}
    hints = [feedback.get("warning") or "", *(feedback.get("suggestions") or [])]
    advice = " ".join(h.strip() for h in hints if h and h.strip())
    if advice:  # zxcvbn's own advice is English
        return _("this passphrase is too easy to guess for someone with a copy of your answers: {advice} "
                 "A few unrelated words make a good one.").format(advice=advice)
    return _("this passphrase is too easy to guess for someone with a copy of your answers. "
             "A few unrelated words make a good one.")


def check_strength(passphrase: str) -> None:
    """Refuse a new passphrase that is too easy to guess, saying why (PassphraseError)."""
    problem = passphrase_problem(passphrase)
    if problem:
        raise PassphraseError(_("{problem} Nothing was changed.").format(problem=problem))


def read_passphrase(passphrase_file: str | None = None, *, confirm: bool = False, what: str = "Passphrase",
                    env: Mapping[str, str] = os.environ, env_var: str = ENV_PASSPHRASE,
                    stdin: TextIO | None = None, prompt: Callable[[str], str] = getpass.getpass) -> str:
    """The passphrase, like restic's: --passphrase-file, else the environment variable, else a
    prompt when someone is at the keyboard; otherwise a clear PassphraseError."""
    if passphrase_file is not None:
        try:
            with open(passphrase_file, encoding="utf-8") as fh:
                value = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise PassphraseError(_("{file}: cannot read the passphrase file ({reason})").format(
                file=passphrase_file, reason=getattr(exc, "strerror", None) or exc)) from None
        value = value[:-1] if value.endswith("\n") else value
    elif env.get(env_var):
        value = env[env_var]
    elif (stdin or sys.stdin) is not None and (stdin or sys.stdin).isatty():
        value = prompt(f"{what}: ")
        if confirm and prompt(f"{what} again: ") != value:
            raise PassphraseError(_("the two passphrases differ; nothing was changed"))
    else:
        raise PassphraseError(_("no passphrase given: use --passphrase-file FILE or set {variable}").format(
            variable=env_var))
    if not value:
        raise PassphraseError(_("the passphrase must not be empty"))
    return value
