"""Support resources (data in `checklists/_resources.toml`) and their escaped HTML box.

Shown first whenever an answer raises the safety flag: a number alone is not enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .checklist import display_path, read_toml
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


def load_resources(path: Path) -> Resources:
    """Load and check the resources file; web addresses must be https (no script links)."""
    path = Path(path)
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
