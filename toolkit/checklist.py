"""Checklists as data: the model, and loading + validation of `checklists/*.toml`.

Every problem names the file, the item and the field, so that a person editing a checklist
by hand can fix it without reading Python.
"""

from __future__ import annotations

import bisect
import math
import os
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property, lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar, cast

from . import compiled
from .errors import AnswersError, ChecklistError, Problem, Problems
from .i18n import N_, _

VOCABULARY_FILE = "_vocabulary.toml"
#: Frozen earlier editions of checklists, `<id>.v<version>.toml`: old runs score with them.
ARCHIVE_DIR = "_archive"
EDITION_NAME = re.compile(r"^(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*)\.v(?P<version>[1-9][0-9]{0,5})$")
MAX_FILE_BYTES = 1_000_000

#: What each kind of checklist measures: concerns count against, strengths count for.
KINDS = {
    "red-flags": "concern",
    "reflection": "concern",
    "green-flags": "strength",
    "strengths": "strength",
}
#: How results are grouped for the person: a reflection list is about you, so it is never
#: added to (or shown among) the concerns about a partner.
GROUPS = {"concern": N_("Concerns"), "strength": N_("What's working"), "about-you": N_("About you")}
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: The level of a run whose every statement was answered "This hasn't happened".
NOT_APPLICABLE = "not-applicable"
#: A statement that presupposes the partner hurts the person ("When your partner hurts you, …",
#: "your partner belittles, hurts or humiliates you"): any answer but Never says it happens.
HARM_PRESUPPOSED = re.compile(
    r"\b(?:when|whenever|after|if)\s+your partner\s+(?:hurts|has hurt|treats you badly|belittles|"
    r"humiliates|hits|harms)\b"
    r"|\byour partner\b[^.;:]{0,40}?\b(?:hurts|humiliates|belittles|hits|harms)\b[^.;:]{0,30}?\byou\b",
    re.IGNORECASE)


@dataclass(frozen=True)
class ScaleOption:
    """One point of the answer scale; `weight` is None for "unsure" (not scored).

    `situational`: offered only on items marked situational ("This hasn't happened"): not
    scored, not counted as unsure, and left out of the answered share."""

    id: str
    label: str
    weight: int | None
    situational: bool = False


@dataclass(frozen=True)
class Level:
    id: str
    below: float
    concern: str
    strength: str
    label: str
    colour: str
    #: Its words could reassure: never shown beside a safety answer other than Never.
    calm: bool = False


@dataclass(frozen=True)
class Theme:
    id: str
    title: str
    description: str
    #: The theme's name among concerns, when `title` names the good side ("Feeling safe").
    concern_title: str = ""

    def title_for(self, group: str) -> str:
        """The name to show in a group of results: concerns and "about you" count problems."""
        return self.concern_title if self.concern_title and group != "strength" else self.title


@dataclass(frozen=True)
class Vocabulary:
    """The answer scale, result levels and themes shared by every checklist."""

    scale: tuple[ScaleOption, ...]
    levels: tuple[Level, ...]
    insufficient: str
    insufficient_label: str
    safety_sentence: str
    themes: Mapping[str, Theme]
    min_answered_share: float
    safety_from: str
    #: Instead of a calm level's words when a safety answer other than Never did not raise the flag.
    safety_noted: str = ""
    not_applicable: str = ""
    not_applicable_label: str = ""

    @property
    def max_weight(self) -> int:
        return max(o.weight for o in self.scale if o.weight is not None)

    def weight(self, answer: str) -> int | None:
        return self.options[answer].weight

    @property
    def options(self) -> dict[str, ScaleOption]:
        return {o.id: o for o in self.scale}

    def options_for(self, item: Item) -> tuple[ScaleOption, ...]:
        """The answers an item offers: situational options only on situational items."""
        return tuple(o for o in self.scale if item.situational or not o.situational)

    @property
    def not_happened(self) -> frozenset[str]:
        """Ids of the options that say the situation has not come up."""
        return frozenset(o.id for o in self.scale if o.situational)

    def reassures(self, level: str, direction: str) -> bool:
        """Whether a level's words could read as reassurance: the calm levels of a list of
        concerns (never "insufficient" or "not-applicable")."""
        found = next((lv for lv in self.levels if lv.id == level), None)
        return found is not None and found.calm and direction == "concern"

    @property
    def bounds(self) -> tuple[float, ...]:
        """Each level's `below`, in order: they rise strictly (checked when loading)."""
        return tuple(lv.below for lv in self.levels)

    def level_for(self, percent: float) -> str:
        return self.levels[level_index(self.bounds, percent)].id

    def level_label(self, level: str) -> str:
        """The level in words for tables and reports ("moderate", "not enough answers yet")."""
        if level == "insufficient":
            return self.insufficient_label
        if level == NOT_APPLICABLE:
            return self.not_applicable_label
        return next((lv.label for lv in self.levels if lv.id == level), level)

    def explain_level(self, level: str, direction: str) -> str:
        if level == "insufficient":
            return self.insufficient
        if level == NOT_APPLICABLE:
            return self.not_applicable
        found = next((lv for lv in self.levels if lv.id == level), None)
        if found is None:
            return ""
        return found.concern if direction == "concern" else found.strength


