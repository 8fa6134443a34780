"""The support resources: the loader (every malformed entry is a ChecklistError naming the file,
the entry and the key), the order for a country (emergency numbers first; with no country, no
country's lines first), the shipped helplines and their ways to reach them, the limits and the
device note, and the country choice (a default en_US locale is not taken as a choice)."""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

import pytest
from _helpers import REPO, SHIPPED_DIR, run_cli, text_of, workspace_for

from toolkit import ChecklistError
from toolkit.checklist import display_path
from toolkit.markup import support_html
from toolkit.resources import load_resources

HEAD = '''heading = "Help"
message = "Message."
disclaimer = "Not a diagnosis."

[countries]
GB = "United Kingdom"
US = "United States"
'''

ENTRIES = {
    "Everywhere line": ('countries = ["*"]', 'phone = "112"'),
    "UK line": ('countries = ["GB"]', 'phone = "0800 000 000"'),
    "US line": ('countries = ["US"]', 'web = "https://example.org/us"'),
    "UK and US line": ('countries = ["GB", "US"]', 'phone = "0800 111 111"'),
    "Directory": ('countries = ["*"]', 'web = "https://example.org/find"'),
}


def entry(name: str, *lines: str, base: bool = True) -> str:
    common = [f'name = "{name}"', 'region = "Somewhere"', 'when = "For testing."',
              'hours = "24 hours, every day"', "reviewed = 2026-11-25"] if base else []
    return "\n".join(["", "[[resources]]", *common, *lines]) + "\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "_resources.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def sample(tmp_path):
    return load_resources(write(tmp_path, HEAD + "".join(entry(n, *lines) for n, lines in ENTRIES.items())))


def test_the_shipped_resources_load_with_country_names_and_dates():
    res = load_resources(SHIPPED_DIR / "_resources.toml")
    assert res.items and res.countries
    for r in res.items:
        assert r.countries and r.hours and isinstance(r.reviewed, date)
        assert all(c == "*" or c in res.countries for c in r.countries)
    assert any(r.countries == ("*",) for r in res.items)


def test_the_fields_are_read_as_typed(sample):
    uk = next(r for r in sample.items if r.name == "UK line")
    assert uk.countries == ("GB",) and uk.reviewed == date(2026, 11, 25) and uk.hours == "24 hours, every day"
    assert dict(sample.countries) == {"GB": "United Kingdom", "US": "United States"}
    with pytest.raises(TypeError):
        sample.countries["FR"] = "France"  # read-only


@pytest.mark.parametrize("code,first", [
    ("GB", ["UK line", "UK and US line", "Everywhere line", "Directory"]),
    ("gb", ["UK line", "UK and US line", "Everywhere line", "Directory"]),
    ("US", ["US line", "UK and US line", "Everywhere line", "Directory"]),
    (None, ["Everywhere line", "Directory"]),
    ("", ["Everywhere line", "Directory"]),
    ("FR", ["Everywhere line", "Directory"]),
])
def test_for_country_puts_that_country_then_everywhere_first_in_file_order(sample, code, first):
    shown, rest = sample.for_country(code)
    assert [r.name for r in shown] == first
    assert [r.name for r in rest] == [n for n in ENTRIES if n not in first]
    assert len(shown) + len(rest) == len(sample.items)


