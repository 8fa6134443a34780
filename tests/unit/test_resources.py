"""The support resources loader: the shipped file loads, entries are ordered for a country, and
every malformed entry is a ChecklistError naming the file, the entry and the key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from _helpers import SHIPPED_DIR

from toolkit import ChecklistError
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
              'hours = "24 hours, every day"', "checked = 2026-11-25"] if base else []
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
        assert r.countries and r.hours and isinstance(r.checked, date)
        assert all(c == "*" or c in res.countries for c in r.countries)
    assert any(r.countries == ("*",) for r in res.items)


def test_the_fields_are_read_as_typed(sample):
    uk = next(r for r in sample.items if r.name == "UK line")
    assert uk.countries == ("GB",) and uk.checked == date(2026, 11, 25) and uk.hours == "24 hours, every day"
    assert dict(sample.countries) == {"GB": "United Kingdom", "US": "United States"}
    with pytest.raises(TypeError):
        sample.countries["FR"] = "France"  # read-only


@pytest.mark.parametrize("code,first", [
    ("GB", ["Everywhere line", "Directory", "UK line", "UK and US line"]),
    ("gb", ["Everywhere line", "Directory", "UK line", "UK and US line"]),
    ("US", ["Everywhere line", "Directory", "US line", "UK and US line"]),
    (None, ["Everywhere line", "Directory"]),
    ("", ["Everywhere line", "Directory"]),
    ("FR", ["Everywhere line", "Directory"]),
])
def test_for_country_puts_everywhere_then_that_country_first_in_file_order(sample, code, first):
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
    pytest.param(entry("X", 'countries = ["GB"]', 'phone = "1"').replace("checked = 2026-11-25\n", ""),
                 "resource 1 ('X'): missing required key 'checked'", id="no-checked"),
    pytest.param(entry("X", 'countries = ["GB"]', 'phone = "1"').replace("checked = 2026-11-25",
                                                                   'checked = "2026-11-25"'),
                 "resource 1 ('X'): checked must be a date", id="checked-text"),
    pytest.param(entry("X", 'countries = ["GB"]', 'phone = "1"').replace("checked = 2026-11-25",
                                                                   "checked = 2026-11-25T10:00:00"),
                 "resource 1 ('X'): checked must be a date", id="checked-datetime"),
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
    pytest.param(entry("X", 'countries = ["GB"]'), "resource 1 ('X'): needs a phone or a web address",
                 id="no-way-to-reach"),
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
    assert any("resource 2 ('B')" in ln and "phone or a web" in ln for ln in lines)
