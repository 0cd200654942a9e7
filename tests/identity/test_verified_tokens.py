"""A token is verified once per key set, and its time claims on every request."""

from __future__ import annotations

import base64
import time

import pytest
from joserfc.jwk import KeySet, RSAKey

from api.auth import tokens
from api.auth.dev_idp import DevIdentityProvider
from api.auth.tokens import InvalidToken, TokenValidator
from hub.settings import Settings


class SwitchableKeys:
    """A key source whose key set a test replaces, as a JWKS refresh would."""

    def __init__(self, keys: KeySet) -> None:
        self.keys = keys
        self.at_hand = True

    def __call__(self, kid: str | None) -> KeySet:
        self.at_hand = True  # fetched
        return self.keys

    def cached(self, kid: str | None) -> KeySet | None:
        return self.keys if self.at_hand else None


@pytest.fixture
def idp(tmp_path: object) -> DevIdentityProvider:
    return DevIdentityProvider.for_settings(Settings(data_dir=tmp_path))  # type: ignore[arg-type]


def validator_for(idp: DevIdentityProvider, keys: SwitchableKeys) -> TokenValidator:
    return TokenValidator(
        issuer=idp.issuer, audience="betrokken", algorithms=["RS256"], keys=keys, leeway=0
    )


def count_signature_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    checked: list[str] = []
    decode = tokens.jwt.decode

    def counted(token: str, *args: object, **kwargs: object) -> object:
        checked.append(token)
        return decode(token, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tokens.jwt, "decode", counted)
    return checked


def test_signature_is_checked_once_per_token(
    idp: DevIdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    validator = validator_for(idp, SwitchableKeys(idp.jwks()))
    checked = count_signature_checks(monkeypatch)
    token = idp.issue(member="anna", roles=["professional"], team="pw-handhaving")
    for _ in range(3):
        assert validator.validate(token)["sub"] == "anna"
    assert validator.validate_cached(token) is not None
    other = idp.issue(member="bram", roles=["professional"], team="schuldhulp")
    assert validator.validate(other)["sub"] == "bram"
    assert checked == [token, other]


def test_a_remembered_token_still_expires(
    idp: DevIdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    validator = validator_for(idp, SwitchableKeys(idp.jwks()))
    token = idp.issue(member="anna", roles=["professional"], team="pw-handhaving", lifetime=60)
    assert validator.validate(token)["sub"] == "anna"
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(InvalidToken):
        validator.validate(token)
    with pytest.raises(InvalidToken):
        validator.validate_cached(token)


def test_a_remembered_token_is_checked_at_the_edges_of_its_window(
    idp: DevIdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    validator = validator_for(idp, SwitchableKeys(idp.jwks()))
    token = idp.issue(member="anna", roles=["professional"], team="pw-handhaving", lifetime=60)
    issued = time.time()
    assert validator.validate(token)["sub"] == "anna"
    claims_checked: list[object] = []
    check_claims = validator._claims.validate
    monkeypatch.setattr(
        validator._claims,
        "validate",
        lambda claims: claims_checked.append(claims) or check_claims(claims),
    )
    monkeypatch.setattr(time, "time", lambda: issued + 30)
    assert validator.validate(token)["sub"] == "anna"
    assert claims_checked == []  # inside its window: nothing left to check
    monkeypatch.setattr(time, "time", lambda: issued - 120)  # the clock went back before iat
    with pytest.raises(InvalidToken):
        validator.validate(token)
    assert len(claims_checked) == 1


def test_a_new_key_set_verifies_again(idp: DevIdentityProvider) -> None:
    original = idp.jwks()
    keys = SwitchableKeys(original)
    validator = validator_for(idp, keys)
    token = idp.issue(member="anna", roles=["professional"], team="pw-handhaving")
    assert validator.validate(token)["sub"] == "anna"

    keys.keys = KeySet([RSAKey.generate_key(2048, auto_kid=True)])  # the signing key rotated out
    with pytest.raises(InvalidToken):
        validator.validate(token)
    keys.keys = original
    assert validator.validate(token)["sub"] == "anna"


def test_without_keys_at_hand_the_cached_path_defers(idp: DevIdentityProvider) -> None:
    keys = SwitchableKeys(idp.jwks())
    validator = validator_for(idp, keys)
    token = idp.issue(member="anna", roles=["professional"], team="pw-handhaving")
    keys.at_hand = False  # stale: a fetch is needed, which the event loop must not do
    assert validator.validate_cached(token) is None
    assert validator.validate(token)["sub"] == "anna"  # fetches (in a thread, in the hub)
    assert validator.validate_cached(token) is not None

    keys.at_hand = False
    payload = token.split(".")[1]
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none","typ":"at+jwt"}').rstrip(b"=").decode()
    with pytest.raises(InvalidToken):  # refused at once: no algorithm of ours, nothing to fetch
        validator.validate_cached(f"{unsigned}.{payload}.")
