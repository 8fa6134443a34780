"""The notebook UI (ipywidgets): a form per checklist and a summary of all saved runs.

Widgets are attributes so tests can drive them without a browser (`.value = x`, `.click()`).
The UI only calls the toolkit's functions; scoring, saving and rendering live elsewhere.
Each object shows itself with a neutral text/plain so answers never reach a saved notebook.
"""

from __future__ import annotations

import asyncio
import base64
import math
import os
import threading
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import ipywidgets as w
from markupsafe import Markup

from . import service
from .bundles import MAX_BUNDLE_BYTES, SEALED_BUNDLE_SUFFIX, neutral_name
from .checklist import GROUPS, Answers, SavedRun
from .crypto import passphrase_problem
from .errors import PassphraseError, ToolkitError
from .markup import answered_text, level_html, local_day, support_html, ui
from .widgets import AnswerGroup, QuickExit
from .workspace import Workspace, default_workspace

# Shared layout and style models. Every ipywidget otherwise opens a Layout and a Style model of
# its own (a kernel message each: a form would open about eighty), and a page opened in a fresh
# kernel waits for every one. Shared models are never changed after this point: a widget that is
# shown and hidden gets `_own_layout()`, or hiding it would hide everything sharing the layout.
WIDE = w.Layout(width="auto")
ROW = w.Layout(width="auto", margin="0 0 1em 0", padding="0.4em 0.6em", border="1px solid #e5e7eb")


def _style_for(widget_class: type[w.DOMWidget], **traits: Any) -> w.Style:
    """A style model for `widget_class` (ipywidgets does not export every Style class)."""
    style_class: type[w.Style] = widget_class.class_traits()["style"].klass
    return style_class(**traits)


TEXT_STYLE = _style_for(w.HTML)
BUTTON_STYLE = w.ButtonStyle()
LABELLED_CHOICE = _style_for(w.Dropdown, description_width="initial")
LABELLED_TEXT = _style_for(w.Password, description_width="initial")
LABELLED_PROGRESS = _style_for(w.IntProgress, description_width="initial")
SHARED = (WIDE, ROW, TEXT_STYLE, BUTTON_STYLE, LABELLED_CHOICE, LABELLED_TEXT, LABELLED_PROGRESS)


def _own_layout(**traits: Any) -> w.Layout:
    """A layout for one widget that is shown and hidden (the shared ones never change)."""
    return w.Layout(width="auto", **traits)


def _html(value: str = "") -> w.HTML:
    return w.HTML(value, layout=WIDE, style=TEXT_STYLE)


def _button(description: str, **traits: Any) -> w.Button:
    traits.setdefault("layout", WIDE)
    traits.setdefault("style", BUTTON_STYLE)
    return w.Button(description=description, **traits)


def _message(text: str, kind: str = "info") -> str:
    return ui("message", text, kind)


SITUATIONAL_HINT = "If this hasn't come up for you, choose “This hasn't happened”."


IDLE_ENV = "REDFLAG_IDLE_MINUTES"
#: Five minutes: long enough to read a result or think over an answer (any key, mouse movement,
#: wheel or touch counts as use, and a notice warns a minute before), short enough that a page
#: left open on a shared device is cleared before someone else is likely to sit down at it.
DEFAULT_IDLE_MINUTES = 5.0


def idle_minutes() -> float:
    """Minutes without use before a page locks: $REDFLAG_IDLE_MINUTES (0 turns the idle lock
    off), else the default. A value that is not a number keeps the default: a typo must not
    switch a safety feature off, and a page must never fail over it."""
    raw = os.environ.get(IDLE_ENV, "").strip()
    try:
        minutes = float(raw) if raw else DEFAULT_IDLE_MINUTES
    except ValueError:
        return DEFAULT_IDLE_MINUTES
    return minutes if math.isfinite(minutes) and minutes >= 0 else DEFAULT_IDLE_MINUTES


