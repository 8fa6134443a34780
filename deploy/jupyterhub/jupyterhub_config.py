"""The checklists as a service for many people: JupyterHub on one machine (`make service`).

A demonstration to try it out, listening on 127.0.0.1 only. Each person logs in, lands on the
start page in the app view (Voilà, no code) and gets a server of their own that offers nothing
else: no JupyterLab, no terminals, no file browser or contents API (singleuser_config.py,
redflag_appview.py). Their notebooks and their answers live in a folder of their own,
REDFLAG_SERVICE_DATA/<name>, readable by the service's account only (0700).

Settings, from the environment (`make service` passes them on):

  REDFLAG_SERVICE_PORT        the address people open: http://127.0.0.1:PORT (default 8000)
  REDFLAG_SERVICE_USERS       the accounts, comma-separated (default "alex,sam")
  REDFLAG_SERVICE_PASSWORD    the one password of the demo login (required, 8 characters or more)
  REDFLAG_SERVICE_DATA        where each person's folder is made (default: service-data/ in the
                              checkout, which git ignores)
  REDFLAG_SERVICE_IDLE_TIMEOUT  seconds without activity before a person's server is stopped
                              (default 600): a running kernel holds what was on the page
  REDFLAG_SERVICE_HUB_PORT, REDFLAG_SERVICE_PROXY_API_PORT
                              the hub's and the proxy's internal ports on 127.0.0.1 (default 8081
                              and 8001, JupyterHub's own)
  REDFLAG_EXIT_URL            where "Exit this page" goes (default: an everyday website)

**The demo login is for trying it out.** Its authenticator (JupyterHub's
SharedPasswordAuthenticator) lets anyone who knows the one shared password log in as any listed
account. A real service replaces the lines marked REAL SERVICE below with its own authenticator
(OAuth through its identity provider, e.g. `oauthenticator`'s GenericOAuthenticator or
AzureAdOAuthenticator, or LDAP with `jupyterhub-ldapauthenticator`) and, beyond one machine,
its own spawner (deploy/docker/, deploy/kubernetes/: written, not run here).
"""

# ruff: noqa: F821  (`c` is the config object JupyterHub hands this file)

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BIN = Path(sys.executable).parent                       # the venv the hub runs from
env = os.environ

PORT = int(env.get("REDFLAG_SERVICE_PORT", "8000"))
HUB_PORT = int(env.get("REDFLAG_SERVICE_HUB_PORT", "8081"))
PROXY_API_PORT = int(env.get("REDFLAG_SERVICE_PROXY_API_PORT", "8001"))
DATA = Path(env.get("REDFLAG_SERVICE_DATA") or REPO / "service-data").resolve()
IDLE_TIMEOUT = int(env.get("REDFLAG_SERVICE_IDLE_TIMEOUT", "600"))
USERS = [u.strip() for u in env.get("REDFLAG_SERVICE_USERS", "alex,sam").split(",") if u.strip()]
PASSWORD = env.get("REDFLAG_SERVICE_PASSWORD", "")

# A name becomes a folder name: letters, digits, '.', '_' and '-' only, no leading dot.
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
if len(PASSWORD) < 8:
    sys.exit("REDFLAG_SERVICE_PASSWORD must be set, 8 characters or more: choose the demo's password, "
             "e.g. `make service REDFLAG_SERVICE_PASSWORD=...`")
if not USERS or any(not NAME.fullmatch(u) for u in USERS):
    sys.exit(f"REDFLAG_SERVICE_USERS must be comma-separated lower-case names ([a-z0-9._-]), not {USERS!r}")

DATA.mkdir(mode=0o700, parents=True, exist_ok=True)
(DATA / ".hub").mkdir(mode=0o700, exist_ok=True)

