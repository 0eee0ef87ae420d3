"""Vendor the official 63->34 admin-unit lists into ddss/data/admin_units/.

Usage: python scripts/vendor_admin_units.py ../shared/reference/admin_units

The source JSON (2.3 MB + 1.8 MB) is reduced to three small CSVs the product
needs; LICENSE and SOURCE_COMMIT are copied verbatim so provenance travels
with the data.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "ddss" / "data" / "admin_units"


def main(src: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    merges = json.loads((src / "merges.json").read_text(encoding="utf-8"))["data"]
    splits = json.loads((src / "splits.json").read_text(encoding="utf-8"))["data"]

    with (OUT / "provinces_2025.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["province_code", "name"])
        for p in merges:
            w.writerow([p["level1_id"], p["name"]])

    with (OUT / "communes_2025.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["province_code", "commune_code", "name", "old_commune_codes"])
        for p in merges:
            for c in p["level2s"]:
                olds = ";".join(m["old_id"] for m in c["merges"])
                w.writerow([p["level1_id"], c["level2_id"], c["name"], olds])

    with (OUT / "communes_pre2025.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["old_province_code", "commune_code", "name", "new_commune_codes"])
        for p in splits:
            for c in p["level3s"]:
                news = ";".join(s["new_id"] for s in c["splits"])
                w.writerow([p["level1_id"], c["level3_id"], c["name"], news])

    for name in ("province_crosswalk_63_to_34.csv", "LICENSE", "SOURCE_COMMIT"):
        shutil.copyfile(src / name, OUT / name)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
