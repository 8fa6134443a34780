"""Start JupyterLab or the app view (Voilà) on this computer only, for `redflag lab|app`.

Both listen on 127.0.0.1 and need a token: a web page in the browser (DNS rebinding) or
another user of the machine cannot open the answers without it. The token travels in the
environment, not on the command line, where other users could read it in the process list;
the browser is opened on a private local page that forwards to the address, for the same reason.

Neither calls out: JupyterLab's news feed and update check are off (the settings in
jupyter/overrides.json, and here on the server as well), and the app view uses the package's
own Voilà template ("redflag", in toolkit/share/jupyter), which loads nothing from a CDN.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .errors import ToolkitError
from .i18n import _
from .notebooks import START

PORT = 8866
#: A Jupyter data folder in the package (put first on JUPYTER_PATH): Voilà's "redflag" template,
#: and the "python3" kernel spec, which starts IPython kernels with no history file (without it
#: every kernel appends each cell it runs, with the time, to ~/.ipython/.../history.sqlite).
JUPYTER_DATA = Path(__file__).resolve().parent / "share" / "jupyter"
#: Voilà's only config folder for the app: its voila.py applies `voila_tornado_settings`.
VOILA_CONFIG = Path(__file__).resolve().parent / "share" / "voila-config"
VOILA_TEMPLATE = "redflag"
#: Never handed to a server or a kernel: a page asks for the passphrase itself.
SECRET_VARIABLES = ("REDFLAG_PASSPHRASE", "REDFLAG_NEW_PASSPHRASE")

#: The app view's Content-Security-Policy, sent as an HTTP header with every response of the
#: app's server (tornado's `headers` setting; a header also covers the login page and can say
#: frame-ancestors, which a <meta> tag cannot). Measured in Chromium with Voilà 0.5.13,
#: ipywidgets 8 and anywidget 0.11 (tests/e2e/test_e2e_script.py reports any violation):
#: - script-src 'self' blob: and one hash -- Voilà's bundle, its lab extensions (widgets) and
#:   the template's static/*.js come from the server; anywidget imports each widget's ES module
#:   from a blob: URL the page's own script makes; the hash lets Voilà's heartbeat run (below).
#:   No 'unsafe-inline' and no 'unsafe-eval': the template has no inline script (see its
#:   header), so a <script> or an onerror= that reached a page from data does not run, and
#:   nothing needs eval.
#: - style-src 'self' 'unsafe-inline' -- Voilà's page and the widgets set inline styles and
#:   <style> elements (anywidget adds each widget's CSS that way). Styles cannot run script.
#: - img-src 'self' data: blob: -- charts are PNG data: URLs; the page icon is an empty data: URL.
#: - font-src 'self' data: -- Font Awesome and Lab's fonts, from Voilà's bundle.
#: - connect-src 'self' -- the page's API requests and the kernel websocket (ws: to the same
#:   host and port counts as 'self'); nothing else, so nothing can be sent anywhere.
#: - default-src 'none', object-src 'none', base-uri 'none', form-action 'self' (the login
#:   form), frame-ancestors 'none' (no other page may frame the app).
#: The one inline script the app lets run, by its hash: Voilà writes it into a page whose cell
#: takes long to run, to keep the connection alive (voila/handler.py); it calls a function of
#: static/page.js that does nothing. Only this exact text matches the hash.
HEARTBEAT = "window.voila_heartbeat()"
HEARTBEAT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(HEARTBEAT.encode()).digest()).decode()
CSP = "; ".join([
    "default-src 'none'", f"script-src 'self' blob: '{HEARTBEAT_HASH}'", "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:", "font-src 'self' data:", "connect-src 'self'",
    "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
])
#: Host names the app answers to (loopback IP addresses are always accepted): any other Host,
#: e.g. the one a web page using DNS rebinding makes the browser send, gets 403 on every page and
#: API, token or not. jupyter_server's own check, which Voilà turns off by default.
LOCAL_HOSTNAMES = ("localhost",)


#: The login cookie the token turns into (IdentityProvider.cookie_options): a session cookie,
#: gone when the browser closes, instead of one kept for 30 days.
COOKIE_OPTIONS = {"expires_days": None}


def voila_tornado_settings(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The app server's tornado settings: the Host check and the security headers; with a
    forwarding page in `env` (default: this process's environment), its removal."""
    settings: dict[str, Any] = {
        "allow_remote_access": False, "local_hostnames": list(LOCAL_HOSTNAMES),
        "headers": {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer"}}
    page = (os.environ if env is None else env).get(FORWARDING_ENV)
    if page:
        settings["log_function"] = _remove_after_first_page(Path(page))
    return settings


def _private_env(base: Mapping[str, str] | None) -> dict[str, str]:
    """`base` (default: this process's environment) without the passphrase variables, and with
    the package's Jupyter data folder first on JUPYTER_PATH (the template, the kernel spec)."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in SECRET_VARIABLES}
    env["JUPYTER_PATH"] = os.pathsep.join([str(JUPYTER_DATA), *filter(None, [env.get("JUPYTER_PATH")])])
    return env


def lab_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """JupyterLab's environment (and so its kernels'): see `_private_env`."""
    return _private_env(base)


def _root_flag() -> list[str]:
    """Jupyter refuses to run as root without a flag; give it only where the user is root."""
    return ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


#: What every JupyterLab we start is told: never fetch the news feed or check PyPI for updates
#: (even if someone turns those back on in Lab's Settings Editor), and expose Lab to the page
#: (`window.jupyterapp`) so that a link between our pages opens the page in Lab, in a tab, instead
#: of loading the whole of Lab again (static/page_style.js).
LAB_FLAGS = ("--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             "--LabApp.expose_app_in_browser=True")


def lab_command(folder: Path, workspaces: Path | None = None) -> list[str]:
    """JupyterLab on 127.0.0.1, opening the start page (Lab makes and prints its own token).

    With LAB_FLAGS. `workspaces`: where Lab keeps its workspace state (run_lab gives it a
    temporary folder)."""
    state = [f"--LabApp.workspaces_dir={workspaces}"] if workspaces is not None else []
    return [sys.executable, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1", *_root_flag(), *LAB_FLAGS,
            *state, f"--ServerApp.root_dir={folder}", str(folder / START)]


#: Seconds a page's kernel outlives the page (tab closed, page left) before it is shut down.
#: Voilà starts a kernel for every page opened and never stops one by itself; a kernel holds
#: whatever was on its page, unsaved answers included. A kernel whose page is open is kept.
CULL_AFTER = 60


def app_command(folder: Path, port: int = PORT, cull_after: int = CULL_AFTER) -> list[str]:
    """Voilà in directory mode (links between pages work) with token checking on; run it with
    `app_env`, which holds the token and lets Voilà find the template."""
    return [sys.executable, "-m", "voila", str(folder), "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", f"--template={VOILA_TEMPLATE}", "--token",
            f"--MappingKernelManager.cull_idle_timeout={cull_after}",
            f"--MappingKernelManager.cull_interval={max(1, cull_after // 2)}",
            "--MappingKernelManager.cull_connected=False", f"--Voila.config_file_paths={VOILA_CONFIG}"]


def app_env(token: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The app's environment: see `_private_env`, plus the token in JUPYTER_TOKEN."""
    env = _private_env(base)
    env["JUPYTER_TOKEN"] = token
    return env


def app_url(token: str, port: int = PORT) -> str:
    return f"http://127.0.0.1:{port}/voila/render/{START}?token={token}"


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if _port_taken(port):
            return True
        time.sleep(0.2)
    return False


#: run_app gives Voilà the forwarding page's path in this variable: the server deletes the page
#: as soon as it has served a page (the browser had read the forwarding page to get there).
FORWARDING_ENV = "REDFLAG_FORWARDING_PAGE"


def forwarding_page(url: str) -> Path:
    """A page only this user can read (0600) that sends the browser on to `url`. The browser is
    started with this file's address: a browser's command line, like any other, is visible to
    every user of the machine, and `url` holds the token. Its name and text are neutral (a
    temporary file's name, "Opening"): nothing in /tmp tells that the checklists are in use."""
    from .markup import render

    fd, name = tempfile.mkstemp(suffix=".html")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(render("forwarding.html.j2", url=url))
    return Path(name)


def _remove_after_first_page(page: Path) -> Callable[[Any], None]:
    """A tornado log_function (it runs after every request) that also deletes `page` once the
    server has sent a page (200 for /voila/render/...: only with the token), and logs the
    request as jupyter_server does (the token scrubbed from the address)."""
    from jupyter_server.log import log_request

    def log(handler: Any) -> None:
        log_request(handler)
        if handler.get_status() == 200 and "/voila/render/" in handler.request.path:
            page.unlink(missing_ok=True)

    return log


#: Removes the paths named on its first line of input once its input closes: when the launcher
#: ends in any way, SIGKILL included (the kernel closes the pipe). Its own session, so signals
#: to the terminal's process group do not stop it first. Nothing on its command line.
_SWEEPER = ("import json, os, shutil, sys\n"
            "paths = json.loads(sys.stdin.readline())\n"
            "sys.stdin.read()\n"
            "for p in paths:\n"
            "    shutil.rmtree(p, ignore_errors=True) if os.path.isdir(p) else os.path.exists(p) and os.unlink(p)\n")


def _sweeper(*paths: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-c", _SWEEPER], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    assert proc.stdin is not None
    proc.stdin.write((json.dumps([str(p) for p in paths]) + "\n").encode())
    proc.stdin.flush()
    return proc


def _stop_sweeper(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None:
        return
    if proc.stdin is not None:
        proc.stdin.close()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop_signals() -> list[signal.Signals]:
    """Closing the terminal (SIGHUP) or `kill` (SIGTERM) stop the app like Ctrl+C: by default
    they would end this launcher only and leave Voilà serving, its kernels holding the pages."""
    if threading.current_thread() is not threading.main_thread():
        return []
    return [s for s in (getattr(signal, "SIGHUP", None), signal.SIGTERM) if s is not None]


def _port_taken(port: int) -> bool:
    """Whether something already listens on 127.0.0.1:port. The launcher checks this first:
    otherwise it would see that program answer, take it for Voilà and hand it the token."""
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def run_lab(folder: Path) -> int:
    """Run JupyterLab (lab_command, with lab_env) until Ctrl+C.

    Lab saves its workspace state (the notebooks open, so the names of the checklists looked at,
    and the layout) as it goes; by default into ~/.jupyter/lab/workspaces, for good. Here it goes
    to a private temporary folder that is removed when Lab stops, in any way: Ctrl+C, the
    terminal closing, `kill`, or (by the helper waiting on a pipe) this launcher being killed.
    Lab starts with an empty layout each time; nothing else changes."""
    state = Path(tempfile.mkdtemp())
    sweeper = _sweeper(state)
    previous = {sig: signal.signal(sig, _interrupt) for sig in _stop_signals()}
    try:
        proc = subprocess.Popen(lab_command(folder, state), env=lab_env())
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            return proc.wait()
    finally:
        shutil.rmtree(state, ignore_errors=True)
        _stop_sweeper(sweeper)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_app(folder: Path, port: int = PORT, open_browser: bool = True) -> int:
    """Run the app view until Ctrl+C: print the address with its token, open it if we can."""
    if _port_taken(port):
        raise ToolkitError(_("port {port} on this computer is already in use (is the app already running?): "
                             "stop that program, or choose another port, e.g. `redflag app --port {next}`").format(
                                 port=port, next=port + 1))
    token = secrets.token_urlsafe(24)
    url = app_url(token, port)
    env = app_env(token)
    page = sweeper = None
    if open_browser:  # made first, so that Voilà knows which page to delete once it was read
        page = forwarding_page(url)
        env[FORWARDING_ENV] = str(page)
        sweeper = _sweeper(page)
    previous = {sig: signal.signal(sig, _interrupt) for sig in _stop_signals()}
    proc = subprocess.Popen(app_command(folder, port), env=env)
    try:
        if _wait_for_port(port, proc):
            print("\n" + _("The checklists are open on this computer only, at:") + f"\n\n    {url}\n\n"
                  + _("The address holds a private key (token): don't share it. Ctrl+C stops the app.") + "\n",
                  flush=True)
            if page is not None:
                try:
                    webbrowser.get().open(page.as_uri())
                except webbrowser.Error:
                    pass  # no browser here (a server, a container): the address is printed above
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        return proc.wait()
    finally:
        if page is not None:
            page.unlink(missing_ok=True)
        _stop_sweeper(sweeper)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
