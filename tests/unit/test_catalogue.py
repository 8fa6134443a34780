"""Every sentence a person reads is in the one catalogue: (a) no sentence is left in Python code
outside `_()`, `ngettext()` or `N_()` (toolkit/i18n.py); (b) Babel, through its Python API and
the project's mapping (babel.cfg), extracts the sentences of the Python code and of the templates.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from _helpers import REPO

TOOLKIT = REPO / "toolkit"

#: Modules whose words other helpers are wrapping at the same time (issue 16): the integrator
#: empties this set once their branches are merged, and then every module is scanned.
NOT_YET_COVERED: set[str] = set()

#: The calls whose string arguments go to the catalogue.
GETTEXT_CALLS = {"_", "ngettext", "N_"}

#: Strings that look like sentences but that no person reads as words of the app, by context:
#: - keyword arguments naming CSS classes or layout, not words;
ALLOWED_KEYWORDS = {"_dom_classes", "layout", "style", "metavar"}
#: - calls whose arguments are CSS values (a layout, a button's colours);
STYLE_CALLS = {"Layout", "ButtonStyle"}
#: - calls that write to a log or a debugger, for a developer;
LOG_CALLS = {"debug", "info", "warning", "error", "exception", "critical", "log"}
#: - Python's own errors (a missing attribute, a bad argument: what a person meets is always a
#:   ToolkitError) and a trait's refusal (a widget given a
#:   bad setting by whoever deploys the app), for a programmer;
PROGRAMMER_ERRORS = {"AttributeError", "TypeError", "ValueError", "TraitError"}
#: - the ``help`` of a widget's trait, which documents the trait for a programmer;
TRAIT_CALLS = {"Unicode", "Int", "Float", "Bool", "List", "Dict", "Any", "Instance", "Enum", "Words",
               "Tuple", "Union", "CUnicode"}
#: - a data file's problems (``Problem(...)``, ``problems.add(...)``) in the modules that validate
#:   the files the project's authors write (checklists, vocabulary, helplines): like a compiler's
#:   messages they name TOML keys and are read by whoever edits those files (``redflag validate``),
#:   never by a person answering. Problems with a person's own answers file are translated.
AUTHOR_FILE_CALLS = {"Problem", "add", "bad", "ChecklistError"}  # and functions named *_problems
AUTHOR_MODULES = {"checklist.py", "resources.py", "translations.py"}  # and translation files
#: - module constants that are code or configuration (a script run in a subprocess, a security header).
ALLOWED_CONSTANTS = {("launch.py", "_SWEEPER"), ("launch.py", "CSP"), ("launch.py", "HEARTBEAT"),
                     ("notebooks.py", "CODE"),  # a notebook's code cell
                     ("checklist.py", "HARM_PRESUPPOSED")}  # a regular expression over statements

#: - a widget's own page script and style (anywidget's ``_esm`` and ``_css``), which are code.
CODE_ATTRIBUTES = {"_esm", "_css"}

_WORD = re.compile(r"[A-Za-z]{2,}")


def sentence_like(text: str) -> bool:
    """Three words of letters with a space between, or words that end like a sentence (. ! ? :)."""
    words = _WORD.findall(text)
    stripped = text.strip()
    return bool(words) and (
        (" " in stripped and len(words) >= 3) or (stripped[-1:] in ".!?:" and len(stripped) > 1 and " " in stripped))


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of every docstring's node (module, class, function)."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _exempt(tree: ast.AST, module: str) -> set[int]:
    """Ids of every node inside a gettext call, an allowed keyword, a log call or an allowed constant."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if (name in GETTEXT_CALLS | STYLE_CALLS | PROGRAMMER_ERRORS
                    or (name in LOG_CALLS and isinstance(node.func, ast.Attribute))
                    or (name in AUTHOR_FILE_CALLS and module in AUTHOR_MODULES)):
                roots += node.args
            roots += [k.value for k in node.keywords if k.arg in ALLOWED_KEYWORDS or name in STYLE_CALLS
                      or (name in AUTHOR_FILE_CALLS and module in AUTHOR_MODULES)
                      or (k.arg == "help" and name in TRAIT_CALLS)]
        elif (isinstance(node, ast.FunctionDef) and module in AUTHOR_MODULES
              and node.name.endswith("_problems")):
            roots.append(node)
        elif isinstance(node, ast.Assign):
            names = {t.id for t in node.targets if isinstance(t, ast.Name)}
            if any((module, n) in ALLOWED_CONSTANTS or n in CODE_ATTRIBUTES for n in names):
                roots.append(node.value)
    return {id(sub) for root in roots for sub in ast.walk(root)}


