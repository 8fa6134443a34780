"""Checklists as data: the shipped files are valid, and every malformed file is reported with
the file, the item and the field."""

from __future__ import annotations

import re
import shutil
import tomllib
from collections.abc import Mapping

import pytest
from _helpers import CORE_COUNTS, SHIPPED_DIR, write_checklist

from toolkit import ChecklistError, load_checklists
from toolkit.checklist import (
    KINDS,
    VOCABULARY_FILE,
    ChecklistSet,
    checklist_files,
    display_path,
    load_vocabulary,
)

SOURCE_FILE = re.compile(r"^\d{3}_[0-9a-f]+\.txt\b")


def raw_checklists() -> dict[str, dict]:
    """The shipped files parsed by tomllib alone, independent of the toolkit's loader."""
    out = {}
    for path in checklist_files(SHIPPED_DIR):
        with path.open("rb") as fh:
            out[path.stem] = tomllib.load(fh)
    return out


# ------------------------------------------------------------------ shipped checklists


def test_shipped_checklists_load_without_problems(checklists):
    assert set(checklists) == {p.stem for p in checklist_files(SHIPPED_DIR)}


@pytest.mark.parametrize("cid,count", sorted(CORE_COUNTS.items()))
def test_core_checklist_has_its_items(checklists, cid, count):
    assert cid in checklists
    assert len(checklists[cid].items) == count
    assert len(raw_checklists()[cid]["items"]) == count


@pytest.mark.parametrize("cid", sorted(CORE_COUNTS))
def test_item_ids_unique_in_the_files(cid):
    ids = [item["id"] for item in raw_checklists()[cid]["items"]]
    assert len(ids) == len(set(ids))


def test_every_source_names_a_source_file(checklists):
    for c in checklists.values():
        assert SOURCE_FILE.match(c.source), (c.id, c.source)
        for item in c.items:
            assert SOURCE_FILE.match(item.source), (c.id, item.id, item.source)


def test_every_trauma_bonding_item_is_a_safety_item(checklists):
    items = checklists["trauma-bonding"].items
    assert items and all(item.safety for item in items)


def test_shipped_items_use_known_themes_and_valid_severities(checklists, vocab):
    for c in checklists.values():
        assert c.kind in KINDS
        for item in c.items:
            assert item.severity in (1, 2, 3)
            assert item.themes and set(item.themes) <= set(vocab.themes)


def test_the_vocabulary_has_an_unscored_unsure_and_ordered_levels(vocab):
    assert vocab.weight("unsure") is None
    weights = [o.weight for o in vocab.scale if o.weight is not None]
    assert weights == sorted(weights) and weights[0] == 0
    bounds = [lv.below for lv in vocab.levels]
    assert bounds == sorted(bounds) and bounds[-1] > 100


# ------------------------------------------------------------------ malformed checklists
# Each case mutates a copy of toxic-relationship.toml. A mutation works on the text of the
# file (str) or returns bytes; the expected fragments may use {line}, the first changed line.

FILE = "toxic-relationship.toml"
ITEM = "arguments-to-wound"  # the first item
SECOND = "anger-or-threats-when-you-raise-problems"  # the second item


def in_item(item_id: str, key: str, value: str | None):
    """Set `key = value` inside the item's block (value None removes the key)."""

    def mutate(text: str) -> str:
        start = text.index(f'id = "{item_id}"')
        end = text.find("[[items]]", start)
        end = len(text) if end < 0 else end
        block = text[start:end]
        line = re.compile(rf"^{re.escape(key)} = .*\n", re.M)
        if value is None:
            assert line.search(block), key
            new = line.sub("", block, count=1)
        elif line.search(block):
            new = line.sub(lambda _: f"{key} = {value}\n", block, count=1)
        else:
            new = block.replace("\n", f"\n{key} = {value}\n", 1)
        return text[:start] + new + text[end:]

    return mutate


def at_top(key: str, value: str):
    """Set a top-level key (before the first [[items]])."""

    def mutate(text: str) -> str:
        head, sep, rest = text.partition("[[items]]")
        line = re.compile(rf"^{re.escape(key)} = .*\n", re.M)
        if line.search(head):
            head = line.sub(lambda _: f"{key} = {value}\n", head, count=1)
        else:
            head = f"{key} = {value}\n" + head
        return head + sep + rest

    return mutate


def latin1_title(text: str) -> bytes:
    return text.replace('title = "', 'title = "Caf\u00e9 ', 1).encode("latin-1", "replace")


def syntax_error(text: str) -> str:
    return in_item(SECOND, "severity", "= 3")(text)


