"""The notebook pages (ipywidgets): a form per checklist, a summary of all saved runs, their
history, and the support resources.

Each page is composed of panels (panels.py) built from shared pieces (uikit.py): a page wires
its panels together and decides what is on screen; a panel owns its widgets, its callbacks and
its status area. Widgets are attributes so tests can drive them without a browser (`.value = x`,
`.click()`); a page answers for its panels' widgets by their old names (panels.Composed).
Pages only call the toolkit's functions; scoring, saving and rendering live elsewhere. Each
shows itself with a neutral text/plain so answers never reach a saved notebook. All HTML comes
from the templates (markup.ui), every sentence through i18n.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

import ipywidgets as w
from markupsafe import Markup

from . import service
from .checklist import GROUPS, Answers, Checklist, SavedRun
from .errors import ToolkitError
from .i18n import _
from .markup import checklist_intro, history_intro, level_html, summary_intro, support_html, talk_html, ui
from .panels import (
    Composed,
    CountryChoice,
    DeletePanel,
    EarlierAnswers,
    PersonChoice,
    Progress,
    ProtectPanel,
    ReportPanel,
    Statements,
    SupportBox,
    SupportHtml,
    TransferPanel,
    when,
)
from .uikit import (
    IDLE_ENV,
    SHARED,
    WIDE,
    PageLock,
    Shown,
    UnlockBox,
    button,
    html,
    idle_minutes,
    locked_note,
    message,
    own_layout,
    shows_errors,
)
from .widgets import ResultFocus
from .workspace import Workspace, default_workspace

__all__ = ["IDLE_ENV", "SHARED", "ChecklistForm", "CountryChoice", "History", "PageLock", "Summary",
           "StartPage", "SupportResources", "UnlockBox", "idle_minutes"]

def _support(ws: Workspace, safety: bool, calm: bool) -> str:
    """The support box first: urgent for a safety answer; calm when a safety question was
    answered anything but Never (Not sure included) or a list about a partner is "high";
    none otherwise; the person's country first."""
    if not (safety or calm):
        return ""
    return SupportHtml.of(support_html(ws.resources, urgent=safety, country=ws.country), urgent=safety)


def _level_block(ws: Workspace, line: Any, box_shown: bool) -> Markup:
    """A result in words; under a list about a partner, the support lines folded in when the
    box is not already shown above."""
    folded = "" if box_shown else support_html(ws.resources, urgent=False, country=ws.country)
    return Markup(level_html(line, ws.resources, folded if line.partner_list else ""))


def _result(ws: Workspace, checklist: Checklist, answers: Answers) -> tuple[str, str]:
    """A form's result: the support box (or nothing), then "Need to talk now?", the level in
    words and the table."""
    from .scoring import score
    from .summary import ResultLine
    from .tables import items_styler  # pandas: imported when there is a result to show

    r = score(answers, checklist)
    line = ResultLine.of(r.totals, r.checklist)
    support = _support(ws, r.safety, line.calm_support)
    return support, ui("result", _level_block(ws, line, bool(support)), Markup(items_styler(r).to_html()),
                       Markup(ui("disclaimer", ws.resources)), talk=Markup(talk_html(ws.resources, ws.country)))


