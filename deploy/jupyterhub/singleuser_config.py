"""Jupyter Server settings for each person's server on the service: the app view and nothing else.

JupyterHub starts `jupyterhub-singleuser --config=<this file>` (see jupyterhub_config.py). The
server is Jupyter Server with Voilà as an extension; the page a person lands on is the start page
in the app view, with the package's own Voilà template ("redflag"), which loads nothing from a CDN.
"""

# ruff: noqa: F821  (`c` is the config object Jupyter hands this file)

# Only Voilà (and JupyterHub's own single-user extension, which jupyterhub-singleuser loads itself).
# Installed extensions that would offer code, files or a shell are switched off by name.
c.ServerApp.jpserver_extensions = {
    "voila.server_extension": True,
    "jupyterlab": False,
    "notebook": False,
    "nbclassic": False,
    "jupyter_lsp": False,
    "jupyter_server_terminals": False,
    "jupyterlab_server": False,
    "notebook_shim": False,
}
c.ServerApp.terminals_enabled = False
# What the owner may do once the hub has let them in: see redflag_appview.py.
c.ServerApp.authorizer_class = "redflag_appview.AppViewAuthorizer"
# A page's kernel takes widget messages only, as standalone Voilà does: the browser cannot run code.
c.MappingKernelManager.allowed_message_types = [
    "comm_open", "comm_close", "comm_msg", "comm_info_request", "kernel_info_request", "shutdown_request",
]
# A kernel whose page has gone is shut down after a minute (Voilà never stops one itself), as
# `redflag app` does: it holds whatever was on the page.
c.MappingKernelManager.cull_idle_timeout = 60
c.MappingKernelManager.cull_interval = 30
c.MappingKernelManager.cull_connected = False

c.VoilaConfiguration.template = "redflag"
# Voilà serves files beside the notebooks only if they match; the notebooks need none.
c.VoilaConfiguration.file_allowlist = []
