"""The bookkeeping of defect injection (generators/defects/plan.py, helpers.py): updates held
back and applied per column must read exactly as updates applied one by one; the manifest
built once must hold every recorded row; the cheaper tests (hashes, a character class)
must answer as the plain ones."""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
import polars as pl
import pytest

from generators.defects.helpers import among, nfd_differs, unreferenced
from generators.defects.plan import MANIFEST_SCHEMA, Plan


def _plan() -> Plan:
    pop = pl.DataFrame(
        {
            "person_id": ["001", "002", "003", "004"],
            "full_name": ["An", "Bình", "Chi", "Dũng"],
            "date_of_birth": [dt.date(1990, 1, d) for d in (1, 2, 3, 4)],
        }
    )
    return Plan({"population": pop}, 0.25, 1, {"province": "79", "as_of": dt.date(2026, 11, 1)})


def test_a_held_update_is_seen_by_the_next_read():
    plan = _plan()
    plan.update("population", np.array([1]), "full_name", ["Bình  "])
    plan.update("population", np.array([3]), "date_of_birth", [dt.date(2000, 1, 1)])
    pop = plan.frames["population"]
    assert pop["full_name"].to_list() == ["An", "Bình  ", "Chi", "Dũng"]
    assert pop["date_of_birth"][3] == dt.date(2000, 1, 1) and pop["date_of_birth"][0] == dt.date(1990, 1, 1)
    assert pop.schema["date_of_birth"] == pl.Date  # the column keeps its type


def test_a_row_updated_twice_keeps_the_last_value():
    plan = _plan()
    plan.update("population", np.array([0, 2]), "full_name", ["X", "Y"])
    plan.update("population", np.array([2]), "full_name", [None])
    assert plan.frames["population"]["full_name"].to_list() == ["X", "Bình", None, "Dũng"]


def test_an_append_sees_the_held_updates_and_rows_keep_their_index():
    plan = _plan()
    plan.update("population", np.array([0]), "full_name", ["Ân"])
    idx = plan.append("population", plan.frames["population"][[0]])
    assert idx.tolist() == [4] and plan.frames["population"]["full_name"].to_list()[4] == "Ân"
    plan.update("population", idx, "full_name", ["ÂN"])
    assert plan.result().frames["population"]["full_name"].to_list() == ["Ân", "Bình", "Chi", "Dũng", "ÂN"]


def test_updates_after_an_append_keep_every_column_cut_alike():
    """Appended rows are a chunk of their own (no copy of the frame); an update touching both
    chunks keeps each column cut at the same row, with the right values on each side."""
    plan = _plan()
    plan.append("population", plan.frames["population"][[1, 2]])
    plan.update("population", np.array([0, 5]), "full_name", ["Ân", "CHI"])
    pop = plan.frames["population"]
    assert len(set(map(tuple, (pop[c].chunk_lengths() for c in pop.columns)))) == 1
    assert pop["full_name"].to_list() == ["Ân", "Bình", "Chi", "Dũng", "Bình", "CHI"]


def test_an_update_of_the_wrong_length_fails():
    with pytest.raises(ValueError, match="2 rows, 1 values"):
        _plan().update("population", np.array([0, 1]), "full_name", ["X"])


def test_the_manifest_holds_every_recorded_row_sorted():
    plan = _plan()
    plan.record("population", np.array([3, 1]), "population.full_name_spacing", "hai khoảng trắng")
    plan.record("population", [0], "population.missing_full_name", "trống")
    plan.record("population", [], "population.stale")  # nothing: no row
    manifest = plan.result().manifest
    assert manifest.schema == pl.Schema(MANIFEST_SCHEMA)
    assert manifest["row_index"].to_list() == [0, 1, 3]
    assert manifest["defect_kind"].to_list() == [
        "population.missing_full_name",
        "population.full_name_spacing",
        "population.full_name_spacing",
    ]
    assert manifest["detail"].to_list() == ["trống", "hai khoảng trắng", "hai khoảng trắng"]
    assert manifest["dimension"].null_count() == 0 and manifest["dataset"].unique().to_list() == ["population"]


def test_recording_an_unknown_check_fails_where_it_is_made():
    with pytest.raises(KeyError):
        _plan().record("population", [0], "population.no_such_check")


@pytest.mark.parametrize(
    ("text", "changes"),
    [
        ("Nguyen Van An", False),  # ASCII: NFD leaves it
        ("Đặng Thị Ánh", True),  # precomposed tone marks
        ("Đinh", False),  # Đ has no decomposition
        ("e\u0323\u0301", False),  # already decomposed, marks in canonical order
        ("e\u0301\u0323", True),  # decomposed, marks out of order: NFD reorders
        ("한국", True),  # Hangul syllables decompose by rule
        (None, False),
    ],
)
def test_nfd_differs_answers_as_normalising(text, changes):
    mask = nfd_differs(pl.Series([text], dtype=pl.Utf8))
    assert bool(mask[0]) is changes
    if text is not None:
        assert (unicodedata.normalize("NFD", text) != text) is changes


