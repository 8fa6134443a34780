"""Languages (issue 19): the Spanish checklists, vocabulary and helplines, the checks that keep a
translation complete and current, the choice of language, helplines ordered by language, the
UI catalogue installed at run time, and the CLI in Spanish.

The UI catalogue of these tests (`fake_catalogue`) is made from Babel's extraction, every
sentence marked «ES», so that the machinery is tested apart from the wording of the shipped
`.po`; `test_shipped_catalogue_is_complete` checks the shipped one.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest
from _helpers import REPO, SHIPPED_DIR, run_cli

from toolkit import i18n, save_answers
from toolkit import translations as tr
from toolkit.errors import ToolkitError
from toolkit.resources import RESOURCES_FILE, load_resources
from toolkit.scoring import score
from toolkit.store import AnswerStore
from toolkit.workspace import Workspace

CID = "toxic-relationship"
MARK = "«ES» "


def _po_with(folder: Path, catalog, translate) -> Path:
    from babel.messages.pofile import write_po

    path = folder / "es" / "LC_MESSAGES" / "redflag.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.locale = "es"
    for message in catalog:
        if message.id:
            message.string = translate(message)
    with path.open("wb") as fh:
        write_po(fh, catalog)
    return path


@pytest.fixture(scope="session")
def fake_locale(tmp_path_factory) -> Path:
    """A complete Spanish catalogue of every extracted sentence, each marked «ES»."""
    catalog = tr.extracted_catalogue(REPO)
    folder = tmp_path_factory.mktemp("locale")

    def translate(message):
        if isinstance(message.id, tuple):
            return tuple(MARK + message.id[min(n, 1)] for n in range(catalog.num_plurals))
        return MARK + message.id

    _po_with(folder, catalog, translate)
    return folder


@pytest.fixture
def fake_catalogue(fake_locale, monkeypatch):
    """The fake catalogue is the one the toolkit reads; English again afterwards."""
    monkeypatch.setattr(i18n, "locale_dir", lambda: fake_locale)
    monkeypatch.delenv(tr.ENV_LANG, raising=False)
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    yield fake_locale
    i18n.use(i18n.ENGLISH)


@pytest.fixture(scope="session")
def english(checklists):
    return checklists, load_resources(SHIPPED_DIR / RESOURCES_FILE)


def _problems(folder: Path, lang: str = "es") -> list[str]:
    ws = Workspace.open(folder, folder.parent / "answers")
    return [str(p) for p in tr.read_language(lang, ws.checklists, ws.resources, ui=False).problems]


# ------------------------------------------------------------------ the shipped Spanish


def test_shipped_spanish_texts_are_complete_and_current(english):
    assert tr.read_language("es", *english, ui=False).problems == ()


def test_shipped_catalogue_is_complete():
    """Every sentence Babel extracts from the code is translated in the shipped .po, none fuzzy."""
    problems = tr.catalogue_problems("es", extracted=tr.extracted_messages(REPO))
    assert problems == [], "\n".join(str(p) for p in problems[:20])


def test_spanish_changes_words_only_and_scores_the_same(english, make_answers):
    """Every id, weight, severity, theme and safety flag is the English one; every answer scores
    the same in both languages (points, percent, level, safety), only the words differ."""
    checklists, resources = english
    spanish, _res = tr.translated("es", checklists, resources)
    assert list(spanish) == list(checklists)
    for cid, c in checklists.items():
        es = spanish[cid]
        assert es.title != c.title and es.vocabulary is spanish.vocabulary
        for a, b in zip(c.items, es.items):
            for f in fields(a):
                if f.name not in ("text", "explain"):
                    assert getattr(a, f.name) == getattr(b, f.name), (cid, a.id, f.name)
            assert b.text != a.text
        for shift in range(len(c.vocabulary.scale)):
            offered = [[o.id for o in c.vocabulary.options_for(it)] for it in c.items]
            answers = make_answers(c, {it.id: ids[(n + shift) % len(ids)]
                                       for n, (it, ids) in enumerate(zip(c.items, offered))})
            en_result, es_result = score(answers, c), score(answers, es)
            assert en_result.level == es_result.level and en_result.safety == es_result.safety
            assert en_result.totals["points"] == es_result.totals["points"]
            assert str(en_result.totals["percent"]) == str(es_result.totals["percent"])
            assert en_result.explanation != es_result.explanation or not en_result.explanation
    assert [o.weight for o in spanish.vocabulary.scale] == [o.weight for o in checklists.vocabulary.scale]
    assert spanish.vocabulary.scale[0].label == "Nunca"


def test_spanish_resources_keep_numbers_and_order(english):
    _c, resources = english
    _s, spanish = tr.translated("es", *english)
    assert [(r.phone if not re.search("[A-Za-z]", r.phone) else "", r.web, r.countries, r.emergency, r.reviewed)
            for r in resources.items] == \
        [(s.phone if not re.search("[A-Za-z]", s.phone) else "", s.web, s.countries, s.emergency, s.reviewed)
         for s in spanish.items]
    assert spanish.heading != resources.heading and spanish.countries["ES"] == "España"


# ------------------------------------------------------------------ planted faults


def _replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_missing_item_translation_is_named_by_file_and_key(shipped_copy, checklists):
    item = checklists[CID].items[0]
    path = shipped_copy / "es" / f"{CID}.toml"
    text = path.read_text(encoding="utf-8")
    cut = re.sub(rf"\[items\.{re.escape(item.id)}\.text\]\nen = .*\nes = .*\n", "", text)
    assert cut != text
    path.write_text(cut, encoding="utf-8")
    problems = _problems(shipped_copy)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}: items.{item.id}.text: missing translation")


def test_a_stale_translation_is_named_with_both_texts(shipped_copy, checklists):
    item = checklists[CID].items[1]
    _replace_in(shipped_copy / f"{CID}.toml", item.text, "Again and again: " + item.text)
    problems = _problems(shipped_copy)
    assert len(problems) == 1, problems
    assert f"items.{item.id}.text: stale: translated from “{item.text[:40]}" in problems[0]
    assert "the English is now “Again and again: " in problems[0]
    assert problems[0].startswith(str(shipped_copy / "es" / f"{CID}.toml"))


def test_unknown_and_stale_shared_texts_and_a_new_version(shipped_copy, checklists):
    """A level word, a limit, a helpline's words, an item the English lacks, an old version."""
    es = shipped_copy / "es"
    _replace_in(es / f"{CID}.toml", "[title]", '[items.no-such-item.text]\nen = "x"\nes = "y"\n\n[title]')
    _replace_in(shipped_copy / "_vocabulary.toml", 'label = "low"', 'label = "mild"')
    _replace_in(shipped_copy / "_resources.toml", "These lists do not ask about violence",
                "These lists never ask about violence")
    _replace_in(shipped_copy / "_resources.toml", 'START to 88788', 'BEGIN to 88788')
    _replace_in(shipped_copy / "trauma-bonding.toml", f"version = {checklists['trauma-bonding'].version}\n",
                f"version = {checklists['trauma-bonding'].version + 1}\n")
    problems = "\n".join(_problems(shipped_copy))
    assert f"{es / (CID + '.toml')}: items.no-such-item.text: unknown" in problems
    assert f"{es / '_vocabulary.toml'}: levels.low.label: stale" in problems
    assert f"{es / '_resources.toml'}: limits_short: stale" in problems
    assert f"{es / '_resources.toml'}: resources.national-domestic-violence-hotline-us.text: stale" in problems
    assert f"{es / 'trauma-bonding.toml'}: version: stale" in problems
    assert len(problems.splitlines()) == 5, problems


