"""The checklist form as a person uses it in the app view (issue 18, items 1, 2, 8 and 11), at a
desktop's 1280x800 and a phone's 390x844: the result and its support box without a file written,
focus on the result's heading after Show and after Save, the plain saved message, the skip link,
the yellow focus on links, and Hide's neutral page with its way back. One page load per size."""

from __future__ import annotations

import re

import pytest
import servers as S
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

FORM = "trauma-bonding"  # 6 statements, all touching on safety: a support box comes with a result
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
YELLOW = "rgb(255, 221, 0)"
ACTIVE = "() => { const e = document.activeElement; return e ? (e.className || '') + ' ' + e.textContent : ''; }"
IN_VIEW = "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"


def _focused_heading(page) -> None:
    """Focus is on the result's heading "Your result", and the heading is on screen."""
    heading = page.locator(".redflag-result-heading")
    expect(heading).to_be_focused(timeout=S.UI_TIMEOUT)  # the first result imports pandas
    expect(heading).to_have_text("Your result")
    assert heading.evaluate(IN_VIEW), "the focused result heading is off screen"


def _tab_to(page, locator, limit: int = 8) -> int:
    """Press Tab from the top of the page until `locator` has focus; the number of presses."""
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        if locator.evaluate("e => e === document.activeElement"):
            return n
    pytest.fail(f"{limit} Tab presses from the top never reached it; focus on {page.evaluate(ACTIVE)!r}")


@pytest.mark.parametrize("size", SIZES)
def test_result_without_saving_focus_skip_link_and_hide(size, page, voila_server, workspace, screens):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{voila_server.url}/voila/render/{FORM}.ipynb", timeout=S.KERNEL_TIMEOUT)
    form = S.Form(page.locator("body")).wait_ready()
    skip = page.get_by_role("link", name="Skip to your result")
    show = form.button("Show my result")

    # The skip link is among the first Tab stops, with the yellow focus of every link (item 11);
    # before any result it goes to "Show my result", where the result will be.
    assert _tab_to(page, skip) <= 5  # after Exit and the notebook's own links above the form
    assert skip.evaluate("e => getComputedStyle(e).backgroundColor") == YELLOW
    page.keyboard.press("Enter")
    expect(show).to_be_focused(timeout=S.UI_TIMEOUT)

    # Show my result: the result and the support box, focus on the heading, and no file (item 1, 2)
    before = workspace.saved_files()
    form.radio(1, "Often").click()
    show.focus()
    page.keyboard.press("Enter")
    _focused_heading(page)
    expect(form.support).to_be_visible()
    expect(form.result.locator(".redflag-level")).to_be_visible()
    expect(page.get_by_text("Nothing is saved unless you press")).to_be_visible()
    screens.shot(page, f"form-{size}-1-result-not-saved")
    assert workspace.saved_files() == before, "Show my result wrote a file"

    # The skip link, from the top, reaches the result's heading now
    _tab_to(page, skip)
    page.keyboard.press("Enter")
    _focused_heading(page)
    # and the links in the result get the yellow focus too (Tab moves on from the heading)
    in_result = ("() => { const e = document.activeElement; "
                 "return e.tagName === 'A' && !!e.closest('.redflag-result-area'); }")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(in_result):
            break
    else:
        pytest.fail(f"Tab from the result heading never reached a link; focus on {page.evaluate(ACTIVE)!r}")
    assert page.evaluate("() => getComputedStyle(document.activeElement).backgroundColor") == YELLOW

    # Save: a file, the plain message (no file name, no folder), focus back on the heading
    form.save.click()
    path = S.wait_new_file(workspace, before)
    expect(form.status).to_have_text("Saved. Your result is below.", timeout=S.UI_TIMEOUT)
    _focused_heading(page)
    body = page.locator("body").inner_text()
    assert path.name not in body and str(path.parent) not in body and ".json" not in body
    screens.shot(page, f"form-{size}-2-saved")

    # Hide: a neutral page, only "Back" on it (no title, no notebook text, no Exit button)
    page.evaluate("() => window.scrollTo(0, 0)")
    form.button("Hide").first.click()
    back = page.get_by_role("button", name=re.compile(r"^\W*Back$"))
    expect(back).to_be_visible(timeout=S.UI_TIMEOUT)
    expect(page.locator(".redflag-quick-exit")).to_be_hidden()
    assert page.locator("body").inner_text().split() == ["Back"], page.locator("body").inner_text()[:300]
    screens.shot(page, f"form-{size}-3-hidden")
    back.click()
    expect(form.radio(1, "Often")).to_be_checked(timeout=S.UI_TIMEOUT)  # nothing lost
    expect(form.result.locator(".redflag-level")).to_be_visible()
    expect(page.locator(".redflag-quick-exit")).to_be_visible()
