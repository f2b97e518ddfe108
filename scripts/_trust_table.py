"""Print the figures the trust tests recorded (JSON lines, tests/trust/figures.py) as a table:
scripts/_trust_table.py NAME FIGURES_FILE SECONDS. Any check's figures are printed as they
come; a record with ``bound_ok`` gets PASS or FAIL. Exits 1 when a bound failed or nothing was
recorded."""
from __future__ import annotations

import json
import sys
import textwrap

FIGURES_WIDTH = 88


def rows(path):
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def main(name, path, seconds):
    records = list(rows(path))
    print()
    print(f"Trust figures on {name} ({int(seconds) // 60} min {int(seconds) % 60} s)")
    if not records:
        print("  nothing was recorded")
        return 1
    table = []
    for record in records:
        bound = record.pop("bound_ok", None)
        check = record.pop("check", "?")
        figures = ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in record.items())
        table.append((check, {True: "PASS", False: "FAIL", None: "-"}[bound], textwrap.wrap(figures, FIGURES_WIDTH)))
    widths = [max(len(row[0]) for row in table + [("check",)]), 5]
    line = f"{{:<{widths[0]}}}  {{:<5}}  {{}}"
    print(line.format("check", "bound", "figures"))
    print(line.format("-" * widths[0], "-" * 5, "-" * FIGURES_WIDTH))
    for check, bound, figures in table:
        for index, text in enumerate(figures or [""]):
            print(line.format(check if index == 0 else "", bound if index == 0 else "", text).rstrip())
    return 1 if any(row[1] == "FAIL" for row in table) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
