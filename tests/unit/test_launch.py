"""`redflag lab` and `redflag app` (toolkit/launch.py): what they start, and `run_app` as a real
process. run_app must print the address with its token, keep the token off every command line
(the launcher's, Voilà's and the browser's: /proc/<pid>/cmdline is readable by every user of the
machine), hand it to Voilà in the environment, and stop Voilà on Ctrl+C.

The tests that start the app are marked `kernel`: Voilà listens on loopback (other unit tests
run with sockets blocked). They run the launcher in a subprocess, as `redflag app` does, and
stop it with SIGINT, as Ctrl+C does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

import toolkit
from toolkit.launch import (
    CSP,
    CULL_AFTER,
    JUPYTER_DATA,
    VOILA_CONFIG,
    VOILA_TEMPLATE,
    app_command,
    app_env,
    forwarding_page,
    lab_command,
    lab_env,
    voila_tornado_settings,
)

REPO = Path(__file__).resolve().parents[2]
STARTUP = 90.0   # s: Voilà's start on a busy 2-core machine (usually 2-4 s)

LAUNCHER = """\
import sys
from pathlib import Path
from toolkit.launch import run_app
sys.exit(run_app(Path(sys.argv[1]), int(sys.argv[2]), open_browser=sys.argv[3] == "open"))
"""

# Stands in for the user's browser (webbrowser honours $BROWSER): records its command line and
# the page it was asked to open, while that page still exists.
FAKE_BROWSER = """\
#!{python}
import json, os, sys
from pathlib import Path
from urllib.parse import unquote, urlsplit
url = sys.argv[1]
page = Path(unquote(urlsplit(url).path)) if url.startswith("file:") else None
Path({out!r}).write_text(json.dumps({{
    "argv": sys.argv, "path": str(page) if page else None,
    "text": page.read_text(encoding="utf-8") if page else None,
    "mode": (page.stat().st_mode & 0o777) if page else None}}))