def level_index(bounds: Sequence[float], percent: float) -> int:
    """The one level rule, for one run in the app and for 100,000 in scoring: the first level
    whose bound is above the percent; at or past every bound, the last level. No percent
    (NaN: nothing was scored) counts as 0. `bounds` must rise strictly."""
    if math.isnan(percent):
        percent = 0.0
    return min(bisect.bisect_right(bounds, percent), len(bounds) - 1)


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    explain: str
    severity: int
    themes: tuple[str, ...]
    safety: bool
    source: str
    reverse: bool = False
    #: Scale option from which a safety item raises the flag (None: the vocabulary's default).
    safety_from: str | None = None
    #: Only applies if a situation arose: the form also offers "This hasn't happened".
    situational: bool = False


@dataclass(frozen=True)
class Checklist:
    id: str
    version: int
    title: str
    intro: str
    kind: str
    source: str
    items: tuple[Item, ...]
    vocabulary: Vocabulary = field(repr=False, compare=False)
    retired: tuple[str, ...] = ()
    path: Path | None = field(default=None, compare=False)
    #: Per-checklist wording of levels (level id -> sentence), e.g. for reverse-keyed lists.
    level_words: Mapping[str, str] = field(default_factory=dict, compare=False)
    #: Earlier editions (version -> Checklist) from `_archive/`, for runs saved against them.
    editions: Mapping[int, Checklist] = field(default_factory=dict, compare=False, repr=False)

    def edition(self, version: int) -> Checklist:
        """The checklist as it was at `version` when that edition is kept, else this one
        (answers to items it no longer has are then reported as not scored)."""
        return self.editions.get(version, self) if version != self.version else self

    @property
    def direction(self) -> str:
        """"concern" (more points = more worrying) or "strength" (more points = better)."""
        return KINDS[self.kind]

    @property
    def group(self) -> str:
        """"about-you" for reflection lists, else the direction: results are grouped by it."""
        return "about-you" if self.kind == "reflection" else self.direction

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    def explain(self, level: str, safety: bool = False, noted: bool = False) -> str:
        """What a level means for this checklist: its own wording, else the vocabulary's. With
        a safety answer, the safety sentence instead: it outranks the level and its reassurance.
        With a safety answer other than Never that did not raise the flag (`noted`, Not sure
        included), a calm level's words give way to the vocabulary's `safety_noted`."""
        if safety:
            return self.vocabulary.safety_sentence
        if noted and self.vocabulary.reassures(level, self.direction):
            return self.vocabulary.safety_noted
        return self.level_words.get(level) or self.vocabulary.explain_level(level, self.direction)

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    @cached_property
    def alone(self) -> ChecklistSet:
        """This checklist (with its kept editions) as a set of one: `scoring.score` scores with
        it, so its catalogue is built once per checklist, not on every score."""
        return ChecklistSet({self.id: self})


_T = TypeVar("_T")


