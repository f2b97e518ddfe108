"""Statistical disclosure control for counts of families: what the local-area report may show.

- A count from 1 to 4 is never shown (``suppressed``), in any answer.
- A count of 5 or more is rounded to the nearest 5 (as UK official statistics do) in what is
  published (every CSV, the board print) and in an administrator's answer (the whole service,
  or a team that is not theirs): a count that moved by one between two periods then rarely
  shows it. A manager's own team keeps exact counts on screen and in the API: they can open
  those families anyway.
- A total is shown only when no cell in it is suppressed (views/reports.py), so no hidden cell
  can be worked out from it; a rounded table's totals add up its rounded cells."""
from __future__ import annotations

from collections import Counter

from ..models import User

SUPPRESS_AT_OR_BELOW = 4
ROUND_TO = 5


def rounded_for(actor: User, published: bool = False) -> bool:
    """Whether counts shown to ``actor`` are rounded: in anything published, and for anyone
    but a manager (whose reports are always their own team's)."""
    return published or not actor.is_manager


def shown(count: int, rounded: bool) -> int | None:
    """A count as it may be shown: None when suppressed (1 to 4), else exact or rounded to the
    nearest 5 (7 shows as 5, 8 as 10)."""
    if 0 < count <= SUPPRESS_AT_OR_BELOW:
        return None
    return ROUND_TO * ((count + ROUND_TO // 2) // ROUND_TO) if rounded else count


def cell_rows(cells: Counter, rounded: bool) -> list[dict]:
    """District x concern cells as the report's rows, each count as it may be shown."""
    rows = []
    for (district, concern), count in sorted(cells.items()):
        value = shown(count, rounded)
        rows.append({"district": district, "concern": concern, "count": value, "suppressed": value is None})
    return rows