def loose_sentences(source: str, module: str) -> list[tuple[int, str]]:
    """(line, text) of every sentence-like string literal outside the catalogue's calls."""
    tree = ast.parse(source)
    skip = _docstrings(tree) | _exempt(tree, module)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if sentence_like(node.value):
                found.append((node.lineno, node.value))
    return sorted(found)


def _modules() -> list[Path]:
    return sorted(p for p in TOOLKIT.glob("*.py") if p.name not in NOT_YET_COVERED)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_no_sentence_is_left_outside_the_catalogue(path):
    loose = loose_sentences(path.read_text(encoding="utf-8"), path.name)
    assert not loose, f"{path.name}: wrap these in _(), ngettext() or N_() (toolkit/i18n.py):\n" + "\n".join(
        f"  line {line}: {text!r}" for line, text in loose)


def test_the_scan_finds_a_loose_sentence_and_accepts_a_wrapped_one():
    """The scanner itself: a bare sentence, an f-string's words and a raised message are found;
    the same words in _(), a docstring, a log call or a CSS class are not."""
    source = '''
"""Module docstring with several words."""
import logging
def f(x):
    """A docstring with several words."""
    logging.getLogger().debug("a debug line with words")
    w(_dom_classes=("redflag some class names",))
    ok = _("Your answers were saved.")
    n = ngettext("one run saved", "{n} runs saved", x)
    raise AnswersError("something went wrong here")
    t = Unicode("x", help="The statement the group answers.")
    problems.add(f"missing required key '{x}' here")
    return f"Saved {x} runs in all"
'''
    assert [text for _line, text in loose_sentences(source, "x.py")] == [
        "something went wrong here", "missing required key '", " runs in all"]
    # a data file's problems are for the authors only in the modules that check authors' files
    assert "missing required key '" not in [text for _line, text in loose_sentences(source, "checklist.py")]


def test_not_yet_covered_names_only_modules_that_exist():
    """A module renamed or split away must leave the set too, or it would hide nothing forever."""
    assert NOT_YET_COVERED <= {p.name for p in TOOLKIT.glob("*.py")}


#: What Babel extracts: our three calls, and `gettext`, which a template's {% trans %} block becomes.
KEYWORDS = {"_": None, "ngettext": (1, 2), "N_": None, "gettext": None}


def _extracted() -> dict[str, set[str]]:
    """Babel's extraction with the project's mapping (babel.cfg): file -> message ids."""
    babel_extract = pytest.importorskip("babel.messages.extract")
    from babel.messages.frontend import parse_mapping_cfg

    with (REPO / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, set[str]] = {}
    for filename, _line, message, _comments, _context in babel_extract.extract_from_dir(
            REPO, method_map, options_map, keywords=KEYWORDS,
            directory_filter=lambda d: Path(d).relative_to(REPO).parts[:1] in {(), ("toolkit",)}):
        for msgid in (message if isinstance(message, tuple) else (message,)):
            found.setdefault(Path(filename).as_posix(), set()).add(msgid)
    return found


def test_babel_extracts_sentences_from_python_and_from_templates():
    from toolkit.i18n import _ as gettext_call  # noqa: F401 - the call the Python sentences go through
    from toolkit.words import NOT_A_DIAGNOSIS

    found = _extracted()
    python = set().union(*(ids for name, ids in found.items() if name.endswith(".py")))
    templates = set().union(*(ids for name, ids in found.items() if name.endswith(".j2")))
    # a sentence from the pages' Python code, a count (ngettext) and a constant marked with N_
    assert "Nothing to save yet: choose an answer for at least one item." in python
    assert "Delete all my answers…" in python
    assert NOT_A_DIAGNOSIS in python
    # a template's _() call and a {% trans %} block, with its markup and a value left to fill
    assert "Your latest answers" in templates
    assert any(m.startswith("Your answers are saved only on this computer, in <code>%(folder)s</code>.")
               for m in templates), sorted(templates)
    assert "Imported %(num)d saved run(s) from %(name)s." in templates


def test_not_a_diagnosis_is_written_once():
    """The sentence every result and the start page show is written in one place (words.py):
    a change of words, or a translation, then reaches every page at once. Docstrings and the
    resources file's own disclaimer (data) are not pages' words written in code."""
    places = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        places += [f"{path.name}:{node.lineno}" for node in ast.walk(tree)
                   if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
                   and "not a diagnosis" in node.value.lower()]
    places += [f"templates/{p.name}" for p in sorted((TOOLKIT / "templates").glob("*.j2"))
               if "not a diagnosis" in p.read_text(encoding="utf-8").lower()]
    assert [place.split(":")[0] for place in places] == ["words.py"], places
