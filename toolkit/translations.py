"""Languages: the checklists, vocabulary and helplines in another language, and the checks that
keep every translation complete and current.

The English files in `checklists/` are the source: ids, weights, severities, safety flags,
numbers and addresses live only there. `checklists/<lang>/` holds, for each of them, a file of
the same name with the words a person reads, keyed by id, each beside the English it was made
from (`en`); see `checklists/es/README.md`. A translated Checklist is the English one with its
text fields replaced (`dataclasses.replace`), so scoring cannot differ between languages.

A translation is *missing* when an English text has no table, *stale* when its recorded `en` is
not the current English, *unknown* when the English has no such key. The UI's sentences are in
the gettext catalogue (`toolkit/locale/<lang>/LC_MESSAGES/redflag.po`, see i18n.py): an entry
untranslated or fuzzy is missing. A language is offered only when nothing is missing, stale or
unknown (`complete`). A third language: copy `checklists/es/` to `checklists/<lang>/` and
translate it, `pybabel init -i messages.pot -d toolkit/locale -l <lang> -D redflag`, add it to
LANGUAGES and SPOKEN_NAMES, run `redflag validate`.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from . import i18n
from .checklist import (
    VOCABULARY_FILE,
    Checklist,
    ChecklistSet,
    Vocabulary,
    checkout_root,
    display_path,
    read_toml,
    shipped_dir,
)
from .errors import ChecklistError, Problem, Problems, ToolkitError
from .i18n import ENGLISH, _
from .resources import EVERYWHERE, RESOURCES_FILE, Resource, Resources, emergency_first

#: Every language the project knows, by code, with its own name (what the chooser shows).
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
#: How a helpline's `languages` list names each language, in English and in that language:
#: the support box puts lines that speak the reader's language first.
SPOKEN_NAMES: dict[str, tuple[str, ...]] = {"en": ("English", "inglés"), "es": ("Spanish", "español")}
#: The environment variable that chooses the language (after --lang and the person's setting).
ENV_LANG = "REDFLAG_LANG"
#: The setting (AnswerStore settings) that keeps the person's choice.
SETTING = "language"
#: The texts of a resources file, and the fields of a line that hold words.
_RESOURCE_TEXTS = ("heading", "message", "disclaimer", "limits", "limits_short", "device_note")
_LINE_TEXTS = ("name", "region", "when", "hours")
#: phone, text and tty are translated only when they hold words ("999 or 112", "START to 88788").
_LINE_WORDS = ("phone", "text", "tty")
_LETTER = re.compile(r"[A-Za-z]")
_VOCAB_EXTRA = {"safety": "safety_sentence", "safety_noted": "safety_noted", "insufficient": "insufficient",
                "insufficient_label": "insufficient_label", "not_applicable": "not_applicable",
                "not_applicable_label": "not_applicable_label"}

Text = str | tuple[str, ...]


# ----------------------------------------------------------------- what must be translated


def resource_key(resource: Resource) -> str:
    """A line's key in a translation: its name in lowercase ASCII, every run of other characters
    one dash, then its country codes in lowercase ("all" for everywhere): `samaritans-gb-ie`."""
    name = unicodedata.normalize("NFKD", resource.name).encode("ascii", "ignore").decode().lower()
    codes = ["all" if c == EVERYWHERE else c.lower() for c in resource.countries]
    return "-".join([re.sub(r"[^a-z0-9]+", "-", name).strip("-"), *codes])


def checklist_texts(checklist: Checklist) -> dict[str, Text]:
    """Key -> English text of everything a person reads in one checklist."""
    texts: dict[str, Text] = {"title": checklist.title, "intro": checklist.intro}
    texts.update({f"level_words.{level}": words for level, words in checklist.level_words.items()})
    for item in checklist.items:
        texts[f"items.{item.id}.text"] = item.text
        texts[f"items.{item.id}.explain"] = item.explain
    return texts


def vocabulary_texts(vocab: Vocabulary) -> dict[str, Text]:
    """Key -> English text of the scale, the levels, the result sentences and the themes."""
    texts: dict[str, Text] = {f"scale.{o.id}.label": o.label for o in vocab.scale}
    for lv in vocab.levels:
        texts.update({f"levels.{lv.id}.{f}": getattr(lv, f) for f in ("label", "concern", "strength")})
    texts.update({f"levels_extra.{key}": getattr(vocab, attr) for key, attr in _VOCAB_EXTRA.items()
                  if getattr(vocab, attr)})
    for theme in vocab.themes.values():
        texts.update({f"themes.{theme.id}.{f}": getattr(theme, f)
                      for f in ("title", "concern_title", "description") if getattr(theme, f)})
    return texts


def resources_texts(resources: Resources) -> dict[str, Text]:
    """Key -> English text (a tuple for `languages`) of the support box and every line."""
    texts: dict[str, Text] = {key: getattr(resources, key) for key in _RESOURCE_TEXTS if getattr(resources, key)}
    texts.update({f"countries.{code}": name for code, name in resources.countries.items()})
    for r in resources.items:
        key = resource_key(r)
        texts.update({f"resources.{key}.{f}": getattr(r, f) for f in _LINE_TEXTS if getattr(r, f)})
        texts.update({f"resources.{key}.{f}": getattr(r, f) for f in _LINE_WORDS
                      if _LETTER.search(getattr(r, f))})
        if r.languages:
            texts[f"resources.{key}.languages"] = r.languages
    return texts


# ----------------------------------------------------------------- reading one translation file


@dataclass(frozen=True)
class TranslationFile:
    """One file of `checklists/<lang>/`: key -> (the English it was made from, the translation)."""

    path: Path
    entries: Mapping[str, tuple[Text, Text]]
    header: Mapping[str, Any]

    def text(self, key: str, english: Text) -> Text:
        """The translation of `key`, or `english` when there is none (an incomplete language
        is never offered; this keeps a test's partial translation usable)."""
        found = self.entries.get(key)
        return found[1] if found else english


def _flatten(table: Mapping[str, Any], lang: str, prefix: str, out: dict[str, Any], bad: list[str]) -> None:
    """Tables holding `en` (a leaf) are entries; other tables are walked; anything else is bad."""
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and "en" in value:
            out[key] = value
        elif isinstance(value, dict):
            _flatten(value, lang, key + ".", out, bad)
        else:
            bad.append(key)


def _as_text(value: Any) -> Text | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(v.strip() for v in value)
    return None


def read_translation(path: Path, lang: str, problems: Problems,
                     header_keys: Sequence[str] = ()) -> TranslationFile:
    """Read one translation file; every malformed table is added to `problems` by key."""
    data = read_toml(path)
    header = {k: data.pop(k) for k in header_keys if k in data}
    raw: dict[str, Any] = {}
    bad: list[str] = []
    _flatten(data, lang, "", raw, bad)
    for key in bad:
        problems.add(f"{key}: expected a table with `en` and `{lang}`", key=key)
    entries: dict[str, tuple[Text, Text]] = {}
    for key, table in raw.items():
        extra = sorted(set(table) - {"en", lang})
        english, translated = _as_text(table.get("en")), _as_text(table.get(lang))
        if extra:
            problems.add(f"{key}: unknown key(s) {', '.join(extra)} (only `en` and `{lang}`)", key=key)
        if english is None or translated is None:
            problems.add(f"{key}: `en` and `{lang}` must both be non-empty text", key=key)
            continue
        entries[key] = (english, translated)
    return TranslationFile(path, entries, header)


def _same(a: Text, b: Text) -> bool:
    """Equal but for spacing and line breaks (TOML's multi-line strings wrap the English)."""
    def norm(t: Text) -> Text:
        return " ".join(t.split()) if isinstance(t, str) else tuple(" ".join(x.split()) for x in t)
    return norm(a) == norm(b)


def _short(text: Text) -> str:
    shown = text if isinstance(text, str) else ", ".join(text)
    return f"“{shown[:100]}…”" if len(shown) > 100 else f"“{shown}”"


def compare(expected: Mapping[str, Text], found: TranslationFile, lang: str, problems: Problems) -> None:
    """Add a problem, by key, for every missing, stale or unknown translation in `found`."""
    for key, english in expected.items():
        entry = found.entries.get(key)
        if entry is None:
            problems.add(f"{key}: missing translation of {_short(english)}", key=key)
        elif not _same(entry[0], english):
            problems.add(f"{key}: stale: translated from {_short(entry[0])}, but the English is now "
                         f"{_short(english)}; revise `{lang}`, then copy the English into `en`", key=key)
        elif isinstance(english, tuple) and (not isinstance(entry[1], tuple) or len(entry[1]) != len(english)):
            problems.add(f"{key}: `{lang}` must be a list of {len(english)} names, in the English order", key=key)
    for key in found.entries.keys() - expected.keys():
        problems.add(f"{key}: unknown: the English file has no such text (moved or removed?)", key=key)


# ----------------------------------------------------------------- a whole language


def translation_folder(checklists: ChecklistSet, lang: str) -> Path:
    """Where `lang`'s translations of these checklists are: `<lang>/` beside them."""
    first = next(iter(checklists.values()))
    return (first.path.parent if first.path is not None else shipped_dir()) / lang


def _shared_file(folder: Path, name: str) -> Path:
    """A language's vocabulary or resources file: beside the checklists when their English is
    there too, else the shipped translation (a folder of one's own uses the shipped English)."""
    return folder / name if (folder.parent / name).exists() else shipped_dir() / folder.name / name


def _check_file(path: Path, expected: Mapping[str, Text], lang: str, found: list[Problem],
                header_keys: Sequence[str] = ()) -> TranslationFile | None:
    problems = Problems(display_path(path))
    if not path.is_file():
        found.append(Problem(f"missing: no {lang} translation of this file's English "
                             f"({len(expected)} texts)", display_path(path)))
        return None
    try:
        file = read_translation(path, lang, problems, header_keys)
    except ChecklistError as exc:
        found.extend(exc.problems)
        return None
    compare(expected, file, lang, problems)
    found.extend(problems)
    return file


@dataclass(frozen=True)
class Language:
    """One language's translation files, read and checked against the current English."""

    code: str
    checklists: Mapping[str, TranslationFile]
    vocabulary: TranslationFile | None
    resources: TranslationFile | None
    problems: tuple[Problem, ...]


def read_language(lang: str, checklists: ChecklistSet, resources: Resources, *,
                  ui: bool = True, locale: Path | None = None) -> Language:
    """Read and check every translation file of `lang` (and, with `ui`, its UI catalogue)."""
    folder = translation_folder(checklists, lang)
    found: list[Problem] = []
    if not folder.is_dir():
        found.append(Problem(f"missing: no translations for '{lang}' (a folder {lang}/ beside the "
                             "checklists)", display_path(folder)))
        return Language(lang, {}, None, None, tuple(found))
    files: dict[str, TranslationFile] = {}
    for cid, c in checklists.items():
        path = folder / f"{cid}.toml"
        file = _check_file(path, checklist_texts(c), lang, found, ("checklist", "version"))
        if file is None:
            continue
        files[cid] = file
        if file.header.get("checklist") != cid:
            found.append(Problem(f"checklist must be \"{cid}\" (the English file's id)", display_path(path),
                                 key="checklist"))
        if file.header.get("version") != c.version:
            found.append(Problem(f"version: stale: made for version {file.header.get('version')!r}, the "
                                 f"checklist is now version {c.version}; check every item, then set "
                                 f"version = {c.version}", display_path(path), key="version"))
    for path in sorted(folder.glob("*.toml")):
        if not path.name.startswith("_") and path.stem not in checklists:
            found.append(Problem("unknown: no English checklist of this name", display_path(path)))
    vocab = _check_file(_shared_file(folder, VOCABULARY_FILE), vocabulary_texts(checklists.vocabulary), lang, found)
    res = _check_file(_shared_file(folder, RESOURCES_FILE), resources_texts(resources), lang, found)
    if ui:
        found.extend(catalogue_problems(lang, locale))
    return Language(lang, files, vocab, res, tuple(found))


def catalogue_problems(lang: str, folder: Path | None = None, extracted: set[str] | None = None) -> list[Problem]:
    """Problems of the UI catalogue: no file, an entry untranslated or fuzzy, and (given the
    messages Babel extracts from the code, `extracted`) a message missing or unknown."""
    if lang == ENGLISH:
        return []
    path = i18n.catalogue_path(lang, folder)
    where = display_path(path)
    if not path.is_file():
        return [Problem(f"missing: no catalogue of the UI's sentences for '{lang}' (pybabel init -l {lang})", where)]
    try:
        catalog = i18n.read_catalogue(path)
    except Exception as exc:  # babel's PoFileError and decoding errors
        return [Problem(f"cannot read the catalogue ({exc})", where)]
    found: list[Problem] = []
    present: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        ids: tuple[str, ...] = tuple(message.id) if isinstance(message.id, (tuple, list)) else (str(message.id),)
        present.update(ids)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            found.append(Problem(f"msgid {_short(ids[0])}: fuzzy (a guess, not shown): revise it and remove "
                                 "the fuzzy flag", where, key=ids[0]))
        elif not all(strings):
            found.append(Problem(f"msgid {_short(ids[0])}: not translated", where, key=ids[0]))
    if extracted is not None:
        for msgid in sorted(extracted - present):
            found.append(Problem(f"msgid {_short(msgid)}: missing (new or changed in the code): "
                                 f"pybabel update, then translate it", where, key=msgid))
        for msgid in sorted(present - extracted):
            found.append(Problem(f"msgid {_short(msgid)}: unknown: no longer in the code (pybabel update "
                                 "marks it obsolete)", where, key=msgid))
    return found


def extracted_catalogue(root: Path | None = None) -> Any:
    """Babel's catalogue (a babel Catalog, the template) of every message the code and the
    templates hold, extracted with the project's mapping (babel.cfg), from a source checkout;
    None when installed (no sources to extract from)."""
    root = root or checkout_root()
    if root is None or not (root / "babel.cfg").is_file():
        return None
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (root / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "ngettext": (1, 2), "N_": None, "gettext": None}
    catalog = Catalog()
    for file, line, message, comments, context in extract_from_dir(
            root, method_map, options_map, keywords=keywords,
            directory_filter=lambda d: Path(d).relative_to(root).parts[:1] in {(), ("toolkit",)}):
        catalog.add(message, None, [(file, line)], auto_comments=comments, context=context)
    return catalog


def extracted_messages(root: Path | None = None) -> set[str] | None:
    """Every message id (singular and plural) in `extracted_catalogue`; None when installed."""
    catalog = extracted_catalogue(root)
    if catalog is None:
        return None
    return {msgid for m in catalog if m.id for msgid in (m.id if isinstance(m.id, tuple) else (m.id,))}


def validate(lang: str, checklists: ChecklistSet, resources: Resources) -> list[Problem]:
    """Everything wrong with `lang`, UI catalogue compared with the code when in a checkout
    (what `redflag validate` reports)."""
    problems = list(read_language(lang, checklists, resources, ui=False).problems)
    return problems + catalogue_problems(lang, extracted=extracted_messages())


@lru_cache(maxsize=32)
def _builder(what: str, lang: str, resources: Resources) -> Callable[[ChecklistSet], Any]:
    """The same function for the same question, so `ChecklistSet.derived` keeps its answer once
    per set (a set is a Mapping, so it cannot be a cache key itself)."""
    if what == "read":
        return lambda checklists: read_language(lang, checklists, resources, ui=False)
    if what == "complete":
        return lambda checklists: not (_read(lang, checklists, resources).problems
                                       or catalogue_problems(lang))
    return lambda checklists: _translate(lang, checklists, resources)


def _read(lang: str, checklists: ChecklistSet, resources: Resources) -> Language:
    """`read_language` without the UI catalogue, once per set (completeness and translation
    share it: the files are parsed once)."""
    return cast(Language, checklists.derived(_builder("read", lang, resources)))


def complete(lang: str, checklists: ChecklistSet, resources: Resources) -> bool:
    """Whether `lang` can be offered: every text translated and current (checked once per set)."""
    if lang == ENGLISH:
        return True
    return lang in LANGUAGES and bool(checklists.derived(_builder("complete", lang, resources)))


def offered(checklists: ChecklistSet, resources: Resources) -> dict[str, str]:
    """Code -> own name of every language complete for these checklists (English first)."""
    return {code: name for code, name in LANGUAGES.items() if complete(code, checklists, resources)}


# ----------------------------------------------------------------- translated objects


def _vocabulary(vocab: Vocabulary, t: TranslationFile) -> Vocabulary:
    def tr(key: str, english: str) -> str:
        return str(t.text(key, english)) if english else english

    scale = tuple(replace(o, label=tr(f"scale.{o.id}.label", o.label)) for o in vocab.scale)
    levels = tuple(replace(lv, label=tr(f"levels.{lv.id}.label", lv.label),
                           concern=tr(f"levels.{lv.id}.concern", lv.concern),
                           strength=tr(f"levels.{lv.id}.strength", lv.strength)) for lv in vocab.levels)
    themes = {tid: replace(th, **{f: tr(f"themes.{tid}.{f}", getattr(th, f))
                                  for f in ("title", "concern_title", "description")})
              for tid, th in vocab.themes.items()}
    extra = {attr: tr(f"levels_extra.{key}", getattr(vocab, attr)) for key, attr in _VOCAB_EXTRA.items()}
    return replace(vocab, scale=scale, levels=levels, themes=themes, insufficient=extra["insufficient"],
                   insufficient_label=extra["insufficient_label"], safety_sentence=extra["safety_sentence"],
                   safety_noted=extra["safety_noted"], not_applicable=extra["not_applicable"],
                   not_applicable_label=extra["not_applicable_label"])


def _checklist(c: Checklist, t: TranslationFile | None, vocab: Vocabulary, current: Checklist | None = None
               ) -> Checklist:
    """`c` with its words from `t` (an archived edition: the current wording of the items it
    shares with `current`), its vocabulary `vocab`; every id, weight and flag untouched."""
    if t is None:
        return replace(c, vocabulary=vocab)
    items = tuple(replace(it, text=str(t.text(f"items.{it.id}.text", it.text)),
                          explain=str(t.text(f"items.{it.id}.explain", it.explain)))
                  if current is None or it.id in current.item_ids else it for it in c.items)
    if current is not None:
        return replace(c, items=items, vocabulary=vocab)
    editions = {v: _checklist(ed, t, vocab, c) for v, ed in c.editions.items()}
    return replace(c, items=items, vocabulary=vocab, editions=editions,
                   title=str(t.text("title", c.title)), intro=str(t.text("intro", c.intro)),
                   level_words={k: str(t.text(f"level_words.{k}", v)) for k, v in c.level_words.items()})


def _resources(res: Resources, t: TranslationFile) -> Resources:
    def line(r: Resource) -> Resource:
        key = resource_key(r)
        changes: dict[str, Any] = {f: str(t.text(f"resources.{key}.{f}", getattr(r, f)))
                                   for f in (*_LINE_TEXTS, *_LINE_WORDS) if getattr(r, f)}
        if r.languages:
            names = t.text(f"resources.{key}.languages", r.languages)
            changes["languages"] = names if isinstance(names, tuple) else r.languages
        return replace(r, **changes)

    texts = {key: str(t.text(key, getattr(res, key))) if getattr(res, key) else "" for key in _RESOURCE_TEXTS}
    countries = {code: str(t.text(f"countries.{code}", name)) for code, name in res.countries.items()}
    return replace(res, items=tuple(line(r) for r in res.items), countries=countries, **texts)


def translated(lang: str, checklists: ChecklistSet, resources: Resources) -> tuple[ChecklistSet, Resources]:
    """The checklists (one shared vocabulary) and resources in `lang`, built once per set."""
    if lang == ENGLISH:
        return checklists, resources
    return cast(tuple[ChecklistSet, Resources], checklists.derived(_builder("translate", lang, resources)))


def _translate(lang: str, checklists: ChecklistSet, resources: Resources) -> tuple[ChecklistSet, Resources]:
    language = _read(lang, checklists, resources)
    vocab = (_vocabulary(checklists.vocabulary, language.vocabulary) if language.vocabulary
             else checklists.vocabulary)
    sets = ChecklistSet({cid: _checklist(c, language.checklists.get(cid), vocab) for cid, c in checklists.items()})
    return sets, (_resources(resources, language.resources) if language.resources else resources)


# ----------------------------------------------------------------- choosing


def locale_language() -> str | None:
    """The language of the computer's locale (the first of LC_ALL, LC_MESSAGES, LANG that is
    set, as POSIX reads them) when it is one the project knows other than English."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            match = re.match(r"^([a-z]{2,3})(?:[_.@]|$)", value)
            code = match.group(1) if match else None
            return code if code in LANGUAGES and code != ENGLISH else None
    return None


def check_code(code: str, where: str) -> str:
    """A known language code, or a ToolkitError that names where it came from and the choices."""
    clean = code.strip().lower()
    if clean not in LANGUAGES:
        raise ToolkitError(_("{where}: unknown language '{code:.20}' (known: {known})").format(
            where=where, code=code, known=", ".join(LANGUAGES)))
    return clean


def choose(checklists: ChecklistSet, resources: Resources, settings: Mapping[str, Any] | None = None,
           given: str | None = None) -> str:
    """The language to show: `given` (--lang), else the person's own choice (their settings),
    else $REDFLAG_LANG (whoever runs the app or the command), else a locale of a known language
    (es_*), else English. A language named on purpose (--lang, $REDFLAG_LANG) that is unknown or
    incomplete is an error; a setting or locale whose language is not complete falls back
    (never a half-translated page)."""
    if given is not None:
        return _complete_or_error(check_code(given, "--lang"), "--lang", checklists, resources)
    saved = (settings or {}).get(SETTING)
    if isinstance(saved, str) and saved in LANGUAGES and complete(saved, checklists, resources):
        return saved
    env = os.environ.get(ENV_LANG, "").strip()
    if env:
        return _complete_or_error(check_code(env, f"${ENV_LANG}"), f"${ENV_LANG}", checklists, resources)
    code = locale_language()
    return code if code is not None and complete(code, checklists, resources) else ENGLISH


def _complete_or_error(code: str, where: str, checklists: ChecklistSet, resources: Resources) -> str:
    if not complete(code, checklists, resources):
        raise ToolkitError(_("{where}: the {name} translation is not complete, so it is not offered "
                             "(redflag validate lists what is missing)").format(where=where, name=LANGUAGES[code]))
    return code


# ----------------------------------------------------------------- helplines by language


def speaks(resource: Resource, lang: str) -> bool:
    """Whether the line's `languages` (in English or translated) include `lang`."""
    return any(resource.speaks(name) for name in SPOKEN_NAMES.get(lang, ()))


def for_country(resources: Resources, country: str | None, lang: str | None = None
                ) -> tuple[tuple[Resource, ...], tuple[Resource, ...]]:
    """`resources.for_country(country)` ordered for a reader of `lang` (default: the language in
    use): emergency numbers first, then the lines that speak `lang`, then the rest, each in
    file order. In English the order is the file's (English is not a reason to move a line)."""
    first, others = resources.for_country(country)
    return emergency_first(first, preferred(lang)), others


def preferred(lang: str | None = None) -> Callable[[Resource], bool] | None:
    """Which lines a reader of `lang` (default: the language in use) should see first: those
    that speak it; None in English (English is not a reason to move a line)."""
    lang = lang or i18n.current()
    if lang == ENGLISH:
        return None
    return lambda r: speaks(r, lang)

