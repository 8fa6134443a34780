"""Two small custom widgets (anywidget): an accessible answer group and an "Exit this page" control.

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

The front-end code (ESM and CSS) is plain strings: anywidget's front end is a prebuilt JupyterLab
extension, so nothing is built. The DOM is made with createElement/textContent only: statement
texts come from data files and must never be parsed as markup.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import anywidget
import traitlets
from ipywidgets import CallbackDispatcher

__all__ = ["DEFAULT_EXIT_URL", "EXIT_URL_ENV", "AnswerGroup", "QuickExit", "check_exit_url"]

# BBC Weather, as GOV.UK's component uses (https://www.bbc.co.uk/weather): a page anyone might
# have open at any time, that looks like nothing in particular, loads fast and needs no login.
# The .com address serves the same page worldwide (users are not all in the UK).
DEFAULT_EXIT_URL = "https://www.bbc.com/weather"
EXIT_URL_ENV = "REDFLAG_EXIT_URL"

# Shift presses that count as one "Shift x3": each within this many ms of the one before.
SHIFT_GAP_MS = 1000


# --------------------------------------------------------------------------- AnswerGroup

_ANSWER_GROUP_ESM = r"""
const SEQ = "__redflagAnswerGroupSeq";
// JupyterLab (Lumino 2) runs no keyboard shortcut when the key's target is, or is inside, an
// element with this attribute. It must be on the radio itself: the notebook's command-mode
// shortcuts (ArrowUp/Down/Left/Right, "D D" = delete cell, ...) have selectors ending in
// ":focus", which match the focused radio before the check reaches any ancestor.
const SUPPRESS = "data-lm-suppress-shortcuts";

// A radio group's name must be unique on the page (JupyterLab shows several notebooks, and
// each view of a widget is its own group): one page-wide counter, whichever copy of this
// module runs.
function nextName() {
  globalThis[SEQ] = (globalThis[SEQ] || 0) + 1;
  return `redflag-answer-${globalThis[SEQ]}`;
}

