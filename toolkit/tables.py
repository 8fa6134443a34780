"""Result tables as pandas Stylers (HTML tables, every value escaped with escape="html"). No I/O.

The answers item by item, the checklists table, the themes table and what changed since last
time; used by the notebook UI and the printable reports alike. Pages and boxes around them are
jinja2 templates (`markup.render`); the trend chart is in `charts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from .checklist import GROUPS, Checklist, Vocabulary
from .i18n import _
from .markup import local_day
from .scoring import Result
from .summary import percent_text, points_text

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

def _attributes(kind: str) -> str:
    """The table's class and tabindex: on a narrow screen a table scrolls sideways inside its own
    box (toolkit/static/phone.css), and a box that scrolls must be reachable with the keyboard."""
    return f"class='{kind}' tabindex='0'"


# Highlights set their text colour too: a dark theme's light text on them would be unreadable.
_SAFETY_ROW = "background-color:#fef3c7;color:#1f2937"


def items_styler(result: Result) -> Styler:
    """A person's answers, item by item; rows that raise the safety flag are highlighted."""
    table = result.items
    shown = pd.DataFrame({
        "#": range(1, len(table) + 1),
        _("Item"): table["text"],
        _("Your answer"): table["answer"].replace("", "–"),
        _("Points"): [points_text(p, m) for p, m in zip(table["points"], table["max_points"])],
        _("Your note"): table["note"],
    })
    flagged = table["safety"].to_numpy()
    caption = _("Your answers.")
    if flagged.any():  # only where there is a highlighted row to explain
        caption += " " + _("Highlighted rows are answers that touch on your safety.")
    return (shown.style.hide(axis="index").format(escape="html")
            .apply(lambda column: [_SAFETY_ROW if f else "" for f in flagged], axis=0)
            .set_table_attributes(_attributes("redflag-items"))
            .set_caption(caption))


def _answered(vocabulary: Vocabulary, scored: int, unanswered: int, unsure: int, not_happened: int) -> str:
    """"20 of 20, 6 “Not sure”": a row of the checklists table in the words of `answered_text`."""
    labels = {o.situational: o.label for o in vocabulary.scale if o.weight is None}
    parts = [_("{n} “{label}”").format(n=n, label=labels[kind])
             for kind, n in ((False, unsure), (True, not_happened)) if n and kind in labels]
    text = _("{answered} of {total}").format(answered=scored + unsure + not_happened,
                                            total=scored + unanswered + not_happened)
    return text + (", " + _(" and ").join(parts) if parts else "")


def checklists_styler(runs: pd.DataFrame, vocabulary: Vocabulary) -> Styler:
    """One row per checklist run: how much was answered and the level in words."""
    shown = pd.DataFrame({
        _("Checklist"): runs["title"],
        _("Kind"): [_(GROUPS[checklists_group]) for checklists_group in runs["group"]],
        # The same count as the progress line and the results: every choice is an answer.
        _("Answered"): [_answered(vocabulary, a, u, s, nh) for a, u, s, nh in
                        zip(runs["answered"], runs["unanswered"], runs["unsure"], runs["not_happened"])],
        _("Share of the possible points"): [percent_text(p) for p in runs["percent"]],
        _("Level"): [(_("see support") if safe else _("not shown: a safety answer") if withheld
                      else vocabulary.level_label(str(level)))
                     for level, safe, withheld in zip(runs["level"], runs["safety"], runs["level_withheld"])],
        _("Safety"): runs["safety"].map({True: _("yes – see support"), False: ""}),
        _("Saved"): runs["saved_at"].map(lambda t: "" if pd.isna(t) else local_day(t)),
    })
    flagged = runs["safety"].to_numpy()
    return (shown.style.hide(axis="index").format(escape="html")
            .apply(lambda column: [_SAFETY_ROW if f else "" for f in flagged], axis=0)
            .set_table_attributes(_attributes("redflag-checklists")))


def themes_styler(themes: pd.DataFrame, checklists: Mapping[str, Checklist]) -> Styler:
    """Themes across checklists, concerns and strengths apart; checklists named by title."""
    shown = pd.DataFrame({
        _("Theme"): themes["title"],
        _("Kind"): themes["group"].map(lambda group: _(GROUPS[group])),
        _("Items answered"): themes["answered"],
        # Not "Percent": beside a theme named for a good thing it read as that much of it.
        _("How much shows up"): [percent_text(p) for p in themes["percent"]],
        _("From"): themes["checklists"].map(
            lambda ids: ", ".join(checklists[i].title if i in checklists else i for i in ids.split(", "))),
    })
    return (shown.style.hide(axis="index").format(escape="html")
            .set_table_attributes(_attributes("redflag-themes")))


def changes_styler(table: pd.DataFrame) -> Styler:
    """What changed since last time: before, after, and whether it moved for better or worse."""
    change = _("Change")
    shown = pd.DataFrame({_("Item"): table["text"], _("Before"): table["before"], _("Now"): table["after"],
                          change: table["change"]})
    colours = {"worse": "background-color:#fee2e2;color:#1f2937",
               "better": "background-color:#dcfce7;color:#1f2937"}
    return (shown.style.hide(axis="index").format(escape="html")
            .map(lambda v: colours.get(v, ""), subset=[change])
            .set_table_attributes(_attributes("redflag-changes")))
