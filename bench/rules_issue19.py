"""The checks issue #19 added (book closures F7/L6, cards L4, one person under two IDs
S1) against a hand-written floor, in the same run on the same province file.

Product: each new check's own SQL (``fails_sql``, what the findings scan runs), counted.
Floor: one plain query per family giving the same counts (a GROUP BY join of entries per
book; a GROUP BY on (mother, DOB, sex, name) for S1; the card predicates inlined). Both
are timed twice in one process, best of two; the counts must agree.

    .venv/bin/python bench/rules_issue19.py [persons]   (default 200 000)
"""

from __future__ import annotations

import sys
import tempfile

from _common import in_child, write

PREPARE = """
from pathlib import Path
from ddss.ingest import ingest_inbox
from ddss.settings import Settings
from ddss.checks import views
from ddss import store
from generators.province import generate
root = Path(sys.argv[1])
s = Settings.load(data_dir=root / "data", reports_dir=root / "reports", gx_dir=root / "gx")
g = generate(province="79", persons=int(sys.argv[2]), seed=7, defect_rate=0.01, out=root / "batch", fmt="parquet")
ingest_inbox(s, "79", g.inbox)
with store.writer(s.province_db("79")) as con:
    views.refresh(con)
OUT = {"rows": g.rows}
"""

MEASURE = """
import datetime as dt
from pathlib import Path
import duckdb
from ddss.checks import reference
from ddss.checks.render import current_view, fails_sql
from ddss.rules.catalog import all_checks
from ddss.rules.text import name_key_sql
from ddss.settings import Settings
root = Path(sys.argv[1])
s = Settings.load(data_dir=root / "data", reports_dir=root / "reports", gx_dir=root / "gx")
AS_OF = dt.date(2026, 11, 1)
con = duckdb.connect(str(s.province_db("79")))
reference.load(con)
NEW = ("book_closure.", "population.card_", "population.same_person_two_ids")
checks = [c for c in all_checks() if c.predicate is not None and c.check_id.startswith(NEW)]

def best(q):
    out = []
    for _ in range(2):
        t = time.perf_counter()
        n = con.execute(q).fetchone()
        out.append(time.perf_counter() - t)
    return min(out), n

# The checks the floor answers: the book counts (F7, L6), S1 and the expired cards.
COMPARED = {c.check_id for c in checks if c.check_id.endswith(("_entries_missing", "_entries_extra", "_not_digitised"))}
COMPARED |= {"population.same_person_two_ids", "population.card_expired"}
product, counts, seconds = 0.0, {}, {}
for c in checks:
    q = f"SELECT count(*) FROM (SELECT ({fails_sql(c, s, AS_OF, '79')}) AS f FROM {current_view(c.dataset)} t) WHERE f"
    sec, (n,) = best(q)
    if c.check_id in COMPARED:
        product += sec
    counts[c.check_id], seconds[c.check_id] = n, round(sec, 4)

civil = " UNION ALL ".join(
    f"SELECT '{code}' AS ev, registering_commune_code AS c, register_book AS b FROM cur_{d}"
    for code, d in (("KS", "birth"), ("KT", "death"), ("KH", "marriage"))
)
floor_books = (
    "SELECT count(*) FILTER (WHERE coalesce(n, 0) < total_entries AND NOT (coalesce(n, 0) = 0 AND book_year < 2025)), "
    "count(*) FILTER (WHERE coalesce(n, 0) > total_entries), "
    "count(*) FILTER (WHERE coalesce(n, 0) = 0 AND total_entries > 0 AND book_year < 2025) "
    f"FROM cur_book_closure k LEFT JOIN (SELECT ev, c, b, count(*) AS n FROM ({civil}) GROUP BY ALL) e "
    "ON e.ev = k.event_type AND e.c = k.registering_commune_code AND e.b = k.register_book "
    "WHERE k.total_entries >= 0 AND k.event_type IN ('KS', 'KT', 'KH') AND k.register_book IS NOT NULL"
)
floor_s1 = (
    "SELECT sum(n - 1) FROM (SELECT count(DISTINCT person_id) AS n FROM cur_population "
    f"WHERE mother_person_id IS NOT NULL AND person_id IS NOT NULL AND date_of_birth IS NOT NULL AND full_name IS NOT NULL "
    f"GROUP BY mother_person_id, date_of_birth, sex, {name_key_sql('full_name')})"
)
floor_cards = (
    "SELECT count(*) FILTER (WHERE date_of_death IS NULL AND id_card_expiry_date < DATE '2026-11-01') FROM cur_population"
)
floor, floor_counts = 0.0, {}
for name, q in (("books", floor_books), ("same_person", floor_s1), ("cards_expired", floor_cards)):
    sec, n = best(q)
    floor += sec
    floor_counts[name] = list(n)
book_total = sum(v for k, v in counts.items() if k in COMPARED and k.startswith("book_closure."))
OUT = {
    "product_seconds": round(product, 3),
    "floor_seconds": round(floor, 3),
    "all_new_checks_seconds": round(sum(seconds.values()), 3),
    "seconds_per_check": seconds,
    "counts": counts,
    "floor_counts": floor_counts,
    "agree": {
        "books": sum(floor_counts["books"]) == book_total,
        "same_person": (floor_counts["same_person"][0] or 0) == counts["population.same_person_two_ids"],
        "cards_expired": floor_counts["cards_expired"][0] == counts["population.card_expired"],
    },
}
"""


def main() -> None:
    persons = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with tempfile.TemporaryDirectory(prefix="ddss-bench-19-") as tmp:
        prepared = in_child(PREPARE, tmp, str(persons))
        measured = in_child(MEASURE, tmp)
    ratio = measured["product_seconds"] / measured["floor_seconds"] if measured["floor_seconds"] else None
    write(
        "rules_issue19",
        {
            "persons": persons,
            "rows": prepared["rows"],
            "prepare_seconds": prepared["process_seconds"],
            **measured,
            "ratio_product_to_floor": round(ratio, 2) if ratio else None,
            "note": "product = the 11 new count checks (9 book totals, S1, expired cards), each its own SQL counted one "
            "by one as the findings scan runs it; floor = 3 hand-written queries giving the same counts; best of 2. "
            "all_new_checks_seconds: every new check (25) one by one",
        },
    )


if __name__ == "__main__":
    main()
