"""Script payloads come out inert in every place the toolkit turns text into HTML or Markdown:
answer notes, checklist texts, the shared vocabulary, uploaded bundles (notes, file names,
rejection reasons), the Summary and History tables, the support box and both reports.

"Inert" is checked on the parsed HTML (html.parser collects the real tags and attributes):
no <script>/<img>/<svg>/<iframe>/<object>/<embed> tag, no on*= event attribute, no
javascript: link; and on the raw text: no "<script", "<img", "<svg", no on*= inside a tag, no
href="javascript:...". Each payload must also still be *visible* as text where it is shown
(escaping, not dropping), and private notes must not appear in the reports at all.

Each (payload, sink) combination checked is counted; the total is printed in the terminal
summary.
"""

from __future__ import annotations

import collections
import html
import json
import re
import tomllib
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import ipywidgets as w
import pytest
from _helpers import SHIPPED_DIR, report_at_end, toml_value, workspace_for, write_checklist

from toolkit import AnswersError, ChecklistError
from toolkit.answerfile import answers_to_dict
from toolkit.bundles import BUNDLE_FORMAT
from toolkit.checklist import Answers, SavedRun, load_checklists
from toolkit.markup import level_html, support_html, ui
from toolkit.report import md_escape, report_html, report_md
from toolkit.resources import load_resources
from toolkit.scoring import score
from toolkit.store import save_answers
from toolkit.summary import ResultLine, changes, summarise
from toolkit.tables import changes_styler, checklists_styler, items_styler, themes_styler
from toolkit.ui import ChecklistForm, Summary

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '"><svg onload=alert(1)>',
]
IDS = ["script", "img-onerror", "md-js-link", "a-js-href", "attr-breakout-svg"]
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=1)))

CHECKED: collections.Counter = collections.Counter()  # sink -> payloads checked


def _write_combinations(terminalreporter) -> None:
    sinks = sorted(CHECKED)
    terminalreporter.write_sep("-", f"escaping: {sum(CHECKED.values())} payload x sink combinations "
                                    f"checked ({len(PAYLOADS)} payloads, {len(sinks)} sinks)")
    for sink in sinks:
        terminalreporter.write_line(f"  {sink}: {CHECKED[sink]}")


@pytest.fixture(scope="module", autouse=True)
def report_combinations(request):
    report_at_end(request, "redflag-escaping-combos", _write_combinations)


# ------------------------------------------------------------------ the inertness checks

DANGEROUS_TAGS = {"script", "img", "svg", "iframe", "object", "embed", "math", "base"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def parse(markup: str) -> _Collector:
    parser = _Collector()
    parser.feed(markup)
    parser.close()
    return parser


def _scheme(url: str) -> str:
    """What a browser would take as the URL scheme (it ignores whitespace/control characters)."""
    cleaned = re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(url)).lower()
    return cleaned.split(":", 1)[0] if ":" in cleaned else ""


#: The report's own trend charts (render.trend_svg): the one <svg> allowed, checked apart.
_CHART = re.compile(r'<svg [^<>]*class="redflag-trend"[^<>]*>.*?</svg>', re.S)
_CHART_TAGS = {"title", "desc", "defs", "g", "path", "use", "text", "tspan", "rect", "line",
               "polyline", "polygon", "circle", "ellipse"}


def chart_problems(svg: str) -> list[str]:
    """A chart must be well-formed (no text broke out of an attribute or a text node), hold only
    drawing elements, no event attributes, and link only inside itself (no url(), no @import)."""
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as exc:
        return [f"chart is not well-formed SVG: {exc}"]
    problems = []
    for el in root.iter():
        tag = el.tag.rpartition("}")[2]
        if tag not in _CHART_TAGS and el is not root:
            problems.append(f"<{tag}> inside a chart")
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                problems.append(f"event attribute {name}= in a chart")
            if name == "aria-label":
                continue  # the chart's name: text (escaped), never a link or a style
            if name.endswith("href") and not value.startswith("#"):
                problems.append(f"{name}={value!r} in a chart")
            if re.search(r"url\s*\(|@import|javascript:", value, re.I):
                problems.append(f"{name}={value!r} in a chart")
    return problems


