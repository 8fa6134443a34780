"""Small custom widgets (anywidget): an accessible answer group (and a form's statements as one
widget of them, `AnswerSheet`), an "Exit this page" control and the page's styles and focus.

`AnswerGroup` is one statement with its answer scale as ONE native radio group::

    <fieldset class="redflag-answer-group" data-lm-suppress-shortcuts="true"
              aria-describedby="redflag-answer-N-hint">      (aria-describedby only with a hint)
      <legend class="redflag-answer-statement">3. Your partner is not honest with you.</legend>
      <p class="redflag-answer-hint" id="redflag-answer-N-hint">If this hasn't come up, ...</p>
      <div class="redflag-answer-choices">
        <label class="redflag-answer-choice">
          <input type="radio" name="redflag-answer-N" value="never"
                 data-lm-suppress-shortcuts="true"><span>Never</span>
        </label> ...
      </div>
    </fieldset>

so the browser gives one Tab stop per group, arrow keys that move *and* select, Space to select,
and a screen reader announces the statement as the group's name. `data-lm-suppress-shortcuts`
makes JupyterLab (Lumino 2) run none of its keyboard shortcuts for keys pressed on the radios.
It has to be on each radio, not only on the fieldset: the notebook's command-mode shortcuts
(selector `.jp-Notebook.jp-mod-commandMode:not(.jp-mod-readWrite) :focus`) match the focused
radio itself before Lumino's walk up the tree reaches a marked ancestor. Without it, ArrowDown
on a radio moves to the next cell instead of the next choice, and "D D" deletes the cell.

`QuickExit` shows one "Exit this page" button, fixed at the top right of the browser window, and
listens for Shift pressed three times. It is modelled on GOV.UK's "Exit this page" component
(researched with survivors of domestic abuse). Exiting blanks the page at once, tells the kernel
(`on_exit` callbacks run, so a form can forget unsaved answers) and replaces the page with a
neutral one (`location.replace`, so Back does not lead back to it; in JupyterLab, which adds
history entries of its own, it first goes back to the page's earliest entry and replaces that).
(The app view's own page script keeps the app one history entry from the first moment: see
toolkit/share/jupyter/voila/templates/redflag/static/page.js.) For the idle lock it tells the
kernel, at most every 15 s, that the page is in use (the kernel keeps the clock:
toolkit.ui.PageLock), and shows a notice a minute before the page clears itself.

The front-end code is in files beside this module (toolkit/static/*.js, *.css, package data):
anywidget reads them from their paths, and its front end is a prebuilt JupyterLab extension, so
nothing is built. Settings (the Shift gap, the exit URL) and every word the page shows reach the
scripts as synced traits: the words' defaults are marked with `N_()` and translated with `_()`
when a widget is made, so one catalogue covers them. The page-wide styles (focus ring, link
underline; static/page.css) come with `PageStyle`, one per kernel, which every widget that relies
on them holds as a synced trait: anywidget adds a model's stylesheet as soon as the model exists.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anywidget
import traitlets
from ipywidgets import CallbackDispatcher, widget_serialization

from .i18n import N_, _, ngettext

__all__ = ["DEFAULT_EXIT_URL", "EXIT_URL_ENV", "SHIFT_GAP_MS", "AnswerGroup", "AnswerSheet", "PageStyle", "QuickExit",
           "ResultFocus", "check_exit_url", "page_style"]

STATIC = Path(__file__).parent / "static"

# BBC Weather, as GOV.UK's component uses (https://www.bbc.co.uk/weather): a page anyone might
# have open at any time, that looks like nothing in particular, loads fast and needs no login.
# The .com address serves the same page worldwide (users are not all in the UK).
DEFAULT_EXIT_URL = "https://www.bbc.com/weather"
EXIT_URL_ENV = "REDFLAG_EXIT_URL"

# Shift presses that count as one "Shift x3": each within this many ms of the one before
# (QuickExit.shift_gap_ms's default and bounds).
SHIFT_GAP_MS = 1000
SHIFT_GAP_RANGE_MS = (250, 5000)


class Words(traitlets.Unicode[str, "str | bytes"]):
    """Words a person reads, synced to the page: never blank (a control without a name cannot be
    used with a screen reader). The default is N_()-marked English, put through `_()` when a
    widget is made (`_translate_words`), so the language is the one chosen then."""

    def __init__(self, default: str, help: str) -> None:
        super().__init__(default, help=help)
        self.tag(sync=True, words=True)

    def validate(self, obj: Any, value: Any) -> str:
        text: str = super().validate(obj, value)
        if not text.strip():
            raise traitlets.TraitError(f"{type(obj).__name__}.{self.name} must not be blank")
        return text


def _translate_words(cls: type[traitlets.HasTraits], kwargs: dict[str, Any]) -> dict[str, Any]:
    """kwargs with each `Words` trait not given set to its default in the chosen language."""
    for name, trait in cls.class_traits(words=True).items():
        kwargs.setdefault(name, _(trait.default_value))
    return kwargs


# --------------------------------------------------------------------------- page-wide styles


class PageStyle(anywidget.AnyWidget):
    """The page-wide styles (static/page.css): a focus ring on every control, underlined links,
    readable tab labels. Never shown: anywidget adds a model's stylesheet to the page when the model
    is created, so a widget that relies on these styles holds the shared one (`page_style()`) in a
    synced trait and the page has them wherever that widget is, with or without the others."""

    _esm = STATIC / "page_style.js"
    _css = STATIC / "page.css"

    def __repr__(self) -> str:
        return "PageStyle()"


_shared_page_style: PageStyle | None = None


def page_style() -> PageStyle:
    """This kernel's one PageStyle (a new one if it was closed)."""
    global _shared_page_style
    if _shared_page_style is None or _shared_page_style.comm is None:
        _shared_page_style = PageStyle()
    return _shared_page_style


