"""Signed webhooks to a real receiver on 127.0.0.1: retries with backoff, the inbox keeps all.

A webhook says only that news waits in the inbox: the contact details stay behind the
inbox's login.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from hub.clock import FixedClock
from hub.notification.delivery import deliver_due
from hub.runtime import Runtime
from tests.helpers import auth, opaque_pseudonym, register

SUBJECT = opaque_pseudonym("webhook")


class Receiver:
    """A partner's endpoint: checks each signature, and can be told to fail."""

    def __init__(self) -> None:
        self.secret = ""
        self.failing = True
        self.accepted: list[dict] = []  # type: ignore[type-arg]
        self.attempts = 0
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.attempts += 1
                fields = dict(
                    part.split("=", 1) for part in self.headers["Betrokken-Signature"].split(",")
                )
                expected = hmac.new(
                    receiver.secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256
                ).hexdigest()
                if not hmac.compare_digest(expected, fields["v1"]):
                    receiver.bad_signatures += 1
                    self.send_response(401)
                elif receiver.failing:
                    self.send_response(503)
                else:
                    receiver.accepted.append(json.loads(body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()


def test_retries_with_backoff_until_delivered(
    client: TestClient,
    idp: DevIdentityProvider,
    runtime: Runtime,
    clock: FixedClock,
    receiver: Receiver,
) -> None:
    lead = auth(idp, "lia", "pw-handhaving", "team_lead")
    webhook = client.put("/api/v1/team/webhook", json={"url": receiver.url}, headers=lead)
    assert webhook.status_code == 200, webhook.text
    receiver.secret = webhook.json()["secret"]
    assert (
        client.put(
            "/api/v1/team/webhook",
            json={"url": receiver.url},
            headers=auth(idp, "p", "pw-handhaving"),
        ).status_code
        == 403
    )

    register(client, auth(idp, "anna", "pw-handhaving"), SUBJECT, purpose="rechtmatigheid")
    register(client, auth(idp, "bram", "schuldhulp"), SUBJECT, purpose="schuldhulpverlening")

    with httpx.Client(timeout=5) as http:

        def deliver() -> tuple[int, int, int]:
            run = deliver_due(runtime.sessions, clock=clock, http=http)
            return run.delivered, run.retried, run.failed

        assert deliver() == (0, 1, 0)  # the receiver is down
        assert deliver() == (0, 0, 0)  # not due again yet: backoff 2 s
        clock.advance(timedelta(seconds=2))
        assert deliver() == (0, 1, 0)
        clock.advance(timedelta(seconds=3))
        assert deliver() == (0, 0, 0)  # the second backoff is 4 s
        clock.advance(timedelta(seconds=1))
        receiver.failing = False
        assert deliver() == (1, 0, 0)
        clock.advance(timedelta(hours=2))
        assert deliver() == (0, 0, 0)  # delivered once, never again

    assert receiver.attempts == 3 and receiver.bad_signatures == 0
    [delivered] = receiver.accepted
    assert delivered["kind"] == "match.created" and delivered["team"] == "pw-handhaving"
    assert SUBJECT not in json.dumps(delivered)
    inbox = client.get("/api/v1/notifications", headers=lead).json()["items"]
    assert [n["delivery"] for n in inbox] == ["delivered"]


def test_a_wrong_secret_is_caught_by_the_receiver(
    client: TestClient,
    idp: DevIdentityProvider,
    runtime: Runtime,
    clock: FixedClock,
    receiver: Receiver,
) -> None:
    lead = auth(idp, "lia", "pw-handhaving", "team_lead")
    client.put("/api/v1/team/webhook", json={"url": receiver.url}, headers=lead)
    receiver.secret = "not the team's secret"
    receiver.failing = False
    register(client, auth(idp, "anna", "pw-handhaving"), SUBJECT, purpose="rechtmatigheid")
    register(client, auth(idp, "bram", "schuldhulp"), SUBJECT, purpose="schuldhulpverlening")
    with httpx.Client(timeout=5) as http:
        run = deliver_due(runtime.sessions, clock=clock, http=http)
    assert receiver.bad_signatures == 1 and run.delivered == 0 and run.retried == 1
    assert len(client.get("/api/v1/notifications", headers=lead).json()["items"]) == 1


CONTACT = {"name": "Bram de Schuldhulp", "email": "bram.b@example.org", "phone": "+31 20 555 0199"}


def test_the_webhook_says_only_that_news_waits_and_the_inbox_keeps_the_contact(
    client: TestClient,
    idp: DevIdentityProvider,
    runtime: Runtime,
    clock: FixedClock,
    receiver: Receiver,
) -> None:
    lead = auth(idp, "lia", "pw-handhaving", "team_lead")
    receiver.secret = client.put(
        "/api/v1/team/webhook", json={"url": receiver.url}, headers=lead
    ).json()["secret"]
    receiver.failing = False
    register(client, auth(idp, "anna", "pw-handhaving"), SUBJECT, purpose="rechtmatigheid")
    sh = auth(idp, "bram", "schuldhulp")
    register(client, sh, SUBJECT, purpose="schuldhulpverlening", contact=CONTACT)

    with httpx.Client(timeout=5) as http:
        run = deliver_due(runtime.sessions, clock=clock, http=http)
    assert run.delivered == 1
    [delivered] = receiver.accepted
    assert set(delivered) == {"id", "kind", "team", "created_at"}
    assert delivered["kind"] == "match.created" and delivered["team"] == "pw-handhaving"
    sent = json.dumps(delivered)
    for detail in (*CONTACT.values(), "schuldhulp", SUBJECT):
        assert detail not in sent

    [waiting] = client.get("/api/v1/notifications", headers=lead).json()["items"]
    assert waiting["id"] == delivered["id"]
    [card] = waiting["payload"]["teams"]
    assert card["team"] == "schuldhulp" and card["contact"] == CONTACT