"""


# --------------------------------------------------------------------------- commands (no sockets)


def test_lab_never_fetches_news_or_checks_for_updates_and_exposes_itself_to_our_links(tmp_path):
    argv = lab_command(tmp_path)
    assert "--LabApp.news_url=None" in argv
    assert "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate" in argv
    assert "--LabApp.expose_app_in_browser=True" in argv  # static/page_style.js opens pages in Lab tabs
    assert argv[-1].endswith("00-start-here.ipynb")


def test_the_app_uses_the_packaged_template_and_gets_the_token_from_its_environment(tmp_path):
    argv = app_command(tmp_path, port=9999)
    assert f"--template={VOILA_TEMPLATE}" in argv and "--token" in argv
    # A page's kernel is shut down once the page has gone (tests/e2e/test_e2e_privacy.py shows it).
    assert f"--MappingKernelManager.cull_idle_timeout={CULL_AFTER}" in argv
    assert "--MappingKernelManager.cull_connected=False" in argv
    assert (JUPYTER_DATA / "voila" / "templates" / VOILA_TEMPLATE / "index.html.j2").is_file()
    env = app_env("secret-token", {"JUPYTER_PATH": "/elsewhere", "HOME": "/home/x"})
    assert env["JUPYTER_TOKEN"] == "secret-token" and env["HOME"] == "/home/x"
    assert env["JUPYTER_PATH"].split(os.pathsep) == [str(JUPYTER_DATA), "/elsewhere"]
    assert app_env("t", {})["JUPYTER_PATH"] == str(JUPYTER_DATA)
    assert not any("secret-token" in a for a in argv)


@pytest.mark.parametrize("make_env", [lambda base: app_env("t", base), lab_env], ids=["app", "lab"])
def test_servers_and_their_kernels_never_get_the_passphrase(make_env):
    """Whatever the launcher's environment holds, the server's (and so every kernel's, which
    inherits it, readable in /proc/<pid>/environ) has no passphrase: pages ask for it."""
    base = {"REDFLAG_PASSPHRASE": "correct horse", "REDFLAG_NEW_PASSPHRASE": "battery staple",
            "HOME": "/home/x", "REDFLAG_ANSWERS_DIR": "/answers"}
    env = make_env(base)
    assert "REDFLAG_PASSPHRASE" not in env and "REDFLAG_NEW_PASSPHRASE" not in env
    assert not any("correct horse" in v or "battery staple" in v for v in env.values())
    assert env["HOME"] == "/home/x" and env["REDFLAG_ANSWERS_DIR"] == "/answers"
    assert env["JUPYTER_PATH"].split(os.pathsep)[0] == str(JUPYTER_DATA)   # the history-less kernel spec
    assert base["REDFLAG_PASSPHRASE"] == "correct horse"                    # the caller's copy is untouched


def test_the_app_checks_the_host_and_sends_a_content_security_policy():
    """Voilà reads its config from the package's folder only, and that config applies the Host
    check and the headers (tests/e2e: the browser side, test_launch's kernel tests: the server)."""
    assert f"--Voila.config_file_paths={VOILA_CONFIG}" in app_command(Path("/x"))
    config = SimpleNamespace(Voila=SimpleNamespace(), IdentityProvider=SimpleNamespace())
    exec((VOILA_CONFIG / "voila.py").read_text(encoding="utf-8"), {"c": config})
    settings = config.Voila.tornado_settings
    assert settings == voila_tornado_settings()
    assert settings["allow_remote_access"] is False and settings["local_hostnames"] == ["localhost"]
    assert settings["headers"]["Content-Security-Policy"] == CSP
    assert config.IdentityProvider.cookie_options == {"expires_days": None}   # a session cookie
    policy = dict(part.split(" ", 1) for part in CSP.split("; "))
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    # no inline script but Voilà's heartbeat (by its hash), no eval, no other host
    heartbeat = base64.b64encode(hashlib.sha256(b"window.voila_heartbeat()").digest()).decode()
    assert policy["script-src"] == f"'self' blob: 'sha256-{heartbeat}'"
    assert policy["connect-src"] == "'self'" and policy["object-src"] == "'none'"


def test_kernels_get_a_spec_that_keeps_no_history():
    spec = json.loads((JUPYTER_DATA / "kernels" / "python3" / "kernel.json").read_text(encoding="utf-8"))
    assert "--HistoryManager.enabled=False" in spec["argv"] and spec["argv"][0] == "python"


def test_the_forwarding_page_is_private_and_leads_to_the_address():
    url = "http://127.0.0.1:8866/voila/render/00-start-here.ipynb?token=abc&x=<1>"
    page = forwarding_page(url)
    try:
        assert page.stat().st_mode & 0o777 == 0o600
        text = page.read_text(encoding="utf-8")
        escaped = "http://127.0.0.1:8866/voila/render/00-start-here.ipynb?token=abc&amp;x=&lt;1&gt;"
        assert f'content="0;url={escaped}"' in text and f'href="{escaped}"' in text
        assert "<1>" not in text
    finally:
        page.unlink()


# --------------------------------------------------------------------------- run_app as a process


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == pid:                      # fields: state, ppid, ...
            found.append(int(stat.parent.name))
    return found


_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _status(url: str, host: str | None = None) -> tuple[int, str]:
    """Status and final address of a GET (redirects followed), with no proxy in between."""
    try:
        with _HTTP.open(urllib.request.Request(url, headers={"Host": host} if host else {}), timeout=30) as r:
            return r.status, r.url
    except urllib.error.HTTPError as exc:
        return exc.code, url


class App:
    """`run_app` in a subprocess with a private home, answers folder and notebooks."""

    def __init__(self, tmp_path: Path, open_browser: bool) -> None:
        self.folder = tmp_path / "notebooks"
        self.folder.mkdir()
        for nb in (REPO / "notebooks").glob("*.ipynb"):
            shutil.copy2(nb, self.folder / nb.name)
        self.port = _free_port()
        self.browser_out = tmp_path / "browser.json"
        fake = tmp_path / "fake-browser"
        fake.write_text(FAKE_BROWSER.format(python=sys.executable, out=str(self.browser_out)))
        fake.chmod(0o700)
        home = tmp_path / "home"
        home.mkdir()
        env = {**os.environ, "HOME": str(home), "REDFLAG_ANSWERS_DIR": str(tmp_path / "answers"),
               "BROWSER": str(fake), "PYTHONUNBUFFERED": "1",
               # the launcher imports this very toolkit, wherever the test imported it from
               "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(toolkit.__file__).parents[1]),
                                                           os.environ.get("PYTHONPATH")]))}
        env.pop("JUPYTER_TOKEN", None)
        self.log = tmp_path / "app.log"
        self._log = self.log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(self.folder), str(self.port),
             "open" if open_browser else "no"],
            stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.put(raw.decode(errors="replace"))

    def printed_url(self, timeout: float = STARTUP) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            found = re.search(r"http://\S+", line)
            if found:
                return found.group(0)
        raise AssertionError(f"run_app printed no address (exit {self.proc.poll()}):\n{self.log_text()}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def voila_pid(self) -> int:
        kids = _children(self.proc.pid)
        assert len(kids) == 1, f"run_app should start one process (Voilà), found {kids}"
        return kids[0]

    def interrupt(self, sig: int = signal.SIGINT, timeout: float = 30.0) -> int:
        """Ctrl+C (or another signal) for the launcher only: run_app must stop Voilà itself."""
        self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    def cleanup(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait(10)
        self._log.close()


@pytest.fixture
def app_factory(tmp_path):
    started: list[App] = []

    def start(open_browser: bool) -> App:
        started.append(App(tmp_path, open_browser))
        return started[-1]

    yield start
    for app in started:
        app.cleanup()


@pytest.mark.kernel
def test_run_app_prints_the_token_keeps_it_off_the_command_line_and_stops_on_ctrl_c(app_factory):
    t0 = time.monotonic()
    app = app_factory(open_browser=False)
    url = app.printed_url()
    match = re.fullmatch(rf"http://127\.0\.0\.1:{app.port}/voila/render/00-start-here\.ipynb\?token=([\w-]+)", url)
    assert match, url
    token = match.group(1)
    assert len(token) >= 32                      # secrets.token_urlsafe(24): 192 bits

    voila = app.voila_pid()
    voila_argv = _cmdline(voila)
    assert "voila" in voila_argv and "--token" in voila_argv and f"--port={app.port}" in voila_argv
    for pid, argv in ((app.proc.pid, _cmdline(app.proc.pid)), (voila, voila_argv)):
        assert not any(token in arg for arg in argv), f"the token is on the command line of {pid}: {argv}"
    environ = Path(f"/proc/{voila}/environ")
    assert f"JUPYTER_TOKEN={token}".encode() in environ.read_bytes().split(b"\0")
    assert environ.stat().st_mode & 0o777 == 0o400   # the kernel shows it to its owner only

    base = f"http://127.0.0.1:{app.port}"
    status, final = _status(f"{base}/voila/api/contents/")
    assert status == 403
    status, final = _status(f"{base}/")
    assert status == 200 and final.startswith(f"{base}/login"), final
    assert _status(f"{base}/voila/api/contents/?token={token}")[0] == 200

    app.interrupt()                              # returns once the launcher has exited
    assert not Path(f"/proc/{voila}").exists(), "Voilà is still running after Ctrl+C"
    assert token not in app.log_text()           # Voilà's log shows "?token=..." only
    print(f"\nrun_app: address printed, checked and stopped in {time.monotonic() - t0:.1f} s")


@pytest.mark.kernel
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["kill", "terminal-closed"])
def test_run_app_stops_voila_when_it_is_killed_or_its_terminal_closes(app_factory, sig):
    """Without its own handlers the launcher would die alone and leave Voilà serving the pages,
    each page's kernel still holding what was on it."""
    app = app_factory(open_browser=False)
    app.printed_url()
    voila = app.voila_pid()
    app.interrupt(sig)                           # to the launcher's pid only, as in the Ctrl+C test
    deadline = time.monotonic() + 15
    while Path(f"/proc/{voila}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{voila}").exists(), f"Voilà is still running after {sig!r} to the launcher"


def _browser_record(app, timeout: float = 30.0) -> dict:
    """What the fake browser wrote, once it is all there: the file exists a moment before its
    text (read too early, it was empty: a failure seen on a busy machine)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return json.loads(app.browser_out.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            time.sleep(0.05)                     # polling for the fake browser's record
    raise AssertionError(f"the browser was not opened within {timeout} s")


@pytest.mark.kernel
def test_run_app_opens_the_browser_without_the_token_on_its_command_line(app_factory):
    app = app_factory(open_browser=True)
    url = app.printed_url()
    token = url.split("?token=", 1)[1]
    opened = _browser_record(app)
    assert not any(token in arg for arg in opened["argv"]), opened["argv"]
    assert opened["argv"][1].startswith("file://") and opened["mode"] == 0o600
    assert f'content="0;url={url}"' in opened["text"]
    page = Path(opened["path"])
    assert re.fullmatch(r"tmp[\w]+\.html", page.name), page.name          # a neutral name...
    assert not re.search(r"redflag|checklist|relationship", opened["text"], re.I)   # ...and text
    app.interrupt()
    assert not page.exists(), "the forwarding page outlived the app"


def _wait_gone(path: Path, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)                         # polling a file system state
    return not path.exists()


@pytest.mark.kernel
def test_the_forwarding_page_is_removed_once_the_browser_has_followed_it(app_factory):
    """The page holds the token: it goes as soon as the server has sent the first page, which
    the browser can only reach by reading it (or the printed address), not at the app's end."""
    app = app_factory(open_browser=True)
    url = app.printed_url()
    page = Path(_browser_record(app)["path"])
    assert page.exists(), "the page went before the browser had followed it"
    assert _status(url.split("?")[0])[0] == 200 and page.exists()   # a login page is not the app
    assert _status(url)[0] == 200                # the browser following the page's redirect
    assert _wait_gone(page), "the forwarding page is still there after the app's first page"
    assert app.proc.poll() is None               # while the app goes on


@pytest.mark.kernel
def test_the_forwarding_page_does_not_survive_the_launcher_being_killed(app_factory):
    """SIGKILL leaves the launcher no chance to clean up: a helper that waits on a pipe from it
    removes the page when the pipe closes."""
    app = app_factory(open_browser=True)
    app.printed_url()
    page = Path(_browser_record(app)["path"])
    assert page.exists()
    os.kill(app.proc.pid, signal.SIGKILL)        # the launcher only
    app.proc.wait(10)
    assert _wait_gone(page), "the forwarding page (with the token) survived the launcher's SIGKILL"


@pytest.mark.kernel      # loopback sockets: a listener stands in for another program on the port
def test_app_refuses_a_port_something_else_listens_on(tmp_path, capsys, monkeypatch):
    """Another program on the port would otherwise answer the launcher's check, and the
    address printed (and opened) with the token would go to it."""
    from toolkit.cli import main

    opened: list[str] = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: opened.append("Popen") or pytest.fail("Voilà started"))
    monkeypatch.setattr("webbrowser.open", lambda *a, **k: opened.append("browser"))
    monkeypatch.setenv("REDFLAG_ANSWERS_DIR", str(tmp_path / "answers"))
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        code = main(["app", str(tmp_path / "notebooks"), "--port", str(port)])
    out, err = capsys.readouterr()
    assert code == 1 and opened == []
    assert f"port {port}" in err and "already in use" in err and f"--port {port + 1}" in err
    assert "token" not in out and "http" not in out + err


