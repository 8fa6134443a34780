"""Notebook hygiene: committed notebooks carry no outputs, execution counts or widget state, and
running them (as JupyterLab does with saveState false, see jupyter/overrides.json) leaves no
answer in what would be saved: outputs and metadata hold no widget state and no private note.

`leaks(notebook, secrets)` is the reusable checker. It is proven to work on a notebook saved
*with* widget state (it must report it) and on a form showing resumed answers.

Every notebook runs in its own kernel (several at once, to keep this file fast), with
REDFLAG_ANSWERS_DIR pointing at a temporary copy of tests/fixtures/answers plus one run with a
planted note. The real answers/ folder is never used.
"""

from __future__ import annotations

import asyncio
import copy
import html
import json
import os
import shutil
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import nbformat
import pytest
from _helpers import SHIPPED_DIR
from nbclient import NotebookClient

from toolkit.checklist import ChecklistError, load_checklists

# These tests execute notebooks in Jupyter kernels (loopback sockets): see tests/unit/conftest.py.
pytestmark = pytest.mark.kernel


REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
FIXTURE_ANSWERS = REPO / "tests" / "fixtures" / "answers"
CORE_FILES = ("_vocabulary.toml", "_resources.toml", "avoid-partners-where.toml",
              "toxic-relationship.toml", "trauma-bonding.toml")
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
PLANTED = "PLANTED-SECRET-7731"
PLANTED_FILE = "toxic-relationship_20261005-090000_7731beef.json"
LABELS = {"Summary of your saved answers", "History of your saved answers", "Support resources"}
TIMEOUT = 60
PARALLEL = 2  # kernels running at once (one per core on the 2-core CI machine)
KERNEL_START_TRIES = 3  # jupyter_client picks free ports before the kernel binds them: a
                        # concurrent start can lose that race ("Address already in use")


# ------------------------------------------------------------------ the checker


