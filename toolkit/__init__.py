"""Relationship red-flag checklists: load checklists, score answers, summarise, save.

A reflection aid, not a diagnosis. Everything stays on this computer. Start from a
`Workspace` (checklists, support resources and an answer store); the functions below are
the pure steps it is made of. The pandas-based names (scoring, summaries, tables) are imported
on first use, so that showing a form does not wait for pandas.
"""

from importlib import import_module
from typing import Any

from .answerfolder import forget_all
from .bundles import ImportReport
from .checklist import Answers, Checklist, Item, SavedRun, load_checklists, shipped_dir
from .errors import AnswersError, ChecklistError, PassphraseError, ToolkitError
from .protection import Converted
from .store import AnswerStore, export_bundle, import_bundle, list_saved, load_answers, load_runs, save_answers
from .workspace import Workspace, default_workspace

_LAZY = {"Result": "scoring", "score": "scoring", "Summary": "summary", "latest_runs": "summary",
         "summarise": "summary"}

__all__ = [
    "AnswerStore", "Answers", "AnswersError", "Checklist", "ChecklistError", "Converted", "ImportReport",
    "Item", "PassphraseError", "Result", "SavedRun", "Summary", "ToolkitError", "Workspace",
    "default_workspace", "export_bundle", "forget_all", "import_bundle", "latest_runs", "list_saved",
    "load_answers", "load_checklists", "load_runs", "save_answers", "score", "shipped_dir", "summarise",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
