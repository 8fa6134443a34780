"""Nothing from data runs as script in the app view (issue 15, item 4), and app pages leave
little in the browser's history (item 5): in a real browser, on the app started as `redflag
app` starts it (toolkit.launch.app_command and app_env: token, Host check, the
Content-Security-Policy header and the "redflag" template).

Two layers, each shown on its own:
- the generated notebooks escape what they embed: a checklist title holding <script> and an
  onerror image is shown as text on the start page, and nothing runs;
- the Content-Security-Policy: a notebook with the same payloads pasted in as *raw* HTML (as a
  hand-edited notebook, or one written by an older version, would have them) runs nothing
  either, while its checklist form still answers.
"Ran" is checked three ways: a window variable the payload would set, a request it would make
(to /pwned-...), and the CSP violations the browser reports. A normal page (form, Summary,
History) must report no CSP violation at all: the policy must not break the app.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import servers as S
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

FORM = "avoid-partners-where"                  # 6 items, no safety item
PLANTED = "planted.ipynb"
PAYLOAD = ('<script>window.__redflag_pwned = "script"; fetch("/pwned-script")</script>'
           '<img src="/pwned-img-src" onerror="window.__redflag_pwned = \'img\'; fetch(\'/pwned-img\')">')
#: Records the CSP violations the page reports, from before any of the page's own scripts run.
CSP_RECORDER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(
  {directive: e.effectiveDirective, blocked: e.blockedURI, page: location.pathname,
   source: e.sourceFile, line: e.lineNumber,
   element: (e.target && e.target.outerHTML || '').slice(0, 160)}));
"""


#: The start page over the hostile checklists.
HOSTILE_START = "hostile-start.ipynb"


def _hostile_folder(root: Path) -> Path:
    """The shipped checklists, with the payload in the title of FORM."""
    from toolkit.checklist import shipped_dir

    folder = root / "checklists"
    shutil.copytree(shipped_dir(), folder)
    path = folder / f"{FORM}.toml"
    text = path.read_text(encoding="utf-8")
    text, n = re.subn(r'^title = ".*"$', "title = " + json.dumps("Partners " + PAYLOAD), text, count=1,
                      flags=re.M)
    assert n == 1
    path.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def hostile_app(browser):
    """The locked app over notebooks generated from checklists with the payload in a title,
    plus PLANTED: FORM's notebook with the payload as raw HTML in a Markdown cell."""
    from toolkit.launch import app_command, app_env
    from toolkit.notebooks import START
    from toolkit.workspace import Workspace

    ws = S.Workspace(Path(tempfile.mkdtemp(prefix="redflag-script-")))
    hostile_dir = _hostile_folder(ws.root)
    hostile = Workspace.open(hostile_dir, ws.answers)
    from toolkit.notebooks import write_notebooks
    write_notebooks(hostile.checklists, hostile.resources, ws.notebooks, overwrite=True)
    notebook = json.loads((ws.notebooks / f"{FORM}.ipynb").read_text(encoding="utf-8"))
    notebook["cells"].insert(0, {"cell_type": "markdown", "id": "planted", "metadata": {},
                                 "source": f"# Planted\n\n{PAYLOAD}\n"})
    (ws.notebooks / PLANTED).write_text(json.dumps(notebook), encoding="utf-8")
    # The start page is drawn when it runs, from the checklists the kernel reads: this one reads
    # the hostile folder (the shipped start page reads the shipped checklists).
    start = json.loads((ws.notebooks / START).read_text(encoding="utf-8"))
    start["cells"][-1]["source"] = (f"from toolkit.ui import StartPage\nfrom toolkit.workspace import Workspace\n"
                                    f"StartPage(Workspace.open({str(hostile_dir)!r}, {str(ws.answers)!r}))")
    (ws.notebooks / HOSTILE_START).write_text(json.dumps(start), encoding="utf-8")
    token = secrets.token_urlsafe(24)
    env = app_env(token, ws.env())

    def launch(attempt: int) -> S.Server:
        port = S.free_port()
        return S.Server("script-app", app_command(ws.notebooks, port), ws.notebooks, env,
                        ws.logs / f"app-{attempt}.log", port, "/")

    server = None
    try:
        server = S.wait_or_relaunch(launch(0), launch)
        yield SimpleNamespace(server=server, token=token, ws=ws)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(ws.root, ignore_errors=True)