def test_a_missing_file_and_a_missing_language(shipped_copy):
    (shipped_copy / "es" / f"{CID}.toml").unlink()
    assert any(p.startswith(f"{shipped_copy / 'es' / (CID + '.toml')}: missing") for p in _problems(shipped_copy))
    assert "missing: no translations for 'fr'" in _problems(shipped_copy, "fr")[0]


def test_catalogue_untranslated_fuzzy_missing_and_unknown(tmp_path):
    from babel.messages.catalog import Catalog

    catalog = Catalog()
    for msgid in ("Save", "Delete", "Old words", "Guess"):
        catalog.add(msgid, None)
    catalog.get("Guess").flags.add("fuzzy")
    _po_with(tmp_path, catalog, lambda m: "" if m.id == "Delete" else "Hecho")
    problems = [str(p) for p in tr.catalogue_problems("es", tmp_path, extracted={"Save", "Delete", "Guess", "New"})]
    where = str(tmp_path / "es" / "LC_MESSAGES" / "redflag.po")
    assert all(p.startswith(where + ": ") for p in problems)
    assert sorted(p.split(": ", 1)[1] for p in problems) == sorted([
        "msgid “Delete”: not translated", "msgid “Guess”: fuzzy (a guess, not shown): revise it and remove "
        "the fuzzy flag", "msgid “New”: missing (new or changed in the code): pybabel update, then translate it",
        "msgid “Old words”: unknown: no longer in the code (pybabel update marks it obsolete)"])