class ChecklistSet(Mapping[str, Checklist]):
    """Checklists that share one vocabulary, read-only: what the workspace, scoring and
    summaries take. It checks the rule (every checklist uses the same vocabulary), knows
    every edition (current and archived) and keeps what is derived from them, such as the
    scoring catalogue, so it is built once per set rather than once per score.
    """

    def __init__(self, checklists: Mapping[str, Checklist]) -> None:
        self._checklists = dict(checklists)
        self._derived: dict[Callable[..., Any], Any] = {}
        first = next(iter(self._checklists.values()), None)
        self._vocabulary = first.vocabulary if first is not None else None
        for c in self.editions:
            if c.vocabulary is not self._vocabulary and c.vocabulary != self._vocabulary:
                where = display_path(c.path) if c.path is not None else f"checklist '{c.id}'"
                raise ChecklistError(Problem(
                    "uses another vocabulary than the other checklists; all checklists of a set "
                    "share one (_vocabulary.toml)", where))

    @classmethod
    def of(cls, checklists: Mapping[str, Checklist]) -> ChecklistSet:
        """`checklists` as a set: itself when it is one already (its caches kept)."""
        return checklists if isinstance(checklists, ChecklistSet) else cls(checklists)

    def __getitem__(self, checklist_id: str) -> Checklist:
        return self._checklists[checklist_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._checklists)

    def __len__(self) -> int:
        return len(self._checklists)

    def __repr__(self) -> str:
        return f"ChecklistSet({', '.join(self._checklists)})"

    @property
    def vocabulary(self) -> Vocabulary:
        """The one answer scale, levels and themes every checklist of the set uses."""
        if self._vocabulary is None:
            raise ChecklistError("no checklists loaded, so there is no vocabulary")
        return self._vocabulary

    @cached_property
    def editions(self) -> tuple[Checklist, ...]:
        """Every edition to score with: each checklist, then its kept earlier editions."""
        return tuple(ed for c in self._checklists.values()
                     for ed in (c, *(c.editions[v] for v in sorted(c.editions))))

    @cached_property
    def catalogue_items(self) -> tuple[tuple[Checklist, Item], ...]:
        """(edition, item) in item-code order: the order every array of the catalogue follows."""
        return tuple((ed, it) for ed in self.editions for it in ed.items)

    def derived(self, build: Callable[[ChecklistSet], _T]) -> _T:
        """`build(self)`, computed once per set (the set cannot change): e.g. the scoring
        catalogue, built by scoring so that this module needs no numpy."""
        if build not in self._derived:
            self._derived[build] = build(self)
        return cast(_T, self._derived[build])


@dataclass(frozen=True)
class Answers:
    """A person's answers to one checklist, as on screen: a draft until it is saved."""

    checklist_id: str
    checklist_version: int
    responses: Mapping[str, str]
    notes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class SavedRun(Answers):
    """Answers that were saved: they always have the moment they were saved."""

    saved_at: datetime


# ---------------------------------------------------------------- loading


def checkout_root() -> Path | None:
    """The source checkout this package runs from (editable install), or None when installed.

    A checkout is recognised by `pyproject.toml` and `checklists/` beside the package folder;
    an installed package in site-packages has neither.
    """
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "checklists").is_dir() else None


def shipped_dir() -> Path:
    """The shipped checklists, vocabulary and resources.

    A wheel carries them as package data (`toolkit/data`, read through importlib.resources);
    a checkout (editable install) reads the top-level `checklists/` where people edit them.
    """
    packaged = files("toolkit") / "data"
    if isinstance(packaged, Path) and (packaged / VOCABULARY_FILE).is_file():
        return packaged
    root = checkout_root()
    if root is None:
        raise ChecklistError("the shipped checklists are missing from this installation "
                             "(reinstall the package)")
    return root / "checklists"


def display_path(path: str | os.PathLike[str]) -> str:
    """A short path for messages: relative to the working directory when inside it.

    Plain string work (no resolve()): it runs for every file read, not only on errors.
    """
    text = os.fspath(path)
    try:
        cwd = os.getcwd()
    except OSError:
        return text
    return text[len(cwd) + 1:] if text.startswith(cwd + os.sep) else text


@lru_cache(maxsize=1)
def _shipped_prefix() -> str:
    try:
        return os.fspath(shipped_dir()) + os.sep
    except ChecklistError:
        return "\0"  # nothing is shipped: no path starts with it


def _shipped(path: Path) -> bool:
    """Whether `path` is one of the package's own data files (never a person's own folder)."""
    return os.fspath(path).startswith(_shipped_prefix())


