"""The custom widgets' Python side (traits, validation, the exit message) and the front-end code
as text (it runs only in a browser: tests/e2e/test_e2e_widgets.py drives it there)."""

from __future__ import annotations

import re

import pytest
from traitlets import TraitError

from toolkit import widgets as W
from toolkit.widgets import DEFAULT_EXIT_URL, EXIT_URL_ENV, AnswerGroup, QuickExit, check_exit_url

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


# --------------------------------------------------------------------------- front-end code (text)

ESMS = {"AnswerGroup": AnswerGroup._esm, "QuickExit": QuickExit._esm}
MARKUP_SINKS = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment"
                          r"|DOMParser|srcdoc|\beval\(|new Function")


def _function(esm: str, name: str) -> str:
    """The text of (async) function NAME in the ESM, to its closing brace at column 0."""
    found = re.search(rf"^(?:async )?function {name}\(.*?^}}$", esm, re.DOTALL | re.MULTILINE)
    assert found, f"no function {name} in the ESM"
    return found.group(0)


@pytest.mark.parametrize("name", ESMS)
def test_esm_never_parses_markup(name):
    esm = str(ESMS[name])
    assert "export default" in esm
    assert not MARKUP_SINKS.findall(esm)


def test_answer_group_esm_sets_statement_hint_and_labels_as_text():
    render = _function(str(AnswerGroup._esm), "render")
    assert re.search(r'legend\.textContent = String\(model\.get\("statement"\)', render)
    assert re.search(r'hint\.textContent = text;', render)
    assert re.search(r"text\.textContent = String\(pair\[0\]\)", render)
    assert 'createElement("fieldset")' in render and 'createElement("legend")' in render
    assert re.search(r'input\.type = "radio";\s+input\.name = name;', render)
    assert 'setAttribute("aria-describedby", hint.id)' in render


def test_answer_group_esm_suppresses_lab_shortcuts_on_each_radio_and_saves_choices():
    esm = str(AnswerGroup._esm)
    assert 'const SUPPRESS = "data-lm-suppress-shortcuts";' in esm
    assert re.search(r"input\.setAttribute\(SUPPRESS, \"true\"\)", esm)
    on_change = re.search(r"function onChange\(event\) \{.*?\n  \}", esm, re.DOTALL).group(0)
    assert re.search(r'model\.set\("value", input\.value\);\s+model\.save_changes\(\);', on_change)


def test_answer_group_css_has_a_visible_focus_ring_and_wraps():
    css = str(AnswerGroup._css)
    ring = re.search(r"input:focus-visible \{([^}]*)\}", css).group(1)
    assert re.search(r"outline: [2-9]px solid #0b0c0c", ring)
    assert re.search(r"\.redflag-answer-choices \{[^}]*flex-wrap: wrap", css)
    assert re.search(r"\.redflag-answer-group \{[^}]*min-width: 0", css)


def test_quick_exit_esm_blanks_then_tells_the_kernel_then_replaces_the_page():
    esm = str(QuickExit._esm)
    exit_page = _function(esm, "exitPage")
    steps = [exit_page.find(s) for s in ("document.body.replaceChildren()", 'model.send({ event: "exit" })',
                                         "leave(url);")]
    assert -1 not in steps and steps == sorted(steps), steps
    leave = _function(esm, "leave")
    assert leave.rstrip("}").rstrip().endswith("window.location.replace(url);")
    assert "location.href" not in esm and "location.assign" not in esm


def test_quick_exit_esm_first_goes_back_to_the_pages_earliest_history_entry():
    leave = _function(str(QuickExit._esm), "leave")
    assert "nav.entries().find((e) => e.sameDocument)" in leave
    assert re.search(r"history\.pushState = \(\) => \{\};.*?nav\.traverseTo\(first\.key\)", leave, re.DOTALL)
    assert "setTimeout(resolve, 500)" in leave     # never stuck waiting for a traversal


def test_quick_exit_esm_leaves_without_a_leave_page_prompt():
    exit_page = _function(str(QuickExit._esm), "exitPage")
    clear = re.search(r'window\.addEventListener\("beforeunload", \(e\) => \{(.*?)\}\);', exit_page, re.DOTALL)
    assert clear and 'e.returnValue = "";' in clear.group(1)
    assert "preventDefault" not in clear.group(1)
    assert exit_page.find('"beforeunload"') < exit_page.find("leave(url);")


def test_quick_exit_esm_lets_nothing_else_navigate_while_it_leaves():
    leave = _function(str(QuickExit._esm), "leave")
    guard = re.search(r'nav\.addEventListener\("navigate", \(e\) => \{(.*?)\n      \}\);', leave, re.DOTALL)
    assert guard, "no navigate guard"
    assert 'e.navigationType !== "traverse" && e.destination.url !== target' in guard.group(1)
    assert "e.preventDefault()" in guard.group(1)
    assert leave.find('"navigate"') < leave.find("traverseTo")


def test_quick_exit_esm_listens_once_per_page_and_ignores_auto_repeat():
    esm = str(QuickExit._esm)
    listen = _function(esm, "listen")
    assert re.search(r"^  if \(s\.listening\) return;", listen, re.MULTILINE)
    for event in ("keydown", "keyup"):
        assert esm.count(f'addEventListener("{event}"') == 1
        assert f'window.addEventListener("{event}", redflagQuickExitKey, true)' in listen
    key = _function(esm, "redflagQuickExitKey")
    assert 'if (!event.repeat) s.shiftAlone = true;' in key
    assert re.search(r"s\.shiftAlone = false;\s+if \(s\.count\) resetCount\(s, false\);", key)
    assert 'if (event.type !== "keyup" || event.key !== "Shift" || !s.shiftAlone) return;' in key
    assert f"const GAP_MS = {W.SHIFT_GAP_MS};" in esm and "__SHIFT_GAP_MS__" not in esm


def test_quick_exit_esm_checks_the_url_again():
    safe = _function(str(QuickExit._esm), "safeUrl")
    assert 'url.protocol === "http:" || url.protocol === "https:"' in safe
    assert safe.rstrip("}").rstrip().endswith('return "about:blank";')


def test_quick_exit_tells_the_kernel_of_use_at_most_every_few_seconds():
    esm = str(QuickExit._esm)
    tick = _function(esm, "tick")
    assert 'model.send({ event: "use" })' in tick and "s.used > s.told" in tick
    assert "const USE_TELL_MS = 15000;" in esm
    listen = _function(esm, "listen")
    assert "for (const name of USE_EVENTS) window.addEventListener(name, noteUse" in listen
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
