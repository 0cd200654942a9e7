"""Metrics and logs of real processes (docs/observability.md).

``betrokken serve --workers 2``: ``/metrics`` sums the workers' values, whichever worker
answers the scrape, and values of an earlier run are cleared at start. The hub and the
pseudonymiser writing JSON logs: after registrations, checks and a contact request made
with real identifiers in the clients, every line is a JSON object with the request's ids,
and neither the logs nor ``/metrics`` hold a BSN, BAG id, KvK number or pseudonym.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.auth.dev_idp import DevIdentityProvider
from api.client.hub import HubClient, HubError
from api.client.pseudonymise import PseudonymiserClient
from crypto.identifiers import IdentifierKind, synthetic_bag, synthetic_bsn, synthetic_kvk
from hub.db import make_engine, make_sessionmaker
from hub.demo import seed_demo
from hub.migrate import upgrade
from hub.settings import Settings
from hub.transactions import transaction
from testsupport.services import hub_and_pseudonymiser, service

pytestmark = pytest.mark.processes

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"


def unmatched_count(url: str) -> float:
    """``GET /metrics`` of the hub at ``url``: requests that matched no route, summed."""
    response = httpx.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 200, response.text
    return sum(
        sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.name == "betrokken_http_requests_total"
        and sample.labels["route"] == "<unmatched>"
    )


def test_metrics_are_summed_over_two_workers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    upgrade(f"sqlite:///{data / 'betrokken.db'}")
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    stale = metrics_dir / "counter_999999.db"  # left by an earlier run
    stale.write_bytes(b"\0" * 64)
    env = {
        "BETROKKEN_DATA_DIR": str(data),
        "BETROKKEN_BACKGROUND_JOBS": "false",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    with service(
        ["serve", "--without-pseudonymiser", "--workers", "2"], env=env, log=tmp_path / "hub.log"
    ) as hub:
        assert not stale.exists()
        sent = 0
        # A new connection per request: the two workers share the socket and each takes
        # some. Until both have written values (a file per process and kind of metric).
        while sent < 400:
            for _ in range(20):
                with httpx.Client(base_url=hub.url) as http:
                    assert http.get("/nothing-here").status_code == 404
                sent += 1
            writers = {re.sub(r"^\w+_(\d+)\.db$", r"\1", p.name) for p in metrics_dir.glob("*.db")}
            if len(writers) >= 2:
                break
        assert len(writers) == 2, f"one worker answered all {sent} requests"
        # Each scrape, by whichever worker, counts every worker's requests.
        for _ in range(6):
            with httpx.Client(base_url=hub.url) as http:
                assert unmatched_count(str(http.base_url).rstrip("/")) == sent


SUBJECTS = {
    IdentifierKind.BSN: [synthetic_bsn(n) for n in (51, 52, 53)],
    IdentifierKind.BAG: [synthetic_bag(61)],
    IdentifierKind.KVK: [synthetic_kvk(71)],
}


def test_json_logs_and_metrics_hold_no_identifier(database_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {
        "BETROKKEN_DATA_DIR": str(data_dir),
        "BETROKKEN_DATABASE_URL": database_url,
        "BETROKKEN_LOG_FORMAT": "json",
        "BETROKKEN_LOG_REQUESTS": "true",
        "BETROKKEN_BACKGROUND_JOBS": "true",  # the sequencer's and other jobs' lines too
    }
    settings = Settings(data_dir=data_dir, database_url=database_url)
    with transaction(make_sessionmaker(make_engine(database_url))) as session:
        seed_demo(session)
    idp = DevIdentityProvider.for_settings(settings)
    tokens = {
        team: idp.issue(member=f"member-{team}", team=team, roles=["professional"])
        for team in ("pw-handhaving", "schuldhulp", "vergunningen", "adreskwaliteit")
    }
    pseudonyms: list[str] = []
    logs = tmp_path / "logs"
    with hub_and_pseudonymiser(env, logs) as (hub, pseudonymiser):
        headers = {"traceparent": TRACEPARENT}

        def clients(team: str) -> tuple[PseudonymiserClient, HubClient]:
            return (
                PseudonymiserClient(
                    pseudonymiser.url,
                    tokens[team],
                    http=httpx.Client(base_url=pseudonymiser.url, headers=headers),
                ),
                HubClient(
                    hub.url, tokens[team], http=httpx.Client(base_url=hub.url, headers=headers)
                ),
            )

        p_sh, h_sh = clients("schuldhulp")
        for person in p_sh.pseudonymise(IdentifierKind.BSN, SUBJECTS[IdentifierKind.BSN]):
            pseudonyms.append(person.value)
            h_sh.register_flag(person, purpose="schuldhulpverlening")
        p_vg, h_vg = clients("vergunningen")
        for business in p_vg.pseudonymise(IdentifierKind.KVK, SUBJECTS[IdentifierKind.KVK]):
            pseudonyms.append(business.value)
            h_vg.register_flag(business, purpose="vergunningverlening")
        p_laa, h_laa = clients("adreskwaliteit")
        for address in p_laa.pseudonymise(IdentifierKind.BAG, SUBJECTS[IdentifierKind.BAG]):
            pseudonyms.append(address.value)
            h_laa.register_flag(address, purpose="adreskwaliteit")
        p_pw, h_pw = clients("pw-handhaving")
        people = p_pw.pseudonymise(IdentifierKind.BSN, SUBJECTS[IdentifierKind.BSN])
        answers = [
            h_pw.check_involvement(person, purpose="rechtmatigheid", case_ref="PW-2026-042")
            for person in people
        ]
        handle = answers[0]["involved"][0]["handle"]
        h_pw.call(
            "POST",
            "/contact-requests",
            {"handle": handle, "purpose": "rechtmatigheid", "case_ref": "PW-2026-042"},
        )
        with pytest.raises(HubError):  # a refusal, logged too
            h_pw.check_involvement(people[0], purpose="no_such_purpose", case_ref="PW-2026-042")
        exposition = (
            httpx.get(f"{hub.url}/metrics").text + httpx.get(f"{pseudonymiser.url}/metrics").text
        )

    lines = {
        name: (logs / f"{name}.log").read_text().splitlines() for name in ("hub", "pseudonymiser")
    }
    documents = []
    for name, found in lines.items():
        for line in found:
            if line.strip():
                document = json.loads(line)  # every line is one JSON object
                assert {"time", "level", "logger", "message", "request_id", "trace_id"} <= set(
                    document
                ), (name, line)
                documents.append(document)
    routes = {(d.get("route"), d.get("status")) for d in documents if "route" in d}
    assert ("/api/v1/flags", 201) in routes
    assert ("/api/v1/involvement-checks", 200) in routes
    assert ("/api/v1/contact-requests", 201) in routes
    assert ("/api/v1/evaluations", 200) in routes
    requests = [d for d in documents if d.get("route") == "/api/v1/involvement-checks"]
    assert all(d["trace_id"] == TRACE_ID and d["request_id"] for d in requests)
    assert all(isinstance(d["duration_ms"], float) for d in requests)
    assert "betrokken_http_requests_total" in exposition

    text = "\n".join(line for found in lines.values() for line in found) + exposition
    for values in SUBJECTS.values():
        for identifier in values:
            assert identifier not in text, "identifier in a log line or metric"
    for pseudonym in pseudonyms:
        raw = base64.urlsafe_b64decode(pseudonym + "==")
        for form in (pseudonym, raw.hex(), base64.b64encode(raw).decode()):
            assert form not in text, "pseudonym in a log line or metric"
