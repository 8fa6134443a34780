"""AnswerGroup and QuickExit (toolkit/widgets.py, toolkit/static/*.js|css) in a real browser, in
Voilà and in JupyterLab: what their scripts do is proven here, not by reading their source.

A test notebook written here shows three AnswerGroups with the real answer scale (the third with a
"why" text and a note box, its labels set from Python to words that are not the defaults), a
"Clear answers" button (the kernel sets every value to None), HTML lines mirroring what the kernel
sees, a long spacer, and QuickExit three times (one widget displayed twice, plus a second widget),
with a label and a Shift gap that are not the defaults: the page must still have one button and
one Shift listener, named and timed from the traits. The exit target is a page on a loopback
server of this module that answers after a delay, so the test can see the old page blanked
*before* the browser leaves it. Two smaller pages check what comes with one widget alone: the
page-wide styles with an AnswerGroup, and the script's own URL check and idle notice with a
QuickExit.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import servers as S
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SCALE = [("Never", "never"), ("Rarely", "rarely"), ("Sometimes", "sometimes"), ("Often", "often"),
         ("Always", "always"), ("Not sure", "unsure")]
STATEMENTS = [
    "1. Your partner checks your phone or messages without asking.",
    "2. You feel you have to watch what you say so your partner does not get angry.",
    ('3. Your partner is not honest with you, and calls you "too sensitive" <b>when</b> you ask '
     '<img src=x onerror="document.title=1">.'),
]
HINT = "If this hasn't come up, choose Not sure."
WHY = 'Honesty is the ground <i>trust</i> stands on <img src=x onerror="document.title=2">.'
# Words and settings given as traits, none of them the defaults: the page must show these.
EXIT_LABEL = "Leave this page now"
WHY_LABEL = "Why we ask this"
NOTE_BUTTON = "Write a private note"
NOTE_PLACEHOLDER = "Only you will see this"
GAP_MS = 2500           # the Shift gap of the page's QuickExits (default 1000)
SHORT_GAP_MS = 600      # ... after "Shorter Shift gap" (the kernel changes the trait on the page)
AWAY_DELAY = 1.5        # s: the exit page answers this late, so the blanked old page can be seen
AWAY_TITLE = "Weather forecast"

_NOTEBOOK_CODE = [
    """\
import os, pathlib
os.environ["REDFLAG_EXIT_URL"] = {exit_url!r}    # as a deployment would set it
from toolkit.widgets import QuickExit
quick_exit = QuickExit(label={exit_label!r}, shift_gap_ms={gap})
quick_exit.on_exit(lambda w: pathlib.Path({marker!r}).write_text("exit", encoding="utf-8"))
quick_exit""",
    """\
from ipywidgets import HTML, Button, VBox
from toolkit.widgets import AnswerGroup
SCALE = {scale!r}
STATEMENTS = {statements!r}
groups = [AnswerGroup(s, SCALE, hint={hint!r} if n == 2 else "") for n, s in enumerate(STATEMENTS, 1)]
groups[2].value = "often"            # as if resumed from saved answers
groups[2].why, groups[2].notes = {why!r}, True
groups[2].why_label, groups[2].note_button_label = {why_label!r}, {note_button!r}
groups[2].note_placeholder = {note_placeholder!r}
mirror, note_mirror = HTML(), HTML()
mirror.add_class("kernel-mirror")
note_mirror.add_class("note-mirror")
def show(_=None):
    mirror.value = "kernel sees: " + " ".join(f"{{n}}={{g.value}}" for n, g in enumerate(groups, 1))
    note_mirror.value = "note: " + ("open " if groups[2].note_open else "closed ") + repr(groups[2].note)
for g in groups:
    g.observe(show, "value")
