"""Relationship red-flag checklists: load checklists, score answers, summarise, save.

A reflection aid, not a diagnosis. Everything stays on this computer.
"""

from .checklist import Answers, Checklist, Item, load_checklists
from .errors import AnswersError, ChecklistError, ToolkitError
from .scoring import Result, score
from .storage import (export_bundle, forget_all, import_bundle, list_saved, load_answers, load_runs,
                      save_answers)
from .summary import Summary, latest_runs, summarise

__all__ = [
    "Answers", "AnswersError", "Checklist", "ChecklistError", "Item", "Result", "Summary",
    "ToolkitError", "export_bundle", "forget_all", "import_bundle", "latest_runs", "list_saved",
    "load_answers", "load_checklists", "load_runs", "save_answers", "score", "summarise",
]
