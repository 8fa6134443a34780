"""EXAMPLE, NOT RUN HERE: the service with one Docker container per person (DockerSpawner).

Written from DockerSpawner's documentation; nothing in this repository's tests starts Docker.
Try it on a machine of your own before relying on it. It keeps everything of
deploy/jupyterhub/jupyterhub_config.py (the hub, the login, the idle culler) except the spawner:
load that file first, then this one, e.g.

    jupyterhub -f deploy/jupyterhub/jupyterhub_config.py -f deploy/docker/jupyterhub_config.py

(JupyterHub reads several -f files in order; later settings win.) The image is built from this
repository with repo2docker (environment.yml + postBuild, as Binder builds it), which also installs
`jupyterhub-singleuser`; its major version must match the hub's:

    pip install jupyter-repo2docker dockerspawner
    repo2docker --no-run --user-name jovyan --image-name redflag-checklists:$(git rev-parse --short HEAD) .

What it protects:
- each person's server runs in a container of its own, with no view of another person's files
  or processes; their answers are on a Docker volume of their own, `redflag-answers-<name>`;
- the server is the app view only (deploy/jupyterhub/singleuser_config.py, baked into the image):
  no JupyterLab, terminals or contents API, and the browser cannot run code in a kernel;
- containers have no outside network (an internal Docker network), no extra privileges, and a
  memory and CPU limit; they are removed when stopped (the volume stays).

What it does not protect:
- anyone with root or the `docker` group on the host can read every volume (`docker run -v
  redflag-answers-<name>:/x ...`), and so can whoever reads the host's disk or its backups: the
  service's operators. Tell people so (the pages do), and offer passphrase protection, which
  keeps a run unreadable without the person's passphrase;
- the hub's database records who logged in and when;
- a shared login: whoever knows a person's password sees their answers.
"""

# ruff: noqa: F821

c.JupyterHub.spawner_class = "dockerspawner.DockerSpawner"
c.DockerSpawner.image = "redflag-checklists:latest"         # the repo2docker image (pin a tag)
c.DockerSpawner.pull_policy = "never"                       # built here, never fetched by name
c.DockerSpawner.remove = True                               # a stopped server leaves no container

# The hub must be reachable from the containers: it listens on the Docker network, not only on
# 127.0.0.1. The public address (the proxy) still stays behind your HTTPS front end.
c.JupyterHub.hub_ip = "0.0.0.0"
c.JupyterHub.hub_connect_ip = "redflag-hub"                 # the hub container's name on the network
c.DockerSpawner.network_name = "redflag-internal"           # `docker network create --internal redflag-internal`
c.DockerSpawner.use_internal_ip = True

HOME = "/home/jovyan"                                       # repo2docker puts the repository here
c.DockerSpawner.notebook_dir = f"{HOME}/pages"
c.DockerSpawner.volumes = {"redflag-answers-{username}": f"{HOME}/answers"}
c.DockerSpawner.environment = {
    "REDFLAG_ANSWERS_DIR": f"{HOME}/answers",
    "PYTHONPATH": f"{HOME}/deploy/jupyterhub",                 # redflag_appview (the authorizer)
    "JUPYTER_PATH": f"{HOME}/toolkit/share/jupyter",            # the app view's Voilà template
}
# The person's notebooks are written at start with JupyterHub's variables set, so the start page
# says where answers are kept on a service; then the app-view-only server.
c.DockerSpawner.cmd = ["sh", "-c",
                       f"mkdir -p {HOME}/pages && chmod 700 {HOME}/answers && "
                       f"redflag notebooks {HOME}/pages --force && "
                       f"exec jupyterhub-singleuser --config={HOME}/deploy/jupyterhub/singleuser_config.py"]
c.DockerSpawner.default_url = "/voila/render/00-start-here.ipynb"
# The one-machine settings that do not apply in a container: the hub's hook and arguments
# (the container writes its own notebooks, and its command above holds the server's config).
c.Spawner.pre_spawn_hook = None
c.Spawner.args = []
c.Spawner.environment = {}

c.DockerSpawner.mem_limit = "1G"
c.DockerSpawner.cpu_limit = 1.0
c.DockerSpawner.extra_host_config = {
    "cap_drop": ["ALL"],
    "security_opt": ["no-new-privileges"],
}
