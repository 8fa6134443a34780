"""What every page is built from: shared layout and style models, small widget makers, a message
in a status area, the guard that turns a failing callback into such a message, the text/plain
that never shows answers, and a page's Exit, idle lock and Unlock box.

Light on purpose (no pandas): a checklist form is built from these before anything heavier loads.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import math
import os
import threading
from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

import anywidget
import ipywidgets as w
import traitlets

from . import crypto
from .errors import PassphraseError, ToolkitError
from .i18n import _, ngettext
from .markup import ui
from .widgets import STATIC, QuickExit
from .workspace import Workspace

# Shared layout and style models. Every ipywidget otherwise opens a Layout and a Style model of
# its own (a kernel message each: a form would open about eighty), and a page opened in a fresh
# kernel waits for every one. Shared models are never changed after this point: a widget that is
# shown and hidden gets `own_layout()`, or hiding it would hide everything sharing the layout.
WIDE = w.Layout(width="auto")


def _style_for(widget_class: type[w.DOMWidget], **traits: Any) -> w.Style:
    """A style model for `widget_class` (ipywidgets does not export every Style class)."""
    style_class: type[w.Style] = widget_class.class_traits()["style"].klass
    return style_class(**traits)


TEXT_STYLE = _style_for(w.HTML)
BUTTON_STYLE = w.ButtonStyle()
LABELLED_CHOICE = _style_for(w.Dropdown, description_width="initial")
LABELLED_TEXT = _style_for(w.Password, description_width="initial")
LABELLED_PROGRESS = _style_for(w.IntProgress, description_width="initial")
SHARED = (WIDE, TEXT_STYLE, BUTTON_STYLE, LABELLED_CHOICE, LABELLED_TEXT, LABELLED_PROGRESS)


def own_layout(**traits: Any) -> w.Layout:
    """A layout for one widget that is shown and hidden (the shared ones never change)."""
    return w.Layout(width="auto", **traits)


def html(value: str = "") -> w.HTML:
    """An HTML widget on the shared layout and style."""
    return w.HTML(value, layout=WIDE, style=TEXT_STYLE)


def button(description: str, **traits: Any) -> w.Button:
    """A button on the shared layout and style unless told otherwise."""
    traits.setdefault("layout", WIDE)
    traits.setdefault("style", BUTTON_STYLE)
    return w.Button(description=description, **traits)


def message(text: str, kind: str = "info") -> str:
    """A status message ("info", "ok" or "error"), drawn by ui.html.j2's `message`."""
    return ui("message", text, kind)


def problem_text(exc: BaseException) -> str:
    """What went wrong, for a person: a toolkit error says it already; an OS error gets a sentence."""
    if isinstance(exc, OSError):
        return _("Something went wrong on this computer: {problem}. Nothing else was changed.").format(
            problem=exc.strerror or exc)
    return str(exc)


F = TypeVar("F", bound=Callable[..., Any])


def shows_errors(status: str, default: Any = None) -> Callable[[F], F]:
    """Wrap a widget callback (a method): a ToolkitError or OSError becomes a message in the
    widget `self.<status>` and the callback returns `default`. A traceback in a page helps nobody
    who answers a checklist, and an unhandled one leaves the page half updated."""

    def wrap(handler: F) -> F:
        @functools.wraps(handler)
        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return handler(self, *args, **kwargs)
            except (ToolkitError, OSError) as exc:
                getattr(self, status).value = message(problem_text(exc), "error")
                return default

        return run  # type: ignore[return-value]

    return wrap


class Shown:
    """Mixin: display the root widget, but never put answer values into text/plain."""

    root: w.Widget
    label: str

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        from .language import page_language  # imports this module

        workspace = getattr(self, "workspace", None)
        if workspace is not None:  # the language of the page's words, for screen readers' voices
            page_language(workspace.language)
        bundle: dict[str, Any] = self.root._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/plain"] = self.label
        return bundle


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
        self.store.on_switch(self.switched)
        self.touch()

    def switched(self) -> None:
        """Another person was chosen (the store locked already): the last one's answers leave the
        screen ("person"), and the page is in use."""
        self._clear("person")
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


