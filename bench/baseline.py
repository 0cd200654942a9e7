"""What the machine itself can do: pgbench on the hub's SQL, and the raw OPRF primitive.

The pgbench scripts compute the subject key in SQL exactly as the hub does (SHA-512 of the
bench seed and subject number gives the client pseudonym, then HMAC-SHA256 with the hub's
subject key, via pgcrypto), run the involvement check's SELECT and insert an audit row of
the hub's size, so both sides do the same work per check and differ only in what lies
between the client and the database.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from bench.data import World
from bench.load import percentile
from bench.postgres import Database
from crypto import oprf
from crypto.identifiers import IdentifierKind, poprf_info
from hub.audit.service import canonical_leaf
from hub.pseudonym import SUBJECT_KEY_DOMAIN
from testsupport.postgres import PG_BIN

_TPS = re.compile(r"^tps = ([0-9.]+)", re.MULTILINE)


@dataclass(frozen=True)
class PgbenchResult:
    script: str
    clients: int
    seconds: float
    transactions: int
    tps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "script": self.script,
            "clients": self.clients,
            "seconds": self.seconds,
            "transactions": self.transactions,
            "tps": round(self.tps, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
        }


def _hex(raw: bytes) -> str:
    return f"decode('{raw.hex()}', 'hex')"


def subject_key_sql(world: World, hub_key: bytes) -> str:
    """SQL for the stored subject key of subject ``:n``, as ``SubjectKeyer`` computes it."""
    pseudonym = f"sha512({_hex(world.sql_prefix)} || int8send(:n::bigint))"
    message = f"{_hex(SUBJECT_KEY_DOMAIN + IdentifierKind.BSN.value.encode() + bytes(1))}"
    return f"hmac({message} || {pseudonym}, {_hex(hub_key)}, 'sha256')"


def _leaf_template(policy_version: str) -> str:
    """An audit leaf of the hub's shape and length, with ``%s`` for its two ids."""
    leaf = canonical_leaf(
        {
            "v": 1,
            "id": "@ID@",
            "at": "2026-11-23T09:00:00.000000+00:00",
            "actor": {
                "sub": "bench-pw-handhaving-g013-1",
                "organisation": "gemeente-bench-013",
                "team": "pw-handhaving-g013",
                "role": "professional",
                "client": "betrokken-dev",
            },
            "action": "involvement.check",
            "outcome": "allowed",
            "subject": "0" * 64,
            "purpose": "rechtmatigheid",
            "case_ref": "BENCH-1234567",
            "object": None,
            "decision": {
                "rule": "pw-check",
                "legal_basis": "pw_art_64",
                "policy_version": policy_version,
            },
            "reason": None,
            "request_id": "@REQUEST@",
            "trace_id": None,
        }
    )
    return leaf.replace("@ID@", "%s").replace("@REQUEST@", "%s")


def select_sql(key: str) -> str:
    return (
        "SELECT f.*, t.* FROM flags f JOIN teams t ON t.id = f.team_id\n"
        f"WHERE f.subject_key = {key}\n"
        "  AND f.status = 'active' AND f.expires_at > now()\n"
        "ORDER BY f.registered_at;\n"
    )


def insert_sql(key: str, policy_version: str) -> str:
    # Hex, because pgbench would read the leaf's "09:00" as a variable.
    template = f"convert_from({_hex(_leaf_template(policy_version).encode())}, 'UTF8')"
    return (
        "INSERT INTO audit_entries (id, at, action, outcome, actor_sub, actor_organisation,\n"
        "  actor_team, actor_role, client_id, subject_key, subject_salt, purpose, case_ref,\n"
        "  rule_id, legal_basis, policy_version, request_id, leaf, leaf_hash)\n"
        "SELECT e.id, now(), 'involvement.check', 'allowed', 'bench-pw-handhaving-g013-1',\n"
        "  'gemeente-bench-013', 'pw-handhaving-g013', 'professional', 'betrokken-dev',\n"
        f"  {key}, gen_random_bytes(16), 'rechtmatigheid', 'BENCH-' || :n::text,\n"
        f"  'pw-check', 'pw_art_64', '{policy_version}', e.request_id, e.leaf,\n"
        "  sha256('\\x00'::bytea || convert_to(e.leaf, 'UTF8'))\n"
        f"FROM (SELECT id, request_id, format({template}, id, request_id) AS leaf\n"
        "      FROM (SELECT gen_random_uuid() AS id, gen_random_uuid()::text AS request_id) ids)"
        " e;\n"
    )


BASELINE_REQUESTER = "bench-pgbench-baseline"  # marks the baseline's contact requests


