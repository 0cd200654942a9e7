"""Signed webhooks to a real receiver on 127.0.0.1: retries with backoff, the inbox keeps all.

A webhook says only that news waits in the inbox: the contact details stay behind the
inbox's login. In production the hub never calls its own network.
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
from hub.notification.models import Notification
from hub.notification.targets import WebhookTargets
from hub.organisation.models import Team
from hub.runtime import Runtime
from tests.helpers import audit_rows, auth, opaque_pseudonym, register

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
            run = deliver_due(
                runtime.sessions, clock=clock, http=http, targets=runtime.webhook_targets
            )
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
        run = deliver_due(runtime.sessions, clock=clock, http=http, targets=runtime.webhook_targets)
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
        run = deliver_due(runtime.sessions, clock=clock, http=http, targets=runtime.webhook_targets)
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
    assert card["team"] == "schuldhulp"
    # The demo policy shows Pw schuldhulp's contact person only on an accepted request.
    assert (card["contact_details"], card["contact"]) == ("on_request", None)


def test_in_production_the_hub_does_not_call_its_own_network(
    client: TestClient,
    idp: DevIdentityProvider,
    runtime: Runtime,
    clock: FixedClock,
    receiver: Receiver,
) -> None:
    """A webhook set to the receiver on 127.0.0.1 (allowed in development) is not called
    under the production rule."""
    lead = auth(idp, "lia", "pw-handhaving", "team_lead")
    receiver.secret = client.put(
        "/api/v1/team/webhook", json={"url": receiver.url}, headers=lead
    ).json()["secret"]
    receiver.failing = False
    register(client, auth(idp, "anna", "pw-handhaving"), SUBJECT, purpose="rechtmatigheid")
    register(client, auth(idp, "bram", "schuldhulp"), SUBJECT, purpose="schuldhulpverlening")

    with httpx.Client(timeout=5) as http:
        run = deliver_due(
            runtime.sessions, clock=clock, http=http, targets=WebhookTargets(production=True)
        )
    assert (run.delivered, run.retried) == (0, 1) and receiver.attempts == 0
    with runtime.sessions() as session:
        [notification] = session.query(Notification).filter_by(delivery="pending").all()
        assert notification.last_error is not None and "https" in notification.last_error


PARTNER = "https://hooks.partner.example/betrokken"


def _answers_for_production(runtime: Runtime) -> dict[str, list[str]]:
    """Production rules for ``runtime``'s webhooks, with a resolver the test controls."""
    answers = {
        "hooks.partner.example": ["145.100.1.10"],
        "metadata.internal": ["169.254.169.254"],
        "hooks.gemeente.intern": ["10.20.30.40"],
    }
    runtime.webhook_targets = WebhookTargets(
        production=True,
        allowed_hosts=frozenset({"hooks.gemeente.intern"}),
        resolver=lambda host, port: answers.get(host, [host]),
    )
    return answers


def _webhook_url(runtime: Runtime) -> str | None:
    with runtime.sessions() as session:
        team = session.query(Team).filter_by(slug="pw-handhaving").one()
        return team.webhook_url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.partner.example/betrokken", "must use https"),
        ("https://metadata.internal/latest", "resolves to a link-local address"),
        ("https://127.0.0.1:8000/api/v1/health", "resolves to a loopback address"),
    ],
)
def test_in_production_a_webhook_on_the_hubs_own_network_is_refused(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, url: str, why: str
) -> None:
    _answers_for_production(runtime)
    lead = auth(idp, "lia", "pw-handhaving", "team_lead")
    refused = client.put("/api/v1/team/webhook", json={"url": url}, headers=lead)
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "webhook_target_refused" and why in refused.json()["detail"]
    assert _webhook_url(runtime) is None
    last = audit_rows(runtime)[-1]
    assert (last.action, last.outcome, last.object_id) == (
        "team.webhook",
        "refused",
        "pw-handhaving",
    )

    for allowed in (PARTNER, "https://hooks.gemeente.intern/betrokken"):  # global, allow-listed
        answer = client.put("/api/v1/team/webhook", json={"url": allowed}, headers=lead)
        assert answer.status_code == 200, answer.text
        assert _webhook_url(runtime) == allowed


def test_a_host_that_turns_to_the_hubs_own_network_is_not_called(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    answers = _answers_for_production(runtime)
    lead = auth(idp, "lia", "pw-handhaving", "team_lead")
    assert (
        client.put("/api/v1/team/webhook", json={"url": PARTNER}, headers=lead).status_code == 200
    )
    register(client, auth(idp, "anna", "pw-handhaving"), SUBJECT, purpose="rechtmatigheid")
    register(client, auth(idp, "bram", "schuldhulp"), SUBJECT, purpose="schuldhulpverlening")

    called: list[httpx.Request] = []

    def partner(request: httpx.Request) -> httpx.Response:
        called.append(request)
        return httpx.Response(204)

    def deliver() -> tuple[int, int]:
        with httpx.Client(transport=httpx.MockTransport(partner)) as http:
            run = deliver_due(
                runtime.sessions, clock=clock, http=http, targets=runtime.webhook_targets
            )
        return run.delivered, run.retried

    answers["hooks.partner.example"] = ["145.100.1.10", "127.0.0.1"]  # DNS changed since
    assert deliver() == (0, 1) and called == []
    answers["hooks.partner.example"] = ["145.100.1.10"]
    clock.advance(timedelta(seconds=2))
    assert deliver() == (1, 0) and len(called) == 1