def read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML file, turning every way it can fail into a ChecklistError."""
    where = display_path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ChecklistError(Problem(f"file is too large ({size} bytes; limit {MAX_FILE_BYTES})", where))
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
        if _shipped(path):  # the package's own files: parsed once, kept (compiled.py)
            return compiled.parsed(path, raw, tomllib.loads)
        return tomllib.loads(raw.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ChecklistError(Problem(f"TOML syntax error: {exc}", where)) from exc
    except UnicodeDecodeError as exc:
        raise ChecklistError(Problem("not UTF-8 text", where)) from exc
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise ChecklistError(Problem(f"unusable value ({str(exc)[:80]})", where)) from exc
    except RecursionError as exc:
        raise ChecklistError(Problem("nested too deeply", where)) from exc
    except OSError as exc:
        raise ChecklistError(Problem(f"cannot read file ({exc.strerror or exc})", where)) from exc


#: Characters no text in a data file may hold: C0 and C1 control characters except tab and
#: newline (a carriage return only as part of a Windows line end), the Unicode line and
#: paragraph separators, and the bidi embeddings, overrides and isolates (U+202A-U+202E,
#: U+2066-U+2069), which make text show in another order than it is stored: a terminal or a
#: page would show something else than what a reviewer of the file read.
UNSAFE_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
                              "|\r(?!\n)")


def _shown(text: str) -> str:
    """A key or id as it may appear in a message: unprintable characters as \\uXXXX."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)[:60]


def unsafe_text(data: Any, where: str, path: str = "") -> list[Problem]:
    """A problem for every text (value or key, at any depth) in parsed data that holds an
    UNSAFE_CHARACTER, naming the file, the key (items by their id) and the character."""
    found: list[Problem] = []
    if isinstance(data, str):
        bad = UNSAFE_CHARACTER.search(data)
        if bad:
            char = bad.group()[0]
            name = unicodedata.name(char, "a control character")
            found.append(Problem(f"{path or 'text'}: holds U+{ord(char):04X} ({name}) at position "
                                 f"{bad.start() + 1}: control and bidi override characters are not "
                                 "allowed in text", where, key=path or None))
    elif isinstance(data, Mapping):
        for key, value in data.items():
            label = f"{path}.{_shown(str(key))}" if path else _shown(str(key))
            if isinstance(key, str) and UNSAFE_CHARACTER.search(key):
                found.append(Problem(f"key '{label}': control and bidi override characters are not "
                                     "allowed in a key", where, key=label))
            found += unsafe_text(value, where, label)
    elif isinstance(data, list):
        for n, value in enumerate(data, start=1):
            ident = value.get("id") if isinstance(value, Mapping) else None
            named = f" '{_shown(ident)}'" if isinstance(ident, str) and SLUG.match(ident) else ""
            found += unsafe_text(value, where, f"{path}[{n}]{named}")
    return found


def _check_keys(table: Mapping[str, Any], allowed: set[str], required: set[str],
                problems: Problems, item: str | None = None) -> None:
    for key in sorted(set(table) - allowed):
        problems.add(f"unknown key '{key}'", item, key=key)
    for key in sorted(required - set(table)):
        problems.add(f"missing required key '{key}'", item, key=key)


def _text(table: Mapping[str, Any], key: str, problems: Problems, item: str | None = None) -> str:
    value = table.get(key)
    if key not in table:
        return ""
    if not isinstance(value, str) or not value.strip():
        problems.add(f"{key} must be non-empty text (got {value!r:.60})", item, key=key)
        return ""
    return value.strip()


def _parse_scale(raw_scale: list[Any], problems: Problems) -> list[ScaleOption]:
    scale: list[ScaleOption] = []
    for n, raw in enumerate(raw_scale):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not isinstance(raw.get("label"), str):
            problems.add(f"scale entry {n + 1} must be a table with text id and label")
            continue
        weight = raw.get("weight")
        if weight is not None and (type(weight) is not int or not 0 <= weight <= 100):
            problems.add(f"scale option '{raw['id']}': weight must be a whole number from 0 to 100")
            weight = None
        situational = raw.get("situational", False)
        if not isinstance(situational, bool) or (situational and weight is not None):
            problems.add(f"scale option '{raw['id']}': situational must be true or false, and a "
                         "situational option has no weight")
            situational = False
        scale.append(ScaleOption(raw["id"], raw["label"], weight, situational))
    if not any(o.weight for o in scale):
        problems.add("scale needs at least one option with a weight above 0")
    ids = [o.id for o in scale]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.add(f"scale option '{dup:.40}' is listed more than once")
    return scale