def _page_style_trait() -> traitlets.Instance[PageStyle]:
    """The trait by which a widget holds the shared PageStyle: synced as a model reference, so the
    page creates the PageStyle model (and so adds its stylesheet) before it shows the widget."""
    return traitlets.Instance(PageStyle, help="The shared page-wide styles (page_style()).").tag(
        sync=True, **widget_serialization)


# --------------------------------------------------------------------------- AnswerGroup


def _checked_options(options: Iterable[Any]) -> list[list[str]]:
    """`options` as [label, value] string pairs with non-blank labels and unique values, or TraitError."""
    pairs: list[list[str]] = []
    for n, pair in enumerate(options, start=1):
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise traitlets.TraitError(f"AnswerGroup option {n} must be a [label, value] pair, not {pair!r}")
        label, value = pair
        if not isinstance(label, str) or not isinstance(value, str):
            raise traitlets.TraitError(f"AnswerGroup option {n}: label and value must be strings, not {pair!r}")
        if not label.strip():
            raise traitlets.TraitError(f"AnswerGroup option {n} has an empty label")
        pairs.append([label, value])
    values = [v for _, v in pairs]
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise traitlets.TraitError(f"AnswerGroup option values must be unique; repeated: {repeated}")
    return pairs


# The note box's accessible name: "Private note: " and the statement, unless given.
NOTE_LABEL = N_("Private note: {statement}")
WHY_LABEL = N_("Why this matters")
NOTE_BUTTON = N_("Add a note")
NOTE_PLACEHOLDER = N_("A private note for yourself (saved with your answers)")