def _history_entries(ipythondir: Path) -> list[str]:
    """The cells IPython recorded in its history file(s) under IPYTHONDIR."""
    import sqlite3

    found = []
    for db in ipythondir.rglob("history.sqlite"):
        with sqlite3.connect(db) as con:
            found += [row[0] for row in con.execute("SELECT source FROM history")]
    return found


@pytest.mark.kernel
@pytest.mark.parametrize("make_env", [lambda base: app_env("t", base), lab_env], ids=["app", "lab"])
def test_a_kernel_started_by_the_app_or_lab_keeps_no_history(tmp_path, monkeypatch, make_env):
    """A kernel started as the app's (or Lab's) server starts one -- the "python3" spec found on
    the JUPYTER_PATH they get -- runs a page's cell and leaves nothing in IPython's history file
    (by default every cell is appended to $IPYTHONDIR/profile_default/history.sqlite, 0644)."""
    from jupyter_client.manager import start_new_kernel

    home = tmp_path / "home"
    home.mkdir()
    env = make_env({**os.environ, "HOME": str(home), "IPYTHONDIR": str(home / ".ipython"),
                    "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime")})
    for var in ("JUPYTER_PATH", "HOME", "IPYTHONDIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        monkeypatch.setenv(var, env[var])   # where the kernel spec is looked up (this process)
    manager, client = start_new_kernel(kernel_name="python3", env=env, startup_timeout=STARTUP)
    try:
        reply = client.execute_interactive('marker = "ChecklistForm(\\"trauma-bonding\\")"', timeout=STARTUP)
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)
    assert _history_entries(home / ".ipython") == []
    print(f"\nIPython files after a {manager.kernel_name} session: "
          f"{sorted(p.name for p in (home / '.ipython').rglob('*') if p.is_file())}")


