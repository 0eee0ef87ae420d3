# ruff: noqa: E501 - the coverage table is data: one criterion per line reads better unwrapped
"""The coverage table: every official criterion and every rule of domain.md -> the
check_ids that implement it, or why none does (docs/coverage.md, kept equal by a test).

Run ``.venv/bin/python -m ddss.rules.coverage`` to rewrite docs/coverage.md after a
catalogue change. Patterns (``*``) are expanded against the catalogue, so a rule that
applies to every dataset lists every check that implements it.
"""

from __future__ import annotations

import fnmatch
import sys
from pathlib import Path

from ddss.rules.catalog import DIMENSIONS, SEVERITIES, all_checks

__all__ = ["CRITERIA", "DOMAIN_RULES", "expand", "render"]

# (id, rule in short, check_id patterns, reason when partly or not covered)
Row = tuple[str, str, tuple[str, ...], str]

CRITERIA: tuple[Row, ...] = (
    (
        "D1",
        "12-digit ID: province, century/sex, year digits; wrong digits ⇒ re-issue",
        ("population.id_*", "*_person_id_invalid", "*_person_id_reissue", "death.person_id_*"),
        "A birth registered abroad (country code in digits 1–3) is not modelled: the country-code list was not found (official-criteria §7.4).",
    ),
    (
        "D2",
        "ID digits 1–3 = province of birth registration",
        ("population.id_birth_place", "population.id_birth_code"),
        "Warning. The place may be coded as at birth (pre-2025 list: its old province) or converted to the 2025 list (any old province merged into the new one, or the new province's own code): only a code that fits none fails. Births registered abroad are not modelled.",
    ),
    (
        "D3",
        "Other records agree with the birth record",
        (
            "birth.child_mismatch",
            "birth.mother_mismatch",
            "birth.father_mismatch",
            "death.name_mismatch",
            "marriage.spouse_mismatch",
            "certificate.owner_mismatch",
        ),
        "Compared with the population database (the batch has no copy of the paper register); names after tone placement, case and spaces.",
    ),
    (
        "D4",
        "Marriage age by the law in force at registration",
        ("marriage.under_age",),
        "Pre-2015 rule as read by NQ 02/2000 (19/17 full years): marked unverified in the references.",
    ),
    ("D5", "Marriage parties of different sex", ("marriage.same_sex",), ""),
    (
        "D6",
        "Neither party in an open marriage (divorce, death end it)",
        ("marriage.already_married", "marriage.divorce_before_marriage"),
        "Divorce read from the optional marriage column divorce_date (a note on the marriage entry); annulment and court death declarations are not in the batch format.",
    ),
    (
        "D7",
        "Registration type consistent with dates",
        ("birth.registration_type_on_time",),
        "Needs the optional column registration_type (1 = on time).",
    ),
    (
        "D8",
        "DOB ≤ death ≤ registration ≤ today",
        ("population.death_before_birth", "death.registered_before_death", "death.future_date", "population.future_date"),
        "The death-proof document type is not in the batch format.",
    ),
    (
        "D9",
        "Place of death: facility + admin place valid at the death date",
        ("death.place_of_death_unknown", "death.place_of_death_pre_reform"),
        "place_of_death is a commune code; facility names are not in the batch format.",
    ),
    (
        "D10",
        "Land-use code valid at the date",
        ("parcel.land_use_unknown", "parcel.land_use_outdated", "certificate.land_use_outdated"),
        "",
    ),
    (
        "D11",
        "Serial form by era (both forms in the 2024 transition)",
        ("certificate.serial_format",),
        "Warning: the forms come from practice, TT 10/2024 not read.",
    ),
    (
        "D12",
        "Owner document type consistent with ID length",
        ("certificate.owner_document_mismatch", "certificate.owner_person_id_invalid"),
        "owner_document_type is optional.",
    ),
    (
        "D13",
        "Per-purpose areas ≤ parcel area",
        ("parcel.purpose_areas_exceed",),
        "Needs the optional columns area_residential_m2, area_other_m2.",
    ),
    (
        "F1",
        "Birth record mandatory fields",
        ("birth.missing_*",),
        "Parents' ethnicity, nationality and residence are not in the batch format.",
    ),
    (
        "F2",
        "Father block empty ⇒ child follows the mother",
        ("birth.father_undetermined_mismatch",),
        "Family name only (warning): ethnicity and home town may be written in alternative forms; the 'birth type' code (abandoned child) is not in the batch format, so an empty mother block stays blocking.",
    ),
    ("F3", "Birth without personal ID: warning, enrich", ("birth.missing_child_person_id",), ""),
    (
        "F4",
        "Death record fields",
        ("death.missing_*",),
        "Cause and hour are not in the batch format (and may lawfully be blank).",
    ),
    (
        "F5",
        "Marriage record fields",
        ("marriage.missing_*",),
        "Ethnicity and residence of the parties are not in the batch format; a foreign party by passport needs no personal ID.",
    ),
    (
        "F6",
        "Minimum exchange set of QĐ 3458/QĐ-BTP",
        ("birth.missing_mother_person_id",),
        "Parents' personal IDs: the mother's is mandatory, the father's optional by law (father undetermined); certificate number is register_book + entry_no.",
    ),
    (
        "F7",
        "Entries per book = total at book closure; numbering 1..n",
        ("*.entry_repeated", "*.entry_gap", "book_closure.*_entries_*", "book_closure.missing_*", "book_closure.total_*", "book_closure.closure_date_invalid", "book_closure.event_type_invalid"),
        "Totals from the optional dataset book_closure (docs/batch-format.md): per (commune, event type, Quyển số) the digitised entries of every batch = total at closure, both ways. A batch without closures runs none of these (not run); a book with no closure row (the open current year) is not judged. Total pages are checked for sanity only (no page numbers in the civil files).",
    ),
    (
        "F8",
        "Every digitised entry links to its scan",
        ("birth.scan_ref_missing", "death.scan_ref_missing", "marriage.scan_ref_missing"),
        "Optional column scan_ref; judged only when the batch carries it.",
    ),
    (
        "F9",
        "Population core identity fields present",
        ("population.missing_*",),
        "The 26 fields of Art. 9 beyond the core are not in the batch format.",
    ),
    (
        "F10",
        "Parcel has attribute, geometry and scan",
        ("parcel.geometry_ref_missing", "parcel.scan_ref_missing"),
        "Optional columns geometry_ref, scan_ref; judged only when the batch carries them.",
    ),
    (
        "F11",
        "Commune checklist fields (Phụ lục 8)",
        ("certificate.missing_*", "parcel.missing_*"),
        "The annex was not read (unverified); số vào sổ, origin, form and term of use are not in the batch format.",
    ),
    (
        "S1",
        "No duplicate person; deceased still active",
        ("population.duplicate_id", "population.id_conflict", "population.same_person_two_ids", "death.alive_in_population"),
        "Same person under two IDs: same name (after tone placement, case, spaces), DOB, sex and mother's ID (optional population column mother_person_id, Luật Căn cước art. 9), a warning; rows without the mother's ID are not judged. Name+DOB (+ home town, birth registration place) alone is not used: common names born the same day in one commune collide lawfully (tens per province, by the 2019 name and birth figures), while with the mother's ID only twins could, and twins are not given one name. The father's ID is carried but not required.",
    ),
    ("S2", "Field-by-field reconciliation with the population", ("*_mismatch", "death.date_mismatch"), ""),
    ("S3", "Unique register entry", ("*.entry_repeated",), ""),
    (
        "S4",
        "Owner authenticated against the population",
        ("certificate.owner_not_in_population", "certificate.owner_mismatch"),
        "",
    ),
    (
        "S5",
        "Unique parcel; one serial one certificate (several parcels and holders lawful)",
        ("parcel.duplicate_key", "certificate.duplicate_serial", "certificate.repeated_row"),
        "",
    ),
    (
        "S6",
        "Coded fields from the shared code tables",
        ("*.ethnicity_invalid", "*nationality_invalid", "population.sex_invalid", "parcel.land_use_unknown", "*_unknown"),
        "Document types have no official table in the references: only CCCD/CMND are recognised (D12).",
    ),
    (
        "S7",
        "Admin codes valid at the record's date, incl. home town and birth registration place",
        (
            "*_commune_code_unknown",
            "*_commune_code_pre_reform",
            "*.place_of_*",
            "*.home_town_*",
            "population.birth_registration_place_*",
        ),
        "Codes of another province are correct; pre-reform records are judged against the pre-reform list (columns a database may convert accept either list before the reform).",
    ),
    ("S8", "9-digit CMND never a key", ("population.legacy_cmnd", "*_person_id_invalid"), ""),
    ("L1", "Registered within 60 / 15 days", ("birth.late_registration", "death.late_registration"), ""),
    (
        "L2",
        "No event after death",
        ("marriage.spouse_dead", "certificate.owner_dead"),
        "No move or card data in the batch format.",
    ),
    ("L3", "CMND on a record from 2025 is stale", ("population.legacy_cmnd_stale",), ""),
    (
        "L4",
        "Card renewal at 14/25/40/60",
        ("population.card_*",),
        "Warnings, from the optional columns id_card_issue_date and id_card_expiry_date (the printed expiry decides: cards issued before 1 Jul 2024 are valid to it, art. 46). Expired: a living person's printed expiry before the reference date. Inconsistent: the expiry's year fits no renewal age for the birth and issue dates (14/25/40/60; issued within 2 years before an age: valid to the next; from 58: no expiry); only cards issued from 2016 (CCCD) are judged, only the year is compared and both ages are accepted within a month of the 2-year boundary, since the printed day is not in the references. Renewal on a change of name, sex or ID is not in the batch format.",
    ),
    (
        "L5",
        "2-level addresses after the reform",
        ("*_pre_reform",),
        "Addresses are codes; a free-text district level in parcel.address is not parsed.",
    ),
    (
        "L6",
        "Register years before go-live all present",
        ("book_closure.*_book_not_digitised",),
        "Warning. The register years come from book_closure: a book of a year before 2025 (ND 87/2020 art. 24.2 deadline) closed with events but with no digitised entry. A year with no closure row at all cannot be seen; per-province software go-live dates are not in the references, so 2025 is used for every province.",
    ),
    ("L7", "Owner deceased, still sole holder", ("certificate.owner_deceased_sole_holder",), ""),
    ("L8", "Batch freshness per dataset", ("*.stale",), "Per commune lag is not reported."),
)

