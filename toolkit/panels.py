"""The panels pages are composed of: a form's progress and earlier answers, the country choice,
and the Summary's report, download/upload, protection and deletion panels. Each owns its widgets
and callbacks and shows its problems in its own status area (uikit.shows_errors).

Panels keep the widget names the pages had before they were split (`download_link`,
`protect_status`, …): a page finds them through `Composed`, so scripts and tests that drive a
page (`view.download_button.click()`) keep working.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from typing import Any

import anywidget
import ipywidgets as w
import traitlets

from . import service
from .bundles import MAX_BUNDLE_BYTES, SEALED_BUNDLE_SUFFIX, neutral_name
from .checklist import Answers, Checklist, SavedRun
from .crypto import passphrase_problem
from .errors import PassphraseError, ToolkitError
from .i18n import N_, _, ngettext
from .markup import answered_text, local_day, ui
from .uikit import BUTTON_STYLE, LABELLED_CHOICE, LABELLED_PROGRESS, LABELLED_TEXT, WIDE, button, html, message
from .uikit import shows_errors as shows_errors
from .widgets import STATIC, AnswerSheet, SheetItem
from .workspace import Workspace


class Composed:
    """A page made of panels: a name the page lacks is read from, and set on, the first of its
    panels (`_parts`) that has it."""

    _parts: tuple[object, ...] = ()

    def _owner(self, name: str) -> object | None:
        if name in self.__dict__:
            return None
        return next((part for part in self.__dict__.get("_parts", ()) if hasattr(part, name)), None)

    def __getattr__(self, name: str) -> Any:
        owner = self._owner(name)
        if owner is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(owner, name)

    def __setattr__(self, name: str, value: Any) -> None:
        owner = self._owner(name)
        object.__setattr__(self if owner is None else owner, name, value)


def when(moment: datetime) -> str:
    """A saved time with the hour, for telling two runs of one day apart."""
    return local_day(moment, "%d %b %Y, %H:%M")


def data_link(data: bytes, mime: str, name: str) -> str:
    """A download link holding the file itself, so nothing extra is written to disk."""
    return ui("data_link", f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}", name)


SITUATIONAL_HINT = N_("If this hasn't come up for you, choose “This hasn't happened”.")


class Statements:
    """A form's statements, each a native radio group whose legend is the statement (one Tab
    stop, arrow keys move the choice), "Why this matters" and a private note, all in ONE widget
    (AnswerSheet): the page creates one model instead of one per statement, so a form opens
    sooner. "This hasn't happened" only on items about a situation that may not have come up.
    `choices[id]` reads and sets one statement (value, note, note_open) as a widget of its own."""

    def __init__(self, checklist: Checklist, on_change: Callable[[Any], None]) -> None:
        self.checklist = checklist
        hint = _(SITUATIONAL_HINT)
        self.sheet = AnswerSheet(
            [{"id": item.id, "statement": f"{n}. {item.text}", "why": item.explain,
              "options": [[o.label, o.id] for o in checklist.vocabulary.options_for(item)],
              "hint": hint if item.situational else ""}
             for n, item in enumerate(checklist.items, start=1)],
            notes=True, layout=WIDE)
        self.sheet.observe(on_change, "values")
        self.choices: dict[str, SheetItem] = {item.id: self.sheet.item(item.id) for item in checklist.items}
        self.items_box = self.sheet

    def values(self) -> list[str | None]:
        values = self.sheet.values
        return [values.get(iid) for iid in self.choices]

    def current_answers(self) -> Answers:
        """The answers on screen (unchosen items left out, empty notes dropped)."""
        notes = {iid: text for iid, text in self.sheet.note_texts.items() if str(text).strip()}
        return Answers(self.checklist.id, self.checklist.version, dict(self.sheet.values), notes)

    def fill(self, answers: Answers) -> list[str]:
        """Put saved answers on screen; return ids of saved items this checklist no longer has."""
        known = list(self.choices)
        with self.sheet.hold_sync():
            self.sheet.note_texts = {iid: answers.notes[iid] for iid in known if answers.notes.get(iid)}
            self.sheet.open_notes = list(self.sheet.note_texts)
            self.sheet.values = {iid: answers.responses[iid] for iid in known if iid in answers.responses}
        return [i for i in dict.fromkeys([*answers.responses, *answers.notes]) if i not in self.choices]

    def forget(self) -> None:
        """Every choice and note off the screen and out of this kernel."""
        with self.sheet.hold_sync():
            self.sheet.values, self.sheet.note_texts, self.sheet.open_notes = {}, {}, []


class Progress:
    """How much of a form is answered: a bar and a live line by Save, a small copy at the top."""

    def __init__(self, checklist: Checklist, values: list[str | None]) -> None:
        self.checklist = checklist
        done, live, small = self.values(values)
        # Widgets start with their values (no update message straight after opening them).
        self.progress_bar = w.IntProgress(value=done, min=0, max=len(checklist.items), description=_("Progress:"),
                                          style=LABELLED_PROGRESS, layout=WIDE)
        self.progress = html(live)
        self.progress_top = html(small)

    def values(self, values: list[str | None]) -> tuple[int, str, str]:
        """Answered count, the live-region text by Save and the small copy at the top."""
        options = self.checklist.vocabulary.options
        chosen = [options[v] for v in values if v is not None]
        scored = sum(o.weight is not None for o in chosen)
        unsure = sum(o.weight is None and not o.situational for o in chosen)
        text = answered_text(self.checklist, scored, unsure, sum(o.situational for o in chosen))
        if unsure:  # the same words as the result's: Not sure is fine, it just has no points
            text += " " + _("(Not sure has no points)")
        return len(chosen), ui("progress_live", text), ui("progress_small", text)

    def update(self, values: list[str | None]) -> None:
        self.progress_bar.value, self.progress.value, self.progress_top.value = self.values(values)


class EarlierAnswers:
    """The form's "Earlier answers" list: this checklist's saved runs, newest first."""

    def __init__(self, workspace: Workspace, checklist_id: str, locked: bool) -> None:
        self.workspace, self.checklist_id = workspace, checklist_id
        earlier = [] if locked else self.options()
        self.resume_choice = w.Dropdown(description=_("Earlier answers:"), style=LABELLED_CHOICE, layout=WIDE,
                                        options=[(_("Choose…"), ""), *earlier], value="")
        self.resume_button = button(_("Resume"), tooltip=_("Fill the form from earlier saved answers"),
                                    disabled=not earlier)

    def options(self) -> list[tuple[str, str]]:
        """This checklist's saved runs, newest first, as (label, path) for the Resume list."""
        try:
            saved = self.workspace.store.saved()
        except (ToolkitError, OSError):  # a locked or unreadable folder: nothing to resume, no error
            saved = []
        mine = sorted(((p, r) for p, r in saved if isinstance(r, SavedRun) and r.checklist_id == self.checklist_id),
                      key=lambda pr: pr[1].saved_at, reverse=True)
        return [(_("{when} – {n} answered").format(when=when(r.saved_at), n=len(r.responses)), str(p))
                for p, r in mine]

    def refresh(self, options: list[tuple[str, str]] | None = None) -> None:
        """Read the list again (or show `options`: [] after Exit)."""
        options = self.options() if options is None else options
        self.resume_choice.options = [(_("Choose…"), ""), *options]
        self.resume_choice.value = ""
        self.resume_button.disabled = not options