def test_unreferenced_and_among_answer_as_plain_membership():
    pop = pl.DataFrame({"person_id": [f"{k:012d}" for k in range(50)]})
    frames = {
        "population": pop,
        "birth": pl.DataFrame(
            {"child_person_id": ["000000000003"], "mother_person_id": ["000000000007"], "father_person_id": [None]},
            schema={"child_person_id": pl.Utf8, "mother_person_id": pl.Utf8, "father_person_id": pl.Utf8},
        ),
        "death": pl.DataFrame({"person_id": ["000000000011", "999999999999"]}),
    }
    mask = unreferenced(frames)
    assert np.flatnonzero(~mask).tolist() == [3, 7, 11]
    assert np.flatnonzero(~unreferenced(frames, skip=("death",))).tolist() == [3, 7]
    values = pl.Series(["000000000003", "x", "000000000049", None])
    parts = [pop["person_id"].slice(0, 10), pop["person_id"].slice(40)]
    assert among(values, parts).tolist() == [True, False, True, False]
    assert among(values, pl.concat(parts)).tolist() == [True, False, True, False]


def test_timestamps_are_the_datetimes_of_the_day_numbers():
    from generators.dates import timestamps

    day = np.array([-400, 0, 1, 19_000, 20_758, 60_000])
    for hour in (9, 10):
        # what the generator wrote before (a Python datetime per row)
        expected = [dt.datetime(1970, 1, 1) + dt.timedelta(days=int(d), hours=hour) for d in day]
        assert timestamps(day, hour).to_list() == expected
    assert timestamps(day).dtype == pl.Datetime("us")


def test_one_draw_of_n_integers_is_n_draws_of_one():
    # The defects draw several values in one call where they once drew one per row: the same
    # values and the generator left in the same state (numpy's bounded integers).
    for seed in range(50):
        for n in (3, 97, 2**33 + 1):
            one, many = np.random.default_rng(seed), np.random.default_rng(seed)
            assert [int(one.integers(n)) for _ in range(40)] == many.integers(n, size=40).tolist()
            assert one.bit_generator.state == many.bit_generator.state  # the kept half of a 64-bit draw too


def test_raw_overrides_are_recorded_in_row_order():
    plan = _plan()
    plan.override("population", np.array([3, 1]), "date_of_birth", ["31/04/1990", "31/04/1991"])
    assert [(o.row_index, o.raw_text) for o in plan.result().raw_overrides] == [(1, "31/04/1991"), (3, "31/04/1990")]
    with pytest.raises(ValueError):
        plan.override("population", np.array([0]), "date_of_birth", [])


# With a null key the join finds no parcel, which the array holds as a cast NaN (never in the
# clean data, whose certificates all have their parcel: the function's contract).
@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("nulls", [False, True])
def test_certificates_find_their_parcel_rows_as_the_join_on_the_key_does(nulls):
    """The hash join's fast path (generators/defects/land.py) must give the rows the plain
    join on the three key columns gives; with a null key part (which hashes, but joins
    nothing) it must not be taken."""
    from generators.defects.land import _parcel_rows_of_certificates

    parcel = pl.DataFrame(
        {"commune_code": ["00004", "00004", "00007"], "map_sheet_no": ["1", "2", "1"], "parcel_no": ["5", "5", "9"]}
    )
    cert = parcel[[2, 0, 0, 1]]
    if nulls:
        parcel = parcel.with_columns(parcel["map_sheet_no"].scatter(1, None))
        cert = cert.with_columns(cert["map_sheet_no"].scatter(3, None))
    plan = Plan({"parcel": parcel, "certificate": cert}, 0.0, 1, {"province": "79", "as_of": dt.date(2026, 11, 1)})
    want = cert.join(parcel.with_row_index("_p"), on=list(parcel.columns), how="left", maintain_order="left")["_p"]
    got = _parcel_rows_of_certificates(plan)
    assert want.to_list() == ([2, 0, 0, None] if nulls else [2, 0, 0, 1])
    assert got.tolist()[:3] == want.to_list()[:3]
    if nulls:  # the null-keyed certificate is not given the null-keyed parcel (the join gives none)
        assert got[3] != 1
    else:
        assert got.tolist() == want.to_list()


def test_may_be_among_keeps_the_rows_of_the_values():
    """A prefilter: every row holding one of the values is kept (none lost), and here, with no
    shared 64-bit hash among four IDs, nothing else."""
    from generators.defects.helpers import may_be_among

    df = pl.DataFrame({"person_id": ["079123456789", "001234567890", "079123456789", None]})
    kept = df.with_row_index().filter(may_be_among("person_id", pl.Series(["079123456789", "999999999999"])))
    assert kept["index"].to_list() == [0, 2]