BAD = [
    pytest.param(entry("X", 'countries = ["GB"]', 'phone = "1"', 'colour = "red"'),
                 "resource 1 ('X'): unknown key 'colour'", id="unknown-key"),
    pytest.param(entry("X", 'phone = "1"'), "resource 1 ('X'): missing required key 'countries'",
                 id="no-countries"),
    pytest.param(entry("X", 'countries = ["GB"]', 'phone = "1"').replace('hours = "24 hours, every day"\n', ""),
                 "resource 1 ('X'): missing required key 'hours'", id="no-hours"),
    pytest.param(entry("X", 'countries = ["GB"]', 'phone = "1"').replace("reviewed = 2026-11-25\n", ""),
                 "resource 1 ('X'): missing required key 'reviewed'", id="no-reviewed"),
    pytest.param(entry("X", 'countries = ["GB"]', 'phone = "1"').replace("reviewed = 2026-11-25",
                                                                   'reviewed = "2026-11-25"'),
                 "resource 1 ('X'): reviewed must be a date", id="reviewed-text"),
    pytest.param(entry("X", 'countries = ["GB"]', 'phone = "1"').replace("reviewed = 2026-11-25",
                                                                   "reviewed = 2026-11-25T10:00:00"),
                 "resource 1 ('X'): reviewed must be a date", id="reviewed-datetime"),
    pytest.param(entry("X", 'countries = ["GB"]', 'phone = "1"').replace("reviewed = 2026-11-25",
                                                                   "checked = 2026-11-25"),
                 "resource 1 ('X'): 'checked' is now called 'reviewed'", id="old-checked-key"),
    pytest.param(entry("X", 'countries = ["FR"]', 'phone = "1"'),
                 "resource 1 ('X'): countries: 'FR' is not listed in the [countries] table", id="unlisted-country"),
    pytest.param(entry("X", 'countries = ["gb"]', 'phone = "1"'),
                 "resource 1 ('X'): countries: 'gb' is not a two-letter country code", id="lowercase-code"),
    pytest.param(entry("X", 'countries = []', 'phone = "1"'),
                 "resource 1 ('X'): countries must be a non-empty list", id="empty-countries"),
    pytest.param(entry("X", 'countries = "GB"', 'phone = "1"'),
                 "resource 1 ('X'): countries must be a non-empty list", id="countries-text"),
    pytest.param(entry("X", 'countries = ["*", "GB"]', 'phone = "1"'),
                 "resource 1 ('X'): countries: \"*\" (everywhere) must stand alone", id="star-and-code"),
    pytest.param(entry("X", 'countries = ["GB"]'), "resource 1 ('X'): needs a way to reach it",
                 id="no-way-to-reach"),
    pytest.param(entry("X", 'countries = ["GB"]', 'phone = "call us"'),
                 "resource 1 ('X'): phone must contain a number", id="phone-without-number"),
    pytest.param(entry("X", 'countries = ["GB"]', 'phone = "1"', 'text = "START"'),
                 "resource 1 ('X'): text must contain a number", id="text-without-number"),
    pytest.param(entry("X", 'countries = ["GB"]', 'tty = "TTY"'),
                 "resource 1 ('X'): tty must contain a number", id="tty-without-number"),
    pytest.param(entry("X", 'countries = ["GB"]', 'tty = ""'),
                 "resource 1 ('X'): tty must be non-empty text", id="tty-empty"),
    pytest.param(entry("X", 'countries = ["GB"]', 'chat = "http://example.org/chat"'),
                 "resource 1 ('X'): chat must start with https://", id="chat-http"),
    pytest.param(entry("X", 'countries = ["GB"]', 'phone = "1"', 'languages = "Spanish"'),
                 "resource 1 ('X'): languages must be a non-empty list", id="languages-text"),
    pytest.param(entry("X", 'countries = ["GB"]', 'phone = "1"', 'languages = []'),
                 "resource 1 ('X'): languages must be a non-empty list", id="languages-empty"),
    pytest.param(entry("X", 'countries = ["GB"]', 'phone = "1"', 'languages = ["English", " "]'),
                 "resource 1 ('X'): languages must be a non-empty list", id="languages-blank"),
    pytest.param(entry("X", 'countries = ["GB"]', 'phone = "1"', 'emergency = "yes"'),
                 "resource 1 ('X'): emergency must be true or false", id="emergency-text"),
    pytest.param(entry("X", 'countries = ["GB"]', 'web = "http://example.org"'),
                 "resource 1 ('X'): web must start with https://", id="http"),
    pytest.param(entry("X", 'countries = ["GB"]', 'phone = "1"').replace('hours = "24 hours, every day"',
                                                                   'hours = " "'),
                 "resource 1 ('X'): hours must be non-empty text", id="blank-hours"),
    pytest.param(entry("", 'region = "R"', 'when = "W."', 'hours = "H"', "checked = 2026-11-25",
                       'countries = ["GB"]', 'phone = "1"', base=False).replace('name = ""\n', ""),
                 "resource 1: missing required key 'name'", id="no-name"),
    pytest.param('\n[countries]\nXX1 = "Nowhere"\n' + entry("X", 'countries = ["*"]', 'phone = "1"'),
                 "countries: 'XX1' is not a two-letter country code", id="bad-table-code"),
    pytest.param(entry("X", 'countries = ["*"]', 'phone = "1"'), "unknown key 'surprise'",
                 id="unknown-top-key"),
]


