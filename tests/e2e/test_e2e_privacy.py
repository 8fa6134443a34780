"""Privacy in a real browser: nothing calls out, and the app view is locked.

Nothing calls out. Every request a browser context makes (its pages, popups, workers and service
workers, and every websocket they open) is recorded while a person opens the
avoid-partners-where form, answers all its items and saves, in JupyterLab and in the app view
(Voilà). Every one must go to the test's own loopback server, or be a data:/blob: URL. Requests
to anywhere else are recorded *and* aborted, so even a failing run reaches nobody.

Recording the browser is not enough for JupyterLab: its news feed and update check are fetched
by the *server*, when the page asks it for /lab/api/news or /lab/api/update. jupyter/overrides.json
turns both off (`fetchNews: "false"`, `checkForUpdates: false` for
@jupyterlab/apputils-extension:notification); the Lab test checks the page never asks for
either path and never shows the "get notified about official Jupyter news?" prompt.

A locked app server. `redflag app` starts Voilà with toolkit.launch.app_command on 127.0.0.1
with a token from the JUPYTER_TOKEN environment variable. The server here is started with that
same command: without the token (no token, a wrong one, or a rebinding-style Host header) no
path gives away a statement, a title, a notebook's text or the Summary; with the token, the
app works, in a browser, from the address `redflag app` prints.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import secrets
import shutil
import socket
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import servers as S
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

FORM = "avoid-partners-where"                     # 11 items, no safety item
APP_CULL_AFTER = 4   # s: the locked app's kernel cull time here (long enough that a page still
                     # loading on a busy machine connects to its kernel before a cull check)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
LOCAL_SCHEMES = {"data", "blob"}
# Lab server endpoints that make the *server* fetch from the internet (the Jupyter news feed, and
# PyPI for the update check): the browser only sees loopback, so these must never be asked for.
CALLS_OUT = ("/lab/api/news", "/lab/api/update")
NEWS_PROMPT = re.compile(r"notified about official Jupyter news", re.IGNORECASE)
EVIL_HOST = "evil.example"


# --------------------------------------------------------------------------- traffic


class Traffic:
    """Every URL a browser context asks for, from the moment it is created."""

    def __init__(self, context, page, server: S.Server) -> None:
        self.server = server
        self.urls: list[str] = []
        self.blocked: list[str] = []
        context.on("request", lambda r: self.urls.append(r.url))
        context.on("serviceworker", lambda w: self.urls.append(w.url))
        context.on("page", self._watch)            # popups and new tabs
        self._watch(page)                          # the page that exists already
        context.route(lambda url: not self.allowed(url), self._abort)

    def _watch(self, page) -> None:
        page.on("websocket", lambda ws: self.urls.append(ws.url))
        page.on("worker", lambda w: self.urls.append(w.url))

    def _abort(self, route) -> None:
        self.blocked.append(route.request.url)
        route.abort()

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            return True
        return (parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in LOOPBACK
                and parts.port == self.server.port)

    def settle(self, page, quiet: float = 0.5, timeout: float = 5.0) -> None:
        """Wait until no new request has come for `quiet` seconds (at most `timeout`): events reach
        Python only while it talks to the browser, and a request started just before the check
        (an image, a lazy chunk) must be counted too."""
        deadline = time.monotonic() + timeout
        count, since = len(self.urls), time.monotonic()
        while time.monotonic() < deadline:
            page.wait_for_timeout(50)  # lets Playwright deliver pending events
            if len(self.urls) != count:
                count, since = len(self.urls), time.monotonic()
            elif time.monotonic() - since >= quiet:
                return

    def hosts(self) -> list[str]:
        return sorted({f"{p.scheme}:" if p.scheme in LOCAL_SCHEMES else f"{p.scheme}://{p.netloc}"
                       for p in map(urlsplit, self.urls)})

    def report(self, label: str, seconds: float) -> None:
        print(f"\n{label}: {len(self.urls)} requests in {seconds:.1f} s; distinct hosts: {self.hosts()}")

    def check(self) -> None:
        assert self.urls, "nothing was recorded: the recorder is not attached"
        outside = sorted({u for u in self.urls if not self.allowed(u)})
        assert outside == [], f"the page called out to: {outside}"
        asked = sorted({u for u in self.urls if urlsplit(u).path.rstrip("/") in CALLS_OUT})
        assert asked == [], f"the page asked the Lab server to fetch from the internet: {asked}"


def _answer_every_item_and_save(form: S.Form, checklist, workspace: S.Workspace) -> Path:
    scale = [o for o in checklist.vocabulary.scale if not o.situational]  # offered on every item
    expect(form.groups).to_have_count(len(checklist.items))
    chosen = {}
    for n, item in enumerate(checklist.items, start=1):
        option = scale[(n - 1) % len(scale)]
        form.radio(n, option.label).click()
        expect(form.radio(n, option.label)).to_be_checked()
        chosen[item.id] = option.id
    before = workspace.saved_files()
    form.save.click()
    path = S.wait_new_file(workspace, before)
    assert json.loads(path.read_text(encoding="utf-8"))["responses"] == chosen
    expect(form.status).to_be_visible()  # "Saved. Your result is below.": no file name
    return path


def test_lab_settings_turn_news_and_update_checks_off(lab_server):
    notification = S.lab_setting(lab_server, "@jupyterlab/apputils-extension:notification")
    assert notification["fetchNews"] == "false"        # "none" (the default) asks; "true" fetches
    assert notification["checkForUpdates"] is False    # checked whenever fetchNews is not "none"


def test_lab_answer_and_save_calls_nobody(page, lab_server, workspace, shipped):
    t0 = time.monotonic()
    traffic = Traffic(page.context, page, lab_server)
    lab = S.LabApp(page, lab_server)
    form = lab.run_form(f"{FORM}.ipynb")
    _answer_every_item_and_save(form, shipped[FORM], workspace)
    # The announcements plugin runs once Lab is restored and its settings are loaded, long before
    # a notebook has a kernel: a prompt would be on screen (it never closes by itself) by now.
    expect(page.get_by_text(NEWS_PROMPT)).to_have_count(0)
    expect(page.locator(".Toastify__toast")).to_have_count(0)
    traffic.settle(page)
    traffic.report("JupyterLab", time.monotonic() - t0)
    traffic.check()


def test_app_view_answer_and_save_calls_nobody(page, voila_server, workspace, shipped):
    """The form, then on through its link to the Summary and its History tab (charts)."""
    t0 = time.monotonic()
    traffic = Traffic(page.context, page, voila_server)
    page.goto(f"{voila_server.url}/voila/render/{FORM}.ipynb", timeout=S.KERNEL_TIMEOUT)
    form = S.Form(page.locator("body")).wait_ready()
    _answer_every_item_and_save(form, shipped[FORM], workspace)
    page.get_by_role("link", name="Summary of all your answers").click()
    page.wait_for_url(re.compile(r"/voila/render/summary\.ipynb$"), timeout=S.KERNEL_TIMEOUT)
    tab = page.get_by_role("tab", name="History")
    tab.wait_for(timeout=S.KERNEL_TIMEOUT)
    expect(page.get_by_text("Your latest answers")).to_be_visible()
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    traffic.settle(page)
    traffic.report("Voila", time.monotonic() - t0)
    traffic.check()


# --------------------------------------------------------------------------- the locked app


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # show the 302 itself, not the login page it leads to


_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def _get(url: str, host: str | None = None) -> tuple[int, str, str]:
    """(status, Location, body) of one GET, redirects not followed, no proxy."""
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with _HTTP.open(request, timeout=30) as r:
            return r.status, r.headers.get("Location", ""), r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", ""), exc.read().decode("utf-8", "replace")


def _readable(body: str) -> str:
    """The body as a reader would see it: HTML entities and JSON string escapes undone."""
    text = html.unescape(body)
    try:
        text += "\n" + json.dumps(json.loads(body), ensure_ascii=False)
    except ValueError:
        pass
    return text


@pytest.fixture(scope="module")
def content_markers(shipped) -> list[str]:
    """Text that only the checklists, the notebooks or the Summary show: every statement, every
    checklist title, each notebook's heading and code, the Summary's own heading, and the names
    of the notebooks that no probed path names."""
    markers = {"Your latest answers", "from toolkit.ui import"}
    named = {f"{FORM}.ipynb", "summary.ipynb", "00-start-here.ipynb"}
    markers.update(nb.name for nb in S.NOTEBOOKS.glob("*.ipynb") if nb.name not in named)
    for c in shipped.values():
        markers.add(c.title)
        markers.update(it.text for it in c.items)
    for nb in S.NOTEBOOKS.glob("*.ipynb"):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            first = "".join(cell["source"]).strip().splitlines()[0].lstrip("# ").strip()
            if cell["cell_type"] == "markdown" and len(first) > 12:
                markers.add(first)
    return sorted(m for m in markers if len(m) > 12)


def _leaks(body: str, markers: list[str]) -> list[str]:
    text = _readable(body)
    return [m for m in markers if m in text]


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on `port` (/proc/net/tcp and tcp6)."""
    found = set()
    for name in ("tcp", "tcp6"):
        for line in (Path("/proc/net") / name).read_text().splitlines()[1:]:
            fields = line.split()
            address, hexport = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(hexport, 16) == port:      # 0A: LISTEN
                found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]) if len(address) == 8
                          else f"[{address}]")
    return found