MALFORMED = [
    pytest.param(in_item(ITEM, "severity", "5"),
                 [f"{FILE}: item '{ITEM}': severity must be 1, 2 or 3 (got 5)"], id="severity-5"),
    pytest.param(in_item(ITEM, "severity", "0"),
                 [f"{FILE}: item '{ITEM}': severity must be 1, 2 or 3 (got 0)"], id="severity-0"),
    pytest.param(in_item(ITEM, "severity", '"high"'),
                 [f"{FILE}: item '{ITEM}': severity must be 1, 2 or 3 (got 'high')"], id="severity-text"),
    pytest.param(in_item(ITEM, "severity", "true"),
                 [f"{FILE}: item '{ITEM}': severity must be 1, 2 or 3 (got True)"], id="severity-bool"),
    pytest.param(in_item(SECOND, "id", f'"{ITEM}"'),
                 [f"{FILE}: item '{ITEM}': duplicate item id"], id="duplicate-id"),
    pytest.param(in_item(ITEM, "themes", '["astrology", "communication"]'),
                 [f"{FILE}: item '{ITEM}': unknown theme 'astrology'"], id="unknown-theme"),
    pytest.param(in_item(ITEM, "themes", "[]"),
                 [f"{FILE}: item '{ITEM}': themes must be a non-empty list"], id="no-themes"),
    pytest.param(in_item(ITEM, "text", None),
                 [f"{FILE}: item '{ITEM}': missing required key 'text'"], id="missing-text"),
    pytest.param(in_item(ITEM, "text", '"   "'),
                 [f"{FILE}: item '{ITEM}': text must be non-empty text"], id="blank-text"),
    pytest.param(in_item(ITEM, "source", None),
                 [f"{FILE}: item '{ITEM}': missing required key 'source'"], id="missing-source"),
    pytest.param(in_item(ITEM, "weight", "2"),
                 [f"{FILE}: item '{ITEM}': unknown key 'weight'"], id="unknown-item-key"),
    pytest.param(at_top("author", '"me"'), [f"{FILE}: unknown key 'author'"], id="unknown-top-key"),
    pytest.param(in_item(ITEM, "safety", '"yes"'),
                 [f"{FILE}: item '{ITEM}': safety must be true or false (got 'yes')"], id="safety-text"),
    pytest.param(in_item(ITEM, "reverse", "1"),
                 [f"{FILE}: item '{ITEM}': reverse must be true or false (got 1)"], id="reverse-int"),
    pytest.param(in_item(ITEM, "id", '"Arguments To Wound"'),
                 [f"{FILE}: item 'Arguments To Wound': id must be a lowercase slug"], id="id-not-slug"),
    pytest.param(syntax_error, [f"{FILE}: TOML syntax error", "line {line}"], id="toml-syntax"),
    pytest.param(at_top("id", '"toxic"'),
                 [f"{FILE}: id must match the file name 'toxic-relationship' (got 'toxic')"],
                 id="id-not-file-name"),
    pytest.param(at_top("kind", '"yellow-flags"'),
                 [f"{FILE}: kind must be one of {', '.join(KINDS)} (got 'yellow-flags')"], id="bad-kind"),
    pytest.param(at_top("version", "0"),
                 [f"{FILE}: version must be a whole number >= 1 (got 0)"], id="version-0"),
    pytest.param(at_top("version", '"2"'),
                 [f"{FILE}: version must be a whole number >= 1 (got '2')"], id="version-text"),
    pytest.param(at_top("retired", f'["{ITEM}"]'),
                 [f"{FILE}: item '{ITEM}': this id was retired and must not be reused"],
                 id="reused-retired-id"),
    pytest.param(at_top("retired", "[1, 2]"), [f"{FILE}: retired must be a list of item ids"],
                 id="retired-not-ids"),
    pytest.param(lambda text: text.partition("[[items]]")[0] + "items = []\n",
                 [f"{FILE}: items must be a non-empty list"], id="no-items"),
    pytest.param(latin1_title, [f"{FILE}: not UTF-8 text"], id="not-utf8"),
]


@pytest.mark.parametrize("mutate,fragments", MALFORMED)
def test_malformed_checklist_names_file_item_and_field(shipped_copy, mutate, fragments):
    path = shipped_copy / FILE
    original = path.read_text(encoding="utf-8")
    changed = mutate(original)
    assert changed != original
    if isinstance(changed, bytes):
        path.write_bytes(changed)
        line = None
    else:
        path.write_text(changed, encoding="utf-8")
        line = next(n for n, (a, b) in enumerate(zip(original.splitlines(), changed.splitlines()), 1)
                    if a != b)
    with pytest.raises(ChecklistError) as info:
        load_checklists(shipped_copy)
    message = str(info.value)
    for fragment in fragments:
        assert fragment.format(line=line) in message
    # every line names the broken file, and only it: the other checklists are fine
    for problem in message.splitlines():
        assert str(path) in problem or problem.startswith(FILE), problem