def html_problems(markup: str) -> list[str]:
    problems = [p for svg in _CHART.findall(markup) for p in chart_problems(svg)]
    markup = _CHART.sub("", markup)
    doc = parse(markup)
    for tag, attrs in doc.tags:
        if tag in DANGEROUS_TAGS:
            problems.append(f"<{tag}> tag")
        for name, value in attrs:
            if name.startswith("on"):
                problems.append(f"event attribute {name}= on <{tag}>")
            if name in URL_ATTRS and value is not None and _scheme(value) in {"javascript", "vbscript"}:
                problems.append(f"{name}={value!r} on <{tag}>")
    lowered = markup.lower()
    for needle in ("<script", "<img", "<svg", "<iframe", "href=\"javascript:", "href='javascript:",
                   "href=javascript:"):
        if needle in lowered:
            problems.append(f"raw {needle!r}")
    for tag in re.findall(r"<[a-z][^<>]*>", lowered):
        unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", "''", tag)  # attribute values are not attributes
        if re.search(r"[\s/]on[a-z]+\s*=", unquoted):
            problems.append(f"raw on*= attribute inside a tag: {tag[:80]}")
    return problems


def visible_text(markup: str) -> str:
    return "".join(parse(markup).text)


_MD_LINK = re.compile(r"(?<!\\)\[(?:[^\]\\]|\\.)*(?<!\\)\]\(\s*(?:javascript|vbscript):", re.I)


def md_problems(text: str) -> list[str]:
    problems = []
    if _MD_LINK.search(text):
        problems.append("unescaped [..](javascript: link")
    if re.search(r"<\s*(?:javascript|vbscript):", text, re.I):
        problems.append("<javascript:...> autolink")
    lowered = text.lower()
    for needle in ("<script", "<img", "<svg", "<iframe", "<a "):
        if needle in lowered:
            problems.append(f"raw {needle!r} (Markdown passes HTML through)")
    if re.search(r"<[a-z][^<>]*\son[a-z]+\s*=", lowered):
        problems.append("raw on*= attribute inside a tag")
    return problems


def assert_inert_html(markup: str, payload: str, sink: str, *, shown: bool = True) -> None:
    """The payload is inert in the HTML; if `shown`, it is also visible as plain text."""
    assert html_problems(markup) == [], f"{sink}: payload {payload!r} is live"
    if shown:
        assert payload in visible_text(markup), f"{sink}: payload {payload!r} is not shown as text"
    CHECKED[sink] += 1


def assert_inert_md(text: str, payload: str, sink: str, *, shown: bool = True) -> None:
    assert md_problems(text) == [], f"{sink}: payload {payload!r} is live in Markdown"
    if shown:
        assert md_escape(payload) in text, f"{sink}: payload {payload!r} is not shown (escaped)"
    CHECKED[sink] += 1


def widget_html(root: w.Widget) -> str:
    """The HTML of every HTML widget under root (the way the front end would receive it)."""
    out = []
    stack = [root]
    while stack:
        widget = stack.pop()
        if isinstance(widget, (w.HTML, w.HTMLMath)):
            out.append(widget.value)
        stack.extend(getattr(widget, "children", ()) or ())
    return "\n".join(out)


