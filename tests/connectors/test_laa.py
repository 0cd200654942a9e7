"""Acceptance of issue 20 for LAA, against the hub and the pseudonymiser as processes and
the connector as the ``betrokken`` command: import, re-import (no change), bad input row by
row, an unreadable file (no change), statuses and the terugmelding file, deadline warnings
with a moved clock, a match with VTH, a run killed half-way and resumed."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.client.hub import HubClient
from api.client.pseudonymise import PseudonymiserClient
from crypto.identifiers import IdentifierKind, synthetic_bag
from tests.connectors.conftest import Hub, betrokken, report_of, state_items

pytestmark = pytest.mark.processes

USED: list[str] = []  # every identifier the module sends, for the scan at its end


def export(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(["signaal_id;bag_id;datum_ontvangst;signaaltype", *lines]) + "\n")
    return path


def signal_line(signal_id: str, n: int, received: date, kind: str = "VOW-adres") -> str:
    bag = synthetic_bag(n)
    USED.append(bag)
    return f"{signal_id};{bag};{received.isoformat()};{kind}"


def inbox(hub: Hub, headers: dict[str, str], kind: str) -> list[dict[str, Any]]:
    items = hub.get("/notifications", headers)["items"]
    return [item for item in items if item["kind"] == kind]


def active_flags(hub: Hub, headers: dict[str, str]) -> list[dict[str, Any]]:
    return list(hub.get("/flags", headers, status="active", limit=500)["items"])


@pytest.mark.slow
def test_laa_end_to_end(hub: Hub, tmp_path: Path) -> None:
    state = tmp_path / "state"
    env = hub.connector_env("betrokken-connector-laa", state)
    laa = hub.headers("betrokken-connector-laa")
    tessa = hub.headers("tessa")
    received = date.today() - timedelta(days=1)

    # VTH is already at one address: the import makes a match there.
    with (
        PseudonymiserClient(hub.pseudonymiser.url, tessa["Authorization"][7:]) as pseudonymiser,
        HubClient(hub.hub.url, tessa["Authorization"][7:]) as vth,
    ):
        (address,) = pseudonymiser.pseudonymise(IdentifierKind.BAG, [synthetic_bag(5)])
        vth.register_flag(address, purpose="toezicht_handhaving")

    bad_bag = synthetic_bag(9)[:-1] + "x"
    lines = [
        *(signal_line(f"LAA-{n:04d}", n, received) for n in range(1, 9)),
        signal_line("LAA-0009", 1, received, "samenwoners"),  # line 10: same address as LAA-0001
        f"LAA-0010;{bad_bag};{received.isoformat()};VOW-adres",  # 11: not a BAG id
        signal_line("LAA-0003", 30, received),  # 12: a signal id seen on line 4
        f"LAA-0011;{synthetic_bag(11)};30-02-2026;VOW-adres",  # 13: no such date
        f"LAA-0012;{synthetic_bag(12)};{(date.today() + timedelta(days=3)).isoformat()};x",
        "LAA-0013;too;few",  # 15: fields missing
        f"LAA-0014;{synthetic_bag(14)}",  # 16
    ]
    USED.extend([synthetic_bag(11), synthetic_bag(12), synthetic_bag(14)])
    path = export(tmp_path / "walaa.csv", lines)
    with path.open("ab") as handle:  # line 17: a line in Latin-1, not UTF-8
        handle.write(
            f"LAA-0015;{synthetic_bag(15)};{received};adres in Cura\xe7ao\n".encode("latin-1")
        )
    USED.append(synthetic_bag(15))

    first = betrokken("connector", "laa", "import", str(path), "--json", env=env)
    assert first.returncode == 3, first.stderr  # done, with rejected rows
    report = report_of(first)
    assert report["counts"] == {
        "adopted": 1,  # LAA-0009 joins LAA-0001's flag on the same address
        "read": 16,
        "registered": 8,
        "rejected": 7,
        "unchanged": 0,
    }
    reasons = {each["line"]: each["reason"] for each in report["rejected"]}
    assert sorted(reasons) == [11, 12, 13, 14, 15, 16, 17]
    assert reasons[11].startswith("bag_id: ")
    assert reasons[12] == "signaal_id is on line 4 already"
    assert "not a date" in reasons[13] and "future" in reasons[14]
    assert "fields where the header has" in reasons[15] and reasons[17] == "the line is not UTF-8"
    flags = active_flags(hub, laa)
    assert len(flags) == 8 and {f["domain"] for f in flags} == {"laa"}
    assert len(state_items(state, "laa")) == 9

    # Both sides of the address VTH knows are told.
    assert len(inbox(hub, laa, "match.created")) == 1
    assert len(inbox(hub, tessa, "match.created")) == 1

    # Again: nothing changes.
    again = report_of(betrokken("connector", "laa", "import", str(path), "--json", env=env))
    assert again["counts"]["unchanged"] == 9 and "registered" not in again["counts"]
    assert len(active_flags(hub, laa)) == 8

    # A file that cannot be read at all changes nothing.
    unreadable = tmp_path / "utf16.csv"
    unreadable.write_text(path.read_text(errors="replace"), encoding="utf-16")
    refused = betrokken("connector", "laa", "import", str(unreadable), env=env)
    assert refused.returncode == 1 and "nothing was changed" in refused.stderr
    assert len(state_items(state, "laa")) == 9

    # Deadline warnings: none today; with the clock 22 days on, the 4-week one for each flag.
    run = ("retention", "run")
    assert betrokken(*run, env=hub.hub_env()).returncode == 0
    assert inbox(hub, laa, "flag.deadline") == []
    moved = hub.hub_env(BETROKKEN_UNSAFE_CLOCK_OFFSET_SECONDS=str(22 * 86400))
    assert betrokken(*run, env=moved).returncode == 0, "retention with a moved clock"
    warned = inbox(hub, laa, "flag.deadline")
    assert len(warned) == 8 and {w["payload"]["deadline"] for w in warned} == {"laa_terugmelding"}
    assert betrokken(*run, env=moved).returncode == 0
    assert len(inbox(hub, laa, "flag.deadline")) == 8  # once each

    # Statuses.
    def status(signal_id: str, value: str) -> subprocess.CompletedProcess[str]:
        return betrokken("connector", "laa", "status", signal_id, "--set", value, "--json", env=env)

    assert status("LAA-0002", "in behandeling").returncode == 1  # not a WALAA status
    assert status("LAA-9999", "onderzoek in de BRP").returncode == 1  # never imported
    assert report_of(status("LAA-0002", "onderzoek in de BRP"))["counts"]["deadlines_set"] == 1
    assert report_of(status("LAA-0002", "onderzoek-in-de-brp"))["counts"] == {"unchanged": 1}
    done = report_of(status("LAA-0002", "afgerond met BRP-mutatie"))
    assert done["counts"]["withdrawn"] == 1
    assert status("LAA-0002", "onderzoek in de BRP").returncode == 1  # finished is final
    # Two signals on one address: the flag stays until both are finished.
    assert (
        report_of(status("LAA-0001", "afgerond zonder BRP-mutatie"))["counts"]["deadlines_set"] == 1
    )
    assert report_of(status("LAA-0009", "afgerond met BRP-mutatie"))["counts"]["withdrawn"] == 1
    assert len(active_flags(hub, laa)) == 6

    out = tmp_path / "terugmelding.csv"
    assert betrokken("connector", "laa", "report", "--out", str(out), env=env).returncode == 0
    rows = out.read_text().splitlines()
    assert rows[0] == (
        "signaal_id;status;datum_status;datum_ontvangst;uiterlijk_terugmelding;uiterlijk_afgerond"
    )
    by_id = {row.split(";")[0]: row.split(";") for row in rows[1:]}
    assert len(by_id) == 9
    assert by_id["LAA-0002"][1] == "afgerond met BRP-mutatie"
    assert by_id["LAA-0003"][1:3] == ["wachten op resultaat", ""]
    assert by_id["LAA-0003"][4] == (received + timedelta(days=28)).isoformat()

    # Every connector action is in the log under its client and run; the officer filters.
    officer = hub.headers("fatima")
    entries = hub.get("/audit/entries", officer, client="betrokken-connector-laa", limit=500)
    actions = {entry["action"] for entry in entries["items"]}
    assert {"flag.register", "flag.deadlines", "flag.withdraw"} <= actions


@pytest.mark.slow
def test_a_run_killed_half_way_resumes_without_duplicates_or_losses(
    hub: Hub, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    env = hub.connector_env("betrokken-connector-laa", state) | {"BETROKKEN_CONNECTOR_BATCH": "20"}
    laa = hub.headers("betrokken-connector-laa")
    before = len(active_flags(hub, laa))
    received = date.today() - timedelta(days=2)
    count = 400
    path = export(
        tmp_path / "big.csv",
        [signal_line(f"K-{n:05d}", 1000 + n, received) for n in range(count)],
    )
    import os

    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "connector", "laa", "import", str(path)],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("BETROKKEN_")}, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    recorded = 0
    while time.monotonic() < deadline and recorded < 60:
        time.sleep(0.02)
        if (state / "state.sqlite").exists():
            try:
                recorded = len(state_items(state, "laa"))
            except Exception:  # the file is being made
                recorded = 0
    process.send_signal(signal.SIGKILL)
    process.wait()
    cut = len(state_items(state, "laa"))
    assert 0 < cut < count, "the run was not cut off half-way"

    resumed = report_of(betrokken("connector", "laa", "import", str(path), "--json", env=env))
    counts = resumed["counts"]
    assert counts["unchanged"] == cut
    assert counts.get("registered", 0) + counts.get("adopted", 0) == count - cut
    items = state_items(state, "laa")
    assert len(items) == count and all(flag_id for _, flag_id, _ in items)
    assert len({flag_id for _, flag_id, _ in items}) == count  # one flag per address
    flags = hub.get("/flags", laa, status="active", limit=500)["items"]
    flags += hub.get("/flags", laa, status="active", limit=500, offset=500)["items"]
    assert len(flags) == before + count  # none twice, none lost
    assert {flag_id for _, flag_id, _ in items} <= {flag["id"] for flag in flags}


@pytest.mark.slow  # it reads what the two runs above left
def test_the_hub_keeps_no_identifier(hub: Hub) -> None:
    """After everything above: no BAG id sent in the hub's database or logs."""
    database = b"".join(p.read_bytes() for p in hub.data.glob("betrokken.db*"))
    logs = "".join(p.read_text(errors="replace") for p in hub.logs.iterdir())
    assert USED and len(database) > 10_000
    for identifier in USED:
        assert identifier.encode() not in database, "identifier in the database"
        assert identifier not in logs, "identifier in a log"
    assert httpx.get(f"{hub.hub.url}/api/v1/health").status_code == 200
