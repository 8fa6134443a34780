"""Shared helpers for the real-browser tests and benchmarks/bench_ui.py.

Servers: JupyterLab and Voilà run from *this* Python environment (the project's venv), on
127.0.0.1 with a free port, no token, a private HOME/Jupyter/IPython/Matplotlib folder, a
private answers folder (REDFLAG_ANSWERS_DIR) and a temp copy of the notebooks as root, so
nothing is ever written into the repository or the user's home. Lab reads its settings
overrides from a copy of this checkout's jupyter/overrides.json (`--LabApp.app_settings_dir`),
the file `make setup` and postBuild install as {sys.prefix}/share/jupyter/lab/settings/
overrides.json: the tests check the checkout's settings even when the venv was set up from
another checkout.

Pages: the waits and selectors of /work/shared/NOTES-jupyter.md (Run All through the menu,
widgets located by role), plus one correction: the toolbar's kernel indicator reads "idle"
before the notebook has a kernel, so LabApp.wait_kernel checks more than that. Nothing here
sleeps blindly: every wait is on a page state, a server state or a file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
LAB_OVERRIDES = REPO / "jupyter" / "overrides.json"
#: axe-core, at the version package.json pins exactly and package-lock.json locks (`make axe`).
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"

#: Text contrast (WCAG) of the given elements that are shown and hold text, measured in the
#: page: each as {text, bg, ratio, opacity}, the text colour blended over its first opaque
#: background. For `locator.evaluate_all` or `page.evaluate(CONTRAST_JS, [handles])`.
CONTRAST_JS = """(els) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (e) => {
    for (; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return els.filter((e) => e.getClientRects().length > 0 && e.textContent.trim()).map((e) => {
    const style = getComputedStyle(e);
    const bg = background(e), [r, g, b, alpha = 1] = rgb(style.color);
    const fg = [r, g, b].map((v, i) => v * alpha + bg[i] * (1 - alpha));
    const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return { text: e.textContent.trim().slice(0, 40), bg: `rgb(${bg.join(', ')})`,
             ratio: (hi + 0.05) / (lo + 0.05), opacity: style.opacity };
  });
}"""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

SERVER_TIMEOUT = 60.0      # seconds until a server answers HTTP
KERNEL_TIMEOUT = 60_000    # ms: kernel start + first execution (measured 8-10 s on 2 cores)
UI_TIMEOUT = 15_000        # ms: one widget round trip (click -> kernel -> page)


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Workspace:
    """A private folder tree for one test session: home, notebooks (the server root), answers, logs."""

    root: Path
    home: Path = field(init=False)
    notebooks: Path = field(init=False)
    answers: Path = field(init=False)
    logs: Path = field(init=False)
    lab_settings: Path = field(init=False)

    def __post_init__(self) -> None:
        self.home = self.root / "home"
        self.notebooks = self.root / "notebooks"
        self.answers = self.root / "answers"      # created by the toolkit on first save (0700)
        self.logs = self.root / "logs"
        self.lab_settings = self.root / "lab-settings"
        for d in (self.home, self.logs, self.lab_settings):
            d.mkdir(parents=True, exist_ok=True)
        self.notebooks.mkdir(parents=True, exist_ok=True)
        for nb in NOTEBOOKS.glob("*.ipynb"):
            shutil.copy2(nb, self.notebooks / nb.name)
        shutil.copy2(LAB_OVERRIDES, self.lab_settings / "overrides.json")

    def env(self) -> dict[str, str]:
        """The servers' (and so the kernels') environment: nothing points at the real home."""
        env = dict(os.environ)
        for var in ("MPLBACKEND", "JUPYTER_PATH", "JUPYTER_PREFER_ENV_PATH", "JUPYTER_TOKEN"):
            env.pop(var, None)  # a test runner's settings must not change what users see
        sub = {"HOME": "", "JUPYTER_CONFIG_DIR": "jupyter-config", "JUPYTER_DATA_DIR": "jupyter-data",
               "JUPYTER_RUNTIME_DIR": "jupyter-runtime", "IPYTHONDIR": "ipython",
               "MPLCONFIGDIR": "mpl", "XDG_CACHE_HOME": "cache", "XDG_CONFIG_HOME": "config"}
        for var, name in sub.items():
            path = self.home / name if name else self.home
            path.mkdir(parents=True, exist_ok=True)
            env[var] = str(path)
        env["REDFLAG_ANSWERS_DIR"] = str(self.answers)
        # The Exit button's everyday website is on the internet: tests leave for a blank page.
        env["REDFLAG_EXIT_URL"] = "about:blank"
        return env

    def saved_files(self) -> set[Path]:
        return set(self.answers.glob("*.json")) if self.answers.is_dir() else set()


class Server:
    """A server process in its own process group, stopped with SIGTERM to the group, then SIGKILL.

    Creating it only launches the process; `wait_ready()` waits for it, so several servers can
    start at the same time.
    """

    def __init__(self, name: str, cmd: list[str], cwd: Path, env: dict[str, str], log: Path,
                 port: int, ready_path: str) -> None:
        self.name, self.cmd, self.port = name, cmd, port
        self.url = f"http://127.0.0.1:{port}"
        self.ready_path = ready_path
        self.log = log
        self._log_fh = log.open("wb")
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log_fh, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def wait_ready(self, timeout: float = SERVER_TIMEOUT) -> Server:
        """Poll GET ready_path until 200; fail early (with the log) if the process exits."""
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode} before it was ready:\n"
                                   f"{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=2) as r:
                    if r.status == 200:
                        return self
                    last = f"HTTP {r.status}"
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
                last = str(exc)
            time.sleep(0.1)  # polling interval of a state check, not a blind wait
        self.stop()
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s ({last}):\n{self.log_tail()}")

    def terminate(self) -> None:
        """SIGTERM to the whole process group (server and its kernels); does not wait."""
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass

    def wait_stopped(self, grace: float = 10.0) -> None:
        """Wait for the server to exit after terminate(); SIGKILL the group if it does not."""
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
        try:  # also reaps kernels left behind when the server died first
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self._log_fh.close()

    def stop(self, grace: float = 10.0) -> None:
        self.terminate()
        self.wait_stopped(grace)


def lab_command(port: int, root: Path, settings_dir: Path | None = None) -> list[str]:
    """As `redflag lab` starts it (its LAB_FLAGS) but without a token. settings_dir: where Lab reads
    overrides.json (default: the venv's share/jupyter/lab/settings)."""
    from toolkit.launch import LAB_FLAGS
    settings = [f"--LabApp.app_settings_dir={settings_dir}"] if settings_dir else []
    return [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", *LAB_FLAGS,
            "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.ip=127.0.0.1",
            f"--port={port}", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}", *settings]


def voila_command(port: int, root: Path, cull_after: int | None = None) -> list[str]:
    # As `redflag app` starts it (toolkit.launch.app_command) but without the token: directory
    # mode (the tree is at /, each notebook at /voila/render/NAME.ipynb, so the notebooks'
    # relative links, e.g. "summary.ipynb", work) and the package's Voilà template.
    from toolkit.launch import CULL_AFTER, app_command
    return [arg for arg in app_command(root, port, cull_after or CULL_AFTER) if arg != "--token"]


def voila_env(ws: Workspace) -> dict[str, str]:
    """The workspace's environment plus what `redflag app` adds (toolkit.launch.app_env) but the token."""
    from toolkit.launch import app_env
    env = app_env("", ws.env())
    del env["JUPYTER_TOKEN"]
    return env


_KINDS = {"lab": (lab_command, "/api/status"), "voila": (voila_command, "/")}


def launch(kind: str, ws: Workspace, attempt: int = 0) -> Server:
    """Launch a server ("lab" or "voila") on a free port, rooted at the workspace's notebooks."""
    make_cmd, ready_path = _KINDS[kind]
    port = free_port()
    if kind == "lab":
        cmd, env = lab_command(port, ws.notebooks, ws.lab_settings), ws.env()
    else:
        cmd, env = make_cmd(port, ws.notebooks), voila_env(ws)
    return Server(kind, cmd, ws.notebooks, env,
                  ws.logs / f"{kind}-{attempt}.log", port, ready_path)


def wait_or_relaunch(server: Server, relaunch: Callable[[int], Server], attempts: int = 3) -> Server:
    """Wait for `server`; if its port was taken in between, `relaunch(attempt)` on another."""
    for attempt in range(1, attempts + 1):
        try:
            return server.wait_ready()
        except RuntimeError:
            server.stop()
            if attempt == attempts or "address already in use" not in server.log_tail().lower():
                raise
            server = relaunch(attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def start_servers(ws: Workspace, kinds, attempts: int = 3) -> dict[str, Server]:
    """Launch the servers at once, then wait for each; a port taken in between is retried."""
    servers = {kind: launch(kind, ws) for kind in kinds}
    try:
        for kind in kinds:
            servers[kind] = wait_or_relaunch(servers[kind], lambda a, kind=kind: launch(kind, ws, a), attempts)
    except BaseException:
        stop_servers(servers.values())
        raise
    return servers


def stop_servers(servers) -> None:
    servers = list(servers)
    for server in servers:
        server.terminate()
    for server in servers:
        server.wait_stopped()


def start_lab(ws: Workspace) -> Server:
    return start_servers(ws, ["lab"])["lab"]


def start_voila(ws: Workspace) -> Server:
    return start_servers(ws, ["voila"])["voila"]


def child_pids(server: Server) -> set[int]:
    """The server's child processes: for Voilà, one kernel per page opened and not yet shut down."""
    pid = server.proc.pid
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in children.read_text().split()} if children.exists() else set()


def kernel_sessions(server: Server) -> dict[str, dict]:
    """Notebook path -> kernel model (execution_state, connections) of the server's sessions."""
    with urllib.request.urlopen(f"{server.url}/api/sessions", timeout=10) as r:
        return {s["path"]: s["kernel"] for s in json.loads(r.read()) if s.get("kernel")}


def lab_setting(server: Server, plugin: str) -> dict:
    """The effective settings of a Lab plugin: the server applies overrides.json to the schema
    defaults; the user's own settings (none here) come on top."""
    with urllib.request.urlopen(f"{server.url}/lab/api/settings/{plugin}", timeout=10) as r:
        data = json.loads(r.read())
    defaults = {k: v["default"] for k, v in data["schema"].get("properties", {}).items() if "default" in v}
    return {**defaults, **data.get("settings", {})}


# --------------------------------------------------------------------------- browser


def unavailable(reason: str, what: str = "browser tests") -> None:
    """Skip for want of Chromium (or axe, or a PDF tool), except under CI, where it fails."""
    import pytest
    if ci_requires_browser():
        pytest.fail(f"{reason} (CI is set: the {what} must run, not skip)", pytrace=False)
    pytest.skip(reason)


def ci_requires_browser() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


# --------------------------------------------------------------------------- JupyterLab pages

STALE = "data-e2e-stale"


class LabApp:
    """One JupyterLab page used for several notebooks, as a person uses Lab: the first open (or
    a reload) loads Lab on the notebook's URL; later opens double-click it in the file browser
    (about 5 s less each than loading Lab again on 2 cores)."""

    def __init__(self, page, server: Server) -> None:
        self.page, self.server = page, server
        self.loaded = False
        # Lab asks "leave the page?" when a notebook has unsaved outputs; a reload should leave.
        page.on("dialog", lambda dialog: dialog.accept())

    def open(self, name: str, reload: bool = False) -> None:
        """Show notebook NAME and wait until its kernel is connected and idle."""
        page = self.page
        if reload or not self.loaded:
            page.goto(f"{self.server.url}/lab/tree/{name}?reset", wait_until="domcontentloaded",
                      timeout=60_000)
            self.loaded = True
        else:
            page.locator(".jp-DirListing-item").filter(has=page.locator(
                ".jp-DirListing-itemText", has_text=re.compile(rf"^{re.escape(name)}$"))).dblclick()
        page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current",
                     has_text=name).wait_for(timeout=60_000)
        page.locator(".jp-NotebookPanel:visible .jp-CodeCell").first.wait_for(
            state="attached", timeout=60_000)
        self.wait_kernel(name)

    def wait_kernel(self, name: str) -> None:
        """Three checks, each closing a gap the others leave:

        1. the status bar names this notebook and a kernel that is idle. After a page load it
           first says "No Kernel | Initializing" while the toolbar indicator already reads
           "idle": a Run All sent then runs no code cell (that is why the indicator alone fails);
        2. the server has a kernel for this notebook with a websocket open, so the browser is past
           its pre-kernel state (covers the frame after a tab switch where the status bar still
           shows the previous notebook);
        3. this notebook's own toolbar indicator is idle.
        """
        page = self.page
        page.locator(".jp-StatusBar-TextItem", has_text=re.compile(rf"^{re.escape(name)}$")).wait_for(
            timeout=KERNEL_TIMEOUT)
        kernel_idle(page).wait_for(timeout=KERNEL_TIMEOUT)
        deadline = time.monotonic() + KERNEL_TIMEOUT / 1000
        while True:
            kernel = kernel_sessions(self.server).get(name)
            if kernel and kernel.get("connections", 0) >= 1 and kernel.get("execution_state") == "idle":
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"no connected idle kernel for {name}: {kernel}")
            time.sleep(0.05)  # polling a server state
        page.locator('.jp-NotebookPanel:visible .jp-Notebook-ExecutionIndicator[data-status="idle"]'
                     ).wait_for(timeout=KERNEL_TIMEOUT)

    def run_form(self, name: str, reload: bool = False) -> Form:
        """Open NAME, Run All through the menu, and return its (new) checklist form, ready."""
        self.open(name, reload=reload)
        run_all(self.page)
        return Form(fresh_outputs(self.page)).wait_ready()