class PageLock:
    """Exit and the idle lock of one page, in this kernel: the page's answer store forgets its
    key and decrypted runs, and `clear(why)` takes answers and results off the screen ("exit" or
    "idle"). The idle clock runs here, not in the browser, so it also locks a page whose
    browser is gone; the page's front end reports use (see QuickExit)."""

    def __init__(self, workspace: Workspace, clear: Callable[[str], None], idle_seconds: float | None = None) -> None:
        self.store = workspace.store
        self._clear = clear
        self.idle_seconds = idle_minutes() * 60 if idle_seconds is None else idle_seconds
        self.exit = QuickExit(idle_seconds=self.idle_seconds)
        self.exit.on_exit(lambda _widget: self.lock("exit"))
        self.exit.on_use(lambda _widget: self.touch())
        self._timer: asyncio.TimerHandle | threading.Timer | None = None
        self.touch()

    def touch(self) -> None:
        """The page was used: the idle lock counts from now."""
        self._cancel()
        if not self.idle_seconds:
            return
        try:  # in a kernel: its event loop, so the lock runs between messages, never beside one
            self._timer = asyncio.get_running_loop().call_later(self.idle_seconds, self.lock, "idle")
        except RuntimeError:  # plain Python (scripts, tests): a timer thread
            timer = threading.Timer(self.idle_seconds, self.lock, ("idle",))
            timer.daemon = True
            timer.start()
            self._timer = timer

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def lock(self, why: str = "exit") -> None:
        """Forget the key and clear the screen ("exit": the person left; "idle": not used)."""
        self._cancel()
        self.store.lock()
        self._clear(why)


def _locked_note(why: str) -> str:
    """What a page says after the idle lock cleared it (after Exit nobody is looking)."""
    if why != "idle":
        return ""
    return _message("This page was not used for a while, so it cleared itself: unsaved answers "
                    "were forgotten and results hidden. Saved answers are kept.")


class UnlockBox:
    """Shown while the answers folder is protected and locked: a passphrase field and Unlock.
    The key then lives in this kernel's memory only; the passphrase is cleared from the screen."""

    def __init__(self, workspace: Workspace, on_unlock: Callable[[], None]) -> None:
        self.workspace = workspace
        self._on_unlock = on_unlock
        self.passphrase = w.Password(description="Passphrase:", style=LABELLED_TEXT)
        self.button = _button("Unlock", button_style="primary")
        self.button.on_click(self.try_unlock)
        self.status = _html()
        self.root = w.VBox([_html(ui("unlock_intro")), w.HBox([self.passphrase, self.button], layout=WIDE),
                            self.status], layout=w.Layout(display="flex" if self.locked else "none"))

    @property
    def locked(self) -> bool:
        store = self.workspace.store
        return store.protected and store.key is None

    def show_if_locked(self) -> None:
        """After Exit or the idle lock: the box again, empty, when the folder needs the passphrase."""
        self.passphrase.value = self.status.value = ""
        self.root.layout.display = "flex" if self.locked else "none"

    def try_unlock(self, _button: Any = None) -> None:
        passphrase, self.passphrase.value = self.passphrase.value, ""
        try:
            self.workspace.store.unlock(passphrase)
        except ToolkitError as exc:
            self.status.value = _message(str(exc), "error")
            return
        self.status.value = ""
        self.root.layout.display = "none"
        self._on_unlock()


def _support(ws: Workspace, safety: bool, calm: bool) -> str:
    """The support box first: urgent for a safety answer; calm when a safety question was
    answered anything but Never (Not sure included) or a list about a partner is "high";
    none otherwise; the person's country first."""
    if not (safety or calm):
        return ""
    return support_html(ws.resources, urgent=safety, country=ws.country)


def _level_block(ws: Workspace, line: Any, box_shown: bool) -> Markup:
    """A result in words; under a list about a partner, the support lines folded in when the
    box is not already shown above."""
    folded = "" if box_shown else support_html(ws.resources, urgent=False, country=ws.country)
    return Markup(level_html(line, ws.resources, folded if line.partner_list else ""))


class CountryChoice:
    """"Your country or region": puts its support lines first; kept with the answers' settings.
    Until one is chosen it reads "Choose your country" (a computer set to en_US, the default on
    many machines everywhere, is not taken as a choice); another locale (en_GB, de_DE) may
    preselect its country, and says so."""

    PROMPT = "Choose your country"

    def __init__(self, workspace: Workspace, on_change: Callable[[], None]) -> None:
        self.workspace = workspace
        options = [(self.PROMPT, "")] + sorted(
            ((name, code) for code, name in workspace.resources.countries.items()))
        self.widget = w.Dropdown(options=options, value=workspace.country or "",
                                 description="Your country or region:",
                                 style=LABELLED_CHOICE, layout=WIDE)
        self.status = _html()
        if workspace.country and not workspace.store.settings().get("country"):
            self.status.value = _message("Picked from this computer's language settings. "
                                         "Change it if it is wrong.")
        self._on_change = on_change
        self.widget.observe(self._changed, "value")
        self.root = w.VBox([self.widget, self.status], layout=WIDE)

    def _changed(self, change: dict[str, Any]) -> None:
        self.status.value = ""
        try:
            self.workspace.store.save_settings(country=change["new"] or None)
        except ToolkitError as exc:
            self.status.value = _message(f"Your choice could not be kept: {exc}", "error")
        self._on_change()