groups[2].observe(show, ["note", "note_open"])
show()
clear = Button(description="Clear answers")
clear.on_click(lambda _: [setattr(g, "value", None) for g in groups])
display(*groups, mirror, note_mirror, VBox([clear]))   # in a box, as the app's buttons are""",
    """\
from ipywidgets import Box, HTML, Layout
exits = [quick_exit, QuickExit(label={exit_label!r}, shift_gap_ms={gap})]
gap_mirror = HTML(f"gap: {{quick_exit.shift_gap_ms}}")
gap_mirror.add_class("gap-mirror")
def shorter(_):
    for e in exits:
        e.shift_gap_ms = {short_gap}
    gap_mirror.value = f"gap: {{quick_exit.shift_gap_ms}}"
short = Button(description="Shorter Shift gap")
short.on_click(shorter)
display(Box(layout=Layout(height="2400px")), HTML("<p>End of the test page.</p>"), gap_mirror, short, exits[1],
        quick_exit)""",
]

# Runs before the page's own code. (1) Counts the window key listeners that look at Shift, however
# often the widget code runs. (2) When the page starts to unload, reports through the console what
# is still in it: Playwright cannot evaluate in a page whose navigation is pending.
_PROBE_JS = """(() => {
  const add = EventTarget.prototype.addEventListener;
  window.__redflagShiftListeners = { keydown: 0, keyup: 0 };
  EventTarget.prototype.addEventListener = function (type, fn, opts) {
    if (this === window && (type === "keydown" || type === "keyup") && typeof fn === "function"
        && String(fn).includes("Shift")) {
      window.__redflagShiftListeners[type] += 1;
    }
    return add.call(this, type, fn, opts);
  };
  const statements = __STATEMENTS__;
  window.addEventListener("beforeunload", () => {
    const html = document.documentElement.outerHTML;
    console.log("redflag-at-unload " + JSON.stringify({
      url: location.href, title: document.title, text: document.body ? document.body.innerText : "",
      bodyChildren: document.body ? document.body.childElementCount : 0,
      statementsLeft: statements.filter((s) => html.includes(s.slice(0, 25))).length }));
  }, true);
})();""".replace("__STATEMENTS__", json.dumps(STATEMENTS))
_AT_UNLOAD = "redflag-at-unload "

# --------------------------------------------------------------------------- fixtures


class _Away(BaseHTTPRequestHandler):
    seen: ClassVar[set[str]] = set()

    def do_GET(self):
        if self.path not in self.seen:       # the first visit is slow; Back/Forward later are not
            self.seen.add(self.path)
            time.sleep(AWAY_DELAY)
        body = f"<!doctype html><title>{AWAY_TITLE}</title><p>Sunny intervals.</p>".encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass                             # the browser gave up on this request

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def away():
    """A loopback "neutral page" for the exit, answering after AWAY_DELAY seconds."""
    server = ThreadingHTTPServer(("127.0.0.1", S.free_port()), _Away)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _write_cells(workspace, name: str, intro: str, codes: list[str]) -> None:
    """A notebook NAME in the servers' folder: a Markdown cell INTRO, then one code cell per CODES."""
    cells = [{"cell_type": "markdown", "id": "intro", "metadata": {}, "source": intro}]
    cells += [{"cell_type": "code", "id": f"code-{n}", "metadata": {}, "execution_count": None,
               "outputs": [], "source": code} for n, code in enumerate(codes, 1)]
    nb = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                      "language": "python"}, "language_info": {"name": "python"}}}
    (workspace.notebooks / name).write_text(json.dumps(nb, indent=1), encoding="utf-8")


def _write_notebook(workspace, away: str, kind: str) -> tuple[str, str, object]:
    """The test notebook for KIND ("voila" or "lab"): its name, its exit URL, its exit marker file."""
    name, exit_url = f"widgets-{kind}.ipynb", f"{away}/weather-{kind}"
    marker = workspace.root / f"exit-{kind}.txt"
    marker.unlink(missing_ok=True)
    fill = {"exit_url": exit_url, "marker": str(marker), "scale": SCALE, "statements": STATEMENTS,
            "hint": HINT, "why": WHY, "exit_label": EXIT_LABEL, "gap": GAP_MS, "short_gap": SHORT_GAP_MS,
            "why_label": WHY_LABEL, "note_button": NOTE_BUTTON, "note_placeholder": NOTE_PLACEHOLDER}
    _write_cells(workspace, name, "# Widget test page\n\nThree statements, answered with the keyboard.",
                 [code.format(**fill) for code in _NOTEBOOK_CODE])
    return name, exit_url, marker


