"""Sentences said in more than one place (a form, the Summary, a report, the CLI, the start page),
each written once here and marked for the catalogue; translate them where they are shown:
``_(NOT_A_DIAGNOSIS)``. Templates have them as globals (markup.templates)."""

from __future__ import annotations

from .i18n import N_

#: What every result and the start page say about what this is not.
NOT_A_DIAGNOSIS = N_("This is a reflection aid, not a diagnosis.")