def kernel_idle(page):
    """The status bar's kernel item once a kernel is connected and idle (not "No Kernel")."""
    return page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"^(?!No Kernel).+ \| Idle$"))


def run_all(page) -> None:
    """Run → Run All Cells through the menu bar, after marking the outputs already on screen.

    A notebook reopened on a live kernel can show the *old* widgets again (ipywidgets restores
    live models), so waits after Run All look only at outputs created after this call.
    """
    page.evaluate(f"""() => document.querySelectorAll('.jp-OutputArea-child')
                          .forEach(e => e.setAttribute('{STALE}', '1'))""")
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator('li.lm-Menu-item[data-command="runmenu:run-all"]').click()


def fresh_outputs(page):
    """Locator for widget output created by the latest run_all()."""
    return page.locator(f".jp-NotebookPanel:visible .jp-OutputArea-child:not([{STALE}])")


# --------------------------------------------------------------------------- the checklist form


class Form:
    """Locators for one ChecklistForm on a page (JupyterLab output or Voilà page)."""

    def __init__(self, scope) -> None:
        self.scope = scope

    def item(self, n: int):
        """The answer group of item n (1-based): a fieldset whose legend, "n. statement", is its
        accessible name."""
        return self.scope.get_by_role("group", name=re.compile(rf"^{n}\. "))

    def radio(self, n: int, label: str):
        return self.item(n).get_by_role("radio", name=label, exact=True)

    @property
    def groups(self):
        return self.scope.locator("fieldset.redflag-answer-group")

    @property
    def progress(self):
        return self.scope.locator("[aria-live='polite']").filter(has_text="answered")

    def button(self, name: str):
        # The accessible name starts with the Font Awesome glyph (CSS ::before content of the
        # icon), e.g. "\uf0c7 Save my answers", so match the words at the end only.
        return self.scope.get_by_role("button", name=re.compile(rf"^\W*{re.escape(name)}$"))

    @property
    def save(self):
        return self.button("Save my answers")

    @property
    def status(self):
        return self.scope.locator(".widget-html-content").filter(has_text="Saved. Your result is below.")

    @property
    def support(self):
        """The support box shown above the result (not the copy folded under a calm result)."""
        return self.scope.locator("div.redflag-support:not(details.redflag-support-link div)")

    @property
    def result(self):
        return self.scope.locator(".widget-html-content").filter(
            has=self.scope.page.get_by_role("heading", name="Your result"))

    @property
    def resume_select(self):
        return self.scope.locator(".widget-dropdown").filter(has_text="Earlier answers:").locator("select")

    def wait_ready(self, timeout: float = KERNEL_TIMEOUT) -> Form:
        """Interactive: the first radio is visible and enabled."""
        first = self.item(1).get_by_role("radio").first
        first.wait_for(state="visible", timeout=timeout)
        from playwright.sync_api import expect
        expect(first).to_be_enabled(timeout=timeout)
        return self