function render({ model, el }) {
  const name = nextName();
  const fieldset = document.createElement("fieldset");
  fieldset.className = "redflag-answer-group";
  fieldset.setAttribute(SUPPRESS, "true");
  const legend = document.createElement("legend");
  legend.className = "redflag-answer-statement";
  const hint = document.createElement("p");
  hint.className = "redflag-answer-hint";
  hint.id = `${name}-hint`;
  const choices = document.createElement("div");
  choices.className = "redflag-answer-choices";
  fieldset.append(legend, hint, choices);
  // "Why this matters": a native disclosure after the group (its own Tab stop, Enter opens it).
  const why = document.createElement("details");
  why.className = "redflag-answer-why";
  const whySummary = document.createElement("summary");
  whySummary.textContent = "Why this matters";
  const whyText = document.createElement("p");
  why.append(whySummary, whyText);
  el.classList.add("redflag-answer-host");
  // "Add a note": a button that opens a private text box (only when `notes` is on).
  const noteButton = document.createElement("button");
  noteButton.type = "button";
  noteButton.className = "redflag-answer-note-toggle";
  noteButton.textContent = "Add a note";
  noteButton.setAttribute(SUPPRESS, "true");
  const note = document.createElement("textarea");
  note.className = "redflag-answer-note";
  note.id = `${name}-note`;
  note.rows = 2;
  note.placeholder = "A private note for yourself (saved with your answers)";
  note.setAttribute(SUPPRESS, "true");
  noteButton.setAttribute("aria-controls", note.id);
  el.replaceChildren(fieldset, why, noteButton, note);

  let inputs = [];

  function showText() {
    legend.textContent = String(model.get("statement") ?? "");
    const text = String(model.get("hint") ?? "");
    hint.textContent = text;
    hint.hidden = text === "";
    if (text) {
      fieldset.setAttribute("aria-describedby", hint.id);
    } else {
      fieldset.removeAttribute("aria-describedby");
    }
    const explain = String(model.get("why") ?? "");
    whyText.textContent = explain;
    why.hidden = explain === "";
    note.setAttribute("aria-label", `Private note: ${legend.textContent}`);
  }

  function showNote() {
    const open = Boolean(model.get("note_open"));
    noteButton.hidden = !model.get("notes");
    noteButton.setAttribute("aria-expanded", String(open));
    note.hidden = !open || !model.get("notes");
    const value = String(model.get("note") ?? "");
    if (note.value !== value) note.value = value;
  }

  function onToggle() {
    model.set("note_open", !model.get("note_open"));
    model.save_changes();
    if (model.get("note_open")) note.focus();
  }

  function onNote() {
    model.set("note", note.value);
    model.save_changes();
  }

  function showValue() {
    const value = model.get("value");
    for (const input of inputs) {
      input.checked = value !== null && value !== undefined && input.value === String(value);
    }
  }

  function showOptions() {
    const rows = [];
    inputs = [];
    (model.get("options") || []).forEach((pair, i) => {
      const row = document.createElement("label");
      row.className = "redflag-answer-choice";
      const input = document.createElement("input");
      input.type = "radio";
      input.name = name;
      input.setAttribute(SUPPRESS, "true");
      input.id = `${name}-${i}`;
      input.value = String(pair[1]);
      const text = document.createElement("span");
      text.textContent = String(pair[0]);
      row.append(input, text);
      rows.push(row);
      inputs.push(input);
    });
    choices.replaceChildren(...rows);
    showValue();
  }

  function showDisabled() {
    fieldset.disabled = Boolean(model.get("disabled"));
  }

  function onChange(event) {
    const input = event.target;
    if (!inputs.includes(input) || !input.checked) return;
    model.set("value", input.value);
    model.save_changes();
  }

  choices.addEventListener("change", onChange);
  noteButton.addEventListener("click", onToggle);
  note.addEventListener("input", onNote);
  const handlers = [
    ["change:statement", showText], ["change:hint", showText], ["change:why", showText],
    ["change:options", showOptions],
    ["change:value", showValue], ["change:disabled", showDisabled],
    ["change:note", showNote], ["change:note_open", showNote], ["change:notes", showNote],
  ];
  for (const [event, handler] of handlers) model.on(event, handler);
  showText();
  showOptions();
  showDisabled();
  showNote();
  return () => {
    for (const [event, handler] of handlers) model.off(event, handler);
    choices.removeEventListener("change", onChange);
    noteButton.removeEventListener("click", onToggle);
    note.removeEventListener("input", onNote);
  };
}

export default { render };
"""

_ANSWER_GROUP_CSS = r"""
.redflag-answer-note-toggle {
  margin: 0 0 0.5rem;
  padding: 0.2rem 0.6rem;
  font: inherit;
  color: #1f2937;
  background: #f3f4f6;
  border: 1px solid #6b7280;
  border-radius: 3px;
  cursor: pointer;
}
.redflag-answer-note-toggle:focus-visible, .redflag-answer-note:focus-visible {
  outline: 3px solid #0b0c0c;
  outline-offset: 2px;
  box-shadow: 0 0 0 5px #ffdd00;
}
.redflag-answer-note {
  display: block;
  box-sizing: border-box;
  width: 95%;
  margin: 0 0 0.5rem;
  font: inherit;
}
.redflag-answer-note[hidden], .redflag-answer-note-toggle[hidden] {
  display: none;
}

.redflag-answer-why {
  margin: -0.75rem 0 0.5rem;
}
.redflag-answer-why summary {
  cursor: pointer;
}
.redflag-answer-why summary:focus-visible {
  outline: 3px solid #0b0c0c;
  outline-offset: 2px;
  background: #ffdd00;
}

