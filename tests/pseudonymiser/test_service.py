"""The pseudonymiser service: proofs that verify, clear refusals, per-caller rate limits."""

from __future__ import annotations

import base64
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from api.client.pseudonymise import PseudonymiserClient, PseudonymiserError
from api.pseudonymiser.app import create_pseudonymiser_app
from api.pseudonymiser.keystore import OprfKeyStore
from crypto import oprf
from crypto.identifiers import IdentifierError, IdentifierKind, synthetic_bsn, synthetic_kvk
from hub.settings import Settings

PROBLEM = "application/problem+json"


@pytest.fixture
def pseudonymiser_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", pseudonymiser_rate_per_minute=60, pseudonymiser_burst=20
    )


@pytest.fixture
def service(pseudonymiser_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_pseudonymiser_app(pseudonymiser_settings)) as client:
        yield client


@pytest.fixture
def token(pseudonymiser_settings: Settings) -> str:
    idp = DevIdentityProvider.for_settings(pseudonymiser_settings)
    return idp.issue(member="anna", team="pw-handhaving", roles=["professional"])


def client_for(service: TestClient, token: str) -> PseudonymiserClient:
    return PseudonymiserClient("http://testserver", token, http=service)  # type: ignore[arg-type]


def test_pseudonyms_are_stable_and_separated_by_kind(service: TestClient, token: str) -> None:
    client = client_for(service, token)
    first = client.pseudonymise(IdentifierKind.BSN, [synthetic_bsn(1), synthetic_bsn(2)])
    again = client.pseudonymise(IdentifierKind.BSN, [synthetic_bsn(1)])
    assert first[0].value == again[0].value  # blinding is random, the output is not
    assert first[0].value != first[1].value
    # The same eight digits as a KvK number give another pseudonym: info separates kinds.
    kvk = synthetic_kvk(3)
    as_kvk = client.pseudonymise_one(IdentifierKind.KVK, kvk)
    as_bsn = (
        client.pseudonymise_one(IdentifierKind.BSN, "0" + kvk) if _elfproef("0" + kvk) else None
    )
    assert as_bsn is None or as_bsn.value != as_kvk.value


def test_a_privacy_officer_pseudonymises_like_a_professional(
    service: TestClient, token: str, pseudonymiser_settings: Settings
) -> None:
    """The officer searches the log and answers an inzageverzoek by a BSN: their token, with
    no team, gets the same pseudonym as a professional's."""
    officer = DevIdentityProvider.for_settings(pseudonymiser_settings).issue(
        member="fatima", team=None, roles=["privacy_officer"]
    )
    bsn = synthetic_bsn(19)
    as_officer = client_for(service, officer).pseudonymise_one(IdentifierKind.BSN, bsn)
    assert as_officer == client_for(service, token).pseudonymise_one(IdentifierKind.BSN, bsn)


