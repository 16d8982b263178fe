"""Write a benchmark's figures as JSON (``--json PATH``), making the folder first."""

from __future__ import annotations

import json
import os
from typing import Any


def save_json(path: str | None, figures: Any) -> None:
    """``figures`` to ``path`` (indented, UTF-8); nothing when ``path`` is empty."""
    if not path:
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(figures, fh, indent=2)
