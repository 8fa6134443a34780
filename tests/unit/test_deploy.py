"""The service's settings (deploy/), read the way JupyterHub and Jupyter Server read them, without
starting anything: what `make service` listens on, who may log in, what each person's server
offers, when idle servers stop; and that the Docker and Kubernetes examples are marked as not run
here and point at the same app-view-only server. tests/e2e/test_e2e_hub.py runs the real thing.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest
from _helpers import REPO

traitlets = pytest.importorskip("traitlets.config.loader")

DEPLOY = REPO / "deploy"
HUB_CONFIG = DEPLOY / "jupyterhub" / "jupyterhub_config.py"
SINGLEUSER = DEPLOY / "jupyterhub" / "singleuser_config.py"


def _load(path: Path):
    loader = traitlets.PyFileConfigLoader(path.name, path=str(path.parent))
    return loader.load_config()


@pytest.fixture
def service_env(monkeypatch, tmp_path):
    for name, value in {"REDFLAG_SERVICE_PASSWORD": "long enough", "REDFLAG_SERVICE_USERS": "alex, sam",
                        "REDFLAG_SERVICE_DATA": str(tmp_path / "data"), "REDFLAG_SERVICE_PORT": "8123",
                        "REDFLAG_SERVICE_IDLE_TIMEOUT": "240"}.items():
        monkeypatch.setenv(name, value)
    return tmp_path / "data"


def test_the_demo_listens_on_loopback_only_and_keeps_its_files_in_the_data_folder(service_env):
    c = _load(HUB_CONFIG)
    assert c.JupyterHub.bind_url == "http://127.0.0.1:8123"
    assert c.JupyterHub.hub_ip == "127.0.0.1" and c.Spawner.ip == "127.0.0.1"
    assert c.ConfigurableHTTPProxy.api_url.startswith("http://127.0.0.1:")
    assert c.ConfigurableHTTPProxy.command == [str(REPO / "node_modules" / ".bin" / "configurable-http-proxy")]
    for path in (c.JupyterHub.db_url.removeprefix("sqlite:///"), c.JupyterHub.cookie_secret_file):
        assert Path(path).parent == service_env / ".hub"
    assert stat.S_IMODE(service_env.stat().st_mode) == 0o700


def test_only_the_listed_people_log_in_and_no_one_is_admin(service_env):
    c = _load(HUB_CONFIG)
    assert c.Authenticator.allowed_users == {"alex", "sam"}
    assert c.Authenticator.admin_users == set()
    assert c.SharedPasswordAuthenticator.user_password == "long enough"
    assert c.JupyterHub.shutdown_on_logout is True


@pytest.mark.parametrize("var, value", [("REDFLAG_SERVICE_PASSWORD", ""), ("REDFLAG_SERVICE_PASSWORD", "short"),
                                        ("REDFLAG_SERVICE_USERS", "alex,../bob"), ("REDFLAG_SERVICE_USERS", ".hub")])
def test_no_start_without_a_real_password_or_with_a_name_that_is_not_a_folder_name(service_env, monkeypatch,
                                                                                      var, value):
    monkeypatch.setenv(var, value)
    with pytest.raises(SystemExit):
        _load(HUB_CONFIG)


def test_each_persons_server_has_their_own_folders_and_lands_on_the_start_page(service_env):
    c = _load(HUB_CONFIG)

    class Spawner:  # what the config's callables read
        class user:
            name = "alex"

    env = {k: (v(Spawner) if callable(v) else v) for k, v in c.Spawner.environment.items()}
    assert env["REDFLAG_ANSWERS_DIR"] == str(service_env / "alex" / "answers")
    assert all(env[k].startswith(str(service_env / "alex")) for k in ("IPYTHONDIR", "JUPYTER_CONFIG_DIR"))
    assert c.Spawner.notebook_dir == str(service_env / "{username}" / "notebooks")
    assert c.Spawner.default_url == "/voila/render/00-start-here.ipynb"
    assert f"--config={SINGLEUSER}" in c.Spawner.args
    assert c.Spawner.disable_user_config is True


def test_idle_servers_stop_after_the_configured_time(service_env):
    c = _load(HUB_CONFIG)
    (culler,) = c.JupyterHub.services
    assert culler["command"][:3] == [sys.executable, "-m", "jupyterhub_idle_culler"]
    assert "--timeout=240" in culler["command"]
    (role,) = c.JupyterHub.load_roles
    assert role["services"] == ["idle-culler"] and "delete:servers" in role["scopes"]


def test_a_persons_server_is_the_app_view_only():
    c = _load(SINGLEUSER)
    ext = c.ServerApp.jpserver_extensions
    assert ext["voila.server_extension"] is True
    assert not any(ext[name] for name in ("jupyterlab", "notebook", "nbclassic", "jupyter_server_terminals"))
    assert c.ServerApp.terminals_enabled is False
    assert c.ServerApp.authorizer_class == "redflag_appview.AppViewAuthorizer"
    assert "execute_request" not in c.MappingKernelManager.allowed_message_types
    assert c.VoilaConfiguration.template == "redflag"


def test_the_authorizer_allows_only_what_the_app_view_needs():
    pytest.importorskip("jupyterhub")
    sys.path.insert(0, str(DEPLOY / "jupyterhub"))
    try:
        import redflag_appview
    finally:
        sys.path.remove(str(DEPLOY / "jupyterhub"))
    allowed = redflag_appview.ALLOWED
    assert ("kernels", "execute") in allowed
    for refused in (("contents", "read"), ("contents", "write"), ("files", "read"), ("terminals", "read"),
                    ("terminals", "write"), ("kernels", "write"), ("sessions", "read"), ("server", "write")):
        assert refused not in allowed


def test_the_examples_beyond_one_machine_are_marked_not_run_and_use_the_same_server():
    docker = (DEPLOY / "docker" / "jupyterhub_config.py").read_text(encoding="utf-8")
    kube = (DEPLOY / "kubernetes" / "values.yaml").read_text(encoding="utf-8")
    compile(docker, "docker/jupyterhub_config.py", "exec")
    for text in (docker, kube):
        assert "NOT RUN HERE" in text.splitlines()[0 if text is kube else 0] or "NOT RUN HERE" in text[:200]
        assert "What it protects" in text and "What it does not protect" in text
        assert "deploy/jupyterhub/singleuser_config.py" in text
        assert "/voila/render/00-start-here.ipynb" in text
        assert "redflag notebooks" in text
    yaml = pytest.importorskip("yaml")
    values = yaml.safe_load(kube)
    assert values["cull"]["enabled"] is True
    assert values["singleuser"]["networkPolicy"]["enabled"] is True
    assert values["singleuser"]["storage"]["homeMountPath"] == values["singleuser"]["extraEnv"]["REDFLAG_ANSWERS_DIR"]
