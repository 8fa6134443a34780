"""Test-wide safety: no test, notebook or browser run ever touches the real answers/ folder.

Set before any kernel starts, so nbval's kernels inherit the temporary folders too. The
fixture runs in tests/fixtures/answers are copied in, so the Summary and History notebooks
render real tables and charts, and tests/notebooks checks their text on known data.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

_HOME = tempfile.mkdtemp(prefix="redflag-test-home-")
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
for var, sub in [("REDFLAG_ANSWERS_DIR", "answers"), ("JUPYTER_CONFIG_DIR", "jupyter-config"),
                 ("JUPYTER_DATA_DIR", "jupyter-data"), ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"),
                 ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "mpl")]:
    os.environ[var] = os.path.join(_HOME, sub)
os.environ.setdefault("MPLBACKEND", "Agg")
shutil.copytree(Path(__file__).parent / "tests" / "fixtures" / "answers", os.environ["REDFLAG_ANSWERS_DIR"])
