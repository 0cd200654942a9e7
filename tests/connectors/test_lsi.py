"""Acceptance of issue 20 for LSI, against hub and pseudonymiser processes: a project from
creation to end as a convenant between a municipality and a chain partner, the lists as
project flags that partners see only within the project, and nothing after its end."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.client.pseudonymise import PseudonymiserClient
from crypto.identifiers import IdentifierKind, synthetic_bag, synthetic_bsn, synthetic_kvk
from tests.connectors.conftest import Hub, betrokken, report_of, state_items

pytestmark = pytest.mark.processes

PROJECT = "lsi-actiedag-noord"
PERSONS = [synthetic_bsn(n) for n in (401, 402, 403)]
ADDRESSES = [synthetic_bag(n) for n in (411, 412)]
BUSINESSES = [synthetic_kvk(421)]


def add_partner(hub: Hub, operator: dict[str, str], slug: str) -> dict[str, str]:
    """A chain partner with an LSI team; headers for a professional of it."""
    made = hub.post(
        "/admin/organisations",
        operator,
        {"slug": slug, "name": slug.upper(), "kind": "ketenpartner"},
    )
    assert made.status_code == 201, made.text
    team = hub.post(
        f"/admin/organisations/{slug}/teams",
        operator,
        {"slug": f"{slug}-lsi", "name": f"LSI {slug}", "domain": "lsi"},
    )
    assert team.status_code == 201, team.text
    token = hub.idp.issue(
        member=f"prof-{slug}", team=f"{slug}-lsi", roles=["professional"], organisation=slug
    )
    return {"Authorization": f"Bearer {token}"}


def involved(hub: Hub, headers: dict[str, str], kind: IdentifierKind, value: str) -> list[Any]:
    with PseudonymiserClient(hub.pseudonymiser.url, headers["Authorization"][7:]) as client:
        subject = client.pseudonymise_one(kind, value)
    answer = hub.post(
        "/involvement-checks",
        headers,
        {"subject": subject.as_subject(), "purpose": "interventieteam", "case_ref": "LSI-ND-1"},
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["involved"])


def test_an_lsi_project_from_creation_to_end(hub: Hub, tmp_path: Path) -> None:
    state = tmp_path / "state"
    operator = hub.headers("beheer")
    uwv = add_partner(hub, operator, "uwv")
    svb = add_partner(hub, operator, "svb")  # a partner outside this project
    beheerder = hub.idp.issue(
        member="fb-voorbeeld", roles=["functioneel_beheerder"], organisation="gemeente-voorbeeld"
    )
    as_beheerder = hub.connector_env("betrokken-connector-lsi", state) | {
        "BETROKKEN_TOKEN": beheerder
    }
    connector = hub.connector_env("betrokken-connector-lsi", state)
    today = date.today()

    too_long = betrokken(
        "connector", "lsi", "project", "create", PROJECT, "--name", "Actiedag Noord",
        "--partner", "gemeente-voorbeeld", "--partner", "uwv",
        "--starts-on", today.isoformat(), "--ends-on", (today + timedelta(days=400)).isoformat(),
        "--projectleider", "J. de Boer",
        env=as_beheerder,
    )  # fmt: skip
    assert too_long.returncode == 1 and "12 months" in too_long.stderr
    created = betrokken(
        "connector", "lsi", "project", "create", PROJECT, "--name", "Actiedag Noord",
        "--partner", "gemeente-voorbeeld", "--partner", "uwv",
        "--starts-on", today.isoformat(), "--ends-on", (today + timedelta(days=90)).isoformat(),
        "--projectleider", "J. de Boer",
        env=as_beheerder,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr

    lines = ["regel_id;soort;nummer"]
    lines += [f"P{n};bsn;{bsn}" for n, bsn in enumerate(PERSONS)]
    lines += [f"A{n};adres;{bag}" for n, bag in enumerate(ADDRESSES)]
    lines += [f"B0;kvk;{BUSINESSES[0]}", "B1;kvk;123", "B2;auto;12-AB-34", "P0;bsn;" + PERSONS[1]]
    path = tmp_path / "lijst.csv"
    path.write_text("\n".join(lines) + "\n")
    done = betrokken(
        "connector", "lsi", "import", str(path), "--project", PROJECT, "--json", env=connector
    )
    report = report_of(done)
    assert report["counts"] == {"read": 9, "registered": 6, "rejected": 3, "unchanged": 0}
    assert [r["line"] for r in report["rejected"]] == [8, 9, 10]
    again = report_of(
        betrokken(
            "connector", "lsi", "import", str(path), "--project", PROJECT, "--json", env=connector
        )
    )
    assert again["counts"]["unchanged"] == 6 and "registered" not in again["counts"]

    # The partner in the project sees the team within it; the one outside sees nothing.
    seen = involved(hub, uwv, IdentifierKind.BSN, PERSONS[0])
    assert [(each["team"], each["organisation"]) for each in seen] == [
        ("interventieteam", "gemeente-voorbeeld")
    ]
    assert involved(hub, uwv, IdentifierKind.BAG, ADDRESSES[1])
    assert involved(hub, svb, IdentifierKind.BSN, PERSONS[0]) == []
    # Results go back within it: the partner asks the project team for contact.
    handle = seen[0]["handle"]
    asked = hub.post(
        "/contact-requests",
        uwv,
        {"handle": handle, "purpose": "interventieteam", "case_ref": "LSI-ND-1"},
    )
    assert asked.status_code == 201, asked.text

    closed = betrokken("connector", "lsi", "project", "close", PROJECT, env=as_beheerder)
    assert closed.returncode == 0, closed.stderr
    assert involved(hub, uwv, IdentifierKind.BSN, PERSONS[0]) == []
    assert involved(hub, uwv, IdentifierKind.BAG, ADDRESSES[1]) == []
    lsi = hub.headers("betrokken-connector-lsi")
    assert betrokken("retention", "run", env=hub.hub_env()).returncode == 0
    assert hub.get("/flags", lsi, status="active")["items"] == []
    assert len(hub.get("/flags", lsi, status="expired")["items"]) == 6
    assert {status for _, _, status in state_items(state, "lsi")} == {"expired"}
    # The list again after the end: nothing changes, nothing shows.
    late = report_of(
        betrokken(
            "connector", "lsi", "import", str(path), "--project", PROJECT, "--json", env=connector
        )
    )
    assert late["counts"]["unchanged"] == 6

    database = b"".join(p.read_bytes() for p in hub.data.glob("betrokken.db*"))
    logs = "".join(p.read_text(errors="replace") for p in hub.logs.iterdir())
    state_bytes = b"".join(p.read_bytes() for p in state.glob("*"))
    for identifier in [*PERSONS, *ADDRESSES, *BUSINESSES]:
        assert identifier.encode() not in database, "identifier in the database"
        assert identifier not in logs, "identifier in a log"
        assert identifier.encode() not in state_bytes, "identifier in the connector's state"
    assert httpx.get(f"{hub.hub.url}/api/v1/health").status_code == 200