def _data_link(data: bytes, mime: str, name: str) -> str:
    """A download link holding the file itself, so nothing extra is written to disk."""
    return ui("data_link", f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}", name)


class _Shown:
    """Mixin: display the root widget, but never put answer values into text/plain."""

    root: w.Widget
    label: str

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = self.root._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/plain"] = self.label
        return bundle


def _when(moment: datetime) -> str:
    """A saved time with the hour, for telling two runs of one day apart."""
    return local_day(moment, "%d %b %Y, %H:%M")


class ChecklistForm(_Shown):
    """One checklist: items with a never…always choice, progress, save, resume, hide, result."""

    def __init__(self, checklist_id: str, workspace: Workspace | None = None) -> None:
        self.workspace = ws = workspace if workspace is not None else default_workspace()
        if checklist_id not in ws.checklists:
            raise ToolkitError(f"no checklist called '{checklist_id}' (known: {', '.join(ws.checklists)})")
        self.checklist = c = ws.checklists[checklist_id]
        self.label = f"Checklist form: {c.title}"

        self.header = _html(ui("form_header", c, service.place()))
        self.choices: dict[str, AnswerGroup] = {}
        for n, item in enumerate(c.items, start=1):
            # "This hasn't happened" only on items about a situation that may not have come up.
            options = [[o.label, o.id] for o in c.vocabulary.options_for(item)]
            # One widget per statement: a native radio group whose legend is the statement (one
            # Tab stop, arrow keys move the choice), "Why this matters" and a private note. One
            # widget rather than five keeps a twenty-item form quick to open.
            choice = AnswerGroup(f"{n}. {item.text}", options, hint=SITUATIONAL_HINT if item.situational else "",
                                 why=item.explain, notes=True, layout=ROW,
                                 _dom_classes=("redflag-item",))  # the browser tests count its Tab stops
            choice.observe(self._update_progress, "value")
            self.choices[item.id] = choice
        self.items_box = w.VBox(list(self.choices.values()), layout=WIDE)

        # Widgets start with their values (no update message straight after opening them).
        done, live, small = self._progress_values()
        self.progress_bar = w.IntProgress(value=done, min=0, max=len(c.items), description="Progress:",
                                          style=LABELLED_PROGRESS, layout=WIDE)
        self.progress = _html(live)
        self.progress_top = _html(small)
        self.save_button = _button("Save my answers", button_style="primary",
                                    tooltip=f"Save privately on {service.place()}")
        self.save_button.on_click(self.save)
        self.hide_button = self._hide_button()
        self.hide_top = self._hide_button()
        self.show_button = _button("Show again")
        self.show_button.on_click(self.show)
        self.unlock = UnlockBox(ws, self._unlocked)
        earlier = [] if self.unlock.locked else self._resume_options()
        self.resume_choice = w.Dropdown(description="Earlier answers:", style=LABELLED_CHOICE, layout=WIDE,
                                        options=[("Choose…", ""), *earlier], value="")
        self.resume_button = _button("Resume", tooltip="Fill the form from earlier saved answers",
                                     disabled=not earlier)
        self.resume_button.on_click(self.resume)
        self.status = _html()
        self.support = _html()
        self.result = _html()

        self.content = w.VBox([
            self.header,
            w.HBox([self.resume_choice, self.resume_button], layout=WIDE),
            self.progress_top, self.items_box,
            w.HBox([self.progress_bar, self.progress], layout=WIDE),
            w.HBox([self.save_button, self.hide_button], layout=WIDE),
            self.status, self.support, self.result,
        ], layout=_own_layout(display="none" if self.unlock.locked else "flex"))  # Hide, and the lock
        self.hidden_box = w.HBox([_html("Hidden. "), self.show_button],
                                 layout=w.Layout(display="none"))
        self.page_lock = PageLock(ws, self._lock_screen)
        self.exit = self.page_lock.exit
        self.root = w.VBox([self.exit, self.unlock.root, w.HBox([self.hide_top], layout=WIDE), self.content,
                            self.hidden_box], layout=WIDE)

    def _unlocked(self) -> None:
        self.page_lock.touch()  # unlocking is use: the idle lock counts from now
        self.content.layout.display = "flex"
        self.refresh_resume()

    def _hide_button(self) -> w.Button:
        """Hide buttons at the top and by Save, so the screen can be cleared without scrolling."""
        button = _button("Hide", tooltip="Clear the screen at once", layout=_own_layout())
        button.on_click(self.hide)
        return button

    # ------------------------------------------------------------ state

    def current_answers(self) -> Answers:
        """The answers on screen (unchosen items left out, empty notes dropped)."""
        responses = {iid: c.value for iid, c in self.choices.items() if c.value is not None}
        notes = {iid: c.note for iid, c in self.choices.items() if c.note.strip()}
        return Answers(self.checklist.id, self.checklist.version, responses, notes)

    def _progress_values(self) -> tuple[int, str, str]:
        """Answered count, the live-region text by Save and the small copy at the top."""
        options = self.checklist.vocabulary.options
        chosen = [options[c.value] for c in self.choices.values() if c.value is not None]
        scored = sum(o.weight is not None for o in chosen)
        unsure = sum(o.weight is None and not o.situational for o in chosen)
        text = answered_text(self.checklist, scored, unsure, sum(o.situational for o in chosen))
        if unsure:  # the same words as the result's: Not sure is fine, it just has no points
            text += " (Not sure has no points)"
        done = len(chosen)
        return (done, str(Markup("<span aria-live='polite'>{}</span>").format(text)),
                str(Markup("<small>{}</small>").format(text)))

    def _update_progress(self, _change: Any = None) -> None:
        self.progress_bar.value, self.progress.value, self.progress_top.value = self._progress_values()

    def forget_unsaved(self) -> None:
        """Quick exit: the page is gone; the kernel forgets whatever was not saved."""
        for choice in self.choices.values():
            choice.value, choice.note, choice.note_open = None, "", False
        self.status.value = self.support.value = self.result.value = ""

    def _lock_screen(self, why: str) -> None:
        """Exit or idle (the store is locked already): unsaved answers, results and the list of
        earlier answers go; a protected folder's form hides behind the Unlock box again."""
        self.forget_unsaved()
        self.resume_choice.options, self.resume_choice.value = [("Choose…", "")], ""
        self.resume_button.disabled = True
        self.unlock.show_if_locked()
        self.show()
        if self.unlock.locked:
            self.content.layout.display = "none"
            self.unlock.status.value = _locked_note(why)
        else:
            self.refresh_resume()
            self.status.value = _locked_note(why)

    def fill(self, answers: Answers) -> list[str]:
        """Put saved answers on screen; return ids of saved items this checklist no longer has."""
        for iid, choice in self.choices.items():
            choice.value = answers.responses.get(iid)
            choice.note = answers.notes.get(iid, "")
            choice.note_open = bool(choice.note)
        return [i for i in dict.fromkeys([*answers.responses, *answers.notes]) if i not in self.choices]

    # ------------------------------------------------------------ actions

    def _resume_options(self) -> list[tuple[str, str]]:
        """This checklist's saved runs, newest first, as (label, path) for the Resume list."""
        try:
            saved = self.workspace.store.saved()
        except ToolkitError:
            saved = []
        mine = sorted(((p, r) for p, r in saved if isinstance(r, SavedRun) and r.checklist_id == self.checklist.id),
                      key=lambda pr: pr[1].saved_at, reverse=True)
        return [(f"{_when(r.saved_at)} – {len(r.responses)} answered", str(p)) for p, r in mine]

    def refresh_resume(self) -> None:
        options = self._resume_options()
        self.resume_choice.options = [("Choose…", ""), *options]
        self.resume_choice.value = ""
        self.resume_button.disabled = not options

    def resume(self, _button: Any = None) -> None:
        path = self.resume_choice.value
        if not path:
            self.status.value = _message("Choose earlier answers from the list first.")
            return
        try:
            answers = self.workspace.store.read(path)
        except ToolkitError as exc:
            self.status.value = _message(str(exc), "error")
            return
        gone = self.fill(answers)
        text = Markup("Resumed your answers from {}.").format(_when(answers.saved_at))
        if gone:
            text += Markup(" {} answer(s) were for items this checklist no longer has ({}); they are "
                           "kept in the saved file but not shown.").format(len(gone), ", ".join(gone))
        self.status.value = _message(text, "ok")
        self.show_result(answers)

    def save(self, _button: Any = None) -> Path | None:
        answers = self.current_answers()
        if not answers.responses and not answers.notes:
            self.status.value = _message("Nothing to save yet: choose an answer for at least one item.")
            return None
        try:
            path = self.workspace.store.save(answers)
        except ToolkitError as exc:
            self.status.value = _message(f"Your answers could not be saved: {exc}", "error")
            return None
        self.status.value = _message(Markup("Saved privately on {} as <code>{}</code> in <code>{}</code>.").format(
            service.place(), path.name, str(path.parent)), "ok")
        self.show_result(answers)
        self.refresh_resume()
        return path

    def show_result(self, answers: Answers) -> None:
        """The result: support resources first when safety is raised, then level and table."""
        from .scoring import score
        from .summary import ResultLine
        from .tables import items_styler  # pandas: imported when there is a result to show

        r = score(answers, self.checklist)
        resources = self.workspace.resources
        line = ResultLine.of(r.totals, r.checklist)
        self.support.value = _support(self.workspace, r.safety, line.calm_support)
        self.result.value = ui("result", _level_block(self.workspace, line, bool(self.support.value)),
                               Markup(items_styler(r).to_html()), Markup(ui("disclaimer", resources)))

    def hide(self, _button: Any = None) -> None:
        """Clear the screen at once; nothing is lost, "Show again" brings it back."""
        self.content.layout.display = "none"
        self.hide_top.layout.display = "none"
        self.hidden_box.layout.display = "flex"

    def show(self, _button: Any = None) -> None:
        self.content.layout.display = "flex"
        self.hide_top.layout.display = None
        self.hidden_box.layout.display = "none"