@pytest.fixture(scope="module")
def locked_app(browser):
    """Voilà started as `redflag app` starts it (app_command, token in JUPYTER_TOKEN), in a
    private workspace whose answers folder holds the fixture runs (so the Summary has content)."""
    from toolkit.launch import app_command, app_env, app_url
    from toolkit.notebooks import START

    ws = S.Workspace(Path(tempfile.mkdtemp(prefix="redflag-locked-")))
    shutil.copytree(S.REPO / "tests" / "fixtures" / "answers", ws.answers)
    token = secrets.token_urlsafe(24)
    env = app_env(token, ws.env())  # ws.env() points the quick exit at about:blank

    def launch(attempt: int) -> S.Server:
        port = S.free_port()
        return S.Server("locked-app", app_command(ws.notebooks, port, cull_after=APP_CULL_AFTER),
                        ws.notebooks, env, ws.logs / f"app-{attempt}.log", port, "/")

    server = None
    try:
        server = S.wait_or_relaunch(launch(0), launch)
        yield SimpleNamespace(server=server, token=token, url=app_url(token, server.port), ws=ws,
                              start=START)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(ws.root, ignore_errors=True)


PAGES = {  # name -> path; each would show checklist content to someone holding the token
    "start page": "/voila/render/{start}",
    "checklist page": f"/voila/render/{FORM}.ipynb",
    "summary page": "/voila/render/summary.ipynb",
}
API_PATHS = [
    "/", "/voila/tree", "/voila/tree/", "/voila/api/contents", "/voila/api/contents/",
    f"/voila/api/contents/{FORM}.ipynb", "/voila/api/contents/summary.ipynb",
    f"/voila/files/{FORM}.ipynb", "/api/contents", f"/api/contents/{FORM}.ipynb", "/api/kernels",
    "/api/sessions", "/api/status", "/voila/api/shutdown/00000000-0000-0000-0000-000000000000",
]


