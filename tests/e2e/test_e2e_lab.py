"""The checklist notebooks in a real JupyterLab and a real browser, driven as a person would:
Run → Run All Cells from the menu, clicks (or keys) on the answers, Save, Resume.

The tests share one Lab server and one Lab page (`lab`): Lab loads once, other notebooks are
opened from the file browser, and the resume test reloads the page. avoid-partners-where keeps
its kernel for the session, so later tests re-run its form in a warm kernel.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import servers as S
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

FORM = "avoid-partners-where"      # 11 items, no safety item
SAFETY_FORM = "trauma-bonding"     # every item touches on safety


def _level_words(checklist, responses: dict[str, str]):
    from toolkit.checklist import Answers
    from toolkit.scoring import score
    result = score(Answers(checklist.id, checklist.version, responses, {}), checklist)
    return checklist.vocabulary.level_label(result.level), result.safety


def _progress(n: int, total: int):
    return re.compile(rf"^\s*{n} of {total} answered")


def test_lab_uses_the_shipped_settings(lab_server):
    """The server reads the checkout's overrides.json, which `make lab` installs for users: Lab
    4.6's own windowingMode default is "contentVisibility", overrides.json makes it "defer"."""
    tracker = S.lab_setting(lab_server, "@jupyterlab/notebook-extension:tracker")
    widgets = S.lab_setting(lab_server, "@jupyter-widgets/jupyterlab-manager:plugin")
    assert tracker.get("windowingMode") == "defer"
    assert widgets.get("saveState") is False


def test_lab_offers_its_own_menus_in_spanish(lab_server):
    """The es-ES language pack (the `lab` extra) is installed: Settings -> Language offers it."""
    import urllib.request

    with urllib.request.urlopen(f"{lab_server.url}/lab/api/translations/", timeout=10) as r:
        languages = json.load(r)["data"]
    assert "es_ES" in languages, sorted(languages)
    with urllib.request.urlopen(f"{lab_server.url}/lab/api/translations/es_ES", timeout=10) as r:
        spanish = json.load(r)["data"]
    assert any("Archivo" in json.dumps(domain, ensure_ascii=False) for domain in spanish.values())


def test_lab_answer_every_item_and_save(lab, workspace, shipped, screens):
    c = shipped[FORM]
    scale = [o for o in c.vocabulary.scale if not o.situational]  # offered on every item
    form = lab.run_form(f"{FORM}.ipynb")
    expect(form.groups).to_have_count(len(c.items))
    expect(form.progress).to_have_text(_progress(0, len(c.items)))

    chosen = {}
    for n, item in enumerate(c.items, start=1):
        option = scale[(n - 1) % len(scale)]          # every option once: Never … Not sure
        form.radio(n, option.label).click()
        expect(form.radio(n, option.label)).to_be_checked()
        expect(form.progress).to_have_text(_progress(n, len(c.items)))
        chosen[item.id] = option.id
    for n in range(1, len(c.items) + 1):              # one choice per item, none lost
        expect(form.item(n).locator("input:checked")).to_have_count(1)

    before = workspace.saved_files()
    form.save.click()
    path = S.wait_new_file(workspace, before)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["checklist"] == FORM
    assert saved["checklist_version"] == c.version
    assert saved["responses"] == chosen
    assert saved["notes"] == {}

    expect(form.status).to_have_text("Saved. Your result is below.")  # no file name, no folder
    word, safety = _level_words(c, chosen)
    expect(form.result).to_contain_text("Your result")
    expect(form.result.locator(".redflag-level")).to_contain_text(
        re.compile(rf"(level of concern|signs present)\s+{re.escape(word)}\s+\("))
    expect(form.result.locator("table.redflag-items tbody tr")).to_have_count(len(c.items))
    assert not safety
    expect(form.support).to_be_hidden()  # the box is there, folded away, with nothing to say
    form.result.scroll_into_view_if_needed()
    screens.shot(lab.page, "1-lab-form-after-save")


def test_lab_safety_support_comes_before_the_result(lab, workspace, shipped, screens):
    c = shipped[SAFETY_FORM]
    n, item = next((n, it) for n, it in enumerate(c.items, start=1) if it.safety)
    form = lab.run_form(f"{SAFETY_FORM}.ipynb")
    form.radio(n, "Often").click()
    expect(form.progress).to_have_text(_progress(1, len(c.items)))

    before = workspace.saved_files()
    form.save.click()
    path = S.wait_new_file(workspace, before)
    assert json.loads(path.read_text(encoding="utf-8"))["responses"] == {item.id: "often"}

    expect(form.result).to_contain_text("Your result")
    expect(form.support).to_have_count(1)
    expect(form.support).to_be_visible()
    expect(form.support.get_by_role("heading")).not_to_have_count(0)
    form.support.scroll_into_view_if_needed()
    support, result = form.support.bounding_box(), form.result.bounding_box()
    assert support and result
    assert support["y"] + support["height"] <= result["y"] + 1, (support, result)
    screens.shot(lab.page, "2-lab-safety-support")