class CountryChoice:
    """"Your country or region": puts its support lines first; kept with the answers' settings.
    Until one is chosen it reads "Choose your country" (a computer set to en_US, the default on
    many machines everywhere, is not taken as a choice); another locale (en_GB, de_DE) may
    preselect its country, and says so."""

    PROMPT = N_("Choose your country")

    def __init__(self, workspace: Workspace, on_change: Callable[[], None]) -> None:
        self.workspace = workspace
        options = [(_(self.PROMPT), "")] + sorted(
            ((name, code) for code, name in workspace.resources.countries.items()))
        self.widget = w.Dropdown(options=options, value=workspace.country or "",
                                 description=_("Your country or region:"),
                                 style=LABELLED_CHOICE, layout=WIDE)
        self.status = html()
        if workspace.country and not workspace.store.settings().get("country"):
            self.status.value = message(_("Picked from this computer's language settings. "
                                          "Change it if it is wrong."))
        self._on_change = on_change
        self.widget.observe(self._changed, "value")
        self.root = w.VBox([self.widget, self.status], layout=WIDE)

    def sync(self) -> None:
        """Show the country kept now (chosen elsewhere on the page) without choosing it again."""
        kept = self.workspace.country or ""
        if self.widget.value != kept:
            self._syncing = True
            try:
                self.widget.value = kept
            finally:
                self._syncing = False

    @shows_errors("status")
    def _changed(self, change: dict[str, Any]) -> None:
        if getattr(self, "_syncing", False):
            return
        self.status.value = ""
        try:
            self.workspace.store.save_settings(country=change["new"] or None)
        except (ToolkitError, OSError) as exc:
            self.status.value = message(_("Your choice could not be kept: {problem}").format(problem=exc), "error")
        self._on_change()


