"""The language on the page: the start page's "Language" choice, and the `lang` attribute that
tells screen readers which voice to read the page's words with (issue 19).

`LanguageChoice` offers the languages that are complete (translations.offered), keeps the choice
with the person's settings (removed by "Delete all my answers") and hands the page the workspace
in the new language. `page_language(code)` sets `lang` on the whole app view (Voilà) and, in
JupyterLab, on every region marked with `mark(widget)`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import anywidget
import ipywidgets as w
import traitlets

from . import i18n
from .errors import ToolkitError
from .i18n import _
from .uikit import LABELLED_CHOICE, WIDE, html, message, own_layout, shows_errors
from .workspace import Workspace

STATIC = Path(__file__).parent / "static"
#: The class of every widget region whose words are in the chosen language (see page_language.js).
REGION_CLASS = "redflag-lang"

_W = TypeVar("_W", bound=w.DOMWidget)


class PageLanguage(anywidget.AnyWidget):
    """Never shown: the language of the page's words, set on the page by static/page_language.js
    as soon as the model exists (lang on <html> in the app view, on marked regions in Lab)."""

    _esm = STATIC / "page_language.js"
    lang = traitlets.Unicode(i18n.ENGLISH, help="The code of the language the page's words are in.").tag(sync=True)

    def __repr__(self) -> str:
        return f"PageLanguage(lang={self.lang!r})"


_shared: PageLanguage | None = None


def page_language(lang: str | None = None) -> PageLanguage:
    """This kernel's one PageLanguage (a new one if it was closed), set to `lang` (default: the
    language in use, i18n.current())."""
    global _shared
    if _shared is None or _shared.comm is None:
        _shared = PageLanguage()
    _shared.lang = lang or i18n.current()
    return _shared


def mark(widget: _W) -> _W:
    """`widget` as a region whose words are in the page's language (its `lang` follows)."""
    widget.add_class(REGION_CLASS)
    page_language()
    return widget


class LanguageChoice:
    """"Language": every page's words in the language chosen. Each language is named in itself
    ("English", "Español"), so a person finds theirs whatever the page is in now. Shown only
    when more than one language is complete. `on_change` gets the workspace in the new language
    (the page redraws itself with it)."""

    def __init__(self, workspace: Workspace, on_change: Callable[[Workspace], None]) -> None:
        self.workspace = workspace
        offered = workspace.languages
        self.widget = w.Dropdown(options=[(name, code) for code, name in offered.items()],
                                 value=workspace.language if workspace.language in offered else i18n.ENGLISH,
                                 description=_("Language:"), style=LABELLED_CHOICE, layout=WIDE)
        self.status = html()
        self._on_change = on_change
        self.widget.observe(self._changed, "value")
        self.root = mark(w.VBox([self.widget, self.status],
                                layout=own_layout(display="" if len(offered) > 1 else "none")))
        page_language(workspace.language)

    @shows_errors("status")
    def _changed(self, change: dict[str, Any]) -> None:
        code = change["new"]
        self.status.value = ""
        try:  # kept even while the answers are locked (store.SettingsFile: the language is plain)
            self.workspace = self.workspace.save_language(code)
        except (ToolkitError, OSError) as exc:
            i18n.use(code)
            self.workspace = self.workspace.in_language(code)
            self.status.value = message(_("Your choice could not be kept: {problem}").format(problem=exc), "error")
        page_language(code)
        self._on_change(self.workspace)
