"""Every word a person reads passes through here, so that one gettext catalogue covers them all.

Call ``_("…")`` where a sentence is shown, ``ngettext`` where it counts, and mark constants that are
translated later with ``N_("…")``. Babel extracts all three from the package into one catalogue.
Until a translation is installed they return the English text unchanged.

A language is a code ("en", "es"). ``use(lang)`` installs its catalogue,
``toolkit/locale/<lang>/LC_MESSAGES/redflag.po`` (package data), for the whole process: the
Python code and the templates (markup.templates calls these functions at render time) follow at
once. The ``.po`` file is read with Babel and compiled in memory, so no compiled ``.mo`` file is
kept in the repository or can fall behind its ``.po``. ``language(lang)`` does the same for a
``with`` block (tests, one CLI command) and puts back the language before it.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from . import compiled

#: The language the English texts are written in: it needs no catalogue.
ENGLISH = "en"
DOMAIN = "redflag"

_translation: gettext.NullTranslations = gettext.NullTranslations()
_current: str = ENGLISH


def _(message: str) -> str:
    """The message in the chosen language."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message for ``n``, in the chosen language."""
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for "mark, translate later"
    """Mark ``message`` for the catalogue without translating it yet."""
    return message


def locale_dir() -> Path:
    """Where the catalogues are: ``toolkit/locale`` (a folder in a checkout and in the wheel)."""
    return Path(str(files("toolkit") / "locale"))


def catalogue_path(lang: str, folder: Path | None = None) -> Path:
    """The ``.po`` file of `lang`."""
    return (folder or locale_dir()) / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=8)
def _parsed(path: Path, mtime_ns: int) -> Any:
    """The catalogue at `path` read by Babel (a babel Catalog), once per version of the file:
    the completeness check (translations.catalogue_problems) and `use` share it."""
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        return read_po(fh, abort_invalid=True)


def read_catalogue(path: Path) -> Any:
    """The babel Catalog of a .po file (cached while the file is unchanged)."""
    return _parsed(path, path.stat().st_mtime_ns)


def _mo(po: bytes) -> bytes:
    """A `.po` file's bytes compiled to a `.mo`. Fuzzy entries are left out: a guess is never
    shown as a translation."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    buffer = io.BytesIO()
    write_mo(buffer, read_po(io.BytesIO(po), abort_invalid=True), use_fuzzy=False)
    return buffer.getvalue()


@lru_cache(maxsize=8)
def _compiled(path: Path, mtime_ns: int, shipped: bool) -> gettext.GNUTranslations:
    """The catalogue at `path` compiled (once per version of the file); a shipped one is kept
    compiled beside it (compiled.derived), so a new kernel does not need Babel for it."""
    raw = path.read_bytes()
    return gettext.GNUTranslations(io.BytesIO(compiled.derived(path, raw, _mo) if shipped else _mo(raw)))


def translations(lang: str, folder: Path | None = None) -> gettext.NullTranslations:
    """The catalogue of `lang` (English: none needed). Raises FileNotFoundError when `lang`
    has no catalogue."""
    if lang == ENGLISH:
        return gettext.NullTranslations()
    path = catalogue_path(lang, folder)
    return _compiled(path, path.stat().st_mtime_ns, folder is None)


def use(lang: str, folder: Path | None = None) -> None:
    """Show every sentence in `lang` from now on (the whole process: one person per kernel)."""
    global _translation, _current
    _translation = translations(lang, folder)
    _current = lang


def current() -> str:
    """The code of the language in use ("en" until `use` chose another)."""
    return _current


@contextmanager
def language(lang: str, folder: Path | None = None) -> Iterator[str]:
    """`use(lang)` inside a ``with`` block, then back to the language before it."""
    before, before_code = _translation, _current
    use(lang, folder)
    try:
        yield lang
    finally:
        _set(before, before_code)


def _set(translation: gettext.NullTranslations, code: str) -> None:
    global _translation, _current
    _translation, _current = translation, code
