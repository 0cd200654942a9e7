"""The hub and its policy: reload without restart, versions kept, refusal to start, rate limits."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.dev_idp import DevIdentityProvider
from hub.background import policy_job
from hub.flag.models import Flag
from hub.runtime import Runtime
from hub.settings import Settings
from policies import DEMO_POLICY, PolicyError
from tests.helpers import audit_rows, auth, check, opaque_pseudonym, register

SUBJECT = opaque_pseudonym("policy")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    policy = tmp_path / "policy.yaml"
    shutil.copyfile(DEMO_POLICY, policy)
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        policy_file=policy,
        policy_check_interval_seconds=0,
        background_jobs=False,
    )


def test_new_policy_is_picked_up_and_old_decisions_keep_their_version(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, settings: Settings
) -> None:
    sh = auth(idp, "bram", "schuldhulp")
    pw = auth(idp, "anna", "pw-handhaving")
    first = register(client, sh, SUBJECT, purpose="schuldhulpverlening").json()
    old_version = first["decision"]["policy_version"]
    assert len(check(client, pw, SUBJECT, purpose="rechtmatigheid").json()["involved"]) == 1

    # The FG withdraws Pw's view of schuldhulp; the hub notices the file without a restart.
    text = settings.policy_file.read_text()
    narrowed = text.replace(
        "targets: [pw, schuldhulp, wmo_pgb, vergunningen, vth, laa], legal_bases: [pw_art_64], why",
        "targets: [pw, wmo_pgb, vergunningen, vth, laa], legal_bases: [pw_art_64], why",
        1,
    )
    assert narrowed != text
    settings.policy_file.write_text(narrowed)
    os.utime(settings.policy_file, (0, 10**9 + 7))

    answer = check(client, pw, SUBJECT, purpose="rechtmatigheid").json()
    assert answer["involved"] == []
    new_version = answer["decision"]["policy_version"]
    assert new_version != old_version
    with runtime.sessions() as session:
        [flag] = session.query(Flag).all()
        assert flag.policy_version == old_version
    versions = [row.policy_version for row in audit_rows(runtime)]
    assert versions[0] == old_version and versions[-1] == new_version


def test_a_broken_policy_keeps_the_last_good_one_while_running(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, settings: Settings
) -> None:
    good = runtime.policy.current().version
    settings.policy_file.write_text("rules: [this is not: a policy")
    os.utime(settings.policy_file, (0, 10**9 + 11))
    answer = check(client, auth(idp, "anna", "pw-handhaving"), SUBJECT, purpose="rechtmatigheid")
    assert answer.status_code == 200
    assert answer.json()["decision"]["policy_version"] == good


def test_a_broken_policy_is_loud_in_the_log_on_health_and_to_the_officer(
    client: TestClient,
    idp: DevIdentityProvider,
    runtime: Runtime,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = runtime.policy.current().version
    assert client.get("/api/v1/health").json()["policy"] == "ok"
    text = settings.policy_file.read_text()
    lines = text.splitlines()
    line = next(i for i, each in enumerate(lines, 1) if "id: pw-sees" in each)
    lines[line - 1] = lines[line - 1].replace("legal_bases: [pw_art_64]", "legal_bases: [nope]")
    settings.policy_file.write_text("\n".join(lines) + "\n")
    os.utime(settings.policy_file, (0, 10**9 + 13))

    with caplog.at_level(logging.ERROR, logger="betrokken.policy"):
        health = client.get("/api/v1/health").json()
        client.get("/api/v1/health")  # the same problem is logged once
    assert health["policy"] == "stale" and health["policy_version"] == good
    assert health["status"] == "ok" and health["database"] == "ok"  # still serving
    assert (
        health["policy_problem"]
        == f"policy.yaml:{line}: unknown legal basis 'nope' in rule 'pw-sees'"
    )
    logged = [record.getMessage() for record in caplog.records]
    assert len(logged) == 1
    assert f"{settings.policy_file}:{line}: unknown legal basis 'nope'" in logged[0]
    assert good[:12] in logged[0]

    assert policy_job(runtime) == 1
    assert policy_job(runtime) == 0  # one alert per problem
    officer = auth(idp, "olga", None, "privacy_officer")
    alerts = client.get("/api/v1/audit/alerts", headers=officer).json()["items"]
    (alert,) = [each for each in alerts if each["rule"] == "policy.stale"]
    assert alert["detail"] == {"problem": health["policy_problem"], "version_in_force": good}

    settings.policy_file.write_text(text)
    os.utime(settings.policy_file, (0, 10**9 + 17))
    health = client.get("/api/v1/health").json()
    assert (health["policy"], health["policy_problem"]) == ("ok", None)
    assert policy_job(runtime) == 0


@pytest.mark.processes  # `betrokken serve` as a process
def test_the_hub_refuses_to_start_on_a_broken_policy(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        DEMO_POLICY.read_text().replace("legal_bases: [pw_art_64]", "legal_bases: [pw_art_99]", 1)
    )
    settings = Settings(data_dir=tmp_path / "data", policy_file=broken, background_jobs=False)
    with pytest.raises(PolicyError) as raised:
        create_app(settings)
    assert "pw_art_99" in str(raised.value) and raised.value.line
    serve = subprocess.run(
        [sys.executable, "-m", "api.cli", "serve", "--without-pseudonymiser", "--port", "1"],
        env={
            **os.environ,
            "BETROKKEN_DATA_DIR": str(tmp_path / "data"),
            "BETROKKEN_POLICY_FILE": str(broken),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert serve.returncode != 0
    assert "broken.yaml" in serve.stderr and "pw_art_99" in serve.stderr


def test_checks_are_rate_limited_per_member(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    anna = auth(idp, "anna", "pw-handhaving")
    per_minute = runtime.policy.current().rate_limit("professional").per_minute
    for n in range(per_minute):
        assert (
            check(client, anna, opaque_pseudonym(f"s{n}"), purpose="rechtmatigheid").status_code
            == 200
        )
    over = check(client, anna, SUBJECT, purpose="rechtmatigheid")
    assert over.status_code == 429
    assert int(over.headers["Retry-After"]) >= 1
    assert over.json()["code"] == "rate_limited"
    assert audit_rows(runtime)[-1].reason == "rate limit reached"
    # A colleague still has a budget of her own.
    assert (
        check(
            client, auth(idp, "eva", "pw-handhaving"), SUBJECT, purpose="rechtmatigheid"
        ).status_code
        == 200
    )
