"""E-mail to a team's address through a real SMTP server on 127.0.0.1: news, never content."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from hub.notification.email import send_pending
from hub.runtime import Runtime
from tests.helpers import auth, opaque_pseudonym, register
from testsupport.net import free_port

SUBJECT = opaque_pseudonym("mail")


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


def test_match_mail_holds_no_subject_or_names(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    register(client, auth(idp, "anna", "pw-handhaving"), SUBJECT, purpose="rechtmatigheid")
    register(client, auth(idp, "bram", "schuldhulp"), SUBJECT, purpose="schuldhulpverlening")

    sent = send_pending(runtime.sessions, host="127.0.0.1", port=port, sender="hub@example.org")
    assert sent == 2
    assert (
        send_pending(runtime.sessions, host="127.0.0.1", port=port, sender="hub@example.org") == 0
    )
    recipients = sorted(str(m["To"]) for m in mailbox.messages)
    assert recipients == ["handhaving@example.org", "schuldhulp@example.org"]
    for message in mailbox.messages:
        body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
        assert "match" in body
        for secret in (SUBJECT, "anna", "bram", "schuldhulp@", "handhaving@", "+31"):
            assert secret not in body


def test_smtp_down_leaves_mail_pending(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    register(client, auth(idp, "anna", "pw-handhaving"), SUBJECT, purpose="rechtmatigheid")
    register(client, auth(idp, "bram", "schuldhulp"), SUBJECT, purpose="schuldhulpverlening")
    assert (
        send_pending(runtime.sessions, host="127.0.0.1", port=free_port(), sender="x@example.org")
        == 0
    )
    assert send_pending(runtime.sessions, host="127.0.0.1", port=port, sender="x@example.org") == 2
    assert len(mailbox.messages) == 2