class AnswerGroup(anywidget.AnyWidget):
    """One statement and its answer scale as one accessible native radio group.

    `options` is a list of [label, value] pairs (both strings, values unique); `value` is the
    chosen option's value, or None for no answer. Answers never appear in the repr, so they
    are never written into a saved notebook's text output.
    """

    _esm = STATIC / "answer_group.js"
    _css = STATIC / "answer_group.css"

    statement = traitlets.Unicode("", help="The statement (question) the group answers.").tag(sync=True)
    options: traitlets.List[list[str]] = traitlets.List(help="[label, value] pairs, in display order.").tag(
        sync=True)
    value = traitlets.Unicode(None, allow_none=True, help="The chosen value, or None.").tag(sync=True)
    hint = traitlets.Unicode("", help="Optional extra guidance, read with the group.").tag(sync=True)
    why = traitlets.Unicode("", help="Optional 'Why this matters' text, in a disclosure after the group.").tag(
        sync=True)
    disabled = traitlets.Bool(False, help="Whether the choices are read-only.").tag(sync=True)
    notes = traitlets.Bool(False, help="Offer an 'Add a note' button and a private note box.").tag(sync=True)
    note = traitlets.Unicode("", help="The private note (never shown in the text repr).").tag(sync=True)
    note_open = traitlets.Bool(False, help="Whether the note box is shown.").tag(sync=True)
    why_label = Words(WHY_LABEL, help="The 'why' disclosure's summary line.")
    note_button_label = Words(NOTE_BUTTON, help="The button that opens the note box.")
    note_placeholder = Words(NOTE_PLACEHOLDER, help="The empty note box's placeholder.")
    note_label = traitlets.Unicode(help="The note box's accessible name (default: NOTE_LABEL with the "
                                   "statement, kept up to date with it).").tag(sync=True)
    _page_style = _page_style_trait()

    def __init__(self, statement: str = "", options: Iterable[Sequence[str]] = (), value: str | None = None,
                 *, hint: str = "", disabled: bool = False, **kwargs: Any) -> None:
        self._own_note_label = "note_label" in kwargs
        kwargs.setdefault("note_label", self._note_label_for(statement))
        super().__init__(statement=statement, options=list(options), value=value, hint=hint, disabled=disabled,
                         _page_style=page_style(), **_translate_words(type(self), kwargs))

    @staticmethod
    def _note_label_for(statement: str) -> str:
        return _(NOTE_LABEL).format(statement=statement)

    @property
    def values(self) -> list[str]:
        """The options' values, in order."""
        return [v for _, v in self.options]

    @traitlets.validate("options")
    def _valid_options(self, proposal: dict[str, Any]) -> list[list[str]]:
        return _checked_options(proposal["value"])

    @traitlets.validate("value")
    def _valid_value(self, proposal: dict[str, Any]) -> str | None:
        value: str | None = proposal["value"]
        if value is not None and value not in self.values:
            raise traitlets.TraitError(
                f"AnswerGroup value {value!r} is not one of its options' values {self.values} (or None)")
        return value

    @traitlets.observe("options")
    def _drop_stale_value(self, change: dict[str, Any]) -> None:
        if self.value is not None and self.value not in self.values:
            self.value = None

    @traitlets.observe("statement")
    def _rename_note(self, change: dict[str, Any]) -> None:
        if not self._own_note_label:
            self.note_label = self._note_label_for(change["new"])

    def __repr__(self) -> str:
        # Never the value: a notebook saved with this output must not hold anyone's answers.
        labels = [label for label, _ in self.options]
        return f"AnswerGroup(statement={self.statement!r}, options={labels!r})"


class AnswerSheet(anywidget.AnyWidget):
    """A form's statements in ONE widget: each drawn exactly as an AnswerGroup (the same page
    script, one native radio group per statement, "Why this matters", a private note), all from
    one model. A twenty-statement form then opens one widget instead of twenty: in the app view
    every widget is a model the page must create and a script it must load, which made a form's
    first open ~0.3 s slower than one statement's.

    `items`: one dict per statement: id, statement, options ([label, value] pairs), hint, why,
    note_label. `values`: id -> chosen value (answered statements only); `note_texts`: id -> note;
    `open_notes`: ids whose note box is shown. `item(id)` reads and sets one statement as an
    AnswerGroup is read and set. Answers never appear in the repr.
    """

    _esm = STATIC / "answer_group.js"
    _css = STATIC / "answer_group.css"

    items: traitlets.List[dict[str, Any]] = traitlets.List(
        help="One dict per statement: id, statement, options, hint, why, note_label.").tag(sync=True)
    values = traitlets.Dict(help="Statement id -> chosen value (answered ones only).").tag(sync=True)
    note_texts = traitlets.Dict(help="Statement id -> private note (never in the repr).").tag(sync=True)
    open_notes: traitlets.List[str] = traitlets.List(help="Ids whose note box is shown.").tag(sync=True)
    disabled = traitlets.Bool(False, help="Whether the choices are read-only.").tag(sync=True)
    notes = traitlets.Bool(False, help="Offer an 'Add a note' button and a private note box.").tag(sync=True)
    why_label = Words(WHY_LABEL, help="The 'why' disclosures' summary line.")
    note_button_label = Words(NOTE_BUTTON, help="The buttons that open the note boxes.")
    note_placeholder = Words(NOTE_PLACEHOLDER, help="The empty note boxes' placeholder.")
    _page_style = _page_style_trait()

    def __init__(self, items: Iterable[dict[str, Any]] = (), **kwargs: Any) -> None:
        rows = [{"hint": "", "why": "", **item} for item in items]
        for row in rows:
            row["options"] = _checked_options(row.get("options", []))
            row.setdefault("note_label", AnswerGroup._note_label_for(row.get("statement", "")))
        super().__init__(items=rows, _page_style=page_style(), **_translate_words(type(self), kwargs))
        self._options = {row["id"]: {v for _, v in row["options"]} for row in rows}

    @traitlets.validate("values")
    def _valid_values(self, proposal: dict[str, Any]) -> dict[str, str]:
        values: dict[str, Any] = dict(proposal["value"])
        for iid, value in values.items():
            if value not in getattr(self, "_options", {}).get(iid, ()):
                raise traitlets.TraitError(f"AnswerSheet: {value!r} is not an option of statement {iid!r}")
        return values

    def item(self, iid: str) -> SheetItem:
        return SheetItem(self, iid)

    def __repr__(self) -> str:
        return f"AnswerSheet({len(self.items)} statements)"