def contact_request_sql(key: str, policy_version: str) -> str:
    """A contact request's work in plain SQL, one durable transaction: the flag and its
    owner, the pending check, the request, the owner's notification and the audit row
    (whose leaf is a check's: the same shape and length)."""
    payload = json.dumps(
        {
            "flag": "00000000-0000-0000-0000-000000000000",
            "from_team": "pw-handhaving-g013",
            "from_team_name": "Handhaving Participatiewet gemeente-bench-013",
            "legal_basis": "pw_art_64",
            "purpose": "rechtmatigheid",
            "request": "00000000-0000-0000-0000-000000000000",
            "requester": None,
            "status": "pending",
        },
        sort_keys=True,
    )
    return (
        "SELECT f.id AS flag, f.team_id AS owner,\n"
        "  (SELECT t.id FROM teams t WHERE t.id <> f.team_id ORDER BY t.id LIMIT 1) AS asker\n"
        f"FROM flags f WHERE f.subject_key = {key}\n"
        "ORDER BY f.registered_at LIMIT 1 \\gset\n"
        "SELECT count(*) FROM contact_requests WHERE flag_id = :flag::uuid\n"
        "  AND requester_team_id = :asker::uuid AND status = 'pending';\n"
        "INSERT INTO contact_requests (id, flag_id, owner_team_id, requester_team_id,\n"
        "  requester_sub, requester_name, requester_email, purpose, status,\n"
        "  requires_approval, created_at, expires_at, rule_id, legal_basis, policy_version)\n"
        "VALUES (gen_random_uuid(), :flag::uuid, :owner::uuid, :asker::uuid,\n"
        f"  '{BASELINE_REQUESTER}', 'bench-pw-handhaving-g013-1', 'pw@example.org',\n"
        "  'rechtmatigheid', 'pending', true, now(), now() + interval '14 days',\n"
        f"  'pw-contact', 'pw_art_64', '{policy_version}');\n"
        "INSERT INTO notifications (id, team_id, kind, payload, created_at, delivery,\n"
        "  attempts, email)\n"
        "VALUES (gen_random_uuid(), :owner::uuid, 'contact_request.create',\n"
        f"  convert_from({_hex(payload.encode())}, 'UTF8'), now(), 'none', 0, 'pending');\n"
        + insert_sql(key, policy_version)
    )


def write_scripts(
    directory: Path, *, world: World, hub_key: bytes, subjects: int, policy_version: str
) -> dict[str, Path]:
    """The pgbench scripts: the check with its audit row, the SELECT alone, and a contact
    request's statements (the baseline of the contact-request phase)."""
    directory.mkdir(parents=True, exist_ok=True)
    key = subject_key_sql(world, hub_key)
    pick = f"\\set n random(0, {max(0, subjects - 2)})\n"
    scripts = {
        "select_insert": pick
        + "BEGIN;\n"
        + select_sql(key)
        + insert_sql(key, policy_version)
        + "COMMIT;\n",
        "select_only": pick + select_sql(key),
        "contact_request": pick
        + "BEGIN;\n"
        + contact_request_sql(key, policy_version)
        + "COMMIT;\n",
    }
    paths = {}
    for name, body in scripts.items():
        path = directory / f"{name}.sql"
        path.write_text(body)
        paths[name] = path
    return paths


def forget_baseline_requests(database: Database) -> int:
    """Delete the contact requests the baseline made: left pending, they would refuse the
    hub's own requests on the same flags with a 409."""
    with psycopg.connect(database.libpq_url, autocommit=True) as connection:
        deleted = connection.execute(
            "DELETE FROM contact_requests WHERE requester_sub = %s", (BASELINE_REQUESTER,)
        )
        return deleted.rowcount


def prepare_database(database: Database) -> None:
    """pgcrypto for HMAC in SQL; it lives only in the benchmark's database."""
    with psycopg.connect(database.libpq_url, autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")


def run_pgbench(
    database: Database, script: Path, *, clients: int, seconds: float, log_dir: Path
) -> PgbenchResult:
    """``pgbench -M prepared`` with ``clients`` connections; latencies from its per-transaction
    log, so the percentiles are computed the same way as the hub's."""
    pgbench = shutil.which("pgbench") or str(PG_BIN / "pgbench")
    prefix = log_dir / f"pgbench-{script.stem}-{int(time.time())}"
    log_dir.mkdir(parents=True, exist_ok=True)
    completed = subprocess.run(
        [
            pgbench,
            "-n",
            "-M",
            "prepared",
            "-c",
            str(clients),
            "-j",
            str(min(clients, 2)),
            "-T",
            str(max(1, round(seconds))),
            "-f",
            str(script),
            "-l",
            f"--log-prefix={prefix}",
            database.libpq_url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"pgbench failed: {completed.stderr[-2000:]}")
    found = _TPS.search(completed.stdout)
    if found is None:
        raise RuntimeError(f"no tps in pgbench output: {completed.stdout[-2000:]}")
    latencies: list[float] = []
    for log in prefix.parent.glob(prefix.name + "*"):
        for line in log.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[2].isdigit():
                latencies.append(int(fields[2]) / 1e6)
        log.unlink()
    latencies.sort()
    return PgbenchResult(
        script=script.stem,
        clients=clients,
        seconds=seconds,
        transactions=len(latencies),
        tps=float(found.group(1)),
        p50_ms=percentile(latencies, 0.50) * 1000,
        p95_ms=percentile(latencies, 0.95) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
    )


def raw_oprf_rate(secret: bytes, blinded: list[bytes], *, epoch: str, seconds: float) -> float:
    """Evaluations per second of ``blind_evaluate_batch`` on one core, batches as the service
    receives them, same mode and info."""
    info = poprf_info(IdentifierKind.BSN, epoch)
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        oprf.blind_evaluate_batch(secret, blinded, mode=oprf.Mode.POPRF, info=info)
        done += len(blinded)
    return done / (time.perf_counter() - started)