def _strings(value: Any) -> Iterable[str]:
    """Every string (keys included) inside a JSON-like value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def _has_key(value: Any, key: str) -> bool:
    if isinstance(value, dict):
        return key in value or any(_has_key(v, key) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_key(v, key) for v in value)
    return False


def _forms(secret: str) -> set[str]:
    """The ways a secret can appear in saved output: as is, HTML-escaped, JSON-escaped."""
    return {secret, html.escape(secret), html.escape(secret, quote=False),
            json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
            html.escape(secret).replace("&#x27;", "&#39;")}


def leaks(notebook: dict, secrets: Iterable[str]) -> list[str]:
    """What a saved notebook would give away: widget state anywhere in the notebook or cell
    metadata or in an output, and any secret (in any escaping) in outputs, attachments or
    metadata. Returns one line per finding; empty means clean."""
    found: list[str] = []
    forms = {s: _forms(s) for s in secrets if s}

    def scan(value: Any, where: str) -> None:
        if isinstance(value, dict) and "widgets" in value and where.endswith("metadata"):
            found.append(f"{where}: widget state ('widgets')")
        if _has_key(value, WIDGET_STATE):
            found.append(f"{where}: widget state ({WIDGET_STATE})")
        texts = list(_strings(value))
        for secret, variants in forms.items():
            if any(v in t for t in texts for v in variants):
                found.append(f"{where}: contains the secret {secret[:40]!r}")

    scan(notebook.get("metadata", {}), "notebook metadata")
    for n, cell in enumerate(notebook.get("cells", [])):
        where = f"cell {n} ({cell.get('id', '?')})"
        scan(cell.get("metadata", {}), f"{where} metadata")
        scan(cell.get("attachments", {}), f"{where} attachments")
        for k, output in enumerate(cell.get("outputs", []) or []):
            scan(output, f"{where} output {k}")
    return found


def test_the_checker_finds_widget_state_and_secrets_in_every_place():
    clean = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    assert leaks(clean, ["s3cret <b>'x'</b>"]) == []

    nb = copy.deepcopy(clean)
    nb.metadata["widgets"] = {WIDGET_STATE: {"state": {}}}
    assert any("notebook metadata: widget state" in f for f in leaks(nb, []))

    nb = copy.deepcopy(clean)
    nb.cells[0].metadata["widgets"] = {}
    assert any("cell 0" in f and "widget state" in f for f in leaks(nb, []))

    nb = copy.deepcopy(clean)
    nb.cells[0].outputs = [nbformat.v4.new_output("display_data", data={WIDGET_STATE: {"state": {}}})]
    assert any("output 0: widget state" in f for f in leaks(nb, []))

    secret = "s3cret <b>'x'</b>"
    for data in ({"text/html": f"<td>{html.escape(secret)}</td>"}, {"text/plain": secret},
                 {"application/json": {"note": secret}}):
        nb = copy.deepcopy(clean)
        nb.cells[0].outputs = [nbformat.v4.new_output("display_data", data=data)]
        assert any("contains the secret" in f for f in leaks(nb, [secret])), data
    nb = copy.deepcopy(clean)
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"note: {secret}\n")]
    assert leaks(nb, [secret])
    nb = copy.deepcopy(clean)
    nb.metadata["widgets"] = {WIDGET_STATE: {"state": {"m": {"state": {"value": json.dumps(secret)}}}}}
    assert len(leaks(nb, [secret])) == 3  # 'widgets', the state key, and the secret


# ------------------------------------------------------------------ committed notebooks


def committed() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def test_there_are_notebooks_to_check():
    names = {p.name for p in committed()}
    assert {"00-start-here.ipynb", "summary.ipynb", "history.ipynb"} <= names
    assert len(names) >= 4


@pytest.mark.parametrize("path", committed(), ids=lambda p: p.name)
def test_committed_notebook_has_no_outputs_counts_or_widget_state(path, fixture_secrets):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name}: a cell has outputs"
            assert cell.get("execution_count") is None, f"{path.name}: a cell has an execution count"
    assert leaks(nb, fixture_secrets) == []


# ------------------------------------------------------------------ running them


@pytest.fixture(scope="module")
def fixture_secrets() -> list[str]:
    """Every note in the fixture runs (distinctive text; answer labels are too generic)."""
    notes = []
    for path in sorted(FIXTURE_ANSWERS.glob("*.json")):
        notes += [v for v in json.loads(path.read_text(encoding="utf-8")).get("notes", {}).values() if v]
    assert notes, "the fixture answers should hold at least one note"
    return notes


@pytest.fixture(scope="module")
def secrets(fixture_secrets) -> list[str]:
    return [*fixture_secrets, PLANTED]


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """The environment every kernel starts with: a temporary answers folder (fixture runs plus
    a planted one) and, when checklists/ does not load (a colleague's half-written file),
    a copy of the toolkit next to only the core checklists, first on PYTHONPATH."""
    base = tmp_path_factory.mktemp("notebook-run")
    answers = base / "answers"
    shutil.copytree(FIXTURE_ANSWERS, answers)
    env = {"REDFLAG_ANSWERS_DIR": str(answers), "MPLBACKEND": "Agg"}
    try:
        checklists = load_checklists(SHIPPED_DIR)
        if os.environ.get("REDFLAG_TEST_FORCE_CORE_COPY"):
            raise ChecklistError("forced")
    except ChecklistError:
        repo = base / "repo"
        shutil.copytree(REPO / "toolkit", repo / "toolkit",
                        ignore=shutil.ignore_patterns("__pycache__"))
        (repo / "checklists").mkdir()
        for name in CORE_FILES:
            shutil.copy2(SHIPPED_DIR / name, repo / "checklists" / name)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")]))
        checklists = load_checklists(repo / "checklists")
    c = checklists["toxic-relationship"]
    planted = {"format": "redflag-answers", "format_version": 1, "checklist": c.id,
               "checklist_version": c.version,
               "saved_at": datetime(2026, 10, 5, 9, 0, tzinfo=timezone(timedelta(hours=2))).isoformat(),
               "responses": {i: "often" for i in c.item_ids},
               "notes": {c.item_ids[0]: f"{PLANTED} (my private note)"}}
    (answers / PLANTED_FILE).write_text(json.dumps(planted, indent=2), encoding="utf-8")
    return env, set(checklists)


def _resume_notebook() -> nbformat.NotebookNode:
    """Not committed: a form that resumes the planted run, so answers and the note are on screen."""
    code = ("import os\nfrom toolkit.ui import ChecklistForm\n"
            "form = ChecklistForm('toxic-relationship')\n"
            f"form.resume_choice.value = os.path.join(os.environ['REDFLAG_ANSWERS_DIR'], {PLANTED_FILE!r})\n"
            "form.resume()\n"
            f"assert {PLANTED!r} in form.result.value and 'Resumed' in form.status.value\n"
            "form")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


async def _run(nb: nbformat.NotebookNode, store_widget_state: bool, gate: asyncio.Semaphore):
    async with gate:
        for attempt in range(1, KERNEL_START_TRIES + 1):
            fresh = copy.deepcopy(nb)
            client = NotebookClient(fresh, timeout=TIMEOUT, kernel_name="python3",
                                    store_widget_state=store_widget_state,
                                    resources={"metadata": {"path": str(NOTEBOOKS)}})
            try:
                await client.async_execute()
            except RuntimeError as exc:  # the kernel died before replying: a lost port race
                if "Kernel died" not in str(exc) or attempt == KERNEL_START_TRIES:
                    raise
                continue
            return fresh


@pytest.fixture(scope="module")
def executed(kernel_env):
    """Every committed notebook executed without widget state, plus: summary.ipynb with widget
    state, and the resume notebook both ways. {name: executed notebook dict}."""
    env, available = kernel_env
    generic = {"00-start-here.ipynb", "summary.ipynb", "history.ipynb"}
    jobs = {p.name: (nbformat.read(p, as_version=4), False) for p in committed()
            if p.name in generic or p.stem in available}
    jobs["summary.ipynb [with widget state]"] = (nbformat.read(NOTEBOOKS / "summary.ipynb", as_version=4), True)
    jobs["resume [no widget state]"] = (_resume_notebook(), False)
    jobs["resume [with widget state]"] = (_resume_notebook(), True)

    async def main():
        gate = asyncio.Semaphore(PARALLEL)
        done = await asyncio.gather(*(_run(nb, state, gate) for nb, state in jobs.values()))
        return dict(zip(jobs, done))

    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        # A thread of its own: Playwright's sync API (e2e tests, same session) keeps an event
        # loop running in the main thread, where asyncio.run() is refused.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1) as pool:
            books = pool.submit(asyncio.run, main()).result()
    return {name: json.loads(nbformat.writes(nb)) for name, nb in books.items()}


@pytest.mark.parametrize("name", [p.name for p in committed()])
def test_executed_notebook_saved_as_jupyterlab_does_leaks_nothing(executed, secrets, name):
    if name not in executed:
        pytest.skip("checklists/ does not load, and this checklist is not one of the three core "
                    "ones the tests fall back to")
    nb = executed[name]
    outputs = [o for cell in nb["cells"] for o in cell.get("outputs", [])]
    assert outputs, f"{name}: executing produced no output (did the widget display?)"
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert leaks(nb, secrets) == []
    # What a saved notebook keeps of each widget: a neutral label and a model reference.
    for output in outputs:
        if output["output_type"] in ("display_data", "execute_result"):
            plain = "".join(output["data"].get("text/plain", ""))
            assert plain in LABELS or plain.startswith("Checklist form: "), plain[:200]
            assert set(output["data"]) <= {"text/plain", "application/vnd.jupyter.widget-view+json"}


def test_the_checker_reports_widget_state_saved_by_the_summary(executed, secrets):
    nb = executed["summary.ipynb [with widget state]"]
    found = leaks(nb, secrets)
    assert any("widget state" in f for f in found), found
    # The state really is what a saved notebook would leak: the summary's own tables.
    state = json.dumps(nb["metadata"]["widgets"][WIDGET_STATE])
    assert "redflag-checklists" in state


def test_answers_on_screen_stay_out_of_a_notebook_saved_without_widget_state(executed, secrets):
    """A form showing resumed answers and the planted note: without widget state the saved
    notebook holds neither; with widget state the checker finds the note."""
    assert leaks(executed["resume [no widget state]"], secrets) == []
    found = leaks(executed["resume [with widget state]"], secrets)
    assert any("widget state" in f for f in found), found
    assert any(PLANTED in f for f in found), found
