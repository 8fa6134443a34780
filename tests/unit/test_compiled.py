"""The package's compiled cache (toolkit/compiled.py): shipped TOML files parsed once and the
templates compiled once, kept beside them like Python's bytecode, never trusted over the text
they came from, never an error where they cannot be written, never made of a person's files."""

import hashlib
import shutil
import sys
import tomllib
from pathlib import Path

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit import checklist, compiled
from toolkit.checklist import load_checklists, shipped_dir
from toolkit.markup import TemplateCode

TOML = b'id = "x"\ntitle = "A title"\nn = 3\n[[items]]\ntext = "one"\n'


def entry(path: Path) -> Path:
    return path.parent / compiled.CACHE_DIR / f"{path.name}.{compiled.TAG}.pickle"


def refusing(_text: str) -> dict:
    raise AssertionError("parsed again although its entry was made from these bytes")


def test_an_entry_is_written_when_asked_and_read_instead_of_parsing(tmp_path):
    path = tmp_path / "a.toml"
    with compiled.writing():
        first = compiled.parsed(path, TOML, tomllib.loads)
    assert entry(path).is_file()
    assert compiled.parsed(path, TOML, refusing) == first == tomllib.loads(TOML.decode())


def test_changed_bytes_are_parsed_again_and_the_entry_replaced(tmp_path):
    path = tmp_path / "a.toml"
    with compiled.writing():
        compiled.parsed(path, TOML, tomllib.loads)
        changed = TOML.replace(b"A title", b"Another title")
        assert compiled.parsed(path, changed, tomllib.loads)["title"] == "Another title"
    assert compiled.parsed(path, changed, refusing)["title"] == "Another title"


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", b"\x80\x05" + b"\x00" * 40])
def test_a_damaged_entry_is_ignored(tmp_path, damage):
    path = tmp_path / "a.toml"
    entry(path).parent.mkdir()
    entry(path).write_bytes(damage)
    assert compiled.parsed(path, TOML, tomllib.loads)["n"] == 3


def test_a_planted_entry_cannot_run_code(tmp_path):
    """An entry that would call os.system is refused (only data is unpickled), never run."""
    path, marker = tmp_path / "a.toml", tmp_path / "ran"
    entry(path).parent.mkdir()
    # made for these very bytes (the right digest first), so only the unpickler stands in the way
    entry(path).write_bytes(hashlib.sha256(TOML).digest() + f"cos\nsystem\n(S'touch {marker}'\ntR.".encode())
    assert compiled.parsed(path, TOML, tomllib.loads)["n"] == 3
    assert not marker.exists()


def test_nothing_is_written_with_pythondontwritebytecode_unless_asked(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    path = tmp_path / "a.toml"
    compiled.parsed(path, TOML, tomllib.loads)
    assert not (tmp_path / compiled.CACHE_DIR).exists()
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    compiled.parsed(path, TOML, tomllib.loads)
    assert entry(path).is_file()


def test_a_folder_that_cannot_be_written_is_no_error(tmp_path):
    path = tmp_path / "a.toml"
    (tmp_path / compiled.CACHE_DIR).write_text("a file where the folder would go")
    with compiled.writing():
        assert compiled.parsed(path, TOML, tomllib.loads)["n"] == 3
    assert list(tmp_path.iterdir()) == [tmp_path / compiled.CACHE_DIR]  # no stray temp file


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet='ab =\n"[]1.#x\\é', max_size=60))
def test_through_the_cache_a_file_reads_exactly_as_parsed_directly(tmp_path_factory, text):
    """Twice (the second time from the entry if the first wrote one): the same value, or the
    same kind of error, as tomllib on the text itself."""
    path = tmp_path_factory.mktemp("prop") / "f.toml"
    raw = text.encode()
    try:
        expected: object = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        expected = tomllib.TOMLDecodeError
    for _ in range(2):
        try:
            with compiled.writing():
                got: object = compiled.parsed(path, raw, tomllib.loads)
        except tomllib.TOMLDecodeError:
            got = tomllib.TOMLDecodeError
        assert got == expected


def test_only_the_packages_own_files_are_kept(tmp_path, monkeypatch):
    """A person's own checklists folder gets no cache folder; the shipped one does."""
    own = tmp_path / "own"
    shutil.copytree(shipped_dir(), own, ignore=shutil.ignore_patterns(compiled.CACHE_DIR))
    with compiled.writing():
        own_ids = list(load_checklists(own))
    assert not list(own.rglob(compiled.CACHE_DIR))

    package = tmp_path / "package"
    shutil.copytree(shipped_dir(), package, ignore=shutil.ignore_patterns(compiled.CACHE_DIR))
    monkeypatch.setattr(checklist, "shipped_dir", lambda: package)
    checklist._shipped_prefix.cache_clear()
    try:
        with compiled.writing():
            done = compiled.compile_all()
        tomls = sorted(package.rglob("*.toml"))
        assert done[1] == len(tomls) > 20 and done[2] >= 1
        assert all(entry(p).is_file() for p in tomls)
        # and a page's read takes them: the same checklists, none parsed again
        monkeypatch.setattr(tomllib, "loads", refusing)
        assert list(load_checklists(package)) == own_ids

    finally:
        checklist._shipped_prefix.cache_clear()


def test_templates_compile_once_and_a_changed_template_is_compiled_again(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "t.html.j2").write_text("one {{ x }}")

    def env() -> jinja2.Environment:
        return jinja2.Environment(loader=jinja2.FileSystemLoader(folder),
                                  bytecode_cache=TemplateCode(folder / compiled.CACHE_DIR))

    with compiled.writing():
        assert env().get_template("t.html.j2").render(x=1) == "one 1"
    assert len(list((folder / compiled.CACHE_DIR).iterdir())) == 1
    (folder / "t.html.j2").write_text("two {{ x }}")
    assert env().get_template("t.html.j2").render(x=2) == "two 2"


def test_templates_are_not_written_with_pythondontwritebytecode(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "t.html.j2").write_text("x")
    jinja2.Environment(loader=jinja2.FileSystemLoader(folder),
                       bytecode_cache=TemplateCode(folder / compiled.CACHE_DIR)).get_template("t.html.j2")
    assert not (folder / compiled.CACHE_DIR).exists()


def test_a_catalogue_is_compiled_once_and_again_when_it_changes(tmp_path):
    """The shipped catalogues' .mo is kept beside them: a new kernel needs no Babel for it."""
    from toolkit import i18n

    po = i18n.catalogue_path("es")
    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    copy = folder / po.name
    copy.write_bytes(po.read_bytes())
    with compiled.writing():
        first = compiled.derived(copy, copy.read_bytes(), i18n._mo)
    assert compiled.derived(copy, copy.read_bytes(), lambda raw: b"never made again") == first
    changed = copy.read_bytes().replace(b'msgstr "Vista general"', b'msgstr "Resumen"')
    assert changed != copy.read_bytes()
    translated = gettext_from(compiled.derived(copy, changed, i18n._mo))
    assert translated.gettext("Overview") == "Resumen"
    assert gettext_from(first).gettext("Overview") == "Vista general"


def gettext_from(mo: bytes):
    import gettext
    import io

    return gettext.GNUTranslations(io.BytesIO(mo))
