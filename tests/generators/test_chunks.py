"""A province in blocks (issue #21): neither the chunk size nor the number of processes
making blocks changes a byte; keys stay unique across blocks; the manifest's source rows
are file-global.

Blocks are made tiny here (``block_persons``) so that four of them stay fast."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from generators.block_maker import block_frames
from generators.blocks import block_sizes, unique_serials
from generators.defects import RawOverride
from generators.province import clean_frames, generate
from generators.writers import DatasetWriter, FileForm, csv_bytes

PERSONS, BLOCK = 1600, 400  # four blocks


def _digest(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.rglob("*")) if p.is_file()}


def _read(path: Path) -> pl.DataFrame:
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    return pl.read_csv(path, infer_schema=False)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_same_seed_same_bytes_whatever_the_chunk_size(tmp_path, fmt):
    runs = {
        chunk: generate(
            "79", PERSONS, seed=4, defect_rate=0.03, out=tmp_path / str(chunk), fmt=fmt, chunk_persons=chunk, block_persons=BLOCK
        )
        for chunk in (BLOCK, 3 * BLOCK, 10 * BLOCK)  # one block at a time, three, all four
    }
    digests = [_digest(r.out) for r in runs.values()]
    assert digests[0] == digests[1] == digests[2]
    if fmt == "csv":  # blocks made by two or three processes at once (this one and a pool): the same bytes again
        for workers, chunk in ((2, 2 * BLOCK), (3, BLOCK)):
            out = tmp_path / f"w{workers}"
            two = generate(
                "79", PERSONS, seed=4, defect_rate=0.03, out=out, chunk_persons=chunk, block_persons=BLOCK, workers=workers
            )
            assert _digest(two.out) == digests[0]
    assert {"ground_truth/manifest.csv", f"inbox/population.{fmt}"} <= set(digests[0])
    first = next(iter(runs.values()))
    assert first.rows["population"] >= PERSONS and sum(first.defects.values()) > 0
    if fmt == "xlsx":  # blocks appended as rows of one sheet, after the one header row
        assert pl.read_excel(first.inbox / "population.xlsx").height == first.rows["population"]
    # Another block size is another province (the block size is part of the output).
    other = generate("79", PERSONS, seed=4, defect_rate=0.03, out=tmp_path / "b", fmt=fmt, block_persons=2 * BLOCK)
    assert _digest(other.out) != digests[0]


def test_block_sizes_are_an_equal_split():
    assert block_sizes(1000, 400) == [334, 333, 333]
    assert block_sizes(400, 400) == [400] and block_sizes(401, 400) == [201, 200]
    assert sum(block_sizes(15_000_000)) == 15_000_000 and max(block_sizes(15_000_000)) <= 250_000


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    out = tmp_path_factory.mktemp("blocks")
    return generate("79", PERSONS, seed=8, defect_rate=0.0, out=out / "clean", block_persons=BLOCK)


def test_keys_are_unique_across_blocks(clean):
    inbox = clean.inbox
    pop = _read(inbox / "population.csv")
    assert pop.height == PERSONS and pop["person_id"].is_unique().all()
    parcels = _read(inbox / "parcel.csv")
    assert not parcels.select("commune_code", "map_sheet_no", "parcel_no").is_duplicated().any()
    assert parcels["geometry_ref"].is_unique().all() and parcels["scan_ref"].is_unique().all()
    for name in ("birth", "death", "marriage"):
        df = _read(inbox / f"{name}.csv").with_columns(pl.col("entry_no").cast(pl.Int64))
        assert not df.select("registering_commune_code", "register_book", "entry_no").is_duplicated().any(), name
        # The scanned dossier is named by the entry as carried across blocks: one file per case.
        entry = df["registering_commune_code"] + "-" + df["register_book"].str.replace("/", "-") + "-"
        assert (df["scan_ref"] == entry + df["entry_no"].cast(pl.Utf8).str.zfill(6) + ".pdf").all(), name
        # Each book counts 1..n across the blocks it spans: no gap where a block ended.
        books = df.group_by("registering_commune_code", "register_book").agg(
            pl.col("entry_no").min().alias("lo"), pl.col("entry_no").max().alias("hi"), pl.len().alias("n")
        )
        assert books.filter((pl.col("lo") != 1) | (pl.col("hi") != pl.col("n"))).is_empty(), name
    # Book closures are made once for the province: one row per book, its total the entries
    # of that book over every block.
    closures = _read(inbox / "book_closure.csv").with_columns(pl.col("total_entries").cast(pl.Int64))
    book = ["registering_commune_code", "event_type", "register_book"]
    assert closures.height and not closures.select(book).is_duplicated().any()
    entries = pl.concat(
        _read(inbox / f"{name}.csv")
        .group_by("registering_commune_code", "register_book")
        .len()
        .with_columns(pl.lit(code).alias("event_type"))
        for code, name in (("KS", "birth"), ("KT", "death"), ("KH", "marriage"))
    )
    both = closures.join(entries, on=book, how="left")
    assert (both["total_entries"] == both["len"].cast(pl.Int64)).all()
    certs = _read(inbox / "certificate.csv")
    # A serial shared by rows is one certificate (several parcels, co-owners): one issue date.
    assert certs.group_by("certificate_serial").agg(pl.col("issue_date").n_unique().alias("d"))["d"].max() == 1
    # Every certificate's parcel and owner exist in their files.
    keys = ["commune_code", "map_sheet_no", "parcel_no"]
    assert certs.join(parcels, on=keys, how="anti").is_empty()
    owners = certs.filter(pl.col("owner_person_id").is_not_null())
    assert owners.join(pop, left_on="owner_person_id", right_on="person_id", how="anti").is_empty()


def test_manifest_rows_point_into_the_whole_file(tmp_path):
    gen = generate("79", PERSONS, seed=5, defect_rate=0.03, out=tmp_path, block_persons=BLOCK)
    manifest = pl.read_csv(gen.manifest_path, infer_schema=False).with_columns(pl.col("source_row").cast(pl.Int64))
    pop = _read(gen.inbox / "population.csv").with_row_index("source_row", offset=1)
    hits = manifest.filter((pl.col("dataset") == "population") & (pl.col("record_key") != ""))
    # Defects of every block, each naming the row that holds its record.
    assert hits["source_row"].max() > pop.height * 3 // 4 and hits["source_row"].min() < pop.height // 4
    joined = hits.join(pop.with_columns(pl.col("source_row").cast(pl.Int64)), on="source_row", how="left")
    assert (joined["record_key"] == joined["person_id"]).all()


def test_block_serials_keep_to_their_residue_and_stay_unique():
    """Block b of n takes the serials ≡ b (mod n): two blocks can never share an ID or a
    certificate serial; within a block each 6-digit prefix has each serial once."""
    rng = np.random.default_rng(1)
    prefixes = np.repeat([79005, 79015, 79025], 4000)  # IDs' first six digits: 3 prefixes x 4000
    serial = unique_serials(rng, prefixes, 5, 7)
    assert (serial % 7 == 5).all() and (0 <= serial).all() and (serial < 1_000_000).all()
    assert np.unique(prefixes * 10**6 + serial).size == prefixes.size
    certs = block_frames("79", 4000, np.random.SeedSequence([3, 2]), dt.date(2026, 11, 1), 2, 3)["certificate"]
    parts = certs["certificate_serial"].str.split_exact(" ", 1).struct.unnest()
    head, number = parts["field_0"], parts["field_1"]
    qr = number.str.len_chars() == 8  # the QR-coded form keeps its 8 digits, from 06…
    assert (head.str.contains(r"^[A-Z]{1,2}$") & (qr | (number.str.len_chars() == 6))).all()
    assert (~qr | number.str.starts_with("06")).all()
    assert ((number.cast(pl.Int64) - pl.Series(qr.to_numpy() * 6_000_000)) % 3 == 2).all()
    # rows of one certificate (several parcels, co-owners) keep one serial, and one issue date
    assert certs.group_by("certificate_serial").agg(pl.col("issue_date").n_unique())["issue_date"].max() == 1


def test_serials_redrawn_in_the_clashing_groups_only_are_those_of_full_rounds():
    """unique_serials orders again only the groups of redrawn rows: the same serials as
    ordering every row in every round (many clashes: a small residue class, big groups)."""

    def full_rounds(rng, group, block, blocks):
        cap = len(range(block, 1_000_000, blocks))
        k = rng.integers(0, cap, group.size)
        while True:
            key = group * cap + k
            order = np.argsort(key, kind="stable")
            clash = order[1:][key[order][1:] == key[order][:-1]]
            if not clash.size:
                return block + blocks * k
            k[clash] = rng.integers(0, cap, clash.size)

    group = np.random.default_rng(0).integers(0, 40, 30_000)  # ~750 rows a group, 2 000 serials each
    got = unique_serials(np.random.default_rng(9), group, 3, 500)
    assert np.array_equal(got, full_rounds(np.random.default_rng(9), group, 3, 500))
    with pytest.raises(ValueError, match="too many rows"):
        unique_serials(np.random.default_rng(9), np.zeros(1500, dtype=np.int64), 3, 500)


def test_fresh_ids_of_a_block_are_nobody_elses():
    """A defect's fresh ID in block b of n keeps to b's residue (no other block's person can
    have it) and avoids every ID of its own block."""
    from generators.defects.helpers import fresh_ids

    taken = pl.Series("id", [f"079095{k:06d}" for k in range(2, 1_000_000, 8)])  # half of block 2 of 4
    new = fresh_ids(np.random.default_rng(3), ["079095000002"] * 500, taken, residue=(2, 4))
    tails = [int(x[6:]) for x in new]
    assert all(t % 4 == 2 for t in tails) and len(set(new)) == 500
    assert not set(new) & set(taken.to_list())


@pytest.mark.parametrize(
    "form",
    [FileForm(), FileForm(dates="vn", decimal_comma=True, headers="vi", encoding="utf-8-sig"), FileForm(encoding="cp1258")],
    ids=["canonical", "vn-bom", "cp1258"],
)
def test_a_block_rendered_apart_is_the_block_written(tmp_path, form):
    """In a CSV province of several blocks the big datasets are turned into bytes where each
    block is made (a worker process) and appended by the writer: the same bytes as the
    writer formatting the frames itself, header once, raw text defects included."""
    frames = clean_frames("79", 300, seed=3)
    parts = [frames["population"].slice(0, 150), frames["population"].slice(150)]
    patch = [RawOverride("population", 2, "date_of_birth", "31/02/1990")]  # a raw text cell in the first block
    whole = DatasetWriter("population", form, tmp_path / "whole")
    (tmp_path / "whole").mkdir()
    apart = DatasetWriter("population", form, tmp_path / "apart")
    (tmp_path / "apart").mkdir()
    for b, df in enumerate(parts):
        own = patch if b == 0 else []
        whole.write(df, own)
        rendered = DatasetWriter("population", form, tmp_path).render(df, own)
        apart.append(csv_bytes(rendered, form, header=b == 0), df.height)
    data = whole.close().read_bytes()
    assert apart.close().read_bytes() == data and whole.rows == apart.rows == 300
    text = data.decode("cp1258" if form.encoding == "cp1258" else "utf-8-sig")
    assert text.count("\n") == 301 and "31/02/1990" in text  # one header line, the patched cell
