"""Relationship red-flag checklists: load checklists, score answers, summarise, save.

A reflection aid, not a diagnosis. Everything stays on this computer. Start from a
`Workspace` (checklists, support resources and an answer store); the functions below are
the pure steps it is made of.
"""

from .checklist import Answers, Checklist, Item, SavedRun, load_checklists, shipped_dir
from .errors import AnswersError, ChecklistError, PassphraseError, ToolkitError
from .scoring import Result, score
from .storage import (
                      AnswerStore,
                      export_bundle,
                      forget_all,
                      import_bundle,
                      list_saved,
                      load_answers,
                      load_runs,
                      save_answers,
)
from .summary import Summary, latest_runs, summarise
from .workspace import Workspace, default_workspace

__all__ = [
    "AnswerStore", "Answers", "AnswersError", "Checklist", "ChecklistError", "Item", "PassphraseError",
    "Result", "SavedRun", "Summary", "ToolkitError", "Workspace", "default_workspace", "export_bundle",
    "forget_all", "import_bundle", "latest_runs", "list_saved", "load_answers", "load_checklists",
    "load_runs", "save_answers", "score", "shipped_dir", "summarise",
]
