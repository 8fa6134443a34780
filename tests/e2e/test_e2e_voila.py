"""The same notebooks as an app (Voilà, directory mode, as `voila notebooks/` serves them): no code
on screen, answer and save a checklist, then follow its link to the summary."""

from __future__ import annotations

import json
import re

import pytest
import servers as S
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

FORM = "trauma-bonding"            # 6 items, all touching on safety


def _expect_no_code(page) -> None:
    expect(page.locator(".jp-CodeCell .jp-InputArea")).to_have_count(0)
    expect(page.locator(".cm-editor, .CodeMirror, .jp-InputPrompt")).to_have_count(0)
    expect(page.get_by_text("from toolkit.ui import")).to_have_count(0)


def test_voila_form_save_then_summary(page, voila_server, workspace, shipped, screens):
    from toolkit.checklist import Answers
    from toolkit.scoring import score

    c = shipped[FORM]
    scale = [o for o in c.vocabulary.scale if not o.situational]  # offered on every item
    page.goto(f"{voila_server.url}/voila/render/{FORM}.ipynb", timeout=S.KERNEL_TIMEOUT)
    form = S.Form(page.locator("body")).wait_ready()
    _expect_no_code(page)
    expect(form.groups).to_have_count(len(c.items))

    chosen = {}
    for n, item in enumerate(c.items, start=1):
        option = scale[(n - 1) % len(scale)]
        form.radio(n, option.label).click()
        expect(form.progress).to_have_text(re.compile(rf"^\s*{n} of {len(c.items)} answered"))
        chosen[item.id] = option.id

    before = workspace.saved_files()
    form.save.click()
    path = S.wait_new_file(workspace, before)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert (saved["checklist"], saved["responses"]) == (FORM, chosen)
    expect(form.status).to_have_text("Saved. Your result is below.")  # no file name, no folder
    expect(form.result).to_contain_text("Your result")
    expect(form.result.locator("table.redflag-items tbody tr")).to_have_count(len(c.items))
    safety = score(Answers(FORM, c.version, chosen, {}), c).safety
    if safety:
        expect(form.support).to_be_visible()
        assert form.support.bounding_box()["y"] < form.result.bounding_box()["y"]
    else:
        expect(form.support).to_have_count(0)
    screens.shot(page, "3-voila-form-after-save")

    # the notebook's own link leads to the summary page of the same app
    page.get_by_role("link", name="Summary of all your answers").click()
    page.wait_for_url(re.compile(r"/voila/render/summary\.ipynb$"), timeout=S.KERNEL_TIMEOUT)
    tab = page.get_by_role("tab", name="History")
    tab.wait_for(timeout=S.KERNEL_TIMEOUT)
    _expect_no_code(page)
    expect(page.get_by_text("Your latest answers")).to_be_visible()
    expect(page.locator(".redflag-level", has_text=c.title)).to_be_visible()
    if safety:  # our run is the latest of its checklist: support comes first
        support = page.locator("div.redflag-support").first
        expect(support).to_be_visible()
        assert support.bounding_box()["y"] < tab.bounding_box()["y"]
    screens.shot(page, "4-voila-summary")
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")


def test_voila_exit_this_page_on_a_real_form(page, voila_server, workspace, shipped, screens):
    """The app's own checklist page: the Exit button is there after scrolling, and Shift pressed
    three times leaves at once (no statement left on screen), with the unsaved answer forgotten."""
    c = shipped["toxic-relationship"]
    page.goto(f"{voila_server.url}/voila/render/{c.id}.ipynb", timeout=S.KERNEL_TIMEOUT)
    form = S.Form(page.locator("body")).wait_ready()
    form.radio(1, "Often").click()
    expect(form.progress).to_have_text(re.compile(rf"^\s*1 of {len(c.items)} answered"))
    before = workspace.saved_files()
    page.mouse.wheel(0, 20_000)
    button = page.get_by_role("button", name="Exit this page")
    expect(button).to_be_visible()
    assert button.bounding_box()["y"] < page.viewport_size["height"]  # still on screen at the bottom
    screens.shot(page, "5-voila-exit-button-after-scrolling")
    page.locator("legend").first.click()  # focus in the page, outside any text field
    # What the page still holds as it starts to unload, reported through the console (a page
    # whose navigation is pending cannot be evaluated; once it has gone, there is nothing to read).
    page.evaluate("""() => window.addEventListener("beforeunload", () => console.log(
        "redflag-at-unload " + JSON.stringify(document.documentElement.outerHTML)), true)""")
    at_unload: list[str] = []
    page.on("console", lambda m: at_unload.append(m.text) if m.text.startswith("redflag-at-unload ") else None)
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url("about:blank", timeout=S.UI_TIMEOUT)
    assert len(at_unload) == 1, at_unload
    left = json.loads(at_unload[0].removeprefix("redflag-at-unload "))
    assert c.items[0].text not in left and c.title not in left, "the page still showed the checklist as it left"
    assert workspace.saved_files() == before  # leaving saves nothing
