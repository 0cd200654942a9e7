"""What ``api.observability.Observe`` adds to one request, in-process (docs/benchmarks.md).

A do-nothing ASGI app is called directly, with and without ``Observe`` in front, on one
event loop; the difference per call is the layer's cost: the clock, the request id, the
metrics, and (``--tracing``) a server span exported to nowhere. The scope is that of a
check: ``POST /api/v1/involvement-checks`` with a bearer token and, optionally, a
``traceparent``. Less noisy than the HTTP bench on a busy machine: CPU time only.

    python -m bench.observe_overhead [--calls 200000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from opentelemetry.sdk.trace import TracerProvider

from api.observability import Observe

HEADERS = [
    (b"host", b"127.0.0.1:8000"),
    (b"authorization", b"Bearer " + b"x" * 700),
    (b"content-type", b"application/json"),
    (b"content-length", b"180"),
]
TRACEPARENT = (b"traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")


class _Route:
    path = "/api/v1/involvement-checks"


async def _app(scope: Any, receive: Any, send: Any) -> None:
    scope["route"] = _Route
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _send(message: Any) -> None:
    return None


async def _receive() -> Any:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _per_call(app: Any, calls: int, headers: list[tuple[bytes, bytes]]) -> float:
    scope = {"type": "http", "method": "POST", "path": _Route.path, "headers": headers}
    start = time.process_time()
    for _ in range(calls):
        await app(dict(scope), _receive, _send)
    return (time.process_time() - start) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    tracer = TracerProvider().get_tracer("bench")  # no processor: spans go nowhere
    variants = {
        "bare app": (_app, HEADERS),
        "Observe": (Observe(_app), HEADERS),
        "Observe, traceparent": (Observe(_app), [*HEADERS, TRACEPARENT]),
        "Observe, tracing on": (Observe(_app, tracer=tracer), [*HEADERS, TRACEPARENT]),
    }
    results: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(options.rounds):  # alternated, so a busy moment hits every variant
        for name, (app, headers) in variants.items():
            results[name].append(asyncio.run(_per_call(app, options.calls, headers)))
    bare = statistics.median(results["bare app"])
    for name, values in results.items():
        median = statistics.median(values)
        print(f"{name:24} {median:6.2f} µs per call  (+{median - bare:5.2f} µs)")


if __name__ == "__main__":
    main()