def test_the_checks_catch_live_payloads():
    """The checker itself: each payload inserted raw is reported, escaped it is not."""
    for payload in PAYLOADS:
        raw = f"<div>{payload}</div>"
        if payload.startswith("["):
            assert md_problems(payload)
            assert not md_problems(md_escape(payload))
            continue
        assert html_problems(raw), payload
        assert html_problems(f"<p title='{payload}'>x</p>") or '"' not in payload
        assert not html_problems(f"<div>{html.escape(payload)}</div>")
        assert payload in visible_text(f"<div>{html.escape(payload)}</div>")
    assert html_problems("<a href=' JaVa\tScRiPt:alert(1)'>x</a>")
    assert html_problems("<div onclick=alert(1)>x</div>")
    assert html_problems("<div title='a' onclick='alert(1)'>x</div>")
    assert not html_problems("<a title='x onclick=alert(1)'>x</a>")  # only text in a value
    assert md_problems("[x](javascript:alert(1))") and not md_problems(r"\[x\](javascript:alert(1))")


# ------------------------------------------------------------------ fixtures


def hostile_vocabulary(folder: Path, payload: str, *, level_ids: bool = False) -> None:
    """The shipped vocabulary with the payload in theme titles, level texts, scale labels
    (and, with `level_ids`, in the level ids themselves)."""
    data = tomllib.loads((SHIPPED_DIR / "_vocabulary.toml").read_text(encoding="utf-8"))
    for option in data["scale"]:
        option["label"] = f"{option['label']} {payload}"
    for level in data["levels"]:
        level["concern"] = f"{payload} concern {level['id']}"
        level["strength"] = f"{payload} strength {level['id']}"
        if level_ids:
            level["id"] = f"{level['id']}{payload}"
    data["levels_extra"]["insufficient"] = f"{payload} insufficient"
    for theme in data["themes"].values():
        theme["title"] = f"{theme['title']} {payload}"
    lines = []
    for key in ("scale", "levels"):
        for entry in data[key]:
            lines.append(f"[[{key}]]")
            lines += [f"{k} = {toml_value(v)}" for k, v in entry.items()]
            lines.append("")
    for key in ("rules", "levels_extra"):
        lines.append(f"[{key}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in data[key].items()]
        lines.append("")
    for tid, theme in data["themes"].items():
        lines.append(f"[themes.{tid}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in theme.items()]
        lines.append("")
    (folder / "_vocabulary.toml").write_text("\n".join(lines), encoding="utf-8")


def hostile_checklists(folder: Path, payload: str, *, level_ids: bool = False):
    """A concern list and a strengths list with the payload in title, intro, text and explain,
    over a vocabulary with the payload in its texts."""
    folder.mkdir(parents=True, exist_ok=True)
    hostile_vocabulary(folder, payload, level_ids=level_ids)
    items = [{"id": f"item-{n}", "severity": 1 + n % 3, "text": f"Item {n} {payload}",
              "explain": f"Why {n}: {payload}", "themes": ["communication", "isolation"][: 1 + n % 2],
              "safety": n == 0} for n in range(4)]
    write_checklist(folder, "hostile", items, title=f"Title {payload}", intro=f"Intro {payload}")
    write_checklist(folder, "hostile-good", items, kind="green-flags", title=f"Good {payload}",
                    intro=f"Good intro {payload}")
    return load_checklists(folder)


def two_runs(checklist, note: str = "") -> list[Answers]:
    """An earlier and a later run that differ on every item (so 'what changed' has rows)."""
    ids = checklist.item_ids
    first = SavedRun(checklist.id, checklist.version, {i: "never" for i in ids},
                    {ids[0]: note} if note else {}, saved_at=T0)
    second = SavedRun(checklist.id, checklist.version, {i: "often" for i in ids},
                     {i: note for i in ids} if note else {}, saved_at=T0 + timedelta(days=7))
    return [first, second]


@pytest.fixture(scope="module")
def resources():
    return load_resources(SHIPPED_DIR / "_resources.toml")


# ------------------------------------------------------------------ notes typed into the form


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_note_typed_in_the_form_is_inert_in_the_result(tmp_path, core, payload):
    form = ChecklistForm("toxic-relationship", workspace_for(tmp_path / "answers", core))
    first = next(iter(form.choices))
    for choice in form.choices.values():
        choice.value = "often"
    form.choices[first].note = payload
    form.save_button.click()
    assert form.status.value and "could not" not in form.status.value
    assert_inert_html(form.result.value, payload, "form note -> result table")
    assert_inert_html(widget_html(form.root), payload, "form note -> whole form after save")
    # Resume puts the note back in the text box (a value, not HTML) and re-renders the result.
    form.resume_choice.value = form.resume_choice.options[1][1]
    form.resume_button.click()
    assert form.choices[first].note == payload
    assert_inert_html(widget_html(form.root), payload, "form note -> whole form after resume")


# ------------------------------------------------------------------ checklist and vocabulary texts


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_checklist_and_vocabulary_texts_are_inert_in_the_form(tmp_path, payload):
    custom = hostile_checklists(tmp_path / "checklists", payload)
    form = ChecklistForm("hostile", workspace_for(tmp_path / "answers", custom))
    assert_inert_html(form.header.value, payload, "title + intro -> form header")
    # Item text and "why" travel as plain-text traits of the answer groups, which the page sets
    # with textContent (tests/unit/test_widgets.py checks that); no HTML widget carries them.
    assert all(payload in c.statement and payload in c.why for c in form.choices.values())
    assert payload not in widget_html(form.items_box)
    for choice in form.choices.values():
        choice.value = "often"
    form.save_button.click()
    assert_inert_html(form.result.value, payload, "item text, scale label, level text -> form result")
    assert payload in " ".join(label for label, _ in next(iter(form.choices.values())).options)


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_checklist_and_vocabulary_texts_are_inert_in_the_summary_and_history(tmp_path, payload):
    custom = hostile_checklists(tmp_path / "checklists", payload)
    folder = tmp_path / "answers"
    for cid in ("hostile", "hostile-good"):
        for run in two_runs(custom[cid], note=payload):
            save_answers(run, folder)
    view = Summary(workspace_for(folder, custom))
    assert_inert_html(view.overview.value, payload, "title + level text -> Summary overview")
    assert_inert_html(view.tables.value, payload, "title + theme title -> Summary tables")
    assert_inert_html(widget_html(view.history.root), payload,
                      "title + item text + scale label -> History 'what changed'")
    everything = widget_html(view.root)
    assert_inert_html(everything, payload, "everything -> whole Summary")


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_render_tables_escape_every_cell(tmp_path, payload):
    custom = hostile_checklists(tmp_path / "checklists", payload)
    c = custom["hostile"]
    earlier, later = two_runs(c, note=payload)
    s = summarise([later, *two_runs(custom["hostile-good"])[1:]], custom)
    r = score(later, c)
    assert_inert_html(items_styler(r).to_html(), payload, "render.items_styler")
    assert_inert_html(checklists_styler(s.checklists, c.vocabulary).to_html(), payload, "render.checklists_styler")
    assert_inert_html(themes_styler(s.themes, custom).to_html(), payload, "render.themes_styler")
    assert_inert_html(changes_styler(changes(earlier, later, c)).to_html(), payload,
                      "render.changes_styler")
    for safety in (False, True):
        assert_inert_html(level_html(ResultLine(c, r.level, r.percent, 4, safety, c.version, None)),
                          payload, f"render.level_html (safety={safety})")
    # A level id that is not one of the known words is shown as it is: still escaped.
    assert_inert_html(level_html(ResultLine(c, payload, 50.0, 4, False, c.version, None)), payload,
                      "render.level_html (unknown level id)")


# ------------------------------------------------------------------ uploads


def bundle_with(runs, extra=()) -> bytes:
    entries = [{"file": None, "answers": answers_to_dict(a)} for a in runs] + list(extra)
    return json.dumps({"format": BUNDLE_FORMAT, "format_version": 1, "exported_at": T0.isoformat(),
                       "runs": entries}).encode()


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_uploaded_bundle_is_inert_in_the_summary_and_reports(tmp_path, core, resources, payload):
    c = core["toxic-relationship"]
    runs = two_runs(c, note=f"{payload} private note")
    bad = {"file": None, "answers": {**answers_to_dict(runs[0]), "checklist": payload}}
    view = Summary(workspace_for(tmp_path / "answers", core))
    view.import_file(f"{payload}.json", bundle_with(runs, [bad]))
    status = view.data_status.value
    assert "Imported 2 saved run(s)" in visible_text(status)
    assert_inert_html(status, payload, "upload file name + rejection reason -> upload status")
    assert visible_text(status).count(payload) >= 2  # the file name and the rejected checklist id
    everything = widget_html(view.root)
    assert_inert_html(everything, payload, "uploaded notes -> whole Summary", shown=False)
    assert f"{payload} private note" not in visible_text(everything)
    page = report_html(runs, core, resources)
    assert_inert_html(page, payload, "uploaded notes -> report_html", shown=False)
    assert "private note" not in visible_text(page)
    md = report_md(runs, core, resources)
    assert_inert_md(md, payload, "uploaded notes -> report_md", shown=False)
    assert "private note" not in md


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_upload_that_fails_whole_is_inert(tmp_path, core, payload):
    view = Summary(workspace_for(tmp_path / "answers", core))
    view.import_file(f"{payload}.json", f"not json {payload}".encode())
    assert "Nothing imported" in visible_text(view.data_status.value)
    assert_inert_html(view.data_status.value, payload, "upload file name -> 'nothing imported' error")
    view.upload.value = ({"name": f"{payload}.json", "type": "application/json", "size": 10,
                          "content": memoryview(b"[1, 2, 3]"), "last_modified": T0},)
    assert_inert_html(view.data_status.value, payload, "FileUpload widget name -> status")


# ------------------------------------------------------------------ reports


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_reports_escape_checklist_and_vocabulary_texts(tmp_path, resources, payload):
    custom = hostile_checklists(tmp_path / "checklists", payload)
    runs = [*two_runs(custom["hostile"], note=f"{payload} note"), *two_runs(custom["hostile-good"])]
    page = report_html(runs, custom, resources)
    assert_inert_html(page, payload, "titles, item texts, themes, level texts -> report_html")
    assert f"{payload} note" not in visible_text(page)
    md = report_md(runs, custom, resources)
    assert_inert_md(md, payload, "titles, item texts, themes, level texts -> report_md")
    assert md_escape(f"{payload} note") not in md


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_level_ids_with_markup_are_refused_and_escaped_anyway(tmp_path, resources, payload):
    import dataclasses

    from toolkit import ChecklistError

    with pytest.raises(ChecklistError, match="level ids must be lowercase slugs"):
        hostile_checklists(tmp_path / "refused", payload, level_ids=True)
    # Bypassing the loader, a level id with markup still comes out inert in both reports.
    custom = hostile_checklists(tmp_path / "checklists", payload)
    c = custom["hostile"]
    vocab = dataclasses.replace(c.vocabulary, levels=tuple(
        dataclasses.replace(lv, id=f"{payload}{n}") for n, lv in enumerate(c.vocabulary.levels)))
    custom = {"hostile": dataclasses.replace(c, vocabulary=vocab)}
    runs = two_runs(custom["hostile"])
    assert_inert_html(report_html(runs, custom, resources), payload, "level id -> report_html")
    assert_inert_md(report_md(runs, custom, resources), payload, "level id -> report_md")


# ------------------------------------------------------------------ the support box


def resources_file(folder: Path, payload: str, web: str = "https://example.org/help") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "_resources.toml"
    fields = {"heading": f"Heading {payload}", "message": f"Message {payload}",
              "disclaimer": f"Disclaimer {payload}", "limits": f"Limits {payload}",
              "limits_short": f"Short {payload}", "device_note": f"Device {payload}"}
    lines = [f"{k} = {toml_value(v)}" for k, v in fields.items()]
    lines += ["", "[[resources]]", f"name = {toml_value('Name ' + payload)}",
              f"region = {toml_value('Region ' + payload)}", f"when = {toml_value('When ' + payload)}",
              f"phone = {toml_value('Phone 1 ' + payload)}", f"web = {toml_value(web)}",
              f"text = {toml_value('Text 2 ' + payload)}", f"tty = {toml_value('TTY 3 ' + payload)}",
              f"languages = [{toml_value('Language ' + payload)}]",
              'countries = ["*"]', f"hours = {toml_value('Hours ' + payload)}", "reviewed = 2026-11-25"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_resource_texts_are_inert_in_the_support_box_and_reports(tmp_path, core, payload):
    res = load_resources(resources_file(tmp_path, payload,
                                        web=f"https://example.org/{payload}"))
    for urgent in (True, False):
        box = support_html(res, urgent=urgent)
        assert_inert_html(box, payload, f"resources -> support_html(urgent={urgent})")
        hrefs = [v for tag, attrs in parse(box).tags for k, v in attrs if k == "href"]
        assert hrefs == [f"https://example.org/{payload}"], "the link must stay the https address"
    assert_inert_html(ui("disclaimer", res), payload, "resources -> disclaimer")
    safety = [SavedRun("toxic-relationship", core["toxic-relationship"].version,
                      {i: "always" for i in core["toxic-relationship"].item_ids}, {}, saved_at=T0)]
    calm = [SavedRun("trauma-bonding", core["trauma-bonding"].version,
                    {i: "never" for i in core["trauma-bonding"].item_ids}, {}, saved_at=T0)]
    for runs, label in ((safety, "urgent"), (calm, "calm"), ([], "no runs")):
        assert_inert_html(report_html(runs, core, res), payload, f"resources -> report_html ({label})")
        assert_inert_md(report_md(runs, core, res), payload, f"resources -> report_md ({label})")


@pytest.mark.parametrize("web", [
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "http://example.org",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "//example.org",
    "javascript:https://example.org", "example.org", "HTTPS://example.org", "https:example.org",
    "\thttps://example.org",
])
def test_a_web_address_that_is_not_https_is_refused(tmp_path, web):
    with pytest.raises(ChecklistError, match="web must start with https://"):
        load_resources(resources_file(tmp_path, "plain", web=web))
    CHECKED["non-https web address -> refused by load_resources"] += 1


def test_the_shipped_resources_only_link_to_https(resources):
    box = support_html(resources)
    hrefs = [v for tag, attrs in parse(box).tags for k, v in attrs if k == "href"]
    dial = re.compile(r"^(tel:\+?\d{3,}|sms:\+?\d{3,}(\?body=[A-Za-z]+)?)$")  # digits only: nothing to run
    assert hrefs and all(h.startswith("https://") or dial.match(h) for h in hrefs)
    assert any(h.startswith("https://") for h in hrefs) and any(h.startswith("tel:") for h in hrefs)
    assert html_problems(box) == []


def test_form_status_messages_escape_error_texts_and_paths(tmp_path, core, monkeypatch):
    """Error messages carry paths and reasons that may hold anything: they are escaped too."""
    payload = PAYLOADS[0]
    folder = tmp_path / payload.replace("/", "_")
    form = ChecklistForm("trauma-bonding", workspace_for(folder, core))
    for choice in form.choices.values():
        choice.value = "rarely"

    def refuse(*args, **kwargs):
        raise AnswersError(f"could not save your answers ({payload})")

    monkeypatch.setattr(form.workspace.store, "save", refuse)
    form.save_button.click()
    assert_inert_html(form.status.value, payload, "save error -> form status")
    monkeypatch.undo()
    path = form.save()
    assert path is not None
    # After a save the status names no file and no folder at all (issue 18): nothing of the path to escape.
    assert payload.replace("/", "_") not in form.status.value and str(folder) not in form.status.value


# ------------------------------------------------------------------ the generated notebooks


def _start_page_markdown(checklists, resources) -> str:
    from toolkit.notebooks import all_notebooks

    books = all_notebooks(checklists, resources)
    return "\n\n".join("".join(c["source"]) for nb in books.values() for c in nb["cells"]
                       if c["cell_type"] == "markdown")


def _rendered(markdown: str) -> dict[str, str]:
    """The Markdown as HTML, the way each front end renders it: Voilà through nbconvert's
    mistune filter (raw HTML passes through), JupyterLab's CommonMark + GFM (markdown-it)."""
    from markdown_it import MarkdownIt
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return {"voila (nbconvert/mistune)": markdown2html_mistune(markdown),
            "commonmark (markdown-it)": MarkdownIt("commonmark").render(markdown)}


@pytest.mark.parametrize("payload", PAYLOADS + ["$\\href{javascript:alert(1)}{x}$", "x\n\n# Heading\n\n- item"],
                         ids=IDS + ["math-href", "markdown-structure"])
def test_checklist_titles_limits_and_device_note_are_inert_in_the_generated_notebooks(tmp_path, payload):
    """The start page (drawn at run time from its HTML template, autoescaped) shows every
    checklist title, the limits and, in its support box, the device note: each must come out as
    text. The notebooks' own Markdown must stay inert too (Voilà passes raw HTML through)."""
    from markdown_it import MarkdownIt

    from toolkit.notebooks import start_html

    custom = hostile_checklists(tmp_path / "checklists", payload)
    res = load_resources(resources_file(tmp_path / "res", "plain"))
    res = res.__class__(**{**res.__dict__, "limits": f"Limits {payload}",
                           "device_note": f"Device {payload}"})
    one_line = " ".join(payload.split())
    page = start_html(custom, res) + support_html(res, urgent=False)
    assert html_problems(page) == [], f"start page: payload {payload!r} is live"
    text = " ".join(visible_text(page).split())
    for shown in (f"Title {one_line}", f"Limits {one_line}", f"Device {one_line}"):
        assert shown in text, f"start page: {shown!r} is not shown as text"
    CHECKED["title + limits + device note -> start page (its template)"] += 1
    markdown = _start_page_markdown(custom, res)
    assert md_problems(markdown) == [], "live Markdown in the generated notebooks"
    assert "$\\href" not in markdown and "\n# Heading" not in markdown
    for renderer, rendered in _rendered(markdown).items():
        assert html_problems(rendered) == [], f"{renderer}: payload {payload!r} is live"
        CHECKED[f"generated notebooks' Markdown ({renderer})"] += 1
    headings = [t for t in MarkdownIt("commonmark").parse(markdown) if t.type == "heading_open"]
    clean = _start_page_markdown(hostile_checklists(tmp_path / "plain", "plain"),
                                 load_resources(resources_file(tmp_path / "res2", "plain")))
    assert len(headings) == len([t for t in MarkdownIt("commonmark").parse(clean)
                                 if t.type == "heading_open"]), "a text from data added a heading"


def test_catalogue_sentences_become_html_with_no_markup_and_links_only_to_our_pages():
    """A translation is text: its tags are escaped, and its Markdown links become links only
    when they name one of the project's notebooks."""
    from toolkit.markup import inline_html

    out = inline_html('<img src=x onerror=alert(1)> [a](javascript:alert(1)) [b](https://evil.example/x.ipynb) '
                      '[c](summary.ipynb) **d** [e](x.ipynb" onclick="alert(1))')
    assert "<img" not in out and "&lt;img" in out
    assert out.count("<a ") == 1 and '<a href="summary.ipynb">c</a>' in out and "<b>d</b>" in out
    assert "javascript:alert(1))" in out and 'href="javascript' not in out and 'href="https' not in out
    assert "onclick=" not in out.replace("&quot; onclick=&quot;", "")
