"""One small province with hostile cells, taken through the real path and reported.

Made once per session: generate (300 persons, 5 % defects) → two parcel cells replaced
by hostile text (a script tag, a spreadsheet formula) → ingest → validate (GX) → score
(``ddss.scorecard_io.score_run``: scorecard.json and the score history) → ``build_report``. Browser tests share
one headless Chromium (Debian's, through Playwright).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from ddss.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "<script>window.__ddss_pwned = 1</script>"
FORMULA = '=HYPERLINK("#pwned";"bấm vào đây")'


@dataclass(frozen=True)
class ReportRun:
    settings: Settings
    run_id: str
    run_dir: Path
    index: Path
    inbox: Path
    scorecard: dict


def _make_hostile(parcel_csv: Path) -> None:
    """Rows 2 and 3 of parcel.csv get hostile land-use codes (reported as the finding's value)."""
    with parcel_csv.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    col = rows[0].index("land_use_code")
    rows[2][col] = SCRIPT
    rows[3][col] = FORMULA
    with parcel_csv.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


@pytest.fixture(scope="session")
def report_run(tmp_path_factory) -> ReportRun:
    from ddss.checks.run import validate
    from ddss.ingest import ingest_inbox
    from ddss.report import build_report
    from ddss.scorecard_io import score_run
    from generators.province import DEFAULT_AS_OF, generate

    work = tmp_path_factory.mktemp("report")
    settings = Settings.load(ROOT, data_dir=work / "data", reports_dir=work / "reports", gx_dir=work / "gx")
    gen = generate(province="79", persons=300, seed=11, defect_rate=0.05, out=work / "batch")
    _make_hostile(gen.inbox / "parcel.csv")
    ingest_inbox(settings, "79", gen.inbox)
    result = validate(settings, "79", as_of=DEFAULT_AS_OF)
    _, folder = score_run(settings, "79", result.run_id)
    scorecard = json.loads((folder / "scorecard.json").read_text(encoding="utf-8"))
    index = build_report(settings, "79", result.run_id)
    return ReportRun(settings, result.run_id, result.report_dir, index, gen.inbox, scorecard)
