"""``betrokken jobs``: the background jobs in a process of their own, which serves nothing.

Run beside serving processes that have ``BETROKKEN_BACKGROUND_JOBS=false``: a job then
never holds the GIL of a process that answers requests (docs/benchmarks.md, "Issue 22").
Several may run; the jobs' lock (``hub/leader.py``) has one run the jobs and another take
over when it stops or dies.
"""

from __future__ import annotations

import logging
import logging.config
import signal
from typing import TYPE_CHECKING

import click

from api.cli.server import _settings

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

    from hub.runtime import Runtime

log = logging.getLogger("betrokken.jobs")

STOP_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT})


@click.command()
@click.option(
    "--once",
    is_flag=True,
    help="Run every job once (if no other process holds the jobs' lock) and exit.",
)
def jobs(once: bool) -> None:
    """Run the background jobs (retention, delivery, audit sequencing, alerts and checks)
    until SIGTERM or SIGINT, whatever BETROKKEN_BACKGROUND_JOBS says."""
    from hub import telemetry
    from hub.background import jobs_running
    from hub.errors import ConfigurationError
    from hub.logs import logging_config
    from hub.runtime import build_runtime
    from policies import PolicyError

    if not once:
        # Waited for below, never delivered: blocked before any thread starts (threads
        # inherit the mask), so no job thread is interrupted and no handler races a lock.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    settings = _settings()
    logging.config.dictConfig(
        logging_config(json_lines=settings.log_json, level=settings.log_level)
    )
    try:
        runtime = build_runtime(settings)
        tracing = telemetry.tracer_provider(settings, service="betrokken-jobs")
    except (ConfigurationError, PolicyError) as error:
        raise click.ClickException(str(error)) from None
    tracer = tracing.get_tracer(telemetry.TRACER_NAME) if tracing else None
    try:
        if once:
            _run_once(runtime, tracer)
            return
        with jobs_running(runtime, tracer=tracer) as scheduler:
            log.info("background jobs: %d on their schedule", len(scheduler.tasks))
            received = signal.sigwait(STOP_SIGNALS)
            log.info("background jobs: %s received, stopping", signal.Signals(received).name)
        log.info("background jobs: stopped")
    finally:
        if tracing is not None:
            tracing.shutdown()


def _run_once(runtime: Runtime, tracer: Tracer | None) -> None:
    from hub.background import run_jobs_once
    from hub.scheduler import lower_priority

    lower_priority(runtime.settings.jobs_niceness)  # as the scheduled runs' threads do
    failed = run_jobs_once(runtime, tracer=tracer)
    if failed is None:
        log.info("background jobs: another process holds the lock; none run")
    elif failed:
        raise click.ClickException(f"jobs failed: {', '.join(failed)}")
    else:
        log.info("background jobs: each run once")