class PrintButton(anywidget.AnyWidget):
    """A "Print" button: the page asks for the report with a message, `on_print` handlers make
    it, and `print_page` sends it back to be printed from a hidden frame (static/print_report.js:
    a module, no inline script, so it works under the app view's Content-Security-Policy)."""

    _esm = STATIC / "print_report.js"
    #: As wide as its word (a jupyter-button is 148 px), so the row beside it keeps its room.
    _css = ".redflag-print.jupyter-button{width:auto;min-width:5em;padding:0 1em}"
    label = traitlets.Unicode(help="The button's words.").tag(sync=True)
    # Not `tooltip`: DOMWidget's own, which its view reads together with a `description` this has not.
    hint = traitlets.Unicode(help="What the button does, in a few words (its title).").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Print"))
        kwargs.setdefault("hint", _("Print the report, or save it as a PDF"))
        super().__init__(**kwargs)
        self._print_handlers = w.CallbackDispatcher()
        self.on_msg(self._on_front_end_msg)

    def on_print(self, callback: Callable[[PrintButton], Any]) -> None:
        """Run callback(self) when the button is pressed on the page."""
        self._print_handlers.register_callback(callback)

    def click(self) -> None:
        """Press the button as the page would (scripts and tests)."""
        self._print_handlers(self)

    def print_page(self, page: str) -> None:
        """Send the page to be printed."""
        self.send({"event": "page", "html": page})

    def _on_front_end_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("event") == "print":
            self.click()

#: Inside the box, the country choice is right under the prompt.
CHOOSE_HERE = N_("Use “Your country or region” just below.")


class SupportHtml(str):
    """The support box's HTML that also says how urgent it is, so a page can keep writing
    `page.support.value = _support(...)` whether `support` is an HTML widget or a SupportBox."""

    urgent: bool = False

    @classmethod
    def of(cls, text: str, urgent: bool) -> SupportHtml:
        out = cls(text)
        out.urgent = urgent
        return out


class SupportBox(w.VBox):  # type: ignore[misc]  # ipywidgets has no annotations
    """The support box with its country choice inside it (under the heading), so the lines can
    be put right from wherever the box is: a result, the Summary, the start page. `show` draws
    it (urgent or calm) or clears it; a new country redraws it and then calls `on_change` (a
    page redraws what else names the country, e.g. a result's folded lines)."""

    def __init__(self, workspace: Workspace, on_change: Callable[[], None] | None = None) -> None:
        self.workspace = workspace
        self.head, self.body = html(), html()
        self.country = CountryChoice(workspace, self._country_changed)
        self._urgent: bool | None = None
        self._html = ""
        self._on_change = on_change
        super().__init__([self.head, self.country.root, self.body],
                         layout=w.Layout(display="none", margin="0.5em 0", width="100%"))  # its parts have the padding
        self.add_class("redflag-support")  # what the browser tests and styles look for

    @property
    def value(self) -> str:
        """The box as HTML, as the reports draw it ("" when not shown): what a page used to keep
        in an HTML widget."""
        return self._html

    @value.setter
    def value(self, box: str) -> None:
        """"" clears the box; the HTML `ui._support` made draws it again here, with the choice
        inside (how urgent it is comes with it)."""
        self.show(getattr(box, "urgent", True) if box else None)  # plain HTML: the bold box, to be safe

    def show(self, urgent: bool | None) -> None:
        """Draw the box (urgent: the bold border and the message first), or clear it (None)."""
        from .markup import support_html

        self._urgent = urgent
        self.remove_class("urgent")
        if urgent is None:
            self.head.value = self.body.value = self._html = ""
            self.layout.display = "none"
            return
        ws = self.workspace
        self.country.sync()
        self.head.value, self.body.value, self._html = (
            support_html(ws.resources, urgent=urgent, country=ws.country, choose_where=_(CHOOSE_HERE), part=part)
            for part in ("head", "body", "all"))
        if urgent:
            self.add_class("urgent")
        self.layout.border = "2px solid #b45309" if urgent else "1px solid #6b7280"
        self.layout.display = "flex"

    def _country_changed(self) -> None:
        if self._urgent is not None:
            self.show(self._urgent)
        if self._on_change is not None:
            self._on_change()


