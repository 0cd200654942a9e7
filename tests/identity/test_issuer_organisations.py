"""Issue 18, point 5: which issuer may act for which organisation. A regional hub accepts
several municipalities' identity providers (``BETROKKEN_OIDC_ISSUER_ORGANISATIONS``); a token
from one issuer never acts for an organisation the setting does not give it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.dev_idp import DEV_ISSUER, DevIdentityProvider
from api.auth.tokens import (
    ClaimMapping,
    InvalidToken,
    IssuerValidators,
    StaticKeys,
    TokenValidator,
    actor_from_claims,
)
from hub.runtime import Runtime, build_runtime
from hub.settings import Settings
from hub.transactions import transaction
from tests.helpers import seed_demo_rows
from tests.identity.provider import new_signing_key

NOORD, ZUID = "https://idp.noord.example", "https://idp.zuid.example"


def provider(issuer: str) -> DevIdentityProvider:
    return DevIdentityProvider(new_signing_key(), issuer=issuer, audience="betrokken")


def validator(idp: DevIdentityProvider) -> TokenValidator:
    return TokenValidator(
        issuer=idp.issuer, audience="betrokken", algorithms=["RS256"], keys=StaticKeys(idp.jwks())
    )


def test_each_issuer_acts_only_for_its_own_organisations() -> None:
    noord, zuid, elsewhere = provider(NOORD), provider(ZUID), provider("https://idp.x.example")
    validators = IssuerValidators([validator(noord), validator(zuid)])
    mapping = ClaimMapping(
        issuer_organisations=(
            (NOORD, ("gemeente-noord", "gemeente-noordwest")),
            (ZUID, ("gemeente-zuid",)),
        )
    )

    def actor(idp: DevIdentityProvider, organisation: str) -> str:
        token = idp.issue(member="m", roles=["professional"], team="t", organisation=organisation)
        return actor_from_claims(validators.validate(token), mapping).organisation

    assert actor(noord, "gemeente-noord") == "gemeente-noord"
    assert actor(noord, "gemeente-noordwest") == "gemeente-noordwest"
    assert actor(zuid, "gemeente-zuid") == "gemeente-zuid"
    with pytest.raises(InvalidToken, match="may not act for that organisation"):
        actor(zuid, "gemeente-noord")
    with pytest.raises(InvalidToken, match="may not act for that organisation"):
        actor(noord, "gemeente-zuid")
    with pytest.raises(InvalidToken, match="issuer is not accepted"):
        actor(elsewhere, "gemeente-noord")


def test_a_token_naming_another_issuer_is_checked_against_that_issuers_keys() -> None:
    noord, zuid = provider(NOORD), provider(ZUID)
    validators = IssuerValidators([validator(noord), validator(zuid)])
    forged = DevIdentityProvider(zuid._key, issuer=NOORD, audience="betrokken")  # zuid's key
    token = forged.issue(
        member="m", roles=["professional"], team="t", organisation="gemeente-noord"
    )
    with pytest.raises(InvalidToken):
        validators.validate(token)


@pytest.fixture
def mapped_runtime(settings: Settings) -> Iterator[Runtime]:
    mapped = settings.model_copy(
        update={"oidc_issuer_organisations": {DEV_ISSUER: ("gemeente-voorbeeld",)}}
    )
    runtime = build_runtime(mapped)
    with transaction(runtime.sessions) as session:
        seed_demo_rows(session)
    yield runtime
    runtime.sessions.kw["bind"].dispose()


def test_the_hub_refuses_a_token_for_an_organisation_its_issuer_does_not_serve(
    mapped_runtime: Runtime, idp: DevIdentityProvider
) -> None:
    with TestClient(create_app(runtime=mapped_runtime)) as client:

        def flags(organisation: str) -> int:
            token = idp.issue(
                member="m", roles=["professional"], team="pw-handhaving", organisation=organisation
            )
            answer = client.get("/api/v1/flags", headers={"Authorization": f"Bearer {token}"})
            return int(answer.status_code)

        assert flags("gemeente-voorbeeld") == 200
        assert flags("gemeente-elders") == 401