def test_validate_fails_on_a_stale_translation_and_names_it(capsys, shipped_copy, checklists, fake_catalogue):
    code, out, _err = run_cli(capsys, "validate", str(shipped_copy))
    assert code == 0, _err
    item = checklists[CID].items[2]
    _replace_in(shipped_copy / f"{CID}.toml", item.text, item.text + " Sometimes.")
    code, out, err = run_cli(capsys, "validate", str(shipped_copy))
    assert code == 1 and out == ""
    assert f"{shipped_copy / 'es' / (CID + '.toml')}: items.{item.id}.text: stale" in err


def test_an_incomplete_language_is_not_offered(shipped_copy, fake_catalogue):
    ws = Workspace.open(shipped_copy, shipped_copy.parent / "answers")
    assert ws.languages == {"en": "English", "es": "Español"}
    (shipped_copy / "es" / "_vocabulary.toml").unlink()
    ws = Workspace.open(shipped_copy, shipped_copy.parent / "answers")
    assert ws.languages == {"en": "English"}
    with pytest.raises(ToolkitError, match="--lang: the Español translation is not complete"):
        ws.choose_language("es")


# ------------------------------------------------------------------ choosing


def test_choice_order_setting_env_locale(tmp_path, fake_catalogue, monkeypatch):
    ws = Workspace.open(answers_dir=tmp_path / "answers")
    assert ws.choose_language().language == "en"
    monkeypatch.setenv("LANG", "es_MX.UTF-8")
    assert ws.choose_language().language == "es"
    monkeypatch.setenv("LC_ALL", "en_GB.UTF-8")  # LC_ALL outranks LANG
    assert ws.choose_language().language == "en"
    monkeypatch.setenv(tr.ENV_LANG, "es")
    assert ws.choose_language().language == "es"
    ws.store.save_settings(language="en")  # the person's own choice outranks $REDFLAG_LANG
    assert ws.choose_language().language == "en"
    assert ws.choose_language("es").language == "es"  # --lang outranks everything
    monkeypatch.setenv(tr.ENV_LANG, "xx")
    ws.store.save_settings(language=None)
    with pytest.raises(ToolkitError, match=r"\$REDFLAG_LANG: unknown language 'xx' \(known: en, es\)"):
        ws.choose_language()


def test_the_choice_is_kept_in_settings_and_deleted_with_the_answers(tmp_path, fake_catalogue):
    ws = Workspace.open(answers_dir=tmp_path / "answers")
    spanish = ws.save_language("es")
    assert spanish.language == "es" and i18n.current() == "es"
    again = Workspace.open(answers_dir=tmp_path / "answers").choose_language()
    assert again.language == "es" and again.checklists[CID].title == spanish.checklists[CID].title
    AnswerStore(tmp_path / "answers", {}).forget()
    assert Workspace.open(answers_dir=tmp_path / "answers").choose_language().language == "en"


def test_a_run_saved_in_spanish_is_ids_only_and_shows_in_english(tmp_path, fake_catalogue, make_answers):
    ws = Workspace.open(answers_dir=tmp_path / "answers").in_language("es")
    c = ws.checklists[CID]
    path = save_answers(make_answers(c, fill="often"), tmp_path / "answers")
    raw = path.read_text(encoding="utf-8")
    assert c.items[0].text not in raw and c.title not in raw and "A menudo" not in raw
    run = Workspace.open(answers_dir=tmp_path / "answers").store.runs()[0]
    english = Workspace.open(answers_dir=tmp_path / "answers").checklists[CID]
    assert score(run, english).level == score(run, c).level


# ------------------------------------------------------------------ helplines by language


def test_spanish_puts_emergency_then_spanish_speaking_lines_first(english):
    _c, resources = english
    _s, spanish = tr.translated("es", *english)
    for res in (resources, spanish):
        first, others = tr.for_country(res, "US", "es")
        kinds = [0 if r.emergency else 1 if tr.speaks(r, "es") else 2 for r in first]
        assert kinds == sorted(kinds) and kinds.count(1) >= 3, [r.name for r in first]
        assert {r.name for r in first if tr.speaks(r, "es")} >= {"National Domestic Violence Hotline",
                                                                 "love is respect"}
        assert sorted(map(id, first + others)) == sorted(map(id, sum(res.for_country("US"), ())))
    assert tr.for_country(resources, "US", "en") == resources.for_country("US")