DOMAIN_RULES: tuple[Row, ...] = (
    ("ID structure", "12 digits; province, century/sex, year digits; re-issue", ("population.id_*", "*_person_id_reissue"), ""),
    ("ID unique", "unique per person, never reused", ("population.duplicate_id", "population.id_conflict"), ""),
    (
        "CMND",
        "flagged, never a key; stale on records from 2025",
        ("population.legacy_cmnd", "population.legacy_cmnd_stale", "*_person_id_invalid"),
        "",
    ),
    ("Birth", "fields, 60-day deadline, father may be empty, no ID = warning", ("birth.*",), ""),
    ("Death", "fields, 15-day deadline, nothing after death", ("death.*", "marriage.spouse_dead", "certificate.owner_dead"), ""),
    ("Marriage", "age by law at date, different sex, not already married", ("marriage.*",), ""),
    ("Registers", "entries 1..n per book and year; totals at closure", ("*.entry_*", "book_closure.*_entries_*"), "Totals at closure: see F7."),
    (
        "Event order",
        "registration ≥ event ≥ birth; nothing in the future",
        ("*.registered_before_*", "*.future_date", "population.death_before_birth"),
        "",
    ),
    ("Parcel key", "unique (commune, sheet, parcel)", ("parcel.duplicate_key",), ""),
    ("Area", "positive, decimal comma parsed exactly", ("parcel.area_nonpositive", "ingest.bad_number"), ""),
    ("Land-use codes", "2024 list; BHK/NHK before 1 Aug 2024 only", ("parcel.land_use_*", "certificate.land_use_outdated"), ""),
    (
        "Certificate serial",
        "form by era; unique; several parcels lawful",
        ("certificate.serial_format", "certificate.duplicate_serial", "certificate.repeated_row"),
        "",
    ),
    ("Certificate parcel", "the certificate's parcel exists in the parcel data", ("certificate.parcel_missing",), ""),
    (
        "Certificate dates",
        "issue date not before the parcel's registration, not after today",
        ("certificate.future_date",),
        "The parcel's registration date is not in the batch format.",
    ),
    ("Owners", "authenticate against the population (ID, name, DOB, alive)", ("certificate.owner_*",), ""),
    ("Admin units", "valid for the record's date; closed codes after 1 Jul 2025 are sống", ("*_unknown", "*_pre_reform"), ""),
    (
        "Text NFC",
        "NFD detected and normalised at ingestion",
        ("*.nfd_text",),
        "TCVN3/VNI detection belongs to ingestion (ddss/read).",
    ),
    ("Text spaces", "double, leading, trailing spaces in names and addresses", ("*_spacing",), ""),
    (
        "Tone placement",
        "Hòa/Hoà, Thủy/Thuỷ compare equal",
        ("*_mismatch", "population.duplicate_id"),
        "A comparison rule, not a finding of its own (ddss/rules/text.py).",
    ),
    ("Freshness", "sống: updated within the dataset's limit", ("*.stale",), ""),
)


