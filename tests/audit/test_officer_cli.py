"""The officer's CLI against real servers: a BSN is pseudonymised locally, never sent to the hub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.auth.dev_idp import DevIdentityProvider
from api.cli import main
from api.client.hub import HubClient
from api.client.pseudonymise import PseudonymiserClient
from crypto.identifiers import IdentifierKind, synthetic_bsn
from hub.db import make_engine, make_sessionmaker
from hub.demo import seed_demo
from hub.settings import Settings
from hub.transactions import transaction
from testsupport.services import hub_and_pseudonymiser

pytestmark = pytest.mark.processes  # the hub and the pseudonymiser as processes

CITIZEN = synthetic_bsn(71)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # real processes: one backend
def test_inzage_search_and_report_through_the_cli(database_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {"BETROKKEN_DATA_DIR": str(data_dir), "BETROKKEN_DATABASE_URL": database_url}
    settings = Settings(data_dir=data_dir, database_url=database_url)
    with transaction(make_sessionmaker(make_engine(database_url))) as session:
        seed_demo(session)
    idp = DevIdentityProvider.for_settings(settings)
    bram = idp.issue(member="bram", team="schuldhulp", roles=["professional"])
    fenna = idp.issue(member="fenna", roles=["privacy_officer"])

    with hub_and_pseudonymiser(env, tmp_path / "logs") as (hub, pseudonymiser):
        with PseudonymiserClient(pseudonymiser.url, bram) as client:
            person = client.pseudonymise_one(IdentifierKind.BSN, CITIZEN)
        with HubClient(hub.url, bram) as client:
            client.register_flag(person, purpose="schuldhulpverlening")

        urls = ["--hub-url", hub.url, "--pseudonymiser-url", pseudonymiser.url]
        runner = CliRunner()
        officer = {"BETROKKEN_TOKEN": fenna}
        inzage = runner.invoke(
            main, ["audit", "inzage", "--bsn", CITIZEN, *urls, "--case-ref", "AVG15-7"], env=officer
        )
        assert inzage.exit_code == 0, inzage.output
        report = json.loads(inzage.output)
        assert [f["team"] for f in report["flags"]] == ["schuldhulp"]

        page = runner.invoke(
            main, ["audit", "inzage", "--bsn", CITIZEN, *urls, "--html"], env=officer
        )
        assert page.exit_code == 0 and "<h1>Inzageverzoek" in page.output

        search = runner.invoke(main, ["audit", "search", "--bsn", CITIZEN, *urls], env=officer)
        assert search.exit_code == 0, search.output
        actions = [item["action"] for item in json.loads(search.output)["items"]]
        # the two reports made before are processing on this subject too
        assert actions == [
            "flag.register",
            "audit.subject_access_report",
            "audit.subject_access_report",
        ]

        listed = runner.invoke(
            main, ["audit", "report", "refusals", "--hub-url", hub.url], env=officer
        )
        assert listed.exit_code == 0 and json.loads(listed.output)["kind"] == "refusals"
        refused = runner.invoke(
            main,
            ["audit", "report", "refusals", "--hub-url", hub.url],
            env={"BETROKKEN_TOKEN": bram},
        )
        assert refused.exit_code != 0 and "403" in refused.output

    logs = "".join(p.read_text() for p in (tmp_path / "logs").iterdir())
    assert CITIZEN not in logs