def test_spain_016_comes_right_after_the_emergency_number(english):
    _s, spanish = tr.translated("es", *english)
    first, _others = tr.for_country(spanish, "ES", "es")
    assert first[0].emergency and first[1].phone == "016", [r.name for r in first]


# ------------------------------------------------------------------ the UI catalogue at run time


def test_use_installs_the_catalogue_for_python_and_templates(fake_catalogue):
    from toolkit.markup import templates
    from toolkit.words import NOT_A_DIAGNOSIS

    page = templates().from_string('<p lang="{{ lang() }}">{{ not_a_diagnosis() }} {{ _("Other countries") }}</p>')
    with i18n.language("es"):
        assert i18n._(NOT_A_DIAGNOSIS) == MARK + NOT_A_DIAGNOSIS
        assert i18n.current() == "es"
        assert page.render() == f'<p lang="es">{MARK}{NOT_A_DIAGNOSIS} {MARK}Other countries</p>'
    assert page.render() == f'<p lang="en">{NOT_A_DIAGNOSIS} Other countries</p>'
    assert i18n.current() == "en" and i18n._(NOT_A_DIAGNOSIS) == NOT_A_DIAGNOSIS


def test_fuzzy_entries_are_not_shown(tmp_path):
    from babel.messages.catalog import Catalog

    catalog = Catalog()
    catalog.add("Save", None)
    catalog.add("Guess", None, flags=["fuzzy"])
    _po_with(tmp_path, catalog, lambda m: "Guardar" if m.id == "Save" else "Adivina")
    with i18n.language("es", tmp_path):
        assert (i18n._("Save"), i18n._("Guess")) == ("Guardar", "Guess")


# ------------------------------------------------------------------ the command line


def test_cli_resources_in_spanish_lists_spanish_speaking_lines_first(capsys, fake_catalogue):
    code, out, err = run_cli(capsys, "resources", "--lang", "es", "--country", "US")
    assert code == 0, err
    names = re.findall(r"^- (.+?) \(", out, flags=re.MULTILINE)
    assert names[0] == "Servicios de emergencia"
    assert names[1:4] == ["National Domestic Violence Hotline", "love is respect", "988 Suicide & Crisis Lifeline"]
    assert "español" in out and "No tienes que resolver esto sin ayuda" in out and i18n.current() == "en"


def test_cli_report_list_and_score_in_spanish(capsys, tmp_path, fake_catalogue, checklists, make_answers):
    spanish, _r = tr.translated("es", checklists, load_resources(SHIPPED_DIR / RESOURCES_FILE))
    path = save_answers(make_answers(checklists[CID], fill="often"), tmp_path / "answers")
    code, out, err = run_cli(capsys, "report", "--lang", "es", "--dir", str(tmp_path / "answers"), "--format", "md")
    assert code == 0, err
    assert spanish[CID].title in out and spanish[CID].items[0].text in out and checklists[CID].title not in out
    assert MARK in out
    code, out, err = run_cli(capsys, "--lang", "es", "list")
    assert code == 0 and spanish[CID].title in out
    code, out, err = run_cli(capsys, "score", "--lang", "es", "--dir", str(tmp_path / "answers"), str(path))
    assert code == 0 and spanish[CID].title in out and MARK in out
    code, out, err = run_cli(capsys, "list", "--lang", "xx")
    assert code == 1 and "--lang: unknown language 'xx'" in err


# ------------------------------------------------------------------ the start page's choice and lang


def test_language_choice_keeps_the_choice_and_hands_over_the_spanish_workspace(tmp_path, fake_catalogue):
    from toolkit.language import REGION_CLASS, LanguageChoice, page_language

    ws = Workspace.open(answers_dir=tmp_path / "answers")
    got = []
    choice = LanguageChoice(ws, got.append)
    assert choice.widget.options == (("English", "en"), ("Español", "es")) and choice.widget.value == "en"
    assert choice.root.layout.display != "none" and REGION_CLASS in choice.root._dom_classes
    choice.widget.value = "es"
    assert [g.language for g in got] == ["es"] and got[0].checklists[CID].title != ws.checklists[CID].title
    assert i18n.current() == "es" and page_language().lang == "es" and choice.status.value == ""
    assert AnswerStore(tmp_path / "answers", {}).settings()["language"] == "es"
    assert LanguageChoice(Workspace.open(answers_dir=tmp_path / "answers").choose_language(),
                          got.append).widget.value == "es"