def _all_paths(app) -> list[str]:
    return [p.format(start=app.start) for p in PAGES.values()] + API_PATHS


def test_app_listens_on_loopback_only(locked_app):
    assert _listening_addresses(locked_app.server.port) == {"127.0.0.1"}


def test_app_with_the_printed_token_works_and_its_kernel_is_locked(locked_app, page, shipped,
                                                                     screens):
    """The address `redflag app` prints opens the start page; the token becomes a cookie, so the
    start page's link leads on to a checklist whose statements are on screen. While that page is
    open, its kernel (id taken from the page's websocket) cannot be read or driven without the
    token, whatever the Host header; with the token its websocket opens (the control)."""
    t0 = time.monotonic()
    kernels: list[str] = []  # in the order the pages opened them: the start page's, then the checklist's
    page.on("websocket", lambda ws: kernels.extend(re.findall(r"/api/kernels/([0-9a-f-]{36})/channels", ws.url)))
    page.goto(locked_app.url, timeout=S.KERNEL_TIMEOUT)
    c = shipped[FORM]
    link = page.get_by_role("link", name=c.title).first
    expect(link).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    link.click()
    page.wait_for_url(re.compile(rf"/voila/render/{FORM}\.ipynb$"), timeout=S.KERNEL_TIMEOUT)
    form = S.Form(page.locator("body")).wait_ready()
    for n, item in enumerate(c.items, start=1):
        expect(form.item(n)).to_contain_text(item.text)
    screens.shot(page, "5-locked-app-with-token")
    print(f"\nlocked app with the token: start page and checklist in {time.monotonic() - t0:.1f} s")
    assert kernels, "the checklist page opened no kernel websocket"
    _kernel_is_locked(locked_app, kernels[-1])  # the open page's (the start page's may be shut down by now)


