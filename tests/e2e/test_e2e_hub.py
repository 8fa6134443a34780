"""Many people, one service: the demo JupyterHub (deploy/jupyterhub, as `make service` starts it)
with two people logged in through its real login page in Chromium, everything under /user/<name>/.

One test, in the order a service is used, because each step needs the servers the earlier ones
started (a hub and two people's servers cost ~30 s on 2 cores; starting them per check would
not fit the time this suite may take).
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import tempfile
from pathlib import Path

import hubserver as H
import pytest
import servers as S
from playwright.sync_api import expect

from toolkit import service

pytestmark = [pytest.mark.e2e, pytest.mark.hub]

FORM = "trauma-bonding"            # 5 items
ALICE, BOB = "alice", "bob"


@pytest.fixture(scope="module")
def hub(browser):
    why = H.missing()
    if why:
        S.unavailable(why, "service tests")
    root = Path(tempfile.mkdtemp(prefix="redflag-hub-"))
    hub = H.start_hub(root, [ALICE, BOB])
    yield hub
    hub.stop()
    shutil.rmtree(root, ignore_errors=True)


def _status(context, url: str, method: str = "GET") -> int:
    """The status a request with this browser context's cookies ends with (redirects followed)."""
    return context.request.fetch(url, method=method, max_redirects=5, fail_on_status_code=False).status


def _post_from_page(page, path: str) -> int:
    """A POST from the page itself, with the server's XSRF token, as Jupyter's own front end
    sends one: so a refusal is the app view's, not a missing token."""
    return page.evaluate("""async (path) => {
        const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || "";
        const r = await fetch(path, {method: "POST", headers: {"X-XSRFToken": decodeURIComponent(xsrf),
                              "Content-Type": "application/json"}, body: "{}"});
        return r.status; }""", path)


def test_two_people_one_service(hub, browser, shipped, screens):
    c = shipped[FORM]
    alice_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    bob_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    alice_ctx.set_default_timeout(S.UI_TIMEOUT)
    bob_ctx.set_default_timeout(S.UI_TIMEOUT)
    alice, bob = alice_ctx.new_page(), bob_ctx.new_page()
    try:
        _two_people(hub, c, alice, bob, screens)
    except BaseException:
        for name, pg in ((ALICE, alice), (BOB, bob)):
            try:
                pg.screenshot(path=str(screens.dir / f"FAILED-hub-{name}.png"), timeout=5_000)
            except Exception:
                pass
        print(hub.server.log_tail(8000))
        raise
    finally:
        alice_ctx.close()
        bob_ctx.close()