def _elfproef(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11 == 0


def test_matches_the_key_holders_own_evaluation(
    service: TestClient, token: str, pseudonymiser_settings: Settings
) -> None:
    store = OprfKeyStore(pseudonymiser_settings.keys_dir / "oprf")
    key = store.load(store.current_epoch())
    bsn = synthetic_bsn(42)
    pseudonym = client_for(service, token).pseudonymise_one(IdentifierKind.BSN, bsn)
    expected = oprf.evaluate(
        key.secret, bsn.encode(), mode=oprf.Mode.POPRF, info=f"bsn|{key.epoch}".encode()
    )
    assert base64.urlsafe_b64decode(pseudonym.value + "==") == expected


def test_key_file_is_private(pseudonymiser_settings: Settings, service: TestClient) -> None:
    keys = list((pseudonymiser_settings.keys_dir / "oprf").glob("*.key"))
    assert keys
    for path in keys:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (pseudonymiser_settings.keys_dir, pseudonymiser_settings.keys_dir / "oprf"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_invalid_identifiers_never_reach_the_network(token: str) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError("a request was sent for an invalid identifier")

    http = httpx.Client(base_url="http://nowhere", transport=httpx.MockTransport(refuse))
    client = PseudonymiserClient("http://nowhere", token, http=http)
    for bad in ("123456789", "12345", "12345678a", "", "9999999999"):
        with pytest.raises(IdentifierError) as raised:
            client.pseudonymise(IdentifierKind.BSN, [bad])
        assert bad == "" or bad not in str(raised.value)


@pytest.mark.parametrize(
    "element",
    [
        "AAAA",  # too short
        base64.urlsafe_b64encode(bytes(32)).decode(),  # the identity element
        base64.urlsafe_b64encode(b"\xff" * 32).decode(),  # not canonical
        "!!!notbase64!!!",
    ],
)
def test_malformed_element_is_a_400_problem(service: TestClient, token: str, element: str) -> None:
    answer = service.post(
        "/api/v1/evaluations",
        json={"kind": "bsn", "blinded_elements": [element]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["code"] == "invalid_element"


def test_rate_limit_per_caller(
    service: TestClient, token: str, pseudonymiser_settings: Settings
) -> None:
    client = client_for(service, token)
    client.pseudonymise(IdentifierKind.BSN, [synthetic_bsn(n) for n in range(20)])  # the burst
    with pytest.raises(PseudonymiserError, match="429"):
        client.pseudonymise_one(IdentifierKind.BSN, synthetic_bsn(21))
    _, blinded = oprf.blind(synthetic_bsn(22).encode(), oprf.Mode.POPRF)
    answer = service.post(
        "/api/v1/evaluations",
        json={"kind": "bsn", "blinded_elements": [base64.urlsafe_b64encode(blinded).decode()]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) >= 1
    assert answer.json()["code"] == "rate_limited"
    # Another caller has a bucket of its own.
    other = DevIdentityProvider.for_settings(pseudonymiser_settings).issue(
        member="bram", team="schuldhulp", roles=["professional"]
    )
    assert client_for(service, other).pseudonymise_one(IdentifierKind.BSN, synthetic_bsn(23))


def test_unauthenticated_callers_are_refused(service: TestClient) -> None:
    answer = service.post("/api/v1/evaluations", json={"kind": "bsn", "blinded_elements": ["x"]})
    assert answer.status_code == 401
    assert answer.headers["content-type"] == PROBLEM


def test_client_rejects_a_wrong_key(service: TestClient, token: str) -> None:
    pinned = {"2026": oprf.generate_key_pair().public}
    client = PseudonymiserClient("http://testserver", token, http=service, pinned_keys=pinned)  # type: ignore[arg-type]
    with pytest.raises(PseudonymiserError, match="pinned"):
        client.pseudonymise_one(IdentifierKind.BSN, synthetic_bsn(5))


def test_rotation_adds_an_epoch(
    pseudonymiser_settings: Settings, service: TestClient, token: str
) -> None:
    store = OprfKeyStore(pseudonymiser_settings.keys_dir / "oprf")
    store.rotate("2027")
    with TestClient(create_pseudonymiser_app(pseudonymiser_settings)) as rotated:
        keys = rotated.get("/api/v1/keys").json()
        assert keys["current_epoch"] == "2027"
        assert {k["epoch"] for k in keys["keys"]} == {"2026", "2027"}
        client = client_for(rotated, token)
        old = client.pseudonymise_one(IdentifierKind.BSN, synthetic_bsn(9), epoch="2026")
        new = client.pseudonymise_one(IdentifierKind.BSN, synthetic_bsn(9))
        assert new.epoch == "2027" and old.value != new.value


def test_metrics_count_evaluations_and_batch_sizes(
    pseudonymiser_settings: Settings, token: str
) -> None:
    """``/metrics`` of the pseudonymiser (docs/observability.md): evaluations by kind and
    epoch, batch sizes and requests by route; never an element or an identifier."""
    from prometheus_client.parser import text_string_to_metric_families

    def scrape(client: TestClient) -> tuple[str, dict[tuple[str, frozenset[object]], float]]:
        text = client.get("/metrics").text
        samples = {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }
        return text, samples

    app = create_pseudonymiser_app(pseudonymiser_settings)
    with TestClient(app, client=("127.0.0.1", 50000)) as service:
        _, before = scrape(service)
        identifiers = [synthetic_bsn(n) for n in range(40, 47)]
        client_for(service, token).pseudonymise(IdentifierKind.BSN, identifiers)
        text, after = scrape(service)
    with TestClient(app) as elsewhere:  # not from a configured network, and no token
        assert elsewhere.get("/metrics").status_code == 403

    def grew(name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0.0) - before.get(key, 0.0)

    epoch = pseudonymiser_settings.pseudonym_epoch
    assert grew("betrokken_pseudonymiser_evaluations_total", kind="bsn", epoch=epoch) == 7
    assert grew("betrokken_pseudonymiser_batch_size_count") == 1
    assert grew("betrokken_pseudonymiser_batch_size_sum") == 7
    route = {"route": "/api/v1/evaluations", "method": "POST", "status": "200"}
    assert grew("betrokken_http_requests_total", **route) == 1
    assert not any(identifier in text for identifier in identifiers)
