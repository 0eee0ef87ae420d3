"""Why a whole file is refused: a reason the steward reads (Vietnamese) plus English."""

from __future__ import annotations

__all__ = ["FileRejected"]


class FileRejected(Exception):
    def __init__(self, reason_vi: str, reason_en: str, *, kind: str) -> None:
        super().__init__(f"{reason_vi} / {reason_en}")
        self.reason_vi = reason_vi
        self.reason_en = reason_en
        self.kind = kind  # short stable code: empty, header_only, unknown_dataset, ...
