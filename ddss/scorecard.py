"""What a scorecard is: its labels and the shape of its scores (run → agency → dataset →
dimension), as ddss.score computes them and ddss.scorecard_io, the report, the gate and
the flows read them. docs/scorecard.md documents the JSON written from it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

__all__ = [
    "DATASET_LABELS",
    "DIMENSIONS_EN",
    "VERDICTS",
    "AgencyScore",
    "DatasetScore",
    "DimensionScore",
    "NotRun",
    "RunFile",
    "Scorecard",
]

DATASET_LABELS: dict[str, tuple[str, str]] = {
    "population": ("Dân cư", "population"),
    "birth": ("Khai sinh", "births"),
    "death": ("Khai tử", "deaths"),
    "marriage": ("Kết hôn", "marriages"),
    "parcel": ("Thửa đất", "parcels"),
    "certificate": ("Giấy chứng nhận", "certificates"),
    "book_closure": ("Khóa sổ hộ tịch", "register book closures"),
}
DIMENSIONS_EN = {"dung": "correct", "du": "complete", "sach": "clean", "song": "current"}
VERDICTS = {"dat": ("đạt", "pass"), "khong_dat": ("không đạt", "fail")}


@dataclass(frozen=True)
class RunFile:
    """The file of a dataset a validation run checked."""

    dataset: str
    agency: str
    batch_id: str
    source_file: str
    file_sha256: str
    rows_staged: int
    rows_quarantined: int

    @property
    def checked(self) -> int:
        return self.rows_staged + self.rows_quarantined


@dataclass(frozen=True)
class NotRun:
    """A check that could not run because a dataset it compares with was not loaded."""

    check_id: str
    dataset: str
    dimension: str
    missing: tuple[str, ...]
    title_vi: str

    def reason(self) -> tuple[str, str]:
        vi = ", ".join(DATASET_LABELS[m][0].lower() for m in self.missing)
        en = ", ".join(DATASET_LABELS[m][1] for m in self.missing)
        return (
            f"Chưa kiểm tra được '{self.title_vi}' ({self.check_id}) vì chưa nạp dữ liệu {vi}.",
            f"Check {self.check_id} could not run: {en} not loaded.",
        )


@dataclass
class DimensionScore:
    dimension: str
    checked: int
    blocking: int
    warning_only: int
    waived: int
    score: float
    threshold: float
    policy: str
    verdict: str
    catalogue_version: str
    previous_run: str | None = None
    previous_score: float | None = None
    change: float | None = None
    comparable: bool | None = None
    dropped: bool = False


@dataclass
class DatasetScore:
    dataset: str
    agency: str
    file: RunFile
    dimensions: list[DimensionScore]
    overall: DimensionScore
    verdict: str
    blocks_batch: bool
    reasons: list[tuple[str, str]]
    not_run: list[NotRun]


@dataclass
class AgencyScore:
    agency: str
    datasets: list[DatasetScore]
    verdict: str
    checked: int
    clean: int

    @property
    def score(self) -> float:
        return self.clean / self.checked if self.checked else 1.0


@dataclass
class Scorecard:
    run_id: str
    province: str
    as_of: dt.date
    computed_at: dt.datetime
    catalogue_version: str
    thresholds_version: str
    thresholds_file: str
    drop_margin: float
    agencies: list[AgencyScore]
    verdict: str
    reasons: list[tuple[str, str]]
    rejected_files: list[tuple[str, str]] = field(default_factory=list)
    land_groups: dict | None = None
    # Earlier runs' scores from the province's history: (run_id, computed_at, agency, dataset, dimension, score).
    history: list[tuple] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.verdict == "dat"

    def datasets(self) -> list[DatasetScore]:
        return [d for a in self.agencies for d in a.datasets]

    def dataset(self, name: str) -> DatasetScore | None:
        return next((d for d in self.datasets() if d.dataset == name), None)

    @property
    def checked(self) -> int:
        return sum(a.checked for a in self.agencies)

    @property
    def score(self) -> float:
        return sum(a.clean for a in self.agencies) / self.checked if self.checked else 1.0
