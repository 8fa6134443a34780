"""The custom widgets' Python side: traits, their validation and sync, the words they send to the
page (translated where they are made), the messages from the page, and the script and style files
they load. What the scripts do runs only in a browser: tests/e2e/test_e2e_widgets.py drives it there."""

from __future__ import annotations

import gettext
import re
from importlib import resources

import pytest
from traitlets import TraitError

from toolkit import i18n
from toolkit.widgets import (
    DEFAULT_EXIT_URL,
    EXIT_URL_ENV,
    SHIFT_GAP_MS,
    AnswerGroup,
    AnswerSheet,
    PageStyle,
    QuickExit,
    check_exit_url,
    page_style,
)

SCALE = [("Never", "never"), ("Rarely", "rarely"), ("Sometimes", "sometimes"), ("Often", "often"),
         ("Always", "always"), ("Not sure", "unsure")]
STATEMENT = "3. Your partner is not honest with you."


def _group(**kwargs) -> AnswerGroup:
    return AnswerGroup(STATEMENT, SCALE, **kwargs)


# --------------------------------------------------------------------------- AnswerGroup


def test_answer_group_traits_and_their_sync():
    g = _group(hint="If this hasn't come up, choose Not sure")
    assert g.statement == STATEMENT
    assert g.options == [list(pair) for pair in SCALE]
    assert g.values == [v for _, v in SCALE]
    assert g.value is None and g.disabled is False
    assert g.hint == "If this hasn't come up, choose Not sure"
    state = g.get_state()
    for name in ("statement", "options", "value", "hint", "disabled"):
        assert name in state, f"{name} is not synced to the front end"
    assert state["options"] == [["Never", "never"], *[list(p) for p in SCALE[1:]]]


def test_answer_group_value_round_trip_and_clear():
    g = _group(value="often")
    assert g.value == "often" and g.get_state()["value"] == "often"
    seen = []
    g.observe(lambda change: seen.append(change["new"]), "value")
    g.value = "unsure"
    g.value = None
    assert seen == ["unsure", None]
    assert g.get_state()["value"] is None


@pytest.mark.parametrize("bad", ["sometimes ", "Never", "", "maybe"])
def test_answer_group_refuses_a_value_that_is_not_an_option(bad):
    g = _group(value="rarely")
    with pytest.raises(TraitError, match=r"is not one of its options' values"):
        g.value = bad
    assert g.value == "rarely"


def test_answer_group_refuses_a_bad_value_at_construction():
    with pytest.raises(TraitError, match=r"'maybe' is not one of its options' values"):
        _group(value="maybe")


@pytest.mark.parametrize("options, message", [
    ([("Never", "never", "x")], r"option 1 must be a \[label, value\] pair"),
    (["never"], r"option 1 must be a \[label, value\] pair"),
    ([("Never", "never"), ("Rarely", 2)], r"option 2: label and value must be strings"),
    ([("  ", "never")], r"option 1 has an empty label"),
    ([("Never", "x"), ("Rarely", "x")], r"values must be unique; repeated: \['x'\]"),
])
def test_answer_group_validates_options(options, message):
    with pytest.raises(TraitError, match=message):
        AnswerGroup("s", options)


def test_new_options_drop_a_value_they_no_longer_offer_and_keep_one_they_do():
    g = _group(value="often")
    g.options = [("Yes", "often"), ("No", "no")]
    assert g.value == "often"
    g.options = [("Yes", "yes"), ("No", "no")]
    assert g.value is None


def test_answer_group_repr_never_shows_the_answer():
    g = AnswerGroup(STATEMENT, [("Never", "v-never"), ("Often", "v-often")])
    blank_repr = repr(g)
    blank_text = g._repr_mimebundle_()[0]["text/plain"]
    g.value = "v-often"
    assert repr(g) == blank_repr, "the repr changes with the answer"
    assert g._repr_mimebundle_()[0]["text/plain"] == blank_text
    assert "v-often" not in repr(g) and STATEMENT in repr(g)


# --------------------------------------------------------------------------- QuickExit


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(EXIT_URL_ENV, raising=False)