def test_lab_resume_fills_the_form_from_earlier_answers(lab, workspace, shipped):
    """A run saved earlier (written by the toolkit itself, so its content is known) is offered
    under "Earlier answers" after the page is opened again, and Resume puts it on screen."""
    from toolkit.checklist import SavedRun
    from toolkit.store import save_answers

    c = shipped[FORM]
    labels = {o.id: o.label for o in c.vocabulary.scale if not o.situational}
    skipped = 3                                   # item 4 stays unanswered
    ids = list(labels)
    earlier = {it.id: ids[(i + 2) % len(ids)] for i, it in enumerate(c.items) if i != skipped}
    three_days_ago = datetime.now(UTC) - timedelta(days=3)
    save_answers(SavedRun(c.id, c.version, earlier, {}, saved_at=three_days_ago), workspace.answers)

    form = lab.run_form(f"{FORM}.ipynb", reload=True)   # the page loads again; same (warm) kernel
    expect(form.resume_select.locator("option")).not_to_have_count(1)
    texts = [t.replace("\xa0", " ") for t in form.resume_select.locator("option").all_text_contents()]
    wanted = [i for i, t in enumerate(texts) if t.endswith(f"– {len(earlier)} answered")]
    assert len(wanted) == 1, texts               # labels are "<date, time> – N answered"
    form.resume_select.select_option(index=wanted[0])
    form.button("Resume").click()

    expect(form.scope.get_by_text("Resumed your answers from")).to_be_visible()
    expect(form.progress).to_have_text(_progress(len(earlier), len(c.items)))
    for n, it in enumerate(c.items, start=1):
        for option_id, label in labels.items():
            radio = form.radio(n, label)
            if earlier.get(it.id) == option_id:
                expect(radio).to_be_checked()
            else:
                expect(radio).not_to_be_checked()
    shown = {it.id: option_id for n, it in enumerate(c.items, start=1)
             for option_id, label in labels.items() if form.radio(n, label).is_checked()}
    assert shown == earlier
    expect(form.result).to_contain_text("Your result")


def test_lab_keyboard_only_and_accessible_names(lab, workspace, shipped):
    c = shipped[FORM]
    labels = [o.label for o in c.vocabulary.scale if not o.situational]
    form = lab.run_form(f"{FORM}.ipynb")          # a fresh form: Run All again, warm kernel
    page = lab.page

    # every radio on the page has an accessible name, and each group's names are the scale
    radios = page.get_by_role("radio")
    expect(radios).to_have_count(len(c.items) * len(labels))
    expect(page.get_by_role("radio", name=re.compile(r"\S"))).to_have_count(radios.count())
    for g in range(form.groups.count()):
        group = form.groups.nth(g)
        expect(group.get_by_role("radio")).to_have_count(len(labels))
        for label in labels:
            expect(group.get_by_role("radio", name=label, exact=True)).to_have_count(1)

    # keyboard only: into the last group (one Tab stop), Space chooses the first option, the arrow
    # keys move the choice to "Sometimes", then Tab to Save and Enter.
    n, item = len(c.items), c.items[-1]
    form.radio(n, labels[0]).focus()
    expect(form.radio(n, labels[0])).to_be_focused()
    page.keyboard.press("Space")
    expect(form.radio(n, labels[0])).to_be_checked()
    for _ in range(labels.index("Sometimes")):
        page.keyboard.press("ArrowRight")
    expect(form.radio(n, "Sometimes")).to_be_focused()
    expect(form.radio(n, "Sometimes")).to_be_checked()
    expect(form.progress).to_have_text(_progress(1, len(c.items)))

    is_active = "e => e === document.activeElement"
    for _ in range(12):
        page.keyboard.press("Tab")
        if form.save.evaluate(is_active):
            break
    else:
        pytest.fail("Tab from the last answer never reached the Save button")
    before = workspace.saved_files()
    page.keyboard.press("Enter")
    path = S.wait_new_file(workspace, before)
    assert json.loads(path.read_text(encoding="utf-8"))["responses"] == {item.id: "sometimes"}
    expect(form.status).to_be_visible()  # "Saved. Your result is below.": no file name


def test_lab_a_link_between_pages_opens_the_page_in_a_tab_without_reloading_lab(lab, shipped):
    """The form's "Summary of all your answers" opens summary.ipynb as a Lab tab (docmanager,
    through window.jupyterapp that `redflag lab` exposes), not by loading Lab again."""
    form = lab.run_form(f"{FORM}.ipynb")
    expect(form.groups).to_have_count(len(shipped[FORM].items))
    page = lab.page
    page.evaluate("() => { window.__redflagSamePage = true; }")  # gone if the page were loaded again
    page.locator(".jp-NotebookPanel:visible").get_by_role("link", name="Summary of all your answers").click()
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current", has_text="summary.ipynb").wait_for(
        timeout=S.KERNEL_TIMEOUT)
    assert page.evaluate("() => window.__redflagSamePage === true"), "Lab was loaded again"
    lab.wait_kernel("summary.ipynb")
