"""Bodies: over BETROKKEN_MAX_BODY_BYTES a 413 before reading, anything but UTF-8 JSON a 415.

Both on every route of the hub (its direct routes included) and of the pseudonymiser, and
with memory that stays flat however long a streamed body goes on.
"""

from __future__ import annotations

import asyncio
import json
import re
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.bodies import RequestBodies
from api.pseudonymiser.app import create_pseudonymiser_app
from hub.runtime import Runtime
from hub.settings import Settings
from tests.helpers import auth, opaque_pseudonym
from tests.live import LiveServices

PROBLEM = "application/problem+json"
LIMIT = 64 * 1024  # the default


def _operations(client: TestClient) -> Iterator[tuple[str, str, bool]]:
    """Every operation of the app's OpenAPI document: method, a concrete path, has a body."""
    spec = client.get("/api/v1/openapi.json").json()
    for path, operations in spec["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e", path)
        for method, operation in operations.items():
            yield method.upper(), concrete, "requestBody" in operation


@pytest.fixture(params=["hub", "hub-without-direct-routes", "pseudonymiser"])
def app_client(
    request: pytest.FixtureRequest, runtime: Runtime, settings: Settings
) -> Iterator[TestClient]:
    if request.param == "pseudonymiser":
        app = create_pseudonymiser_app(settings)
    else:
        app = create_app(runtime=runtime, direct=request.param == "hub")
    with TestClient(app) as client:
        yield client


def _assert_problem(answer: Any, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.headers["api-version"]
    assert answer.json()["code"] == code


def test_a_body_over_the_limit_is_refused_on_every_route(app_client: TestClient) -> None:
    too_large = b"{" + b" " * LIMIT + b"}"
    for method, path, _ in _operations(app_client):
        answer = app_client.request(
            method, path, content=too_large, headers={"content-type": "application/json"}
        )
        _assert_problem(answer, 413, "payload_too_large")
        assert str(LIMIT) in answer.json()["detail"]


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=latin-1",
        "application/json; charset=utf-16",
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        None,
    ],
)
def test_a_body_not_declared_utf8_json_is_415_on_every_route_with_one(
    app_client: TestClient, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    routes = [(method, path) for method, path, body in _operations(app_client) if body]
    assert routes
    for method, path in routes:
        answer = app_client.request(method, path, content=b"{}", headers=headers)
        _assert_problem(answer, 415, "unsupported_media_type")


def test_a_body_that_is_not_utf8_is_malformed_on_every_route_with_one(
    app_client: TestClient, idp: Any
) -> None:
    """As malformed JSON is: a 422, where FastAPI's routes made it a 400."""
    headers = {**auth(idp, "anna", "pw-handhaving"), "content-type": "application/json"}
    for method, path, body in _operations(app_client):
        if body:
            answer = app_client.request(
                method, path, content=b'{"a": "\xe9t\xe9"}', headers=headers
            )
            _assert_problem(answer, 422, "invalid_payload")
            assert answer.json()["errors"] == [
                {"location": ["body"], "message": "the body is not valid UTF-8"}
            ]


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "Application/JSON;Charset=UTF-8"],
)
def test_utf8_json_is_read(
    client: TestClient, settings: Settings, content_type: str, idp: Any
) -> None:
    subject = {"kind": "bsn", "pseudonym": opaque_pseudonym("utf-8")}
    body = json.dumps({"subject": subject, "purpose": "rechtmatigheid", "case_ref": "Z-2026-1"})
    headers = {**auth(idp, "anna", "pw-handhaving"), "content-type": content_type}
    answer = client.post("/api/v1/involvement-checks", content=body.encode(), headers=headers)
    assert answer.status_code == 200, answer.text
    with TestClient(create_pseudonymiser_app(settings)) as pseudonymiser:
        answer = pseudonymiser.post(
            "/api/v1/evaluations",
            content=b'{"kind": "bsn", "blinded_elements": ["AA"]}',
            headers={**auth(idp, "anna", "pw-handhaving"), "content-type": content_type},
        )
        assert answer.status_code == 400 and answer.json()["code"] == "invalid_element"


def test_a_streamed_body_is_read_no_further_than_the_limit() -> None:
    """The middleware alone: an app that reads all it gets stops at the limit plus a chunk."""
    chunk, chunks_sent = 16 * 1024, 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal chunks_sent
        chunks_sent += 1
        return {"type": "http.request", "body": b" " * chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def greedy(scope: Any, receive: Any, send: Any) -> None:
        while (await receive())["more_body"]:
            pass

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/x",
        "headers": [(b"transfer-encoding", b"chunked"), (b"content-type", b"application/json")],
    }
    asyncio.run(RequestBodies(greedy, max_bytes=LIMIT)(scope, receive, send))
    assert chunks_sent == LIMIT // chunk + 1
    assert sent[0]["status"] == 413


def _rss_peak_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE).group(1))  # type: ignore[union-attr]


def _stream(url: str, path: str, headers: dict[str, str], *, total: int, declared: bool) -> bytes:
    """POST ``total`` bytes to ``path`` as fast as the server takes them, chunked (or with
    its length declared), reading all the while; the answer once it is complete. Bounded:
    30 s at most, and only to the local server."""
    address = urlsplit(url)
    framing = f"Content-Length: {total}" if declared else "Transfer-Encoding: chunked"
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    request = f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\n{head}{framing}\r\n\r\n"
    piece = b" " * (64 * 1024)
    frame = piece if declared else b"%x\r\n%s\r\n" % (len(piece), piece)
    answer, pending, left = b"", request.encode(), total
    deadline = time.monotonic() + 30
    with socket.create_connection((address.hostname, address.port), timeout=5) as sock:
        sock.setblocking(False)
        while time.monotonic() < deadline and not _complete(answer):
            writing = [sock] if pending or left else []
            readable, writable, _ = select.select([sock], writing, [], 1)
            if readable:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
            if writable:
                if not pending:
                    pending, left = frame, left - len(piece)
                try:
                    pending = pending[sock.send(pending) :]
                except (BrokenPipeError, ConnectionResetError):
                    pending, left = b"", 0  # the server closed: read its answer
    return answer


def _complete(answer: bytes) -> bool:
    head, found, body = answer.partition(b"\r\n\r\n")
    length = re.search(rb"content-length: (\d+)", head, re.IGNORECASE)
    return bool(found and length and len(body) >= int(length.group(1)))


@pytest.mark.parametrize("declared", [False, True], ids=["chunked", "content-length"])
def test_memory_stays_flat_under_a_100_mb_body(live: LiveServices, declared: bool) -> None:
    anna = auth(live.idp, "anna", "pw-handhaving")
    officer = auth(live.idp, "fg", None, "privacy_officer")
    targets = [
        (live.hub, "/api/v1/involvement-checks", anna),  # a direct route
        (live.hub, "/api/v1/audit/searches", officer),  # a FastAPI route
        (live.pseudonymiser, "/api/v1/evaluations", anna),
    ]
    for service, path, token in targets:
        headers = {**token, "Content-Type": "application/json"}
        _stream(service.url, path, headers, total=LIMIT // 2, declared=declared)  # warm up
        before = _rss_peak_kib(service.pid)
        started = time.monotonic()
        answer = _stream(service.url, path, headers, total=100 * 2**20, declared=declared)
        assert answer.startswith(b"HTTP/1.1 413 "), (path, answer[:300])
        assert b"payload_too_large" in answer
        assert time.monotonic() - started < 10
        grown = _rss_peak_kib(service.pid) - before
        assert grown < 8 * 1024, f"{path}: the peak RSS grew by {grown} KiB"