def wait_new_file(ws: Workspace, before: set[Path], timeout: float = 15.0) -> Path:
    """The one new saved-answers file that appears in the answers folder after `before`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = ws.saved_files() - before
        if new:
            assert len(new) == 1, f"one save wrote {len(new)} files: {sorted(p.name for p in new)}"
            return new.pop()
        time.sleep(0.005)  # polling a file system state
    raise AssertionError(f"no new file in {ws.answers} within {timeout} s")


# --------------------------------------------------------------------------- screenshots

_OVERFLOW_JS = """() => {
  // Scroll everything to the top and return how many pixels the tallest scroller hides.
  // A JupyterLab notebook pads its end ("scroll past end", in viewport units), so there the
  // content ends at the last cell, not at scrollHeight.
  window.scrollTo(0, 0);
  let most = document.documentElement.scrollHeight - document.documentElement.clientHeight;
  for (const e of document.querySelectorAll('*')) {
    const y = getComputedStyle(e).overflowY;
    if ((y !== 'auto' && y !== 'scroll') || e.clientHeight === 0 || e.scrollHeight <= e.clientHeight) continue;
    e.scrollTop = 0;
    let content = e.scrollHeight;
    const cells = e.querySelectorAll('.jp-Cell');
    if (cells.length && !e.closest('.lm-mod-hidden')) {
      const last = cells[cells.length - 1].getBoundingClientRect().bottom;
      content = Math.min(content, last - e.getBoundingClientRect().top + 24);
    }
    most = Math.max(most, content - e.clientHeight);
  }
  return Math.max(0, Math.ceil(most));
}"""
TWO_FRAMES_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def dismiss_lab_news(page) -> None:
    """Close JupyterLab's "get notified about official Jupyter news?" toast if it is showing,
    without answering it (answering would change a user setting)."""
    toasts = page.locator(".Toastify__toast")
    close = toasts.locator("button.jp-Notification-Toast-Close")
    for i in reversed(range(close.count())):
        try:
            close.nth(i).click(timeout=2_000)
        except Exception:  # it went away on its own
            pass
    try:
        toasts.first.wait_for(state="detached", timeout=3_000)  # after its exit animation
    except Exception:
        pass


def full_screenshot(page, path: Path, max_height: int = 12_000) -> None:
    """A screenshot of the whole page from the top: JupyterLab and Voilà scroll inside an
    element, not the document, so grow the viewport (same width) by what that element hides,
    shoot, and restore the size."""
    dismiss_lab_news(page)
    page.mouse.move(0, 0)  # no hover highlight where the last click was
    size = dict(page.viewport_size)
    overflow = page.evaluate(_OVERFLOW_JS)
    if overflow > 0:
        page.set_viewport_size({"width": size["width"], "height": min(size["height"] + overflow, max_height)})
        page.evaluate(TWO_FRAMES_JS)
        page.evaluate(_OVERFLOW_JS)  # back to the top after the re-layout
        page.evaluate(TWO_FRAMES_JS)
    page.screenshot(path=str(path), full_page=True)
    if overflow > 0:
        page.set_viewport_size(size)
        page.evaluate(TWO_FRAMES_JS)
