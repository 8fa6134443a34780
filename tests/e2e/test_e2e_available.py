"""The browser tests need the Python package Playwright. Without it the other browser-test
modules are not collected (conftest.py), and this test says so: a skip on a person's machine,
a failure under CI, where the browser tests must run."""

from __future__ import annotations

import importlib.util

import pytest
import servers as S

pytestmark = pytest.mark.e2e


def test_playwright_is_installed():
    if importlib.util.find_spec("playwright") is None:
        S.unavailable("the Python package playwright is missing: pip install -e '.[e2e]'")
    assert importlib.util.find_spec("playwright.sync_api") is not None
