"""What the package compiles once and keeps beside its own files, as Python keeps a module's
bytecode in `__pycache__`: the templates' code (jinja2), the shipped TOML files parsed, and the
message catalogues compiled.

The templates' entries are jinja2's own (markup.TemplateCode); the TOML files' are here.
Every page in the app view starts a new kernel, which would otherwise parse the same twenty TOML
files and compile the same templates each time: about 200 ms of a checklist page's first open.
Nothing of a person's is kept here, only what is derived from the package's own files, each
entry checked against the text it came from (and Python's version) on every read. Entries are
written where Python would write bytecode: not with PYTHONDONTWRITEBYTECODE, and never an error
in a read-only install. `make setup` writes them all at once (`compile_all`), as it runs
`compileall`.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CACHE_DIR = "__pycache__"
#: The interpreter's tag ("cpython-311"), as in a `.pyc` name.
TAG = sys.implementation.cache_tag or "python"
#: What an entry may hold besides dicts, lists, strings, numbers and booleans: TOML's dates.
_ALLOWED = {("datetime", name) for name in ("date", "datetime", "time", "timedelta", "timezone")}


class _Entry(pickle.Unpickler):
    """Reads an entry; any class but TOML's date and time types is refused, so an entry can
    only ever be data (a planted one cannot run code)."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(module, name)  # never shown: the file is parsed instead
        return super().find_class(module, name)

_asked = False


@contextmanager
def writing() -> Iterator[None]:
    """Write entries even with PYTHONDONTWRITEBYTECODE, as `compileall` does (compile_all)."""
    global _asked
    before, _asked = _asked, True
    try:
        yield
    finally:
        _asked = before


def may_write() -> bool:
    return _asked or not sys.dont_write_bytecode


def _write(path: Path, data: bytes) -> None:
    """Write atomically (a reader sees the old entry or the new, never half); a folder that cannot
    be written is no error: the file is parsed again next time."""
    try:
        path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass


def derived(path: Path, raw: bytes, make: Callable[[bytes], bytes], kind: str = "bin") -> bytes:
    """`make(raw)` for the file at `path`, read from its entry (`kind` names it) when that was made
    from these same bytes: an entry is the bytes' SHA-256, then what `make` gave."""
    digest = hashlib.sha256(raw).digest()
    entry = path.parent / CACHE_DIR / f"{path.name}.{TAG}.{kind}"
    try:
        blob = entry.read_bytes()
        if blob[:len(digest)] == digest:
            return blob[len(digest):]
    except OSError:
        pass
    data = make(raw)
    if may_write():
        _write(entry, digest + data)
    return data


def parsed(path: Path, raw: bytes, parse: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """`parse(raw text)` for the file at `path` (a TOML file: ~4 ms each in pure Python), kept as
    a `derived` entry. The errors of `parse` (and of decoding) are the caller's to handle."""
    def make(data: bytes) -> bytes:
        return pickle.dumps(parse(data.decode("utf-8")), protocol=pickle.HIGHEST_PROTOCOL)

    try:
        value = _Entry(io.BytesIO(derived(path, raw, make, "pickle"))).load()
        if isinstance(value, dict):
            return value
    except (pickle.UnpicklingError, ValueError, EOFError, TypeError, AttributeError, IndexError):
        pass  # a damaged entry (or one that is not data): parse
    return parse(raw.decode("utf-8"))


def compile_all() -> tuple[int, int, int]:
    """Compile every template, parse every shipped TOML file and compile every language's
    catalogue into the cache now; return how many of each."""
    from . import i18n
    from .checklist import read_toml, shipped_dir
    from .markup import templates

    with writing():
        env = templates()
        names = env.list_templates(extensions=["j2"])
        for name in names:
            env.get_template(name)
        tomls = sorted(shipped_dir().rglob("*.toml"))
        for path in tomls:
            read_toml(path)
        catalogues = sorted(i18n.locale_dir().glob(f"*/LC_MESSAGES/{i18n.DOMAIN}.po"))
        for po in catalogues:
            i18n.translations(po.parent.parent.name)
    return len(names), len(tomls), len(catalogues)