# ------------------------------------------------------------------ AnswerSheet: a form in one widget

OPTS = [["Never", "n"], ["Rarely", "r"], ["Sometimes", "s"]]
SHEET_ITEMS = [{"id": "a", "statement": "1. First", "options": OPTS, "why": "because"},
               {"id": "b", "statement": "2. Second", "options": OPTS[:2], "hint": "only two"}]


def test_a_sheets_statements_read_and_set_as_answer_groups_do():
    sheet = AnswerSheet(SHEET_ITEMS, notes=True)
    a, b = sheet.item("a"), sheet.item("b")
    assert (a.statement, a.why, a.hint, b.hint, b.values) == ("1. First", "because", "", "only two", ["n", "r"])
    assert a.note_label == "Private note: 1. First" and sheet.why_label == "Why this matters"
    a.value, b.value = "s", "r"
    assert sheet.values == {"a": "s", "b": "r"}
    a.value = None
    assert sheet.values == {"b": "r"} and a.value is None
    a.note, a.note_open = "mine", True
    assert (sheet.note_texts, sheet.open_notes, a.note, a.note_open) == ({"a": "mine"}, ["a"], "mine", True)
    a.note, a.note_open = "", False
    assert (sheet.note_texts, sheet.open_notes) == ({}, [])


@pytest.mark.parametrize("values", [{"a": "x"}, {"b": "s"}, {"zz": "n"}], ids=["not-an-option",
                                                                                 "not-this-statements", "no-such-id"])
def test_a_sheet_refuses_a_value_its_statement_does_not_offer(values):
    sheet = AnswerSheet(SHEET_ITEMS)
    with pytest.raises(TraitError):
        sheet.values = values
    assert sheet.values == {}


def test_a_sheets_repr_never_shows_answers_or_notes():
    sheet = AnswerSheet(SHEET_ITEMS, notes=True)
    sheet.values, sheet.note_texts = {"a": "s"}, {"a": "a secret note"}
    assert "secret" not in repr(sheet) and "'s'" not in repr(sheet) and "2 statements" in repr(sheet)


def test_a_form_opens_the_same_number_of_widgets_whatever_its_length(tmp_path):
    """One AnswerSheet for all statements: a 26-statement form opens no more widget models than
    an 11-statement one (a widget per statement made the first open ~0.3 s slower)."""
    from ipywidgets.widgets.widget import _instances  # every widget model open in this process

    from toolkit.checklist import load_checklists, shipped_dir
    from toolkit.ui import ChecklistForm
    from toolkit.workspace import Workspace

    checklists = load_checklists(shipped_dir())
    ws = Workspace(checklists, Workspace.open().resources, Workspace.open(answers_dir=tmp_path).store)
    ChecklistForm("avoid-partners-where", ws)  # the kernel's shared models are made once
    opened = []
    for cid in ("avoid-partners-where", "toxic-relationship"):
        before = set(_instances)
        ChecklistForm(cid, ws)
        opened.append(len(set(_instances) - before))
    assert len(checklists["toxic-relationship"].items) > 2 * len(checklists["avoid-partners-where"].items) - 2
    assert opened[0] == opened[1], opened


def test_quick_exit_default_url_is_a_neutral_https_page(no_env):
    q = QuickExit()
    assert q.url == DEFAULT_EXIT_URL
    assert DEFAULT_EXIT_URL.startswith("https://")
    assert q.get_state()["url"] == DEFAULT_EXIT_URL


def test_environment_variable_overrides_the_default(monkeypatch):
    monkeypatch.setenv(EXIT_URL_ENV, "http://127.0.0.1:9/elsewhere")
    assert QuickExit().url == "http://127.0.0.1:9/elsewhere"
    monkeypatch.setenv(EXIT_URL_ENV, "about:blank")
    assert QuickExit().url == "about:blank"


def test_environment_variable_is_read_when_the_widget_is_created(monkeypatch):
    monkeypatch.setenv(EXIT_URL_ENV, "https://one.example/")
    first = QuickExit()
    monkeypatch.setenv(EXIT_URL_ENV, "https://two.example/")
    assert (first.url, QuickExit().url) == ("https://one.example/", "https://two.example/")