class ReportPanel:
    """"Printable report": a download link holding the page, and "Print" to print it at once;
    from a protected folder only by choice."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.report_button = button(_("Printable report"),
                                    tooltip=_("A page to print or keep: results, themes, changes"))
        self.report_button.on_click(self.prepare_report)
        self.print_button = PrintButton()
        self.print_button.on_print(self.print_report)
        self.report_link = html()
        # A report is for reading, so it is never encrypted: from a protected folder only by choice.
        self.report_plain = w.Checkbox(value=False, indent=False, layout=WIDE,
                                       description=_("Make a report of protected answers anyway: it is not "
                                                     "encrypted, anyone who finds it can read it"))

    @shows_errors("report_link", default="")
    def prepare_report(self, _button: Any = None) -> str:
        """Offer the printable HTML report as a download link (it is not written to disk)."""
        page = self._page()
        if page:
            self.report_link.value = data_link(page.encode("utf-8"), "text/html", neutral_name("html"))
        return page

    @shows_errors("report_link", default="")
    def print_report(self, _button: Any = None) -> str:
        """Send the report to the page to be printed (nothing is written to disk)."""
        page = self._page()
        if page:
            self.report_link.value = message(
                _("Printing your report. In the print window you can also save it as a PDF."))
            self.print_button.print_page(page)
        return page

    def _page(self) -> str:
        """The report's page, or "" with the reason shown when the folder is protected."""
        from .report import report_html

        ws = self.workspace
        if ws.store.protected and not self.report_plain.value:
            self.report_link.value = message(_(
                "Your answers are protected, and a report is not: anyone who finds it can read it. "
                "Tick the box above to make one anyway."), "error")
            return ""
        return report_html(ws.store.runs(), ws.checklists, ws.resources, country=ws.country)

    def clear(self) -> None:
        self.report_link.value = ""
        self.report_plain.value = False  # "plain" is chosen each time