def test_every_problem_in_a_file_is_reported_at_once(shipped_copy):
    path = shipped_copy / FILE
    text = path.read_text(encoding="utf-8")
    text = in_item(ITEM, "severity", "7")(in_item(SECOND, "themes", '["nope"]')(at_top("kind", '"x"')(text)))
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ChecklistError) as info:
        load_checklists(shipped_copy)
    lines = str(info.value).splitlines()
    assert len(lines) == 3
    assert any(f"item '{ITEM}': severity" in ln for ln in lines)
    assert any(f"item '{SECOND}': unknown theme 'nope'" in ln for ln in lines)
    assert any("kind must be one of" in ln for ln in lines)


def test_problems_in_several_files_are_all_reported(shipped_copy):
    for name in ("toxic-relationship.toml", "trauma-bonding.toml"):
        path = shipped_copy / name
        path.write_text(at_top("surprise", "1")(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ChecklistError) as info:
        load_checklists(shipped_copy)
    message = str(info.value)
    assert "toxic-relationship.toml: unknown key 'surprise'" in message
    assert "trauma-bonding.toml: unknown key 'surprise'" in message


def test_missing_and_empty_folders_are_errors(tmp_path):
    with pytest.raises(ChecklistError, match="no such folder"):
        load_checklists(tmp_path / "nowhere")
    with pytest.raises(ChecklistError, match="no checklist files"):
        load_checklists(tmp_path)


def test_underscore_files_are_not_checklists(shipped_copy):
    (shipped_copy / "_notes.toml").write_text("this is = = not even TOML", encoding="utf-8")
    assert set(load_checklists(shipped_copy)) == {p.stem for p in checklist_files(SHIPPED_DIR)}


def test_retired_ids_are_kept_when_not_reused(evolved):
    assert evolved.new.retired[0] == evolved.old_id and evolved.old_id not in evolved.old.retired
    assert evolved.old_id not in evolved.new.item_ids
    assert evolved.new.version == evolved.old.version + 1


# ------------------------------------------------------------------ vocabulary


def test_folder_without_vocabulary_uses_the_shipped_one(tmp_path, vocab):
    shutil.copy(SHIPPED_DIR / "trauma-bonding.toml", tmp_path)
    loaded = load_checklists(tmp_path)
    assert list(loaded) == ["trauma-bonding"]
    got = loaded["trauma-bonding"].vocabulary
    assert got.scale == vocab.scale and got.levels == vocab.levels
    assert dict(got.themes) == dict(vocab.themes)


def test_folder_with_its_own_vocabulary_uses_it(tmp_path):
    text = (SHIPPED_DIR / VOCABULARY_FILE).read_text(encoding="utf-8")
    head, _, _ = text.partition("[themes]")
    (tmp_path / VOCABULARY_FILE).write_text(
        head + '[themes]\nmy-theme = { title = "Mine", description = "Only here." }\n', encoding="utf-8")
    write_checklist(tmp_path, "own", [{"id": "one", "severity": 1, "themes": ["my-theme"]}])
    assert load_checklists(tmp_path)["own"].vocabulary.themes["my-theme"].title == "Mine"
    # a shipped checklist's themes are unknown to this vocabulary
    shutil.copy(SHIPPED_DIR / "trauma-bonding.toml", tmp_path)
    with pytest.raises(ChecklistError, match=r"trauma-bonding\.toml: item '[a-z-]+': unknown theme"):
        load_checklists(tmp_path)


@pytest.mark.parametrize("old,new,fragment", [
    ('safety_from = "sometimes"', 'safety_from = "unsure"', "rules.safety_from must name a weighted"),
    ("weight = 4", "weight = -4", "scale option 'always': weight must be a whole number"),
    ("[levels_extra]", "[levels_more]", "unknown key 'levels_more'"),
])
def test_bad_vocabulary_is_reported(tmp_path, old, new, fragment):
    text = (SHIPPED_DIR / VOCABULARY_FILE).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / VOCABULARY_FILE
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ChecklistError) as info:
        load_vocabulary(path)
    assert f"{VOCABULARY_FILE}: {fragment}" in str(info.value)