def test_an_empty_environment_variable_means_the_default(monkeypatch):
    monkeypatch.setenv(EXIT_URL_ENV, "  ")
    assert QuickExit().url == DEFAULT_EXIT_URL


def test_constructor_argument_beats_the_environment(monkeypatch):
    monkeypatch.setenv(EXIT_URL_ENV, "https://env.example/")
    assert QuickExit("https://arg.example/").url == "https://arg.example/"
    assert QuickExit(url="about:blank").url == "about:blank"


REFUSED = ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>hi</b>", "file:///etc/passwd",
           "ftp://example.org/", "/relative/path", "example.org", "https://", "http:example.org",
           " https://example.org", "java\tscript:alert(1)", "https://exa mple.org/", "about:blank#x",
           "about:srcdoc", "vbscript:msgbox(1)", ""]


@pytest.mark.parametrize("url", REFUSED)
def test_quick_exit_refuses_urls_that_are_not_http_or_about_blank(url, no_env):
    with pytest.raises(TraitError, match="exit URL"):
        QuickExit(url)
    q = QuickExit("about:blank")
    with pytest.raises(TraitError, match="exit URL"):
        q.url = url
    assert q.url == "about:blank"


@pytest.mark.parametrize("url", REFUSED[:3])
def test_a_refused_environment_variable_names_the_variable(url, monkeypatch):
    monkeypatch.setenv(EXIT_URL_ENV, url)
    with pytest.raises(TraitError, match=rf"^{EXIT_URL_ENV}: the exit URL"):
        QuickExit()


@pytest.mark.parametrize("url", ["https://www.bbc.com/weather", "http://127.0.0.1:8000/away?x=1",
                                 "HTTPS://EXAMPLE.ORG/", "about:blank"])
def test_check_exit_url_accepts_http_and_about_blank(url):
    assert check_exit_url(url) == url


def test_check_exit_url_refuses_non_strings():
    with pytest.raises(TypeError, match="must be a string"):
        check_exit_url(None)


def _exit(q: QuickExit) -> None:
    q._handle_custom_msg({"event": "exit"}, [])   # what the front end's model.send delivers


def test_on_exit_callbacks_run_when_the_page_reports_an_exit(no_env):
    q = QuickExit()
    calls = []
    q.on_exit(lambda w: calls.append(("first", w)))
    q.on_exit(lambda w: calls.append(("second", w)))
    _exit(q)
    assert calls == [("first", q), ("second", q)]


def test_on_exit_ignores_other_messages(no_env):
    q = QuickExit()
    calls = []
    q.on_exit(calls.append)
    for content in ({"event": "other"}, {"exit": True}, "exit", ["exit"], None):
        q._handle_custom_msg(content, [])
    assert calls == []


def test_on_exit_remove_unregisters(no_env):
    q = QuickExit()
    calls = []
    q.on_exit(calls.append)
    q.on_exit(calls.append, remove=True)
    _exit(q)
    assert calls == []


def test_a_failing_exit_callback_does_not_stop_the_others(no_env):
    q = QuickExit()
    calls = []

    def broken(_):
        raise RuntimeError("boom")

    q.on_exit(broken)
    q.on_exit(calls.append)
    _exit(q)
    assert calls == [q]


def test_quick_exit_repr_is_fixed(monkeypatch):
    monkeypatch.setenv(EXIT_URL_ENV, "https://secret.example/")
    assert repr(QuickExit()) == "QuickExit()"




def test_use_messages_reach_on_use_and_only_it(no_env):
    used = []
    widget = QuickExit(idle_seconds=300)
    widget.on_use(lambda w: used.append(w))
    widget.on_exit(lambda w: used.append("exit"))
    widget._handle_custom_msg({"event": "use"}, [])
    assert used == [widget]
    widget._handle_custom_msg({"event": "exit"}, [])
    assert used == [widget, "exit"]
    with pytest.raises(TraitError):
        QuickExit(idle_seconds=-1)


