"""The connector framework without processes: reading files, WALAA statuses and deadlines,
and the headers, retries and token renewal of its calls."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.client.hub import HubError
from connectors.framework.config import ConnectorSettings
from connectors.framework.exchange import ConnectorError, Exchange
from connectors.framework.rows import Unreadable, read_rows
from connectors.laa.export import COLUMNS, parse_signals
from connectors.laa.walaa import (
    UnknownStatus,
    WalaaStatus,
    due_dates,
    may_move,
    parse_status,
)
from crypto.identifiers import synthetic_bag

TODAY = date(2026, 11, 30)


def test_csv_and_json_give_the_same_signals(tmp_path: Path) -> None:
    bag = synthetic_bag(7)
    csv_file = tmp_path / "export.csv"
    csv_file.write_bytes(
        b"\xef\xbb\xbfSignaal_ID,bag_id,datum_ontvangst,profiel\r\n"
        + f"S-1,{bag},01-11-2026,x\r\n".encode()
    )
    json_file = tmp_path / "export.json"
    json_file.write_text(
        f'{{"signalen": [{{"signaal_id": "S-1", "bag_id": "{bag}", '
        '"datum_ontvangst": "2026-11-01", "signaaltype": "VOW-adres"}]}'
    )
    for path in (csv_file, json_file):
        signals, rejected = parse_signals(read_rows(path, columns=COLUMNS), today=TODAY)
        assert rejected == []
        assert [(s.signal_id, s.received_on, s.bag_id) for s in signals] == [
            ("S-1", date(2026, 11, 1), bag)
        ]
        assert bag not in repr(signals)  # an identifier never shows in a repr


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "empty"),
        (b"signaal_id;bag_id;datum\n", "lacks the columns: datum_ontvangst"),
        ("signaal_id;bag_id;datum_ontvangst\n".encode("utf-16"), "UTF-16"),
        (b'{"signalen": [', "not JSON"),
        (b"sign\xe9al_id;bag_id;datum_ontvangst\n", "header line is not UTF-8"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(tmp_path: Path, content: bytes, why: str) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(Unreadable, match=why):
        read_rows(path, columns=COLUMNS)
    with pytest.raises(Unreadable, match="cannot be opened"):
        read_rows(tmp_path / "missing.csv", columns=COLUMNS)


def test_statuses_move_forward_only_and_set_the_due_dates() -> None:
    assert parse_status("Onderzoek in de BRP") is WalaaStatus.ONDERZOEK_IN_DE_BRP
    assert parse_status("afgerond-met-brp-mutatie") is WalaaStatus.AFGEROND_MET_BRP_MUTATIE
    assert WalaaStatus.AFGEROND_MET_BRP_MUTATIE.label == "afgerond met BRP-mutatie"
    with pytest.raises(UnknownStatus, match="wachten op resultaat"):
        parse_status("klaar")
    assert may_move(WalaaStatus.WACHTEN_OP_RESULTAAT, WalaaStatus.AFGEROND_MET_BRP_MUTATIE)
    assert not may_move(WalaaStatus.ONDERZOEK_IN_DE_BRP, WalaaStatus.WACHTEN_OP_RESULTAAT)
    assert not may_move(WalaaStatus.AFGEROND_ZONDER_BRP_MUTATIE, WalaaStatus.ONDERZOEK_IN_DE_BRP)

    received = date(2026, 8, 31)
    assert due_dates([(received, WalaaStatus.WACHTEN_OP_RESULTAAT)]) == [
        {"code": "laa_terugmelding", "due_on": "2026-09-28"},
        {"code": "laa_afronding", "due_on": "2027-02-28"},  # six months, clamped
    ]
    assert due_dates([(received, WalaaStatus.ONDERZOEK_IN_DE_BRP)]) == [
        {"code": "laa_afronding", "due_on": "2027-02-28"}
    ]
    assert due_dates([(received, WalaaStatus.AFGEROND_MET_BRP_MUTATIE)]) == []


class Recorder:
    """A stand-in for the hub and its token endpoint: answers from a script, keeps requests."""

    def __init__(self, answers: list[tuple[int, dict[str, Any]]]) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/token":
            return httpx.Response(
                200, json={"access_token": f"t{len(self.requests)}", "expires_in": 600}
            )
        status, body = self.answers.pop(0)
        return httpx.Response(
            status, json=body, headers={"Retry-After": "0"} if status == 503 else {}
        )


def exchange(recorder: Recorder, **settings: Any) -> Exchange:
    configured = ConnectorSettings(
        hub_url="http://hub.test",
        connector_token_url="http://idp.test/token",
        connector_client_id="betrokken-connector-laa",
        connector_client_secret="s",
        **settings,
    )
    return Exchange(configured, transport=httpx.MockTransport(recorder), sleep=lambda _: None)


def test_every_call_carries_the_run_trace_and_through_fsc_a_transaction() -> None:
    recorder = Recorder([(200, {}), (200, {})])
    with exchange(recorder, connector_fsc_outway_url="http://outway.test") as calls:
        calls.hub("GET", "/me")
        calls.hub("GET", "/me")
    token, first, second = recorder.requests
    assert token.headers["authorization"].startswith("Basic ")  # client_secret_basic
    assert first.url.host == "outway.test"
    for request in (first, second):
        assert request.headers["traceparent"].split("-")[1] == calls.trace_id
        assert request.headers["betrokken-connector-run"] == calls.run_id
    assert first.headers["traceparent"] != second.headers["traceparent"]  # a span each
    assert first.headers["fsc-transaction-id"] != second.headers["fsc-transaction-id"]

    plain = Recorder([(200, {})])
    with exchange(plain) as calls:
        calls.hub("GET", "/me")
    assert "fsc-transaction-id" not in plain.requests[1].headers


def test_busy_answers_are_retried_a_refusal_is_not_and_a_401_renews_the_token() -> None:
    recorder = Recorder([(503, {}), (503, {}), (200, {"ok": True})])
    with exchange(recorder) as calls:
        assert calls.hub("GET", "/me") == {"ok": True}
    recorder = Recorder([(401, {}), (200, {"ok": True})])
    with exchange(recorder) as calls:
        assert calls.hub("GET", "/me") == {"ok": True}
    assert [r.url.path for r in recorder.requests].count("/token") == 2
    recorder = Recorder([(409, {"code": "conflict"})])
    with exchange(recorder) as calls, pytest.raises(HubError):
        calls.hub("DELETE", "/flags/x")
    recorder = Recorder([(503, {})] * 6)
    with exchange(recorder) as calls, pytest.raises(ConnectorError, match="gave up after 6"):
        calls.hub("GET", "/me")


def test_threads_share_one_token() -> None:
    """The pseudonymising threads ask for a token at once: one fetch, one token."""
    recorder = Recorder([])
    with exchange(recorder) as calls, ThreadPoolExecutor(max_workers=8) as pool:
        tokens = set(pool.map(lambda _: calls.headers()["Authorization"], range(32)))
    assert len(tokens) == 1
    assert [r.url.path for r in recorder.requests] == ["/token"]
