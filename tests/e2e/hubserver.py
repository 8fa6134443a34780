"""The demo service (deploy/jupyterhub) for the browser test and benchmarks/bench_hub.py.

Starts JupyterHub from this venv with the repository's own jupyterhub_config.py, as
`make service` does, but on free ports (the public one, the hub's and the proxy's API), with
a private HOME and data folder, a random password and the Exit button leaving for about:blank.
Everything listens on 127.0.0.1 (the config says so; `Hub.listeners` checks it).

Stopping: SIGTERM to the hub's process group (the hub stops the people's servers and the proxy
itself: cleanup_servers), then whatever is left of what it started (found by its working folder,
which is inside this test's private folder, or by the proxy's pid file) is killed by its id.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import servers as S

REPO = S.REPO
CONFIG = REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"
PROXY = REPO / "node_modules" / ".bin" / "configurable-http-proxy"
HUB_TIMEOUT = 60.0
SPAWN_TIMEOUT = 90_000     # ms: login -> the person's start page (server start + first kernel)


def missing() -> str | None:
    """Why the service cannot start here, or None."""
    try:
        import jupyterhub  # noqa: F401
        import jupyterhub_idle_culler  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is missing: pip install -e '.[hub]' (make setup-test installs it)"
    if not PROXY.exists():
        return "configurable-http-proxy is missing: run `make axe` (npm ci)"
    return None


class Hub:
    def __init__(self, root: Path, users: list[str], idle_timeout: int = 600) -> None:
        self.root = root
        self.data = root / "service-data"
        self.users = users
        self.password = secrets.token_urlsafe(12)
        self.ws = S.Workspace(root)          # private HOME and Jupyter folders, logs
        self.port, hub_port, api_port = S.free_port(), S.free_port(), S.free_port()
        env = self.ws.env()
        env.pop("REDFLAG_ANSWERS_DIR", None)  # each person's comes from the config
        env.update({
            "REDFLAG_SERVICE_PORT": str(self.port), "REDFLAG_SERVICE_HUB_PORT": str(hub_port),
            "REDFLAG_SERVICE_PROXY_API_PORT": str(api_port), "REDFLAG_SERVICE_DATA": str(self.data),
            "REDFLAG_SERVICE_USERS": ",".join(users), "REDFLAG_SERVICE_PASSWORD": self.password,
            "REDFLAG_SERVICE_IDLE_TIMEOUT": str(idle_timeout),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        })
        self.server = S.Server("jupyterhub", [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)],
                               root, env, self.ws.logs / "hub.log", self.port, "/hub/health")
        self.url = self.server.url

    def wait_ready(self) -> Hub:
        self.server.wait_ready(HUB_TIMEOUT)
        return self

    def person(self, name: str) -> Path:
        return self.data / name

    def saved_files(self, name: str) -> set[Path]:
        answers = self.person(name) / "answers"
        # saved runs; not the passphrase's key file (.redflag-key.json) or settings (.settings.json)
        return {p for p in answers.glob("*.json") if not p.name.startswith(".")} if answers.is_dir() else set()

    def login(self, page, name: str, password: str | None = None, page_path: str | None = None) -> None:
        """Log in through the hub's own login page, as a person does. `page_path` (e.g.
        "voila/render/summary.ipynb"): land there instead of on the start page. The hub starts a
        server only through /hub/spawn (a link to /user/<name>/… of a stopped server shows
        "Server not running"), so the login is sent on to /hub/spawn/<name>?next=<the page>."""
        query = ""
        if page_path:
            spawn = f"/hub/spawn/{name}?next=" + urllib.parse.quote(f"/user/{name}/{page_path}", safe="/")
            query = "?next=" + urllib.parse.quote(spawn, safe="")
        page.goto(f"{self.url}/hub/login{query}", timeout=S.KERNEL_TIMEOUT)
        page.locator("input[name=username]").fill(name)
        page.locator("input[name=password]").fill(self.password if password is None else password)
        page.locator("input[type=submit], button[type=submit]").first.click()

    def start_page(self, name: str) -> re.Pattern[str]:
        return re.compile(rf"{re.escape(self.url)}/user/{re.escape(name)}/voila/render/00-start-here\.ipynb$")

    def ours(self) -> set[int]:
        """Processes the hub started that are still running: the proxy (its pid file) and every
        process working inside this test's folder (people's servers and their kernels)."""
        pids: set[int] = set()
        pidfile = self.data / ".hub" / "proxy.pid"
        if pidfile.exists():
            try:
                pids.add(int(pidfile.read_text().strip()))
            except ValueError:
                pass
        root = str(self.root.resolve())
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cwd = os.readlink(proc / "cwd")
            except OSError:
                continue
            if cwd == root or cwd.startswith(root + os.sep):
                pids.add(int(proc.name))
        pids.discard(os.getpid())
        return {p for p in pids if Path(f"/proc/{p}").exists()}

    def stop(self) -> None:
        # The idle culler takes ~30 s to leave when the hub asks it to; it holds nothing, so it
        # is stopped first (by its id), and the hub then stops the people's servers and the proxy.
        for pid in self.ours():
            try:
                if b"jupyterhub_idle_culler" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)
            except (OSError, ProcessLookupError):
                pass
        self.server.terminate()
        self.server.wait_stopped(grace=20)
        deadline = time.monotonic() + 10
        left = self.ours()
        while left and time.monotonic() < deadline:
            for pid in left:
                try:
                    os.kill(pid, signal.SIGTERM if time.monotonic() < deadline - 5 else signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.2)  # polling process state
            left = self.ours()

    def listeners(self) -> list[str]:
        """Local addresses of the TCP sockets listening in the hub's processes (for the check
        that nothing listens beyond 127.0.0.1)."""
        out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=False).stdout
        pids = self.ours() | {self.server.proc.pid}
        found = []
        for line in out.splitlines():
            if any(f"pid={p}," in line for p in pids):
                found.append(line.split()[3])
        return found


def start_hub(root: Path, users: list[str], idle_timeout: int = 600, attempts: int = 3) -> Hub:
    """A running demo service; a port taken in between is retried on others."""
    for attempt in range(1, attempts + 1):
        hub = Hub(root, users, idle_timeout)
        try:
            return hub.wait_ready()
        except RuntimeError:
            log = hub.server.log_tail(6000)
            hub.stop()
            if attempt == attempts or "address already in use" not in log.lower():
                raise
            shutil.rmtree(hub.data, ignore_errors=True)
    raise AssertionError("unreachable")  # pragma: no cover
