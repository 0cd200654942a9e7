"""OpenTelemetry traces: the tracer provider the settings ask for, and the current trace id.

Off by default. ``BETROKKEN_TRACING=console`` writes spans to stdout, ``otlp`` sends them
over OTLP/HTTP (the optional extra ``betrokken[otlp]``); tests pass a provider of their own
with an in-memory exporter. The provider is the app's, not OpenTelemetry's global one, so
several apps in one test process each keep theirs. Context propagation (W3C
``traceparent``) needs no provider: it lives in the context of the request's task.

A span holds no identifier, pseudonym, member or raw path: the route template, the method,
the status, and the ids of the request (docs/observability.md).
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

from hub.errors import ConfigurationError
from hub.settings import Settings

TRACER_NAME = "betrokken"


def tracer_provider(settings: Settings, *, service: str) -> TracerProvider | None:
    """The provider ``settings.tracing`` asks for, exporting in batches; None when off."""
    if settings.tracing == "off":
        return None
    exporter: SpanExporter
    if settings.tracing == "console":
        exporter = ConsoleSpanExporter()
    else:
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            raise ConfigurationError(
                "BETROKKEN_TRACING=otlp needs the OTLP exporter: pip install 'betrokken[otlp]'"
            ) from None
        exporter = OTLPSpanExporter(endpoint=settings.tracing_otlp_endpoint)
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def current_trace_id() -> str | None:
    """The trace id of the span this code runs in (32 hex digits), or None outside one."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