class SheetItem:
    """One statement of an AnswerSheet, read and set like an AnswerGroup: `value` (None: no
    answer), `note`, `note_open`, and its statement, options, hint and why."""

    def __init__(self, sheet: AnswerSheet, iid: str) -> None:
        self.sheet, self.id = sheet, iid

    def __getattr__(self, name: str) -> Any:
        row = next(r for r in self.sheet.items if r["id"] == self.id)
        return row[name] if name in row else getattr(self.sheet, name)

    @property
    def values(self) -> list[str]:
        """The options' values, in order (as AnswerGroup.values)."""
        return [v for _, v in self.options]

    @property
    def value(self) -> str | None:
        return self.sheet.values.get(self.id)

    @value.setter
    def value(self, value: str | None) -> None:
        values = {k: v for k, v in self.sheet.values.items() if k != self.id}
        self.sheet.values = values if value is None else {**values, self.id: value}

    @property
    def note(self) -> str:
        return str(self.sheet.note_texts.get(self.id, ""))

    @note.setter
    def note(self, text: str) -> None:
        notes = {k: v for k, v in self.sheet.note_texts.items() if k != self.id}
        self.sheet.note_texts = {**notes, self.id: text} if text else notes

    @property
    def note_open(self) -> bool:
        return self.id in self.sheet.open_notes

    @note_open.setter
    def note_open(self, is_open: bool) -> None:
        others = [i for i in self.sheet.open_notes if i != self.id]
        self.sheet.open_notes = [*others, self.id] if is_open else others


# --------------------------------------------------------------------------- QuickExit

_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


def check_exit_url(url: object) -> str:
    """`url` if it is an http(s) address with a host, or exactly "about:blank"; else ValueError.

    Anything else (javascript:, data:, file:, a relative path) is refused, and so is any
    whitespace or control character, which browsers strip and so could hide a scheme.
    """
    if not isinstance(url, str):
        raise TypeError(f"the exit URL must be a string, not {type(url).__name__}")
    if url == "about:blank":
        return url
    if _CONTROL_OR_SPACE.search(url):
        raise ValueError(f"the exit URL {url!r} contains a space or control character")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"the exit URL must be an http(s) address or about:blank, not {url!r}")
    return url



def _shift_messages() -> list[str]:
    """What the page says after one and after two Shift presses, in the chosen language."""
    return [ngettext("Shift, press {n} more time to exit.", "Shift, press {n} more times to exit.", n).format(n=n)
            for n in (2, 1)]


