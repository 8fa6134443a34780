"""Plain language in Spanish, measured as the English is (tests/unit/test_readability.py), with
a Spanish formula: Fernández-Huerta from the same `textstat` (0.7.8, offline), where higher is
easier (70–80 "fairly easy", 80–90 "easy"; about a grade 6–7 reader at 80).

- the statements of each core list: on average 80 or more; no statement on any list below 65;
- every list's intro and level words, the vocabulary's sentences (eight words or more) and the
  support texts (message, limits, device note): 60 or more.

The bounds keep some room below today's figures (statements: lowest 71, core averages 86–91;
prose: lowest 67): what they catch is a translation that gets harder.
"""

from __future__ import annotations

import statistics
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import textstat

REPO = Path(__file__).resolve().parents[2]
SPANISH = REPO / "checklists" / "es"
CORE = ("avoid-partners-where", "toxic-relationship", "trauma-bonding")
STATEMENT_AVERAGE = 80.0
STATEMENT_MIN = 65.0
PROSE_MIN = 60.0
SUPPORT_TEXTS = ("message", "limits", "limits_short", "device_note")


@pytest.fixture(autouse=True)
def spanish_formula() -> Iterator[None]:
    """textstat's language is process-wide: Spanish for these tests only."""
    textstat.set_lang("es")
    yield
    textstat.set_lang("en_US")


def ease(text: str) -> float:
    return float(textstat.fernandez_huerta(" ".join(text.split())))


def load(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def checklist_files() -> list[Path]:
    return sorted(p for p in SPANISH.glob("*.toml") if not p.name.startswith("_"))


def too_hard(place: str, text: str, bound: float) -> list[str]:
    e = ease(text)
    return [f"{place}: {e:.1f} < {bound:g}: {' '.join(text.split())}"] if e < bound else []


def spanish_sentences(table: dict[str, Any], path: str = "") -> Iterator[tuple[str, str]]:
    """(key, Spanish text) of every translated entry of eight words or more under `table`."""
    for key, value in table.items():
        if isinstance(value, dict) and isinstance(value.get("es"), str):
            if len(value["es"].split()) >= 8:
                yield path + key, value["es"]
        elif isinstance(value, dict):
            yield from spanish_sentences(value, f"{path}{key}.")


def test_the_spanish_files_are_there():
    assert {p.stem for p in checklist_files()} >= set(CORE), "the core lists have no Spanish"


@pytest.mark.parametrize("path", checklist_files(), ids=lambda p: p.stem)
def test_spanish_statements_are_easy_to_read(path):
    items = load(path)["items"]
    problems = [p for iid, item in items.items() for p in too_hard(f"{path.name}: {iid}", item["text"]["es"],
                                                                    STATEMENT_MIN)]
    assert not problems, "use shorter sentences and plainer words:\n" + "\n".join(problems)
    if path.stem in CORE:
        mean = statistics.mean(ease(item["text"]["es"]) for item in items.values())
        assert mean >= STATEMENT_AVERAGE, f"{path.name}: statements average {mean:.1f} < {STATEMENT_AVERAGE:g}"


@pytest.mark.parametrize("path", checklist_files(), ids=lambda p: p.stem)
def test_spanish_intro_and_level_words_are_easy_to_read(path):
    doc = load(path)
    texts = [("intro", doc["intro"]["es"])] + [(f"level_words.{k}", v["es"])
                                               for k, v in doc.get("level_words", {}).items()]
    problems = [p for place, text in texts for p in too_hard(f"{path.name}: {place}", text, PROSE_MIN)]
    assert not problems, "use shorter sentences and plainer words:\n" + "\n".join(problems)


def test_spanish_vocabulary_and_support_texts_are_easy_to_read():
    vocabulary = list(spanish_sentences(load(SPANISH / "_vocabulary.toml")))
    resources = load(SPANISH / "_resources.toml")
    texts = vocabulary + [(key, resources[key]["es"]) for key in SUPPORT_TEXTS]
    assert len(vocabulary) >= 10, "the vocabulary's sentences were not found"
    problems = [p for place, text in texts for p in too_hard(place, text, PROSE_MIN)]
    assert not problems, "use shorter sentences and plainer words:\n" + "\n".join(problems)


def test_the_measure_tells_hard_spanish_from_easy():
    """The formula itself, so a bound can fail: a long, Latinate sentence scores below the bounds,
    a short plain one above them."""
    hard = ("La consideración pormenorizada de las circunstancias interpersonales concomitantes "
            "evidencia una problemática relacional extraordinariamente desestabilizadora.")
    assert ease(hard) < PROSE_MIN < STATEMENT_AVERAGE < ease("Tu pareja te grita. Tienes miedo.")