class ResultView:
    """A form's result area: the support box (its country choice inside), then the result;
    kept up to date with the answers once on screen, shown by itself when the last statement
    is answered, and the place the skip link and focus go to."""

    def __init__(self, workspace: Workspace, checklist: Checklist, answers_now: Callable[[], Answers]) -> None:
        self.workspace, self.checklist, self._answers_now = workspace, checklist, answers_now
        self.result = html()
        self.to_result = ResultFocus()  # the skip link, and focus to the result after Show/Save
        self.result_on_screen = False
        self._quiet = False  # while the form is filled or emptied as a whole: no result per answer
        self.result_area = w.VBox([self.result], layout=WIDE)
        self.result_area.add_class("redflag-result-area")

    @cached_property
    def support(self) -> SupportBox:
        """The support box, above the result: made with the first answer (a page opens quicker,
        and the result, when it comes, does not wait for it)."""
        box = SupportBox(self.workspace, self._country_changed)
        self.result_area.children = [box, self.result]
        return box

    def _country_changed(self) -> None:
        """A country chosen in the support box: the result's lines follow it."""
        if self.result_on_screen:
            self.show_result(self._answers_now())

    def show_result(self, answers: Answers) -> None:
        """The result: support resources first when safety is raised, then level and table."""
        self.support.value, self.result.value = _result(self.workspace, self.checklist, answers)
        self.result_on_screen = True

    def clear_result(self) -> None:
        self.result_on_screen = False
        self.result.value = ""
        if "support" in self.__dict__:
            self.support.value = ""

    def follow(self, values: list[str | None]) -> bool:
        """An answer changed: a result on screen follows it; with every statement answered the
        result appears by itself (focus stays put: a choice must not move the person elsewhere,
        WCAG 3.2.2). Whether it appeared now."""
        if self._quiet:
            return False
        if any(v is not None for v in values):
            self.support  # noqa: B018 - made with the first answer (once), so a result is not slowed by it
        if self.result_on_screen or all(v is not None for v in values):
            first = not self.result_on_screen
            self.show_result(self._answers_now())
            return first
        return False

    @contextmanager
    def all_at_once(self) -> Iterator[None]:
        """Every answer changes (Resume, Exit): the result is left to the caller."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False


class NeutralPage:
    """Hide: the page swapped at once for a neutral one with only "Back" on it (page.css clears
    the rest of the notebook around it); nothing is lost."""

    def __init__(self) -> None:
        self.hide_button, self.hide_top = self._hide_button(), self._hide_button()
        self.show_button = button(_("Back"), layout=own_layout(margin="0.5em 0", align_self="flex-start"))
        self.show_button.on_click(self.show)
        self.hidden_box = w.VBox([self.show_button], layout=own_layout(display="none"))
        self.page = w.VBox(layout=own_layout())  # what Hide hides: the form fills it

    def _hide_button(self) -> w.Button:
        """Hide buttons at the top and by Save, so the screen can be cleared without scrolling."""
        hide = button(_("Hide"), tooltip=_("Clear the screen at once"), layout=own_layout())
        hide.on_click(self.hide)
        return hide

    def hide(self, _button: Any = None) -> None:
        self.page.layout.display = "none"
        self.hidden_box.layout.display = "flex"
        self.hidden_box.add_class("redflag-neutral-page")

    def show(self, _button: Any = None) -> None:
        self.page.layout.display = "flex"
        self.hidden_box.layout.display = "none"
        self.hidden_box.remove_class("redflag-neutral-page")


class ChecklistForm(Composed, Shown):
    """One checklist: items with a never…always choice, progress, the result (shown without
    saving, by "Show my result" or by itself once every statement is answered), save, resume
    and hide. Saving is a separate step; a locked answers folder only stops saving."""

    def __init__(self, checklist_id: str, workspace: Workspace | None = None) -> None:
        self.workspace = ws = workspace if workspace is not None else default_workspace()
        if checklist_id not in ws.checklists:
            raise ToolkitError(_("no checklist called '{id}' (known: {known})").format(
                id=checklist_id, known=", ".join(ws.checklists)))
        self.checklist = c = ws.checklists[checklist_id]
        self.label = _("Checklist form: {title}").format(title=c.title)
        place = service.place()
        self.header = html(ui("form_header", c, place, *checklist_intro(c, place)))
        self.statements = Statements(c, self._answered)
        self.progress_panel = Progress(c, self.statements.values())
        self.result_button = button(_("Show my result"), button_style="primary",
                                    tooltip=_("See your result without saving"))
        self.result_button.add_class("redflag-show-result")  # where the skip link goes before a result
        self.result_button.on_click(self.show_my_result)
        self.save_button = button(_("Save my answers"),
                                  tooltip=_("Save privately on {place}").format(place=service.place()))
        self.save_button.on_click(self.save)
        self.unlock = UnlockBox(ws, self._unlocked)
        self.earlier = EarlierAnswers(ws, c.id, self.unlock.locked)
        self.earlier.resume_button.on_click(self.resume)
        self.status = html()
        self.results = ResultView(ws, c, lambda: self.statements.current_answers())
        self.neutral = NeutralPage()
        self._parts = (self.statements, self.progress_panel, self.earlier, self.results, self.neutral)
        self.root = _form_page(self)

    def _unlocked(self) -> None:
        self.page_lock.touch()  # unlocking is use: the idle lock counts from now
        self.earlier.refresh()
        if self.status.value == ui("save_needs_unlock"):
            self.status.value = ui("unlocked_can_save")

    @shows_errors("status")
    def _answered(self, _change: Any = None) -> None:
        """An answer changed: progress, then the result (ResultView.follow; the status line says
        when it appeared by itself)."""
        values = self.statements.values()
        self.progress_panel.update(values)
        if self.results.follow(values):
            self.status.value = ui("all_answered")

    _update_progress = _answered  # the old name (scripts and tests call it)

    def forget_unsaved(self) -> None:
        """Quick exit: the page is gone; the kernel forgets whatever was not saved."""
        with self.results.all_at_once():
            self.statements.forget()
        self.results.clear_result()
        self.status.value = ""

    def _lock_screen(self, why: str) -> None:
        """Exit or idle (the store is locked already): unsaved answers, results and the list of
        earlier answers go; a protected folder shows the Unlock box again above an empty form."""
        self.forget_unsaved()
        self.earlier.refresh([])
        self.unlock.show_if_locked()
        self.show()
        if self.unlock.locked:
            self.unlock.status.value = locked_note(why)
        else:
            self.earlier.refresh()
            self.status.value = locked_note(why)

    def refresh_resume(self) -> None:
        self.earlier.refresh()

    @shows_errors("status")
    def resume(self, _button: Any = None) -> None:
        path = self.earlier.resume_choice.value
        if not path:
            self.status.value = message(_("Choose earlier answers from the list first."))
            return
        answers = self.workspace.store.read(path)
        with self.results.all_at_once():
            gone = self.statements.fill(answers)
        self.status.value = ui("resumed", when(answers.saved_at), gone)
        self.show_result(answers)

    @shows_errors("status")
    def show_my_result(self, _button: Any = None) -> None:
        """The result from the answers on screen; nothing is written."""
        answers = self.statements.current_answers()
        if not answers.responses:
            self.status.value = message(_("Choose an answer for at least one statement first."))
            return
        self.show_result(answers)
        self.status.value = ui("shown_not_saved")
        self.to_result.move()

    @shows_errors("status")
    def save(self, _button: Any = None) -> Path | None:
        answers = self.statements.current_answers()
        if not answers.responses and not answers.notes:
            self.status.value = message(_("Nothing to save yet: choose an answer for at least one item."))
            return None
        if self.unlock.locked:  # answering and the result need no key; saving does
            self.unlock.show_if_locked()
            self.status.value = ui("save_needs_unlock")
            if answers.responses:
                self.show_result(answers)
            self.unlock.passphrase.focus()
            return None
        try:
            path = self.workspace.store.save(answers)
        except (ToolkitError, OSError) as exc:
            self.status.value = message(_("Your answers could not be saved: {problem}").format(problem=exc), "error")
            return None
        self.status.value = ui("saved")
        self.show_result(answers)
        self.to_result.move()
        self.earlier.refresh()
        return path



def _form_page(form: ChecklistForm) -> w.VBox:
    """The page: the skip link, Exit, the Unlock box (while locked), Hide, the form, then the
    result area; Hide swaps all of it for a neutral page with only a way back."""
    p, e = form.progress_panel, form.earlier
    form.content = w.VBox([
        form.header, w.HBox([e.resume_choice, e.resume_button], layout=WIDE), p.progress_top,
        form.statements.items_box,
        w.HBox([p.progress_bar, p.progress], layout=WIDE),
        w.HBox([form.result_button, form.save_button, form.hide_button], layout=WIDE),
        form.status, form.result_area,
    ], layout=own_layout())
    form.page_lock = PageLock(form.workspace, form._lock_screen)
    form.exit = form.page_lock.exit
    form.page.children = [form.to_result, form.exit, form.unlock.root, w.HBox([form.hide_top], layout=WIDE),
                          form.content]
    root = w.VBox([form.page, form.hidden_box], layout=WIDE)
    root.add_class("redflag-form")  # the skip link and the focus look only inside their own form
    return root


class Summary(Composed, Shown):
    """The latest run of each checklist: safety first, levels in words, tables; its history; your
    data (country, download and upload, protection, deletion), each a panel."""

    def __init__(self, workspace: Workspace | None = None) -> None:
        self.workspace = ws = workspace if workspace is not None else default_workspace()
        self.label = _("Summary of your saved answers")
        self.support, self.overview, self.tables = SupportBox(ws, self.refresh), html(), html()
        self.refresh_button = button(_("Refresh"))
        self.refresh_button.on_click(lambda _button: self.refresh())
        self.report = ReportPanel(ws)
        self.country = CountryChoice(ws, self.refresh)
        self.transfer = TransferPanel(ws, self.refresh)
        self.protection = ProtectPanel(ws, self.refresh)
        self.deletion = DeletePanel(ws, self.transfer.data_status, self._deleted)
        self.people = PersonChoice(ws, self._choose_person)
        self.history = History(ws, draw=False)
        self._parts = (self.report, self.transfer, self.protection, self.deletion, self.people)
        self.overview_tab, self.data_tab = self._overview_tab(), self._data_tab()
        self.tabs = w.Tab(children=[self.overview_tab, self.history.body, self.data_tab],
                          titles=(_("Overview"), _("History"), _("Your data")))
        self.tabs.add_class("redflag-tabs")  # readable labels on unselected tabs (widgets.py)
        self.unlock = UnlockBox(ws, self._unlocked)
        self.page_lock = PageLock(ws, self._lock_screen)
        self.exit = self.page_lock.exit
        # "Who is this for?" in Your data; also at the top once several people have answers here.
        self.people_top = w.VBox([self.people.person_choice, self.people.person_status],
                                 layout=own_layout(display="flex" if self.people.several else "none"))
        self.header = html(ui("page_header", *summary_intro()))
        self.root = w.VBox([self.exit, self.header, self.people_top, self.unlock.root, self.support, self.tabs],
                           layout=WIDE)
        self.refresh()

    def _overview_tab(self) -> w.VBox:
        r = self.report
        return w.VBox([self.overview, self.tables,
                       w.HBox([self.refresh_button, r.report_button, r.print_button], layout=WIDE),
                       r.report_plain, r.report_link], layout=WIDE)

    def _data_tab(self) -> w.VBox:
        t, d = self.transfer, self.deletion
        return w.VBox([
            html(ui("data_intro", str(self.workspace.store.home), service.where_kept())), self.country.root,
            html(ui("people_intro")), self.people.person_choice,
            w.HBox([t.download_button, t.upload], layout=WIDE), t.download_plain, t.download_link, t.upload_box,
            self.protection.protect_box, d.delete_button, d.confirm_box, t.data_status], layout=WIDE)

    def _unlocked(self) -> None:
        self.page_lock.touch()  # unlocking is use: the idle lock counts from now
        self.refresh()

    def _choose_person(self, person: int | None) -> None:
        """Another person (None: someone new): the last one's results leave the screen (the store
        locks, see PageLock.switched); theirs show, or the Unlock box if their answers are protected."""
        self.unlock.choose_person(person)  # the page is cleared and refreshed by _lock_screen("person")

    def _deleted(self) -> None:
        self.transfer.download_link.value = ""
        self.refresh()

    def _lock_screen(self, why: str) -> None:
        """Exit or idle (the store is locked already): every result, table, chart and prepared
        download leaves the screen, the support box too (how urgent it is tells a result); a
        protected folder shows the Unlock box again, an open one says Refresh brings it back."""
        self.support.value = self.tables.value = ""
        self.report.clear()
        self.transfer.clear()
        self.protection.protect_status.value = ""
        self.deletion.set_confirm(False)
        self.history.body.children = []
        self.unlock.show_if_locked()
        self.people.update()
        self.people_top.layout.display = "flex" if self.people.several else "none"
        if why == "person":
            self.refresh()  # nothing of the last person is left; this one's (or "protected")
            return
        if self.unlock.locked:
            self.refresh()  # says the answers are protected, shows none
            self.unlock.status.value = locked_note(why)
        else:
            self.overview.value = locked_note(why) or message(_("Press Refresh to show your results."))

    @shows_errors("overview")
    def refresh(self) -> None:
        """Re-read the saved runs (once) and rebuild every table and the History tab."""
        from .summary import latest_runs, result_lines, summarise
        from .tables import checklists_styler, themes_styler

        ws = self.workspace
        self.country.sync()  # a country chosen in the support box shows under Your data too
        if self.unlock.locked:
            self.support.value = self.tables.value = ""
            self.history.body.children = []
            self.overview.value = message(_("Your answers are protected with a passphrase: unlock them above "
                                            "to see them."))
            return
        all_runs = ws.store.runs()
        self.history.draw(all_runs)
        runs = latest_runs(all_runs)
        disclaimer = Markup(ui("disclaimer", ws.resources))
        if not runs:
            self.support.value = self.tables.value = ""
            self.overview.value = ui("no_runs", disclaimer)
            return
        s = summarise(runs, ws.checklists)
        self.support.value = _support(ws, s.safety, s.calm_support)
        blocks = []
        for group, heading in GROUPS.items():
            lines = result_lines(s, ws.checklists, group)
            if lines:
                blocks.append((_(heading), [_level_block(ws, r, bool(self.support.value)) for r in lines]))
        self.overview.value = ui("overview", blocks, disclaimer)
        self.tables.value = ui("tables", Markup(checklists_styler(s.checklists, ws.vocabulary).to_html()),
                               Markup(themes_styler(s.themes, ws.checklists).to_html()))


class SupportResources(Shown):
    """The support resources as a calm box with its country choice inside, and the
    not-a-diagnosis note."""

    def __init__(self, workspace: Workspace | None = None) -> None:
        self.workspace = workspace if workspace is not None else default_workspace()
        self.label = _("Support resources")
        self.box = SupportBox(self.workspace, self.refresh)
        self.country = self.box.country
        self.disclaimer = html()
        # Exit and idle lock this page's store too; the helplines may stay (they show no answer).
        self.page_lock = PageLock(self.workspace, lambda _why: None)
        self.exit = self.page_lock.exit
        self.root = w.VBox([self.exit, *self._above(), self.box, self.disclaimer], layout=WIDE)
        self.refresh()

    def _above(self) -> list[w.Widget]:
        """What a page built on this one shows above the box (the start page's words)."""
        return []

    def refresh(self) -> None:
        """Draw the box for the country kept now (a new choice calls this again)."""
        self.box.show(urgent=False)
        self.disclaimer.value = ui("disclaimer", self.workspace.resources)


class StartPage(SupportResources):
    """The start page: where to begin, each list with its length, where answers are kept, what
    the lists do not ask, then the support box. Drawn when it runs (notebooks.start_html), so
    its words follow the place; "Need to talk now?" follows the country chosen in the box."""

    def _above(self) -> list[w.Widget]:
        from .language import LanguageChoice

        self.intro = html()
        self.language = LanguageChoice(self.workspace, self._language_changed)
        return [self.language.root, self.intro]

    def _language_changed(self, workspace: Workspace) -> None:
        """Every word of the page in the new language: the page drawn again in its place."""
        fresh = StartPage(workspace)
        self.workspace, self.root.children = workspace, fresh.root.children

    def refresh(self) -> None:
        from .notebooks import start_html

        ws = self.workspace
        self.intro.value = start_html(ws.checklists, ws.resources, ws.country)
        super().refresh()


class History(Shown):
    """Per checklist: a trend chart of percent over time and what changed since last time."""

    def __init__(self, workspace: Workspace | None = None, draw: bool = True) -> None:
        self.workspace = workspace if workspace is not None else default_workspace()
        self.label = _("History of your saved answers")
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
        return w.VBox([self.exit, html(ui("page_header", *history_intro())), self.unlock.root, self.body],
                      layout=WIDE)

    def _unlocked(self) -> None:
        self.page_lock.touch()  # unlocking is use: the idle lock counts from now
        self.refresh()

    def _lock_screen(self, why: str) -> None:
        """Exit or idle (the store is locked already): the charts and tables leave the screen."""
        self.body.children = [html(locked_note(why))] if why == "idle" else []
        self.unlock.show_if_locked()

    def refresh(self) -> None:
        try:
            runs = self.workspace.store.runs()
        except (ToolkitError, OSError) as exc:
            self.body.children = [html(message(str(exc), "error"))]
            return
        self.draw(runs)

    def draw(self, runs: list[SavedRun]) -> None:
        """One chart and one changes table per checklist with saved runs."""
        if not runs:
            self.body.children = [html(ui("history_empty"))]
            return
        checklists = self.workspace.checklists
        parts: list[w.Widget] = []
        for cid in checklists:
            mine = [r for r in runs if r.checklist_id == cid]
            if mine:
                parts += self._checklist_history(cid, mine)
        self.body.children = parts

    def _checklist_history(self, cid: str, mine: list[SavedRun]) -> list[w.Widget]:
        """A checklist's heading, its chart as inline SVG with role=img and its numbers as text
        (a PNG has no text), and what changed between its last two runs."""
        from .charts import trend_lines, trend_svg
        from .summary import changes, trend
        from .tables import changes_styler

        checklists = self.workspace.checklists
        c = checklists[cid]
        table = trend(mine, checklists, cid)
        parts = [html(ui("history_heading", c.title, len(mine), int(table["safety"].sum()))),
                 html(ui("chart", Markup(trend_svg(table, c.vocabulary, name=c.title, ident=f"history-{cid}")),
                         trend_lines(table, c.vocabulary)))]
        if len(mine) >= 2:
            moved = changes(mine[-2], mine[-1], c)
            parts.append(html(ui("history_changes", Markup(changes_styler(moved).to_html()) if not moved.empty
                                 else "")))
        return parts
