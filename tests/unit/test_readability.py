"""Plain language, measured: the words people read while tired or frightened stay easy to read.

Flesch–Kincaid grade (a US school grade; grade 6 is a reading age of about 11–12) from
`textstat`, pinned at 0.7.8: it works from its bundled dictionaries, while 0.7.10 and later
download a word list at first use, which fails offline. The figures are rough (they count words
per sentence and syllables per word), so the bounds are kept with some room; what they catch is a
text that gets harder: longer sentences, longer words.

- the statements of each core list: on average grade 6 or lower; no statement on any list above 9;
- every list's intro and its own level words, the shared level words, and the limits and device
  note in the resources: grade 8 or lower.

Everything is read from the TOML files as they are, so a new level sentence or a rewritten note
is measured as soon as it is written.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import textstat

REPO = Path(__file__).resolve().parents[2]
CHECKLISTS = REPO / "checklists"

#: The lists people in a harmful relationship are most likely to open first.
CORE = ("avoid-partners-where", "toxic-relationship", "trauma-bonding")
STATEMENT_AVERAGE = 6.0
STATEMENT_MAX = 9.0
#: Intros, level words, limits, the device note.
PROSE_MAX = 8.0
#: Keys in the vocabulary's levels that are not sentences.
NOT_SENTENCES = {"id", "label", "colour", "below", "insufficient_label"}
def grade(text: str) -> float:
    return float(textstat.flesch_kincaid_grade(" ".join(text.split())))


def load(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def checklist_files() -> list[Path]:
    return sorted(p for p in CHECKLISTS.glob("*.toml") if not p.name.startswith("_"))


def too_hard(place: str, text: str, bound: float) -> list[str]:
    g = grade(text)
    return [f"{place}: grade {g:.1f} > {bound:g}: {' '.join(text.split())}"] if g > bound else []


def check_shared(texts: list[tuple[str, str]]) -> None:
    """Fail on any text above PROSE_MAX, naming each."""
    problems = [problem for place, text in texts for problem in too_hard(place, text, PROSE_MAX)]
    assert not problems, "use shorter sentences and plainer words:\n" + "\n".join(problems)


def test_the_measure_tells_hard_from_plain():
    """The bounds below can fail: a long sentence of long words is far above them, a short
    plain one well below."""
    hard = ("Consistently experiencing disproportionate criticism from an intimate partner "
            "substantially undermines psychological wellbeing and interpersonal confidence.")
    assert grade(hard) > 15
    assert grade("Your partner keeps you from seeing friends or family.") < 6


@pytest.mark.parametrize("cid", CORE)
def test_core_statements_read_at_grade_6_on_average_and_none_above_9(cid):
    items = load(CHECKLISTS / f"{cid}.toml")["items"]
    grades = {item["id"]: grade(item["text"]) for item in items}
    average = sum(grades.values()) / len(grades)
    problems = [f"{cid}.{item['id']}: grade {grades[item['id']]:.1f} > {STATEMENT_MAX:g}: {item['text']}"
                for item in items if grades[item["id"]] > STATEMENT_MAX]
    if average > STATEMENT_AVERAGE:
        hardest = sorted(grades.items(), key=lambda kv: -kv[1])[:3]
        problems.append(f"{cid}: statements average grade {average:.2f} > {STATEMENT_AVERAGE:g}; "
                        f"hardest: {', '.join(f'{i} ({g:.1f})' for i, g in hardest)}")
    assert not problems, "use shorter sentences and plainer words:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", checklist_files(), ids=lambda p: p.stem)
def test_no_statement_on_any_list_is_above_grade_9(path):
    problems = [f"{path.stem}.{item['id']}: grade {grade(item['text']):.1f} > {STATEMENT_MAX:g}: {item['text']}"
                for item in load(path)["items"] if grade(item["text"]) > STATEMENT_MAX]
    assert not problems, "use shorter sentences and plainer words:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", checklist_files(), ids=lambda p: p.stem)
def test_intro_and_level_words_read_at_grade_8_or_lower(path):
    data = load(path)
    problems = too_hard(f"{path.stem}: intro", data["intro"], PROSE_MAX)
    for level, text in data.get("level_words", {}).items():
        problems += too_hard(f"{path.stem}: level_words.{level}", text, PROSE_MAX)
    assert not problems, "use shorter sentences and plainer words:\n" + "\n".join(problems)


def test_shared_level_words_read_at_grade_8_or_lower():
    vocab = load(CHECKLISTS / "_vocabulary.toml")
    texts = [(f"_vocabulary: levels[{level.get('id')}].{key}", text)
             for level in vocab.get("levels", []) for key, text in level.items()
             if key not in NOT_SENTENCES and isinstance(text, str)]
    texts += [(f"_vocabulary: levels_extra.{key}", text) for key, text in vocab.get("levels_extra", {}).items()
              if key not in NOT_SENTENCES and isinstance(text, str)]
    assert texts, "no level words found in _vocabulary.toml"
    check_shared(texts)


@pytest.mark.parametrize("key", ["limits", "device_note"])
def test_limits_and_device_note_read_at_grade_8_or_lower(key):
    text = load(CHECKLISTS / "_resources.toml").get(key)
    assert isinstance(text, str) and text.strip(), f"_resources.toml has no {key}"
    check_shared([(f"_resources: {key}", text)])
