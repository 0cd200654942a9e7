"""A primary demoted under the hub (a failover, or a switchover by the operator): its
connections still work but refuse every write (``read_only_sql_transaction``). Each busy
path and a plain route must answer 503 with ``Retry-After``, never 500, and the hub must
drop those connections so that it writes again as soon as a writable primary is there.

PostgreSQL's ``default_transaction_read_only`` on the database stands in for the demotion:
a standby answers the same error. The failover itself is ``tests/ha/test_failover.py``.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from api.auth.dev_idp import DevIdentityProvider
from hub.runtime import Runtime
from tests.helpers import auth, check, opaque_pseudonym, register


def _read_only(runtime: Runtime, on: bool) -> None:
    url = make_url(runtime.settings.sqlalchemy_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        value = "on" if on else "off"
        connection.execute(
            text(f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = {value}')
        )
        if on:  # sessions read the setting when they start: end the hub's (admin_shutdown)
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": url.database},
            )
    admin.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_writes_on_a_demoted_primary_answer_503_and_recover(
    client: TestClient, runtime: Runtime, idp: DevIdentityProvider
) -> None:
    bram = auth(idp, "bram", "schuldhulp")
    anna = auth(idp, "anna", "pw-handhaving")
    subject = opaque_pseudonym("demoted-1")
    flag = register(client, bram, subject, purpose="schuldhulpverlening")
    assert flag.status_code == 201, flag.text
    assert check(client, anna, subject, purpose="rechtmatigheid").status_code == 200

    _read_only(runtime, True)
    try:
        answers = {
            "registration": register(
                client, bram, opaque_pseudonym("demoted-2"), purpose="schuldhulpverlening"
            ),
            "check": check(client, anna, subject, purpose="rechtmatigheid"),
            "withdrawal": client.delete(f"/api/v1/flags/{flag.json()['flag']['id']}", headers=bram),
        }
        # The first check met its ended connection, this one a new read-only one.
        answers["check again"] = check(client, anna, subject, purpose="rechtmatigheid")
    finally:
        _read_only(runtime, False)
    for name, answer in answers.items():
        assert answer.status_code == 503, f"{name}: {answer.status_code} {answer.text}"
        assert answer.headers["content-type"] == "application/problem+json", name
        assert int(answer.headers["Retry-After"]) >= 1, name

    # Writable again: the connections to the "demoted" database were dropped.
    again = register(client, bram, opaque_pseudonym("demoted-3"), purpose="schuldhulpverlening")
    assert again.status_code == 201, again.text
    assert check(client, anna, subject, purpose="rechtmatigheid").status_code == 200