# ------------------------------------------------------------------ control and bidi characters
# A checklist's text reaches terminals (`redflag list`) and pages. Control characters (escape
# sequences) and bidi overrides/isolates make it show something other than what a reviewer of
# the file read: `validate` refuses them in any text, naming the file and the key.

UNSAFE = {
    "escape": "\\u001b[2J", "bell": "\\u0007", "null": "\\u0000", "delete": "\\u007f",
    "c1-next-line": "\\u0085", "c1-csi": "\\u009b", "lone-cr": "a\\rb", "line-separator": "\\u2028",
    "rlo": "\\u202e", "lre": "\\u202a", "pdf": "\\u202c", "lri": "\\u2066", "fsi": "\\u2068", "pdi": "\\u2069",
}
ALLOWED = {"tab": "a\\tb", "newline": "a\\nb", "windows-line-end": "a\\r\\nb",
           "right-to-left-text": "שלום \\u200f(mark)", "zero-width-joiner": "a\\u200db"}


def _with(text: str, where: str, escaped: str) -> str:
    """The checklist text with `escaped` (TOML escapes) added to the title, an item's text or
    a level_words sentence."""
    if where == "title":
        return at_top("title", f'"Signs {escaped}"')(text)
    if where == "item":
        return in_item(SECOND, "text", f'"Statement {escaped}"')(text)
    return at_top("level_words", f'{{ high = "Many signs {escaped}" }}')(text)


@pytest.mark.parametrize("where,key", [("title", "title"), ("item", f"items[2] '{SECOND}'.text"),
                                       ("level_words", "level_words.high")])
@pytest.mark.parametrize("char", UNSAFE.values(), ids=UNSAFE.keys())
def test_control_and_bidi_characters_are_refused_naming_file_and_key(shipped_copy, char, where, key):
    path = shipped_copy / FILE
    path.write_text(_with(path.read_text(encoding="utf-8"), where, char), encoding="utf-8")
    with pytest.raises(ChecklistError) as info:
        load_checklists(shipped_copy)
    message = str(info.value)
    assert f"{FILE}: {key}: holds U+" in message, message
    assert "control and bidi override characters are not allowed" in message
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", message), \
        "the message must not carry the character itself"


@pytest.mark.parametrize("char", ALLOWED.values(), ids=ALLOWED.keys())
def test_tabs_newlines_and_right_to_left_text_are_allowed(shipped_copy, char):
    path = shipped_copy / FILE
    path.write_text(_with(path.read_text(encoding="utf-8"), "title", char), encoding="utf-8")
    assert load_checklists(shipped_copy)["toxic-relationship"].title.startswith("Signs ")


