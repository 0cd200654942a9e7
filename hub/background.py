"""The hub's scheduled jobs: retention and webhook delivery."""

from __future__ import annotations

import httpx

from hub.db import transaction
from hub.notification.delivery import deliver_due
from hub.retention.service import RetentionRun, run_retention
from hub.runtime import Runtime
from hub.scheduler import Scheduler


def retention_job(runtime: Runtime) -> RetentionRun:
    with transaction(runtime.sessions) as session:
        return run_retention(session, runtime=runtime)


def hub_scheduler(runtime: Runtime, *, http: httpx.Client | None = None) -> Scheduler:
    http = http or httpx.Client(timeout=5.0)
    scheduler = Scheduler()
    scheduler.every(
        runtime.settings.retention_interval_seconds, "retention", lambda: retention_job(runtime)
    )
    scheduler.every(
        runtime.settings.delivery_interval_seconds,
        "webhook-delivery",
        lambda: deliver_due(runtime.sessions, clock=runtime.clock, http=http),
    )
    return scheduler
