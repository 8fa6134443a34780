"""Test-wide safety: no test, notebook or browser run ever touches the real answers/ folder.

Set before any kernel starts, so nbval's kernels inherit the temporary folders too.
"""

import os
import tempfile

_HOME = tempfile.mkdtemp(prefix="redflag-test-home-")
for var, sub in [("REDFLAG_ANSWERS_DIR", "answers"), ("JUPYTER_CONFIG_DIR", "jupyter-config"),
                 ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"), ("IPYTHONDIR", "ipython"),
                 ("MPLCONFIGDIR", "mpl")]:
    os.environ[var] = os.path.join(_HOME, sub)
os.environ.setdefault("MPLBACKEND", "Agg")
