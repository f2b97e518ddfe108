"""Figures recorded by the trust tests, for ``scripts/trust-report`` to print.

``scale(small, full)`` is the count a loop should run: ``small`` in the ordinary suite (and CI),
``full`` when CASEWORK_TRUST_FULL=1. ``record(check, **figures)`` appends one JSON line to the
file named by CASEWORK_TRUST_FIGURES, when it is set; the test still asserts the bound itself."""
from __future__ import annotations

import json
import os


def full() -> bool:
    return os.environ.get("CASEWORK_TRUST_FULL") == "1"


def scale(small: int, full_count: int) -> int:
    return full_count if full() else small


def record(check: str, **figures) -> None:
    path = os.environ.get("CASEWORK_TRUST_FIGURES")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps({"check": check, **figures}, default=str) + "\n")