@pytest.mark.parametrize("tail,expected", BAD)
def test_a_malformed_entry_names_the_file_the_entry_and_the_key(tmp_path, tail, expected):
    head = HEAD if "[countries]" not in tail else HEAD.split("[countries]")[0]
    if "surprise" in expected:  # an unknown key at the top level, before any table
        head = "surprise = 1\n" + head
    path = write(tmp_path, head + tail)
    with pytest.raises(ChecklistError) as err:
        load_resources(path)
    message = str(err.value)
    assert "_resources.toml" in message and expected in message, message


def test_every_problem_is_reported_at_once(tmp_path):
    text = HEAD + entry("A", 'countries = ["FR"]', 'phone = "1"') + entry("B", 'countries = ["GB"]')
    with pytest.raises(ChecklistError) as err:
        load_resources(write(tmp_path, text))
    lines = str(err.value).splitlines()
    assert any("resource 1 ('A')" in ln and "'FR'" in ln for ln in lines)
    assert any("resource 2 ('B')" in ln and "a phone or a web address" in ln for ln in lines)



def test_the_problems_are_data_from_the_same_collector_as_the_checklists(tmp_path):
    """Each problem names the file, the entry and the key as fields, and reads as before."""
    path = write(tmp_path, HEAD + entry("A", 'countries = ["FR"]', 'phone = "1"') + entry("B", 'countries = ["GB"]'))
    with pytest.raises(ChecklistError) as err:
        load_resources(path)
    problems = err.value.problems
    assert [(p.item, p.key) for p in problems] == [("resource 1 ('A')", "resources[1]"),
                                                   ("resource 2 ('B')", "resources[2]")]
    assert all(p.file == display_path(path) for p in problems)
    assert str(err.value).splitlines() == [f"{display_path(path)}: {p.item}: {p.message}" for p in problems]


def test_the_contact_fields_are_read_as_typed(tmp_path):
    text = HEAD + entry("Line", 'countries = ["US"]', 'phone = "1-800-000-0000"', 'text = "START to 12345"',
                        'tty = "1-800-000-0001"', 'chat = "https://example.org/chat"',
                        'web = "https://example.org"', 'languages = ["English", "Spanish"]')
    text += entry("Emergency", 'countries = ["US"]', 'phone = "911"', "emergency = true")
    line, emergency = load_resources(write(tmp_path, text)).items
    assert (line.phone, line.text, line.tty, line.chat, line.web) == (
        "1-800-000-0000", "START to 12345", "1-800-000-0001", "https://example.org/chat", "https://example.org")
    assert line.languages == ("English", "Spanish") and line.speaks("spanish") and not line.speaks("French")
    assert not line.emergency and emergency.emergency and emergency.languages == ()


# ------------------------------------------------------------------ the shipped helplines


@pytest.fixture(scope="module")
def shipped():
    return load_resources(SHIPPED_DIR / "_resources.toml")


def one(res, name, country):
    found = [r for r in res.items if r.name == name and country in r.countries]
    assert len(found) == 1, f"{name} ({country}): {len(found)} entries"
    return found[0]


def test_germany_gives_110_for_the_police_and_112_for_ambulance_and_fire(shipped):
    de = [r for r in shipped.items if r.emergency and "DE" in r.countries]
    assert len(de) == 1
    numbers = de[0].phone
    assert re.search(r"\b110\b[^·]*police", numbers) and re.search(r"\b112\b[^·]*ambulance", numbers), numbers
    first, _ = shipped.for_country("DE")
    assert first[0] is de[0]


def test_every_country_has_an_emergency_entry_and_it_comes_first(shipped):
    for code in shipped.countries:
        first, _ = shipped.for_country(code)
        emergency = [r for r in shipped.items if r.emergency and code in r.countries]
        assert emergency, f"no emergency number for {code}"
        assert list(first[:len(emergency)]) == emergency, code
        assert all(not r.emergency for r in first[len(emergency):])


def test_in_the_us_the_hotline_comes_first_and_988_after_it(shipped):
    first, rest = shipped.for_country("US")
    names = [r.name for r in first]
    assert names[0] == "Emergency services" and first[0].phone == "911"
    assert names[1] == "National Domestic Violence Hotline"
    assert names.index("National Domestic Violence Hotline") < names.index("988 Suicide & Crisis Lifeline")
    assert not any("GB" in r.countries for r in first)


