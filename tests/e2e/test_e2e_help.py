"""Help within reach (issue 18, items 3 and 7), in the app view at desktop and phone size: the
start page's one H1, "Need to talk now?" on the first screen, its one first step; the support
box with its country choice inside it, the chosen country's emergency number first and its lines
before "Other countries", tap-to-call links and text of at least 16 px; a checklist page's title
as its one H1 and "Need to talk now?" at the top of its result.

The country chosen here is kept in the session's answers folder: each test puts the choice back
("Choose your country") so other browser tests see the folder as they expect it.
"""

from __future__ import annotations

import re

import pytest
import servers as S
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
FORM = "trauma-bonding"  # 6 items, every one touching on safety: the support box shows


def _font_px(locator) -> float:
    return float(locator.evaluate("el => parseFloat(getComputedStyle(el).fontSize)"))


def _choose(box, country: str) -> None:
    box.locator("select").select_option(label=country)


@pytest.mark.parametrize("size", SIZES)
def test_start_page_first_step_one_h1_and_the_chosen_countrys_lines_first(page, voila_server, screens, size):
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    page.goto(f"{voila_server.url}/voila/render/00-start-here.ipynb", timeout=S.KERNEL_TIMEOUT)
    first_step = page.get_by_role("link", name="Start with: Signs of a toxic relationship")
    first_step.wait_for(timeout=S.KERNEL_TIMEOUT)
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_have_text("Relationship red-flag checklists")
    expect(page.locator(".redflag-first-step")).to_contain_text(re.compile(r"\d+ statements, about \d+ minutes"))
    talk = page.locator(".redflag-talk")
    expect(talk).to_contain_text("Need to talk now?")
    assert talk.bounding_box()["y"] < SIZES[size][1], "“Need to talk now?” is not on the first screen"

    box = page.locator("div.redflag-support")
    expect(box.locator("select")).to_be_visible()  # the country choice is inside the box
    try:
        _choose(box, "United Kingdom")
        first = box.locator("ul.redflag-first > li").first
        expect(first).to_contain_text("999")  # the UK's emergency number, not another country's
        expect(first.get_by_role("link", name="999")).to_have_attribute("href", "tel:999")
        expect(talk.get_by_role("link", name="999")).to_have_attribute("href", "tel:999")  # the line follows
        others = box.locator("details.redflag-others")
        expect(others.locator("summary")).to_have_text("Other countries")
        expect(others).not_to_have_attribute("open", re.compile(".*"))  # folded
        listed = box.locator("ul.redflag-first").inner_text()
        assert "Refuge" in listed and "911" not in listed
        assert box.locator("ul.redflag-first").bounding_box()["y"] < others.bounding_box()["y"]
        tel = box.locator("ul.redflag-first a[href^='tel:']")
        assert tel.count() >= 3
        assert all(re.fullmatch(r"tel:\+?\d{3,}", h) for h in tel.evaluate_all("els => els.map(e => e.href)"))
        for part in (first, box.locator(".redflag-when").first, box.locator(".redflag-device-note"), talk):
            assert _font_px(part) >= 16, part
        screens.shot(page, f"help-start-{size}")
    finally:
        _choose(box, "Choose your country")


def test_checklist_page_one_h1_and_need_to_talk_at_the_top_of_its_result(page, voila_server, shipped, screens):
    c = shipped[FORM]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{voila_server.url}/voila/render/{FORM}.ipynb", timeout=S.KERNEL_TIMEOUT)
    form = S.Form(page.locator("body")).wait_ready()
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_have_text(c.title)
    for n in range(1, len(c.items) + 1):
        form.radio(n, "Often" if n == 1 else "Never").click()
    form.save.click()
    expect(form.result).to_contain_text("Your result")
    talk = form.result.locator(".redflag-talk")
    expect(talk).to_contain_text("Need to talk now?")
    heading = form.result.get_by_role("heading", name="Your result")
    assert talk.bounding_box()["y"] - heading.bounding_box()["y"] < 120  # right under the heading
    box = form.support
    expect(box.locator("select")).to_be_visible()
    try:
        _choose(box, "United Kingdom")
        expect(box.locator("ul.redflag-first > li").first.get_by_role("link", name="999")).to_be_visible()
        expect(talk.get_by_role("link", name="999")).to_be_visible()  # the result follows the choice
        screens.shot(page, "help-form-result-phone")
    finally:
        _choose(box, "Choose your country")
