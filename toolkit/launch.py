"""Start JupyterLab or the app view (Voilà) on this computer only, for `redflag lab|app`.

Both listen on 127.0.0.1 and need a token: a web page in the browser (DNS rebinding) or
another user of the machine cannot open the answers without it. The token travels in the
environment, not on the command line, where other users could read it in the process list.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import webbrowser
from pathlib import Path

from .notebooks import START

PORT = 8866


def _root_flag() -> list[str]:
    """Jupyter refuses to run as root without a flag; give it only where the user is root."""
    return ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


def lab_command(folder: Path) -> list[str]:
    """JupyterLab on 127.0.0.1, opening the start page (Lab makes and prints its own token)."""
    return [sys.executable, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1", *_root_flag(),
            f"--ServerApp.root_dir={folder}", str(folder / START)]


def app_command(folder: Path, port: int = PORT) -> list[str]:
    """Voilà in directory mode (links between pages work) with token checking on."""
    return [sys.executable, "-m", "voila", str(folder), "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--token"]


def app_url(token: str, port: int = PORT) -> str:
    return f"http://127.0.0.1:{port}/voila/render/{START}?token={token}"


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


def run_app(folder: Path, port: int = PORT, open_browser: bool = True) -> int:
    """Run the app view until Ctrl+C: print the address with its token, open it if we can."""
    token = secrets.token_urlsafe(24)
    env = {**os.environ, "JUPYTER_TOKEN": token}
    proc = subprocess.Popen(app_command(folder, port), env=env)
    try:
        if _wait_for_port(port, proc):
            url = app_url(token, port)
            print(f"\nThe checklists are open on this computer only, at:\n\n    {url}\n\n"
                  "The address holds a private key (token): don't share it. Ctrl+C stops the app.\n",
                  flush=True)
            if open_browser:
                try:
                    webbrowser.get().open(url)
                except webbrowser.Error:
                    pass  # no browser here (a server, a container): the address is printed above
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        return proc.wait()
