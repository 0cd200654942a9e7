"""Which webhook URLs the hub will call: never its own network, in production.

A team lead sets the webhook; without a check she could aim the hub at an address on its
own network (a database, a metadata service, an admin port) and learn from the delivery
status whether it answered. In production a webhook must therefore use https, and every
address its host resolves to must be global, unless ``BETROKKEN_WEBHOOK_ALLOWED_HOSTS``
names the host. The check runs when the webhook is set and again before each delivery,
since what a name resolves to can change. Redirects are not followed (httpx's default).
In development anything goes, so tests can run a receiver on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from hub.errors import WebhookTargetRefused
from hub.settings import Settings

__all__ = ["Resolver", "WebhookTargets", "non_global_kind", "resolve"]

Resolver = Callable[[str, int], Iterable[str]]
"""Host and port to the addresses a connection could go to."""


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to for a TCP connection (``socket.getaddrinfo``)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def non_global_kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """What makes ``address`` one the hub must not call (``"loopback"``, ...), or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    for kind, applies in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("non-global", not address.is_global),
    ):
        if applies:
            return kind
    return None


@dataclass(frozen=True)
class WebhookTargets:
    """The rule for webhook URLs: ``require_allowed`` raises on one the hub will not call."""

    production: bool
    allowed_hosts: frozenset[str] = frozenset()
    resolver: Resolver = resolve

    @classmethod
    def of(cls, settings: Settings) -> WebhookTargets:
        return cls(
            production=settings.is_production,
            allowed_hosts=frozenset(settings.webhook_allowed_hosts),
        )

    def require_allowed(self, url: str) -> None:
        """Raise :class:`WebhookTargetRefused` unless the hub may call ``url``."""
        if not self.production:
            return
        parts = urlsplit(url)
        if parts.scheme != "https":
            raise WebhookTargetRefused("a webhook must use https")
        host = (parts.hostname or "").lower()
        try:
            port = parts.port or 443
        except ValueError:
            raise WebhookTargetRefused("the webhook URL has no valid port") from None
        if not host:
            raise WebhookTargetRefused("the webhook URL has no host")
        if host in self.allowed_hosts:
            return
        try:
            addresses = [ipaddress.ip_address(address) for address in self.resolver(host, port)]
        except (OSError, ValueError):
            raise WebhookTargetRefused(f"the webhook host {host} does not resolve") from None
        if not addresses:
            raise WebhookTargetRefused(f"the webhook host {host} does not resolve")
        for address in addresses:
            kind = non_global_kind(address)
            if kind is not None:
                raise WebhookTargetRefused(
                    f"the webhook host {host} resolves to a {kind} address; the hub calls "
                    "only global addresses, unless BETROKKEN_WEBHOOK_ALLOWED_HOSTS names the host"
                )