def expand(patterns: tuple[str, ...]) -> list[str]:
    ids = [c.check_id for c in all_checks()]
    out: list[str] = []
    for p in patterns:
        hits = [i for i in ids if fnmatch.fnmatchcase(i, p)]
        if not hits:
            raise ValueError(f"coverage pattern {p!r} matches no check")
        out += [h for h in hits if h not in out]
    return out


def _table(rows: tuple[Row, ...], head: str) -> list[str]:
    lines = [f"| {head} | rule | check_ids | not covered / note |", "|---|---|---|---|"]
    for key, rule, patterns, note in rows:
        ids = expand(patterns)
        cell = ", ".join(f"`{i}`" for i in ids) if ids else "**none**"
        lines.append(f"| {key} | {rule} | {cell} | {note} |")
    return lines


def render() -> str:
    checks = all_checks()
    lines = [
        "# Coverage: official criteria and domain rules → checks",
        "",
        "Generated by `.venv/bin/python -m ddss.rules.coverage` from `ddss/rules/coverage.py` and the",
        "catalogue (`ddss/rules/catalog/`); `tests/rules/test_coverage.py` keeps this file equal to",
        "the output. Criterion ids are those of `official-criteria.md` §6; a row with **none** says why.",
        "",
        "## Official criteria",
        "",
        *_table(CRITERIA, "id"),
        "",
        "## domain.md rules",
        "",
        *_table(DOMAIN_RULES, "rule"),
        "",
        f"## Every check ({len(checks)})",
        "",
        "| check_id | dimension | severity | title | basis |",
        "|---|---|---|---|---|",
        *(f"| `{c.check_id}` | {DIMENSIONS[c.dimension]} | {SEVERITIES[c.severity]} | {c.title_vi} | {c.rule} |" for c in checks),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "docs" / "coverage.md"
    target.write_text(render(), encoding="utf-8")
    print(f"Đã ghi / written: {target}")
