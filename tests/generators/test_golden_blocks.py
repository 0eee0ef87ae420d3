"""The bytes of provinces made of several blocks, pinned (issue #21).

The committed sample_data is one block; these pin the path a large province takes (each
block's own ID and certificate serials, register entries carried from block to block, book
closures made once). A speed change must keep every draw in its order: these hashes are
the output of 9a77315 (session 11's end, before session 12's speed work), so a change of
bytes here is a change of the generator's output, to be made on purpose (and then the
hashes, sample_data and the ground-truth proof updated together).
"""

from __future__ import annotations

import hashlib

import pytest

from generators.province import generate

CASES = {
    "csv_3_blocks": (
        {"province": "79", "persons": 3000, "seed": 5, "defect_rate": 0.02, "block_persons": 1000},
        {
            "ground_truth/manifest.csv": "9e99270848c5be4a",
            "ground_truth/params.json": "dcb80c4da336a1f4",
            "inbox/birth.csv": "ce55252cb6444d4e",
            "inbox/book_closure.csv": "9625923e1c88c607",
            "inbox/certificate.csv": "3cd3b056d7e708db",
            "inbox/death.csv": "e45ab79d3f1a8930",
            "inbox/marriage.csv": "1649dce9aa566f08",
            "inbox/parcel.csv": "357ff2cca1eb7c19",
            "inbox/population.csv": "c3ad4ebc8b390a85",
        },
    ),
    # Cao Bằng (many ethnic groups: family names handed down by the mother or the father),
    # in the agency form that re-encodes text: Vietnamese headers, cp1258, decimal comma.
    "cp1258_3_blocks_highland": (
        {
            "province": "04",
            "persons": 1200,
            "seed": 11,
            "defect_rate": 0.03,
            "block_persons": 400,
            "headers": "vi",
            "dates": "vn",
            "decimal_comma": True,
            "encoding": "cp1258",
        },
        {
            "ground_truth/manifest.csv": "a15081fc09400fb8",
            "ground_truth/params.json": "0eb5318b4f3e7d21",
            "inbox/birth.csv": "61f99e6910c44ab5",
            "inbox/book_closure.csv": "d473bfe7735e91c0",
            "inbox/certificate.csv": "0efb879c9b693f41",
            "inbox/death.csv": "9c2a524f6efda0f6",
            "inbox/marriage.csv": "522fbf873d25b901",
            "inbox/parcel.csv": "e3b5a7be4c928511",
            "inbox/population.csv": "9f766f1543e7762a",
        },
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_province_of_several_blocks_keeps_its_bytes(tmp_path, case):
    kwargs, expected = CASES[case]
    generate(out=tmp_path, **kwargs)
    got = {
        str(p.relative_to(tmp_path)): hashlib.sha256(p.read_bytes()).hexdigest()[:16]
        for p in sorted(tmp_path.rglob("*"))
        if p.is_file()
    }
    assert got == expected
