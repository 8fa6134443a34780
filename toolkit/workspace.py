"""The workspace: one vocabulary, its checklists, the support resources and one answer store.

Every function, widget and CLI command works on a Workspace, so nothing else decides where
checklists or answers live, and tests hand one in instead of patching module globals.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from . import i18n
from .checklist import ChecklistSet, Vocabulary, checkout_root, load_checklists, shipped_dir
from .resources import RESOURCES_FILE, Resources, load_resources
from .store import AnswerStore

ENV_DIR = "REDFLAG_ANSWERS_DIR"
APP_NAME = "redflag-checklists"


def default_answers_dir() -> Path:
    """Where answers live unless a folder is given.

    `$REDFLAG_ANSWERS_DIR` if set; else, running from a source checkout, its `answers/`
    (ignored by git); else the per-user data folder (e.g. ~/.local/share/redflag-checklists/
    answers). Never inside site-packages and never the working directory by accident.
    """
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env).expanduser()
    root = checkout_root()
    if root is not None:
        return root / "answers"
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "answers"


#: Locales that say nothing about where someone is: en_US is the default on many computers,
#: images and servers all over the world, so it is never taken to mean the United States.
DEFAULT_LOCALES = frozenset({"en_US"})


def locale_country(known: Mapping[str, str]) -> str | None:
    """The country part of the locale (LC_ALL, LC_MESSAGES, LANG; e.g. en_GB -> GB) if known;
    None for a default locale (en_US), so nobody is shown another country's lines first."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        match = re.match(r"^([a-z]{2,3})_([A-Z]{2})\b", value)
        if match:
            if f"{match.group(1)}_{match.group(2)}" in DEFAULT_LOCALES:
                return None
            return match.group(2) if match.group(2) in known else None
    return None


@dataclass(frozen=True)
class Workspace:
    """The checklists (sharing one vocabulary), the support resources and the answer store, in
    one language: `checklists` and `resources` are in `language`, `english` is what they were
    translated from. Saved answers hold ids only, so the store is the same in every language."""

    checklists: ChecklistSet
    resources: Resources
    store: AnswerStore
    #: The code of the language the checklists and resources are in ("en", "es").
    language: str = i18n.ENGLISH
    #: The English checklists and resources (translations are made from them).
    english: tuple[ChecklistSet, Resources] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        # A plain mapping (a test's own checklists) becomes a set: the shared-vocabulary rule
        # is checked once here, and scoring reuses the set's catalogue.
        object.__setattr__(self, "checklists", ChecklistSet.of(self.checklists))
        if self.english is None:
            object.__setattr__(self, "english", (self.checklists, self.resources))

    def _english(self) -> tuple[ChecklistSet, Resources]:
        assert self.english is not None  # set by __post_init__
        return self.english

    def in_language(self, lang: str) -> Workspace:
        """This workspace in `lang` (its checklists, vocabulary and helplines; the same store)."""
        from .translations import translated

        checklists, resources = translated(lang, *self._english())
        return replace(self, checklists=checklists, resources=resources, language=lang)

    def choose_language(self, given: str | None = None) -> Workspace:
        """This workspace in the language chosen by `given` (--lang), the person's setting,
        $REDFLAG_LANG or the locale (see translations.choose)."""
        from .translations import choose

        return self.in_language(choose(*self._english(), settings=self.store.settings(), given=given))

    @property
    def languages(self) -> dict[str, str]:
        """The languages that can be offered (complete for these checklists): code -> own name."""
        from .translations import offered

        return offered(*self._english())

    def save_language(self, lang: str) -> Workspace:
        """Keep `lang` as the person's choice (their settings, removed with their answers) and
        return the workspace in it; the page's sentences follow (i18n.use)."""
        from .translations import SETTING, check_code, complete

        code = check_code(lang, "language")
        if not complete(code, *self._english()):
            raise ValueError(f"language {code!r} is not complete, so it cannot be chosen")
        self.store.save_settings(**{SETTING: code})
        i18n.use(code)
        return self.in_language(code)

    @property
    def vocabulary(self) -> Vocabulary:
        return self.checklists.vocabulary

    @property
    def answers_dir(self) -> Path:
        return self.store.folder

    @property
    def country(self) -> str | None:
        """The person's country for the support lines: their choice, else the computer's
        locale when a helpline serves it and it is not a default one (en_US), else None: then
        the emergency numbers of every country and a "Choose your country" prompt are shown."""
        chosen = self.store.settings().get("country")
        if chosen in self.resources.countries:
            return chosen
        return locale_country(self.resources.countries)

    @classmethod
    def open(cls, checklists_dir: str | os.PathLike[str] | None = None,
             answers_dir: str | os.PathLike[str] | None = None, language: str | None = None) -> Workspace:
        """Load checklists (shipped, or a folder of your own) and open an answers folder.

        A folder of your own without `_resources.toml` uses the shipped support resources.
        In English unless `language` names another (see `choose_language` for the usual choice).
        """
        folder = Path(checklists_dir) if checklists_dir is not None else shipped_dir()
        checklists = load_checklists(folder)
        own = folder / RESOURCES_FILE
        resources = load_resources(own if own.exists() else shipped_dir() / RESOURCES_FILE)
        answers = Path(answers_dir) if answers_dir is not None else default_answers_dir()
        ws = cls(checklists, resources, AnswerStore(answers, checklists))
        return ws.in_language(language) if language else ws


def default_workspace() -> Workspace:
    """The shipped checklists and the default answers folder, for one page.

    Checklists and resources are loaded once per process (per answers folder, so a changed
    $REDFLAG_ANSWERS_DIR is honoured): pages stay quick. The answer store is new on every call:
    an unlocked store holds the key, and a key in a process-wide cache would outlive the page
    that asked for it (a page opened again, or Run All, would show every answer without the
    passphrase). So the key belongs to the page that was unlocked, and goes with it.

    The language is the one chosen (see `Workspace.choose_language`), and the page's sentences
    are put in it (i18n.use: one person per kernel).
    """
    shared = _cached(str(default_answers_dir()))
    english = shared._english()[0]
    ws = replace(shared, store=AnswerStore(shared.answers_dir, english)).choose_language()
    i18n.use(ws.language)
    return ws


@lru_cache(maxsize=4)
def _cached(answers_dir: str) -> Workspace:
    return Workspace.open(answers_dir=answers_dir)