# --------------------------------------------------------------------------- shared checks


def _groups(page):
    return [page.get_by_role("group", name=s, exact=True) for s in STATEMENTS]


def _active(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement;
        return { tag: e.tagName, name: e.name || null, label: e.labels && e.labels[0] ? e.labels[0].textContent : null,
                 checked: !!e.checked, focusVisible: e.matches(':focus-visible'),
                 outline: getComputedStyle(e).outlineStyle, outlineWidth: parseFloat(getComputedStyle(e).outlineWidth),
                 labelBg: e.labels && e.labels[0] ? getComputedStyle(e.labels[0]).backgroundColor : null }; }""")


def _check_groups(page, kind: str, screens, figures: dict) -> list[str]:
    """Names, descriptions, markup as text, the resumed value; returns the groups' radio names."""
    groups = _groups(page)
    for g in groups:
        expect(g).to_be_visible(timeout=S.KERNEL_TIMEOUT)
        expect(g.get_by_role("radio")).to_have_count(len(SCALE))
        for label, _ in SCALE:
            expect(g.get_by_role("radio", name=label, exact=True)).to_have_count(1)
    names = [g.locator("input[type=radio]").evaluate_all("els => [...new Set(els.map(e => e.name))]")
             for g in groups]
    assert all(len(n) == 1 and n[0] for n in names), f"radios of a group share one name: {names}"
    names = [n[0] for n in names]
    assert len(set(names)) == len(groups), f"each group has its own name: {names}"
    expect(groups[1]).to_have_accessible_description(HINT)
    expect(groups[0]).not_to_have_attribute("aria-describedby", re.compile(".*"))
    expect(groups[2].locator("legend")).to_have_text(STATEMENTS[2])      # the markup shows as text
    expect(groups[2].locator("b, img")).to_have_count(0)
    expect(groups[2].get_by_role("radio", name="Often")).to_be_checked()  # value set by the kernel
    expect(page.locator(".kernel-mirror")).to_have_text("kernel sees: 1=None 2=None 3=often")
    _check_why_and_note(page)

    contrast = page.evaluate(S.CONTRAST_JS, [
        *groups[0].locator("legend, .redflag-answer-choice > span").element_handles(),
        groups[1].locator(".redflag-answer-hint").element_handle(),
        page.get_by_role("button", name=EXIT_LABEL).element_handle()])
    low = [c for c in contrast if c["ratio"] < 4.5 or c["opacity"] != "1"]
    assert not low, f"text below WCAG AA 4.5:1: {low}"
    figures[f"{kind} lowest text contrast"] = round(min(c["ratio"] for c in contrast), 1)
    screens.shot(page, f"widgets-{kind}-1-page")
    return names


def _host(page, n: int):
    """The element that holds AnswerGroup N (0-based): its fieldset, why disclosure and note."""
    return page.locator(".redflag-answer-host", has=_groups(page)[n])


def _check_why_and_note(page) -> None:
    """Only group 3 has a "why" and a note; their words are the traits' (not the defaults), the
    why text shows its markup as text, and the note button says what it controls."""
    why = page.locator(".redflag-answer-why:visible")
    expect(why).to_have_count(1)
    host = _host(page, 2)
    expect(host.locator(".redflag-answer-why > summary")).to_have_text(WHY_LABEL)
    expect(host.locator(".redflag-answer-why > p")).to_have_text(WHY)
    expect(host.locator(".redflag-answer-why i, .redflag-answer-why img")).to_have_count(0)
    assert page.evaluate("document.title") != "2", "the why text was parsed as markup"
    button = page.get_by_role("button", name=NOTE_BUTTON, exact=True)
    expect(button).to_have_count(1)
    expect(page.locator(".redflag-answer-note-toggle:visible")).to_have_count(1)
    expect(button).to_have_attribute("aria-expanded", "false")
    note = page.locator(f"#{button.get_attribute('aria-controls')}")
    expect(note).to_be_hidden()
    expect(note).to_have_attribute("placeholder", NOTE_PLACEHOLDER)
    expect(note).to_have_attribute("aria-label", f"Private note: {STATEMENTS[2]}")   # from NOTE_LABEL


