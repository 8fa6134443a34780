"""The app view on a phone (390x844) and on a desktop (1280x800), issue 18 items 4 and 5.

- "Exit this page" is part of the page template: with Voilà's own scripts blocked (so no widget
  is ever drawn and the browser never talks to the kernel) the button is there, "or press Shift
  3 times" beside it, the count shows as Shift is pressed, and leaving works.
- On a phone the Exit band is a strip of its own above the page (it covers no content), the
  answers stand one under another, no control runs past the right edge, a table scrolls inside
  its own box with its first column in view, and chart text is at least 12px.
Screenshots of each page at both sizes go to the e2e screenshot folder.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import servers as S
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SIZES = {"phone": PHONE, "desktop": DESKTOP}
FORM = "toxic-relationship"
#: The template's exit page before any widget says otherwise (toolkit.widgets.DEFAULT_EXIT_URL).
AWAY = "https://www.bbc.com/weather"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "answers"
FILLED = "rgb(168, 33, 28)"

#: Every control's right edge, and the page's own width, against the window's; words cut short.
_OVERRUN_JS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll(
      "button, input, select, textarea, a[href], [role=button], .widget-button, .widget-dropdown")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;             // not shown
    if (el.closest("table, .redflag-chart")) continue;         // inside a box that scrolls itself
    if (r.right > width + 0.5 || r.left < -0.5) {
      out.push((el.textContent || el.getAttribute("aria-label") || el.tagName).trim().slice(0, 40)
               + " " + Math.round(r.left) + ".." + Math.round(r.right));
    }
  }
  // Words cut short with "…" (a control's label that does not fit).
  for (const el of document.querySelectorAll("#rendered_cells *")) {
    const style = getComputedStyle(el);
    if (style.textOverflow === "ellipsis" && el.scrollWidth > el.clientWidth + 1 && el.checkVisibility()) {
      out.push("cut: " + el.textContent.trim().slice(0, 40));
    }
  }
  const scroller = document.querySelector("#rendered_cells") || document.documentElement;
  return {out, pageWidth: Math.max(scroller.scrollWidth, document.documentElement.scrollWidth), width};
}"""


def _shot(page, screens, name: str) -> None:
    screens.shot(page, name)


def _band_clear(page) -> None:
    """Nothing of the page's content lies under the Exit band (at the top of the page)."""
    under = page.evaluate("""() => {
      const band = document.getElementById("redflag-exit").getBoundingClientRect();
      const hits = [];
      for (const el of document.querySelectorAll("#rendered_cells *")) {
        if (el.children.length) continue;                       // leaves: text, inputs, icons
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        if (r.left < band.right && r.right > band.left && r.top < band.bottom && r.bottom > band.top) {
          hits.push(el.tagName + ": " + (el.textContent || "").trim().slice(0, 30));
        }
      }
      return hits;
    }""")
    assert under == [], f"under the Exit band: {under}"


@pytest.mark.parametrize("size", SIZES)
def test_exit_works_before_the_page_code_runs(page, voila_server, screens, size):
    """Voilà's scripts blocked: the template's button and Shift x3 still leave, and the count
    shows as Shift is pressed."""
    page.set_viewport_size(SIZES[size])
    page.route(re.compile(r"/voila/static/"), lambda route: route.abort())
    page.route(AWAY + "**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><title>Away</title><p>Weather</p>"))
    # The page's clock stands still: a Shift count runs out only when the test says, not when a
    # loaded machine is slow to look (exit.js's only timer is that count's gap).
    page.clock.install()
    page.goto(f"{voila_server.url}/voila/render/{FORM}.ipynb", wait_until="commit")
    button = page.get_by_role("button", name="Exit this page")
    expect(button).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    hint = page.locator("#redflag-exit").get_by_text("or press Shift 3 times")
    expect(hint).to_be_visible()
    box, hint_box = button.bounding_box(), hint.bounding_box()
    assert box and hint_box and box["x"] + box["width"] <= SIZES[size]["width"] + 0.5, box
    assert page.locator("fieldset.redflag-answer-group").count() == 0   # no widget: no code ran here

    marks = page.locator("#redflag-exit .redflag-quick-exit-count > span")
    expect(marks).to_have_count(3)

    def filled() -> list[bool]:
        return [c == FILLED for c in marks.evaluate_all("els => els.map(e => getComputedStyle(e).backgroundColor)")]

    assert filled() == [False, False, False]
    page.clock.pause_at(int(page.evaluate("Date.now()")) + 1000)  # from here no timer fires by itself
    page.keyboard.press("Shift")
    expect(page.locator("#redflag-exit [role=status].redflag-quick-exit-said")).to_have_text(
        "Shift, press 2 more times to exit.")
    assert filled() == [True, False, False]
    page.keyboard.press("Shift")
    assert filled() == [True, True, False]
    page.screenshot(path=str(screens.dir / f"phone-exit-before-code-{size}.png"))
    if size == "phone":
        button.click()                                   # a phone has no Shift key
    else:
        page.keyboard.press("Shift")
    page.wait_for_url(AWAY, timeout=15_000)
    expect(page).to_have_title("Away")


