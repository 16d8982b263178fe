"""``python -m sluiceway.planning plan ...``: the planner's CLI without the rest of sluiceway."""

import sys

from .cli import main

sys.exit(main())