def locked_note(why: str) -> str:
    """What a page says after the idle lock cleared it (after Exit nobody is looking)."""
    if why != "idle":
        return ""
    return message(_("This page was not used for a while, so it cleared itself: unsaved answers "
                     "were forgotten and results hidden. Saved answers are kept."))


#: The sessionStorage item that keeps a browser tab's unlock between the app's pages (and whose
#: answers are shown, when several people use this computer). THE EXIT HOOK: every Exit in the
#: browser (QuickExit's button and Shift x3, the app template's own Exit) must remove it,
#: `sessionStorage.removeItem("redflag-unlock")`, before it leaves the page: the kernel cannot,
#: as the page is gone by the time it hears of the Exit. The idle lock and `AnswerStore.lock()`
#: remove it through SessionUnlock; closing the tab ends it.
SESSION_ITEM = "redflag-unlock"


class SessionUnlock(anywidget.AnyWidget):
    """Keeps a page's unlock for the browser tab's session (static/session_unlock.js), so the
    app's next page opens without asking again.

    What is kept, and the trade-off: the derived key (never the passphrase, which scrypt makes
    slow to guess from a copy), the person number and an expiry, in sessionStorage. Any script of
    the same origin can read sessionStorage; such a script can already drive this page's kernel,
    which holds the same key while the page is unlocked, and the app's Content-Security-Policy
    lets only the app's own scripts run. What it adds: the key outlives a single page, for as long
    as the tab is used (the idle lock's minutes after last use, then refused), and a browser that
    restores sessions may keep a copy of sessionStorage on disk until the item is removed. So the
    item goes as early as possible: at Exit (the hook above), at every page's idle lock and
    `lock()`, at "Forgotten it?", when another person is chosen, and with the tab. A key handed
    back by the tab is checked against the key file (id and check value) before it is used.
    """

    _esm = STATIC / "session_unlock.js"

    item_name = traitlets.Unicode(SESSION_ITEM).tag(sync=True)
    idle_seconds = traitlets.Float(0.0, min=0.0).tag(sync=True)

    def __init__(self, on_found: Callable[[crypto.Key | None, int], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_found = on_found
        self.on_msg(self._from_tab)

    def _from_tab(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("event") != "found":
            return
        person = content.get("person")
        person = person if isinstance(person, int) and not isinstance(person, bool) else 1
        self._on_found(key_from_text(content.get("key")), person)

    def keep(self, key: crypto.Key, person: int) -> None:
        """The tab keeps this key (for `person`) until Exit, the idle lock or the tab's end."""
        self.send({"event": "keep", "key": key_text(key), "person": person})

    def forget(self) -> None:
        """The tab forgets the key (whose answers it shows stays until Exit)."""
        if self.comm is not None:
            self.send({"event": "forget"})

    def person(self, person: int) -> None:
        """The tab shows `person`'s answers from now on (and holds no key)."""
        if self.comm is not None:
            self.send({"event": "person", "person": person})

    def __repr__(self) -> str:
        return "SessionUnlock()"


def key_text(key: crypto.Key) -> str:
    """A key as the tab keeps it: its id and secret, base64, joined by a dot."""
    return ".".join(base64.b64encode(part).decode("ascii") for part in (key.key_id, key.secret))


def key_from_text(text: Any) -> crypto.Key | None:
    """The key a tab handed back, or None for anything that is not one (checked again by the store)."""
    if not isinstance(text, str) or text.count(".") != 1 or len(text) > 200:
        return None
    try:
        key_id, secret = (base64.b64decode(part, validate=True) for part in text.split("."))
    except ValueError:
        return None
    return crypto.Key(key_id, secret) if key_id and len(secret) == 32 else None


def plain_problem(exc: BaseException) -> str:
    """An unlock problem in words a person can act on: no file names, no paths."""
    if isinstance(exc, PassphraseError):
        return _("That passphrase doesn't match. Try again.")
    if isinstance(exc, OSError):
        return problem_text(exc)
    return _("Your saved answers could not be opened here: the file that checks the passphrase is "
             "missing or damaged. Nothing was changed.")


class Forgotten:
    """"Forgotten it?": nothing can be recovered, by anyone; what is left is to delete every
    saved answer of the folder, with its key file and settings (no passphrase needed: that is
    the point), after a confirmation. Its widgets are made the first time they are asked for
    (a page opens quicker)."""

    def __init__(self, workspace: Workspace, on_deleted: Callable[[int | None], None]) -> None:
        self.workspace, self._on_deleted = workspace, on_deleted
        self.forgot_button = button(_("Forgotten it?"))
        self.forgot_button.on_click(self.explain_forgotten)
        self.forgot_box = w.VBox(layout=w.Layout(display="none"))

    def _parts(self) -> None:
        if self.forgot_box.children:
            return
        self.forgot_text = html(ui("forgotten"))
        self.start_again = button(_("Delete everything and start again…"), button_style="warning",
                                  style=w.ButtonStyle(button_color="#b45309", text_color="white"))
        self.start_again.on_click(self.ask_start_again)
        self.confirm_text = html(ui("confirm_start_again"))
        self.confirm_start_again = button(_("Yes, delete everything"), button_style="danger")
        self.confirm_start_again.on_click(self.delete_everything)
        self.cancel_start_again = button(_("Cancel"))
        self.cancel_start_again.on_click(lambda _button: self.close_forgotten())
        self.confirm_box = w.HBox([self.confirm_text, self.confirm_start_again, self.cancel_start_again],
                                  layout=w.Layout(display="none", flex_flow="row wrap"))
        self.forgot_box.children = [self.forgot_text, w.HBox([self.start_again], layout=WIDE), self.confirm_box]

    def explain_forgotten(self, _button: Any = None) -> None:
        """Nothing can be recovered: say so, and offer to start again."""
        self._parts()
        self.forgot_box.layout.display = "flex"
        self.confirm_box.layout.display = "none"

    def ask_start_again(self, _button: Any = None) -> None:
        self._parts()
        self.confirm_box.layout.display = "flex"

    def close_forgotten(self) -> None:
        self.forgot_box.layout.display = "none"
        if self.forgot_box.children:
            self.confirm_box.layout.display = "none"

    def delete_everything(self, _button: Any = None) -> None:
        """Delete, then tell the box how many went (None: not everything could be deleted)."""
        try:
            count: int | None = self.workspace.store.forget()
        except (ToolkitError, OSError):
            count = None
        self._on_deleted(count)


class PassphraseBox:
    """The Unlock box's visible part: what it is for, the passphrase field (Enter submits) and
    Unlock, the status line, and "Forgotten it?"."""

    PARTS = ("passphrase", "button", "status", "forgotten", "box")

    def __init__(self, workspace: Workspace, on_unlock: Callable[[], None],
                 on_deleted: Callable[[int | None], None]) -> None:
        self._on_unlock = on_unlock
        self.passphrase = w.Password(description=_("Passphrase:"), style=LABELLED_TEXT)
        self.passphrase.on_msg(self._submitted)  # Enter in the field: the front end sends "submit"
        self.button = button(_("Unlock"), button_style="primary", layout=own_layout(min_width="7em"))
        self.button.on_click(lambda _button: on_unlock())
        self.status = html()
        self.forgotten = Forgotten(workspace, on_deleted)
        self.box = w.VBox([html(ui("unlock_intro")),
                           w.HBox([self.passphrase, self.button], layout=own_layout(flex_flow="row wrap")),
                           self.status, w.HBox([self.forgotten.forgot_button], layout=WIDE),
                           self.forgotten.forgot_box], layout=own_layout(display="none"))

    def _submitted(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("event") == "submit":
            self._on_unlock()

    def show(self, shown: bool) -> None:
        """Empty (no passphrase, no message, "Forgotten it?" closed), and shown or hidden."""
        self.passphrase.value = self.status.value = ""
        self.forgotten.close_forgotten()
        self.box.layout.display = "flex" if shown else "none"


class UnlockBox:
    """Shown while the answers folder is protected and locked: a passphrase field (Enter or
    Unlock), "Forgotten it?", and the tab's unlock (SessionUnlock): once unlocked, the app's other
    pages open without asking, until Exit, the idle lock or the tab's end. The key lives in
    kernel memory and the tab's session only; the passphrase is cleared from the screen at once.

    Several people (see AnswerStore.choose_person): the tab also says whose answers a page shows,
    and a line names the person ("Person 2") when it is not the first."""

    #: PassphraseBox's parts, made when first needed: an unprotected folder's page never opens them.
    passphrase: w.Password
    button: w.Button
    status: w.HTML
    forgotten: Forgotten
    box: w.VBox

    def __init__(self, workspace: Workspace, on_unlock: Callable[[], None]) -> None:
        self.workspace = workspace
        self._on_unlock = on_unlock
        self.session = SessionUnlock(self._found, idle_seconds=idle_minutes() * 60)
        self.person_line, self.notice = html(), html()
        self.root = w.VBox([self.session, self.person_line, self.notice], layout=WIDE)
        workspace.store.on_lock(self.session.forget)
        if self.locked:
            self.parts.show(True)
        self._show_person()

    def __getattr__(self, name: str) -> Any:
        if name in PassphraseBox.PARTS:
            return getattr(self.parts, name)
        raise AttributeError(name)

    @cached_property
    def parts(self) -> PassphraseBox:
        parts = PassphraseBox(self.workspace, self.try_unlock, self._deleted)
        self.root.children = [*self.root.children, parts.box]
        return parts

    @property
    def locked(self) -> bool:
        store = self.workspace.store
        return store.protected and store.key is None

    def show_if_locked(self) -> None:
        """After Exit, the idle lock or another person chosen: the box again, empty, when the
        folder needs the passphrase."""
        self.notice.value = ""
        if "parts" in self.__dict__ or self.locked:
            self.parts.show(self.locked)
        self._show_person()

    def _show_person(self) -> None:
        """"Person N" over the page once several people have answers here (else nothing, as before)."""
        store = self.workspace.store
        several = store.person != 1 or len(store.people()) > 1
        self.person_line.value = ui("person_line", store.person) if several else ""

    def try_unlock(self, _button: Any = None) -> None:
        """Unlock with the passphrase typed (then cleared); a plain message if it does not match."""
        passphrase, self.passphrase.value = self.passphrase.value, ""
        if not passphrase:
            self.status.value = message(_("Type your passphrase first."), "error")
            return
        store = self.workspace.store
        try:
            store.unlock(passphrase)
        except (ToolkitError, OSError) as exc:
            self.status.value = message(plain_problem(exc), "error")
            return
        if store.key is not None:
            self.session.keep(store.key, store.person)
        self._opened()

    def _opened(self) -> None:
        if "parts" in self.__dict__:
            self.parts.show(False)
        self._on_unlock()

    def _deleted(self, count: int | None) -> None:
        """After "Delete everything": the page again, empty and unprotected (or why not)."""
        if count is None:
            self.status.value = message(_("Not everything could be deleted. Close this page and try again."),
                                        "error")
            return
        self._opened()
        self.notice.value = message(ngettext("Deleted {n} saved answer. You can start again.",
                                             "Deleted {n} saved answers. You can start again.", count).format(n=count),
                                    "ok")

    def _found(self, key: crypto.Key | None, person: int) -> None:
        """The tab's report when the page is shown: whose answers, and its unlock if it has one."""
        store = self.workspace.store
        if person != store.person:
            try:
                store.choose_person(person)
            except (ToolkitError, OSError):  # that person's folder is gone: back to the first
                store.choose_person(1)
                self.session.person(1)
            self.show_if_locked()
            if not self.locked:
                self._opened()
        if key is None or not self.locked:
            return
        try:
            store.use_key(key)
        except (ToolkitError, OSError):  # not this folder's key (or the folder changed): ask
            self.session.forget()
            return
        self.session.keep(key, store.person)  # choosing the person locked the store, and told the tab
        self._opened()

    def choose_person(self, person: int | None) -> None:
        """Show `person`'s answers (None: a new person) on this page and the tab's next pages."""
        store = self.workspace.store
        if person is None:
            store.new_person()
        else:
            store.choose_person(person)
        self.session.person(store.person)
        self.show_if_locked()
