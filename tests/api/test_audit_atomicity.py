"""No log, no access: without an audit entry nothing happens and nothing is told."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from api.auth.dev_idp import DevIdentityProvider
from hub.audit.models import AuditEntry
from hub.flag.models import Flag
from hub.runtime import Runtime
from tests.helpers import auth, check, count, opaque_pseudonym, register

SUBJECT = opaque_pseudonym("atomic")


def break_audit_log(runtime: Runtime) -> None:
    """Make every insert into the audit table fail, as a full disk or revoked grant would."""
    with runtime.sessions() as session, session.begin():
        if session.bind.dialect.name == "sqlite":
            session.execute(
                text(
                    "CREATE TRIGGER audit_down BEFORE INSERT ON audit_entries "
                    "BEGIN SELECT RAISE(ABORT, 'audit down'); END"
                )
            )
        else:
            session.execute(
                text(
                    "CREATE FUNCTION audit_down() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'audit down'; END $$"
                )
            )
            session.execute(
                text(
                    "CREATE TRIGGER audit_down BEFORE INSERT ON audit_entries "
                    "FOR EACH ROW EXECUTE FUNCTION audit_down()"
                )
            )


def test_register_without_audit_stores_nothing(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    break_audit_log(runtime)
    answer = register(
        client, auth(idp, "bram", "schuldhulp"), SUBJECT, purpose="schuldhulpverlening"
    )
    assert answer.status_code == 503
    assert answer.json()["code"] == "audit_unavailable"
    assert "flag" not in answer.json()
    assert count(runtime, Flag) == 0


def test_check_without_audit_returns_no_result(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    assert (
        register(
            client, auth(idp, "bram", "schuldhulp"), SUBJECT, purpose="schuldhulpverlening"
        ).status_code
        == 201
    )
    break_audit_log(runtime)
    answer = check(client, auth(idp, "anna", "pw-handhaving"), SUBJECT, purpose="rechtmatigheid")
    assert answer.status_code == 503
    assert "involved" not in answer.json()
    assert "schuldhulp" not in answer.text
    assert count(runtime, AuditEntry) == 1  # only the registration


def test_refusal_is_audited_after_rollback(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    pw = auth(idp, "anna", "pw-handhaving")
    assert check(client, pw, SUBJECT, purpose="adreskwaliteit").status_code == 403
    assert count(runtime, AuditEntry) == 1
    break_audit_log(runtime)
    # A refusal that cannot be audited is not reported as a plain refusal either.
    answer = check(client, pw, SUBJECT, purpose="adreskwaliteit")
    assert answer.status_code == 503
    assert answer.json()["code"] == "audit_unavailable"
