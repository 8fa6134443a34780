"""Support resources (data in `checklists/_resources.toml`) and their escaped HTML box.

Shown first whenever an answer raises the safety flag: a number alone is not enough.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType

from .checklist import display_path, read_toml, unsafe_text
from .errors import ChecklistError, Problems

RESOURCES_FILE = "_resources.toml"


#: Keys of one [[resources]] entry, and of the file's top level.
_ENTRY_REQUIRED = ("name", "region", "countries", "when", "hours", "reviewed")
#: The ways to reach a line: a number to call, a text (SMS) number, a TTY number, an https
#: chat page and an https web site. An entry needs at least one of them.
CONTACT_KEYS = ("phone", "text", "tty", "chat", "web")
_ENTRY_KEYS = set(_ENTRY_REQUIRED) | set(CONTACT_KEYS) | {"languages", "emergency"}
_TEXT_KEYS = ("heading", "message", "disclaimer", "limits", "limits_short", "device_note")
_REQUIRED_TEXTS = ("heading", "message", "disclaimer")
_TOP_KEYS = {*_TEXT_KEYS, "countries", "resources"}
#: An ISO 3166-1 alpha-2 code, or "*" for an entry that serves everyone, everywhere.
EVERYWHERE = "*"
_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
#: How many lines (besides the emergency numbers) the support box shows for the chosen country
#: before "More lines": enough to choose from, few enough to take in at a glance.
SHORTLIST = 4


@dataclass(frozen=True)
class Resource:
    name: str
    region: str
    when: str
    phone: str = ""
    web: str = ""
    #: ISO 3166-1 alpha-2 codes this line serves; ("*",) for everywhere (emergency, directories).
    countries: tuple[str, ...] = (EVERYWHERE,)
    #: When it answers, e.g. "24 hours, every day" or "Mon–Fri 10am–8pm".
    hours: str = ""
    #: The day the entry was last reviewed against the line's public information (its web site,
    #: official notices). Nobody called the line to confirm it.
    reviewed: date | None = None
    #: Text (SMS): a number, or a word and a number ("START to 88788").
    text: str = ""
    #: A TTY (textphone) number.
    tty: str = ""
    #: An https page with a live chat.
    chat: str = ""
    #: Languages the line is known to answer in; empty when not known (nothing is guessed).
    languages: tuple[str, ...] = ()
    #: An emergency number (police, ambulance, fire): always shown first.
    emergency: bool = False

    def speaks(self, language: str) -> bool:
        """Whether `language` (e.g. "Spanish") is among the languages listed for this line."""
        return any(x.lower().startswith(language.lower()) for x in self.languages)


@dataclass(frozen=True)
class Resources:
    heading: str
    message: str
    disclaimer: str
    #: What the checklists do not ask and cannot judge (start page, reports, README).
    limits: str
    #: The same in one short line, for under each result.
    limits_short: str
    #: What a person sharing a device should know (start page, support box).
    device_note: str
    items: tuple[Resource, ...]
    #: Country code -> display name, for every code the entries use.
    countries: Mapping[str, str] = field(default_factory=dict, compare=False)

    def for_country(self, code: str | None) -> tuple[tuple[Resource, ...], tuple[Resource, ...]]:
        """(entries to show first, the rest, in file order).

        With a country: its emergency numbers (and any for everywhere), then its helplines in
        file order, then the other lines for everywhere (directories). With None, "" or a code
        no entry serves, nobody's country is put first: the emergency numbers of every country
        (ordered by country name), then the lines for everywhere."""
        code = code.strip().upper() if isinstance(code, str) else ""
        if code and not any(code in r.countries for r in self.items):
            code = ""
        items = list(enumerate(self.items))
        if code:
            first = ([n for n, r in items if r.emergency and (code in r.countries or EVERYWHERE in r.countries)]
                     + [n for n, r in items if not r.emergency and code in r.countries]
                     + [n for n, r in items if not r.emergency and EVERYWHERE in r.countries])
        else:
            emergency = sorted((n for n, r in items if r.emergency),
                               key=lambda n: (EVERYWHERE not in self.items[n].countries,
                                              self.country_name(self.items[n].countries[0]).casefold()))
            first = emergency + [n for n, r in items if not r.emergency and EVERYWHERE in r.countries]
        return (tuple(self.items[n] for n in first),
                tuple(r for n, r in enumerate(self.items) if n not in first))

    def shortlist(self, code: str | None, lines: int = SHORTLIST, prefer: Callable[[Resource], bool] | None = None
                  ) -> tuple[tuple[Resource, ...], tuple[Resource, ...], tuple[Resource, ...]]:
        """(shown first, more for that country, everyone else's), so that a frightened person
        sees a short list: with a country, its emergency numbers and then `lines` of its other
        lines (the lines for everywhere after its own); the rest of its lines are folded apart
        from other countries'. With no country (or one no line serves) nothing is cut: the
        emergency numbers of every country come first and each country is folded (`for_country`).
        `prefer`: lines to put right after the emergency numbers (e.g. those that speak the
        reader's language)."""
        first, rest = self.for_country(code)
        first = emergency_first(first, prefer)
        if not self.serves(code):
            return first, (), rest
        emergency = tuple(r for r in first if r.emergency)
        others = tuple(r for r in first if not r.emergency)
        return emergency + others[:lines], others[lines:], rest

    def serves(self, code: str | None) -> bool:
        """Whether `code` is a country some line serves (not "", None or an unknown code)."""
        code = code.strip().upper() if isinstance(code, str) else ""
        return bool(code) and any(code in r.countries for r in self.items)

    def country_name(self, code: str) -> str:
        return "Everywhere" if code == EVERYWHERE else self.countries.get(code, code)

    def by_country(self, entries: Sequence[Resource]) -> tuple[tuple[str, tuple[Resource, ...]], ...]:
        """`entries` grouped by country, the countries in order of their names (each group in
        the entries' order); a line serving several countries is listed under each."""
        codes = sorted({c for r in entries for c in r.countries},
                       key=lambda c: (c != EVERYWHERE, self.country_name(c).casefold()))
        return tuple((self.country_name(c), tuple(r for r in entries if c in r.countries)) for c in codes)


def emergency_first(entries: Sequence[Resource], prefer: Callable[[Resource], bool] | None = None
                    ) -> tuple[Resource, ...]:
    """`entries` with the emergency numbers first, then (with `prefer`) the lines it picks, then
    the rest, each in file order."""
    if prefer is None:
        return tuple(entries)
    emergency = [r for r in entries if r.emergency]
    rest = [r for r in entries if not r.emergency]
    return (*emergency, *(r for r in rest if prefer(r)), *(r for r in rest if not prefer(r)))


def _country_problems(countries: object, known: Mapping[str, str]) -> list[str]:
    """What is wrong with an entry's `countries` list (nothing: an empty list)."""
    if not (isinstance(countries, list) and countries and all(isinstance(c, str) for c in countries)):
        return [f'countries must be a non-empty list of country codes such as ["GB"], or ["*"] for '
                f"everywhere (got {countries!r:.60})"]
    if EVERYWHERE in countries and len(countries) > 1:
        return ['countries: "*" (everywhere) must stand alone']
    out = []
    for code in countries:
        if code == EVERYWHERE:
            continue
        if not _COUNTRY_CODE.match(code):
            out.append(f"countries: '{code:.20}' is not a two-letter country code (ISO 3166-1, e.g. GB)")
        elif code not in known:
            out.append(f"countries: '{code}' is not listed in the [countries] table")
    return out


def _entry(raw: object, n: int, known: Mapping[str, str], problems: Problems) -> Resource | None:
    """One [[resources]] entry, or None after adding its problems to `problems`; each message
    names the file, the entry (number and name) and the key, like the checklist loader's."""
    if not isinstance(raw, dict):
        problems.add("must be a [[resources]] table", f"resource {n}", key=f"resources[{n}]", entry="")
        return None
    name = raw.get("name")
    label = f"resource {n} ({name.strip()[:60]!r})" if isinstance(name, str) and name.strip() else f"resource {n}"
    before = len(problems)

    def bad(message: str) -> None:
        problems.add(message, label, key=f"resources[{n}]", entry="")

    for key in sorted(set(raw) - _ENTRY_KEYS, key=str):
        bad(f"unknown key '{key:.40}'")
    for key in _ENTRY_REQUIRED:
        if key not in raw:
            bad(f"missing required key '{key}'")
    for key in ("name", "region", "when", "hours", *CONTACT_KEYS):
        if key in raw and not (isinstance(raw[key], str) and raw[key].strip()):
            bad(f"{key} must be non-empty text (got {raw[key]!r:.60})")
    for message in _contact_problems(raw):
        bad(message)
    countries = raw.get("countries")
    if "countries" in raw:
        for message in _country_problems(countries, known):
            bad(message)
    reviewed = raw.get("reviewed")
    if "reviewed" in raw and not (isinstance(reviewed, date) and not isinstance(reviewed, datetime)):
        bad(f"reviewed must be a date such as 2026-11-25, without quotes (got {reviewed!r:.60})")
    if "checked" in raw:
        bad("'checked' is now called 'reviewed' (the day the details were reviewed from public "
            "information, not confirmed by calling)")
    if len(problems) > before:
        return None
    return Resource(name=raw["name"].strip(), region=raw["region"].strip(), when=raw["when"].strip(),
                    countries=tuple(countries or ()), hours=raw["hours"].strip(), reviewed=reviewed,
                    languages=tuple(x.strip() for x in raw.get("languages", ())),
                    emergency=raw.get("emergency", False),
                    **{key: raw.get(key, "").strip() for key in CONTACT_KEYS})


_DIGITS = re.compile(r"\d")


def _contact_problems(raw: Mapping[str, object]) -> list[str]:
    """What is wrong with an entry's ways to reach it, languages and emergency flag."""
    out = []
    if not any(key in raw for key in CONTACT_KEYS):
        out.append("needs a way to reach it: at least one of " + ", ".join(f"'{k}'" for k in CONTACT_KEYS)
                   + " (a phone or a web address)")
    for key in ("phone", "text", "tty"):
        value = raw.get(key)
        if isinstance(value, str) and value.strip() and not _DIGITS.search(value):
            out.append(f"{key} must contain a number to {'call' if key != 'text' else 'text'} "
                       f"(got {value!r:.60})")
    for key in ("web", "chat"):
        value = raw.get(key)
        if isinstance(value, str) and value.strip() and not value.startswith("https://"):
            out.append(f"{key} must start with https:// (got {value!r:.60})")
    languages = raw.get("languages")
    if "languages" in raw and not (isinstance(languages, list) and languages and all(
            isinstance(x, str) and x.strip() for x in languages)):
        out.append(f'languages must be a non-empty list of language names such as ["English", "Spanish"] '
                   f"(got {languages!r:.60})")
    if "emergency" in raw and not isinstance(raw["emergency"], bool):
        out.append(f"emergency must be true or false (got {raw['emergency']!r:.60})")
    return out


def load_resources(path: Path) -> Resources:
    """Load and check the resources file; web addresses must be https (no script links).

    Raises ChecklistError listing every problem, each naming the file, the entry and the key.
    """
    path = Path(path)
    data = read_toml(path)
    problems = Problems(display_path(path))
    problems.extend(unsafe_text(data, problems.file))
    for key in sorted(set(data) - _TOP_KEYS, key=str):
        problems.add(f"unknown key '{key:.40}'", key=f"{key:.40}")
    texts = _texts(data, problems)
    known = _countries(data, problems)
    raw_items = data.get("resources")
    if not isinstance(raw_items, list) or not raw_items:
        problems.add("no [[resources]] entries", key="resources")
        raw_items = []
    items = [_entry(raw, n, known, problems) for n, raw in enumerate(raw_items, start=1)]
    problems.raise_if_any(ChecklistError)
    return Resources(items=tuple(r for r in items if r is not None),
                     countries=MappingProxyType({k: v.strip() for k, v in known.items()}), **texts)


def _texts(data: Mapping[str, object], problems: Problems) -> dict[str, str]:
    """The box's sentences: heading, message and disclaimer required, the others optional."""
    texts = {}
    for key in _TEXT_KEYS:
        value = data.get(key)
        if key not in data and key in _REQUIRED_TEXTS:
            problems.add(f"missing required key '{key}'", key=key)
        elif key not in data:
            value = ""
        elif not (isinstance(value, str) and value.strip()):
            problems.add(f"{key} must be non-empty text (got {value!r:.60})", key=key)
        texts[key] = value.strip() if isinstance(value, str) else ""
    return texts


def _countries(data: Mapping[str, object], problems: Problems) -> Mapping[str, str]:
    """The [countries] table: code -> name, every code two capital letters."""
    known = data.get("countries", {})
    if not isinstance(known, dict):
        problems.add('countries must be a table of code = "Name" lines under [countries]', key="countries")
        return {}
    for code, label in known.items():
        if not _COUNTRY_CODE.match(code):
            problems.add(f"countries: '{code:.20}' is not a two-letter country code (ISO 3166-1)",
                         key=f"countries.{code:.20}")
        if not (isinstance(label, str) and label.strip()):
            problems.add(f"countries: {code:.20} must name the country in text", key=f"countries.{code:.20}")
    return known