def _parse_levels(raw_levels: list[Any], problems: Problems) -> list[Level]:
    levels = []
    for n, raw in enumerate(raw_levels, start=1):
        try:
            if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str)
                                                    for k in ("id", "concern", "strength", "label", "colour")):
                raise TypeError
            if not COLOUR.match(raw["colour"]):
                raise ValueError
            if not isinstance(raw.get("calm", False), bool):
                raise TypeError
            levels.append(Level(raw["id"], float(raw["below"]), raw["concern"], raw["strength"],
                                raw["label"], raw["colour"], raw.get("calm", False)))
        except (KeyError, TypeError, ValueError):
            problems.add(f"level {raw!r:.60} needs text id, label, concern and strength, a colour "
                         "like '#fef2f2' and a number below", key=f"levels[{n}]")
            continue
        _check_bound(levels, n, problems)
    if not levels:
        problems.add("levels needs at least one level")
    elif not all(SLUG.match(lv.id) for lv in levels):
        problems.add("level ids must be lowercase slugs like 'moderate'")
    ids = [lv.id for lv in levels]
    for dup in sorted({i for i in ids if ids.count(i) > 1 or i in ("insufficient", NOT_APPLICABLE)}):
        problems.add(f"level '{dup:.40}' is listed more than once or uses a reserved id "
                     f"('insufficient', '{NOT_APPLICABLE}')")
    return levels


def _check_bound(levels: list[Level], n: int, problems: Problems) -> None:
    """The level just read (the n-th [[levels]] table) must end above the one before it: the
    one level rule (`level_index`) takes the first level whose bound is above the percent,
    so bounds out of order would give a percent a level it is not in."""
    level = levels[-1]
    if math.isnan(level.below):
        problems.add(f"levels[{n}].below must be a number (got nan)", key=f"levels[{n}].below")
    elif len(levels) > 1 and not level.below > levels[-2].below:
        problems.add(f"levels[{n}].below must be above the bound of the level before it "
                     f"({levels[-2].below:g}; got {level.below:g}): bounds rise from level to level",
                     key=f"levels[{n}].below")


def _parse_themes(raw_themes: Mapping[str, Any], problems: Problems) -> dict[str, Theme]:
    themes = {}
    for tid, raw in raw_themes.items():
        if not isinstance(raw, dict) or not SLUG.match(tid):
            problems.add(f"theme '{tid}' must be a slug with a title and a description", key=f"themes.{tid}")
            continue
        themes[tid] = Theme(tid, str(raw.get("title", tid)), str(raw.get("description", "")),
                            str(raw.get("concern_title", "")))
    return themes


def load_vocabulary(path: Path) -> Vocabulary:
    """Load the shared scale, levels and themes; raise ChecklistError naming what is wrong."""
    path = Path(path)
    data = read_toml(path)
    problems = Problems(display_path(path))
    problems.extend(unsafe_text(data, problems.file))
    _check_keys(data, set(_VOCABULARY_SHAPES), set(_VOCABULARY_SHAPES), problems)
    for key, shape in _VOCABULARY_SHAPES.items():
        if key in data and not isinstance(data[key], shape):
            problems.add(f"{key} must be {'a list of tables' if shape is list else 'a table'}", key=key)
    problems.raise_if_any(ChecklistError)
    scale = _parse_scale(data["scale"], problems)
    levels = _parse_levels(data["levels"], problems)
    themes = _parse_themes(data["themes"], problems)
    safety_from, share = _parse_rules(data["rules"], scale, problems)
    texts = _parse_level_texts(data["levels_extra"], scale, levels, problems)
    problems.raise_if_any(ChecklistError)
    return Vocabulary(scale=tuple(scale), levels=tuple(levels), themes=themes, safety_from=safety_from,
                      min_answered_share=share, **texts)


_VOCABULARY_SHAPES: dict[str, type] = {"scale": list, "levels": list, "rules": dict, "levels_extra": dict,
                                       "themes": dict}


def _parse_rules(rules: Mapping[str, Any], scale: list[ScaleOption], problems: Problems) -> tuple[str, float]:
    """[rules]: the default step from which a safety item flags, and the share to answer."""
    safety_from = rules.get("safety_from")
    if not isinstance(safety_from, str) or safety_from not in {o.id for o in scale if o.weight is not None}:
        problems.add(f"rules.safety_from must name a weighted scale option (got {safety_from!r:.60})",
                     key="rules.safety_from")
    share = rules.get("min_answered_share", 0.75)
    if type(share) not in (int, float) or not 0 <= share <= 1:
        problems.add(f"rules.min_answered_share must be a number from 0 to 1 (got {share!r:.60})",
                     key="rules.min_answered_share")
        share = 0.75
    return str(safety_from), float(share)


