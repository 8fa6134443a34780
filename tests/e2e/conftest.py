"""Session fixtures for the real-browser tests: one JupyterLab server, one Voilà server (directory
mode) and one headless Chromium per session, all on a private temp folder.

Chromium (or axe-core, for the accessibility tests) missing: the tests skip locally, but fail
under CI (CI=true), where a skipped browser suite would look like a pass. Screenshots of every
page visited go to a fresh /tmp/redflag-screens-* folder, printed at the end of the run and
written to /tmp/redflag-last-screens.txt; a failing test adds a FAILED-<test>.png there.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from pathlib import Path

import pytest
import servers as S

_SCREENS: list[Path] = []
LAST_SCREENS_FILE = Path("/tmp/redflag-last-screens.txt")


@pytest.fixture(scope="session")
def workspace():
    ws = S.Workspace(Path(tempfile.mkdtemp(prefix="redflag-e2e-")))
    yield ws
    shutil.rmtree(ws.root, ignore_errors=True)


#: Without Playwright the browser-test modules cannot even be imported (they use its `expect`).
#: They are then left out of collection, so `pytest -m "not e2e"` works on a machine without it;
#: test_e2e_available.py stays and says why (a skip, or a failure under CI).
HAS_PLAYWRIGHT = importlib.util.find_spec("playwright") is not None


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if not HAS_PLAYWRIGHT and collection_path.name.startswith("test_e2e_") \
            and collection_path.name != "test_e2e_available.py":
        return True
    return None


@pytest.fixture(scope="session")
def browser():
    if not Path(S.CHROMIUM).exists():
        S.unavailable(f"{S.CHROMIUM} is missing: install it with `apt-get install -y chromium` "
                     "(or `make chromium`) to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        S.unavailable("the Python package playwright is missing: pip install -e '.[e2e]'")
    pw = sync_playwright().start()
    try:
        b = S.launch_browser(pw)
    except Exception:
        pw.stop()
        raise
    yield b
    b.close()
    pw.stop()


@pytest.fixture(scope="session")
def axe_js() -> str:
    """axe-core's script, as package-lock.json pins it (installed by `make axe`: npm ci)."""
    if not S.AXE_JS.is_file():
        S.unavailable(f"{S.AXE_JS.relative_to(S.REPO)} is missing: run `make axe` (npm ci) to run the "
                     "accessibility tests")
    return S.AXE_JS.read_text(encoding="utf-8")


_WANTED = pytest.StashKey[set]()


@pytest.hookimpl(trylast=True)  # after -m/-k have deselected
def pytest_collection_modifyitems(config, items):
    """Note which servers the selected tests need, so they can all start at once."""
    config.stash[_WANTED] = {kind for item in items for kind in ("lab", "voila")
                             if f"{kind}_server" in getattr(item, "fixturenames", ())}


class _Servers:
    """Starts every server the session needs together (on first use), stops them together."""

    def __init__(self, ws: S.Workspace, wanted: set[str]) -> None:
        self.ws, self.wanted = ws, wanted
        self.running: dict[str, S.Server] = {}

    def get(self, kind: str) -> S.Server:
        if kind not in self.running:
            kinds = [kind] + sorted((self.wanted - set(self.running)) - {kind})
            self.running.update(S.start_servers(self.ws, kinds))
        return self.running[kind]

    def stop(self) -> None:
        S.stop_servers(self.running.values())


@pytest.fixture(scope="session")
def _servers(browser, workspace, pytestconfig):
    servers = _Servers(workspace, pytestconfig.stash.get(_WANTED, set()))
    yield servers
    servers.stop()


@pytest.fixture(scope="session")
def lab_server(_servers) -> S.Server:
    return _servers.get("lab")


@pytest.fixture(scope="session")
def voila_server(_servers) -> S.Server:
    return _servers.get("voila")


@pytest.fixture(scope="session")
def shipped():
    """The shipped checklists, as the kernel loads them."""
    from toolkit.checklist import load_checklists, shipped_dir
    return load_checklists(shipped_dir())


class Screens:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="redflag-screens-"))
        _SCREENS.append(self.dir)
        LAST_SCREENS_FILE.write_text(f"{self.dir}\n")
        print(f"\nscreenshots: {self.dir}")

    def shot(self, page, name: str) -> Path:
        path = self.dir / f"{name}.png"
        S.full_screenshot(page, path)
        return path


@pytest.fixture(scope="session")
def screens() -> Screens:
    return Screens()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


_CALL_FAILED = pytest.StashKey[bool]()


def _shoot_failure(request, page, screens) -> bool:
    if not request.node.stash.get(_CALL_FAILED, False):
        return False
    try:
        page.screenshot(path=str(screens.dir / f"FAILED-{request.node.name}.png"), timeout=10_000)
    except Exception:  # the page may be gone; the test's own error matters more
        pass
    return True


def _new_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(S.UI_TIMEOUT)
    return context, context.new_page()


@pytest.fixture
def page(request, browser, screens):
    """A fresh browser context and page per test (1280x900); a screenshot if the test failed."""
    context, pg = _new_page(browser)
    yield pg
    _shoot_failure(request, pg, screens)
    context.close()


@pytest.fixture(scope="module")
def _lab_app(browser, lab_server):
    context, pg = _new_page(browser)
    yield S.LabApp(pg, lab_server)
    context.close()


@pytest.fixture
def lab(request, _lab_app, screens) -> S.LabApp:
    """The module's one JupyterLab page (Lab loads once, notebooks open from the file browser).
    After a failed test the next open loads Lab again, so one failure does not cascade."""
    yield _lab_app
    if _shoot_failure(request, _lab_app.page, screens):
        _lab_app.loaded = False


def pytest_terminal_summary(terminalreporter):
    for folder in _SCREENS:
        terminalreporter.write_line(f"redflag e2e screenshots: {folder}")
