"""The checklists' words, read as content: own words (never the sources' sentences), second
person and gender-neutral, safety items that flag early enough, and support resources that say
who they serve, when they answer and when they were last reviewed.

Reads the TOML files with tomllib directly, so a loader bug cannot hide a content problem.
The copy check runs from hashes of the sources' word runs kept in tests/fixtures, so it runs in
any clone; the sources themselves (`../shared/sources/`, or REDFLAG_SOURCES_DIR) are only needed
to check those hashes are up to date.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Iterator
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CHECKLISTS = REPO / "checklists"
RESOURCES = CHECKLISTS / "_resources.toml"
#: Where the sources live; REDFLAG_SOURCES_DIR points elsewhere (e.g. from a git worktree).
SOURCES = Path(os.environ.get("REDFLAG_SOURCES_DIR") or REPO.parent / "shared" / "sources")
#: Hashes of the sources' word runs, kept in the project (see "shared word runs" below).
FINGERPRINTS = REPO / "tests" / "fixtures" / "source-fingerprints.txt"

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
#
# The sources may not be copied into the project, and a fresh clone has no `../shared/`. So the
# check runs from FINGERPRINTS: for each source file, a short hash of every run of
# MAX_SHARED_RUN words in a row (hashes, never the words). With the sources present, a test
# checks the file is exactly what they give (REDFLAG_WRITE_FINGERPRINTS=1 rewrites it).


def words(text: str) -> list[str]:
    """Lower-case words without punctuation; apostrophes vanish ("don't" == "don’t" == "dont")."""
    text = text.lower().replace("\u2019", "").replace("\u2018", "").replace("'", "")
    return re.findall(r"[^\W_]+", text)


#: Who a sentence is about is not what makes it a copy: "He puts up with me" and "They put up with
#: you" are the same sentence. Every personal pronoun (subject, object, possessive, reflexive; the
#: project writes "you" and "they" where the sources say "I", "he" or "she") is one token.
PERSON = "\u00b7p"
PRONOUNS = frozenset(
    "i me my mine myself you your yours yourself yourselves he him his himself she her hers herself "
    "they them their theirs themselves themself".split())
#: The verb forms that change with the person ("he is" / "they are"; "doesn't" / "don't"),
#: and pronoun contractions ("he's", "you're": one word once the apostrophe is gone).
VERB_FORMS = {
    "am": "be", "is": "be", "are": "be", "was": "were", "has": "have", "does": "do", "goes": "go",
    "isnt": "arent", "wasnt": "werent", "hasnt": "havent", "doesnt": "dont",
    **{c: PERSON + "be" for c in ("im", "youre", "hes", "shes", "theyre")},
}


def normalised(word: str) -> str:
    """`word` with the person taken out: pronouns become PERSON, and the third-person verb
    ending goes ("puts" -> "put", "loves" -> "love", "carries" -> "carry", "watches" -> "watch").
    Plurals lose their "s" the same way, which only makes the check stricter."""
    if word in PRONOUNS:
        return PERSON
    if word in VERB_FORMS:
        return VERB_FORMS[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """The words of `text` (one for one) as the copy check compares them: see `normalised`."""
    return [normalised(w) for w in words(text)]


def run_hash(run: list[str]) -> str:
    """A short hash of a run of words (12 hex digits: chance collisions stay negligible)."""
    return hashlib.blake2b(" ".join(run).encode("utf-8"), digest_size=6).hexdigest()


def runs(ws: list[str]) -> Iterator[tuple[int, str]]:
    """(start, hash) of every run of MAX_SHARED_RUN words in `ws`."""
    for i in range(len(ws) - MAX_SHARED_RUN + 1):
        yield i, run_hash(ws[i:i + MAX_SHARED_RUN])


def fingerprints_of(texts: dict[str, str]) -> str:
    """The fingerprint file's text for source files (name -> text): one `[name]` section each,
    its run hashes sorted and without repeats."""
    out = [f"# {MAX_SHARED_RUN}-word runs of the source documents, hashed (tests/unit/test_content.py)"]
    for name in sorted(texts):
        out.append(f"[{name}]")
        out.extend(sorted({h for _, h in runs(tokens(texts[name]))}))
    return "\n".join(out) + "\n"


@lru_cache(maxsize=1)
def fingerprint_index() -> dict[str, str]:
    """Run hash -> the source file it comes from, read from FINGERPRINTS."""
    index: dict[str, str] = {}
    name = ""
    for line in FINGERPRINTS.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            name = line.strip("[]")
        elif line and not line.startswith("#"):
            index.setdefault(line, name)
    return index


def shared_run(text: str, index: dict[str, str] | None = None) -> tuple[str, str] | None:
    """The first run of MAX_SHARED_RUN words `text` shares with a source, and that source's
    file name; None when there is none."""
    index = fingerprint_index() if index is None else index
    mine = words(text)
    for i, h in runs([normalised(w) for w in mine]):
        if h in index:
            return " ".join(mine[i:i + MAX_SHARED_RUN]), index[h]
    return None


def test_the_run_finder_catches_a_planted_copy():
    """The check below can fail: a run of words from a "source" is found inside other text
    with other punctuation and case; seven of them in a row, or a reworded sentence, are not."""
    source = "Nobody should ever have to ask permission to see the people they love most."
    index = {h: "planted.txt" for _, h in runs(tokens(source))}
    run = " ".join(words(source)[2:2 + MAX_SHARED_RUN])
    assert shared_run(f"Something of our own. {run.upper()}! And more.", index) == (run, "planted.txt")
    seven = " ".join(words(source)[:MAX_SHARED_RUN - 1])
    assert shared_run(f"Our words, then {seven}, then ours again.", index) is None
    assert shared_run("Nobody needs leave to visit the people dearest to them.", index) is None


def test_the_run_finder_sees_through_a_change_of_person():
    """A source sentence with only the person changed ("he" -> "they", "me" -> "you", and the
    verbs to match) is still a copy; the same idea in other words is not."""
    source = "He says he is sorry, then he puts the blame on me and still loves me."
    index = {h: "planted.txt" for _, h in runs(tokens(source))}
    swapped = "They say they are sorry, then they put the blame on you and still love you."
    found = shared_run(f"When your partner hurts you: {swapped}", index)
    assert found is not None and found[1] == "planted.txt"
    assert found[0] == "they say they are sorry then they put", found
    assert shared_run("She says she's sorry; then she puts the blame on her and still loves her.", index)
    reworded = "Your partner apologises, then says it was your doing, and still says they love you."
    assert shared_run(reworded, index) is None
    assert tokens("He carries, she watches, they miss, it goes") == tokens("They carry, you watch, he misses, it go")


def test_the_fingerprints_are_those_of_the_sources():
    """FINGERPRINTS holds exactly the runs of the documents in SOURCES (when they are here)."""
    if not SOURCES.is_dir():
        pytest.skip(f"source documents not found at {SOURCES}: the copy check runs from {FINGERPRINTS.name}")
    texts = {p.name: p.read_text(encoding="utf-8", errors="replace")
             for p in sorted(SOURCES.iterdir()) if p.is_file()}
    assert any(words(t) for t in texts.values()), f"no source text found in {SOURCES}"
    expected = fingerprints_of(texts)
    if os.environ.get("REDFLAG_WRITE_FINGERPRINTS") == "1":
        FINGERPRINTS.write_text(expected, encoding="utf-8")
    assert FINGERPRINTS.read_text(encoding="utf-8") == expected, (
        "the sources changed: REDFLAG_WRITE_FINGERPRINTS=1 pytest tests/unit/test_content.py -k fingerprints")


@pytest.mark.parametrize("path", content_files(), ids=lambda p: p.name)
def test_no_text_shares_eight_words_in_a_row_with_a_source(path):
    problems = []
    for place, text in prose_fields(load(path)):
        found = shared_run(text)
        if found:
            problems.append(f"{path.name}: {place} shares {MAX_SHARED_RUN} words in a row with {found[1]}: "
                            f"\"{found[0]}\"")
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


def test_every_resource_says_who_it_serves_how_to_reach_it_when_and_when_reviewed():
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
        if not any(entry.get(key) for key in ("phone", "text", "tty", "chat", "web")):
            problems.append(f"{label}: needs a phone number or a web address")
        if "web" in entry and not (isinstance(entry["web"], str) and entry["web"].startswith("https://")):
            problems.append(f"{label}: web must be an https:// address")
        reviewed = entry.get("reviewed")
        if not (isinstance(reviewed, date) and not isinstance(reviewed, datetime)):
            problems.append(f"{label}: reviewed must be a date (the day the entry was last reviewed)")
    assert not problems, "\n".join(problems)