def test_app_shuts_down_a_kernel_once_its_page_is_gone(locked_app, page):
    """Voilà starts a kernel for every page and would keep each one, with whatever was on its
    page, until the app stops. `redflag app` shuts one down once its page has gone (here after
    APP_CULL_AFTER s idle; toolkit.launch.CULL_AFTER in use) and never while its page is open."""
    server = locked_app.server
    before = S.child_pids(server)
    page.goto(f"{server.url}/voila/render/{FORM}.ipynb?token={locked_app.token}", timeout=S.KERNEL_TIMEOUT)
    form = S.Form(page.locator("body")).wait_ready()
    mine = S.child_pids(server) - before
    assert len(mine) == 1, (before, mine)
    time.sleep(2 * APP_CULL_AFTER)                 # well past the cull time, page still open
    assert mine <= S.child_pids(server), "a kernel whose page is open was shut down"
    form.radio(1, "Often").click()                  # ... and it still answers the page
    expect(form.progress).to_have_text(re.compile(r"^1 of \d+ answered"))
    t0 = time.monotonic()
    page.goto("about:blank")
    while mine & S.child_pids(server) and time.monotonic() - t0 < 30:
        time.sleep(0.1)
    assert not mine & S.child_pids(server), "the kernel outlived its page by 30 s"
    print(f"\nlocked app: a left page's kernel was shut down after {time.monotonic() - t0:.1f} s "
          f"(cull time {APP_CULL_AFTER} s in this test)")


def _websocket_status(port: int, path: str, host: str) -> str:
    """The status line the server answers a websocket handshake with."""
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        s.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                   "\r\n").encode())
        return s.recv(4096).decode("latin-1").split("\r\n", 1)[0]


def _kernel_is_locked(app, kernel: str) -> None:
    port, token = app.server.port, app.token
    for host in (None, EVIL_HOST):
        status, _, body = _get(f"{app.server.url}/api/kernels/{kernel}", host=host)
        assert status in (302, 403, 404, 405), (host, status, body[:300])
        assert kernel not in body
        line = _websocket_status(port, f"/api/kernels/{kernel}/channels", host or f"127.0.0.1:{port}")
        assert line.split()[1] != "101", (host, line)
    line = _websocket_status(port, f"/api/kernels/{kernel}/channels?token={token}", f"127.0.0.1:{port}")
    assert line.split()[1] == "101", line


@pytest.mark.parametrize("host", [None, EVIL_HOST], ids=["no-token", "no-token-evil-host"])
def test_app_without_the_token_gives_nothing_over_http(locked_app, content_markers, host):
    base = locked_app.server.url
    seen = {}
    for path in _all_paths(locked_app):
        for query in ("", "?token=wrong-" + secrets.token_urlsafe(8)):
            status, location, body = _get(base + path + query, host=host)
            seen[path + query[:7]] = status
            assert status in (302, 403, 404, 405), (path, query, status, body[:300])
            if status == 302:
                assert urlsplit(location).path.endswith("/login"), (path, location)
            assert _leaks(body, content_markers) == [], (path, query)
    print(f"\nwithout the token (Host: {host or '127.0.0.1'}): {seen}")


def test_app_with_the_token_lists_content_over_http(locked_app, content_markers):
    """The control for the test above: the same server gives content to the token."""
    base, token = locked_app.server.url, locked_app.token
    status, _, _ = _get(f"{base}/?token={token}")        # the tree page (filled in by script)
    assert status == 200
    status, _, body = _get(f"{base}/voila/api/contents/?token={token}")   # the folder listing
    assert status == 200
    assert _leaks(body, content_markers), body[:300]
    for path in (f"/voila/api/contents/{FORM}.ipynb", f"/voila/api/contents/{locked_app.start}"):
        status, _, body = _get(f"{base}{path}?token={token}")
        assert status == 200, (path, status, body[:300])   # (Voilà answers with metadata only)


def test_app_without_the_token_shows_only_a_login_page_in_a_browser(locked_app, browser,
                                                                     content_markers):
    context = browser.new_context()
    context.set_default_timeout(S.UI_TIMEOUT)
    page = context.new_page()
    try:
        for name, path in PAGES.items():
            page.goto(locked_app.server.url + path.format(start=locked_app.start))
            assert urlsplit(page.url).path.endswith("/login"), (name, page.url)
            expect(page.locator("input[type=password]").first).to_be_visible()
            assert _leaks(page.content(), content_markers) == [], name
            assert _leaks(page.locator("body").inner_text(), content_markers) == [], name
    finally:
        context.close()