@pytest.mark.parametrize("name,country,fields", [
    ("National Domestic Violence Hotline", "US",
     {"phone": "1-800-799-7233", "tty": "1-800-787-3224", "text": "START to 88788"}),
    ("StrongHearts Native Helpline", "US", {"phone": "1-844-762-8483"}),
    ("RAINN National Sexual Assault Hotline", "US", {"phone": "1-800-656-4673"}),
    ("Silent Solution: call 999 if you cannot speak", "GB", {"phone": "999, then press 55", "emergency": True}),
    ("National Stalking Helpline", "GB", {"phone": "0808 802 0300"}),
    ("Assaulted Women's Helpline", "CA", {"phone": "1-866-863-0511", "region": "Ontario"}),
    ("SOS violence conjugale", "CA", {"phone": "1-800-363-9010", "region": "Québec"}),
    ("VictimLinkBC", "CA", {"phone": "1-800-563-0808"}),
    ("MensLine Australia", "AU", {"phone": "1300 78 99 78"}),
    ("13YARN", "AU", {"phone": "13 92 76"}),
    ("1737, Need to talk?", "NZ", {"phone": "1737", "text": "1737"}),
])
def test_the_added_lines_are_there_with_their_ways_to_reach_them(shipped, name, country, fields):
    r = one(shipped, name, country)
    for key, value in fields.items():
        assert getattr(r, key) == value, (name, key)
    assert r.when and r.hours and r.reviewed


def test_13yarn_says_who_it_is_for_and_spanish_is_named_where_offered(shipped):
    assert "Aboriginal and Torres Strait Islander" in one(shipped, "13YARN", "AU").when
    spanish = {r.name for r in shipped.items if r.speaks("Spanish")}
    assert {"National Domestic Violence Hotline", "988 Suicide & Crisis Lifeline"} <= spanish


def test_every_shipped_chat_and_web_address_is_https_and_each_line_has_a_way_to_reach_it(shipped):
    for r in shipped.items:
        assert r.phone or r.text or r.tty or r.chat or r.web, r.name
        assert all(a.startswith("https://") for a in (r.chat, r.web) if a), r.name


def test_checked_is_renamed_reviewed_everywhere():
    assert "checked" not in (SHIPPED_DIR / "_resources.toml").read_text(encoding="utf-8")
    from toolkit.resources import Resource
    assert "reviewed" in Resource.__dataclass_fields__ and "checked" not in Resource.__dataclass_fields__


# ------------------------------------------------------------------ no country's lines first by guesswork


