"""The checklists' words, read as content: own words (never the sources' sentences), second
person and gender-neutral, safety items that flag early enough, and support resources that say
who they serve, when they answer and when they were last checked.

Reads the TOML files with tomllib directly, so a loader bug cannot hide a content problem.
The sources are the documents in `../shared/sources/` (beside the repository; CI clones them
there; REDFLAG_SOURCES_DIR overrides the place, e.g. when testing from a git worktree). Without
them the copy check fails under CI=true and is skipped elsewhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import tomllib

REPO = Path(__file__).resolve().parents[2]
CHECKLISTS = REPO / "checklists"
RESOURCES = CHECKLISTS / "_resources.toml"
#: Where the sources live; REDFLAG_SOURCES_DIR points elsewhere (e.g. from a git worktree).
SOURCES = Path(os.environ.get("REDFLAG_SOURCES_DIR") or REPO.parent / "shared" / "sources")

#: A run of this many words in a row shared with a source counts as copying.
MAX_SHARED_RUN = 8
#: Keys whose values are references or identifiers, not prose (a `source` quotes a heading).
NOT_PROSE = {"id", "source", "themes", "retired", "web", "phone", "countries", "safety_from"}

#: The gravest safety items: even "Rarely" must raise the safety flag.
FEAR_ITEM = ("toxic-relationship", "afraid-of-partner")
GRAVEST = [
    ("toxic-relationship", "feeling-trapped"),
    ("toxic-relationship", "questioning-your-sanity"),
    ("toxic-relationship", "threats-or-control"),
    FEAR_ITEM,
]
GENDERED = re.compile(r"\b(he|she|him|her|his|hers|himself|herself|boyfriend|girlfriend|husband|wife)\b",
                      re.IGNORECASE)
SECOND_PERSON = re.compile(r"\b(you|your|yours|yourself)\b", re.IGNORECASE)
FIRST_PERSON = re.compile(r"\b(I|me|my|mine|myself)\b")
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")


# ------------------------------------------------------------------ reading the files


def load(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def content_files() -> list[Path]:
    """Every checklist plus the shared vocabulary and resources, and the archived editions that
    old runs are still scored (and shown) with: all text a person reads."""
    return sorted(CHECKLISTS.glob("*.toml")) + sorted(CHECKLISTS.glob("_archive/*.toml"))


def checklist_files() -> list[Path]:
    return sorted(p for p in CHECKLISTS.glob("*.toml") if not p.name.startswith("_"))


def prose_fields(data: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(place, text) for every prose string in a parsed TOML document, e.g.
    'toxic-relationship.toml: items[feeling-trapped].explain'."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in NOT_PROSE:
                continue
            yield from prose_fields(value, f"{where}.{key}" if where else key)
    elif isinstance(data, list):
        for n, value in enumerate(data):
            label = (value.get("id") or value.get("name")) if isinstance(value, dict) else None
            yield from prose_fields(value, f"{where}[{label or n}]")
    elif isinstance(data, str):
        yield where, data


# ------------------------------------------------------------------ shared word runs


def words(text: str) -> list[str]:
    """Lower-case words without punctuation; apostrophes vanish ("don't" == "don’t" == "dont")."""
    text = text.lower().replace("\u2019", "").replace("\u2018", "").replace("'", "")
    return re.findall(r"[^\W_]+", text)


@lru_cache(maxsize=1)
def source_index() -> tuple[dict[str, list[str]], dict[tuple[str, str], list[tuple[str, int]]],
                            dict[str, str]]:
    """Words of each source file, where each pair of neighbouring words occurs, and one file
    holding each word."""
    if not SOURCES.is_dir():
        message = f"source documents not found at {SOURCES} (clone shared/ beside the repository)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    texts = {p.name: words(p.read_text(encoding="utf-8", errors="replace"))
             for p in sorted(SOURCES.iterdir()) if p.is_file()}
    if not any(texts.values()):
        pytest.fail(f"no source text found in {SOURCES}")
    pairs: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for name, ws in texts.items():
        for j in range(len(ws) - 1):
            pairs.setdefault((ws[j], ws[j + 1]), []).append((name, j))
    vocabulary: dict[str, str] = {}
    for name, ws in texts.items():
        for w in ws:
            vocabulary.setdefault(w, name)
    return texts, pairs, vocabulary


def longest_shared_run(text: str) -> tuple[int, str, str]:
    """(length, words, source file) of the longest run of consecutive words `text` shares
    with any source file."""
    texts, pairs, vocabulary = source_index()
    mine = words(text)
    best: tuple[int, str, str] = next(((1, w, vocabulary[w]) for w in mine if w in vocabulary), (0, "", ""))
    for i in range(len(mine) - 1):
        for name, j in pairs.get((mine[i], mine[i + 1]), ()):
            src = texts[name]
            n = 2
            while i + n < len(mine) and j + n < len(src) and mine[i + n] == src[j + n]:
                n += 1
            if n > best[0]:
                best = (n, " ".join(mine[i:i + n]), name)
    return best


def test_the_run_finder_catches_a_planted_copy():
    """The check below can fail: eight words lifted from a source (with other punctuation and
    case) are found, and a reworded sentence is not."""
    texts = source_index()[0]
    name, ws = max(texts.items(), key=lambda kv: len(kv[1]))
    planted = " ".join(ws[100:108]).upper() + "!"
    found, run, where = longest_shared_run(f"Something of our own. {planted} And more.")
    assert found >= MAX_SHARED_RUN and where and run
    assert longest_shared_run("Purple kettles argue softly beneath twelve unhurried moons.")[0] < 3


@pytest.mark.parametrize("path", content_files(), ids=lambda p: p.name)
def test_no_text_shares_eight_words_in_a_row_with_a_source(path):
    problems = []
    for place, text in prose_fields(load(path)):
        length, run, source = longest_shared_run(text)
        if length >= MAX_SHARED_RUN:
            problems.append(f"{path.name}: {place} shares {length} words with {source}: \"{run}\"")
    assert not problems, "write these in the project's own words:\n" + "\n".join(problems)


# ------------------------------------------------------------------ items: voice


def all_items() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in checklist_files():
        for item in load(path).get("items", []):
            yield path.stem, item


def test_item_texts_are_second_person_and_gender_neutral():
    problems = []
    for cid, item in all_items():
        text = item["text"]
        if not SECOND_PERSON.search(text):
            problems.append(f"{cid}.{item['id']}: not addressed to 'you': {text}")
        for bad in GENDERED.findall(text) + FIRST_PERSON.findall(text):
            problems.append(f"{cid}.{item['id']}: '{bad}' in: {text}")
    assert not problems, "\n".join(problems)


def test_every_other_text_is_gender_neutral():
    problems = [f"{path.name}: {place}: '{bad}'"
                for path in content_files() for place, text in prose_fields(load(path))
                for bad in GENDERED.findall(text)]
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------ items: safety


def test_safety_from_is_only_on_safety_items():
    problems = [f"{cid}.{item['id']}" for cid, item in all_items()
                if "safety_from" in item and item.get("safety") is not True]
    assert not problems, f"safety_from on items that are not safety items: {problems}"


def test_the_fear_item_exists_and_is_a_grave_safety_item():
    cid, iid = FEAR_ITEM
    items = {item["id"]: item for c, item in all_items() if c == cid}
    assert iid in items, f"{cid} has no item '{iid}' asking about fear of the partner"
    fear = items[iid]
    assert fear.get("safety") is True and fear.get("severity") == 3
    assert re.search(r"\b(afraid|scared|fear)\b", fear["text"], re.IGNORECASE), fear["text"]


@pytest.mark.parametrize("cid,iid", GRAVEST, ids=lambda v: v)
def test_the_gravest_items_flag_from_rarely(cid, iid):
    items = {item["id"]: item for c, item in all_items() if c == cid}
    assert iid in items, f"{cid} has no item '{iid}'"
    assert items[iid].get("safety") is True, f"{cid}.{iid} must be a safety item"
    assert items[iid].get("safety_from") == "rarely", f"{cid}.{iid} must flag from 'rarely'"


# ------------------------------------------------------------------ support resources


def test_every_resource_says_who_it_serves_how_to_reach_it_when_and_when_checked():
    data = load(RESOURCES)
    names = data.get("countries", {})
    entries = data.get("resources", [])
    assert entries, "no [[resources]] entries"
    problems = []
    for n, entry in enumerate(entries, start=1):
        label = f"resource {n} ({entry.get('name', '?')})"
        for key in ("name", "region", "when", "hours"):
            if not (isinstance(entry.get(key), str) and entry[key].strip()):
                problems.append(f"{label}: {key} missing or empty")
        countries = entry.get("countries")
        if not (isinstance(countries, list) and countries):
            problems.append(f"{label}: countries must be a non-empty list")
        else:
            for code in countries:
                if code != "*" and not (isinstance(code, str) and COUNTRY_CODE.match(code) and code in names):
                    problems.append(f"{label}: country {code!r} is not a code listed in [countries]")
        if not (entry.get("phone") or entry.get("web")):
            problems.append(f"{label}: needs a phone number or a web address")
        if "web" in entry and not (isinstance(entry["web"], str) and entry["web"].startswith("https://")):
            problems.append(f"{label}: web must be an https:// address")
        checked = entry.get("checked")
        if not (isinstance(checked, date) and not isinstance(checked, datetime)):
            problems.append(f"{label}: checked must be a date (the day the entry was last reviewed)")
    assert not problems, "\n".join(problems)
