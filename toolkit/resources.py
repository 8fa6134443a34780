"""Support resources (data in `checklists/_resources.toml`) and their escaped HTML box.

Shown first whenever an answer raises the safety flag: a number alone is not enough.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType

from .checklist import display_path, read_toml, unsafe_text
from .errors import ChecklistError

RESOURCES_FILE = "_resources.toml"


#: Keys of one [[resources]] entry, and of the file's top level.
_ENTRY_REQUIRED = ("name", "region", "countries", "when", "hours", "checked")
_ENTRY_KEYS = set(_ENTRY_REQUIRED) | {"phone", "web"}
_TEXT_KEYS = ("heading", "message", "disclaimer", "limits", "device_note")
_REQUIRED_TEXTS = ("heading", "message", "disclaimer")
_TOP_KEYS = {*_TEXT_KEYS, "countries", "resources"}
#: An ISO 3166-1 alpha-2 code, or "*" for an entry that serves everyone, everywhere.
EVERYWHERE = "*"
_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")


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
    #: The day someone last confirmed the entry's details.
    checked: date | None = None


@dataclass(frozen=True)
class Resources:
    heading: str
    message: str
    disclaimer: str
    #: What the checklists do not ask and cannot judge (start page, reports, README).
    limits: str
    #: What a person sharing a device should know (start page, support box).
    device_note: str
    items: tuple[Resource, ...]
    #: Country code -> display name, for every code the entries use.
    countries: Mapping[str, str] = field(default_factory=dict, compare=False)

    def for_country(self, code: str | None) -> tuple[tuple[Resource, ...], tuple[Resource, ...]]:
        """(entries to show first, the rest). First come the "*" entries, then those serving
        `code`, each group in file order; the rest keep file order. None, "" or a code no entry
        serves puts only the "*" entries first."""
        code = code.strip().upper() if isinstance(code, str) else ""
        everywhere = [n for n, r in enumerate(self.items) if EVERYWHERE in r.countries]
        local = [n for n, r in enumerate(self.items)
                 if code and code in r.countries and EVERYWHERE not in r.countries]
        first = everywhere + local
        return (tuple(self.items[n] for n in first),
                tuple(r for n, r in enumerate(self.items) if n not in first))


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


def _entry(raw: object, n: int, known: Mapping[str, str], problems: list[str], where: str) -> Resource | None:
    """One [[resources]] entry, or None after adding its problems to `problems`; each message
    names the file, the entry (number and name) and the key, like the checklist loader's."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: resource {n}: must be a [[resources]] table")
        return None
    name = raw.get("name")
    label = f"resource {n} ({name.strip()[:60]!r})" if isinstance(name, str) and name.strip() else f"resource {n}"
    before = len(problems)

    def bad(message: str) -> None:
        problems.append(f"{where}: {label}: {message}")

    for key in sorted(set(raw) - _ENTRY_KEYS, key=str):
        bad(f"unknown key '{key:.40}'")
    for key in _ENTRY_REQUIRED:
        if key not in raw:
            bad(f"missing required key '{key}'")
    for key in ("name", "region", "when", "hours", "phone", "web"):
        if key in raw and not (isinstance(raw[key], str) and raw[key].strip()):
            bad(f"{key} must be non-empty text (got {raw[key]!r:.60})")
    web = raw.get("web")
    if isinstance(web, str) and web.strip() and not web.startswith("https://"):
        bad(f"web must start with https:// (got {web!r:.60})")
    if "phone" not in raw and "web" not in raw:
        bad("needs a phone or a web address (key 'phone' or 'web')")
    countries = raw.get("countries")
    if "countries" in raw:
        for message in _country_problems(countries, known):
            bad(message)
    checked = raw.get("checked")
    if "checked" in raw and not (isinstance(checked, date) and not isinstance(checked, datetime)):
        bad(f"checked must be a date such as 2026-11-25, without quotes (got {checked!r:.60})")
    if len(problems) > before:
        return None
    return Resource(name=raw["name"].strip(), region=raw["region"].strip(), when=raw["when"].strip(),
                    phone=raw.get("phone", "").strip(), web=raw.get("web", "").strip(),
                    countries=tuple(countries or ()), hours=raw["hours"].strip(), checked=checked)


def load_resources(path: Path) -> Resources:
    """Load and check the resources file; web addresses must be https (no script links).

    Raises ChecklistError listing every problem, each naming the file, the entry and the key.
    """
    path = Path(path)
    data = read_toml(path)
    where = display_path(path)
    problems: list[str] = unsafe_text(data, where)
    for key in sorted(set(data) - _TOP_KEYS, key=str):
        problems.append(f"{where}: unknown key '{key:.40}'")
    texts = {}
    for key in _TEXT_KEYS:
        value = data.get(key)
        if key not in data and key in _REQUIRED_TEXTS:
            problems.append(f"{where}: missing required key '{key}'")
        elif key not in data:
            value = ""
        elif not (isinstance(value, str) and value.strip()):
            problems.append(f"{where}: {key} must be non-empty text (got {value!r:.60})")
        texts[key] = value.strip() if isinstance(value, str) else ""
    known = data.get("countries", {})
    if not isinstance(known, dict):
        problems.append(f'{where}: countries must be a table of code = "Name" lines under [countries]')
        known = {}
    for code, label in known.items():
        if not _COUNTRY_CODE.match(code):
            problems.append(f"{where}: countries: '{code:.20}' is not a two-letter country code (ISO 3166-1)")
        if not (isinstance(label, str) and label.strip()):
            problems.append(f"{where}: countries: {code:.20} must name the country in text")
    raw_items = data.get("resources")
    if not isinstance(raw_items, list) or not raw_items:
        problems.append(f"{where}: no [[resources]] entries")
        raw_items = []
    items = [_entry(raw, n, known, problems, where) for n, raw in enumerate(raw_items, start=1)]
    if problems:
        raise ChecklistError("\n".join(problems))
    return Resources(items=tuple(r for r in items if r is not None),
                     countries=MappingProxyType({k: v.strip() for k, v in known.items()}), **texts)
