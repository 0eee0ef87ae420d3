"""The batch-file contract (batch-format.md) as data: datasets, columns, headers, keys.

Generators write it, ingestion reads it, checks and reports name things by it.
Staging tables are ``stg_<dataset>`` with the canonical columns below, typed, plus
the lineage columns of ``LINEAGE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "AGENCIES",
    "DATASETS",
    "DUCKDB_TYPES",
    "LINEAGE",
    "Column",
    "Dataset",
    "dataset",
    "staging_table",
]

DType = Literal["str", "date", "timestamp", "int", "float"]
# How each column type is stored in the staging tables.
DUCKDB_TYPES: dict[str, str] = {"str": "VARCHAR", "date": "DATE", "timestamp": "TIMESTAMP", "int": "BIGINT", "float": "DOUBLE"}


@dataclass(frozen=True)
class Column:
    name: str
    header_vi: str
    dtype: DType = "str"
    mandatory: bool = True  # a value is required (đủ); an empty father block is the exception
    personal: Literal["id", "name", "date", None] = None  # how mask.py must treat it
    # Optional columns (mandatory=False) may be absent from a file: ingestion reads them
    # as NULL and every check treats NULL as "not given" (docs/batch-format.md).


@dataclass(frozen=True)
class Dataset:
    name: str
    agency: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # record key (batch-format.md); unique in clean data

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


# Agency codes -> Vietnamese display names (what the steward reads).
AGENCIES: dict[str, str] = {
    "cong_an": "Công an tỉnh",
    "tu_phap": "Sở Tư pháp",
    "nnmt": "Sở Nông nghiệp và Môi trường",
}

_UPDATED = Column("updated_at", "Ngày cập nhật", "timestamp")
# Optional: the file name of the case's scanned dossier (one PDF per case, CV 1437/BTP-CNTT;
# land: the scanned record, one of a parcel's three components).
_SCAN = Column("scan_ref", "Tệp bản quét", mandatory=False)
_CIVIL_HEAD = (
    Column("register_book", "Quyển số"),
    Column("entry_no", "Số", "int"),
    Column("registration_date", "Ngày đăng ký", "date"),
    Column("registering_commune_code", "Nơi đăng ký"),
)

POPULATION = Dataset(
    "population",
    "cong_an",
    (
        Column("person_id", "Số định danh cá nhân", personal="id"),
        Column("full_name", "Họ và tên", personal="name"),
        Column("sex", "Giới tính"),
        Column("date_of_birth", "Ngày sinh", "date", personal="date"),
        Column("birth_registration_place", "Nơi đăng ký khai sinh"),
        Column("home_town", "Quê quán"),
        Column("residence_commune_code", "Nơi thường trú"),
        Column("ethnicity", "Dân tộc"),
        Column("nationality", "Quốc tịch"),
        Column("date_of_death", "Ngày mất", "date", mandatory=False),
        _UPDATED,
        Column("id_card_issue_date", "Ngày cấp thẻ căn cước", "date", mandatory=False),
        Column("household_id", "Số hộ", mandatory=False),
        Column("relation_to_head", "Quan hệ với chủ hộ", mandatory=False),
        # The expiry printed on the card ("Có giá trị đến"); empty on a card valid for life.
        # Masked like a date of birth: it falls on the holder's birthday.
        Column("id_card_expiry_date", "Ngày hết hạn thẻ căn cước", "date", mandatory=False, personal="date"),
        # The parents' personal IDs as the population DB keeps them (Luật Căn cước art. 9);
        # empty where unknown (an undetermined father, a person born before the records).
        Column("mother_person_id", "Số định danh của mẹ", mandatory=False, personal="id"),
        Column("father_person_id", "Số định danh của cha", mandatory=False, personal="id"),
    ),
    key=("person_id",),
)

BIRTH = Dataset(
    "birth",
    "tu_phap",
    _CIVIL_HEAD
    + (
        Column("child_person_id", "Số định danh của trẻ", personal="id"),
        Column("child_name", "Họ và tên trẻ", personal="name"),
        Column("child_sex", "Giới tính của trẻ"),
        Column("child_date_of_birth", "Ngày sinh của trẻ", "date", personal="date"),
        Column("place_of_birth", "Nơi sinh"),
        Column("home_town", "Quê quán"),
        Column("ethnicity", "Dân tộc"),
        Column("nationality", "Quốc tịch"),
        Column("mother_person_id", "Số định danh của mẹ", personal="id"),
        Column("mother_name", "Họ và tên mẹ", personal="name"),
        Column("mother_birth_year", "Năm sinh của mẹ", "int"),
        Column("father_person_id", "Số định danh của cha", mandatory=False, personal="id"),
        Column("father_name", "Họ và tên cha", mandatory=False, personal="name"),
        Column("father_birth_year", "Năm sinh của cha", "int", mandatory=False),
        _UPDATED,
        # Loại đăng ký: 1 đúng hạn, 2 đăng ký lại, 3 ghi vào sổ việc đã đăng ký ở nước ngoài, 4 quá hạn.
        Column("registration_type", "Loại đăng ký", mandatory=False),
        _SCAN,
    ),
    key=("registering_commune_code", "register_book", "entry_no"),
)

DEATH = Dataset(
    "death",
    "tu_phap",
    _CIVIL_HEAD
    + (
        Column("person_id", "Số định danh cá nhân", personal="id"),
        Column("full_name", "Họ và tên người chết", personal="name"),
        Column("date_of_death", "Ngày chết", "date"),
        Column("place_of_death", "Nơi chết"),
        Column("death_notice_no", "Số giấy báo tử"),
        _UPDATED,
        _SCAN,
    ),
    key=("registering_commune_code", "register_book", "entry_no"),
)

MARRIAGE = Dataset(
    "marriage",
    "tu_phap",
    _CIVIL_HEAD
    + (
        Column("husband_person_id", "Số định danh của chồng", personal="id"),
        Column("husband_name", "Họ và tên chồng", personal="name"),
        Column("husband_date_of_birth", "Ngày sinh của chồng", "date", personal="date"),
        Column("wife_person_id", "Số định danh của vợ", personal="id"),
        Column("wife_name", "Họ và tên vợ", personal="name"),
        Column("wife_date_of_birth", "Ngày sinh của vợ", "date", personal="date"),
        _UPDATED,
        # A foreign party is identified by passport instead of a personal ID.
        Column("husband_nationality", "Quốc tịch của chồng", mandatory=False),
        Column("husband_passport_no", "Số hộ chiếu của chồng", mandatory=False, personal="id"),
        Column("wife_nationality", "Quốc tịch của vợ", mandatory=False),
        Column("wife_passport_no", "Số hộ chiếu của vợ", mandatory=False, personal="id"),
        # The end of the marriage by divorce, as noted in the civil-status register.
        Column("divorce_date", "Ngày ly hôn", "date", mandatory=False),
        _SCAN,
    ),
    key=("registering_commune_code", "register_book", "entry_no"),
)

PARCEL = Dataset(
    "parcel",
    "nnmt",
    (
        Column("commune_code", "Mã xã"),
        Column("map_sheet_no", "Tờ bản đồ số"),
        Column("parcel_no", "Thửa đất số"),
        Column("area_m2", "Diện tích", "float"),
        Column("land_use_code", "Mục đích sử dụng"),
        Column("address", "Địa chỉ"),
        _UPDATED,
        Column("area_residential_m2", "Diện tích đất ở", "float", mandatory=False),
        Column("area_other_m2", "Diện tích mục đích khác", "float", mandatory=False),
        Column("geometry_ref", "Mã dữ liệu không gian", mandatory=False),
        _SCAN,
    ),
    key=("commune_code", "map_sheet_no", "parcel_no"),
)

CERTIFICATE = Dataset(
    "certificate",
    "nnmt",
    (
        Column("certificate_serial", "Số phát hành"),
        Column("commune_code", "Mã xã"),
        Column("map_sheet_no", "Tờ bản đồ số"),
        Column("parcel_no", "Thửa đất số"),
        Column("issue_date", "Ngày cấp", "date"),
        Column("owner_person_id", "Số định danh chủ sử dụng", personal="id"),
        Column("owner_name", "Họ và tên chủ sử dụng", personal="name"),
        Column("owner_date_of_birth", "Ngày sinh chủ sử dụng", "date", personal="date"),
        _UPDATED,
        # Cá nhân / Hộ gia đình / Tổ chức: an organisation has no personal ID or date of birth.
        Column("holder_type", "Loại chủ sử dụng", mandatory=False),
        Column("owner_document_type", "Loại giấy tờ của chủ sử dụng", mandatory=False),
    ),
    # One certificate may cover several parcels and have several holders (domain.md §Land).
    key=("certificate_serial", "commune_code", "map_sheet_no", "parcel_no"),
)

# Optional dataset (Sở Tư pháp): one row per register book closed at year end, with the
# totals written and signed at closure (Luật Hộ tịch art. 58). The book is the civil files'
# (registering commune, Quyển số) of the event type; a batch without it is not judged.
BOOK_CLOSURE = Dataset(
    "book_closure",
    "tu_phap",
    (
        Column("registering_commune_code", "Nơi đăng ký"),
        # KS khai sinh (birth), KT khai tử (death), KH kết hôn (marriage).
        Column("event_type", "Loại sổ"),
        Column("register_book", "Quyển số"),
        Column("book_year", "Năm của sổ", "int"),
        Column("total_entries", "Tổng số sự kiện khi khóa sổ", "int"),
        Column("total_pages", "Tổng số trang khi khóa sổ", "int"),
        Column("closure_date", "Ngày khóa sổ", "date"),
    ),
    key=("registering_commune_code", "event_type", "register_book"),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (POPULATION, BIRTH, DEATH, MARRIAGE, PARCEL, CERTIFICATE, BOOK_CLOSURE)}

# Lineage columns on every staged row (issue #4).
LINEAGE: tuple[tuple[str, str], ...] = (
    ("_batch_id", "VARCHAR"),
    ("_agency", "VARCHAR"),
    ("_source_file", "VARCHAR"),
    ("_file_sha256", "VARCHAR"),
    ("_source_row", "BIGINT"),  # 1-based data row in the source file
    ("_loaded_at", "TIMESTAMP"),
    ("_nfc_fixed", "BOOLEAN"),  # a text value arrived decomposed (NFD) and was normalised
)


def dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}") from None


def staging_table(name: str) -> str:
    return f"stg_{dataset(name).name}"