class QuickExit(anywidget.AnyWidget):
    """An "Exit this page" button (top right, always on screen) and the Shift x3 shortcut.

    url: where to go; default REDFLAG_EXIT_URL from the environment when set, else
    DEFAULT_EXIT_URL. Only http(s) addresses and about:blank are accepted.
    `on_exit(callback)`: callback(widget) runs when the page reports that the person left.
    """

    _esm = STATIC / "quick_exit.js"
    # The button's styles and the pages' phone layout (phone.css): every page has a QuickExit.
    _css = (STATIC / "quick_exit.css").read_text(encoding="utf-8") + (STATIC / "phone.css").read_text(encoding="utf-8")

    url = traitlets.Unicode(DEFAULT_EXIT_URL, help="The page to leave for.").tag(sync=True)
    idle_seconds = traitlets.Float(0.0, min=0.0, help="The page's idle lock (0: none), for the "
                                   "front end's warning; the kernel keeps the clock.").tag(sync=True)
    shift_gap_ms = traitlets.Int(SHIFT_GAP_MS, help="Each Shift press of the three must come within this "
                                 "many ms of the one before.").tag(sync=True)
    label = Words(N_("Exit this page"), help="The button's label.")
    shift_messages = traitlets.List(traitlets.Unicode(), help="What the page says after one and after two "
                                    "Shift presses (default: _shift_messages()).").tag(sync=True)
    expired_message = Words(N_("Exit this page expired."), help="Said when a Shift count runs out.")
    shift_hint = Words(N_("or press Shift 3 times"), help="Written beside the button, where it is seen: the "
                       "shortcut is no use to someone who never hears of it.")
    idle_notice = Words(N_("Not used for a while: this page will soon clear itself. "
                           "Press a key or move the mouse to keep it."),
                        help="Shown shortly before the idle lock clears the page.")
    _page_style = _page_style_trait()

    def __init__(self, url: str | None = None, **kwargs: Any) -> None:
        self._exit_handlers = CallbackDispatcher()
        self._use_handlers = CallbackDispatcher()
        source = "url"
        if url is None:
            env = os.environ.get(EXIT_URL_ENV, "").strip()
            url, source = (env, EXIT_URL_ENV) if env else (DEFAULT_EXIT_URL, "url")
        kwargs.setdefault("shift_messages", _shift_messages())
        try:
            super().__init__(url=url, _page_style=page_style(), **_translate_words(type(self), kwargs))
        except traitlets.TraitError as exc:
            if source == EXIT_URL_ENV:
                raise traitlets.TraitError(f"{EXIT_URL_ENV}: {exc}") from exc
            raise
        self.on_msg(self._on_front_end_msg)

    @traitlets.validate("url")
    def _valid_url(self, proposal: dict[str, Any]) -> str:
        try:
            return check_exit_url(proposal["value"])
        except (TypeError, ValueError) as exc:
            raise traitlets.TraitError(str(exc)) from None

    @traitlets.validate("shift_gap_ms")
    def _valid_gap(self, proposal: dict[str, Any]) -> int:
        low, high = SHIFT_GAP_RANGE_MS
        if not low <= proposal["value"] <= high:
            raise traitlets.TraitError(f"QuickExit.shift_gap_ms must be from {low} to {high} ms, "
                                       f"not {proposal['value']}")
        return int(proposal["value"])

    @traitlets.validate("shift_messages")
    def _valid_messages(self, proposal: dict[str, Any]) -> list[str]:
        messages = list(proposal["value"])
        if len(messages) != 2 or not all(m.strip() for m in messages):
            raise traitlets.TraitError("QuickExit.shift_messages must be two non-blank messages (after one "
                                       f"and after two presses), not {messages!r}")
        return messages

    def on_exit(self, callback: Callable[[QuickExit], Any], remove: bool = False) -> None:
        """Run callback(self) when the person leaves the page; remove=True unregisters it."""
        self._exit_handlers.register_callback(callback, remove=remove)

    def on_use(self, callback: Callable[[QuickExit], Any], remove: bool = False) -> None:
        """Run callback(self) when the page reports it was used (at most every few seconds):
        the idle lock counts from then."""
        self._use_handlers.register_callback(callback, remove=remove)

    def _on_front_end_msg(self, widget: Any, content: Any, buffers: Any) -> None:
        event = content.get("event") if isinstance(content, dict) else None
        if event == "exit":
            self._exit_handlers(self)
        elif event == "use":
            self._use_handlers(self)

    def __repr__(self) -> str:
        return "QuickExit()"


# --------------------------------------------------------------------------- ResultFocus


class ResultFocus(anywidget.AnyWidget):
    """A checklist form's way to its result (static/result_focus.js), inside its `.redflag-form`:
    a "Skip to your result" link at the top (keyboard users reach the result without tabbing
    through every statement: the result's heading, or "Show my result" before there is one),
    and `move()`, which takes focus to the result's heading (`.redflag-result-heading` in
    `.redflag-result-area`) and scrolls it into view, so a screen reader announces the result
    after Show or Save instead of staying silent on the button. One model for both: a form
    opens as few as it can (a fresh kernel waits for each)."""

    _esm = STATIC / "result_focus.js"

    request = traitlets.Int(0, help="Raised by move(): each change moves focus to the result.").tag(sync=True)
    label = Words(N_("Skip to your result"), help="The skip link's words.")
    _page_style = _page_style_trait()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(_page_style=page_style(), **_translate_words(type(self), kwargs))

    def move(self) -> None:
        """Focus and scroll to the result (its heading must be on screen by now)."""
        self.request += 1

    def __repr__(self) -> str:
        return "ResultFocus()"
