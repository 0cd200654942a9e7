"""A lean HTTP/1.1 load generator: asyncio, keep-alive connections, latency per request.

It shares the machine's cores with the hub and PostgreSQL, so it has to cost little: a
general client (httpx) spends more CPU per request than the hub's cheapest endpoints. This
one writes prepared request bytes and reads ``Content-Length`` framed answers, which is
all uvicorn sends. Each connection runs one request at a time (a closed loop), so the
concurrency is the number of connections, as with ``pgbench -c``.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Call:
    """One request to send and the status that counts as success."""

    kind: str
    method: str
    path: str
    token: str
    body: dict[str, Any] | None
    expect: int
    on_success: Callable[[bytes], None] | None = None


CallFactory = Callable[[], Call]


@dataclass
class Tally:
    """What one phase measured, per request kind."""

    latencies: dict[str, list[float]] = field(default_factory=dict)  # seconds, successes
    statuses: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, kind: str, status: str, seconds: float, ok: bool) -> None:
        self.statuses.setdefault(kind, Counter())[status] += 1
        if ok:
            self.latencies.setdefault(kind, []).append(seconds)


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Figures:
    """Throughput, latency and errors of one request kind in one phase."""

    requests: int
    ok: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    error_rate: float
    statuses: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "ok": self.ok,
            "per_second": round(self.per_second, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "max_ms": round(self.max_ms, 2),
            "error_rate": round(self.error_rate, 5),
            "statuses": self.statuses,
        }


def summarise(tally: Tally, seconds: float) -> dict[str, Figures]:
    out: dict[str, Figures] = {}
    kinds = set(tally.statuses) | {"all"}
    for kind in sorted(kinds):
        if kind == "all":
            latencies = sorted(x for values in tally.latencies.values() for x in values)
            statuses: Counter[str] = Counter()
            for counter in tally.statuses.values():
                statuses.update(counter)
        else:
            latencies = sorted(tally.latencies.get(kind, []))
            statuses = tally.statuses[kind]
        total = sum(statuses.values())
        ok = len(latencies)
        out[kind] = Figures(
            requests=total,
            ok=ok,
            per_second=ok / seconds if seconds > 0 else 0.0,
            p50_ms=percentile(latencies, 0.50) * 1000,
            p95_ms=percentile(latencies, 0.95) * 1000,
            p99_ms=percentile(latencies, 0.99) * 1000,
            max_ms=(latencies[-1] * 1000) if latencies else 0.0,
            error_rate=(total - ok) / total if total else 0.0,
            statuses=dict(statuses),
        )
    return out


class _Connection:
    """One keep-alive connection to the server."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def send(self, call: Call) -> tuple[int, bytes]:
        reader, writer = await self._open()
        payload = json.dumps(call.body).encode() if call.body is not None else b""
        head = (
            f"{call.method} {call.path} HTTP/1.1\r\n"
            f"Host: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {call.token}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n"
        ).encode()
        writer.write(head + payload)
        # The whole head at once: one read instead of one per header line.
        head_lines = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
        status = int(head_lines[0].split(b" ", 2)[1])
        length = 0
        close = False
        for line in head_lines[1:]:
            name, _, value = line.partition(b":")
            lowered = name.strip().lower()
            if lowered == b"content-length":
                length = int(value.strip())
            elif lowered == b"connection" and value.strip().lower() == b"close":
                close = True
        body = await reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, body


async def _worker(
    host: str,
    port: int,
    factory: CallFactory,
    tally: Tally,
    *,
    measure_from: float,
    stop_at: float,
    timeout: float,
    until: Callable[[], bool] | None = None,
    ended: list[float] | None = None,
) -> None:
    connection = _Connection(host, port)
    try:
        while (start := time.perf_counter()) < stop_at:
            if until is not None and ended is not None and until():
                ended[0] = min(ended[0], start)
                break
            call = factory()
            try:
                async with asyncio.timeout(timeout):  # no task per request, as wait_for makes
                    status, body = await connection.send(call)
                label = str(status)
                ok = status == call.expect
            except (
                OSError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
                TimeoutError,
                ValueError,
            ) as error:
                connection.close()
                label, ok, body = type(error).__name__, False, b""
            end = time.perf_counter()
            if ok and call.on_success is not None:
                call.on_success(body)
            if start >= measure_from and end <= stop_at:
                tally.add(call.kind, label, end - start, ok)
    finally:
        connection.close()


async def _run(
    targets: list[tuple[str, int]],
    factory: CallFactory,
    *,
    concurrency: int,
    seconds: float,
    warmup: float,
    timeout: float,
    until: Callable[[], bool] | None = None,
) -> tuple[Tally, float]:
    tally = Tally()
    now = time.perf_counter()
    measure_from, stop_at = now + warmup, now + warmup + seconds
    ended = [stop_at]
    await asyncio.gather(
        *(
            _worker(
                *targets[index % len(targets)],
                factory,
                tally,
                measure_from=measure_from,
                stop_at=stop_at,
                timeout=timeout,
                until=until,
                ended=ended,
            )
            for index in range(concurrency)
        )
    )
    return tally, max(0.0, ended[0] - measure_from)


def run_phase(
    urls: str | list[str],
    factory: CallFactory,
    *,
    concurrency: int,
    seconds: float,
    warmup: float = 1.0,
    timeout: float = 30.0,
    until: Callable[[], bool] | None = None,
) -> dict[str, Figures]:
    """Drive ``factory``'s calls at ``concurrency`` for ``warmup + seconds``; figures per kind.
    With ``until``, the phase ends early once it returns true (asked before each call):
    the rate is then per second measured until that moment.

    Connections are spread round-robin over ``urls``, as a load balancer would. Only
    requests that start after the warm-up and finish before the end are counted, so the
    rate is completed requests per measured second.
    """
    targets = []
    for url in [urls] if isinstance(urls, str) else urls:
        host, _, port = url.removeprefix("http://").partition(":")
        targets.append((host, int(port)))
    # uvloop (which uvicorn[standard] brings) costs the driver a good part less CPU per request.
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        tally, measured = runner.run(
            _run(
                targets,
                factory,
                concurrency=concurrency,
                seconds=seconds,
                warmup=warmup,
                timeout=timeout,
                until=until,
            )
        )
    return summarise(tally, measured)


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop
