"""Loaded automatically by subprocesses started by the tests (PYTHONPATH): no internet."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from tests.support import offline  # noqa: E402

offline.install()
