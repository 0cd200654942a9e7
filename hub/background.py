"""The hub's jobs: retention, webhook and e-mail delivery, audit sequencing, alerts, checks,
and the alert on a broken policy file.

Each job owns its transactions (``hub/transactions.py``) and is idempotent, so any process
may run them, and the CLI runs the same functions. Every process that keeps the schedule
(:func:`jobs_running`: ``betrokken jobs``, or a serving process with
``BETROKKEN_BACKGROUND_JOBS``) asks for the jobs' lock (``hub/leader.py``), and only the one
that holds it runs them: one sequencer and one set of jobs however many processes keep the
schedule, and another takes over when it dies.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from opentelemetry.trace import Tracer

from hub.actor import Actor
from hub.audit.alerts import raise_policy_alert, run_alerts
from hub.audit.log_check import LogCheck, run_log_check
from hub.audit.models import AuditAlert
from hub.audit.sequencer import SequencerRun, run_sequencer
from hub.notification.delivery import deliver_due
from hub.notification.email import send_pending
from hub.retention.service import RETENTION_ACTOR, run_retention
from hub.retention.views import RetentionRun
from hub.runtime import Runtime
from hub.scheduler import Scheduler
from hub.transactions import transaction

log = logging.getLogger("betrokken.jobs")


def retention_job(
    runtime: Runtime,
    actor: Actor = RETENTION_ACTOR,
    *,
    max_batches: int | None = None,
    stopping: threading.Event | None = None,
) -> RetentionRun:
    """A retention run in batches of ``retention_batch_size``, each its own transaction;
    ``max_batches``, or ``stopping`` set, stops it early (the rest is done by the next run)."""
    runtime.refresh_kept_if_stale()
    return run_retention(
        runtime.sessions,
        actor,
        policy=runtime.policy_for,
        now=runtime.clock.now(),
        audit_subject_link_years=runtime.settings.audit_subject_link_years,
        expiry_warning_days=runtime.settings.expiry_warning_days,
        deadline_warning_days=runtime.settings.deadline_warning_days,
        batch_size=runtime.settings.retention_batch_size,
        pause_seconds=runtime.settings.retention_batch_pause_seconds,
        max_batches=max_batches,
        stopping=stopping,
    )


def sequencer_job(runtime: Runtime, *, force_checkpoint: bool = False) -> SequencerRun:
    return run_sequencer(
        runtime.sessions, runtime.sequencer, clock=runtime.clock, force_checkpoint=force_checkpoint
    )


def alerts_job(runtime: Runtime) -> list[AuditAlert]:
    return run_alerts(runtime.sessions, settings=runtime.settings, clock=runtime.clock)


def policy_job(runtime: Runtime) -> int:
    """Look at the policy file; while it is broken, make sure the officers were alerted."""
    in_force = runtime.policy.current()
    problem = runtime.policy.stale_reason
    if problem is None:
        return 0
    with transaction(runtime.sessions) as session:
        return raise_policy_alert(
            session, problem=problem, version_in_force=in_force.version, now=runtime.clock.now()
        )


def integrity_job(runtime: Runtime, *, every_time: bool = False) -> LogCheck | None:
    """The whole-log check; unless ``every_time``, skipped when any process ran it within
    half an interval (a process's own last run is a whole interval ago)."""
    interval = runtime.settings.audit_integrity_check_interval_seconds
    return run_log_check(
        runtime.sessions,
        verifier_key=runtime.audit_signer.verifier_key(),
        clock=runtime.clock,
        unless_checked_within=None if every_time else interval / 2,
    )


def hub_scheduler(
    runtime: Runtime, *, http: httpx.Client | None = None, tracer: Tracer | None = None
) -> Scheduler:
    """The jobs of one process, run while it holds the jobs' lock; ``tracer`` traces the
    webhook calls (``traceparent``)."""
    http = http or httpx.Client(timeout=5.0)
    settings = runtime.settings
    scheduler = Scheduler(run_if=runtime.leadership.holds, niceness=settings.jobs_niceness)
    scheduler.every(
        settings.retention_interval_seconds,
        "retention",
        lambda: retention_job(runtime, stopping=scheduler.stopping),
    )
    scheduler.every(
        settings.delivery_interval_seconds,
        "webhook-delivery",
        lambda: deliver_due(
            runtime.sessions,
            clock=runtime.clock,
            http=http,
            targets=runtime.webhook_targets,
            tracer=tracer,
        ),
    )
    scheduler.every(
        settings.audit_sequencer_interval_seconds,
        "audit-sequencer",
        lambda: sequencer_job(runtime),
    )
    scheduler.every(
        settings.audit_alert_interval_seconds, "audit-alerts", lambda: alerts_job(runtime)
    )
    scheduler.every(
        settings.audit_alert_interval_seconds, "policy-alert", lambda: policy_job(runtime)
    )
    scheduler.every(
        settings.audit_integrity_check_interval_seconds,
        "audit-integrity",
        lambda: integrity_job(runtime),
    )
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


@contextmanager
def jobs_running(runtime: Runtime, *, tracer: Tracer | None = None) -> Iterator[Scheduler]:
    """The jobs on their schedule in this process for as long as the block runs; then
    stopped (a retention run at its next batch boundary) and the lock released, so that
    another process takes the jobs over at once instead of when the server notices."""
    with httpx.Client(timeout=5.0) as http:
        scheduler = hub_scheduler(runtime, http=http, tracer=tracer)
        scheduler.start()
        try:
            yield scheduler
        finally:
            unfinished = scheduler.stop()
            if unfinished:
                log.warning("background jobs still running at stop: %s", ", ".join(unfinished))
            runtime.leadership.release()


def run_jobs_once(runtime: Runtime, *, tracer: Tracer | None = None) -> list[str] | None:
    """Every job once, in order, if this process holds the jobs' lock (then released): the
    names of those that failed; None if another process holds the lock."""
    try:
        if not runtime.leadership.holds():
            return None
        with httpx.Client(timeout=5.0) as http:
            return hub_scheduler(runtime, http=http, tracer=tracer).run_once()
    finally:
        runtime.leadership.release()
