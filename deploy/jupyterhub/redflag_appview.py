"""The app-view-only single-user server: what a person's server refuses (JupyterHub, one machine).

Loaded by each person's server (`jupyterhub-singleuser`) through singleuser_config.py, with this
folder on its PYTHONPATH. JupyterHub's own authorizer already lets in only the person the server
belongs to (the hub's `access:servers!user=<name>` scope); this one narrows what that person can do
to what the app view (Voilà) needs:

- the kernel websocket of a page's kernel ("kernels", execute), whose messages are limited to
  widget traffic by `MappingKernelManager.allowed_message_types` (no code runs from the browser),
  and reading kernel and kernelspec models and the server's status;
- nothing else of Jupyter Server's API: no contents (the file browser's API), no files, no
  terminals, no sessions, no starting, restarting or deleting kernels by hand, no nbconvert, no
  settings written, no events, no shutting the server down.

JupyterLab, the classic notebook and terminals are not loaded at all (singleuser_config.py);
Voilà's own pages (/voila/…) are served to the authenticated owner only, by the hub's login.
"""

from __future__ import annotations

from jupyterhub.singleuser.extension import JupyterHubAuthorizer

#: (resource, action) pairs the app view needs; everything else is refused with 403.
ALLOWED = frozenset({
    ("kernels", "execute"),       # the page's kernel websocket (message types limited separately)
    ("kernels", "read"),          # GET /api/kernels/<id>: the page checks its kernel
    ("kernelspecs", "read"),
    ("api", "read"),              # /api/status, /api/me
    ("config", "read"),
})


class AppViewAuthorizer(JupyterHubAuthorizer):
    """JupyterHub's check (is this the server's owner?) and then the app view's allow-list."""

    def is_authorized(self, handler, user, action, resource):  # type: ignore[no-untyped-def]
        if (resource, action) not in ALLOWED:
            self.log.warning("app view: refused %s %s (%s on %s)", handler.request.method,
                             handler.request.path, action, resource)
            return False
        return super().is_authorized(handler, user, action, resource)
