"""Metrics, traces and logs of the hub (docs/observability.md), in one process.

``/metrics`` labels routes by their template and never carries a flag id, a handle or a
pseudonym; it is served only to the configured networks or with the token. A request's
``traceparent`` is continued by its server span, whose trace id the audit entry records;
a malformed one starts a new trace. Logs are JSON lines with the request's ids.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import text

from api.app import create_app
from api.auth.dev_idp import DevIdentityProvider
from crypto.identifiers import synthetic_bsn
from hub.clock import FixedClock
from hub.logs import REQUEST_ID, JsonFormatter, scrub
from hub.notification.delivery import deliver_due
from hub.runtime import Runtime
from tests.helpers import audit_rows, auth, check, opaque_pseudonym, register

LOOPBACK = ("127.0.0.1", 50000)
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN = "00f067aa0ba902b7"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient, **headers: str) -> tuple[str, Samples]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return response.text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def local(runtime: Runtime) -> Iterator[TestClient]:
    """The hub as seen from 127.0.0.1, a network allowed to read /metrics by default."""
    with TestClient(create_app(runtime=runtime), client=LOOPBACK) as test_client:
        yield test_client


def test_metrics_count_routes_by_template_without_identifiers(
    local: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    bram = auth(idp, "bram", "schuldhulp")
    anna = auth(idp, "anna", "pw-handhaving")
    subject = opaque_pseudonym("metrics-subject")
    _, before = scrape(local)

    registered = register(local, bram, subject, purpose="schuldhulpverlening")
    assert registered.status_code == 201
    flag_id = registered.json()["flag"]["id"]
    answer = check(local, anna, subject, purpose="rechtmatigheid")
    assert answer.status_code == 200
    handle = answer.json()["involved"][0]["handle"]
    assert local.delete(f"/api/v1/flags/{flag_id}", headers=bram).status_code == 200
    assert local.get("/api/v1/no-such-route/999990019").status_code == 404
    assert local.get("/api/v1/openapi.json").status_code == 200  # a plain Starlette route

    text, after = scrape(local)
    for raw in (flag_id, handle, subject, "999990019", "no-such-route"):
        assert raw not in text  # neither a raw path nor a value becomes a label

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "betrokken_http_requests_total"
    assert grew(requests, route="/api/v1/flags", method="POST", status="201") == 1
    assert grew(requests, route="/api/v1/involvement-checks", method="POST", status="200") == 1
    assert grew(requests, route="/api/v1/flags/{flag_id}", method="DELETE", status="200") == 1
    assert grew(requests, route="<unmatched>", method="GET", status="404") == 1
    assert grew(requests, route="/api/v1/openapi.json", method="GET", status="200") == 1
    duration = "betrokken_http_request_duration_seconds_count"
    assert grew(duration, route="/api/v1/involvement-checks", method="POST") == 1
    assert grew("betrokken_group_commit_size_count", kind="check") == 1
    assert grew("betrokken_group_commit_size_count", kind="registration") == 1

    # The two entries are not sequenced yet (no background jobs here): the lag shows them.
    assert value(after, "betrokken_audit_unsequenced_entries") >= 2
    assert value(after, "betrokken_audit_sequencing_lag_seconds") >= 0
    version = runtime.policy.current().version
    assert value(after, "betrokken_policy_info", organisation="", version=version) == 1


def test_metrics_are_refused_outside_the_networks_without_the_token(
    runtime: Runtime,
) -> None:
    with TestClient(create_app(runtime=runtime), client=("192.0.2.7", 50000)) as outside:
        refused = outside.get("/metrics")
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert "betrokken_" not in refused.text

    settings = runtime.settings.model_copy(
        update={
            "metrics_networks": ("10.0.0.0/8",),
            "metrics_token": SecretStr("s3cret-scraper-token"),
        }
    )
    app = create_app(settings, runtime=runtime)
    with TestClient(app, client=("192.0.2.7", 50000)) as outside:
        assert outside.get("/metrics").status_code == 403
        wrong = outside.get("/metrics", headers={"Authorization": "Bearer wrong"})
        assert wrong.status_code == 403
        scrape(outside, Authorization="Bearer s3cret-scraper-token")
    with TestClient(app, client=("10.1.2.3", 50000)) as inside:
        scrape(inside)
    with TestClient(app, client=LOOPBACK) as loopback:  # not in the networks configured
        assert loopback.get("/metrics").status_code == 403


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def traced(runtime: Runtime, spans: InMemorySpanExporter) -> Iterator[TestClient]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    app = create_app(runtime=runtime, tracer_provider=provider)
    with TestClient(app, client=LOOPBACK) as test_client:
        yield test_client


def server_spans(spans: InMemorySpanExporter) -> list[ReadableSpan]:
    return [span for span in spans.get_finished_spans() if span.kind is SpanKind.SERVER]


@pytest.mark.parametrize("path", ["direct", "fastapi"])
def test_a_traceparent_is_continued_and_recorded_in_the_audit_entry(
    traced: TestClient,
    spans: InMemorySpanExporter,
    idp: DevIdentityProvider,
    runtime: Runtime,
    path: str,
) -> None:
    anna = auth(idp, "anna", "pw-handhaving")
    headers = {**anna, "traceparent": f"00-{TRACE_ID}-{PARENT_SPAN}-01"}
    if path == "direct":  # the involvement check, served by api/direct_routes.py
        response = check(traced, headers, opaque_pseudonym("traced"), purpose="rechtmatigheid")
        method, route, action = "POST", "/api/v1/involvement-checks", "involvement.check"
    else:  # a route FastAPI serves: withdrawing a flag registered without a traceparent
        registered = register(traced, anna, opaque_pseudonym("traced"), purpose="rechtmatigheid")
        spans.clear()
        flag_id = registered.json()["flag"]["id"]
        response = traced.delete(f"/api/v1/flags/{flag_id}", headers=headers)
        method, route, action = "DELETE", "/api/v1/flags/{flag_id}", "flag.withdraw"
    assert response.status_code == 200

    (span,) = server_spans(spans)
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert span.parent is not None and format(span.parent.span_id, "016x") == PARENT_SPAN
    assert span.name == f"{method} {route}"
    assert span.attributes is not None and span.attributes["http.route"] == route
    assert span.attributes["http.response.status_code"] == 200
    (entry,) = [row for row in audit_rows(runtime) if row.action == action]
    assert entry.trace_id == TRACE_ID
    assert f'"trace_id":"{TRACE_ID}"' in entry.leaf


@pytest.mark.parametrize(
    "traceparent",
    [
        "garbage",
        f"00-{'0' * 32}-{PARENT_SPAN}-01",  # an all-zero trace id is invalid (W3C)
        f"00-{TRACE_ID}-{'0' * 16}-01",  # so is an all-zero parent
        f"00-{TRACE_ID.upper()}-{PARENT_SPAN}-01",
        "00-" + "x" * 300,
    ],
)
def test_a_malformed_traceparent_starts_a_new_trace(
    traced: TestClient,
    spans: InMemorySpanExporter,
    idp: DevIdentityProvider,
    runtime: Runtime,
    traceparent: str,
) -> None:
    headers = {**auth(idp, "anna", "pw-handhaving"), "traceparent": traceparent}
    response = check(traced, headers, opaque_pseudonym("malformed"), purpose="rechtmatigheid")
    assert response.status_code == 200

    (span,) = server_spans(spans)
    assert span.parent is None
    trace_id = format(span.context.trace_id, "032x")
    assert trace_id not in (TRACE_ID, "0" * 32)
    (entry,) = [row for row in audit_rows(runtime) if row.action == "involvement.check"]
    assert entry.trace_id == trace_id  # the audit entry names the trace that exists


def test_without_tracing_the_audit_entry_keeps_the_callers_trace_id(
    local: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    headers = {
        **auth(idp, "anna", "pw-handhaving"),
        "traceparent": f"00-{TRACE_ID}-{PARENT_SPAN}-01",
    }
    assert check(local, headers, opaque_pseudonym("untraced"), purpose="rechtmatigheid").is_success
    (entry,) = [row for row in audit_rows(runtime) if row.action == "involvement.check"]
    assert entry.trace_id == TRACE_ID


def test_webhook_calls_carry_the_delivery_spans_traceparent(
    local: TestClient,
    idp: DevIdentityProvider,
    runtime: Runtime,
    clock: FixedClock,
    spans: InMemorySpanExporter,
) -> None:
    """The delivery job's POST carries its client span's ``traceparent``."""
    lead = auth(idp, "lia", "pw-handhaving", "team_lead")
    webhook = {"url": "http://127.0.0.1:9/hook"}
    assert local.put("/api/v1/team/webhook", json=webhook, headers=lead).status_code == 200
    subject = opaque_pseudonym("webhook-traced")
    register(local, auth(idp, "anna", "pw-handhaving"), subject, purpose="rechtmatigheid")
    register(local, auth(idp, "bram", "schuldhulp"), subject, purpose="schuldhulpverlening")
    sent: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    with httpx.Client(transport=httpx.MockTransport(receiver)) as http:
        run = deliver_due(
            runtime.sessions,
            clock=clock,
            http=http,
            targets=runtime.webhook_targets,
            tracer=provider.get_tracer("test"),
        )
    assert run.delivered == 1
    (request,) = sent
    (span,) = spans.get_finished_spans()
    assert span.kind is SpanKind.CLIENT and span.name == "webhook delivery"
    _, trace_id, span_id, _ = request.headers["traceparent"].split("-")
    assert trace_id == format(span.context.trace_id, "032x")
    assert span_id == format(span.context.span_id, "016x")


def _record(message: str, *args: Any, **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord("betrokken.test", logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def test_json_log_lines_carry_the_request_and_no_identifier() -> None:
    bsn = synthetic_bsn(7)
    pseudonym = opaque_pseudonym("logged")
    token = REQUEST_ID.set("req-42")
    try:
        line = JsonFormatter().format(
            _record(
                "refused %s for %s",
                bsn,
                pseudonym,
                route="/api/v1/flags",
                status=403,
                duration_ms=1.5,
            )
        )
    finally:
        REQUEST_ID.reset(token)
    document = json.loads(line)
    assert "\n" not in line
    assert set(document) >= {"time", "level", "logger", "message", "request_id", "trace_id"}
    assert document["request_id"] == "req-42"
    assert document["route"] == "/api/v1/flags" and document["status"] == 403
    assert bsn not in line and pseudonym not in line
    assert document["message"] == "refused [redacted] for [redacted]"


@pytest.mark.parametrize(
    "text", ["999990019", "9999.90.019", "0363 2001 0000 0001", "12-34-56-78", "a" * 86]
)
def test_scrub_takes_out_what_could_be_an_identifier(text: str) -> None:
    assert scrub(f"x {text} y") == "x [redacted] y"


def test_scrub_keeps_ordinary_numbers() -> None:
    assert scrub("a group of 64 checks in 12.5 ms") == "a group of 64 checks in 12.5 ms"


def test_serve_prepares_the_multiprocess_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``betrokken serve``: one worker needs no directory; several get a fresh one of their
    own (removed when serving ends); a directory given is emptied of an earlier run's."""
    from api.cli.server import _prepare_metrics_dir

    # Set first so the variable is restored to what it was, whatever the function sets.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    assert _prepare_metrics_dir(1) is None
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    own = _prepare_metrics_dir(2)
    assert own is not None and os.environ["PROMETHEUS_MULTIPROC_DIR"] == own
    assert not any(Path(own).iterdir())
    Path(own).rmdir()

    given = tmp_path / "metrics"
    given.mkdir()
    (given / "counter_4242.db").write_bytes(b"old")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(given))
    assert _prepare_metrics_dir(2) is None
    assert not any(given.iterdir())


def test_metrics_answer_when_the_database_does_not(local: TestClient, runtime: Runtime) -> None:
    runtime.sessions.kw["bind"].dispose()
    with runtime.sessions() as session:
        session.execute(text("DROP TABLE audit_entries"))
        session.commit()
    body, samples = scrape(local)
    assert "betrokken_audit_unsequenced_entries" not in body
    assert (
        value(
            samples,
            "betrokken_policy_info",
            organisation="",
            version=runtime.policy.current().version,
        )
        == 1
    )