def _parse_level_texts(extra: Mapping[str, Any], scale: list[ScaleOption], levels: list[Level],
                       problems: Problems) -> dict[str, str]:
    """[levels_extra]: the words for results without a level, and for a noted safety answer."""
    texts = {key: extra.get(key) for key in ("insufficient", "insufficient_label", "safety")}
    for key, value in texts.items():
        if not isinstance(value, str) or not value.strip():
            problems.add(f"levels_extra.{key} must be non-empty text", key=f"levels_extra.{key}")
    optional = {key: extra.get(key, "") for key in ("safety_noted", "not_applicable", "not_applicable_label")}
    for key, value in optional.items():
        if not isinstance(value, str):
            problems.add(f"levels_extra.{key} must be text", key=f"levels_extra.{key}")
    if any(o.situational for o in scale) and not all(isinstance(v, str) and v.strip() for v in optional.values()):
        problems.add("a situational scale option needs levels_extra.not_applicable and not_applicable_label",
                     key="levels_extra.not_applicable")
    if any(lv.calm for lv in levels) and not (isinstance(optional["safety_noted"], str)
                                              and optional["safety_noted"].strip()):
        problems.add("calm levels need levels_extra.safety_noted (said instead of them beside a safety answer)",
                     key="levels_extra.safety_noted")
    return {"insufficient": str(texts["insufficient"]).strip(),
            "insufficient_label": str(texts["insufficient_label"]).strip(),
            "safety_sentence": str(texts["safety"]).strip(),
            **{key: str(value).strip() for key, value in optional.items()}}


_CHECKLIST_KEYS = {"id", "version", "title", "intro", "kind", "source", "items", "retired",
                   "level_words"}
_CHECKLIST_OPTIONAL = {"retired", "level_words"}
_ITEM_KEYS = {"id", "text", "explain", "severity", "themes", "safety", "source", "reverse",
              "safety_from", "situational"}
_ITEM_REQUIRED = _ITEM_KEYS - {"reverse", "safety_from", "situational"}


def _parse_item(raw: Any, n: int, vocab: Vocabulary, problems: Problems) -> Item | None:
    if not isinstance(raw, dict):
        problems.add(f"items entry {n} must be a table", key=f"items[{n}]")
        return None
    iid = raw.get("id")
    name = iid if isinstance(iid, str) else f"#{n}"
    if not isinstance(iid, str) or not SLUG.match(iid):
        problems.add(f"id must be a lowercase slug like 'feeling-trapped' (got {iid!r:.60})", name, key="id")
    _check_keys(raw, _ITEM_KEYS, _ITEM_REQUIRED, problems, name)
    severity = raw.get("severity")
    if "severity" in raw and (type(severity) is not int or severity not in (1, 2, 3)):
        problems.add(f"severity must be 1, 2 or 3 (got {severity!r:.60})", name, key="severity")
    themes = raw.get("themes")
    if "themes" in raw:
        if not isinstance(themes, list) or not themes or not all(isinstance(t, str) for t in themes):
            problems.add("themes must be a non-empty list of theme names", name, key="themes")
            themes = []
        for theme in themes:
            if theme not in vocab.themes:
                problems.add(f"unknown theme '{theme}' (known: {', '.join(sorted(vocab.themes))})", name, key="themes")
    safety_from = raw.get("safety_from")
    weighted = [o.id for o in vocab.scale if o.weight]
    if "safety_from" in raw and safety_from not in weighted:
        problems.add(f"safety_from must be one of {', '.join(weighted)} (got {safety_from!r:.60})", name,
                     key="safety_from")
        safety_from = None
    if "safety_from" in raw and raw.get("safety") is not True:
        problems.add("safety_from only makes sense on a safety item (safety = true)", name, key="safety_from")
    for flag in ("safety", "reverse", "situational"):
        if flag in raw and not isinstance(raw[flag], bool):
            problems.add(f"{flag} must be true or false (got {raw[flag]!r:.60})", name, key=flag)
    texts = {key: _text(raw, key, problems, name) for key in ("text", "explain", "source")}
    return Item(id=str(iid), severity=severity if isinstance(severity, int) else 0,
                themes=tuple(themes or ()), safety=raw.get("safety") is True,
                reverse=raw.get("reverse") is True, situational=raw.get("situational") is True,
                safety_from=safety_from if isinstance(safety_from, str) else None, **texts)