# --------------------------------------------------------------------------- settings as traits


def test_shift_gap_is_a_synced_setting_with_a_default(no_env):
    q = QuickExit()
    assert q.shift_gap_ms == SHIFT_GAP_MS == 1000
    assert q.get_state()["shift_gap_ms"] == 1000
    q.shift_gap_ms = 2500
    assert q.get_state()["shift_gap_ms"] == 2500
    assert QuickExit(shift_gap_ms=400).get_state()["shift_gap_ms"] == 400


@pytest.mark.parametrize("gap", [0, -1, 249, 5001, 10**9])
def test_shift_gap_outside_its_range_is_refused_and_named(gap, no_env):
    with pytest.raises(TraitError, match=rf"QuickExit.shift_gap_ms must be from 250 to 5000 ms, not {gap}"):
        QuickExit(shift_gap_ms=gap)
    q = QuickExit()
    with pytest.raises(TraitError, match="shift_gap_ms"):
        q.shift_gap_ms = gap
    assert q.shift_gap_ms == SHIFT_GAP_MS


@pytest.mark.parametrize("gap", ["1000", 1000.5, None])
def test_shift_gap_must_be_a_whole_number(gap, no_env):
    with pytest.raises(TraitError):
        QuickExit(shift_gap_ms=gap)


@pytest.mark.parametrize("gap", [250, 5000])
def test_shift_gap_range_includes_its_ends(gap, no_env):
    assert QuickExit(shift_gap_ms=gap).shift_gap_ms == gap


# --------------------------------------------------------------------------- words from Python


QUICK_EXIT_WORDS = {"label": "Exit this page", "expired_message": "Exit this page expired.",
                    "idle_notice": "Not used for a while: this page will soon clear itself. "
                                   "Press a key or move the mouse to keep it."}
ANSWER_GROUP_WORDS = {"why_label": "Why this matters", "note_button_label": "Add a note",
                      "note_placeholder": "A private note for yourself (saved with your answers)"}


def test_the_words_the_page_shows_are_synced_traits_with_english_defaults(no_env):
    q, g = QuickExit(), _group()
    for widget, words in ((q, QUICK_EXIT_WORDS), (g, ANSWER_GROUP_WORDS)):
        state = widget.get_state()
        for name, text in words.items():
            assert getattr(widget, name) == text and state[name] == text, name
    assert q.get_state()["shift_messages"] == ["Shift, press 2 more times to exit.",
                                               "Shift, press 1 more time to exit."]
    assert g.get_state()["note_label"] == f"Private note: {STATEMENT}"


class _Marked(gettext.NullTranslations):
    """A stand-in translation: every message in «», plurals marked with their count."""

    def gettext(self, message):
        return f"«{message}»"

    def ngettext(self, singular, plural, n):
        return f"«{n}: {singular if n == 1 else plural}»"


def _t(text: str) -> str:
    return f"«{text}»"


@pytest.fixture
def translated(monkeypatch, no_env):
    monkeypatch.setattr(i18n, "_translation", _Marked())


def test_words_are_translated_when_a_widget_is_made(translated):
    q, g = QuickExit(), _group()
    for widget, words in ((q, QUICK_EXIT_WORDS), (g, ANSWER_GROUP_WORDS)):
        for name, text in words.items():
            assert widget.get_state()[name] == _t(text), name
    assert q.shift_messages == ["«2: Shift, press 2 more times to exit.»", "«1: Shift, press 1 more time to exit.»"]
    assert g.note_label == _t(f"Private note: {STATEMENT}")


def test_words_given_to_the_constructor_are_kept_untranslated(translated):
    q = QuickExit(label="Leave now", expired_message="Start again.", shift_messages=["two", "one"])
    assert (q.label, q.expired_message, q.shift_messages) == ("Leave now", "Start again.", ["two", "one"])
    assert q.idle_notice == _t(QUICK_EXIT_WORDS["idle_notice"])
    g = _group(why_label="Pourquoi", note_label="Ma note")
    assert (g.why_label, g.note_label, g.note_button_label) == ("Pourquoi", "Ma note", "«Add a note»")