class Watch:
    """Requests to /pwned-* and CSP violations of one page."""

    def __init__(self, page) -> None:
        self.page = page
        self.pwned: list[str] = []
        page.add_init_script(CSP_RECORDER)
        page.on("request", lambda r: self.pwned.append(r.url) if "/pwned-" in urlsplit(r.url).path
                and "pwned-img-src" not in r.url else None)

    def violations(self) -> list[dict]:
        return self.page.evaluate("() => window.__csp")

    def ran(self) -> object:
        return self.page.evaluate("() => window.__redflag_pwned")


def _history_entries(ipythondir: Path) -> list[str]:
    import sqlite3

    found = []
    for db in ipythondir.rglob("history.sqlite"):
        with sqlite3.connect(db) as con:
            found += [row[0] for row in con.execute("SELECT source FROM history")]
    return found


def _open(page, app, name: str) -> None:
    page.goto(f"{app.server.url}/voila/render/{name}?token={app.token}", timeout=S.KERNEL_TIMEOUT)


def test_a_planted_title_shows_as_text_on_the_start_page_and_runs_nothing(hostile_app, page):
    watch = Watch(page)
    _open(page, hostile_app, HOSTILE_START)
    link = page.get_by_role("link", name=re.compile(r"^Partners <script>"))
    expect(link).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    assert link.inner_text() == "Partners " + PAYLOAD          # shown, character for character
    expect(page.locator("#rendered_cells script:not([type]):not([src]), #rendered_cells img[onerror]")).to_have_count(0)
    page.get_by_role("heading", name="If you need support now").wait_for()
    page.wait_for_timeout(500)   # let a payload that got through run before looking
    assert watch.ran() is None and watch.pwned == []
    assert watch.violations() == [], "the start page breaks the Content-Security-Policy"


def test_raw_script_in_a_notebook_is_stopped_by_the_csp_and_the_form_still_works(hostile_app, page):
    """The layer under the escaping: the payload as raw HTML reaches the page's DOM, and the
    browser refuses to run it; the checklist form on the same page still answers."""
    watch = Watch(page)
    _open(page, hostile_app, PLANTED)
    form = S.Form(page.locator("body")).wait_ready()
    expect(page.locator("#rendered_cells img[onerror]")).to_have_count(1)   # it is there, raw...
    form.radio(1, "Often").click()                                          # ...and the page works
    expect(form.radio(1, "Often")).to_be_checked()
    expect(form.progress).to_have_text(re.compile(r"^\s*1 of \d+ answered"))
    assert watch.ran() is None, "a planted script ran"
    assert watch.pwned == [], f"a planted script made requests: {watch.pwned}"
    blocked = {v["directive"] for v in watch.violations()}
    assert blocked == {"script-src-elem", "script-src-attr"}, watch.violations()
    print(f"\nCSP refused: {watch.violations()}")


def test_app_pages_break_no_csp_rule_have_a_neutral_title_and_drop_the_token(hostile_app, page, shipped):
    """A normal visit: the form (answer, save), then on through its link to the Summary and its
    History tab (charts): no CSP violation, every page titled "Notes", and the token gone from
    the address bar once loaded, while the login cookie carries the session from page to page."""
    t0 = time.monotonic()
    watch = Watch(page)
    before = hostile_app.ws.saved_files()
    _open(page, hostile_app, f"{FORM}.ipynb")
    form = S.Form(page.locator("body")).wait_ready()
    expect(page).to_have_title("Notes")
    page.wait_for_url(re.compile(rf"/voila/render/{FORM}\.ipynb$"))      # ?token= dropped
    for n in range(1, len(shipped[FORM].items) + 1):
        form.radio(n, "Sometimes").click()
    form.save.click()
    S.wait_new_file(hostile_app.ws, before)
    page.get_by_role("link", name="Summary of all your answers").click()
    page.wait_for_url(re.compile(r"/voila/render/summary\.ipynb$"), timeout=S.KERNEL_TIMEOUT)
    tab = page.get_by_role("tab", name="History")
    tab.wait_for(timeout=S.KERNEL_TIMEOUT)
    expect(page).to_have_title("Notes")
    tab.click()
    expect(page.get_by_role("img", name=re.compile("chart of")).first).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    assert "token" not in page.url
    entries = page.evaluate("() => history.length")
    assert watch.violations() == [], f"the app breaks its own Content-Security-Policy: {watch.violations()}"
    # The pages' kernels ran their cells (ChecklistForm("..."), Summary()) and kept no history.
    history = _history_entries(hostile_app.ws.home / "ipython")
    assert history == [], f"IPython recorded the pages' cells: {history}"
    print(f"\nnormal visit under the CSP: form, save, Summary, History in {time.monotonic() - t0:.1f} s, "
          f"no violation; {entries} browser history entries; no IPython history")
