"""The app view in Spanish (issue 19): a person who chose Spanish answers and saves a checklist and
sees Spanish statements, result and support box (for the US: the emergency number, then the
lines that speak Spanish), with lang="es" on the page; chosen English again, the same run is
there, in English. Needs the Spanish catalogue to be complete (else Spanish is not offered)."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import servers as S
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

FORM = "trauma-bonding"


@pytest.fixture(scope="module")
def spanish_app():
    """A Voilà server of its own, on a folder whose person chose Spanish and the United States."""
    from toolkit.store import AnswerStore

    ws = S.Workspace(Path(tempfile.mkdtemp(prefix="redflag-e2e-es-")))
    AnswerStore(ws.answers, {}).save_settings(language="es", country="US")
    server = S.start_voila(ws)
    yield ws, server
    server.stop()
    shutil.rmtree(ws.root, ignore_errors=True)


def test_spanish_form_save_then_english(page, spanish_app, shipped):
    from toolkit.checklist import shipped_dir
    from toolkit.i18n import _, language
    from toolkit.resources import RESOURCES_FILE, load_resources
    from toolkit.store import AnswerStore
    from toolkit.translations import preferred, speaks, translated

    ws, server = spanish_app
    resources = load_resources(shipped_dir() / RESOURCES_FILE)
    spanish, res_es = translated("es", shipped, resources)
    c, en = spanish[FORM], shipped[FORM]
    assert res_es.heading != resources.heading

    page.goto(f"{server.url}/voila/render/{FORM}.ipynb", timeout=S.KERNEL_TIMEOUT)
    form = S.Form(page.locator("body")).wait_ready()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(form.groups).to_have_count(len(c.items))
    expect(form.item(1)).to_contain_text(c.items[0].text)
    expect(page.locator("body")).not_to_contain_text(en.items[0].text)

    often = c.vocabulary.options["often"].label
    assert often != en.vocabulary.options["often"].label
    for n in range(1, len(c.items) + 1):
        form.radio(n, often).click()
    with language("es"):  # the page's words, from the same catalogue the kernel reads
        save, your_result = _("Save my answers"), _("Your result")
    assert save != "Save my answers"
    before = ws.saved_files()
    form.button(save).click()
    path = S.wait_new_file(ws, before)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["responses"] == {it.id: "often" for it in c.items}  # ids only, in any language
    result = page.locator(".widget-html-content").filter(has=page.get_by_role("heading", name=your_result))
    expect(result).to_contain_text(c.title)
    # the support box: the US emergency number, then the lines that speak Spanish
    first, _more, _others = res_es.shortlist("US", prefer=preferred("es"))  # what the box shows unfolded
    names = [r.name for r in first]
    assert speaks(first[1], "es") and not first[1].emergency
    support = form.support.inner_text()
    positions = [support.find(name) for name in names]  # StrongHearts (no Spanish listed) after 988
    assert all(p >= 0 for p in positions) and positions == sorted(positions), (names, support[:500])
    expect(form.support).to_contain_text(res_es.heading)

    AnswerStore(ws.answers, {}).save_settings(language="en")
    page.goto(f"{server.url}/voila/render/{FORM}.ipynb", timeout=S.KERNEL_TIMEOUT)
    form = S.Form(page.locator("body")).wait_ready()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(form.item(1)).to_contain_text(en.items[0].text)
    expect(form.resume_select.locator("option")).to_have_count(2)  # "Choose…" and the run saved in Spanish
    assert re.search(r"\d", form.resume_select.locator("option").nth(1).inner_text())


def test_spanish_app_view_has_no_serious_axe_violation(page, spanish_app, axe_js, shipped):
    """axe-core (the same rules and version as test_e2e_a11y) on the Spanish form, answered and saved."""
    from test_e2e_a11y import BLOCKING, _axe_result, _axe_start

    from toolkit.checklist import shipped_dir
    from toolkit.i18n import _, language
    from toolkit.resources import RESOURCES_FILE, load_resources
    from toolkit.store import AnswerStore
    from toolkit.translations import translated

    ws, server = spanish_app
    spanish, _res = translated("es", shipped, load_resources(shipped_dir() / RESOURCES_FILE))
    often = spanish.vocabulary.options["often"].label  # raises the safety flag: the support box shows
    AnswerStore(ws.answers, {}).save_settings(language="es")
    page.add_init_script(axe_js)  # as test_e2e_a11y does: the app's CSP refuses an inline script
    page.goto(f"{server.url}/voila/render/{FORM}.ipynb", timeout=S.KERNEL_TIMEOUT)
    form = S.Form(page.locator("body")).wait_ready()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    with language("es"):
        save = _("Save my answers")
    for n in range(1, form.groups.count() + 1):
        form.radio(n, often).click()
    form.button(save).click()
    expect(page.locator("div.redflag-support").first).to_be_attached()
    _axe_start(page, axe_js)
    result = _axe_result(page)
    blocking = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
                for v in result["violations"] if v["impact"] in BLOCKING]
    assert not blocking, "\n".join(blocking)