.redflag-answer-group {
  border: 0;
  margin: 0 0 1.25rem;
  padding: 0;
  min-width: 0;                 /* a fieldset is min-content wide by default: no sideways scroll */
  color: var(--jp-content-font-color1, #1f1f1f);
  font-family: var(--jp-content-font-family, system-ui, -apple-system, "Segoe UI", sans-serif);
  font-size: var(--jp-content-font-size2, 1rem);
  line-height: 1.5;
}
.redflag-answer-statement {
  float: none;
  max-width: 100%;
  margin: 0 0 0.25rem;
  padding: 0;
  font-weight: 600;
  white-space: normal;
  overflow-wrap: anywhere;
}
.redflag-answer-hint {
  margin: 0 0 0.25rem;
  font-style: italic;
  overflow-wrap: anywhere;
}
.redflag-answer-hint[hidden] { display: none; }
.redflag-answer-choices {
  display: flex;
  flex-wrap: wrap;
  gap: 0.125rem 1.25rem;
  min-width: 0;
}
.redflag-answer-choice {
  display: inline-flex;
  align-items: center;
  gap: 0.5rem;
  min-height: 2.75rem;          /* a 44px target at 100 % zoom */
  max-width: 100%;
  padding: 0 0.375rem;
  cursor: pointer;
}
.redflag-answer-choice > span { min-width: 0; overflow-wrap: anywhere; }
.redflag-answer-choice > input {
  flex: none;
  width: 1.25rem;
  height: 1.25rem;
  margin: 0;
  cursor: pointer;
}
/* Focus: a black ring on the radio and the whole choice on yellow (GOV.UK's focus colours):
   black on #ffdd00 is 15:1, and the yellow stands out on light and dark themes alike. */
.redflag-answer-choice > input:focus-visible {
  outline: 3px solid #0b0c0c;
  outline-offset: 2px;
}
.redflag-answer-choice:has(> input:focus-visible) {
  background: #ffdd00;
  color: #0b0c0c;
  box-shadow: 0 3px 0 #0b0c0c;
}
.redflag-answer-group:disabled .redflag-answer-choice,
.redflag-answer-group:disabled .redflag-answer-choice > input { cursor: not-allowed; }
.redflag-answer-group:disabled .redflag-answer-choice { opacity: 0.6; }
"""


class AnswerGroup(anywidget.AnyWidget):
    """One statement and its answer scale as one accessible native radio group.

    `options` is a list of [label, value] pairs (both strings, values unique); `value` is the
    chosen option's value, or None for no answer. Answers never appear in the repr, so they
    are never written into a saved notebook's text output.
    """

    _esm = _ANSWER_GROUP_ESM
    _css = _ANSWER_GROUP_CSS

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

    def __init__(self, statement: str = "", options: Iterable[Sequence[str]] = (), value: str | None = None,
                 *, hint: str = "", disabled: bool = False, **kwargs: Any) -> None:
        super().__init__(statement=statement, options=list(options), value=value, hint=hint,
                         disabled=disabled, **kwargs)

    @property
    def values(self) -> list[str]:
        """The options' values, in order."""
        return [v for _, v in self.options]

    @traitlets.validate("options")
    def _valid_options(self, proposal: dict[str, Any]) -> list[list[str]]:
        pairs: list[list[str]] = []
        for n, pair in enumerate(proposal["value"], start=1):
            if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
                raise traitlets.TraitError(
                    f"AnswerGroup option {n} must be a [label, value] pair, not {pair!r}")
            label, value = pair
            if not isinstance(label, str) or not isinstance(value, str):
                raise traitlets.TraitError(
                    f"AnswerGroup option {n}: label and value must be strings, not {pair!r}")
            if not label.strip():
                raise traitlets.TraitError(f"AnswerGroup option {n} has an empty label")
            pairs.append([label, value])
        values = [v for _, v in pairs]
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise traitlets.TraitError(f"AnswerGroup option values must be unique; repeated: {repeated}")
        return pairs

    @traitlets.validate("value")
    def _valid_value(self, proposal: dict[str, Any]) -> str | None:
        value = proposal["value"]
        if value is not None and value not in self.values:
            raise traitlets.TraitError(
                f"AnswerGroup value {value!r} is not one of its options' values {self.values} (or None)")
        return value

    @traitlets.observe("options")
    def _drop_stale_value(self, change: dict[str, Any]) -> None:
        if self.value is not None and self.value not in self.values:
            self.value = None

    def __repr__(self) -> str:
        # Never the value: a notebook saved with this output must not hold anyone's answers.
        labels = [label for label, _ in self.options]
        return f"AnswerGroup(statement={self.statement!r}, options={labels!r})"


# --------------------------------------------------------------------------- QuickExit

_QUICK_EXIT_ESM = r"""
// One shared state per browser page, whichever copy of this module runs (JupyterLab can show
// several notebooks, each with its own QuickExit, and outputs re-render): one keyboard listener,
// one button.
const KEY = "__redflagQuickExit";
const GAP_MS = __SHIFT_GAP_MS__;
const MESSAGES = {
  1: "Shift, press 2 more times to exit.",
  2: "Shift, press 1 more time to exit.",
  expired: "Exit this page expired.",
};

function shared() {
  if (!globalThis[KEY]) {
    globalThis[KEY] = { views: [], root: null, status: null, room: null, inLab: false, count: 0,
                        last: 0, timer: null, shiftAlone: false, listening: false, exiting: false,
                        used: Date.now(), told: Date.now(), ticker: null, notice: null };
  }
  return globalThis[KEY];
}

function safeUrl(raw) {
  if (raw === "about:blank") return raw;
  try {
    const url = new URL(String(raw));
    if (url.protocol === "http:" || url.protocol === "https:") return url.href;
  } catch (err) { /* not a URL: fall through */ }
  return "about:blank";
}

function say(s, text) {
  if (s.status) s.status.textContent = text;
}

function exitPage(s) {
  if (s.exiting) return;
  s.exiting = true;
  const models = [...new Set(s.views.map((v) => v.model))];
  const url = safeUrl(models.length ? models[models.length - 1].get("url") : "about:blank");
  // 1. Blank the page now: nothing stays on screen, or in reach of a screen reader, while
  //    the next page loads.
  const cover = document.createElement("style");
  cover.textContent = "html, body { background: #fff !important; } body > * { display: none !important; }";
  document.head.appendChild(cover);
  document.title = "";
  // JupyterLab sets the tab title again when its focus changes: from now on, nothing may.
  try {
    Object.defineProperty(document, "title", { configurable: true, get: () => "", set: () => {} });
  } catch (err) { /* an older browser: the title was blanked once */ }
  document.body.replaceChildren();
  // 2. Tell the kernel(s), so unsaved answers are forgotten there too.
  for (const model of models) {
    try { model.send({ event: "exit" }); } catch (err) { /* leaving matters more */ }
  }
  // 3. Leave without a "Leave site?" prompt. JupyterLab asks when a notebook is unsaved (it sets
  //    returnValue in a beforeunload listener added at start-up). Listeners on window run in
  //    the order they were added, capture or not, so ours runs after it and clears returnValue
  //    again: an empty returnValue, with no preventDefault, means no prompt.
  window.onbeforeunload = null;
  window.addEventListener("beforeunload", (e) => {
    e.stopImmediatePropagation();
    e.returnValue = "";
  });
  leave(url);
}

// location.replace() replaces only the current history entry. JupyterLab adds an entry each
// time it shows another document (history.pushState), all in this one page: Back would reload
// Lab, which reopens the checklists. So first go back to this page's earliest entry (Navigation
// API, where the browser has it), then replace that one. Entries after it stay as Forward
// entries: a page cannot delete history.
async function leave(url) {
  try {
    const nav = globalThis.navigation;
    const first = nav && nav.currentEntry ? nav.entries().find((e) => e.sameDocument) : null;
    if (first && first.key !== nav.currentEntry.key) {
      // JupyterLab's router answers the traversal: it pushes an entry, or reloads (a URL with
      // ?reset). From now on only the traversal and the exit itself may navigate this page.
      history.pushState = () => {};
      history.replaceState = () => {};
      const target = url === "about:blank" ? url : new URL(url).href;
      nav.addEventListener("navigate", (e) => {
        if (e.navigationType !== "traverse" && e.destination.url !== target && e.cancelable) {
          e.preventDefault();
        }
      });
      await Promise.race([nav.traverseTo(first.key).committed,
                          new Promise((resolve) => setTimeout(resolve, 500))]);
    }
  } catch (err) { /* leave from here */ }
  window.location.replace(url);
}

function resetCount(s, announce) {
  if (s.timer) clearTimeout(s.timer);
  s.timer = null;
  const had = s.count > 0;
  s.count = 0;
  say(s, had && announce ? MESSAGES.expired : "");
}

// A press counts when Shift goes up with no other key pressed since it went down: Shift used
// as a modifier (capitals, Shift+Tab) never counts or speaks, and auto-repeat (one keyup for
// many keydowns) is one press. Any other key starts the count again.
function redflagQuickExitKey(event) {
  const s = shared();
  if (s.views.length === 0 || s.exiting) return;
  if (event.type === "keydown") {
    if (event.key === "Shift") {
      if (!event.repeat) s.shiftAlone = true;
      return;
    }
    s.shiftAlone = false;
    if (s.count) resetCount(s, false);
    return;
  }
  if (event.type !== "keyup" || event.key !== "Shift" || !s.shiftAlone) return;
  s.shiftAlone = false;
  const now = Date.now();
  if (s.count && now - s.last > GAP_MS) s.count = 0;
  s.count += 1;
  s.last = now;
  if (s.timer) clearTimeout(s.timer);
  if (s.count >= 3) {
    s.count = 0;
    exitPage(s);
    return;
  }
  say(s, MESSAGES[s.count]);
  s.timer = setTimeout(() => resetCount(s, true), GAP_MS);
}

// The idle lock. Any use of the page (a key, the mouse, the wheel, touch) is noted here; at most
// once per USE_TELL_MS the kernel hears "use" and starts counting again. The kernel keeps the
// clock (it locks even when this browser is gone): this side only warns, WARN_MS before. Only
// what a person does counts: "scroll" also fires when the page changes by itself.
const USE_EVENTS = ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"];
const USE_TELL_MS = 15000;
const WARN_MS = 60000;

function noteUse() {
  const s = shared();
  s.used = Date.now();
  if (s.notice && !s.notice.hidden) s.notice.hidden = true;
}

function idleMs(s) {
  const all = s.views.map((v) => Number(v.model.get("idle_seconds")) || 0).filter((x) => x > 0);
  return all.length ? Math.min(...all) * 1000 : 0;
}

function tick(s) {
  if (s.exiting || s.views.length === 0) return;
  const now = Date.now();
  if (s.used > s.told && now - s.told >= Math.min(USE_TELL_MS, idleMs(s) / 4 || USE_TELL_MS)) {
    s.told = now;
    for (const model of new Set(s.views.map((v) => v.model))) {
      try { model.send({ event: "use" }); } catch (err) { /* the kernel may be gone */ }
    }
  }
  const idle = idleMs(s);
  const quiet = now - s.used;
  if (s.notice && idle > 0) {
    s.notice.hidden = !(quiet >= idle - Math.min(WARN_MS, idle / 2) && quiet < idle);
  }
}

function listen(s) {
  if (s.listening) return;
  // Capture phase on window: runs before any widget or JupyterLab handler can stop the event.
  window.addEventListener("keydown", redflagQuickExitKey, true);
  window.addEventListener("keyup", redflagQuickExitKey, true);
  for (const name of USE_EVENTS) window.addEventListener(name, noteUse, { capture: true, passive: true });
  s.ticker = setInterval(() => tick(s), 1000);
  s.listening = true;
}

// Room for the button, so it never covers anything. JupyterLab: the button fits in the menu
// bar's empty right-hand end (#jp-top-panel). Elsewhere (Voilà): the page's scrolling element
// gets that much more padding at the top (nothing hidden under the button at the top of the
// page) and scroll-padding (an element that gets focus is scrolled clear of it).
const ROOM_PX = 64;

// The page's scrolling element: the outermost ancestor that scrolls vertically (Voilà:
// #rendered_cells). Not the nearest: an output area with overflow-x: auto computes
// overflow-y: auto too.
function scroller(el) {
  let found = null;
  for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
    const y = getComputedStyle(e).overflowY;
    if (y === "auto" || y === "scroll") found = e;
  }
  return found || document.scrollingElement || document.documentElement;
}

function makeRoom(s, el, tries = 0) {
  if (s.inLab || s.room || !s.root) return;
  if (!el.isConnected) {               // a view is rendered before it is put on the page
    if (tries < 120) requestAnimationFrame(() => makeRoom(s, el, tries + 1));
    return;
  }
  const box = scroller(el);
  const padded = box === document.documentElement ? document.body : box;
  s.room = { box, padded, padding: padded.style.paddingTop, scrollPadding: box.style.scrollPaddingTop };
  const now = parseFloat(getComputedStyle(padded).paddingTop) || 0;
  padded.style.paddingTop = `${now + ROOM_PX}px`;
  box.style.scrollPaddingTop = `${ROOM_PX + 8}px`;
}

function giveRoomBack(s) {
  if (!s.room) return;
  s.room.padded.style.paddingTop = s.room.padding;
  s.room.box.style.scrollPaddingTop = s.room.scrollPadding;
  s.room = null;
}

function ensureButton(s) {
  if (s.root && s.root.isConnected) return;
  const root = document.createElement("div");
  root.className = "redflag-quick-exit";
  s.inLab = document.getElementById("jp-top-panel") !== null;
  if (s.inLab) root.classList.add("redflag-quick-exit--lab");
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "redflag-quick-exit-button";
  // No JupyterLab shortcut for keys on the button (Enter would otherwise be "edit cell").
  button.setAttribute("data-lm-suppress-shortcuts", "true");
  button.textContent = "Exit this page";
  button.addEventListener("click", () => exitPage(s));
  const status = document.createElement("span");
  status.className = "redflag-visually-hidden";
  status.setAttribute("role", "status");
  const notice = document.createElement("p");
  notice.className = "redflag-quick-exit-notice";
  notice.setAttribute("role", "status");
  notice.textContent = "Not used for a while: this page will soon clear itself. "
    + "Press a key or move the mouse to keep it.";
  notice.hidden = true;
  root.append(button, status, notice);
  // On <body>, not in the output. In JupyterLab the notebook and its ancestors have
  // `contain: strict`, which makes them the containing block of a position: fixed descendant:
  // inside an output the button would be fixed to the notebook panel, not the window (and gone
  // with its cell if Lab's windowing detaches it). On <body> it is fixed to the window, and it
  // is the page's first Tab stop.
  document.body.prepend(root);
  s.root = root;
  s.status = status;
  s.notice = notice;
}

function render({ model, el }) {
  const s = shared();
  const view = { model };
  s.views.push(view);
  listen(s);
  ensureButton(s);
  makeRoom(s, el);
  el.classList.add("redflag-quick-exit-host");
  return () => {
    const i = s.views.indexOf(view);
    if (i >= 0) s.views.splice(i, 1);
    if (s.views.length === 0 && s.root) {
      s.root.remove();
      s.root = null;
      s.status = null;
      giveRoomBack(s);
      resetCount(s, false);
    }
  };
}

export default { render };
""".replace("__SHIFT_GAP_MS__", str(SHIFT_GAP_MS))

_QUICK_EXIT_CSS = r"""
.redflag-quick-exit {
  position: fixed;
  top: 0.5rem;
  right: 0.75rem;
  z-index: 2147483000;
}
.redflag-quick-exit-button {
  min-height: 2.75rem;
  margin: 0;
  padding: 0.5rem 1rem;
  border: 2px solid #ffffff;
  border-radius: 0;
  background: #a8211c;          /* white text on it: 7.3:1 */
  color: #ffffff;
  box-shadow: 0 2px 0 #3b0b09;
  font: 700 1rem/1.25 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  cursor: pointer;
}
.redflag-quick-exit-button:hover { background: #86190f; }
/* JupyterLab: inside the 28px menu bar row, at its empty right-hand end. */
.redflag-quick-exit--lab { top: 0; right: 0.5rem; }
.redflag-quick-exit--lab .redflag-quick-exit-button {
  min-height: 28px;
  padding: 0 0.75rem;
  border-width: 1px;
  box-shadow: none;
  font-size: 0.875rem;
  line-height: 1;
}
.redflag-quick-exit--lab .redflag-quick-exit-button:focus-visible { box-shadow: inset 0 -3px 0 #0b0c0c; }
.redflag-quick-exit-button:focus-visible {
  outline: 3px solid transparent;   /* still shows in forced-colours mode */
  background: #ffdd00;
  color: #0b0c0c;
  border-color: #0b0c0c;
  box-shadow: 0 4px 0 #0b0c0c;
}
.redflag-visually-hidden {
  position: absolute !important;
  width: 1px !important;
  height: 1px !important;
  margin: 0 !important;
  padding: 0 !important;
  overflow: hidden !important;
  clip: rect(0 0 0 0) !important;
  clip-path: inset(50%) !important;
  border: 0 !important;
  white-space: nowrap !important;
}
.redflag-quick-exit-host { display: none; }
.redflag-quick-exit-notice {
  position: absolute;           /* under the button, within the window's right edge */
  top: 100%;
  right: 0;
  box-sizing: border-box;
  width: min(18rem, 90vw);
  margin: 0.5rem 0 0;
  padding: 0.5rem 0.75rem;
  border: 2px solid #0b0c0c;
  background: #ffdd00;
  color: #0b0c0c;
  font: 1rem/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
.redflag-quick-exit-notice[hidden] { display: none; }
@media print { .redflag-quick-exit { display: none; } }
"""

# Page-wide rules for the pages that show our widgets, shipped with QuickExit because every page
# has one. `.jp-Notebook` is the notebook in JupyterLab and <body> in Voilà; `:has()` keeps the
# rules off other notebooks open in the same JupyterLab. Each fixes what axe-core (WCAG 2.1 AA)
# found in the markup JupyterLab, Voilà and ipywidgets give us (tests/e2e/test_e2e_a11y.py).
_PAGE_CSS = r"""
/* Links are told apart from text by more than colour (WCAG 1.4.1; axe "link-in-text-block"):
   Voilà's link blue on its text colour is 1.9:1, and our support lines' links had no cue at all. */
.jp-Notebook:has(.redflag-quick-exit-host) :is(.jp-RenderedMarkdown, .widget-html-content) a[href] {
  text-decoration: underline;
  text-underline-offset: 0.15em;
}
/* A focus ring on every control of our pages, seen on light and dark themes alike: black inside,
   yellow outside, drawn as a shadow because ipywidgets' dropdown sets `outline: none !important`
   (focused, it only tints its border: WCAG 2.4.7). The answer radios and the Exit button have
   their own (above). The transparent outline still shows in forced-colours mode. */
.jp-Notebook:has(.redflag-quick-exit-host) .jupyter-widgets
    :is(button, select, textarea, summary, input:not([type="radio"])):focus-visible {
  outline: 2px solid transparent;
  outline-offset: 2px;
  box-shadow: 0 0 0 2px #0b0c0c, 0 0 0 5px #ffdd00;
}
/* ipywidgets Tab: an unselected tab's label is --jp-ui-font-color2 on --jp-layout-color2,
   4.45:1 (WCAG 1.4.3 needs 4.5:1); the primary text colour keeps the theme's look. */
.jupyter-widgets.jupyter-widget-tab.redflag-tabs > .lm-TabBar .lm-TabBar-tab {
  color: var(--jp-ui-font-color1);
}
"""

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


class QuickExit(anywidget.AnyWidget):
    """An "Exit this page" button (top right, always on screen) and the Shift x3 shortcut.

    url: where to go; default REDFLAG_EXIT_URL from the environment when set, else
    DEFAULT_EXIT_URL. Only http(s) addresses and about:blank are accepted.
    `on_exit(callback)`: callback(widget) runs when the page reports that the person left.
    """

    _esm = _QUICK_EXIT_ESM
    _css = _QUICK_EXIT_CSS + _PAGE_CSS

    url = traitlets.Unicode(DEFAULT_EXIT_URL, help="The page to leave for.").tag(sync=True)
    idle_seconds = traitlets.Float(0.0, min=0.0, help="The page's idle lock (0: none), for the "
                                   "front end's warning; the kernel keeps the clock.").tag(sync=True)

    def __init__(self, url: str | None = None, **kwargs: Any) -> None:
        self._exit_handlers = CallbackDispatcher()
        self._use_handlers = CallbackDispatcher()
        source = "url"
        if url is None:
            env = os.environ.get(EXIT_URL_ENV, "").strip()
            url, source = (env, EXIT_URL_ENV) if env else (DEFAULT_EXIT_URL, "url")
        try:
            super().__init__(url=url, **kwargs)
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
