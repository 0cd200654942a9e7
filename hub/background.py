"""The hub's scheduled jobs: retention, webhook delivery, audit sequencing and alerts."""

from __future__ import annotations

import httpx

from hub.audit.alerts import run_alerts
from hub.audit.sequencer import run_sequencer
from hub.db import transaction
from hub.notification.delivery import deliver_due
from hub.notification.email import send_pending
from hub.retention.service import run_retention
from hub.retention.views import RetentionRun
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
    scheduler.every(
        runtime.settings.audit_sequencer_interval_seconds,
        "audit-sequencer",
        lambda: run_sequencer(runtime),
    )
    scheduler.every(
        runtime.settings.audit_alert_interval_seconds, "audit-alerts", lambda: run_alerts(runtime)
    )
    settings = runtime.settings
    if settings.smtp_host:
        smtp_host = settings.smtp_host
        scheduler.every(
            settings.delivery_interval_seconds,
            "e-mail",
            lambda: send_pending(
                runtime.sessions,
                host=smtp_host,
                port=settings.smtp_port,
                sender=settings.smtp_sender,
            ),
        )
    return scheduler