def _focused_style(page) -> dict:
    """The focused element: its tag, text, :focus-visible, background and box-shadow."""
    return page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
        return { tag: e.tagName, text: e.textContent, focusVisible: e.matches(':focus-visible'),
                 background: s.backgroundColor, shadow: s.boxShadow }; }""")


def _check_why_and_note_keys(page) -> None:
    """From group 3: Tab reaches the why disclosure (Enter opens it), then the note button (Enter
    opens the note box and moves there; the kernel sees the note), then the next control, which
    wears the page-wide focus ring (static/page.css)."""
    host = _host(page, 2)
    now = _focused_style(page)
    assert (now["tag"], now["text"], now["focusVisible"]) == ("SUMMARY", WHY_LABEL, True), now
    assert now["background"] == "rgb(255, 221, 0)", now
    page.keyboard.press("Enter")
    expect(host.locator(".redflag-answer-why > p")).to_be_visible()
    expect(host.locator(".redflag-answer-why")).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    button = page.get_by_role("button", name=NOTE_BUTTON, exact=True)
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    note = host.get_by_role("textbox", name=f"Private note: {STATEMENTS[2]}")
    expect(note).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".note-mirror")).to_have_text("note: open ''")
    page.keyboard.type("kept here")
    expect(page.locator(".note-mirror")).to_have_text("note: open 'kept here'")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Clear answers")).to_be_focused()
    ring = _focused_style(page)
    assert ring["focusVisible"] and "rgb(255, 221, 0)" in ring["shadow"] and "rgb(11, 12, 12)" in ring["shadow"], ring


def _check_keyboard(page, kind: str, names: list[str], screens, figures: dict) -> None:
    """One Tab stop per group, arrows move and select, Space selects, a visible focus ring,
    and the kernel sees each choice; in Lab no notebook shortcut fires."""
    groups = _groups(page)
    mirror = page.locator(".kernel-mirror")
    cells = page.locator(".jp-NotebookPanel:visible .jp-Cell")
    n_cells = cells.count()                  # 0 in Voilà

    def active_cell() -> int:
        return cells.evaluate_all("els => els.findIndex(e => e.classList.contains('jp-mod-active'))")

    # Reach group 1 with the keyboard (so :focus-visible applies): from it, back out and in again.
    # Focusing the radio makes its cell active, and Lab then draws the cell's toolbar (buttons
    # above the output, so before the radios in Tab order) a moment later; Tab on past any such
    # Lab control. The first radio reached must still be group 1's first choice.
    groups[0].get_by_role("radio").first.focus()
    page.keyboard.press("Shift+Tab")
    for _ in range(6):
        page.keyboard.press("Tab")
        now = _active(page)
        if now["tag"] == "INPUT":
            break
    assert (now["name"], now["label"], now["checked"]) == (names[0], "Never", False), now
    assert now["focusVisible"] and now["outline"] != "none" and now["outlineWidth"] >= 2, now
    assert now["labelBg"] == "rgb(255, 221, 0)", now
    groups[0].screenshot(path=str(screens.dir / f"widgets-{kind}-2-focus-ring.png"))

    page.keyboard.press("ArrowRight")
    expect(groups[0].get_by_role("radio", name="Rarely")).to_be_checked()
    expect(groups[0].get_by_role("radio", name="Rarely")).to_be_focused()
    expect(mirror).to_have_text("kernel sees: 1=rarely 2=None 3=often")
    cell_before = active_cell()
    page.keyboard.press("ArrowDown")         # in Lab's command mode: "next cell", unless suppressed
    expect(groups[0].get_by_role("radio", name="Sometimes")).to_be_checked()
    expect(groups[0].get_by_role("radio", name="Sometimes")).to_be_focused()
    expect(mirror).to_have_text("kernel sees: 1=sometimes 2=None 3=often")
    page.keyboard.press("d")
    page.keyboard.press("d")                 # Lab: "D D" deletes the cell, unless suppressed
    expect(groups[0].get_by_role("radio", name="Sometimes")).to_be_focused()
    if n_cells:
        expect(cells).to_have_count(n_cells)
        assert active_cell() == cell_before, "a notebook shortcut moved the active cell"

    stops = []                               # which group each Tab press lands in
    for _ in range(3):
        page.keyboard.press("Tab")
        stops.append(_active(page)["name"])
        if stops[-1] == names[1]:
            now = _active(page)
            assert (now["label"], now["checked"]) == ("Never", False), now
            page.keyboard.press("Space")
            expect(groups[1].get_by_role("radio", name="Never")).to_be_checked()
            expect(mirror).to_have_text("kernel sees: 1=sometimes 2=never 3=often")
    assert stops[:2] == names[1:], f"Tab from group 1 should visit group 2, then group 3: {stops}"
    assert stops[2] not in names, f"one Tab leaves group 3: {stops}"
    figures[f"{kind} Tab stops per group"] = max(stops.count(n) for n in names[1:])
    _check_why_and_note_keys(page)

    page.get_by_role("button", name="Clear answers").click()      # the kernel clears every value
    expect(mirror).to_have_text("kernel sees: 1=None 2=None 3=None")
    for g in groups:
        expect(g.locator("input:checked")).to_have_count(0)


def _kernel_wrote(marker: Path, timeout: float = 15.0) -> bool:
    """Whether the kernel wrote `marker` (its on_exit callback does) within `timeout` s."""
    deadline = time.monotonic() + timeout
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return marker.exists()


TWO_MORE, ONE_MORE = "Shift, press 2 more times to exit.", "Shift, press 1 more time to exit."


def _check_shift_gap(page, status) -> None:
    """The Shift gap is the trait's, read at each press: GAP_MS (2.5 s, not the default 1 s) on the
    page, then SHORT_GAP_MS once the kernel changes it. Timing needs waits of wall-clock time."""
    radio = _groups(page)[0].get_by_role("radio").first
    page.keyboard.press("a")
    page.keyboard.press("Shift")
    expect(status).to_have_text(TWO_MORE)
    page.wait_for_timeout(1500)               # > 1 s (the default gap), < GAP_MS
    page.keyboard.press("Shift")
    expect(status).to_have_text(ONE_MORE)     # still counting
    page.wait_for_timeout(1500)
    assert status.text_content() == ONE_MORE, "the count ran out before GAP_MS"
    expect(status).to_have_text("Exit this page expired.", timeout=GAP_MS)   # ... and after it
    page.get_by_role("button", name="Shorter Shift gap").click()
    expect(page.locator(".gap-mirror")).to_have_text(f"gap: {SHORT_GAP_MS}")
    radio.focus()
    page.keyboard.press("Shift")
    expect(status).to_have_text(TWO_MORE)
    expect(status).to_have_text("Exit this page expired.", timeout=2 * SHORT_GAP_MS)
    page.keyboard.press("Shift")
    expect(status).to_have_text(TWO_MORE)     # too late: counting started again
    page.keyboard.press("a")
    expect(status).to_have_text("")


def _check_exit(page, kind: str, exit_url: str, marker, screens, figures: dict, dialogs: list) -> None:
    """The button stays on screen at the bottom of the page; Shift x3 (not auto-repeat, not with
    other keys between) blanks the page, tells the kernel and replaces the page."""
    button = page.get_by_role("button", name=EXIT_LABEL)
    expect(button).to_have_count(1)          # three QuickExit views, one button
    assert page.evaluate("window.__redflagShiftListeners") == {"keydown": 1, "keyup": 1}
    page.get_by_text("End of the test page.", exact=True).scroll_into_view_if_needed()
    page.evaluate(S.TWO_FRAMES_JS)
    box, viewport = button.bounding_box(), page.viewport_size
    assert box and box["y"] >= 0 and box["x"] >= 0, box
    assert box["y"] + box["height"] <= viewport["height"] and box["x"] + box["width"] <= viewport["width"], box
    on_top = page.evaluate("([x, y]) => !!document.elementFromPoint(x, y)?.closest('.redflag-quick-exit')",
                           [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert on_top, "the Exit button is covered by something"
    page.screenshot(path=str(screens.dir / f"widgets-{kind}-3-scrolled-to-bottom.png"))

    status = page.locator(".redflag-quick-exit [role=status]:not(.redflag-quick-exit-notice)")
    start = page.url
    _groups(page)[0].get_by_role("radio").first.focus()   # radios ignore letters, in Lab too
    page.keyboard.down("Shift")
    page.keyboard.down("Shift")              # held down: auto-repeat keydowns (repeat=true)
    page.keyboard.down("Shift")
    page.keyboard.up("Shift")
    expect(status).to_have_text("Shift, press 2 more times to exit.")
    page.keyboard.press("a")                 # any other key starts again
    expect(status).to_have_text("")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    expect(status).to_have_text("Shift, press 1 more time to exit.")
    page.keyboard.press("a")
    page.keyboard.press("Shift")
    expect(status).to_have_text("Shift, press 2 more times to exit.")
    page.keyboard.press("a")
    for _ in range(3):                       # Shift as a modifier (capitals) never counts
        page.keyboard.press("Shift+A")
    expect(status).to_have_text("")
    assert page.url == start and not marker.exists()
    _check_shift_gap(page, status)

    entries = page.evaluate("() => navigation.entries().filter(e => e.sameDocument).length")
    figures[f"{kind} history entries of the page before exit"] = entries
    page.keyboard.press("a")
    at_unload: list[str] = []
    page.on("console", lambda m: at_unload.append(m.text) if m.text.startswith(_AT_UNLOAD) else None)
    t0 = time.monotonic()
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(exit_url, timeout=15_000)
    # What was left in the old page when it began to unload (the exit page came AWAY_DELAY s later).
    assert len(at_unload) == 1, at_unload
    left = json.loads(at_unload[0][len(_AT_UNLOAD):])
    assert left["url"].startswith(start), left          # Lab: its first entry, …/NB.ipynb?reset
    assert (left["text"].strip(), left["title"], left["bodyChildren"], left["statementsLeft"]) == ("", "", 0, 0), left
    page.screenshot(path=str(screens.dir / f"widgets-{kind}-4-exit-page.png"))
    figures[f"{kind} Shift x3 to exit page loaded (s, incl. {AWAY_DELAY} s server delay)"] = round(
        time.monotonic() - t0, 2)
    expect(page).to_have_title(AWAY_TITLE)
    assert not any(s[:25] in page.content() for s in STATEMENTS)
    assert _kernel_wrote(marker), "the kernel never heard of the exit (on_exit callback not run)"
    assert dialogs == [], f"a dialog held the exit up: {dialogs}"
    page.go_back()
    figures[f"{kind} URL after Back"] = page.url
    assert "widgets-" not in page.url, f"Back returned to the checklist page: {page.url}"
    if entries > 1:   # the page's later entries stay as Forward entries (a page cannot delete history)
        page.go_forward()
        page.go_forward()
        figures[f"{kind} URL after Forward"] = page.url


def _expect_apart(a, b) -> None:
    """Locator A's box and locator B's text do not overlap on screen."""
    x = a.bounding_box()
    y = b.evaluate("""e => { const r = document.createRange(); r.selectNodeContents(e);
                             const b = r.getBoundingClientRect();
                             return {x: b.x, y: b.y, width: b.width, height: b.height}; }""")
    assert (x["x"] + x["width"] <= y["x"] or y["x"] + y["width"] <= x["x"]
            or x["y"] + x["height"] <= y["y"] or y["y"] + y["height"] <= x["y"]), f"{x} overlaps {y}"


def _record_dialogs(page, dismiss: bool) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        if dismiss:
            dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def _report(figures: dict) -> None:
    for key, value in figures.items():
        print(f"  {key}: {value}")


# --------------------------------------------------------------------------- the tests


def test_widgets_in_voila(page, voila_server, workspace, away, screens):
    figures: dict = {}
    name, exit_url, marker = _write_notebook(workspace, away, "voila")
    dialogs = _record_dialogs(page, dismiss=True)
    page.context.add_init_script(_PROBE_JS)
    page.goto(f"{voila_server.url}/voila/render/{name}", timeout=S.KERNEL_TIMEOUT)
    names = _check_groups(page, "voila", screens, figures)
    _expect_apart(page.get_by_role("button", name=EXIT_LABEL),
                  page.get_by_role("heading", name="Widget test page"))
    # First Tab stop of the page: the Exit button (it is prepended to <body>).
    page.locator("body").focus()
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=EXIT_LABEL)).to_be_focused()
    page.screenshot(path=str(screens.dir / "widgets-voila-2-exit-button-focused.png"),
                    clip={"x": 1000, "y": 0, "width": 280, "height": 80})

    _check_keyboard(page, "voila", names, screens, figures)

    # Reflow: 1280 px at 200 % and 400 % zoom is 640 and 320 CSS px: choices wrap, no sideways scroll.
    for width in (640, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate(S.TWO_FRAMES_JS)
        overflow = page.evaluate("""() => [document.documentElement, ...document.querySelectorAll(
            '.redflag-answer-group, .redflag-answer-choices, .redflag-answer-choice')]
            .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.className || e.tagName)""")
        assert overflow == [], f"sideways scroll at {width} px: {overflow}"
        rows = _groups(page)[2].locator(".redflag-answer-choice").evaluate_all(
            "els => new Set(els.map(e => Math.round(e.getBoundingClientRect().top))).size")
        assert rows > 1, f"choices did not wrap at {width} px"
        figures[f"voila choice rows at {width} px"] = rows
        box = page.get_by_role("button", name=EXIT_LABEL).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
        _expect_apart(page.get_by_role("button", name=EXIT_LABEL),       # room kept for it
                      page.get_by_role("heading", name="Widget test page"))
    screens.shot(page, "widgets-voila-5-320px")
    page.set_viewport_size({"width": 1280, "height": 900})

    _check_exit(page, "voila", exit_url, marker, screens, figures, dialogs)
    _report(figures)


def test_widgets_in_lab(page, lab_server, workspace, away, screens):
    figures: dict = {}
    name, exit_url, marker = _write_notebook(workspace, away, "lab")
    page.context.add_init_script(_PROBE_JS)
    lab = S.LabApp(page, lab_server)          # accepts dialogs (a "Leave page?" would not stop the exit)
    dialogs = _record_dialogs(page, dismiss=False)   # ... so record them: there must be none
    lab.open(name)
    S.run_all(page)
    names = _check_groups(page, "lab", screens, figures)
    # The button sits in the menu bar row, right of the menus: it covers none of Lab's controls.
    button = page.get_by_role("button", name=EXIT_LABEL).bounding_box()
    top = page.locator("#jp-top-panel").bounding_box()
    menus = page.locator("#jp-menu-panel").bounding_box()
    assert button["y"] >= top["y"] and button["y"] + button["height"] <= top["y"] + top["height"] + 1, button
    assert button["x"] > menus["x"] + menus["width"], button
    assert button["height"] >= 24, button                     # WCAG 2.5.8 target size
    _check_keyboard(page, "lab", names, screens, figures)

    # Run All again: every output re-renders; still one button and one Shift listener.
    S.run_all(page)
    expect(S.fresh_outputs(page).get_by_role("group", name=STATEMENTS[0], exact=True)).to_be_visible(
        timeout=S.KERNEL_TIMEOUT)
    expect(_groups(page)[0]).to_have_count(1)
    expect(page.locator(".kernel-mirror")).to_have_text("kernel sees: 1=None 2=None 3=often")
    _check_exit(page, "lab", exit_url, marker, screens, figures, dialogs)
    _report(figures)


def test_exit_button_in_voila(page, voila_server, workspace, away, screens):
    """The button itself (reached with Tab, pressed with Enter) exits as Shift x3 does."""
    name, exit_url, marker = _write_notebook(workspace, away, "voila-button")
    dialogs = _record_dialogs(page, dismiss=True)
    page.goto(f"{voila_server.url}/voila/render/{name}", timeout=S.KERNEL_TIMEOUT)
    expect(_groups(page)[0]).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    button = page.get_by_role("button", name=EXIT_LABEL)
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(exit_url, timeout=15_000)
    expect(page).to_have_title(AWAY_TITLE)
    assert _kernel_wrote(marker), "the kernel never heard of the exit"
    assert dialogs == []


def test_page_styles_come_with_an_answer_group_alone(page, voila_server, workspace):
    """No QuickExit widget on this page: the page-wide styles (focus ring, underlined links) still come,
    once, with the AnswerGroup (its shared PageStyle)."""
    _write_cells(workspace, "widgets-styles.ipynb", "# Styles\n\nA [link to nowhere](https://example.org/).", [
        "from ipywidgets import Button, VBox\nfrom toolkit.widgets import AnswerGroup\n"
        f"display(AnswerGroup({STATEMENTS[0]!r}, {SCALE!r}), VBox([Button(description='Next')]))"])
    page.goto(f"{voila_server.url}/voila/render/widgets-styles.ipynb", timeout=S.KERNEL_TIMEOUT)
    group = _groups(page)[0]
    expect(group).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    # The page template's own Exit is there (every app page has it), no QuickExit widget's.
    expect(page.locator(".redflag-quick-exit")).to_have_count(1)
    expect(page.locator(".redflag-quick-exit--page")).to_have_count(1)
    expect(page.locator("style[id='toolkit.widgets.PageStyle']")).to_have_count(1)
    underline = page.get_by_role("link", name="link to nowhere").evaluate(
        "e => getComputedStyle(e).textDecorationLine")
    assert underline == "underline", underline
    group.get_by_role("radio").first.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Next")).to_be_focused()
    ring = _focused_style(page)
    assert ring["focusVisible"] and "rgb(255, 221, 0)" in ring["shadow"] and "rgb(11, 12, 12)" in ring["shadow"], ring


IDLE_WORDS = "Quiet for a while: these are the trait's words."


def test_exit_script_checks_the_url_itself_and_shows_the_idle_notice(page, voila_server, workspace, away):
    """The script leaves only for http(s) or about:blank, whatever its model says (here a
    javascript: URL put into the page's model, which the kernel would refuse), and shows the
    idle notice with the trait's words before the idle time is up, hiding it on a key."""
    _write_cells(workspace, "widgets-exit-url.ipynb", "# Exit", [
        "from toolkit.widgets import QuickExit\n"
        f"QuickExit({away + '/weather-never'!r}, idle_seconds=6, idle_notice={IDLE_WORDS!r})"])
    page.goto(f"{voila_server.url}/voila/render/widgets-exit-url.ipynb", timeout=S.KERNEL_TIMEOUT)
    button = page.get_by_role("button", name="Exit this page")
    expect(button).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    notice = page.locator(".redflag-quick-exit-notice")
    expect(notice).to_be_visible(timeout=10_000)           # 3 s (half the idle time) without use
    expect(notice).to_have_text(IDLE_WORDS)
    expect(notice).to_have_attribute("role", "status")
    page.keyboard.press("Control")
    expect(notice).to_be_hidden()
    page.evaluate("""() => globalThis.__redflagQuickExit.views.forEach(
        (v) => v.model.set("url", "javascript:document.title='left by script'"))""")
    button.click()
    page.wait_for_url("about:blank", timeout=15_000)
    assert page.title() != "left by script"
