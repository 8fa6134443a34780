"""Exceptions: one base class, so callers (CLI, UI) can catch every expected problem at once."""

from __future__ import annotations


class ToolkitError(Exception):
    """Base class of every error the toolkit raises on bad input or a failed save."""


class ChecklistError(ToolkitError):
    """A checklist or vocabulary file is missing, unreadable or invalid."""


class AnswersError(ToolkitError):
    """A saved-answers file or bundle is unreadable, invalid, or could not be written."""


class PassphraseError(ToolkitError):
    """A protected answers folder was opened without its passphrase, or with the wrong one."""
