"""What every page is built from: shared layout and style models, small widget makers, a message
in a status area, the guard that turns a failing callback into such a message, the text/plain
that never shows answers, and a page's Exit, idle lock and Unlock box.

Light on purpose (no pandas): a checklist form is built from these before anything heavier loads.
"""

from __future__ import annotations

import asyncio
import functools
import math
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as w

from .errors import ToolkitError
from .i18n import _
from .markup import ui
from .widgets import QuickExit
from .workspace import Workspace

# Shared layout and style models. Every ipywidget otherwise opens a Layout and a Style model of
# its own (a kernel message each: a form would open about eighty), and a page opened in a fresh
# kernel waits for every one. Shared models are never changed after this point: a widget that is
# shown and hidden gets `own_layout()`, or hiding it would hide everything sharing the layout.
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

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = self.root._repr_mimebundle_(**kwargs)
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


class UnlockBox:
    """Shown while the answers folder is protected and locked: a passphrase field and Unlock.
    The key then lives in this kernel's memory only; the passphrase is cleared from the screen."""

    def __init__(self, workspace: Workspace, on_unlock: Callable[[], None]) -> None:
        self.workspace = workspace
        self._on_unlock = on_unlock
        self.passphrase = w.Password(description=_("Passphrase:"), style=LABELLED_TEXT)
        self.button = button(_("Unlock"), button_style="primary")
        self.button.on_click(self.try_unlock)
        self.status = html()
        self.root = w.VBox([html(ui("unlock_intro")), w.HBox([self.passphrase, self.button], layout=WIDE),
                            self.status], layout=w.Layout(display="flex" if self.locked else "none"))

    @property
    def locked(self) -> bool:
        store = self.workspace.store
        return store.protected and store.key is None

    def show_if_locked(self) -> None:
        """After Exit or the idle lock: the box again, empty, when the folder needs the passphrase."""
        self.passphrase.value = self.status.value = ""
        self.root.layout.display = "flex" if self.locked else "none"

    @shows_errors("status")
    def try_unlock(self, _button: Any = None) -> None:
        passphrase, self.passphrase.value = self.passphrase.value, ""
        self.workspace.store.unlock(passphrase)
        self.status.value = ""
        self.root.layout.display = "none"
        self._on_unlock()
