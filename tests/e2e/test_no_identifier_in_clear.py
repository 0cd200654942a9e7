"""Invariant 1: after a scenario, no identifier used in it appears in the database, the logs or
any response; and the hub stores none of the pseudonyms the clients computed (invariant 2).
"""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import httpx
import pytest

from api.auth.dev_idp import DevIdentityProvider
from api.client.hub import HubClient
from api.client.pseudonymise import PseudonymiserClient
from crypto.identifiers import IdentifierKind, synthetic_bag, synthetic_bsn, synthetic_kvk
from hub.db import make_engine, make_sessionmaker
from hub.demo import seed_demo
from hub.settings import Settings
from hub.transactions import transaction
from testsupport.postgres import PG_BIN
from testsupport.services import hub_and_pseudonymiser

pytestmark = pytest.mark.processes  # the hub and the pseudonymiser as processes

SUBJECTS = {
    IdentifierKind.BSN: [synthetic_bsn(n) for n in (11, 12, 13, 14)],
    IdentifierKind.BAG: [synthetic_bag(n) for n in (21, 22)],
    IdentifierKind.KVK: [synthetic_kvk(n) for n in (31, 32)],
}


def test_scenario_leaves_no_identifier(database_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {"BETROKKEN_DATA_DIR": str(data_dir), "BETROKKEN_DATABASE_URL": database_url}
    settings = Settings(data_dir=data_dir, database_url=database_url)
    with transaction(make_sessionmaker(make_engine(database_url))) as session:
        seed_demo(session)
    idp = DevIdentityProvider.for_settings(settings)
    tokens = {
        team: idp.issue(member=f"member-{team}", team=team, roles=["professional"])
        for team in ("pw-handhaving", "schuldhulp", "vergunningen", "adreskwaliteit")
    }
    responses: list[str] = []

    def keep_body(response: httpx.Response) -> None:
        response.read()
        responses.append(response.text)

    hooks = {"response": [keep_body]}
    pseudonyms: list[str] = []

    with hub_and_pseudonymiser(env, tmp_path / "logs") as (hub, pseudonymiser):

        def clients(team: str) -> tuple[PseudonymiserClient, HubClient]:
            return (
                PseudonymiserClient(
                    pseudonymiser.url,
                    tokens[team],
                    http=httpx.Client(base_url=pseudonymiser.url, event_hooks=hooks),
                ),
                HubClient(
                    hub.url, tokens[team], http=httpx.Client(base_url=hub.url, event_hooks=hooks)
                ),
            )

        p_sh, h_sh = clients("schuldhulp")
        for person in p_sh.pseudonymise(IdentifierKind.BSN, SUBJECTS[IdentifierKind.BSN][:3]):
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
        # The scenario did what it should: three known to schuldhulp, the fourth unknown.
        assert [len(a["involved"]) for a in answers] == [1, 1, 1, 0]
        assert answers[0]["involved"][0]["team"] == "schuldhulp"

    logs = "".join(p.read_text() for p in (tmp_path / "logs").iterdir())
    database = _database_bytes(database_url)
    identifiers = [value for values in SUBJECTS.values() for value in values]
    assert responses and len(logs) > 0 and len(database) > 10_000
    for identifier in identifiers:
        assert identifier.encode() not in database, "identifier in the database"
        assert identifier not in logs, "identifier in a log"
        assert not any(identifier in body for body in responses), "identifier in a response"
    for pseudonym in pseudonyms:
        raw = base64.urlsafe_b64decode(pseudonym + "==")
        for form in (pseudonym.encode(), raw, raw.hex().encode()):
            assert form not in database, "client pseudonym stored by the hub"


def _database_bytes(url: str) -> bytes:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    # postgresql+psycopg://user@host:port/name → pg_dump of everything, data included.
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    dump = subprocess.run(
        [str(PG_BIN / "pg_dump"), "--data-only", "--inserts", plain],
        capture_output=True,
        check=True,
    )
    return dump.stdout
