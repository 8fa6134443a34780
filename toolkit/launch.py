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

import html
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import webbrowser
from collections.abc import Mapping
from pathlib import Path

from .errors import ToolkitError
from .notebooks import START

PORT = 8866
#: A Jupyter data folder in the package (put first on JUPYTER_PATH): Voilà's "redflag" template.
JUPYTER_DATA = Path(__file__).resolve().parent / "share" / "jupyter"
VOILA_TEMPLATE = "redflag"


def _root_flag() -> list[str]:
    """Jupyter refuses to run as root without a flag; give it only where the user is root."""
    return ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


def lab_command(folder: Path) -> list[str]:
    """JupyterLab on 127.0.0.1, opening the start page (Lab makes and prints its own token).

    The server never fetches the Jupyter news feed or checks PyPI for updates, even if someone
    turns those settings back on in Lab's Settings Editor."""
    return [sys.executable, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1", *_root_flag(),
            "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            f"--ServerApp.root_dir={folder}", str(folder / START)]


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
            "--MappingKernelManager.cull_connected=False"]


def app_env(token: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The app's environment: `base` (default: this process's), the token in JUPYTER_TOKEN, and
    the package's Jupyter data folder first on JUPYTER_PATH."""
    env = dict(os.environ if base is None else base)
    env["JUPYTER_TOKEN"] = token
    env["JUPYTER_PATH"] = os.pathsep.join([str(JUPYTER_DATA), *filter(None, [env.get("JUPYTER_PATH")])])
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


def forwarding_page(url: str) -> Path:
    """A page only this user can read (0600) that sends the browser on to `url`. The browser is
    started with this file's address: a browser's command line, like any other, is visible to
    every user of the machine, and `url` holds the token."""
    fd, name = tempfile.mkstemp(prefix="redflag-open-", suffix=".html")
    target = html.escape(url, quote=True)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f'<meta http-equiv="refresh" content="0;url={target}"><title>Opening the checklists</title>'
                f'</head><body><p><a href="{target}">Open the checklists</a></p></body></html>\n')
    return Path(name)


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


def run_app(folder: Path, port: int = PORT, open_browser: bool = True) -> int:
    """Run the app view until Ctrl+C: print the address with its token, open it if we can."""
    if _port_taken(port):
        raise ToolkitError(f"port {port} on this computer is already in use (is the app already running?): "
                           f"stop that program, or choose another port, e.g. `redflag app --port {port + 1}`")
    token = secrets.token_urlsafe(24)
    previous = {sig: signal.signal(sig, _interrupt) for sig in _stop_signals()}
    proc = subprocess.Popen(app_command(folder, port), env=app_env(token))
    page = None
    try:
        if _wait_for_port(port, proc):
            url = app_url(token, port)
            print(f"\nThe checklists are open on this computer only, at:\n\n    {url}\n\n"
                  "The address holds a private key (token): don't share it. Ctrl+C stops the app.\n",
                  flush=True)
            if open_browser:
                page = forwarding_page(url)
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
        for sig, handler in previous.items():
            signal.signal(sig, handler)