class TransferPanel:
    """Download every saved run, and upload a downloaded file (asking its passphrase if sealed)."""

    def __init__(self, workspace: Workspace, on_import: Callable[[], None]) -> None:
        self.workspace, self._on_import = workspace, on_import
        self.download_button = button(_("Download my answers"))
        self.download_button.on_click(self.prepare_download)
        self.download_link = html()
        self.download_plain = w.Checkbox(value=False, indent=False, layout=WIDE,
                                         description=_("Download protected answers unencrypted: anyone who "
                                                       "finds the file can read it"))
        self.upload = w.FileUpload(accept=f".json,{SEALED_BUNDLE_SUFFIX}", multiple=False,
                                   description=_("Upload answers"), style=BUTTON_STYLE, layout=WIDE)
        self.upload_pass = w.Password(description=_("Passphrase of the uploaded file:"), style=LABELLED_TEXT)
        self._pending_upload: tuple[str, bytes] | None = None
        self.upload_open = button(_("Open the uploaded file"))
        self.upload_open.on_click(self.open_pending_upload)
        self.upload_box = w.HBox([self.upload_pass, self.upload_open], layout=w.Layout(display="none"))
        self.upload.observe(self._on_upload, "value")
        self.data_status = html()

    @shows_errors("download_link", default=b"")
    def prepare_download(self, _button: Any = None) -> bytes:
        """Offer every saved run as a download: sealed with the passphrase when the folder is
        protected (opens with it in any folder), unencrypted there only when ticked."""
        store = self.workspace.store
        plain = not store.protected or self.download_plain.value
        data = store.export_bundle(plain=bool(self.download_plain.value))
        name = neutral_name("json" if plain else SEALED_BUNDLE_SUFFIX.lstrip("."))
        self.download_link.value = data_link(data, "application/octet-stream", name)
        if store.protected and plain:
            self.download_link.value += message(_("This file is not encrypted: anyone who finds it can "
                                                  "read your answers."), "error")
        return data

    @shows_errors("data_status")
    def _on_upload(self, change: dict[str, Any]) -> None:
        try:
            for upload in change["new"]:
                self.import_file(upload["name"], bytes(upload["content"]), upload.get("size"))
        finally:
            if change["new"]:
                self.upload.value = ()

    @shows_errors("data_status")
    def import_file(self, name: str, content: bytes, size: int | None = None) -> None:
        """Import one uploaded bundle and say what was imported, skipped and rejected, and why."""
        if (size or len(content)) > MAX_BUNDLE_BYTES:
            self.data_status.value = message(_("{name} is too large to be an answers file.").format(name=name),
                                             "error")
            return
        passphrase, self.upload_pass.value = self.upload_pass.value or None, ""
        try:
            report = self.workspace.store.import_bundle(content, name=name, passphrase=passphrase)
        except PassphraseError as exc:  # a protected download: ask for its passphrase
            self._pending_upload = (name, content)
            self.upload_box.layout.display = "flex"
            self.data_status.value = message(_("Nothing imported yet: {problem}").format(problem=exc), "error")
            return
        except (ToolkitError, OSError) as exc:
            self.data_status.value = message(_("Nothing imported: {problem}").format(problem=exc), "error")
            return
        self._pending_upload = None
        self.upload_box.layout.display = "none"
        self.data_status.value = ui("import_report", name, len(report.imported), len(report.already_present),
                                    [why for _file, why in report.rejected])
        self._on_import()

    @shows_errors("data_status")
    def open_pending_upload(self, _button: Any = None) -> None:
        """Import the protected upload again, with the passphrase just typed."""
        if self._pending_upload is not None:
            self.import_file(*self._pending_upload)

    def clear(self) -> None:
        """Exit or idle: the prepared download, the status and an upload waiting for its passphrase go."""
        self.download_link.value = self.data_status.value = ""
        self._pending_upload, self.upload_pass.value = None, ""
        self.upload_box.layout.display = "none"
        self.download_plain.value = False  # "plain" is chosen each time


class ProtectPanel:
    """Turn passphrase protection on from the page; the passphrase stays in memory only."""

    def __init__(self, workspace: Workspace, on_protect: Callable[[], None]) -> None:
        self.workspace, self._on_protect = workspace, on_protect
        self.protect_pass = w.Password(description=_("Passphrase:"), style=LABELLED_TEXT)
        self.protect_again = w.Password(description=_("The same again:"), style=LABELLED_TEXT)
        self.protect_button = button(_("Protect my answers"),
                                     tooltip=_("Encrypt every saved answer with a passphrase"))
        self.protect_button.on_click(self.protect)
        self.protect_status = html()
        self.protect_box = w.VBox([html(ui("protect_intro")), self.protect_pass,
                                   self.protect_again, self.protect_button, self.protect_status], layout=WIDE)

    @shows_errors("protect_status")
    def protect(self, _button: Any = None) -> None:
        """Protect every saved run with the passphrase typed twice (then cleared from the screen)."""
        first, again = self.protect_pass.value, self.protect_again.value
        self.protect_pass.value = self.protect_again.value = ""  # never left on screen
        if not first or first != again:
            self.protect_status.value = message(_("The two passphrases differ or are empty: nothing was "
                                                  "changed. Type the same passphrase twice."), "error")
            return
        problem = None if self.workspace.store.protected else passphrase_problem(first)
        if problem:
            self.protect_status.value = message(
                _("Not protected: {problem} Nothing was changed.").format(problem=problem), "error")
            return
        converted = self.workspace.store.protect(first)
        done, left = converted.count, converted.left
        # "run(s)" in both forms keeps today's English; a translation gives each form its own words.
        text = ngettext("Protected: {n} saved run(s) are encrypted.", "Protected: {n} saved run(s) are encrypted.",
                        done).format(n=done)
        text += " " + _("Keep the passphrase safe: if it is lost, your answers cannot be recovered, by anyone.")
        if left:
            text += " " + ngettext("{n} file(s) could not be read and were left as they were.",
                                   "{n} file(s) could not be read and were left as they were.",
                                   len(left)).format(n=len(left))
        self.protect_status.value = message(text, "ok")
        self._on_protect()