@pytest.mark.parametrize("name", [*QUICK_EXIT_WORDS])
def test_quick_exit_refuses_blank_words(name, no_env):
    with pytest.raises(TraitError, match=rf"QuickExit.{name} must not be blank"):
        QuickExit(**{name: " "})
    q = QuickExit()
    with pytest.raises(TraitError, match=rf"QuickExit.{name} must not be blank"):
        setattr(q, name, "")
    assert getattr(q, name) == QUICK_EXIT_WORDS[name]


@pytest.mark.parametrize("name", [*ANSWER_GROUP_WORDS])
def test_answer_group_refuses_blank_words(name):
    with pytest.raises(TraitError, match=rf"AnswerGroup.{name} must not be blank"):
        _group(**{name: "\t"})


@pytest.mark.parametrize("messages", [[], ["one"], ["a", "b", "c"], ["a", " "]])
def test_shift_messages_are_two_non_blank_lines(messages, no_env):
    with pytest.raises(TraitError, match="QuickExit.shift_messages must be two non-blank messages"):
        QuickExit(shift_messages=messages)


def test_the_note_box_is_named_after_its_statement_and_follows_it():
    g = _group()
    g.statement = "4. Something else."
    assert g.note_label == "Private note: 4. Something else."
    own = _group(note_label="My own name")
    own.statement = "5. Another."
    assert own.note_label == "My own name"


# --------------------------------------------------------------------------- page-wide styles


def test_both_widgets_hold_the_one_page_style_and_sync_it(no_env):
    q, g = QuickExit(), _group()
    shared = page_style()
    assert isinstance(shared, PageStyle) and q._page_style is shared and g._page_style is shared
    for widget in (q, g):
        assert widget.get_state()["_page_style"] == f"IPY_MODEL_{shared.model_id}"
    assert shared.get_state()["_css"] == _static("page.css")


def test_a_closed_page_style_is_replaced(no_env):
    first = page_style()
    first.close()
    second = page_style()
    assert second is not first and second.comm is not None
    assert QuickExit()._page_style is second and _group()._page_style is second


# --------------------------------------------------------------------------- the script and style files


def _static(name: str) -> str:
    """A file of toolkit/static as the installed package has it."""
    return resources.files("toolkit").joinpath("static", name).read_text(encoding="utf-8")


@pytest.mark.parametrize("cls, js, css", [(AnswerGroup, "answer_group.js", ["answer_group.css"]),
                                          (QuickExit, "quick_exit.js", ["quick_exit.css", "phone.css"]),
                                          (PageStyle, "page_style.js", ["page.css"])])
def test_each_widget_sends_its_files_as_they_are(cls, js, css, no_env):
    """QuickExit, on every page, brings the pages' phone layout (phone.css) after its own styles."""
    state = (cls("s", [("A", "a")]) if cls is AnswerGroup else cls()).get_state()
    assert state["_esm"] == _static(js) and "export default" in state["_esm"]
    assert state["_css"] == "".join(_static(name) for name in css)


# A sentence in a JS string literal: two words of letters with a space between.
_STRING = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`")
_WORDS = re.compile(r"[A-Za-z]+ [A-Za-z]+")


def _literals(js: str) -> list[str]:
    """The string literals of a script, its comments left out."""
    code = re.sub(r"//[^\n]*|/\*.*?\*/", "", js, flags=re.DOTALL)
    return [m.group(0)[1:-1] for m in _STRING.finditer(code)]


def test_the_literal_scanner_finds_a_sentence():
    js = 'const a = "a-b"; // "Not this one"\nb.textContent = `Exit this page`; c("Press a key");'
    assert [s for s in _literals(js) if _WORDS.search(s)] == ["Exit this page", "Press a key"]


@pytest.mark.parametrize("name", ["answer_group.js", "quick_exit.js", "page_style.js"])
def test_scripts_hold_no_words_for_people(name):
    sentences = [s for s in _literals(_static(name)) if _WORDS.search(s)]
    assert sentences == [], f"toolkit/static/{name} has words a person reads: pass them as traits"