# --------------------------------------------------------------------------- the hub itself
# Everything listens on 127.0.0.1: the public address (the proxy), the hub, the proxy's API and
# every person's server. A real service puts an HTTPS reverse proxy (or the Helm chart's) in front.
c.JupyterHub.bind_url = f"http://127.0.0.1:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = HUB_PORT
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PROXY_API_PORT}"
# configurable-http-proxy from npm, pinned in package.json and locked in package-lock.json.
c.ConfigurableHTTPProxy.command = [str(REPO / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(DATA / ".hub" / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{DATA / '.hub' / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(DATA / ".hub" / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(DATA / ".hub" / "jupyterhub.pid")
# Logging out stops the person's server: its kernels hold what was on their pages.
c.JupyterHub.shutdown_on_logout = True
# When the hub stops (Ctrl+C), the people's servers stop with it.
c.JupyterHub.cleanup_servers = True

# --------------------------------------------------------------------------- who can log in
# REAL SERVICE: replace these two lines with your authenticator, e.g.
#   c.JupyterHub.authenticator_class = "generic-oauth"   # pip install oauthenticator
#   c.GenericOAuthenticator.client_id / client_secret / oauth_callback_url / authorize_url / ...
# or "ldapauthenticator.LDAPAuthenticator" (pip install jupyterhub-ldapauthenticator). Keep
# `allowed_users` (or the authenticator's group rules) so that only the people you support get in.
# The demo: JupyterHub's SharedPasswordAuthenticator (DummyAuthenticator's successor since 5.3),
# one password for every listed account. For trying it out only.
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = PASSWORD
c.Authenticator.allowed_users = set(USERS)
c.Authenticator.admin_users = set()             # no one may open another person's server

# --------------------------------------------------------------------------- each person's server
# REAL SERVICE: on one machine, SimpleLocalProcessSpawner runs everyone's server as the hub's own
# OS account (so the folders are 0700 to that account, not to each person); LocalProcessSpawner
# gives each person their own system account; DockerSpawner and KubeSpawner (Zero to JupyterHub)
# give each a container and a volume: see deploy/docker and deploy/kubernetes.
c.JupyterHub.spawner_class = "simple"


def person(spawner) -> Path:
    """A person's folder: notebooks/, answers/ and the private home of their server."""
    return DATA / spawner.user.name


c.Spawner.ip = "127.0.0.1"
c.SimpleLocalProcessSpawner.home_dir_template = str(DATA / "{username}")
c.Spawner.notebook_dir = str(DATA / "{username}" / "notebooks")
c.Spawner.default_url = "/voila/render/00-start-here.ipynb"     # the start page, in the app view
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.args = [f"--config={HERE / 'singleuser_config.py'}",
                  *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])]
c.Spawner.disable_user_config = True            # no ~/.jupyter settings can turn anything back on
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 120

_toolkit_share = REPO / "toolkit" / "share" / "jupyter"   # the app view's Voilà template
c.Spawner.environment = {
    "REDFLAG_ANSWERS_DIR": lambda sp: str(person(sp) / "answers"),
    "PYTHONPATH": str(HERE),                                  # redflag_appview (the authorizer)
    "JUPYTER_PATH": str(_toolkit_share),
    "JUPYTER_CONFIG_DIR": lambda sp: str(person(sp) / ".jupyter"),
    "JUPYTER_DATA_DIR": lambda sp: str(person(sp) / ".local" / "share" / "jupyter"),
    "IPYTHONDIR": lambda sp: str(person(sp) / ".ipython"),
    "MPLCONFIGDIR": lambda sp: str(person(sp) / ".matplotlib"),
    "XDG_CACHE_HOME": lambda sp: str(person(sp) / ".cache"),
    "XDG_CONFIG_HOME": lambda sp: str(person(sp) / ".config"),
    **({"REDFLAG_EXIT_URL": env["REDFLAG_EXIT_URL"]} if env.get("REDFLAG_EXIT_URL") else {}),
}


async def prepare(spawner) -> None:
    """Before a person's server starts: their folder (0700), answers folder (0700) and their own
    copy of the notebooks, written by `redflag notebooks` with JupyterHub's variables set, so the
    start page says where answers are kept on a service (toolkit/service.py)."""
    home = person(spawner)
    for folder in (home, home / "answers", home / "notebooks"):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "toolkit", "notebooks", str(home / "notebooks"), "--force",
        env={**env, "JUPYTERHUB_USER": spawner.user.name, "REDFLAG_ANSWERS_DIR": str(home / "answers")},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"writing the notebooks for {spawner.user.name} failed: {err.decode(errors='replace')}")


c.Spawner.pre_spawn_hook = prepare

# --------------------------------------------------------------------------- idle servers stop
# A person's server and its kernels hold what was on their pages, unsaved answers included:
# jupyterhub-idle-culler (a hub service) stops every server idle for IDLE_TIMEOUT seconds.
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={IDLE_TIMEOUT}",
                f"--cull-every={max(10, min(60, IDLE_TIMEOUT // 4))}"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
