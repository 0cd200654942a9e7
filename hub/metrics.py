"""The hub's and the pseudonymiser's Prometheus metrics, in one place (docs/observability.md).

No label ever holds an identifier, a pseudonym, a member, a handle or a raw path: routes are
labelled by their template (``/api/v1/flags/{flag_id}``), everything else by a code from a
short fixed list. Counters and histograms live in this module; what is read from the
database or from memory when scraped (the audit sequencing lag, the policies in force) is a
collector that the ``/metrics`` endpoint adds to its registry.

With several worker processes (``betrokken serve --workers N``) prometheus-client's
multiprocess mode is on (``PROMETHEUS_MULTIPROC_DIR``, set by ``serve`` before anything is
imported): each worker writes its values to files there, and ``/metrics`` sums them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

_log = logging.getLogger("betrokken.metrics")

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

UNMATCHED_ROUTE = "<unmatched>"
"""The route label of a request no route matched: its path is never a label."""

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
"""Seconds; an involvement check takes a few milliseconds under load (docs/benchmarks.md)."""

GROUP_BUCKETS = (1, 2, 4, 8, 16, 32, 64)
"""Requests per group commit; at most ``hub.fastpath.groups.MAX_GROUP`` (64)."""

BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
"""Blinded elements per evaluation request; a client sends up to a few hundred."""

HTTP_REQUESTS = Counter(
    "betrokken_http_requests",
    "HTTP requests answered, by route template, method and status code.",
    ("route", "method", "status"),
)
HTTP_DURATION = Histogram(
    "betrokken_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer, by route template and method.",
    ("route", "method"),
    buckets=LATENCY_BUCKETS,
)
GROUP_COMMIT_SIZE = Histogram(
    "betrokken_group_commit_size",
    "Requests written in one group commit (hub/fastpath/groups.py), by kind.",
    ("kind",),
    buckets=GROUP_BUCKETS,
)
PSEUDONYMISER_EVALUATIONS = Counter(
    "betrokken_pseudonymiser_evaluations",
    "Blinded elements evaluated by the pseudonymiser, by identifier kind and key epoch.",
    ("kind", "epoch"),
)
PSEUDONYMISER_BATCH_SIZE = Histogram(
    "betrokken_pseudonymiser_batch_size",
    "Blinded elements per evaluation request.",
    buckets=BATCH_BUCKETS,
)


def multiprocess_dir() -> str | None:
    """The directory the workers write their values to, when multiprocess mode is on."""
    return os.environ.get(MULTIPROCESS_ENV) or None


def exposition(extra: Iterable[Collector] = ()) -> bytes:
    """The metrics in Prometheus' text format: this process's, or every worker's summed when
    multiprocess mode is on, followed by ``extra`` (read when scraped)."""
    from prometheus_client import REGISTRY

    path = multiprocess_dir()
    if path is None:
        registry = CollectorRegistry()
        registry.register(_Forward(REGISTRY))
    else:
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)


class _Forward(Collector):
    """Another registry's metrics, so one scrape registry holds them and the extra ones."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterable[Metric]:
        return self._registry.collect()


class AuditLag(Collector):
    """Audit entries committed but not yet sequenced, and the age of the oldest (seconds).

    Read from the database when scraped, so every process reports the one shared queue. The
    sequencer runs every second in each hub process; a growing lag means it stopped.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        lag: Callable[[Session], tuple[int, datetime | None]],
        now: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._lag = lag
        self._now = now

    def collect(self) -> Iterable[Metric]:
        try:
            with self._sessions() as session:
                count, oldest = self._lag(session)
        except SQLAlchemyError as error:  # the rest of /metrics still answers
            _log.warning("audit sequencing lag not read: %s", error.__class__.__name__)
            return
        seconds = max((self._now() - oldest).total_seconds(), 0.0) if oldest else 0.0
        yield GaugeMetricFamily(
            "betrokken_audit_unsequenced_entries",
            "Audit entries committed but without a leaf index yet.",
            value=count,
        )
        yield GaugeMetricFamily(
            "betrokken_audit_sequencing_lag_seconds",
            "Seconds since the oldest audit entry without a leaf index was written (0: none).",
            value=seconds,
        )


class PolicyVersions(Collector):
    """The policy versions in force: the hub's policy file and each organisation's approved
    policy, by version hash (a hash of the policy text: nothing personal)."""

    def __init__(self, in_force: Callable[[], Mapping[str, str]]) -> None:
        """``in_force`` gives the version per organisation slug, ``""`` for the file."""
        self._in_force = in_force

    def collect(self) -> Iterable[Metric]:
        info = InfoMetricFamily(
            "betrokken_policy",
            "The policy version in force: organisation '' is the hub's policy file.",
            labels=("organisation",),
        )
        for organisation, version in sorted(self._in_force().items()):
            info.add_metric([organisation], {"version": version})
        yield info
