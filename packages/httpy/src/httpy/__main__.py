"""`python -m httpy run MODULE:APP` — the same as the `httpy` command."""

import sys

from httpy.cli import main

sys.exit(main())