@pytest.fixture
def locale(monkeypatch):
    def set_locale(value: str) -> None:
        for var in ("LC_ALL", "LC_MESSAGES"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("LANG", value)
    return set_locale


@pytest.mark.parametrize("value,country", [
    ("en_US.UTF-8", None), ("en_US", None), ("C.UTF-8", None), ("POSIX", None),
    ("en_GB.UTF-8", "GB"), ("de_DE.UTF-8", "DE"), ("en_AU.UTF-8", "AU"), ("fr_CA.UTF-8", "CA"),
    ("es_US.UTF-8", "US"), ("fr_FR.UTF-8", None),
])
def test_a_default_en_us_locale_is_not_taken_as_the_country(tmp_path, checklists, locale, value, country):
    locale(value)
    assert workspace_for(tmp_path, checklists).country == country


def test_with_en_us_and_no_choice_the_box_asks_and_puts_no_country_first(tmp_path, checklists, locale):
    locale("en_US.UTF-8")
    ws = workspace_for(tmp_path, checklists)
    box = html.unescape(support_html(ws.resources, urgent=True, country=ws.country))
    top = box.split("<ul", 1)[0]
    assert "Choose your country" in top  # the prompt, above every list
    listed, by_country = box.split("Helplines by country", 1)
    for r in ws.resources.items:
        if r.emergency:  # every country's emergency number, in the first list (numbers are links)
            assert r.phone in text_of(listed), r.region
    helplines = [r for r in ws.resources.items if not r.emergency and "*" not in r.countries]
    assert not any(f"<b>{r.name}</b>" in listed for r in helplines)
    assert all(r.name in by_country for r in helplines)
    # The countries' emergency numbers are in order of their names, not with the US first.
    regions = [r.region for r in ws.resources.for_country(ws.country)[0] if r.emergency]
    assert regions == sorted(regions) and regions[0] != "United States"
    # A chosen country puts its lines first and the prompt goes away.
    ws.store.save_settings(country="US")
    chosen = html.unescape(support_html(ws.resources, urgent=True, country=ws.country))
    assert "Choose your country" not in chosen and "<summary>Other countries</summary>" in chosen


def test_the_country_choice_prompts_and_says_when_the_locale_picked(tmp_path, checklists, locale):
    from toolkit.ui import SupportResources

    locale("en_US.UTF-8")
    view = SupportResources(workspace_for(tmp_path, checklists))
    assert view.country.widget.value == "" and view.country.widget.label == "Choose your country"
    assert view.country.root in view.box.children  # inside the box, under its heading
    assert view.box.children.index(view.box.head) < view.box.children.index(view.country.root)
    assert "Choose your country" in view.box.value and "just below" in view.box.value
    locale("en_GB.UTF-8")
    view = SupportResources(workspace_for(tmp_path / "gb", checklists))
    assert view.country.widget.value == "GB" and "language settings" in view.country.status.value
    assert "Choose your country" not in view.box.value
    view.country.widget.value = "IE"  # a real choice: kept, and the note goes
    assert view.country.status.value == "" and view.workspace.store.settings() == {"country": "IE"}


def test_the_cli_asks_for_the_country_and_lists_every_emergency_number(capsys, locale):
    locale("en_US.UTF-8")
    code, out, err = run_cli(capsys, "--dir", "/nonexistent-answers-folder", "resources")
    assert code == 0 and err == ""
    head, by_country = out.split("Helplines by country:", 1)
    assert "Choose your country" in head.splitlines()[1] and "--country" in head
    assert "110 (police)" in head and "911" in head and "999, then press 55" in head
    assert "National Domestic Violence Hotline" not in head and "National Domestic Violence Hotline" in by_country
    code, out, _ = run_cli(capsys, "resources", "--country", "US")
    assert "Choose your country" not in out
    assert out.index("National Domestic Violence Hotline") < out.index("988 Suicide")
    assert "TTY 1-800-787-3224" in out and "Text START to 88788" in out


# ------------------------------------------------------------------ what the checklists do not ask, devices


LIMIT_MARKERS = ("kill", "stalk", "track", "monitor", "leaving or separating", "most dangerous time",
                 "plan it with a helpline", "pregnan", "children", "pets", "getting worse", "more often")
SHORT_MARKERS = ("kill", "stalk", "track", "pregnan", "children", "pets", "worse", "Leaving",
                 "most dangerous time", "helpline")
DEVICE_MARKERS = ("only this site's entries", "Do not clear all of it", "noticed", "sync",
                  "cloud backups", "app may be watching", "passphrase", "Exit button", "Shift three times")


def test_the_limits_name_every_new_marker(shipped):
    for marker in LIMIT_MARKERS:
        assert marker.lower() in shipped.limits.lower(), marker
    for marker in ("violence", "strangl", "weapons", "sex", "money", "phone", "dangerous"):  # kept
        assert marker in shipped.limits, marker


def test_the_short_limits_fit_one_line_and_name_the_markers(shipped):
    assert len(shipped.limits_short) <= 240 and "\n" not in shipped.limits_short
    for marker in SHORT_MARKERS:
        assert marker.lower() in shipped.limits_short.lower(), marker


def test_the_device_note_covers_history_sync_apps_protection_and_exit(shipped):
    for marker in DEVICE_MARKERS:
        assert marker.lower() in shipped.device_note.lower(), marker
    assert "history settings to clear" not in shipped.device_note  # the old advice to clear it all


def test_readme_says_the_limits_word_for_word(shipped):
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert " ".join(shipped.limits.split()) in readme


@pytest.mark.parametrize("key", ["limits", "limits_short", "device_note"])
def test_the_limits_and_device_note_read_at_grade_8_or_lower(shipped, key):
    textstat = pytest.importorskip("textstat")
    grade = textstat.flesch_kincaid_grade(getattr(shipped, key))
    assert grade <= 8, f"{key}: Flesch-Kincaid grade {grade:.1f}"
