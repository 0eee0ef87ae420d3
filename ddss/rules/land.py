"""Land rules as data (domain.md, "Land"): land-use codes by date, certificate serials.

Kept as data with their sources so a steward can correct a list without touching code.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["CODES_SINCE_2024", "LEGACY_CODES", "LEGACY_UNTIL", "SERIAL_ERAS", "serial_regex", "serial_regexes"]

# Circular 08/2024/TT-BTNMT, in force 1 Aug 2024 (the commonly cited list; domain.md notes
# that public lists disagree on some sub-codes).
CODES_SINCE_2024: tuple[str, ...] = (
    "LUC",
    "LUK",
    "HNK",
    "CLN",
    "RDD",
    "RPH",
    "RSX",
    "NTS",
    "CNT",
    "LMU",
    "NKH",
    "ONT",
    "ODT",
    "TSC",
    "CQP",
    "CAN",
    "DVH",
    "DYT",
    "DGD",
    "DTT",
    "TMD",
    "SKC",
    "SKS",
    "DGT",
    "DTL",
    "TON",
    "TIN",
    "SON",
    "MNC",
    "PNK",
    "BCS",
    "DCS",
    "NCS",
)
# Merged into HNK by the same circular: valid only on records dated before LEGACY_UNTIL.
LEGACY_CODES: tuple[str, ...] = ("BHK", "NHK")
LEGACY_UNTIL = dt.date(2024, 8, 1)

# Certificate serial forms by issue date (practice; domain.md "Certificate serial",
# official-criteria D11). (first day, first day after the form's use, regex of the whole
# serial). Windows overlap: during the transition after 1 Aug 2024 both the 6-digit form
# (lawful for certificates issued through 2024) and the 8-digit QR form were in use.
SERIAL_ERAS: tuple[tuple[dt.date, dt.date, str], ...] = (
    (dt.date(1900, 1, 1), dt.date(2004, 7, 1), r"^[A-Z] [0-9]{6}$"),  # 1993-law forms (to Land Law 2003)
    (dt.date(2004, 7, 1), dt.date(2025, 1, 1), r"^[A-Z]{2} [0-9]{6}$"),  # e.g. "CS 123456", through 2024
    (dt.date(2024, 8, 1), dt.date(2400, 1, 1), r"^[A-Z]{2} [0-9]{8}$"),  # QR-coded form, e.g. "AA 06654954"
)


def serial_regexes(issue_date: dt.date) -> tuple[str, ...]:
    """Every serial form lawful on ``issue_date`` (two during the 2024 transition)."""
    out = tuple(regex for start, end, regex in SERIAL_ERAS if start <= issue_date < end)
    if not out:
        raise ValueError(f"no serial era for {issue_date}")
    return out


def serial_regex(issue_date: dt.date) -> str:
    """The newest form lawful on ``issue_date``."""
    return serial_regexes(issue_date)[-1]