@pytest.mark.kernel
def test_the_app_refuses_a_foreign_host_even_with_the_token(app_factory):
    """A web page using DNS rebinding makes the browser send its own name as Host: refused on
    every page and API, even with the token (which such a page could not know anyway); the
    names the app is opened with work (the control)."""
    app = app_factory(open_browser=False)
    url = app.printed_url()
    token = url.split("?token=", 1)[1]
    base = f"http://127.0.0.1:{app.port}"
    paths = ["/voila/render/00-start-here.ipynb", "/voila/render/summary.ipynb", "/voila/api/contents/",
             "/voila/tree", "/"]
    for path in paths:
        for host in ("evil.example", f"evil.example:{app.port}", "127.0.0.1.evil.example", "localhost.evil"):
            assert _status(f"{base}{path}?token={token}", host=host)[0] == 403, (path, host)
    for host in (f"127.0.0.1:{app.port}", f"localhost:{app.port}"):
        assert _status(f"{base}/voila/render/00-start-here.ipynb?token={token}", host=host)[0] == 200, host
    assert "evil.example" in app.log_text()   # jupyter_server's warning names the refused host
    with _HTTP.open(f"{base}/voila/render/00-start-here.ipynb?token={token}", timeout=30) as r:
        cookies = r.headers.get_all("Set-Cookie")
    assert cookies and not any("expires" in c.lower() for c in cookies), cookies   # gone with the browser


