"""The package as a person installs it: build the wheel, install it (not editable) into a new
venv, and use it from an empty folder with a fresh HOME, far from this checkout.

The new venv reaches the already-installed dependencies (pandas, jinja2, …) through a plain
path entry to this venv's site-packages, so the test needs no download beyond the build
backend; a plain path entry does not run that folder's .pth files, so this checkout's editable
install is not visible there: `toolkit` can only come from the wheel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.install


def _run(argv, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv folder, environment for commands run as a new user) with the wheel installed."""
    base = tmp_path_factory.mktemp("wheel")
    build = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
                  "-q", "-w", str(base / "dist"), str(REPO)])
    assert build.returncode == 0, build.stderr[-3000:]
    [wheel] = (base / "dist").glob("redflag_checklists-*.whl")
    venv = base / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
                     ).stdout.strip())
    (site / "outer-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    inst = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                 "--disable-pip-version-check", "-q", str(wheel)])
    assert inst.returncode == 0, inst.stderr[-3000:]
    home = base / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("REDFLAG_", "XDG_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(HOME=str(home), PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
               MPLCONFIGDIR=str(home / "mpl"))
    return venv, env, home


def test_the_wheel_carries_the_checklists_and_templates(installed):
    venv, env, home = installed
    empty = home / "empty"
    empty.mkdir()
    probe = _run([str(venv / "bin" / "python"), "-c",
                  "import toolkit, json; from toolkit import shipped_dir; "
                  "print(json.dumps([toolkit.__file__, str(shipped_dir())]))"], cwd=empty, env=env)
    assert probe.returncode == 0, probe.stderr
    module, data = json.loads(probe.stdout)
    assert module.startswith(str(venv)) and data.startswith(str(venv)), "imported from the checkout"
    assert (Path(data) / "_vocabulary.toml").is_file() and (Path(data) / "_resources.toml").is_file()
    shipped = sorted(p.name for p in (REPO / "checklists").glob("*.toml"))
    assert sorted(p.name for p in Path(data).glob("*.toml")) == shipped
    archived = sorted(p.name for p in (REPO / "checklists" / "_archive").glob("*.toml"))
    assert archived and sorted(p.name for p in Path(data).glob("_archive/*.toml")) == archived
    assert (Path(module).parent / "templates" / "support.html.j2").is_file()
    # each language's wording of the checklists (checklists/<lang>/) and message catalogue (issue 19)
    # (not _archive, nor the __pycache__ that compiled.py keeps beside the files)
    languages = sorted(p.name for p in (REPO / "checklists").iterdir() if p.is_dir() and not p.name.startswith("_"))
    assert languages, "no translated checklists in the checkout"
    for lang in languages:
        words = sorted(p.name for p in (REPO / "checklists" / lang).glob("*.toml"))
        assert sorted(p.name for p in (Path(data) / lang).glob("*.toml")) == words, lang
        assert (Path(data) / lang / "README.md").is_file(), lang
    locale = Path(module).parent / "locale"
    catalogues = sorted(p.relative_to(REPO / "toolkit" / "locale").as_posix()
                        for p in (REPO / "toolkit" / "locale").glob("*/LC_MESSAGES/*.po"))
    assert catalogues and sorted(p.relative_to(locale).as_posix() for p in locale.glob("*/LC_MESSAGES/*.po")
                                 ) == catalogues
    assert (locale / "redflag.pot").is_file()
    assert (Path(module).parent / "py.typed").is_file(), "type checkers would ignore the installed package"
    voila = Path(module).parent / "share" / "jupyter" / "voila" / "templates" / "redflag"
    assert (voila / "index.html.j2").is_file() and (voila / "conf.json").is_file()
    static = sorted(p.name for p in (REPO / "toolkit" / "static").iterdir())
    assert static and sorted(p.name for p in (Path(module).parent / "static").iterdir()) == static


def test_the_installed_widgets_send_their_scripts_and_styles(installed):
    venv, env, home = installed
    probe = _run([str(venv / "bin" / "python"), "-c",
                  "import json; from toolkit.widgets import AnswerGroup, QuickExit, page_style\n"
                  "print(json.dumps([w.get_state()[k] for w in (AnswerGroup(), QuickExit(), page_style())\n"
                  "                  for k in ('_esm', '_css')]))"], cwd=home, env=env)
    assert probe.returncode == 0, probe.stderr
    static = REPO / "toolkit" / "static"
    names = [["answer_group.js"], ["answer_group.css"], ["quick_exit.js"], ["quick_exit.css", "phone.css"],
             ["page_style.js"], ["page.css"]]  # QuickExit brings the phone layout after its own styles
    assert json.loads(probe.stdout) == ["".join((static / n).read_text(encoding="utf-8") for n in parts)
                                        for parts in names]


def test_the_command_works_from_an_empty_folder_and_saves_per_user(installed):
    venv, env, home = installed
    empty = home / "somewhere-else"
    empty.mkdir()
    redflag = str(venv / "bin" / "redflag")

    listed = _run([redflag, "list"], cwd=empty, env=env)
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == len(list((REPO / "checklists").glob("[!_]*.toml")))
    valid = _run([redflag, "validate"], cwd=empty, env=env)
    assert valid.returncode == 0 and valid.stdout.startswith("ok:"), valid.stderr

    save = ("from toolkit import Answers, default_workspace\n"
            "ws = default_workspace()\n"
            "c = ws.checklists['trauma-bonding']\n"
            "print(ws.store.save(Answers(c.id, c.version, {i: 'rarely' for i in c.item_ids})))\n")
    saved = _run([str(venv / "bin" / "python"), "-c", save], cwd=empty, env=env)
    assert saved.returncode == 0, saved.stderr
    path = Path(saved.stdout.strip())
    assert path.is_relative_to(home / ".local" / "share" / "redflag-checklists" / "answers"), path
    assert list(empty.iterdir()) == [], "nothing may be written into the working directory"

    runs = _run([redflag, "runs", "--format", "json"], cwd=empty, env=env)
    assert runs.returncode == 0, runs.stderr
    assert [r["checklist"] for r in json.loads(runs.stdout)] == ["trauma-bonding"]
    scored = _run([redflag, "score", str(path), "--format", "json"], cwd=empty, env=env)
    assert scored.returncode == 0 and json.loads(scored.stdout)[0]["checklist"] == "trauma-bonding"
    report = _run([redflag, "report", "--format", "md"], cwd=empty, env=env)
    assert report.returncode == 0 and report.stdout.startswith("# Relationship checklists")

    books = home / "my-notebooks"
    written = _run([redflag, "notebooks", str(books)], cwd=empty, env=env)
    assert written.returncode == 0, written.stderr
    names = {p.name for p in books.glob("*.ipynb")}
    assert names == {p.name for p in (REPO / "notebooks").glob("*.ipynb")}
    no_folder = _run([redflag, "notebooks"], cwd=empty, env=env)
    assert no_folder.returncode == 1 and "name a folder" in no_folder.stderr

    gone = _run([redflag, "forget", "--yes"], cwd=empty, env=env)
    assert gone.returncode == 0 and "deleted 1 saved runs" in gone.stdout
    assert not path.exists()
