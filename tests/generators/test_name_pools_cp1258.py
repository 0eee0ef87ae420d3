"""Every name the generator can draw fits a Windows-1258 batch (``--encoding cp1258``): a
name with a letter that encoding lacks (e.g. the ŭ of the Ê Đê name "Ayŭn") made
generation fail as soon as it was drawn."""

from __future__ import annotations

import pytest

from generators import ethnic, names
from generators.writers import encode_cp1258


def _strings(x: object):
    if isinstance(x, str):
        yield x
    elif isinstance(x, dict):
        for k, v in x.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(x, list | tuple | set | frozenset):
        for v in x:
            yield from _strings(v)


def test_every_pool_name_encodes_in_cp1258():
    pools = [v for mod in (ethnic, names) for k, v in vars(mod).items() if k.isupper() or k == "_POOLS"]
    found = [s for p in pools for s in _strings(p)]
    assert "Ênuôl" in found and "Nguyễn" in found  # the pools were walked
    bad = []
    for s in found:
        try:
            encode_cp1258(s)
        except UnicodeEncodeError:
            bad.append(s)
    assert bad == []


@pytest.mark.parametrize(("text", "fits"), [("Y Bhin Ênuôl", True), ("Y Bhin Ayŭn", False)])
def test_cp1258_cases(text, fits):
    if fits:
        assert encode_cp1258(text).decode("cp1258") != ""
    else:
        with pytest.raises(UnicodeEncodeError):
            encode_cp1258(text)