def test_run_lab_keeps_lab_state_in_a_folder_it_removes_and_gives_lab_no_passphrase(tmp_path, monkeypatch):
    """`redflag lab`: Lab's workspace file (which notebooks were open: the checklists' names)
    goes to a private temporary folder, gone once Lab has stopped; Lab's environment has no
    passphrase and finds the history-less kernel spec."""
    from toolkit import launch

    seen: dict = {}

    class FakeLab:
        def __init__(self, argv, env):
            state = Path(next(a for a in argv if a.startswith("--LabApp.workspaces_dir=")).split("=", 1)[1])
            (state / "lab-a511.jupyterlab-workspace").write_text('{"data": {"summary.ipynb": {}}}')
            seen.update(argv=argv, env=env, state=state, existed=state.is_dir(),
                        mode=state.stat().st_mode & 0o777)

        def wait(self):
            return 0

    monkeypatch.setenv("REDFLAG_PASSPHRASE", "correct horse")
    real = subprocess.Popen     # the helper that removes the folder if the launcher is killed runs for real
    monkeypatch.setattr(launch.subprocess, "Popen", lambda argv, env=None, **kw: FakeLab(argv, env)
                        if "jupyterlab" in argv else real(argv, env=env, **kw))
    assert launch.run_lab(tmp_path) == 0
    assert seen["existed"] and seen["mode"] == 0o700
    assert not seen["state"].exists(), "Lab's workspace state outlived Lab"
    assert "REDFLAG_PASSPHRASE" not in seen["env"]
    assert seen["env"]["JUPYTER_PATH"].split(os.pathsep)[0] == str(JUPYTER_DATA)
    assert seen["argv"][-1] == str(tmp_path / "00-start-here.ipynb")