class PersonChoice:
    """"Who is this for?": where one computer serves several people (a counsellor and the people
    they see), each person's answers are kept apart, in a folder of their own named by a number
    (see AnswerStore.choose_person): the Summary and History show one person at a time, and the
    tab's other pages follow the choice (uikit.SessionUnlock). No name is asked for or kept."""

    NEW = 0

    def __init__(self, workspace: Workspace, on_choose: Callable[[int | None], None]) -> None:
        self.workspace, self._on_choose = workspace, on_choose
        self.person_choice = w.Dropdown(description=_("Who is this for?"), style=LABELLED_CHOICE, layout=WIDE,
                                        options=self.options(), value=workspace.store.person)
        self.person_choice.observe(self._changed, "value")
        self.person_status = html()
        self._quiet = False

    def options(self) -> list[tuple[str, int]]:
        """Each person by number, then "Someone new"."""
        return [(_("Person {n}").format(n=n), n) for n in self.workspace.store.people()] + [
            (_("Someone new"), self.NEW)]

    @property
    def several(self) -> bool:
        """More than one person has answers here (the single-person case looks as before)."""
        return len(self.workspace.store.people()) > 1 or self.workspace.store.person != 1

    def update(self) -> None:
        """The list again, showing the person whose answers are shown (without choosing anew)."""
        self._quiet = True
        try:
            self.person_choice.options = self.options()
            self.person_choice.value = self.workspace.store.person
        finally:
            self._quiet = False

    @shows_errors("person_status")
    def _changed(self, change: dict[str, Any]) -> None:
        if self._quiet or change["new"] is None:
            return
        self.person_status.value = ""
        try:
            self._on_choose(None if change["new"] == self.NEW else int(change["new"]))
        finally:
            self.update()


class DeletePanel:
    """"Delete all my answers…", then a confirmation; says what it did in the data tab's status."""

    def __init__(self, workspace: Workspace, status: w.HTML, on_delete: Callable[[], None]) -> None:
        self.workspace, self.data_status, self._on_delete = workspace, status, on_delete
        # ipywidgets' "warning" orange under white text is 2.7:1; white on this amber is 5.0:1 (WCAG AA).
        self.delete_button = button(_("Delete all my answers…"), button_style="warning",
                                    style=w.ButtonStyle(button_color="#b45309", text_color="white"))
        self.delete_button.on_click(self.ask_delete)
        self.confirm_delete = button(_("Yes, delete everything"), button_style="danger")
        self.confirm_delete.on_click(self.delete_all)
        self.cancel_delete = button(_("Cancel"))
        self.cancel_delete.on_click(lambda _button: self.set_confirm(False))
        self.confirm_text = html()
        self.confirm_box = w.HBox([self.confirm_text, self.confirm_delete, self.cancel_delete],
                                  layout=w.Layout(display="none"))

    def set_confirm(self, visible: bool) -> None:
        self.confirm_box.layout.display = "flex" if visible else "none"

    @shows_errors("data_status")
    def ask_delete(self, _button: Any = None) -> None:
        count = len(self.workspace.store.table())
        self.confirm_text.value = ui("confirm_delete", count, service.place())
        self.set_confirm(True)

    @shows_errors("data_status")
    def delete_all(self, _button: Any = None) -> None:
        count = self.workspace.store.forget()
        self.set_confirm(False)
        self.data_status.value = message(ngettext("Deleted {n} saved run(s).", "Deleted {n} saved run(s).",
                                                  count).format(n=count), "ok")
        self._on_delete()
