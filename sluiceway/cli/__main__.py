"""``python -m sluiceway.cli ...``: the same as the ``sluiceway`` command."""

import sys

from sluiceway.cli import main

sys.exit(main())