def _two_people(hub, c, alice, bob, screens) -> None:
    base = {ALICE: f"{hub.url}/user/{ALICE}", BOB: f"{hub.url}/user/{BOB}"}
    # A wrong password gets nowhere; then both log in through the login page; bob's server
    # starts while alice answers.
    hub.login(alice, ALICE, password="not-the-password")
    expect(alice.locator("body")).to_contain_text("Invalid username or password")
    hub.login(alice, ALICE)
    hub.login(bob, BOB, page_path="voila/render/summary.ipynb")   # one page (and kernel) less to start

    # -- alice lands on the start page, in the app view, under her prefix
    alice.wait_for_url(hub.start_page(ALICE), timeout=H.SPAWN_TIMEOUT)
    expect(alice.locator("body")).to_contain_text(service.WHERE_KEPT)
    expect(alice.locator("body")).not_to_contain_text("only on this computer")
    expect(alice.locator(".redflag-device-note")).to_contain_text("not on this device",
                                                                   timeout=S.KERNEL_TIMEOUT)
    expect(alice.locator(".jp-CodeCell .jp-InputArea")).to_have_count(0)      # no code shown
    screens.shot(alice, "hub-1-alice-start-page")

    # -- a link between notebooks, then answer and save
    alice.get_by_role("link", name=c.title).first.click()
    alice.wait_for_url(f"{base[ALICE]}/voila/render/{FORM}.ipynb", timeout=S.KERNEL_TIMEOUT)
    form = S.Form(alice.locator("body")).wait_ready()
    scale = c.vocabulary.scale
    chosen = {}
    for n, item in enumerate(c.items, start=1):
        option = scale[(n - 1) % len(scale)]
        form.radio(n, option.label).click()
        chosen[item.id] = option.id
    expect(form.progress).to_have_text(re.compile(rf"^\s*{len(c.items)} of {len(c.items)} answered"))
    form.save.click()
    expect(form.status).to_be_visible()
    files = hub.saved_files(ALICE)
    assert len(files) == 1, files
    saved = json.loads(next(iter(files)).read_text(encoding="utf-8"))
    assert (saved["checklist"], saved["responses"]) == (FORM, chosen)
    # in alice's folder only, and that folder is the service account's alone
    assert hub.saved_files(BOB) == set()
    assert sorted(p.relative_to(hub.data).parts[0] for p in hub.data.rglob("*.json")
                  if p.parent.name == "answers") == [ALICE]
    for folder in (hub.person(ALICE), hub.person(ALICE) / "answers"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder

    # -- Exit this page works under the prefix (it leaves for the test's blank page)
    alice.get_by_role("button", name="Exit this page").click()
    alice.wait_for_url("about:blank", timeout=S.UI_TIMEOUT)

    # -- alice's Summary: her run, where answers are kept, and the download, under the prefix
    alice.goto(f"{base[ALICE]}/voila/render/summary.ipynb", timeout=S.KERNEL_TIMEOUT)
    expect(alice.locator(".redflag-level", has_text=c.title)).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    alice.get_by_role("tab", name="Your data").click()
    expect(alice.locator("body")).to_contain_text("kept on this service's server")
    S.Form(alice.locator("body")).button("Download my answers").click()
    link = alice.get_by_role("link", name=re.compile(r"^Save "))
    with alice.expect_download() as download:
        link.click()
    bundle = Path(download.value.path()).read_bytes()
    assert json.loads(bundle)["format"] == "redflag-bundle" and FORM.encode() in bundle
    screens.shot(alice, "hub-2-alice-summary-your-data")

    # -- passphrase protection and Delete all my answers, on the service's server
    passphrase = "a long passphrase for the test"
    fields = alice.locator("input[type=password]:visible")      # "Passphrase:", "The same again:"
    expect(fields).to_have_count(2)
    for i in range(2):
        fields.nth(i).fill(passphrase)
    S.Form(alice.locator("body")).button("Protect my answers").click()
    expect(alice.locator("body")).to_contain_text("Protected: 1 saved run(s) are encrypted")
    answers = hub.person(ALICE) / "answers"
    sealed = list(answers.glob("*.sealed"))
    assert len(sealed) == 1 and hub.saved_files(ALICE) == set(), sorted(answers.iterdir())
    assert FORM.encode() not in sealed[0].read_bytes(), "not encrypted on disk"
    S.Form(alice.locator("body")).button("Delete all my answers…").click()
    S.Form(alice.locator("body")).button("Yes, delete everything").click()
    expect(alice.locator("body")).to_contain_text("Deleted 1 saved run(s)")
    assert not answers.exists() or not any(answers.iterdir())

    # -- bob: his own server, whose Summary has no runs
    bob.wait_for_url(f"{base[BOB]}/voila/render/summary.ipynb", timeout=H.SPAWN_TIMEOUT)
    expect(bob.locator("body")).to_contain_text("No saved answers yet", timeout=S.KERNEL_TIMEOUT)
    expect(bob.locator(".redflag-level", has_text=c.title)).to_have_count(0)
    screens.shot(bob, "hub-3-bob-summary")

    # -- alice's session is refused on bob's server (the hub: 403), but opens her own
    alice_ctx = alice.context
    assert _status(alice_ctx, f"{base[BOB]}/voila/render/summary.ipynb") == 403
    assert _status(alice_ctx, f"{base[BOB]}/api/status") == 403
    assert _status(alice_ctx, f"{base[ALICE]}/api/status") == 200

    # -- the app view only: no Lab, no terminals, no contents or files API, no kernels by hand
    for path in ("/lab", "/lab/tree/00-start-here.ipynb", "/tree", "/terminals/1", "/api/terminals",
                 "/api/contents", "/api/contents/00-start-here.ipynb", "/files/00-start-here.ipynb",
                 "/api/sessions", "/nbconvert/html/00-start-here.ipynb"):
        assert _status(alice_ctx, base[ALICE] + path) in (403, 404), path
    for path in ("/api/kernels", "/api/terminals", "/api/sessions", "/api/contents/x.ipynb", "/api/shutdown"):
        assert _post_from_page(alice, f"/user/{ALICE}{path}") in (403, 404), path

    # -- logging out ends access: her pages send her to the login page, her server stops
    alice.goto(f"{hub.url}/hub/logout", timeout=S.KERNEL_TIMEOUT)
    alice.goto(f"{base[ALICE]}/voila/render/summary.ipynb", timeout=S.KERNEL_TIMEOUT)
    alice.wait_for_url(re.compile(r"/hub/login"), timeout=S.UI_TIMEOUT)
    expect(alice.locator("body")).not_to_contain_text("Your latest answers")
    after = alice_ctx.request.get(f"{base[ALICE]}/api/status", fail_on_status_code=False)
    assert "/hub/login" in after.url and "version" not in after.text(), after.url

    # -- nothing listened beyond 127.0.0.1
    for address in hub.listeners():
        assert address.startswith("127.0.0.1:"), address

