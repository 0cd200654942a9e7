"""Audit tests: the shared fixtures, with alert thresholds low enough to reach in a test."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.settings import Settings
from policies import DEMO_POLICY


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        policy_file=DEMO_POLICY,
        background_jobs=False,  # the tests drive the sequencer and the alerts themselves
        audit_checkpoint_every_entries=1000,
        audit_alert_distinct_subjects=4,
        audit_alert_unflagged_checks=3,
    )
