"""Acceptance of issue 18: a new municipality onboarded on a running hub with the CLI alone
(organisation, teams, policy upload and approval), and its professionals register and check
at once, under their own organisation's policy. The hub runs as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crypto.identifiers import synthetic_bsn
from hub.migrate import upgrade
from policies import DEMO_POLICY, parse_policy
from testsupport.services import hub_and_pseudonymiser

pytestmark = pytest.mark.processes  # the hub and the pseudonymiser as processes

ORGANISATION = "gemeente-nieuwdorp"


def betrokken(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def ok(*args: str, env: dict[str, str]) -> str:
    done = betrokken(*args, env=env)
    assert done.returncode == 0, f"{args}: {done.stderr}"
    return done.stdout


def as_json(*args: str, env: dict[str, str]) -> Any:
    return json.loads(ok(*args, "--json", env=env))


@pytest.mark.slow
def test_a_municipality_is_onboarded_with_the_cli_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    upgrade(f"sqlite:///{data / 'betrokken.db'}")
    env = {"BETROKKEN_DATA_DIR": str(data), "BETROKKEN_BACKGROUND_JOBS": "false"}
    ok("demo", "seed", env=env)  # the hub already serves Gemeente Voorbeeld

    def token(member: str, role: str, *teams: str, organisation: str = ORGANISATION) -> str:
        team_args = [arg for team in teams for arg in ("--team", team)]
        args = ["dev-token", "--member", member, "--role", role, *team_args]
        return ok(*args, "--organisation", organisation, env=env).strip()

    bsn = synthetic_bsn(71)

    own = DEMO_POLICY.read_text().replace(
        "name: Betrokken demo policy", "name: Deelbeleid Gemeente Nieuwdorp"
    )
    own_version = parse_policy(own).version
    file_version = parse_policy(DEMO_POLICY.read_text()).version
    assert own_version != file_version
    (tmp_path / "nieuwdorp.yaml").write_text(own)
    broken = own.replace("legal_bases:\n  - id: pw_art_53a", "legal_bases:\n  - idd: pw_art_53a")
    (tmp_path / "broken.yaml").write_text(broken)

    with hub_and_pseudonymiser(env, tmp_path / "logs") as (hub, pseudonymiser):
        env |= {"BETROKKEN_HUB_URL": hub.url, "BETROKKEN_PSEUDONYMISER_URL": pseudonymiser.url}
        operator = token("ops", "hub_operator", organisation="hub-beheer")
        beheerder = token("fb-nieuwdorp", "functioneel_beheerder")
        officer = token("fg-nieuwdorp", "privacy_officer")
        handhaver = token("henk", "professional", "nieuwdorp-handhaving")
        schuldhulp = token("sara", "professional", "nieuwdorp-schuldhulp")
        anna = token("anna", "professional", "pw-handhaving", organisation="gemeente-voorbeeld")

        def run(who: str, *args: str) -> subprocess.CompletedProcess[str]:
            return betrokken(*args, env=env | {"BETROKKEN_TOKEN": who})

        # the hub operator adds the organisation; a beheerder may not
        refused = run(
            beheerder,
            "admin",
            "organisation",
            "create",
            "gemeente-x",
            "--name",
            "X",
            "--kind",
            "gemeente",
        )
        assert refused.returncode != 0 and "403 forbidden" in refused.stderr
        made = run(
            operator,
            "admin",
            "organisation",
            "create",
            ORGANISATION,
            "--name",
            "Gemeente Nieuwdorp",
            "--kind",
            "gemeente",
        )
        assert made.returncode == 0, made.stderr
        assert f"organisation {ORGANISATION}: Gemeente Nieuwdorp (gemeente)" in made.stdout
        again = run(
            operator,
            "admin",
            "organisation",
            "create",
            ORGANISATION,
            "--name",
            "Gemeente Nieuwdorp",
            "--kind",
            "gemeente",
        )
        assert again.returncode != 0 and "409 duplicate_slug" in again.stderr

        # its functioneel beheerder adds its teams; bad input changes nothing
        for slug, name, domain in (
            ("nieuwdorp-handhaving", "Handhaving Nieuwdorp", "pw"),
            ("nieuwdorp-schuldhulp", "Schuldhulp Nieuwdorp", "schuldhulp"),
        ):
            added = run(
                beheerder,
                "admin",
                "team",
                "create",
                ORGANISATION,
                slug,
                "--name",
                name,
                "--domain",
                domain,
                "--contact-person",
                "Kim Smit",
                "--email",
                f"{slug}@nieuwdorp.example",
                "--phone",
                "+31 50 555 0100",
            )
            assert added.returncode == 0, added.stderr
        unknown = run(
            beheerder,
            "admin",
            "team",
            "create",
            ORGANISATION,
            "nieuwdorp-x",
            "--name",
            "X",
            "--domain",
            "onbekend",
        )
        assert unknown.returncode != 0 and "400 unknown_domain" in unknown.stderr
        identifier = run(
            beheerder,
            "admin",
            "team",
            "create",
            ORGANISATION,
            "nieuwdorp-y",
            "--name",
            "Team 999990019",
            "--domain",
            "pw",
        )
        assert identifier.returncode != 0 and "422" in identifier.stderr
        other = run(
            beheerder,
            "admin",
            "team",
            "create",
            "gemeente-voorbeeld",
            "nieuwdorp-z",
            "--name",
            "Z",
            "--domain",
            "pw",
        )
        assert other.returncode != 0 and "403" in other.stderr
        teams = as_json(
            "admin", "team", "list", ORGANISATION, env=env | {"BETROKKEN_TOKEN": beheerder}
        )
        assert [team["slug"] for team in teams["items"]] == [
            "nieuwdorp-handhaving",
            "nieuwdorp-schuldhulp",
        ]

        # the professionals work at once, under the hub's file policy until their own is approved
        registered = run(
            schuldhulp, "flag", "register", "--bsn", bsn, "--purpose", "schuldhulpverlening"
        )
        assert registered.returncode == 0, registered.stderr
        assert f"policy {file_version[:12]}" in registered.stdout

        # the beheerder uploads the organisation's policy: checked as `policy check` does
        invalid = run(
            beheerder, "admin", "policy", "upload", ORGANISATION, str(tmp_path / "broken.yaml")
        )
        assert invalid.returncode != 0 and "400 invalid_policy" in invalid.stderr
        # the same problems, with the same lines, as `betrokken policy check` finds
        checked_file = betrokken("policy", "check", str(tmp_path / "broken.yaml"), env=env)
        assert checked_file.returncode == 1
        for problem in checked_file.stderr.strip().splitlines():
            line, text = problem.split("broken.yaml:", 1)[1].split(": ", 1)
            assert f"line {line}: {text}" in invalid.stderr
        uploaded = as_json(
            "admin",
            "policy",
            "upload",
            ORGANISATION,
            str(tmp_path / "nieuwdorp.yaml"),
            env=env | {"BETROKKEN_TOKEN": beheerder},
        )
        assert uploaded["version"] == own_version and uploaded["status"] == "pending"

        # two people: the beheerder cannot approve it, the organisation's FG does
        self_approval = run(beheerder, "admin", "policy", "approve", ORGANISATION, own_version)
        assert self_approval.returncode != 0 and "403" in self_approval.stderr
        outsider = token("fg-elders", "privacy_officer", organisation="gemeente-voorbeeld")
        foreign = run(outsider, "admin", "policy", "approve", ORGANISATION, own_version)
        assert foreign.returncode != 0 and "403" in foreign.stderr
        approved = run(officer, "admin", "policy", "approve", ORGANISATION, own_version[:12])
        assert approved.returncode == 0, approved.stderr
        assert "approved by fg-nieuwdorp" in approved.stdout

        checked = run(
            handhaver,
            "check",
            "--bsn",
            bsn,
            "--purpose",
            "rechtmatigheid",
            "--case-ref",
            "ND-2026-1",
        )
        assert checked.returncode == 0, checked.stderr
        assert "involved: Schuldhulp Nieuwdorp (nieuwdorp-schuldhulp" in checked.stdout
        assert f"policy {own_version[:12]}" in checked.stdout

        # another municipality's professional sees nothing of Nieuwdorp, under its own policy
        elsewhere = run(
            anna, "check", "--bsn", bsn, "--purpose", "rechtmatigheid", "--case-ref", "PW-2026-9"
        )
        assert elsewhere.returncode == 0, elsewhere.stderr
        assert "Nieuwdorp" not in elsewhere.stdout
        assert f"policy {file_version[:12]}" in elsewhere.stdout

        # a convenant with Gemeente Voorbeeld: Anna sees Nieuwdorp's team, until it ends
        made_convenant = run(
            beheerder,
            "admin",
            "convenant",
            "create",
            "regio-noord",
            "--name",
            "Regio Noord",
            "--partner",
            ORGANISATION,
            "--partner",
            "gemeente-voorbeeld",
            "--domain",
            "schuldhulp",
            "--domain",
            "pw",
            "--purpose",
            "rechtmatigheid",
            "--legal-basis",
            "pw_art_64",
            "--starts-on",
            "2026-01-01",
            "--ends-on",
            "2099-12-31",
            "--responsible",
            "Mr. J. de Boer",
        )
        assert made_convenant.returncode == 0, made_convenant.stderr
        assert "convenant regio-noord: Regio Noord (active)" in made_convenant.stdout
        partner = run(
            anna, "check", "--bsn", bsn, "--purpose", "rechtmatigheid", "--case-ref", "PW-2026-10"
        )
        assert (
            f"involved: Schuldhulp Nieuwdorp (nieuwdorp-schuldhulp, schuldhulp, of {ORGANISATION})"
            in partner.stdout
        )
        ended = run(operator, "admin", "convenant", "end", "regio-noord")
        assert ended.returncode == 0 and "(not active)" in ended.stdout
        after = run(
            anna, "check", "--bsn", bsn, "--purpose", "rechtmatigheid", "--case-ref", "PW-2026-11"
        )
        assert after.returncode == 0 and "Nieuwdorp" not in after.stdout

        history = run(officer, "admin", "policy", "list", ORGANISATION)
        assert f"policy {own_version}: uploaded by fb-nieuwdorp" in history.stdout

        # deactivating a team refuses its members; nothing is deleted
        off = run(beheerder, "admin", "team", "update", "nieuwdorp-schuldhulp", "--deactivate")
        assert off.returncode == 0 and "(deactivated)" in off.stdout
        refused_member = run(schuldhulp, "flag", "list")
        assert refused_member.returncode != 0 and "403" in refused_member.stderr
        hidden = run(
            handhaver,
            "check",
            "--bsn",
            bsn,
            "--purpose",
            "rechtmatigheid",
            "--case-ref",
            "ND-2026-2",
        )
        assert hidden.returncode == 0 and "Schuldhulp Nieuwdorp" not in hidden.stdout
    log = (tmp_path / "logs" / "hub.log").read_text()
    assert bsn not in log
