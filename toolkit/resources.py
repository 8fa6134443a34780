"""Support resources (data in `checklists/_resources.toml`) and their escaped HTML box.

Shown first whenever an answer raises the safety flag: a number alone is not enough.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from .checklist import DEFAULT_DIR, display_path, read_toml
from .errors import ChecklistError

RESOURCES_FILE = "_resources.toml"


@dataclass(frozen=True)
class Resource:
    name: str
    region: str
    when: str
    phone: str = ""
    web: str = ""


@dataclass(frozen=True)
class Resources:
    heading: str
    message: str
    disclaimer: str
    items: tuple[Resource, ...]


def load_resources(path: Path | None = None) -> Resources:
    """Load and check the resources file; web addresses must be https (no script links)."""
    path = Path(path) if path is not None else DEFAULT_DIR / RESOURCES_FILE
    data = read_toml(path)
    where = display_path(path)
    items = []
    for n, raw in enumerate(data.get("resources") or [], start=1):
        if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) and raw[k].strip()
                                                for k in ("name", "region", "when")):
            raise ChecklistError(f"{where}: resource {n} needs name, region and when")
        unknown = set(raw) - {"name", "region", "when", "phone", "web"}
        if unknown:
            raise ChecklistError(f"{where}: resource '{raw['name']}': unknown key '{sorted(unknown)[0]}'")
        for key in ("phone", "web"):
            if key in raw and not isinstance(raw[key], str):
                raise ChecklistError(f"{where}: resource '{raw['name']}': {key} must be text")
        web = raw.get("web", "")
        if web and not web.startswith("https://"):
            raise ChecklistError(f"{where}: resource '{raw['name']}': web must start with https://")
        if not raw.get("phone") and not web:
            raise ChecklistError(f"{where}: resource '{raw['name']}': needs a phone or a web address")
        items.append(Resource(**{k: str(v).strip() for k, v in raw.items()}))
    if not items:
        raise ChecklistError(f"{where}: no [[resources]] entries")
    texts = {k: str(data.get(k, "")).strip() for k in ("heading", "message", "disclaimer")}
    if not all(texts.values()):
        raise ChecklistError(f"{where}: heading, message and disclaimer are required")
    return Resources(items=tuple(items), **texts)


def resources_html(resources: Resources, urgent: bool = True) -> str:
    """The support box as HTML. Everything from data is escaped; only https links are made."""
    esc = html.escape
    rows = []
    for r in resources.items:
        parts = [f"<b>{esc(r.name)}</b> <span>({esc(r.region)})</span>"]
        if r.phone:
            parts.append(f"<span class='redflag-phone'>{esc(r.phone)}</span>")
        if r.web:
            parts.append(f"<a href='{esc(r.web, quote=True)}' target='_blank' rel='noopener noreferrer'>"
                         f"{esc(r.web.removeprefix('https://'))}</a>")
        rows.append(f"<li>{' · '.join(parts)}<br><small>{esc(r.when)}</small></li>")
    style = ("border:2px solid #b45309;background:#fffbeb;color:#1f2937;" if urgent
             else "border:1px solid #9ca3af;background:#f9fafb;color:#1f2937;")
    message = f"<p>{esc(resources.message)}</p>" if urgent else ""
    return (f"<div class='redflag-support' role='region' aria-label='Support resources' "
            f"style='{style}padding:0.8em 1em;border-radius:6px;margin:0.5em 0;'>"
            f"<h3 style='margin-top:0'>{esc(resources.heading)}</h3>{message}"
            f"<ul style='padding-left:1.2em'>{''.join(rows)}</ul></div>")


def disclaimer_html(resources: Resources) -> str:
    return f"<p class='redflag-disclaimer'><small>{html.escape(resources.disclaimer)}</small></p>"
