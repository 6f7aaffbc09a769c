"""The short soak: 2 workers on PostgreSQL for 60 s with a SIGKILL lose and duplicate nothing.

The full soak (2,000 watches, 4 processes, 10 minutes, a kill a minute, a Redis restart) is
``python bench/soak.py``; this is the same code at a size ``make test`` can afford.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.soak import SoakConfig, run

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_short_soak_misses_duplicates_and_loses_nothing(pg_url: str, tmp_path: Path) -> None:
    """Every edit is stored once and alerted once, across a worker SIGKILL and 503 retries."""
    config = SoakConfig.short()
    report = run(pg_url, config, tmp_path)
    assert report.kills == 1 and report.edits_made > 0
    assert (report.edits_missed, report.duplicate_versions, report.alerts_lost) == (0, 0, 0)
    assert report.versions_stored == config.watches + report.edits_made
    assert report.alerts_accepted == report.alerts_expected == report.edits_made
    assert report.alerts_accepted_twice == 0
    assert report.latency_p95_s is not None and report.latency_p95_s < 3 * config.interval
