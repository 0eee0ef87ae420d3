"""Vendored admin units (domain.md §Administrative units and the 2025 reform)."""

from __future__ import annotations

from datetime import date

import pytest

from ddss import admin_units as au


def test_34_provinces_and_3321_communes() -> None:
    assert len(au.provinces_2025()) == 34
    assert len(au.communes_2025()) == 3321
    assert len(au.communes_pre2025()) == 10047


def test_code_15_is_merged_lao_cai_and_code_10_is_closed() -> None:
    # QĐ 124/2004, QĐ 19/2025: the unit hosting the seat keeps its code.
    assert au.province("15").name.endswith("Lào Cai")
    assert set(au.province("15").old_codes) == {"10", "15"}
    with pytest.raises(ValueError, match="không hợp lệ"):
        au.province("10")


def test_commune_validity_depends_on_the_effective_date() -> None:
    hcm_new = au.valid_commune_codes(date(2025, 7, 1), "79")
    hcm_old = au.valid_commune_codes(date(2025, 6, 30), "79")
    assert len(hcm_new) == 168
    assert hcm_old and hcm_new != hcm_old
    # Old HCMC absorbed Bình Dương (74) and Bà Rịa - Vũng Tàu (77).
    assert au.province("79").birth_codes == ("074", "077", "079")
    # Some codes survive with another meaning (Trúc Bạch -> Ba Đình).
    assert au.communes_pre2025()["00004"].name != au.communes_2025()["00004"].name


def test_vendored_files_carry_licence_and_source_commit() -> None:
    from importlib import resources

    folder = resources.files("ddss.data.admin_units")
    assert "MIT License" in folder.joinpath("LICENSE").read_text(encoding="utf-8")
    assert len(folder.joinpath("SOURCE_COMMIT").read_text().strip()) == 40
