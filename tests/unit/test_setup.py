"""The setup commands README gives: `make lab` installs what answering needs and nothing for
the tests; `make test` installs the rest; `make app PORT=N` serves on N. Checked with
`make -n` (print, don't run) against a venv path that does not exist, so every step shows."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _plan(*args: str, tmp_path: Path) -> str:
    """What make would run, with a fresh (nonexistent) venv."""
    done = subprocess.run(["make", "-n", "-C", str(ROOT), f"VENV={tmp_path / 'venv'}", *args],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _extras(plan: str) -> set[str]:
    """The extras of every `pip install -e ".[…]"` in a plan."""
    return {x for group in re.findall(r'-e "\.\[([a-z0-9,]+)\]"', plan) for x in group.split(",")}


def test_make_lab_installs_only_what_answering_needs(tmp_path):
    extras = _extras(_plan("lab", tmp_path=tmp_path))
    assert {"ui", "lab"} <= extras
    assert not extras & {"test", "e2e", "dev"}, f"make lab installs test tools: {sorted(extras)}"


def test_make_test_installs_the_test_tools_too(tmp_path):
    assert {"ui", "lab", "test", "e2e", "dev"} <= _extras(_plan("test", tmp_path=tmp_path))


def test_make_app_serves_on_the_port_asked_for(tmp_path):
    plan = _plan("app", "PORT=9123", tmp_path=tmp_path)
    assert re.search(r"redflag app \S+ --port 9123\b", plan), plan[-500:]


def test_the_fast_tests_collect_without_playwright():
    """`pytest -m "not e2e"` on a machine without Playwright: the browser-test modules are left
    out instead of stopping collection with ImportErrors."""
    import sys
    blocked = ("import sys; sys.modules['playwright'] = None; import pytest; "
               "sys.exit(pytest.main(['--collect-only', '-q', '-p', 'no:cacheprovider', "
               "'-m', 'not e2e', 'tests/e2e']))")
    done = subprocess.run([sys.executable, "-c", blocked], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "error" not in done.stdout.lower(), done.stdout[-2000:]
    assert done.returncode == 5, done.stdout[-2000:]  # 5: nothing selected, and nothing broke


def test_requires_python_says_what_is_tested():
    """The lowest Python the package claims is the one CI and Binder run (environment.yml's pin),
    not an older one nobody tests."""
    import sys
    import tomllib

    claimed = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    pinned = re.search(r"^\s*-\s*python=(\d+)\.(\d+)\s*$", (ROOT / "environment.yml").read_text(encoding="utf-8"), re.M)
    assert pinned, "environment.yml pins no python version"
    assert claimed == f">={pinned[1]}.{pinned[2]}"
    assert sys.version_info[:2] >= (int(pinned[1]), int(pinned[2]))