def parse_checklist(data: Mapping[str, Any], path: Path, vocab: Vocabulary) -> Checklist:
    """Validate one parsed checklist file; raise ChecklistError listing every problem."""
    problems = Problems(display_path(path))
    problems.extend(unsafe_text(data, problems.file))
    _check_keys(data, _CHECKLIST_KEYS, _CHECKLIST_KEYS - _CHECKLIST_OPTIONAL, problems)
    edition = EDITION_NAME.match(path.stem) if path.parent.name == ARCHIVE_DIR else None
    cid, version, kind = _parse_header(data, path, edition, problems)
    texts = {key: _text(data, key, problems) for key in ("title", "intro", "source")}
    retired = data.get("retired", [])
    if not isinstance(retired, list) or not all(isinstance(r, str) for r in retired):
        problems.add("retired must be a list of item ids", key="retired")
        retired = []
    level_words = data.get("level_words", {})
    known_levels = {lv.id for lv in vocab.levels} | {"insufficient"}
    if not isinstance(level_words, dict) or not all(
            k in known_levels and isinstance(v, str) and v.strip() for k, v in level_words.items()):
        problems.add(f"level_words must map level ids ({', '.join(sorted(known_levels))}) to text",
                     key="level_words")
        level_words = {}
    items = _parse_items(data, vocab, retired, problems)
    _check_harm_presupposed(items, vocab, problems, archived=edition is not None)
    problems.raise_if_any(ChecklistError)
    return Checklist(id=str(cid), version=int(str(version)), kind=str(kind), items=tuple(items),
                     vocabulary=vocab, retired=tuple(retired), path=path,
                     level_words={k: v.strip() for k, v in level_words.items()},
                     title=texts["title"], intro=texts["intro"], source=texts["source"])


def _parse_header(data: Mapping[str, Any], path: Path, edition: re.Match[str] | None,
                  problems: Problems) -> tuple[Any, Any, Any]:
    """id, version and kind: the id matches the file name, an archived edition's version too."""
    cid = data.get("id")
    stem = edition["id"] if edition else path.stem
    if "id" in data and (not isinstance(cid, str) or cid != stem):
        problems.add(f"id must match the file name '{stem}' (got {cid!r:.60})", key="id")
    version = data.get("version")
    if "version" in data and (type(version) is not int or version < 1):
        problems.add(f"version must be a whole number >= 1 (got {version!r:.60})", key="version")
    elif edition and version != int(edition["version"]):
        problems.add(f"version must match the file name's v{edition['version']} (got {version!r:.60})",
                     key="version")
    kind = data.get("kind")
    if "kind" in data and (not isinstance(kind, str) or kind not in KINDS):
        problems.add(f"kind must be one of {', '.join(KINDS)} (got {kind!r:.60})", key="kind")
    return cid, version, kind


def _parse_items(data: Mapping[str, Any], vocab: Vocabulary, retired: list[str],
                 problems: Problems) -> list[Item]:
    """The [[items]]: each valid, ids unique and never a retired one."""
    raw_items = data.get("items")
    items: list[Item] = []
    if "items" in data and (not isinstance(raw_items, list) or not raw_items):
        problems.add("items must be a non-empty list of [[items]] tables", key="items")
    elif isinstance(raw_items, list):
        seen: set[str] = set()
        for n, raw in enumerate(raw_items, start=1):
            item = _parse_item(raw, n, vocab, problems)
            if item is None:
                continue
            if item.id in seen:
                problems.add("duplicate item id", item.id, key="id")
            if item.id in retired:
                problems.add("this id was retired and must not be reused; pick a new id", item.id, key="id")
            seen.add(item.id)
            items.append(item)
    return items


def _check_harm_presupposed(items: list[Item], vocab: Vocabulary, problems: Problems,
                            archived: bool = False) -> None:
    """A statement that presupposes being hurt must flag from the first step of the scale:
    answered even Rarely, it says the partner hurts the person. Archived editions are left as
    they were answered."""
    if archived:
        return
    first = next((o.id for o in sorted((o for o in vocab.scale if o.weight), key=lambda o: o.weight or 0)), None)
    for item in items:
        found = HARM_PRESUPPOSED.search(item.text)
        if found and first and not (item.safety and item.safety_from == first and not item.reverse):
            problems.add(f"the statement presupposes being hurt ('{found.group(0)}'): any answer but "
                         f"Never says it happens, so it needs safety = true and safety_from = \"{first}\"",
                         item.id)