class Summary(_Shown):
    """The latest run of each checklist: safety first, levels in words, tables, your data."""

    def __init__(self, workspace: Workspace | None = None) -> None:
        self.workspace = ws = workspace if workspace is not None else default_workspace()
        self.label = "Summary of your saved answers"
        self.support = _html()
        self.overview = _html()
        self.tables = _html()
        self.refresh_button = _button("Refresh")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.report_button = _button("Printable report",
                                      tooltip="A page to print or keep: results, themes, changes")
        self.report_button.on_click(self.prepare_report)
        self.report_link = _html()
        # A report is for reading, so it is never encrypted: from a protected folder only by choice.
        self.report_plain = w.Checkbox(value=False, indent=False, layout=WIDE,
                                       description="Make a report of protected answers anyway: it is not "
                                                   "encrypted, anyone who finds it can read it")

        self.download_button = _button("Download my answers")
        self.download_button.on_click(self.prepare_download)
        self.download_link = _html()
        self.download_plain = w.Checkbox(value=False, indent=False, layout=WIDE,
                                         description="Download protected answers unencrypted: anyone who "
                                                     "finds the file can read it")
        self.upload = w.FileUpload(accept=f".json,{SEALED_BUNDLE_SUFFIX}", multiple=False,
                                   description="Upload answers", style=BUTTON_STYLE, layout=WIDE)
        self.upload_pass = w.Password(description="Passphrase of the uploaded file:", style=LABELLED_TEXT)
        self._pending_upload: tuple[str, bytes] | None = None
        self.upload_open = _button("Open the uploaded file")
        self.upload_open.on_click(self.open_pending_upload)
        self.upload_box = w.HBox([self.upload_pass, self.upload_open], layout=w.Layout(display="none"))
        self.upload.observe(self._on_upload, "value")
        # ipywidgets' "warning" orange under white text is 2.7:1; white on this amber is 5.0:1 (WCAG AA).
        self.delete_button = _button("Delete all my answers…", button_style="warning",
                                      style=w.ButtonStyle(button_color="#b45309", text_color="white"))
        self.delete_button.on_click(self.ask_delete)
        self.confirm_delete = _button("Yes, delete everything", button_style="danger")
        self.confirm_delete.on_click(self.delete_all)
        self.cancel_delete = _button("Cancel")
        self.cancel_delete.on_click(lambda _: self._set_confirm(False))
        self.confirm_text = _html()
        self.confirm_box = w.HBox([self.confirm_text, self.confirm_delete, self.cancel_delete],
                                  layout=w.Layout(display="none"))
        self.data_status = _html()
        self.country = CountryChoice(ws, self.refresh)
        self.protect_pass = w.Password(description="Passphrase:", style=LABELLED_TEXT)
        self.protect_again = w.Password(description="The same again:", style=LABELLED_TEXT)
        self.protect_button = _button("Protect my answers",
                                       tooltip="Encrypt every saved answer with a passphrase")
        self.protect_button.on_click(self.protect)
        self.protect_status = _html()
        self.protect_box = w.VBox([_html(ui("protect_intro")), self.protect_pass,
                                   self.protect_again, self.protect_button, self.protect_status], layout=WIDE)
        self.data_tab = w.VBox([
            _html(ui("data_intro", str(ws.answers_dir), service.where_kept())), self.country.root,
            w.HBox([self.download_button, self.upload], layout=WIDE), self.download_plain, self.download_link,
            self.upload_box,
            self.protect_box, self.delete_button, self.confirm_box, self.data_status], layout=WIDE)
        self.overview_tab = w.VBox([self.overview, self.tables,
                                    w.HBox([self.refresh_button, self.report_button], layout=WIDE),
                                    self.report_plain, self.report_link], layout=WIDE)
        self.history = History(ws, draw=False)
        self.tabs = w.Tab(children=[self.overview_tab, self.history.body, self.data_tab],
                          titles=("Overview", "History", "Your data"))
        self.tabs.add_class("redflag-tabs")  # readable labels on unselected tabs (widgets.py)
        self.unlock = UnlockBox(ws, self._unlocked)
        self.page_lock = PageLock(ws, self._lock_screen)
        self.exit = self.page_lock.exit
        self.root = w.VBox([self.exit, self.unlock.root, self.support, self.tabs], layout=WIDE)
        self.refresh()

    def _unlocked(self) -> None:
        self.page_lock.touch()  # unlocking is use: the idle lock counts from now
        self.refresh()

    def _lock_screen(self, why: str) -> None:
        """Exit or idle (the store is locked already): every result, table, chart and prepared
        download leaves the screen, the support box too (how urgent it is tells a result); a
        protected folder shows the Unlock box again, an open one says Refresh brings it back."""
        self.support.value = self.tables.value = ""
        self.report_link.value = self.download_link.value = self.data_status.value = ""
        self.protect_status.value = ""
        self._set_confirm(False)
        self._pending_upload, self.upload_pass.value = None, ""  # an upload waiting for its passphrase
        self.upload_box.layout.display = "none"
        self.report_plain.value = self.download_plain.value = False  # "plain" is chosen each time
        self.history.body.children = []
        self.unlock.show_if_locked()
        if self.unlock.locked:
            self.refresh()  # says the answers are protected, shows none
            self.unlock.status.value = _locked_note(why)
        else:
            self.overview.value = _locked_note(why) or _message("Press Refresh to show your results.")

    def refresh(self) -> None:
        """Re-read the saved runs (once) and rebuild every table and the History tab."""
        from .summary import latest_runs, result_lines, summarise
        from .tables import checklists_styler, themes_styler

        ws = self.workspace
        try:
            all_runs = ws.store.runs()
        except ToolkitError as exc:
            self.overview.value = _message(str(exc), "error")
            return
        self.history.draw(all_runs)
        runs = latest_runs(all_runs)
        disclaimer = Markup(ui("disclaimer", ws.resources))
        if not runs:
            self.support.value = ""
            self.overview.value = str(Markup("<p>No saved answers yet. Open a checklist, answer it and "
                                             "press “Save my answers”; its result then appears here.</p>")
                                      + disclaimer)
            self.tables.value = ""
            return
        s = summarise(runs, ws.checklists)
        self.support.value = _support(ws, s.safety, s.calm_support)
        blocks = []
        for group, heading in GROUPS.items():
            lines = result_lines(s, ws.checklists, group)
            if lines:
                blocks.append((heading, [_level_block(ws, r, bool(self.support.value)) for r in lines]))
        self.overview.value = ui("overview", blocks, disclaimer)
        self.tables.value = ("<h3>All checklists</h3>" + checklists_styler(s.checklists, ws.vocabulary).to_html()
                             + "<h3>Themes across checklists</h3>"
                             + themes_styler(s.themes, ws.checklists).to_html())

    def protect(self, _button: Any = None) -> None:
        """Turn passphrase protection on from the notebook; the passphrase stays in memory only."""
        first, again = self.protect_pass.value, self.protect_again.value
        self.protect_pass.value = self.protect_again.value = ""  # never left on screen
        if not first or first != again:
            self.protect_status.value = _message("The two passphrases differ or are empty: nothing was "
                                                 "changed. Type the same passphrase twice.", "error")
            return
        problem = None if self.workspace.store.protected else passphrase_problem(first)
        if problem:
            self.protect_status.value = _message(f"Not protected: {problem} Nothing was changed.", "error")
            return
        try:
            converted = self.workspace.store.protect(first)
            done, left = converted.count, converted.left
        except ToolkitError as exc:
            self.protect_status.value = _message(str(exc), "error")
            return
        text = (f"Protected: {done} saved run(s) are encrypted. Keep the passphrase safe: if it is lost, "
                "your answers cannot be recovered, by anyone.")
        if left:
            text += f" {len(left)} file(s) could not be read and were left as they were."
        self.protect_status.value = _message(text, "ok")
        self.refresh()

    def prepare_report(self, _button: Any = None) -> str:
        """Offer the printable HTML report as a download link (it is not written to disk)."""
        from .report import report_html

        ws = self.workspace
        if ws.store.protected and not self.report_plain.value:
            self.report_link.value = _message(
                "Your answers are protected, and a report is not: anyone who finds it can read it. "
                "Tick the box above to make one anyway.", "error")
            return ""
        try:
            page = report_html(ws.store.runs(), ws.checklists, ws.resources, country=ws.country)
        except ToolkitError as exc:
            self.report_link.value = _message(str(exc), "error")
            return ""
        self.report_link.value = _data_link(page.encode("utf-8"), "text/html", neutral_name("html"))
        return page

    # ------------------------------------------------------------ your data

    def prepare_download(self, _button: Any = None) -> bytes:
        """Offer every saved run as a download: sealed with the passphrase when the folder is
        protected (opens with it in any folder), unencrypted there only when ticked."""
        store = self.workspace.store
        plain = not store.protected or self.download_plain.value
        try:
            data = store.export_bundle(plain=bool(self.download_plain.value))
        except ToolkitError as exc:
            self.download_link.value = _message(str(exc), "error")
            return b""
        name = neutral_name("json" if plain else SEALED_BUNDLE_SUFFIX.lstrip("."))
        self.download_link.value = _data_link(data, "application/octet-stream", name)
        if store.protected and plain:
            self.download_link.value += _message("This file is not encrypted: anyone who finds it can "
                                                 "read your answers.", "error")
        return data

    def _on_upload(self, change: dict) -> None:
        for upload in change["new"]:
            self.import_file(upload["name"], bytes(upload["content"]), upload.get("size"))
        if change["new"]:
            self.upload.value = ()

    def import_file(self, name: str, content: bytes, size: int | None = None) -> None:
        """Import one uploaded bundle and say what was imported, skipped and rejected, and why."""
        if (size or len(content)) > MAX_BUNDLE_BYTES:
            self.data_status.value = _message(f"{name} is too large to be an answers file.", "error")
            return
        passphrase, self.upload_pass.value = self.upload_pass.value or None, ""
        try:
            report = self.workspace.store.import_bundle(content, name=name, passphrase=passphrase)
        except PassphraseError as exc:  # a protected download: ask for its passphrase
            self._pending_upload = (name, content)
            self.upload_box.layout.display = "flex"
            self.data_status.value = _message(f"Nothing imported yet: {exc}", "error")
            return
        except ToolkitError as exc:
            self.data_status.value = _message(f"Nothing imported: {exc}", "error")
            return
        self._pending_upload = None
        self.upload_box.layout.display = "none"
        text = Markup("Imported {} saved run(s) from {}.").format(len(report.imported), name)
        if report.already_present:
            text += Markup(" {} were already here and were skipped.").format(len(report.already_present))
        if report.rejected:
            text += Markup(" {} rejected:<ul>{}</ul>").format(
                len(report.rejected), Markup("").join(Markup("<li>{}</li>").format(why)
                                                      for _, why in report.rejected))
        self.data_status.value = _message(text, "error" if report.rejected else "ok")
        self.refresh()

    def open_pending_upload(self, _button: Any = None) -> None:
        """Import the protected upload again, with the passphrase just typed."""
        if self._pending_upload is not None:
            self.import_file(*self._pending_upload)

    def _set_confirm(self, visible: bool) -> None:
        self.confirm_box.layout.display = "flex" if visible else "none"

    def ask_delete(self, _button: Any = None) -> None:
        count = len(self.workspace.store.table())
        self.confirm_text.value = (f"<b>Delete {count} saved file(s) from {service.place()}? "
                                   "This cannot be undone.</b>&nbsp;")
        self._set_confirm(True)

    def delete_all(self, _button: Any = None) -> None:
        try:
            count = self.workspace.store.forget()
        except ToolkitError as exc:
            self.data_status.value = _message(str(exc), "error")
            return
        self._set_confirm(False)
        self.download_link.value = ""
        self.data_status.value = _message(f"Deleted {count} saved run(s).", "ok")
        self.refresh()


