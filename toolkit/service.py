"""Whether the checklists run on a service (JupyterHub) rather than on one person's computer, and
the words that then say where answers are kept.

On a service the answers are not "only on this computer": they sit on the service's server, in a
folder for the person's account, and whoever runs the service may be able to reach that folder.
JupyterHub tells a person's server who it serves in its environment (JUPYTERHUB_USER,
JUPYTERHUB_SERVICE_PREFIX, …); the kernels behind the pages inherit it, and so does
`redflag notebooks` when the hub writes a person's notebooks (deploy/jupyterhub). Each view calls
one function here: the start page and the Summary's *Your data* tab (`where_kept`), the support
box (`device_note`); wherever a page says where a save goes (`place`); Binder's words only on
Binder (`on_binder`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .i18n import N_, _

#: Set by JupyterHub in the environment of every single-user server it starts.
SERVICE_ENV = ("JUPYTERHUB_USER", "JUPYTERHUB_SERVICE_PREFIX")
#: Set by BinderHub (which runs on JupyterHub) as well: Binder keeps its own words (everything
#: is deleted when the session ends; download your answers), which the pages already say.
BINDER_ENV = ("BINDER_REPO_URL", "BINDER_LAUNCH_HOST")

WHERE_KEPT = N_("Your answers are kept on this service's server, not on this device: in a folder "
                "for this account only, one file each time you save. Whoever runs the service may be "
                "able to reach that folder: ask them who can, and how long they keep it.")

DEVICE_NOTE = N_("Your answers are not on this device: they are kept on the service's server, for this "
                 "account. Anyone who can log in as you can see them, so keep your password to yourself "
                 "and log out when you are done. Someone else may still see what this device leaves "
                 "behind: downloads and your browser's history. Use \"Delete all my answers\" and your "
                 "browser's history settings to clear what was left.")


def on_service(env: Mapping[str, str] | None = None) -> bool:
    """Whether this process runs on a service's JupyterHub, not Binder's (default: this
    process's environment)."""
    env = os.environ if env is None else env
    return any(env.get(name) for name in SERVICE_ENV) and not any(env.get(name) for name in BINDER_ENV)


def on_binder(env: Mapping[str, str] | None = None) -> bool:
    """Whether this process runs on Binder (everything is deleted when the session ends), so
    only there does the start page say so."""
    env = os.environ if env is None else env
    return any(env.get(name) for name in BINDER_ENV)


def place(env: Mapping[str, str] | None = None) -> str:
    """Where a save goes, in a sentence: "this computer", or on a service "this service's server"."""
    return _("this service's server") if on_service(env) else _("this computer")


def where_kept(env: Mapping[str, str] | None = None) -> str | None:
    """On a service, where answers are kept (for *Your data*); None on a person's own computer."""
    return _(WHERE_KEPT) if on_service(env) else None


def device_note(note: str, env: Mapping[str, str] | None = None) -> str:
    """The support box's note for a shared device: on a service, the service's version."""
    return _(DEVICE_NOTE) if on_service(env) else note
