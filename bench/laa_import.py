"""LAA import throughput end to end (issue 20): a WALAA export of N signals through the
connector, the pseudonymiser and the hub, as processes, on the bench's durable PostgreSQL.

    python -m bench.laa_import --signals 100000      # make bench-laa
    python -m bench.laa_import --signals 500 --baseline 500 --database-url URL   # tiny

In one run, on the same hub: the **baselines** first, on other subjects than the import's:
raw registrations through ``POST /api/v1/flag-batches`` at the connector's batch size
(pseudonyms made up, no file, no pseudonymiser, no state) and raw pseudonymisation of the
same number of BAG ids in batches of 100 (blind, evaluate, verify, finalize); then the
**import** (``betrokken connector laa import FILE``, a process of its own: read and check
the file, pseudonymise, register with due dates, record the state), timed from start to
exit; then the import again, which must change nothing. Figures to stdout and
``bench/results/laa-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

from api.auth.dev_idp import DevIdentityProvider
from api.client.pseudonymise import PseudonymiserClient
from bench.cpu import CpuMeter, postmaster_pid
from bench.postgres import BenchCluster, Database, cluster_root
from bench.run import DEFAULT_RESULTS_DIR, DEFAULT_WORK_DIR, machine
from crypto.identifiers import IdentifierKind, synthetic_bag
from hub.db import make_engine, make_sessionmaker
from hub.demo import seed_demo
from hub.migrate import upgrade
from hub.settings import Settings
from hub.transactions import transaction
from testsupport.services import hub_and_pseudonymiser

DATABASE = "betrokken_laa_bench"
CLIENT = "betrokken-connector-laa"
SECRET = "bench-only-secret"
BATCH = 100


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=20_000, help="registrations and pseudonyms")
    parser.add_argument("--database-url", help="an admin URL of a PostgreSQL server to use")
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR / "laa")
    parser.add_argument("--results-dir", type=Path, default=DEFAULT_RESULTS_DIR)
    parser.add_argument("--quiet", action="store_true")
    return parser.parse_args(argv)


def say(ns: argparse.Namespace, line: str) -> None:
    if not ns.quiet:
        print(line, flush=True)


def fresh_database(admin: Database) -> Database:
    with psycopg.connect(admin.libpq_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")
    database = admin.sibling(DATABASE)
    upgrade(database.sqlalchemy_url)
    with transaction(make_sessionmaker(make_engine(database.sqlalchemy_url))) as session:
        seed_demo(session)
    return database


def write_export(path: Path, count: int) -> None:
    received = (date.today() - timedelta(days=1)).isoformat()
    with path.open("w", encoding="utf-8") as out:
        out.write("signaal_id;bag_id;datum_ontvangst;signaaltype\n")
        for n in range(count):
            out.write(f"LAA-{n:07d};{synthetic_bag(n)};{received};VOW-adres\n")


def made_up_pseudonym(n: int) -> str:
    digest = hashlib.sha512(f"laa-baseline-{n}".encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def baseline_registrations(hub_url: str, token: str, count: int) -> float:
    """Registrations per second through the batch route, one client, batches of 100."""
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    with httpx.Client(base_url=hub_url, timeout=60) as http:
        for start in range(0, count, BATCH):
            flags = [
                {
                    "subject": {"kind": "bag", "pseudonym": made_up_pseudonym(n)},
                    "purpose": "adreskwaliteit",
                }
                for n in range(start, min(start + BATCH, count))
            ]
            answer = http.post("/api/v1/flag-batches", json={"flags": flags}, headers=headers)
            answer.raise_for_status()
            assert all(item["status"] == 201 for item in answer.json()["items"])
    return count / (time.perf_counter() - started)


def baseline_pseudonyms(url: str, token: str, count: int) -> float:
    """BAG ids pseudonymised per second, one client, batches of 100."""
    values = [synthetic_bag(5_000_000 + n) for n in range(count)]
    started = time.perf_counter()
    with PseudonymiserClient(url, token, timeout=60) as client:
        client.pseudonymise(IdentifierKind.BAG, values)
    return count / (time.perf_counter() - started)


def run_import(
    env: dict[str, str], export: Path, meter: CpuMeter | None = None
) -> tuple[float, dict[str, Any], dict[str, float]]:
    """The import as a process: its seconds, its report, and the cores each group used."""
    if meter is not None:
        meter.start()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "connector", "laa", "import", str(export), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    seconds = time.perf_counter() - started
    cores = meter.stop() if meter is not None else {}
    if done.returncode != 0:
        raise RuntimeError(f"the import failed: {done.stderr[-2000:]}")
    return seconds, json.loads(done.stdout), cores


def run(ns: argparse.Namespace) -> dict[str, Any]:
    work: Path = ns.work_dir
    work.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "signals": ns.signals,
        "baseline_count": ns.baseline,
        "batch": BATCH,
    }
    cluster = None
    if ns.database_url:
        admin = Database.from_url(ns.database_url)
    else:
        cluster = BenchCluster(cluster_root(work))
        admin = cluster.start()
    try:
        database = fresh_database(admin)
        hub_dir = work / "hub"
        hub_dir.mkdir(exist_ok=True)
        export = work / "walaa.csv"
        write_export(export, ns.signals)
        env = {
            "BETROKKEN_DATA_DIR": str(hub_dir),
            "BETROKKEN_DATABASE_URL": database.sqlalchemy_url,
            "BETROKKEN_BACKGROUND_JOBS": "false",
            "BETROKKEN_DEV_CLIENT_SECRETS": json.dumps({CLIENT: SECRET}),
            # One caller pseudonymises the whole export: the default per-caller rate is
            # for people; an installation sets this for its connector the same way.
            "BETROKKEN_PSEUDONYMISER_RATE_PER_MINUTE": "100000000",
            "BETROKKEN_PSEUDONYMISER_BURST": "1000000",
        }
        with hub_and_pseudonymiser(env, work / "logs") as (hub, pseudonymiser):
            token = DevIdentityProvider.for_settings(Settings(data_dir=hub_dir)).issue_for(
                CLIENT, client_id=CLIENT
            )
            say(ns, f"baseline: {ns.baseline:,} registrations, batches of {BATCH}")
            data["baseline_registrations_per_second"] = round(
                baseline_registrations(hub.url, token, ns.baseline), 1
            )
            say(ns, f"  {data['baseline_registrations_per_second']:,.1f} registrations/s")
            data["baseline_pseudonyms_per_second"] = round(
                baseline_pseudonyms(pseudonymiser.url, token, ns.baseline), 1
            )
            say(ns, f"  {data['baseline_pseudonyms_per_second']:,.1f} pseudonyms/s")
            connector_env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("BETROKKEN_")},
                "BETROKKEN_HUB_URL": hub.url,
                "BETROKKEN_PSEUDONYMISER_URL": pseudonymiser.url,
                "BETROKKEN_CONNECTOR_TOKEN_URL": f"{hub.url}/dev-idp/token",
                "BETROKKEN_CONNECTOR_CLIENT_ID": CLIENT,
                "BETROKKEN_CONNECTOR_CLIENT_SECRET": SECRET,
                "BETROKKEN_CONNECTOR_STATE_DIR": str(work / "state"),
            }
            (work / "state" / "state.sqlite").unlink(missing_ok=True)
            for stale in (work / "state").glob("state.sqlite-*"):
                stale.unlink()
            say(ns, f"import: {ns.signals:,} signals")
            # The services are this process's children too: named first, they are counted
            # apart; what is left of this process's family is the connector (and this driver).
            groups = {"hub": [hub.pid], "pseudonymiser": [pseudonymiser.pid]}
            if cluster is not None and (postmaster := postmaster_pid(cluster.cluster.data)):
                groups["database"] = [postmaster]
            groups["connector"] = [os.getpid()]
            seconds, report, cores = run_import(connector_env, export, CpuMeter(groups))
            registered = report["counts"].get("registered", 0)
            if registered != ns.signals:
                raise RuntimeError(f"registered {registered} of {ns.signals}: {report['counts']}")
            data["import_seconds"] = round(seconds, 2)
            data["import_signals_per_second"] = round(ns.signals / seconds, 1)
            say(ns, f"  {seconds:.1f} s: {data['import_signals_per_second']:,.1f} signals/s")
            # Cores used on average per group ("other": everything else on the machine), and
            # the CPU milliseconds each group spent per signal: the figure a busy machine
            # does not change much.
            data["import_cores"] = cores
            data["import_cpu_ms_per_signal"] = {
                name: round(1000 * used * seconds / ns.signals, 3)
                for name, used in cores.items()
                if name != "other"
            }
            say(ns, f"  cores used: {cores}")
            say(ns, f"  CPU ms per signal: {data['import_cpu_ms_per_signal']}")
            again_seconds, again, _ = run_import(connector_env, export)
            if again["counts"].get("unchanged") != ns.signals or "registered" in again["counts"]:
                raise RuntimeError(f"the import again changed something: {again['counts']}")
            data["reimport_seconds"] = round(again_seconds, 2)
            say(ns, f"  again (no change): {again_seconds:.1f} s")
    finally:
        if cluster is not None:
            cluster.stop(remove=True)
    data["import_vs_baseline_registrations"] = round(
        data["import_signals_per_second"] / data["baseline_registrations_per_second"], 3
    )
    ns.results_dir.mkdir(parents=True, exist_ok=True)
    path = ns.results_dir / f"laa-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(data, indent=2))
    data["result_file"] = str(path)
    say(ns, f"written to {path}")
    return data


def main(argv: list[str] | None = None) -> int:
    run(parse(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
