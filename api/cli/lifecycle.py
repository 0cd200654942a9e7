"""Scheduled work by hand: retention runs and webhook delivery (both idempotent)."""

from __future__ import annotations

import click

from hub.settings import Settings


@click.group()
def retention() -> None:
    """Flag expiry, archive and purge."""


@retention.command("run")
@click.option("--json", "as_json", is_flag=True, help="print the counts as JSON")
def retention_run(as_json: bool) -> None:
    """Warn of flags about to expire (BETROKKEN_EXPIRY_WARNING_DAYS ahead), expire, archive
    and purge flags and expire overdue contact requests, once, in batches of
    BETROKKEN_RETENTION_BATCH_SIZE (each its own transaction)."""
    from hub.background import retention_job
    from hub.retention.schemas import RetentionRunOut
    from hub.runtime import build_runtime
    from hub.scheduler import lower_priority

    settings = Settings()
    lower_priority(settings.jobs_niceness)
    run = retention_job(build_runtime(settings))
    if as_json:
        click.echo(RetentionRunOut.of(run).model_dump_json())
        return
    click.echo(
        f"warned {run.expiry_warnings} owners of flags about to expire; "
        f"expired {run.expired_flags}, archived {run.archived_flags}, purged {run.purged_flags} "
        f"flags; expired {run.expired_requests} contact requests; "
        f"removed {run.removed_matches} empty matches; "
        f"unlinked {run.unlinked_audit_entries} old audit entries from their subjects; "
        f"{run.batches} batches"
    )


@click.group()
def notifications() -> None:
    """Team notifications."""


@notifications.command("deliver")
def notifications_deliver() -> None:
    """Try every webhook delivery that is due, once."""
    import httpx

    from hub.notification.delivery import deliver_due
    from hub.runtime import build_runtime

    runtime = build_runtime(Settings())
    with httpx.Client(timeout=5.0) as http:
        run = deliver_due(
            runtime.sessions, clock=runtime.clock, http=http, targets=runtime.webhook_targets
        )
    click.echo(f"delivered {run.delivered}, will retry {run.retried}, gave up on {run.failed}")
