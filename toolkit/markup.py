"""Words as HTML (and Markdown): the package's jinja2 templates, with autoescape. No I/O.

Light on purpose (no pandas): the checklist form renders its header and messages with it
before anything heavier is imported. Every value from data or from a person is escaped: the
`.html.j2` templates autoescape, Markdown goes through `md_escape`.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from . import compiled, i18n, service
from .i18n import N_, _, ngettext
from .resources import EVERYWHERE, Resource, Resources
from .words import NOT_A_DIAGNOSIS

if TYPE_CHECKING:
    from .checklist import Checklist
    from .summary import ResultLine

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def md_escape(text: object) -> str:
    """Escape for Markdown: HTML-escape (renderers pass HTML through), then backslash syntax."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


def md_text(text: object) -> str:
    """Text from data (a title, the limits, the device note) as Markdown that shows exactly
    that text: one line (no heading, list or fence can start inside it), HTML-escaped (Voilà
    passes raw HTML in Markdown through to the page, so `<script>` or `<img onerror>` would
    run), Markdown syntax backslash-escaped (no `[link](javascript:...)`, no emphasis), and
    `$` escaped so that no math (MathJax in JupyterLab) is typeset from it."""
    return md_escape(" ".join(str(text).split())).replace("$", "\\$")


class TemplateCode(jinja2.FileSystemBytecodeCache):
    """The templates' compiled code in `folder` (the templates' own `__pycache__`). jinja2
    checks each entry against the template's text and Python's version when it loads it."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.folder = folder

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if not compiled.may_write():
            return
        try:
            self.folder.mkdir(exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:  # read-only: compiled again next time, nothing lost
            pass


@lru_cache(maxsize=1)
def templates() -> jinja2.Environment:
    """The package's templates; `.html.j2` autoescape, `.md.j2` escape with the `md` filter.
    Their sentences are `_("…")` / `{% trans %}` (jinja2's i18n extension, new style: values
    passed in are escaped), so Babel extracts them into the one catalogue with Python's."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("toolkit", "templates"),
                             autoescape=jinja2.select_autoescape(["html.j2"]),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             extensions=["jinja2.ext.i18n"],
                             # compiled once and kept beside them (compiled.py): ~100 ms a page
                             bytecode_cache=TemplateCode(Path(__file__).parent / "templates" / compiled.CACHE_DIR))
    env.install_gettext_callables(_, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["not_a_diagnosis"] = lambda: _(NOT_A_DIAGNOSIS)
    env.globals["lang"] = i18n.current  # <html lang="{{ lang() }}">: the language in use (issue 19)
    env.filters["local_time"] = local_day  # dates with the month in that language
    env.filters["md"] = md_escape
    env.filters["md_text"] = md_text
    env.filters["day"] = local_day
    return env


def answered_text(checklist: Checklist, scored: int, unsure: int = 0, not_happened: int = 0) -> str:
    """How much of a list is answered, in the same words everywhere (the form's progress line and
    every result): "20 of 20 answered, 6 “Not sure”". Every choice counts as answered; the
    result says apart how many of them are Not sure or "This hasn't happened" (neither has
    points)."""
    labels = {o.situational: o.label for o in checklist.vocabulary.scale if o.weight is None}
    parts = [_("{n} “{label}”").format(n=n, label=labels[kind])
             for kind, n in ((False, unsure), (True, not_happened)) if n and kind in labels]
    text = _("{done} of {total} answered").format(done=scored + unsure + not_happened, total=len(checklist.items))
    return text + (", " + _(" and ").join(parts) if parts else "")


#: strftime's codes used here, as the date patterns of Unicode (CLDR) that Babel speaks.
_CLDR = {"%d": "dd", "%b": "MMM", "%B": "MMMM", "%Y": "y", "%H": "HH", "%M": "mm"}


def local_day(moment: Any, fmt: str = "%d %b %Y") -> str:
    """A saved time in the person's own time zone: a date ("05 Oct 2026") unless `fmt` says
    more (a pandas Timestamp works too); month names in the language of the page."""
    if hasattr(moment, "to_pydatetime"):
        moment = moment.to_pydatetime()
    local = moment.astimezone()
    if i18n.current() == i18n.ENGLISH:
        return str(local.strftime(fmt))
    from babel.dates import format_datetime  # Babel knows every language's month names

    pattern = fmt
    for code, cldr in _CLDR.items():
        pattern = pattern.replace(code, cldr)
    return str(format_datetime(local, pattern, locale=i18n.current()))


_BOLD = re.compile(r"\*\*(.+?)\*\*")
#: A link in the catalogue's sentences: only to one of the project's own pages (a notebook's name).
_PAGE_LINK = re.compile(r"\[([^\]]+)\]\(([\w.-]+\.ipynb)\)")


def inline_html(text: str) -> Markup:
    """A catalogue sentence with Markdown's **bold** and [links](page.ipynb) as HTML: escaped
    first, so a translation can add neither markup nor a link to anywhere but our own pages."""
    escaped = html.escape(text, quote=True)
    escaped = _PAGE_LINK.sub(r'<a href="\2">\1</a>', escaped)
    return Markup(_BOLD.sub(r"<b>\1</b>", escaped))


#: The pages' file names (notebooks.py writes them; the pages link to one another).
START, SUMMARY, HISTORY = "00-start-here.ipynb", "summary.ipynb", "history.ipynb"


def checklist_intro(checklist: Checklist, place: str) -> tuple[Markup, Markup]:
    """A checklist page's way round (links to the start page and the Summary) and its how-to:
    what to answer, and what Show my result, Save, Resume and Hide do. Drawn when the page runs,
    so in the page's language (issue 19), and hidden with the rest by Hide."""
    about = (_("This list is about **you**: a mirror for your own patterns, not a verdict on anyone.")
             if checklist.kind == "reflection" else
             _("Answer for how things have been lately. Each answer is how often something is true."))
    save = _("Press **Show my result** to see your result: nothing is saved. **Save my answers** keeps them only "
             "on {place}, so you can come back and **Resume** them later. **Hide** clears the screen at "
             "once.").format(place=place)
    links = _("[← Start here]({start}) · [Summary of all your answers]({summary})").format(start=START, summary=SUMMARY)
    return inline_html(links), Markup("<br>").join([inline_html(about), inline_html(save)])


def summary_intro() -> tuple[Markup, str, str]:
    """The Summary page's links, title and what it shows."""
    return (inline_html(_("[← Start here]({start}) · [History]({history})").format(start=START, history=HISTORY)),
            _("Summary of your answers"),
            _("The most recent saved answers of each checklist, side by side. If any answer touches on your "
              "safety, support resources come first."))


def history_intro() -> tuple[Markup, str, str]:
    """The History page's links, title and what it shows."""
    return (inline_html(_("[← Start here]({start}) · [Summary]({summary})").format(start=START, summary=SUMMARY)),
            _("History"),
            _("How your answers changed over time, one chart per checklist, and what changed since last time."))


def render(name: str, **context: Any) -> str:
    return templates().get_template(name).render(**context)


def ui(macro: str, *args: Any, **kwargs: Any) -> str:
    """One of the small UI pieces in `ui.html.j2` (message, form_header, data_link, …)."""
    return str(getattr(templates().get_template("ui.html.j2").module, macro)(*args, **kwargs))


#: With no country chosen, where to choose it (the support box's prompt says "Choose your country").
CHOOSE_WHERE = N_("You can choose it on the start page, under “If you need support now”. If yours is "
                  "not listed, Find A Helpline lists lines in many countries.")


def contacts(resource: Resource) -> list[tuple[str, str]]:
    """The ways to reach a line, in the order shown: ("Call", number), ("Text", …), ("TTY", …),
    ("chat", https page), ("web", https site)."""
    ways = ((_("Call"), resource.phone), (_("Text"), resource.text), (_("TTY"), resource.tty),
            ("chat", resource.chat), ("web", resource.web))
    return [(way, value) for way, value in ways if value]


#: A number to dial in a phone, text or TTY value: three digits or more, spaces and hyphens
#: inside; not one that is part of a word-number ("0800 REFUGE"), nor a short code to press
#: after dialling ("then press 55").
_NUMBER = re.compile(r"(?<![\d+])\+?\d[\d \-]*\d(?![\d]| ?[A-Z]{2})")
#: A text number with a keyword: "START to 88788".
_KEYWORD = re.compile(r"^\s*([A-Za-z]+) to (\+?\d[\d \-]*\d)\s*$")


def dial(value: str, scheme: str = "tel") -> list[tuple[str, str]]:
    """`value` in pieces (text, link): each number in it links to `tel:` or `sms:` (one tap
    on a phone to call or to text), the words between stay text (link ""). A text keyword goes
    into the message: "START to 88788" -> sms:88788?body=START."""
    keyword = _KEYWORD.match(value) if scheme == "sms" else None
    if keyword:
        word, number = keyword.groups()
        href = f"sms:{_digits(number)}?body={word}"
        return [(value[:keyword.start(2)], ""), (number, href), (value[keyword.end(2):], "")]
    pieces, at = [], 0
    for m in _NUMBER.finditer(value):
        if sum(ch.isdigit() for ch in m.group()) < 3:
            continue
        pieces += [(value[at:m.start()], ""), (m.group(), f"{scheme}:{_digits(m.group())}")]
        at = m.end()
    pieces.append((value[at:], ""))
    return [(text, href) for text, href in pieces if text]


def _digits(number: str) -> str:
    return ("+" if number.startswith("+") else "") + "".join(ch for ch in number if ch.isdigit())


def support_context(resources: Resources, urgent: bool, country: str | None = None,
                    choose_where: str = CHOOSE_WHERE, part: str = "all", unfolded: bool = False
                    ) -> dict[str, Any]:
    """What the support box shows. With a country: its emergency numbers first and a few of its
    lines (resources.shortlist); its other lines folded under "More lines in …", everyone
    else's under "Other countries", by country. With none (or one no line serves): a "Choose
    your country" prompt at the top, the emergency numbers of every country, and every
    country's lines folded under its name: no country's lines are put first by guesswork.
    `part`: "all", or "head" (heading and prompt) and "body" (the rest) for a widget that draws
    the box's border around them with its country choice between (panels.SupportBox).
    `unfolded`: every folded part open (a printed report cannot open them)."""
    from .translations import preferred  # the reader's language: its speakers' lines first

    first, more, others = resources.shortlist(country, prefer=preferred())
    code = (country or "").strip().upper()
    known = resources.serves(code)
    return {"resources": resources, "urgent": urgent, "first": first, "others": others, "more": more,
            "more_label": _("More lines in {country}").format(country=resources.country_name(code)) if more else "",
            "groups": resources.by_country(others), "choose": "" if known else _(choose_where),
            "others_label": _("Other countries"), "others_open": unfolded, "contacts": contacts, "dial": dial,
            "part": part,
            "device_note": service.device_note(resources.device_note)}  # the service's own on JupyterHub


def support_html(resources: Resources, urgent: bool = True, country: str | None = None,
                 choose_where: str = CHOOSE_WHERE, part: str = "all") -> str:
    """The support box (the one template for widgets and reports)."""
    return render("support.html.j2", **support_context(resources, urgent, country, choose_where, part))


def talk_html(resources: Resources, country: str | None = None) -> str:
    """"Need to talk now?": one line near the top of the start page and of every result, with
    the chosen country's emergency number and first line to call (tap to call), or, with no
    country chosen, where to choose it."""
    from .translations import preferred

    first, _more, _others = resources.shortlist(country, prefer=preferred())
    known = resources.serves(country)
    emergency = next((r for r in first if r.emergency), None) if known else None
    line = next((r for r in first if not r.emergency and r.phone and EVERYWHERE not in r.countries), None)
    return render("talk.html.j2", emergency=emergency, line=line if known else None, dial=dial)


def level_html(line: ResultLine, resources: Resources | None = None, support_box: str = "") -> str:
    """One checklist's result in words; a safety answer replaces the level sentence. A list about
    a partner ends with a line on what it cannot tell (`resources.limits` folded under it) and
    the support lines: `support_box` (the calm box, folded) when it is not already shown."""
    from markupsafe import Markup

    return render("level.html.j2", line=line, limits=resources.limits if resources else "",
                  support_heading=resources.heading if resources else "",
                  support_box=Markup(support_box))
