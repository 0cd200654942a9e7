"""Which webhook URLs the hub calls: in production https to global addresses only."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from hub.errors import WebhookTargetRefused
from hub.notification.targets import Resolver, WebhookTargets
from hub.settings import Environment, Settings

PUBLIC = "145.100.1.10"


def resolver(answers: dict[str, list[str]]) -> Resolver:
    """A resolver that knows ``answers`` and takes any other host for an address itself."""

    def resolve(host: str, port: int) -> list[str]:
        if host == "does-not-resolve.example":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answers.get(host, [host])

    return resolve


def production(
    answers: dict[str, list[str]], allowed: frozenset[str] = frozenset()
) -> WebhookTargets:
    return WebhookTargets(production=True, allowed_hosts=allowed, resolver=resolver(answers))


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.1.20", "private"),
        ("fd00::5", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-global"),
    ],
)
def test_hosts_on_the_hubs_own_network_are_refused(address: str, kind: str) -> None:
    targets = production({"hooks.partner.example": [address]})
    with pytest.raises(WebhookTargetRefused, match=f"resolves to a {kind} address") as refused:
        targets.require_allowed("https://hooks.partner.example/betrokken")
    assert refused.value.code == "webhook_target_refused" and refused.value.status == 400
    with pytest.raises(WebhookTargetRefused):
        targets.require_allowed(
            f"https://[{address}]/" if ":" in address else f"https://{address}/"
        )


def test_every_address_of_a_host_is_checked() -> None:
    targets = production({"hooks.partner.example": [PUBLIC, "10.0.0.7"]})
    with pytest.raises(WebhookTargetRefused, match="private"):
        targets.require_allowed("https://hooks.partner.example/betrokken")
    production({"hooks.partner.example": [PUBLIC, "2001:610:1:40ff::10"]}).require_allowed(
        "https://hooks.partner.example:8443/betrokken"
    )


def test_production_wants_https_and_a_host_that_resolves() -> None:
    targets = production({"hooks.partner.example": [PUBLIC]})
    with pytest.raises(WebhookTargetRefused, match="https"):
        targets.require_allowed("http://hooks.partner.example/betrokken")
    with pytest.raises(WebhookTargetRefused, match="does not resolve"):
        targets.require_allowed("https://does-not-resolve.example/betrokken")


def test_allowed_hosts_may_be_private_but_still_need_https() -> None:
    targets = production(
        {"hooks.gemeente.intern": ["10.20.30.40"]}, allowed=frozenset({"hooks.gemeente.intern"})
    )
    targets.require_allowed("https://Hooks.Gemeente.Intern/betrokken")
    with pytest.raises(WebhookTargetRefused, match="https"):
        targets.require_allowed("http://hooks.gemeente.intern/betrokken")


def test_development_calls_anything() -> None:
    WebhookTargets(production=False, resolver=resolver({})).require_allowed(
        "http://127.0.0.1:8123/hook"
    )


def test_settings_read_allowed_hosts_comma_separated(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BETROKKEN_WEBHOOK_ALLOWED_HOSTS", " Hooks.Gemeente.Intern, ,10.1.2.3")
    settings = Settings(
        env=Environment.PRODUCTION,
        data_dir=tmp_path,
        database_url="postgresql+psycopg://betrokken@db/betrokken",
        oidc_issuer="https://login.gemeente.example",
    )
    assert settings.webhook_allowed_hosts == ("hooks.gemeente.intern", "10.1.2.3")
    targets = WebhookTargets.of(settings)
    assert targets.production and targets.allowed_hosts == {"hooks.gemeente.intern", "10.1.2.3"}
    assert not WebhookTargets.of(Settings(data_dir=tmp_path)).production
