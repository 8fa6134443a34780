"""`python -m toolkit`: see toolkit.cli."""

import sys

from .cli import main

sys.exit(main())