def test_a_language_chosen_while_locked_is_kept_and_the_next_locked_page_opens_in_it(
        tmp_path, fake_catalogue, checklists):
    """The language is kept apart from the sealed settings, so the Unlock box itself is in it."""
    from toolkit.language import LanguageChoice

    store = AnswerStore(tmp_path / "answers", checklists)
    store.protect("correct horse battery staple 1")
    store.save_settings(country="GB")
    ws = Workspace.open(answers_dir=tmp_path / "answers")
    assert ws.store.protected and ws.store.key is None
    got = []
    choice = LanguageChoice(ws, got.append)
    choice.widget.value = "es"
    assert got[0].language == "es" and i18n.current() == "es" and choice.status.value == ""
    i18n.use("en")
    again = Workspace.open(answers_dir=tmp_path / "answers")
    assert again.store.key is None and again.choose_language().language == "es"
    assert again.store.settings() == {"language": "es"}  # the country stays sealed
    again.store.unlock("correct horse battery staple 1")
    assert again.store.settings() == {"country": "GB", "language": "es"}


def test_a_locked_folders_checklist_page_opens_in_the_kept_language(tmp_path, fake_catalogue, monkeypatch):
    """default_workspace (every page) reads the plain language file: the form, and its Unlock box
    first, are in Spanish before anyone types a passphrase."""
    from toolkit import workspace
    from toolkit.ui import ChecklistForm

    monkeypatch.setenv("REDFLAG_ANSWERS_DIR", str(tmp_path / "answers"))
    store = AnswerStore(tmp_path / "answers", {})
    store.protect("correct horse battery staple 1")
    AnswerStore(tmp_path / "answers", {}).save_settings(language="es")
    form = ChecklistForm(CID, workspace.default_workspace())
    assert form.workspace.language == "es" and form.workspace.store.key is None
    assert form.checklist.title == form.workspace.checklists[CID].title != Workspace.open().checklists[CID].title
    unlock_words = " ".join(getattr(c, "value", "") or getattr(c, "description", "")
                            for c in form.unlock.box.children)
    assert MARK in unlock_words and form.unlock.box.layout.display != "none"


def test_the_pages_words_are_drawn_in_the_page_language_and_the_notebooks_hold_none(tmp_path, fake_catalogue):
    """A checklist page's links and how-to, the Summary's and the History's title and intro come
    from the catalogue when the page runs; the notebooks are one code cell each (no English
    Markdown left above a Spanish page)."""
    from toolkit.notebooks import all_notebooks
    from toolkit.ui import ChecklistForm, History, Summary

    ws = Workspace.open(answers_dir=tmp_path / "answers")
    books = all_notebooks(ws.checklists, ws.resources)
    assert {c["cell_type"] for book in books.values() for c in book["cells"]} == {"code"}
    i18n.use("es")
    es = ws.in_language("es")
    form = ChecklistForm(CID, es).header.value
    summary = Summary(es).header.value
    history = History(es).root.children[1].value
    for text in (form, summary, history):
        assert text.count(MARK) >= 2 and text.count("<h1>") == 1, text
        assert MARK + '<a href="00-start-here.ipynb">' in text, text
    assert f"{MARK}Press <b>Show my result</b>" in form and '<a href="summary.ipynb">' in form


def test_language_choice_is_hidden_with_one_language(shipped_copy, fake_catalogue):
    from toolkit.language import LanguageChoice

    (shipped_copy / "es" / f"{CID}.toml").unlink()
    choice = LanguageChoice(Workspace.open(shipped_copy, shipped_copy.parent / "answers"), print)
    assert choice.widget.options == (("English", "en"),) and choice.root.layout.display == "none"


def test_mark_sets_the_region_class_and_the_page_language_follows_i18n(fake_catalogue):
    import ipywidgets as w

    from toolkit.language import REGION_CLASS, mark, page_language

    box = mark(w.HTML("x"))
    assert REGION_CLASS in box._dom_classes
    with i18n.language("es"):
        assert page_language().lang == "es"
    assert page_language().lang == "en"


def test_dates_name_their_month_in_the_language_of_the_page():
    """A saved day and a report's date: English as before, Spanish month names in Spanish."""
    from datetime import UTC, datetime

    from toolkit.markup import local_day

    moment = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert "Dec 2026" in local_day(moment) and "December" in local_day(moment, "%d %B %Y, %H:%M")
    with i18n.language("es"):
        assert "dic" in local_day(moment) and "Dec" not in local_day(moment)
        assert "diciembre" in local_day(moment, "%d %B %Y, %H:%M")
