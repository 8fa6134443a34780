"""The commands a person runs to look around (`list`, `resources`, `validate`, `notebooks`) start
quickly: they import neither pandas nor matplotlib, which only scoring, tables and charts need.
Each runs in a fresh interpreter, so nothing imported by another test can hide an import."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "matplotlib")
PROBE = ("import json, sys, contextlib, io\n"
         "from toolkit.cli import main\n"
         "with contextlib.redirect_stdout(io.StringIO()):\n"
         "    code = main(sys.argv[1:])\n"
         "print(json.dumps([code, [m for m in {heavy!r} if m in sys.modules]]))")


@pytest.mark.parametrize("argv", [["list"], ["resources"], ["resources", "--country", "GB"], ["validate"],
                                  ["notebooks", "{tmp}"]], ids=lambda a: " ".join(a))
def test_looking_around_imports_no_pandas_or_matplotlib(argv, tmp_path):
    argv = [a.format(tmp=tmp_path / "nb") for a in argv]
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv], capture_output=True,
                          text=True, timeout=120, env={"REDFLAG_ANSWERS_DIR": str(tmp_path / "answers"),
                                                       "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-2000:]
    code, heavy = json.loads(done.stdout.strip().splitlines()[-1])
    assert code == 0 and heavy == [], f"`redflag {' '.join(argv)}` imported {heavy}"
