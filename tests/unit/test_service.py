"""On a service (JupyterHub) the pages say where answers are kept, not "only on this computer".

JupyterHub gives each person's server JUPYTERHUB_USER and JUPYTERHUB_SERVICE_PREFIX; the pages'
kernels inherit them, and so does `redflag notebooks` when the hub writes a person's notebooks
(deploy/jupyterhub/jupyterhub_config.py). Each view is checked both ways: on a service and on a
person's own computer (where nothing may change).
"""

from __future__ import annotations

import html
import json

import pytest
from _helpers import run_cli, workspace_for

from toolkit import service
from toolkit.markup import support_html
from toolkit.notebooks import START, start_html

HUB_ENV = {"JUPYTERHUB_USER": "alex", "JUPYTERHUB_SERVICE_PREFIX": "/user/alex/"}


@pytest.fixture
def own_computer(monkeypatch):
    for name in service.SERVICE_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def on_hub(monkeypatch):
    for name in service.BINDER_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in HUB_ENV.items():
        monkeypatch.setenv(name, value)


def _markdown(notebook: dict) -> str:
    return "".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")


@pytest.mark.parametrize("env, expected", [
    ({}, False), ({"JUPYTERHUB_USER": ""}, False), ({"JUPYTERHUB_USER": "alex"}, True),
    ({"JUPYTERHUB_SERVICE_PREFIX": "/user/alex/"}, True), ({"JUPYTER_TOKEN": "x"}, False),
    # Binder runs on JupyterHub too, and keeps its own words ("On Binder everything is deleted")
    ({"JUPYTERHUB_USER": "jovyan-abc", "BINDER_REPO_URL": "https://github.com/o/r"}, False),
    ({"JUPYTERHUB_USER": "jovyan-abc", "BINDER_LAUNCH_HOST": "https://mybinder.org/"}, False),
])
def test_a_service_is_recognised_by_what_jupyterhub_sets(env, expected):
    assert service.on_service(env) is expected


def test_start_page_on_a_service_says_where_answers_are_kept(tmp_path, checklists, on_hub):
    ws = workspace_for(tmp_path, checklists)
    text = html.unescape(start_html(checklists, ws.resources))
    assert "only on this computer" not in text and "On Binder" not in text
    assert service.WHERE_KEPT in text
    assert "may be able to reach" in text and "ask them" in text
    # the rest of the page is still there, in order, and the Summary is still linked
    assert text.index("What this is not.") < text.index(service.WHERE_KEPT) < text.index("The checklists</h2>")
    assert 'href="summary.ipynb"' in text.split("The checklists</h2>")[0]


def test_start_page_on_ones_own_computer_says_only_this_computer_and_no_binder(tmp_path, checklists, own_computer,
                                                                              monkeypatch):
    for name in service.BINDER_ENV:
        monkeypatch.delenv(name, raising=False)
    ws = workspace_for(tmp_path, checklists)
    text = start_html(checklists, ws.resources)
    assert "saved only on this computer" in text and "On Binder" not in text
    assert service.WHERE_KEPT not in text


def test_start_page_on_binder_says_everything_is_deleted(tmp_path, checklists, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "jovyan-abc")
    monkeypatch.setenv("BINDER_REPO_URL", "https://github.com/o/r")
    ws = workspace_for(tmp_path, checklists)
    text = start_html(checklists, ws.resources)
    assert "On Binder" in text and "deleted when the session" in text and service.WHERE_KEPT not in text
    assert service.on_binder() and not service.on_binder({}) and not service.on_binder(HUB_ENV)


def test_support_box_device_note_on_a_service(tmp_path, checklists, on_hub):
    box = support_html(workspace_for(tmp_path, checklists).resources)
    assert service.DEVICE_NOTE.split(":")[0] in box and "log out" in box


def test_support_box_device_note_on_ones_own_computer(tmp_path, checklists, own_computer):
    ws = workspace_for(tmp_path, checklists)
    box = support_html(ws.resources)
    assert "log out" not in box and ws.resources.device_note.split(",")[0] in box


@pytest.mark.parametrize("hub", [True, False])
def test_summary_your_data_says_where_answers_are_kept(tmp_path, checklists, monkeypatch, hub):
    from toolkit.ui import Summary

    for name, value in HUB_ENV.items():
        if hub:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)
    summary = Summary(workspace_for(tmp_path, checklists))
    intro = html.unescape(summary.data_tab.children[0].value)
    assert str(tmp_path) in intro
    assert ("only on this computer" in intro) is not hub
    assert ("kept on this service's server" in intro) is hub


def test_the_start_notebook_holds_no_words_of_a_place(tmp_path, capsys, on_hub):
    """The hub writes a person's notebooks with `redflag notebooks DIR --force` (pre_spawn_hook);
    the start page's words are drawn when it runs (ui.StartPage), so its notebook says nothing of
    a place that could be wrong elsewhere."""
    code, _, err = run_cli(capsys, "notebooks", str(tmp_path), "--force")
    assert code == 0, err
    book = json.loads((tmp_path / START).read_text(encoding="utf-8"))
    assert _markdown(book) == "" and "StartPage()" in "".join(c["source"] for c in book["cells"])


def test_a_form_and_its_notebook_say_where_a_save_goes(tmp_path, checklists, on_hub):
    """Every "on this computer" a form shows (header, whose how-to is drawn when it runs, and
    Save's tooltip) names the service's server instead; the message after Save names no place at all
    (issue 18: "Saved. Your result is below.")."""
    from toolkit.ui import ChecklistForm, Summary

    form = ChecklistForm("toxic-relationship", workspace_for(tmp_path, checklists))
    form.choices[next(iter(form.choices))].value = "often"
    form.save_button.click()
    summary = Summary(workspace_for(tmp_path, checklists))
    summary.ask_delete()
    assert "this computer" not in form.status.value and "Saved." in form.status.value
    assert "Save my answers</b> keeps them only on this service's server" in html.unescape(form.header.value)
    shown = [form.header.value, form.save_button.tooltip, summary.confirm_text.value]
    for text in shown:
        assert "this computer" not in text and "service" in html.unescape(text), text


def test_a_form_on_ones_own_computer_still_says_this_computer(tmp_path, checklists, own_computer):
    from toolkit.ui import ChecklistForm

    form = ChecklistForm("toxic-relationship", workspace_for(tmp_path, checklists))
    assert "this computer" in form.header.value and "this computer" in form.save_button.tooltip