class SupportResources(_Shown):
    """The support resources as a calm list (the start page), with the not-a-diagnosis note."""

    def __init__(self, workspace: Workspace | None = None) -> None:
        self.workspace = workspace if workspace is not None else default_workspace()
        self.label = "Support resources"
        self.box = _html()
        self.country = CountryChoice(self.workspace, self.refresh)
        # Exit and idle lock this page's store too; the helplines may stay (they show no answer).
        self.page_lock = PageLock(self.workspace, lambda _why: None)
        self.exit = self.page_lock.exit
        self.root = w.VBox([self.exit, self.country.root, self.box], layout=WIDE)
        self.refresh()

    def refresh(self) -> None:
        ws = self.workspace
        self.box.value = (support_html(ws.resources, urgent=False, country=ws.country,
                                       choose_where="Use “Your country or region” above.")
                          + ui("disclaimer", ws.resources))


class History(_Shown):
    """Per checklist: a trend chart of percent over time and what changed since last time."""

    def __init__(self, workspace: Workspace | None = None, draw: bool = True) -> None:
        self.workspace = workspace if workspace is not None else default_workspace()
        self.label = "History of your saved answers"
        self.body = w.VBox(layout=WIDE)  # what the Summary's History tab shows
        if draw:
            self.refresh()

    @cached_property
    def root(self) -> w.Widget:
        """The page on its own, built when first shown: the Summary shows only `body`, and
        would otherwise open an exit button and an unlock box it never displays."""
        self.unlock = UnlockBox(self.workspace, self._unlocked)
        self.page_lock = PageLock(self.workspace, self._lock_screen)
        self.exit = self.page_lock.exit
        return w.VBox([self.exit, self.unlock.root, self.body], layout=WIDE)

    def _unlocked(self) -> None:
        self.page_lock.touch()  # unlocking is use: the idle lock counts from now
        self.refresh()

    def _lock_screen(self, why: str) -> None:
        """Exit or idle (the store is locked already): the charts and tables leave the screen."""
        self.body.children = [_html(_locked_note(why))] if why == "idle" else []
        self.unlock.show_if_locked()

    def refresh(self) -> None:
        try:
            runs = self.workspace.store.runs()
        except ToolkitError as exc:
            self.body.children = [_html(_message(str(exc), "error"))]
            return
        self.draw(runs)

    def draw(self, runs: list[SavedRun]) -> None:
        """One chart and one changes table per checklist with saved runs."""
        from .charts import trend_lines, trend_svg
        from .summary import changes, trend
        from .tables import changes_styler

        if not runs:
            self.body.children = [_html("<p>No saved answers yet: history appears once you have "
                                         "saved a checklist.</p>")]
            return
        checklists = self.workspace.checklists
        parts: list[w.Widget] = []
        for cid, c in checklists.items():
            mine = [r for r in runs if r.checklist_id == cid]
            if not mine:
                continue
            table = trend(mine, checklists, cid)
            flagged = int(table["safety"].sum())
            note = (Markup(" In {} of them at least one answer touches on your safety (▲ in the chart): "
                           "that matters more than where the line is.").format(flagged) if flagged else "")
            parts.append(_html(str(Markup("<h3>{}</h3><p>{} saved run(s).{}</p>").format(
                c.title, len(mine), note))))
            # The chart as inline SVG with role=img and its numbers as text (a PNG has no text).
            parts.append(_html(ui("chart", Markup(trend_svg(table, c.vocabulary, name=c.title,
                                                             ident=f"history-{cid}")),
                                   trend_lines(table, c.vocabulary))))
            if len(mine) >= 2:
                moved = changes(mine[-2], mine[-1], c)
                parts.append(_html("<h4>What changed since last time</h4>" + (
                    changes_styler(moved).to_html() if not moved.empty else "<p>No answer changed.</p>")))
        self.body.children = parts