def test_control_characters_in_the_vocabulary_and_in_a_key_are_refused(shipped_copy):
    vocab = shipped_copy / VOCABULARY_FILE
    text = vocab.read_text(encoding="utf-8")
    vocab.write_text(text.replace('label = "Never"', 'label = "Never\\u001b]0;x\\u0007"', 1), encoding="utf-8")
    named = r"_vocabulary\.toml: scale\[1\] 'never'\.label: holds U\+001B \(a control character\)"
    with pytest.raises(ChecklistError, match=named):
        load_checklists(shipped_copy)
    vocab.write_text(text, encoding="utf-8")
    path = shipped_copy / FILE
    path.write_text(at_top('"odd\\u202ekey"', '"x"')(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ChecklistError, match=r"toxic-relationship\.toml: key 'odd\\u202ekey'"):
        load_checklists(shipped_copy)


# ------------------------------------------------------------------ the set of checklists


def test_load_checklists_gives_a_read_only_set_with_its_one_vocabulary(checklists, vocab):
    assert isinstance(checklists, ChecklistSet) and isinstance(checklists, Mapping)
    assert checklists.vocabulary == vocab
    assert all(ed.vocabulary is checklists.vocabulary for ed in checklists.editions)
    assert list(checklists) == [p.stem for p in checklist_files(SHIPPED_DIR)]
    with pytest.raises(TypeError):
        checklists["another"] = checklists["trauma-bonding"]  # type: ignore[index]


def test_a_checklist_with_another_vocabulary_is_refused_naming_its_file(checklists, tmp_path):
    own = tmp_path / "own"
    own.mkdir()
    text = (SHIPPED_DIR / VOCABULARY_FILE).read_text(encoding="utf-8")
    assert text.count('label = "Never"') == 1
    (own / VOCABULARY_FILE).write_text(text.replace('label = "Never"', 'label = "Not at all"'), encoding="utf-8")
    shutil.copy(SHIPPED_DIR / FILE, own)
    theirs = load_checklists(own)["toxic-relationship"]
    with pytest.raises(ChecklistError) as info:
        ChecklistSet({"trauma-bonding": checklists["trauma-bonding"], "theirs": theirs})
    (problem,) = info.value.problems
    assert problem.file == display_path(own / FILE) and "another vocabulary" in problem.message
    assert str(info.value).startswith(f"{display_path(own / FILE)}: uses another vocabulary")
    # the same words, loaded twice, are one vocabulary
    assert len(ChecklistSet({**checklists, "own": load_checklists(SHIPPED_DIR)["trauma-bonding"]})) == \
        len(checklists) + 1


def test_the_set_knows_every_edition_current_and_archived(checklists):
    archived = [c.editions[v] for c in checklists.values() for v in sorted(c.editions)]
    assert archived, "the shipped checklists keep at least one earlier edition"
    editions = checklists.editions
    assert len(editions) == len(checklists) + len(archived)
    assert all(any(e is ed for e in editions) for ed in [*checklists.values(), *archived])
    for c in checklists.values():  # each checklist, then its earlier editions, oldest first
        at = next(n for n, e in enumerate(editions) if e is c)
        assert [e.version for e in editions[at + 1:at + 1 + len(c.editions)]] == sorted(c.editions)
    assert [(e.id, e.version, it.id) for e, it in checklists.catalogue_items] == \
        [(e.id, e.version, it.id) for e in editions for it in e.items]


# ------------------------------------------------------------------ level bounds


@pytest.mark.parametrize("first,second", [(1, 2), (2, 3), (1, 3)])
def test_level_bounds_out_of_order_are_refused_naming_file_and_key(shipped_copy, first, second):
    """Two `below` bounds swapped in a copy of _vocabulary.toml: refused, naming the file and
    `levels[n].below` (n counts the [[levels]] tables from 1)."""
    path = shipped_copy / VOCABULARY_FILE
    text = path.read_text(encoding="utf-8")
    bounds = re.findall(r"^below = (.*)$", text, flags=re.M)
    a, b = bounds[first - 1], bounds[second - 1]
    lines = iter([bounds[second - 1] if n == first - 1 else bounds[first - 1] if n == second - 1 else x
                  for n, x in enumerate(bounds)])
    path.write_text(re.sub(r"^below = .*$", lambda _: f"below = {next(lines)}", text, flags=re.M),
                    encoding="utf-8")
    assert a != b
    with pytest.raises(ChecklistError) as info:
        load_checklists(shipped_copy)
    keys = [p.key for p in info.value.problems]
    assert f"levels[{second}].below" in keys, keys
    assert all(p.file == display_path(path) for p in info.value.problems)
    assert f"{display_path(path)}: levels[{second}].below must be above" in str(info.value)


def test_equal_level_bounds_are_refused(shipped_copy):
    path = shipped_copy / VOCABULARY_FILE
    text = path.read_text(encoding="utf-8")
    first = re.search(r"^below = (.*)$", text, flags=re.M).group(1)
    path.write_text(re.sub(r"^below = .*$", f"below = {first}", text, flags=re.M), encoding="utf-8")
    with pytest.raises(ChecklistError) as info:
        load_vocabulary(path)
    assert [p.key for p in info.value.problems] == [f"levels[{n}].below" for n in range(2, 1 + len(
        re.findall(r"^below = ", text, flags=re.M)))]


# ------------------------------------------------------------------ problems as data


def test_a_checklist_error_carries_its_problems_as_data(shipped_copy):
    path = shipped_copy / FILE
    text = in_item(ITEM, "severity", "5")(path.read_text(encoding="utf-8"))
    path.write_text(at_top("kind", '"horoscope"')(text), encoding="utf-8")
    with pytest.raises(ChecklistError) as info:
        load_checklists(shipped_copy)
    found = {(p.file, p.item, p.key) for p in info.value.problems}
    assert found == {(display_path(path), None, "kind"), (display_path(path), ITEM, "severity")}
    assert str(info.value).splitlines() == [str(p) for p in info.value.problems]
    assert f"{display_path(path)}: item '{ITEM}': severity must be 1, 2 or 3 (got 5)" in str(info.value)


def test_an_unreadable_file_keeps_its_cause(shipped_copy):
    path = shipped_copy / FILE
    path.write_text("title = \n", encoding="utf-8")
    with pytest.raises(ChecklistError) as info:
        load_checklists(shipped_copy)
    causes = []
    cause = info.value.__cause__
    while cause is not None:
        causes.append(cause)
        cause = cause.__cause__
    assert any(isinstance(c, tomllib.TOMLDecodeError) for c in causes), causes
    assert info.value.problems[0].file == display_path(path)