def checklist_files(directory: Path) -> list[Path]:
    """Checklist files in a folder: every `*.toml` except shared data files (`_*.toml`)."""
    return sorted(p for p in Path(directory).glob("*.toml") if not p.name.startswith("_"))


def load_checklists(directory: str | os.PathLike[str]) -> ChecklistSet:
    """Load and validate every checklist in `directory` (the shipped ones: `shipped_dir()`).

    A folder without its own `_vocabulary.toml` uses the shipped one, so a person can keep
    their own checklists elsewhere. Raises ChecklistError listing every problem found.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise ChecklistError(Problem("no such folder", display_path(folder)))
    own_vocab = folder / VOCABULARY_FILE
    vocab = load_vocabulary(own_vocab if own_vocab.exists() else shipped_dir() / VOCABULARY_FILE)
    checklists: dict[str, Checklist] = {}
    problems = Problems(display_path(folder))
    for path in checklist_files(folder):
        try:
            checklist = parse_checklist(read_toml(path), path, vocab)
        except ChecklistError as exc:
            problems.take(exc)
            continue
        checklists[checklist.id] = checklist
    problems.raise_if_any(ChecklistError)
    if not checklists:
        raise ChecklistError(Problem("no checklist files (*.toml) found", display_path(folder)))
    return ChecklistSet(_with_editions(checklists, folder / ARCHIVE_DIR, vocab))


def _with_editions(checklists: dict[str, Checklist], archive: Path, vocab: Vocabulary
                   ) -> dict[str, Checklist]:
    """Attach the archived earlier editions (`_archive/<id>.v<N>.toml`) to their checklists."""
    if not archive.is_dir():
        return checklists
    problems = Problems()
    editions: dict[str, dict[int, Checklist]] = {}
    for path in sorted(archive.glob("*.toml")):
        where = display_path(path)
        name = EDITION_NAME.match(path.stem)
        if name is None or name["id"] not in checklists:
            problems.extend([Problem("an archived edition must be named <checklist id>.v<version>.toml "
                                     "after a checklist in the folder above", where)])
            continue
        try:
            old = parse_checklist(read_toml(path), path, vocab)
        except ChecklistError as exc:
            problems.take(exc)
            continue
        if old.version >= checklists[old.id].version:
            problems.extend([Problem(f"version {old.version} is not older than the checklist's own "
                                     f"version {checklists[old.id].version}", where, key="version")])
            continue
        editions.setdefault(old.id, {})[old.version] = old
    problems.raise_if_any(ChecklistError)
    return {cid: replace(c, editions=editions.get(cid, {})) for cid, c in checklists.items()}


def check_answers(answers: Answers, checklist: Checklist, where: str) -> tuple[str, ...]:
    """Check answers against their checklist; return ids of items the checklist no longer has.

    Unknown ids are an error when the versions match (the file is damaged) and are reported,
    not dropped, when the answers were saved against another version of the checklist.
    """
    checklist = checklist.edition(answers.checklist_version)
    options = checklist.vocabulary.options
    situational = {it.id for it in checklist.items if it.situational}
    for item_id, answer in answers.responses.items():
        if answer not in options:
            raise AnswersError(Problem(_("'{answer}' is not on the answer scale ({options})").format(
                answer=f"{answer:.40}", options=", ".join(options)), where, item_id, key="responses"))
        if options[answer].situational and item_id not in situational:
            raise AnswersError(Problem(_("'{answer}' ({label}) is only an answer for items about a situation "
                                         "that may not have come up").format(answer=answer,
                                                                             label=options[answer].label),
                                       where, f"{item_id:.60}", key="responses"))
    known = set(checklist.item_ids)
    missing = tuple(i for i in list(answers.responses) + list(answers.notes) if i not in known)
    missing = tuple(dict.fromkeys(missing))
    if missing and answers.checklist_version == checklist.version:
        raise AnswersError(Problem(_("unknown item id '{item}' for checklist '{checklist}' version {version}").format(
            item=f"{missing[0]:.60}", checklist=checklist.id, version=checklist.version), where, key="responses"))
    return missing