@pytest.fixture(scope="module")
def pages_notebook(voila_server, workspace) -> str:
    """A page with the Summary and the History on saved answers of their own (a copy of the test
    fixtures in a folder of this notebook's kernel: the session's answers folder is left alone)."""
    folder = workspace.root / "phone-answers"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(FIXTURES, folder)
    folder.chmod(0o700)
    code = ("import os\n"
            f"os.environ['REDFLAG_ANSWERS_DIR'] = {str(folder)!r}\n"
            "from toolkit.ui import History, Summary\n"
            "display(Summary(), History())")
    import json
    nb = {"cells": [{"cell_type": "markdown", "id": "intro", "metadata": {}, "source": "# Pages"},
                    {"cell_type": "code", "id": "code-1", "metadata": {}, "execution_count": None,
                     "outputs": [], "source": code}],
          "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                      "language": "python"}, "language_info": {"name": "python"}}}
    (workspace.notebooks / "phone-pages.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return "phone-pages.ipynb"


@pytest.mark.parametrize("size", SIZES)
def test_form_fits_the_screen(page, voila_server, screens, size):
    """The checklist form: the band covers nothing, answers stack on a phone (a row on a
    desktop), no control runs off the right edge, and the page does not scroll sideways."""
    page.set_viewport_size(SIZES[size])
    page.goto(f"{voila_server.url}/voila/render/{FORM}.ipynb", timeout=S.KERNEL_TIMEOUT)
    form = S.Form(page).wait_ready()
    _band_clear(page)
    radios = form.item(1).get_by_role("radio")
    expect(radios).to_have_count(6)
    boxes = [radios.nth(i).bounding_box() for i in range(6)]
    xs, ys = {round(b["x"]) for b in boxes}, [b["y"] for b in boxes]
    if size == "phone":
        assert len(xs) == 1 and ys == sorted(ys) and len(set(ys)) == 6, boxes   # one under another
    else:
        assert len({round(y) for y in ys}) == 1, boxes                       # one row
    fit = page.evaluate(_OVERRUN_JS)
    assert fit["out"] == [], fit
    assert fit["pageWidth"] <= fit["width"] + 1, fit
    # A control that gets focus is scrolled clear of the band.
    last = form.item(20).get_by_role("radio").first
    last.focus()
    page.evaluate(S.TWO_FRAMES_JS)
    band = page.locator("#redflag-exit").bounding_box()
    spot = last.bounding_box()
    assert spot["y"] >= band["y"] + band["height"] or spot["x"] + spot["width"] <= band["x"], (spot, band)
    _shot(page, screens, f"phone-form-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_tables_and_chart_fit_the_screen(page, voila_server, pages_notebook, screens, size):
    """Summary and History: a wide table scrolls in its own box with its first column kept in
    view, chart text is 12px or more, and no control runs off the right edge."""
    page.set_viewport_size(SIZES[size])
    page.goto(f"{voila_server.url}/voila/render/{pages_notebook}", timeout=S.KERNEL_TIMEOUT)
    table = page.locator("table.redflag-checklists")
    expect(table).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    expect(page.locator(".redflag-chart svg").locator("visible=true").first).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    _band_clear(page)
    fit = page.evaluate(_OVERRUN_JS)
    assert fit["out"] == [] and fit["pageWidth"] <= fit["width"] + 1, fit
    sizes = page.locator(".redflag-chart svg text").evaluate_all(
        "els => els.filter(e => e.checkVisibility() && e.getBoundingClientRect().height > 0)"
        ".map(e => { const m = e.getScreenCTM();"    # its scale, rotated text too (the axis title)
        " return parseFloat(getComputedStyle(e).fontSize) * Math.hypot(m.a, m.b); })")
    assert sizes and min(sizes) >= 12 - 0.05, sorted(sizes)[:5]
    box = table.bounding_box()
    assert box["x"] + box["width"] <= SIZES[size]["width"] + 0.5, box
    wide = table.evaluate("t => t.scrollWidth > t.clientWidth")
    if size == "phone":
        assert wide, "the Summary's table fits a phone: this test no longer tests scrolling"
        first = table.locator("tbody tr").first.locator("td").first
        table.focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")            # the keyboard scrolls the box itself
        page.evaluate(S.TWO_FRAMES_JS)
        assert table.evaluate("t => t.scrollLeft") > 0
        table.evaluate("t => { t.scrollLeft = t.scrollWidth; }")
        page.evaluate(S.TWO_FRAMES_JS)
        cell = first.bounding_box()
        assert cell["x"] >= box["x"] - 0.5, (cell, box)   # the first column stays in view
        last = table.locator("tbody tr").first.locator("td").last.bounding_box()
        assert last["x"] + last["width"] <= box["x"] + box["width"] + 0.5, (last, box)
    _shot(page, screens, f"phone-summary-history-{size}")
