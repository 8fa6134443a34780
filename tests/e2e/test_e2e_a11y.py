"""Accessibility in a real browser, in the app view (Voilà) and in JupyterLab.

1. axe-core (WCAG 2.1 A and AA rules) on every notebook page once its widgets have rendered:
   all 13 in the app view (the Summary in each of its tabs, and once more in the dark theme),
   six in JupyterLab (start page, Summary, History, the three core checklists), and the
   toxic-relationship form again after Save (result table, support box, status message).
   No serious or critical violation may remain.
2. What axe cannot judge, on the longest form (toxic-relationship, 26 items), in both views:
   every answer group is named by its statement; Tab from the top of the form to "Save my
   answers" takes at most 3 stops per item, never leaves the form, and each stop shows a focus
   ring; the arrow keys change answers, the kernel sees them (progress text) and Save writes them.
3. Reflow: at 640 CSS px wide (1280 px at 200 % zoom) the app view's form and Summary do not
   scroll sideways.

axe-core is the exact version package.json pins and package-lock.json locks (`make axe`); it is
injected into the page and run there. Per-page figures by impact, the Tab counts and times are
printed in the terminal summary.

JupyterLab's own interface has violations this project cannot fix (the summary lists them: e.g.
toolbar jp-buttons with aria-pressed, the cell list's role=feed, the code editor and the heading
collapse button without a name). So in Lab a violation fails the test only on our part of the
notebook panel: its rendered Markdown, its outputs, and the "Exit this page" button.

Before any page loads, saved runs are written into the session's answers folder (two of
toxic-relationship, one each of two other lists), so the Summary and History show their tables,
highlights and charts. None of avoid-partners-where or trauma-bonding: other modules check what
those lists show.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import servers as S
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
IMPACTS = ("critical", "serious", "moderate", "minor")
BLOCKING = {"critical", "serious"}
ALWAYS_APPLIES = ("color-contrast",)           # rules that must have checked something on every page
FORM = "toxic-relationship"                    # the longest form: 26 items
LAB_PAGES = ("00-start-here", "summary", "history", "avoid-partners-where", "trauma-bonding", FORM)
SUMMARY_TABS = ("History", "Your data", "Overview")
DARK = "summary?theme=dark"                    # Voilà's theme switch: light text on dark panels
MAX_STOPS_PER_ITEM = 3
ZOOM_WIDTH = 640                               # CSS px: a 1280 px window at 200 % zoom
APP_LOADING_AT_ONCE = 5                        # app pages loading (kernels starting) side by side
APP_LOAD_TIMEOUT = 90_000                      # ms: one app page, while others load beside it
# Our part of a JupyterLab page: the audited notebook's rendered Markdown and outputs, and the
# Exit button (on <body>). Everything else is JupyterLab's.
LAB_OURS = ("[data-redflag-audit] .jp-MarkdownOutput, [data-redflag-audit] .jp-OutputArea, "
            ".redflag-quick-exit")

_FIGURES: dict[str, str] = {}

# Started without waiting (so pages of one browser are audited side by side), collected by _AXE_RESULT.
# In JupyterLab, <body> has overflow: hidden and height 0. The browser hands body's overflow to
# the viewport (it clips nothing), but axe takes body for a clipping box of height 0, so it finds
# no text "on screen" and color-contrast (and link-in-text-block) check nothing at all. While axe
# runs there, body's overflow is visible (no visible change: Lab's shell fits the window).
_AXE_START = """({tags, ours}) => { window.__redflagAxe = (async () => {
  const body = document.body, overflow = body.style.overflow;
  if (ours) body.style.overflow = 'visible';
  let result;
  try {
    result = await axe.run(document, { runOnly: { type: 'tag', values: tags },
                                       elementRef: true, resultTypes: ['violations'] });
  } finally {
    body.style.overflow = overflow;
  }
  const mine = (el) => !ours || !el || !(el instanceof Element) || el.closest(ours) !== null;
  return {
    version: axe.version,
    incomplete: result.incomplete.map((v) => v.id),
    applied: [...result.passes, ...result.violations, ...result.incomplete].map((v) => v.id),
    violations: result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 200),
                                   why: n.failureSummary, ours: mine(n.element) })),
    })),
  };
})(); }"""
_AXE_RESULT = "() => window.__redflagAxe"

# Text contrast of the highlighted cells and small print axe also checks, measured here so the
# figures can be printed and so a page without them fails (the audit would have proved nothing);
# and of the dropdowns, which axe leaves "for review" (incomplete): their arrow is a background image.
_HIGHLIGHTS = {  # what the Styler tables paint (tables.py), as the browser reports it
    "safety row (#fef3c7)": "rgb(254, 243, 199)",
    "change: worse (#fee2e2)": "rgb(254, 226, 226)",
    "change: better (#dcfce7)": "rgb(220, 252, 231)",
}

# The form's first control: focus it, and mark the form's output for the Tab walk.
_FORM_TOP_JS = """() => {
  document.querySelectorAll('[data-redflag-form]').forEach((e) => e.removeAttribute('data-redflag-form'));
  const group = [...document.querySelectorAll('fieldset.redflag-answer-group')].find((e) => e.offsetParent !== null);
  const form = group.closest('.jp-OutputArea-output');
  form.setAttribute('data-redflag-form', '1');
  const first = [...form.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')]
    .find((e) => !e.disabled && e.tabIndex >= 0 && e.offsetParent !== null);
  first.focus();
  return first === document.activeElement;
}"""
# Where the focus is: which item (by its legend's number), what it is, whether it shows a ring.
_FOCUS_JS = r"""() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  const item = e.closest('.redflag-item');
  const legend = item && item.querySelector('legend.redflag-answer-statement');
  const label = e.labels && e.labels[0] ? e.labels[0].textContent.trim() : '';
  const text = (e.getAttribute('aria-label') || label || e.textContent || '').trim().replace(/^\W+/, '');
  const choice = e.type === 'radio' ? e.closest('label') : null;
  const ring = [];
  const seen = (colour) => !/^(transparent|rgba\(.*,\s*0\))$/.test(colour);
  if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && seen(s.outlineColor)) {
    ring.push(`outline ${s.outlineWidth} ${s.outlineStyle}`);
  }
  if (s.boxShadow !== 'none') {
    ring.push(`box-shadow ${s.boxShadow.includes('rgb(255, 221, 0)') ? 'black/yellow' : s.boxShadow}`);
  }
  if (choice && getComputedStyle(choice).backgroundColor === 'rgb(255, 221, 0)') ring.push('yellow choice');
  return {
    item: legend ? Number(legend.textContent.split('.')[0]) : null,
    what: `${e.tagName.toLowerCase()}${e.type ? '[' + e.type + ']' : ''} "${text.slice(0, 30)}"`,
    inForm: e.closest('[data-redflag-form]') !== null,
    focusVisible: e.matches(':focus-visible'),
    ring: ring.join(' + '),
    save: e.tagName === 'BUTTON' && text === 'Save my answers',
  };
}"""
_SIDEWAYS_JS = """() => {
  const d = document.documentElement;
  const wide = [...document.querySelectorAll('*')].filter((e) => {
    const x = getComputedStyle(e).overflowX;
    return (x === 'auto' || x === 'scroll') && e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1;
  }).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} ${e.scrollWidth}>${e.clientWidth}`);
  return { scrollWidth: d.scrollWidth, clientWidth: d.clientWidth, bodyScrollWidth: document.body.scrollWidth,
           scrollers: wide };
}"""


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def figures(request):
    """Figures printed in pytest's terminal summary (output capture would swallow prints)."""

    class _Report:
        def pytest_terminal_summary(self, terminalreporter):
            terminalreporter.section("accessibility figures (tests/e2e/test_e2e_a11y.py)")
            for key, value in _FIGURES.items():
                terminalreporter.write_line(f"{key}: {value}")

    manager = request.config.pluginmanager
    if not manager.has_plugin("redflag-a11y-figures"):
        manager.register(_Report(), "redflag-a11y-figures")
    return _FIGURES


@pytest.fixture(scope="module")
def seeded(workspace, shipped):
    """Saved runs for the Summary and History: toxic-relationship twice (answers moved both ways,
    safety answers, a note, a safety question answered Not sure), and one run of a list of good
    signs and of a list about yourself."""
    from toolkit.checklist import SavedRun
    from toolkit.store import save_answers

    now = datetime.now(UTC)
    c = shipped[FORM]
    ids = [o.id for o in c.vocabulary.scale if o.weight is not None]
    earlier = {it.id: ids[i % len(ids)] for i, it in enumerate(c.items)}
    later = {it.id: ids[(i + 2) % len(ids)] for i, it in enumerate(c.items)}
    later[next(it.id for it in c.items if it.safety)] = "unsure"
    save_answers(SavedRun(c.id, c.version, earlier, {c.items[0].id: "Said sorry, then did it again."},
                          saved_at=now - timedelta(days=9)), workspace.answers)
    save_answers(SavedRun(c.id, c.version, later, {}, saved_at=now - timedelta(days=2)), workspace.answers)
    for cid in ("partner-green-flags", "avoidant-self-check"):
        other = shipped[cid]
        save_answers(SavedRun(cid, other.version, {it.id: ids[i % 4] for i, it in enumerate(other.items)}, {},
                              saved_at=now - timedelta(days=3)), workspace.answers)
    return workspace


def _charts_expected(workspace) -> int:
    """History draws one chart per checklist with saved runs."""
    return len({p.name.split("_")[0] for p in workspace.saved_files()})


@pytest.fixture(scope="module")
def app_pages(browser, voila_server, seeded, shipped, axe_js, screens, figures):
    """Every notebook in the app view (plus the Summary in the dark theme), loading side by side
    in one browser context: name -> page, each with its widgets rendered and axe-core loaded."""
    from toolkit.notebooks import HISTORY, START, SUMMARY

    names = sorted(p.stem for p in S.NOTEBOOKS.glob("*.ipynb"))
    assert set(names) == {n[:-6] for n in (START, SUMMARY, HISTORY)} | set(shipped), names
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(S.UI_TIMEOUT)
    context.add_init_script(axe_js)            # axe-core in every page from its start
    t0 = time.monotonic()
    pages = {}
    order = [*names, DARK]
    waiting = list(order)

    def start_next() -> None:
        name = waiting.pop(0)
        notebook, _, query = name.partition("?")
        pages[name] = page = context.new_page()
        page.goto(f"{voila_server.url}/voila/render/{notebook}.ipynb{'?' + query if query else ''}",
                  wait_until="commit", timeout=APP_LOAD_TIMEOUT)

    try:
        for _ in range(APP_LOADING_AT_ONCE):
            start_next()
        for name in order:                     # one more page starts as each one is ready
            page = pages[name]
            try:
                _wait_rendered(page, page.locator("body"), name.partition("?")[0], shipped, seeded,
                               APP_LOAD_TIMEOUT)
            except AssertionError as exc:
                page.screenshot(path=str(screens.dir / f"FAILED-app-{name.replace('?', '-')}.png"))
                text = page.locator("body").inner_text()[:600]
                raise AssertionError(f"app view {name} did not render: {exc}\npage text: {text}") from None
            if waiting:
                start_next()
        figures["app view: pages loaded"] = (f"{len(pages)} in {time.monotonic() - t0:.1f} s, "
                                             f"{APP_LOADING_AT_ONCE} at a time")
        yield pages
    finally:
        context.close()


# --------------------------------------------------------------------------- helpers


def _wait_rendered(page, scope, name: str, shipped, workspace, timeout: float) -> None:
    """Wait until the notebook's widgets are on the page (scope: the page or Lab's new outputs)."""
    expect(page.get_by_role("button", name="Exit this page")).to_be_visible(timeout=timeout)
    if name in shipped:
        form = S.Form(scope).wait_ready(timeout)
        expect(form.groups).to_have_count(len(shipped[name].items))
        expect(form.save).to_be_visible()
    elif name == "00-start-here":
        expect(scope.locator("div.redflag-support")).to_be_visible(timeout=timeout)
        expect(scope.get_by_label("Your country or region:")).to_be_visible()
    elif name == "summary":
        expect(scope.get_by_role("tab", name="History")).to_be_visible(timeout=timeout)
        expect(scope.get_by_role("heading", name="Your latest answers")).to_be_visible()
        expect(scope.locator("table.redflag-checklists")).to_be_visible()
    elif name == "history":
        expect(scope.locator("svg.redflag-trend")).to_have_count(_charts_expected(workspace), timeout=timeout)
    else:
        raise AssertionError(f"no wait defined for {name}")
    expect(scope.locator(".jupyter-widgets-error-widget")).to_have_count(0)   # every widget rendered


def _axe_start(page, axe_js: str, ours: str | None = None) -> None:
    """Start axe-core in the page; with `ours` (a selector), each node says whether it is ours.
    (No wait for a frame: axe's style and layout queries bring the layout up to date, and
    requestAnimationFrame in a background tab waits up to a second.)"""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_js)
    page.evaluate(_AXE_START, {"tags": TAGS, "ours": ours})


def _axe_result(page) -> dict:
    result = page.evaluate(_AXE_RESULT)
    pinned = json.loads((S.REPO / "package.json").read_text(encoding="utf-8"))["devDependencies"]["axe-core"]
    assert result["version"] == pinned, f"axe-core {result['version']} ran, package.json pins {pinned}"
    _FIGURES.setdefault("axe-core", f"{result['version']}, rules tagged {', '.join(TAGS)}")
    return result


class Audit:
    """The violations of one page, over the states audited (e.g. the Summary's tabs)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.ours: dict[tuple[str, str], dict] = {}      # (rule, target) -> details
        self.theirs: dict[tuple[str, str], dict] = {}
        self.incomplete: set[str] = set()
        self.applied: set[str] = set()

    def add(self, result: dict, state: str = "") -> None:
        self.incomplete.update(result["incomplete"])
        self.applied.update(result["applied"])
        for v in result["violations"]:
            for n in v["nodes"]:
                into = self.ours if n["ours"] else self.theirs
                into.setdefault((v["id"], n["target"]), {**n, "id": v["id"], "impact": v["impact"],
                                                         "help": v["help"], "state": state})

    @staticmethod
    def _by_impact(nodes: dict) -> str:
        rules = {impact: {n["id"] for n in nodes.values() if n["impact"] == impact} for impact in IMPACTS}
        return ", ".join(f"{impact} {len(rules[impact])}" for impact in IMPACTS) + f" ({len(nodes)} nodes)"

    def record(self) -> None:
        text = f"violations by impact (rules): {self._by_impact(self.ours)}"
        if self.theirs:
            text += f"; JupyterLab's own: {self._by_impact(self.theirs)}"
        if self.incomplete:
            text += f"; for review (axe 'incomplete'): {', '.join(sorted(self.incomplete))}"
        _FIGURES[self.label] = text
        if self.theirs:
            rules = Counter((n["id"], n["impact"]) for n in self.theirs.values())
            first = {n["id"]: re.sub(r"\s+", " ", n["html"])[:70] for n in reversed(self.theirs.values())}
            _FIGURES[f"{self.label}: JupyterLab's own violations (not ours to fix)"] = "; ".join(
                f"{rule} ({impact}) x{count}, e.g. {first[rule]}" for (rule, impact), count in sorted(rules.items()))

    def blocking(self) -> list[str]:
        # A rule that found nothing to check proves nothing: every page has text, so contrast applies.
        unchecked = [f"{self.label}: axe applied no {rule} check (no text seen on screen?)"
                     for rule in ALWAYS_APPLIES if rule not in self.applied]
        return unchecked + [f"{self.label}{' [' + n['state'] + ']' if n['state'] else ''}: {n['impact']} {n['id']} "
                f"({n['help']}) at {n['target']}\n    {n['html']}\n    {n['why']}"
                for n in self.ours.values() if n["impact"] in BLOCKING]


def _axe(page, axe_js: str, ours: str | None = None) -> dict:
    _axe_start(page, axe_js, ours)
    return _axe_result(page)


def _audit_tabs(audit: Audit, page, axe_js: str, name: str, ours: str | None = None) -> Audit:
    """The Summary once more in each of its other tabs (ending on Overview again)."""
    if name == "summary":
        root = page.locator("[data-redflag-audit]" if ours else "body")   # not JupyterLab's own tabs
        for tab in SUMMARY_TABS:
            button = root.get_by_role("tab", name=tab, exact=True)
            button.click()
            expect(button).to_have_attribute("aria-selected", "true")
            audit.add(_axe(page, axe_js, ours), f"{tab} tab")
    return audit


def _check_contrast(page, label: str, wanted: dict[str, str], root: str = "body") -> None:
    """The highlighted cells (and the small print, the progress text) are on the page, and their
    text has at least 4.5:1 against its background."""
    # select, summary: axe may leave them "for review" (the dropdown's arrow is a background image;
    # in Lab the "Why this matters" line counts as partly covered by the button beside it)
    kinds = ("table td", "small", "[aria-live='polite']", "select", "summary")
    cells = page.locator(", ".join(f"{root} {kind}" for kind in kinds)).evaluate_all(S.CONTRAST_JS)
    for what, colour in wanted.items():
        found = [c for c in cells if c["bg"] == colour]
        assert found, f"{label}: no {what} on the page, so its contrast went unchecked"
        _FIGURES[f"{label}: lowest text contrast on {what}"] = f"{min(c['ratio'] for c in found):.2f}:1"
    low = [c for c in cells if c["ratio"] < 4.5]
    assert not low, f"{label}: text below 4.5:1: {low}"
    _FIGURES[f"{label}: lowest contrast of table cells, small print, progress, dropdowns, summaries"] = (
        f"{min(c['ratio'] for c in cells):.2f}:1 over {len(cells)} elements")


def _progress(n: int, total: int):
    return re.compile(rf"^\s*{n} of {total} answered")


def _shot_focus(page, path) -> None:
    """A picture of the focused control with room around it for its ring."""
    box = page.evaluate("() => { const r = document.activeElement.getBoundingClientRect();"
                        " return {x: r.x, y: r.y, width: r.width, height: r.height}; }")
    size = page.viewport_size
    x, y = max(0, box["x"] - 12), max(0, box["y"] - 12)
    page.screenshot(path=str(path), clip={"x": x, "y": y, "width": min(box["width"] + 24, size["width"] - x),
                                          "height": min(box["height"] + 24, size["height"] - y)})


def _tab_walk(page, form, c, kind: str, screens) -> None:
    """From the form's first control, Tab until "Save my answers": count the presses, at most
    MAX_STOPS_PER_ITEM stops per item, every item reached, never out of the form, a ring on each."""
    assert page.evaluate(_FORM_TOP_JS), "could not focus the form's first control"
    stops = [page.evaluate(_FOCUS_JS)]
    limit = 2 * MAX_STOPS_PER_ITEM * len(c.items) + 10   # room to count a crowded form to its end
    shot: set[str] = set()
    while not stops[-1]["save"]:
        assert len(stops) <= limit, f"{kind}: {limit} Tab presses never reached Save: {stops[-5:]}"
        page.keyboard.press("Tab")
        stops.append(page.evaluate(_FOCUS_JS))
        control = stops[-1]["what"].split(" ")[0]
        if control not in shot:              # one picture of each kind of control's focus ring
            shot.add(control)
            _shot_focus(page, screens.dir / f"a11y-{kind.replace(' ', '-')}-focus-{control}.png")
    presses = len(stops) - 1
    per_item = Counter(s["item"] for s in stops if s["item"] is not None)
    others = [s["what"] for s in stops[:-1] if s["item"] is None]
    first_item = [s["what"] for s in stops if s["item"] == 1]
    _FIGURES[f"{kind} {FORM}: Tab presses from the form's first control to Save"] = (
        f"{presses} = {len(c.items)} items x {max(per_item.values())} ({', '.join(first_item)}) "
        f"+ {len(others)} before the items ({', '.join(others)})")
    assert sorted(per_item) == list(range(1, len(c.items) + 1)), f"{kind}: items not reached by Tab: {per_item}"
    crowded = {n: k for n, k in per_item.items() if k > MAX_STOPS_PER_ITEM}
    assert not crowded, f"{kind}: more than {MAX_STOPS_PER_ITEM} Tab stops in items {crowded}"
    assert presses <= MAX_STOPS_PER_ITEM * len(c.items) + len(others), presses
    astray = [s["what"] for s in stops if not s["inForm"]]
    assert not astray, f"{kind}: Tab left the form on the way to Save: {astray}"
    # The first stop was focused by the test, not by a key: its ring is not the keyboard's.
    no_ring = [s for s in stops[1:] if not (s["focusVisible"] and s["ring"])]
    assert not no_ring, f"{kind}: Tab stops without a visible focus indicator: {no_ring}"
    _FIGURES[f"{kind} {FORM}: focus indicators seen"] = "; ".join(sorted({
        f"{s['what'].split(' ')[0]}: {s['ring']}" for s in stops[1:]}))


def _keyboard_answers(page, form, c, kind: str, workspace, screens) -> None:
    """Answer three items with the arrow keys (and Space), check the kernel's progress text, Tab
    to Save, press Enter, and find the arrowed choices in the saved file."""
    labels = [o.label for o in c.vocabulary.scale if not o.situational]  # offered on every item
    total = len(c.items)
    expect(form.progress).to_have_text(_progress(0, total))
    # item 1: on the first choice with nothing chosen, ArrowRight moves on *and* chooses
    form.item(1).get_by_role("radio").first.focus()
    page.keyboard.press("ArrowRight")
    expect(form.radio(1, labels[1])).to_be_checked()
    expect(form.progress).to_have_text(_progress(1, total))
    page.keyboard.press("ArrowRight")
    expect(form.radio(1, labels[2])).to_be_checked()
    expect(form.radio(1, labels[2])).to_be_focused()
    # item 2: Space chooses the first, ArrowLeft wraps round to the last (its own last choice)
    form.item(2).get_by_role("radio").first.focus()
    page.keyboard.press("Space")
    expect(form.radio(2, labels[0])).to_be_checked()
    expect(form.progress).to_have_text(_progress(2, total))
    page.keyboard.press("ArrowLeft")
    last = c.vocabulary.options_for(c.items[1])[-1].label  # "This hasn't happened" on a situational item
    expect(form.radio(2, last)).to_be_checked()
    expect(form.progress).to_have_text(re.compile(rf"^\s*2 of {total} answered, 1 “{re.escape(last)}”"))
    if last != labels[-1]:  # "This hasn't happened": one more ArrowLeft to Not sure (a safety question)
        page.keyboard.press("ArrowLeft")
        expect(form.radio(2, labels[-1])).to_be_checked()
    # the last item: ArrowDown three times ends on the fourth choice
    form.item(total).get_by_role("radio").first.focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(form.radio(total, labels[3])).to_be_checked()
    expect(form.progress).to_have_text(_progress(3, total))
    ring = page.evaluate(_FOCUS_JS)
    assert ring["focusVisible"] and "outline" in ring["ring"] and "yellow" in ring["ring"], ring
    form.item(total).screenshot(path=str(screens.dir / f"a11y-{kind.replace(' ', '-')}-focus-ring.png"))

    for _ in range(MAX_STOPS_PER_ITEM + 1):     # from the last group past "Show my result" to Save
        page.keyboard.press("Tab")
        if page.evaluate(_FOCUS_JS)["save"]:
            break
    else:
        pytest.fail(f"{kind}: Save not reached by Tab from the last item")
    before = workspace.saved_files()
    page.keyboard.press("Enter")
    path = S.wait_new_file(workspace, before)
    saved = json.loads(path.read_text(encoding="utf-8"))
    scale = [o for o in c.vocabulary.scale if not o.situational]
    assert saved["responses"] == {c.items[0].id: scale[2].id, c.items[1].id: scale[-1].id,
                                  c.items[-1].id: scale[3].id}, saved["responses"]
    expect(form.status).to_be_visible()  # "Saved. Your result is below.": no file name
    expect(form.result).to_contain_text("Your result")


def _group_names(form, c) -> None:
    """Each item's answer group has "n. statement" as its accessible name, and only one does."""
    for n, item in enumerate(c.items, start=1):
        expect(form.scope.get_by_role("group", name=f"{n}. {item.text}", exact=True)).to_have_count(1)


# --------------------------------------------------------------------------- the app view


def test_app_view_every_page_has_no_serious_violation(app_pages, axe_js, figures):
    t0 = time.monotonic()
    problems: list[str] = []
    for page in app_pages.values():
        _axe_start(page, axe_js)
    for name, page in app_pages.items():
        audit = Audit(f"app view {name}")
        audit.add(_axe_result(page))
        _audit_tabs(audit, page, axe_js, name.partition("?")[0])
        audit.record()
        problems += audit.blocking()
    _check_contrast(app_pages["summary"], "app view summary", {k: v for k, v in _HIGHLIGHTS.items() if "safety" in k})
    _check_contrast(app_pages["history"], "app view history", {k: v for k, v in _HIGHLIGHTS.items() if "change" in k})
    _check_contrast(app_pages[DARK], "app view summary, dark theme",
                    {k: v for k, v in _HIGHLIGHTS.items() if "safety" in k})
    _check_contrast(app_pages[FORM], f"app view {FORM}", {})
    figures["app view: axe on every page"] = f"{time.monotonic() - t0:.1f} s"
    assert not problems, "serious or critical accessibility violations:\n" + "\n".join(problems)


def test_app_view_reflows_at_200_percent_zoom(app_pages, screens, figures):
    """640 CSS px wide, as a 1280 px window at 200 %: nothing scrolls sideways."""
    for name in (FORM, "summary"):
        page = app_pages[name]
        page.bring_to_front()                    # a background tab draws (and screenshots) slowly
        page.set_viewport_size({"width": ZOOM_WIDTH, "height": 900})
        try:
            page.evaluate(S.TWO_FRAMES_JS)
            width = page.evaluate(_SIDEWAYS_JS)
            path = screens.shot(page, f"a11y-app-{name}-{ZOOM_WIDTH}px")
        finally:
            page.set_viewport_size({"width": 1280, "height": 900})
        figures[f"app view {name} at {ZOOM_WIDTH} px"] = (
            f"scrollWidth {width['scrollWidth']} <= clientWidth {width['clientWidth']}; "
            f"inner sideways scrollers: {width['scrollers'] or 'none'}; screenshot {path}")
        assert width["scrollWidth"] <= width["clientWidth"], f"{name} scrolls sideways: {width}"
        assert width["bodyScrollWidth"] <= width["clientWidth"], f"{name} scrolls sideways: {width}"
        assert not width["scrollers"], f"{name}: a part of the page scrolls sideways: {width['scrollers']}"


def test_app_view_long_form_by_keyboard(app_pages, axe_js, shipped, workspace, screens, figures):
    t0 = time.monotonic()
    page, c = app_pages[FORM], shipped[FORM]
    page.bring_to_front()                        # keys go to the page in front
    form = S.Form(page.locator("body"))
    _group_names(form, c)
    _tab_walk(page, form, c, "app view", screens)
    _keyboard_answers(page, form, c, "app view", workspace, screens)
    audit = Audit(f"app view {FORM} after Save")
    audit.add(_axe(page, axe_js))
    audit.record()
    expect(form.support).to_be_visible()              # safety answers were seeded: support shows
    screens.shot(page, f"a11y-app-{FORM}-after-save")
    figures["app view: long form by keyboard"] = f"{time.monotonic() - t0:.1f} s"
    assert not audit.blocking(), "\n".join(audit.blocking())


# --------------------------------------------------------------------------- JupyterLab


def _mark_panel(page) -> None:
    """Mark the notebook on screen as the one audited (LAB_OURS looks inside it)."""
    page.locator(".jp-NotebookPanel:visible").evaluate("""(panel) => {
        document.querySelectorAll('[data-redflag-audit]').forEach((e) => e.removeAttribute('data-redflag-audit'));
        panel.setAttribute('data-redflag-audit', '1'); }""")


def test_lab_pages_have_no_serious_violation_of_ours(lab, seeded, axe_js, shipped, screens, figures):
    t0 = time.monotonic()
    page = lab.page
    problems: list[str] = []
    for name in LAB_PAGES:
        lab.open(f"{name}.ipynb")
        S.run_all(page)
        _wait_rendered(page, S.fresh_outputs(page), name, shipped, seeded, S.KERNEL_TIMEOUT)
        _mark_panel(page)
        audit = Audit(f"JupyterLab {name}")
        audit.add(_axe(page, axe_js, LAB_OURS))
        _audit_tabs(audit, page, axe_js, name, LAB_OURS)
        audit.record()
        problems += audit.blocking()
        if name in ("summary", FORM):
            _check_contrast(page, f"JupyterLab {name}", {k: v for k, v in _HIGHLIGHTS.items()
                                                         if "safety" in k and name == "summary"},
                            root="[data-redflag-audit] .jp-OutputArea")
    screens.shot(page, f"a11y-lab-{LAB_PAGES[-1]}")
    figures["JupyterLab: open, Run All and axe on 6 notebooks"] = f"{time.monotonic() - t0:.1f} s"
    assert not problems, "serious or critical accessibility violations in our content:\n" + "\n".join(problems)


def test_lab_long_form_by_keyboard(lab, seeded, axe_js, shipped, workspace, screens, figures):
    t0 = time.monotonic()
    c = shipped[FORM]
    form = lab.run_form(f"{FORM}.ipynb")
    page = lab.page
    _group_names(form, c)
    _tab_walk(page, form, c, "JupyterLab", screens)
    _keyboard_answers(page, form, c, "JupyterLab", workspace, screens)
    _mark_panel(page)
    audit = Audit(f"JupyterLab {FORM} after Save")
    audit.add(_axe(page, axe_js, LAB_OURS))
    audit.record()
    figures["JupyterLab: long form by keyboard"] = f"{time.monotonic() - t0:.1f} s"
    assert not audit.blocking(), "\n".join(audit.blocking())
