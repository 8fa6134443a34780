"""Shared fixtures for the unit tests: the shipped checklists, a factory for Answers, and small
custom checklists (reverse-keyed items, a green-flags list). Plain helpers (the scoring oracle,
a checklist writer) are in _helpers.py.

Every expected number in the tests is computed from the loaded checklist data and vocabulary
(severities, weights, thresholds), never typed in by hand.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from _helpers import FIXED_TIME, SHIPPED_DIR, write_checklist
from hypothesis import HealthCheck, settings

from toolkit import Answers, SavedRun, load_checklists
from toolkit.checklist import load_vocabulary

settings.register_profile("unit", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "unit"))


# ------------------------------------------------------------------ checklists


@pytest.fixture(scope="session")
def checklists():
    """The shipped checklists, loaded once."""
    return load_checklists(SHIPPED_DIR)


@pytest.fixture(scope="session")
def vocab():
    """The shipped vocabulary (scale, levels, themes, rules)."""
    return load_vocabulary(SHIPPED_DIR / "_vocabulary.toml")


@pytest.fixture(scope="session")
def custom_dir(tmp_path_factory) -> Path:
    """A folder (no own vocabulary) with a red-flags list using reverse-keyed and safety items,
    and a green-flags list that shares a theme with it."""
    folder = tmp_path_factory.mktemp("custom-checklists")
    write_checklist(folder, "mixed", [
        {"id": "plain-low", "severity": 1, "themes": ["communication"]},
        {"id": "plain-reverse", "severity": 2, "reverse": True, "themes": ["reciprocity"]},
        {"id": "safe-high", "severity": 3, "safety": True, "themes": ["feeling-safe", "isolation"]},
        {"id": "safe-reverse", "severity": 2, "safety": True, "reverse": True,
         "themes": ["feeling-safe"]},
        {"id": "two-themes", "severity": 3, "themes": ["communication", "honesty-and-trust"]},
    ])
    write_checklist(folder, "good-signs", [
        {"id": "feels-safe", "severity": 3, "safety": True, "themes": ["feeling-safe"]},
        {"id": "talks-openly", "severity": 2, "themes": ["communication"]},
        {"id": "keeps-score", "severity": 1, "reverse": True, "themes": ["reciprocity"]},
    ], kind="green-flags")
    return folder


@pytest.fixture(scope="session")
def custom(custom_dir):
    return load_checklists(custom_dir)


@pytest.fixture
def shipped_copy(tmp_path) -> Path:
    """A private copy of the shipped checklists folder (vocabulary included) to mutate."""
    dest = tmp_path / "checklists"
    shutil.copytree(SHIPPED_DIR, dest)
    return dest


# ------------------------------------------------------------------ answers


@pytest.fixture(scope="session")
def make_answers():
    """Factory: Answers for a checklist. `fill` answers every item with one option first, then
    `responses` overrides; version defaults to the checklist's own."""

    def make(checklist, responses: Mapping[str, str] | None = None, *, fill: str | None = None,
             notes: Mapping[str, str] | None = None, version: int | None = None,
             saved_at: datetime | None = FIXED_TIME) -> Answers:
        """A SavedRun at `saved_at`, or a draft (saved now when saved) with saved_at=None."""
        answered = {it.id: fill for it in checklist.items} if fill else {}
        answered.update(responses or {})
        args = (checklist.id, checklist.version if version is None else version, answered, dict(notes or {}))
        return Answers(*args) if saved_at is None else SavedRun(*args, saved_at=saved_at)

    return make


@pytest.fixture
def evolved(shipped_copy):
    """Shipped checklists where toxic-relationship moved on a version: its first item was renamed
    and the old id retired. Attributes: folder, checklists (the new set), old, new, old_id, new_id."""
    old = load_checklists(SHIPPED_DIR)["toxic-relationship"]
    old_id = old.items[0].id
    new_id = f"{old_id}-renamed"
    path = shipped_copy / "toxic-relationship.toml"
    text = path.read_text(encoding="utf-8")
    top = f"version = {old.version}\n"
    assert text.count(top) == 1
    if "retired = [" in text:  # add to the list the checklist keeps already
        text = text.replace(top, f"version = {old.version + 1}\n").replace(
            "retired = [", f'retired = ["{old_id}", ', 1)
    else:
        text = text.replace(top, f"version = {old.version + 1}\nretired = [\"{old_id}\"]\n")
    text = text.replace(f'id = "{old_id}"', f'id = "{new_id}"', 1)
    path.write_text(text, encoding="utf-8")
    loaded = load_checklists(shipped_copy)
    return SimpleNamespace(folder=shipped_copy, checklists=loaded, old=old,
                           new=loaded["toxic-relationship"], old_id=old_id, new_id=new_id)


@pytest.fixture(autouse=True)
def _no_network(request):
    """Every unit test runs with sockets blocked: the toolkit must never need the network.

    Tests marked `kernel` start Jupyter kernels, which talk to the test over loopback only.
    """
    import pytest_socket

    if request.node.get_closest_marker("kernel"):
        yield
        return
    pytest_socket.disable_socket(allow_unix_socket=True)
    try:
        yield
    finally:
        pytest_socket.enable_socket()


CORE_FILES = ("_vocabulary.toml", "_resources.toml", "avoid-partners-where.toml",
              "toxic-relationship.toml", "trauma-bonding.toml")


@pytest.fixture(scope="session")
def core_dir(tmp_path_factory) -> Path:
    """A private copy of the shared data and the three core checklists: tests that fuzz or
    mutate files work on it, and checklists added later cannot change what they test."""
    folder = tmp_path_factory.mktemp("core-checklists")
    for name in CORE_FILES:
        shutil.copy2(SHIPPED_DIR / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def core(core_dir):
    """The three core checklists, loaded from `core_dir`."""
    return load_checklists(core_dir)
