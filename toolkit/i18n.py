"""Every word a person reads passes through here, so that one gettext catalogue covers them all.

Call ``_("…")`` where a sentence is shown, ``ngettext`` where it counts, and mark constants that are
translated later with ``N_("…")``. Babel extracts all three from the package into one catalogue.
Until a translation is installed they return the English text unchanged.
"""

from __future__ import annotations

import gettext

_translation: gettext.NullTranslations = gettext.NullTranslations()


def _(message: str) -> str:
    """The message in the chosen language."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message for ``n``, in the chosen language."""
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for "mark, translate later"
    """Mark ``message`` for the catalogue without translating it yet."""
    return message
