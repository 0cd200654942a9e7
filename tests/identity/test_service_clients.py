"""A deployment's own job (onboarding the first organisation) gets its token by client
credentials with a secret, from the real provider, and the admin CLI asks for it itself."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.cli import main as cli
from api.client.tokens import TokenError, client_credentials_token
from tests.identity.provider import ONBOARDING, ONBOARDING_SECRET, OidcProvider


def test_the_onboarding_client_acts_as_a_hub_operator(
    oidc_client: TestClient, oidc_provider: OidcProvider
) -> None:
    token = client_credentials_token(oidc_provider.issuer, ONBOARDING, ONBOARDING_SECRET)
    answer = oidc_client.post(
        "/api/v1/admin/organisations",
        json={"slug": "gemeente-noord", "name": "Gemeente Noord", "kind": "gemeente"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["slug"] == "gemeente-noord"


def test_a_wrong_secret_gets_no_token_and_the_error_keeps_the_secret(
    oidc_provider: OidcProvider,
) -> None:
    wrong = "not-the-secret-" + ONBOARDING_SECRET[:4]
    with pytest.raises(TokenError) as refused:
        client_credentials_token(oidc_provider.issuer, ONBOARDING, wrong)
    assert ONBOARDING in str(refused.value) and wrong not in str(refused.value)


def test_the_admin_cli_without_token_or_client_says_what_it_needs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("BETROKKEN_TOKEN", "BETROKKEN_CLIENT_ID", "BETROKKEN_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli, ["admin", "domain", "list"])
    assert result.exit_code == 2
    assert "BETROKKEN_CLIENT_ID" in result.output and "--token" in result.output


def test_the_admin_cli_fetches_its_own_token(
    oidc_provider: OidcProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the client's id and secret it asks the provider; a hub that is not there is then
    the only thing in the way (the token was issued)."""
    monkeypatch.delenv("BETROKKEN_TOKEN", raising=False)
    monkeypatch.setenv("BETROKKEN_OIDC_ISSUER", oidc_provider.issuer)
    monkeypatch.setenv("BETROKKEN_CLIENT_ID", ONBOARDING)
    monkeypatch.setenv("BETROKKEN_CLIENT_SECRET", "wrong")
    refused = CliRunner().invoke(cli, ["admin", "domain", "list"])
    assert refused.exit_code == 1 and "refused client betrokken-onboarding" in refused.output
