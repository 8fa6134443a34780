"""The project's files agree with each other: notebooks vs checklists, Binder vs pyproject."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from _helpers import SHIPPED_DIR

from toolkit import load_checklists
from toolkit.notebooks import all_notebooks, dumps, write_notebooks
from toolkit.resources import load_resources

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
RESOURCES = load_resources(SHIPPED_DIR / "_resources.toml")


def test_every_checklist_has_its_notebook_and_they_match_the_generator():
    books = all_notebooks(load_checklists(SHIPPED_DIR), RESOURCES)
    for cid in load_checklists(SHIPPED_DIR):
        assert f"{cid}.ipynb" in books
    on_disk = {p.name for p in NOTEBOOK_DIR.glob("*.ipynb")}
    assert on_disk == set(books), "run: redflag notebooks --force"
    for name, notebook in books.items():
        assert (NOTEBOOK_DIR / name).read_text(encoding="utf-8") == dumps(notebook), name


def test_notebooks_hold_at_most_two_lines_of_code_and_no_outputs():
    for path in NOTEBOOK_DIR.glob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert len(code) == 1, path.name
        lines = [ln for ln in "".join(code[0]["source"]).splitlines() if not ln.startswith("#")]
        assert len(lines) <= 2, path.name
        assert code[0]["outputs"] == [] and code[0]["execution_count"] is None, path.name
        assert "widgets" not in nb["metadata"], path.name


def test_links_between_notebooks_point_at_existing_notebooks():
    names = {p.name for p in NOTEBOOK_DIR.glob("*.ipynb")}
    for path in NOTEBOOK_DIR.glob("*.ipynb"):
        text = "".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"])
        for target in re.findall(r"\]\(([^)]+\.ipynb)\)", text):
            assert target in names, f"{path.name} links to missing {target}"


def test_write_notebooks_adds_missing_ones_without_touching_existing(tmp_path):
    checklists = load_checklists(SHIPPED_DIR)
    (tmp_path / "summary.ipynb").write_text("mine", encoding="utf-8")
    written = write_notebooks(checklists, RESOURCES, tmp_path)
    assert (tmp_path / "summary.ipynb").read_text() == "mine"
    assert tmp_path / "toxic-relationship.ipynb" in written
    cells = json.loads((tmp_path / "toxic-relationship.ipynb").read_text())["cells"]
    # one code cell: the page's words are drawn when it runs, in the person's language
    assert [c["cell_type"] for c in cells] == ["code"] and 'ChecklistForm("toxic-relationship")' in cells[0]["source"]


def _name(spec: str) -> str:
    return re.split(r"[<>=!;\s\[]", spec, maxsplit=1)[0].lower().replace("_", "-")


def _version(spec: str) -> str:
    return re.sub(r"\s", "", spec[len(_name(spec)):].split(";")[0])


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    yaml = pytest.importorskip("yaml")
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [d for d in project["dependencies"] if "python_version" not in d]
    for extra in ("ui", "lab", "test"):  # e2e (Playwright) and dev (ruff, mypy) are local only
        wanted += project["optional-dependencies"][extra]
    conda = [d for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python=", "pip"))]
    pip = [d for entry in env["dependencies"] if isinstance(entry, dict) for d in entry.get("pip", [])]
    assert {_name(d): _version(d) for d in conda + pip} == {_name(d): _version(d) for d in wanted}
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    assert python.split("=")[1] in ("3.11", "3.12")
    assert "conda-forge" in env["channels"]


def test_binder_postbuild_installs_the_toolkit_and_lab_settings():
    post = ROOT / "postBuild"
    assert post.stat().st_mode & 0o111, "postBuild must be executable"
    text = post.read_text()
    assert "pip install --no-deps -e ." in text and "overrides.json" in text
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
    overrides = json.loads((ROOT / "jupyter" / "overrides.json").read_text())
    assert overrides["@jupyterlab/notebook-extension:tracker"]["windowingMode"] == "defer"
    assert overrides["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is False
    # no "get notified about Jupyter news?" prompt, and no news or update request ever
    assert overrides["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false",
                                                                         "checkForUpdates": False}


def test_answers_folder_is_ignored_by_git():
    assert "/answers/" in (ROOT / ".gitignore").read_text().splitlines()


def test_the_start_page_has_one_h1_a_heading_per_kind_and_every_list_once():
    """The start page, as drawn: one H1, a heading for each kind of list there is, each list
    linked once with its length, and no link text used twice (a screen reader lists links)."""
    import html
    import re

    from toolkit.notebooks import SECTIONS, start_html

    checklists = load_checklists(SHIPPED_DIR)
    page = start_html(checklists, RESOURCES)
    assert len(re.findall(r"<h1[ >]", page)) == 1
    headings = [html.unescape(h) for h in re.findall(r"<h3>(.*?)</h3>", page)]
    kinds = {c.kind for c in checklists.values()}
    for kind, heading in SECTIONS:
        assert (heading in headings) == (kind in kinds), heading
    links = [(href, html.unescape(text)) for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', page)]
    texts = [text for _href, text in links]
    assert len(texts) == len(set(texts)), texts
    items = [html.unescape(re.sub(r"<[^>]+>", "", li)) for li in re.findall(r"<li>(.*?)</li>", page)]
    for c in checklists.values():
        line = next(item for item in items if item.startswith(c.title + " –"))
        assert re.search(rf"{len(c.items)} statements?, about \d+ minutes?$", line), line
        assert (f"{c.id}.ipynb", c.title) in links


def test_the_run_hint_is_code_so_the_app_view_never_shows_it():
    for path in NOTEBOOK_DIR.glob("*.ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        markdown = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert "Run All" not in markdown and "Run All" in code, path.name
