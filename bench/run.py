"""``make bench``: seed, measure the hub and its baselines in one run, print and save figures.

    python -m bench.run --flags 20000 --seconds 5     # a quick run
    python -m bench.run                                # 10 million flags, 30 s per phase

Order: PostgreSQL (a durable cluster of its own, or ``--database-url``) → seed by COPY (and,
with ``--audit-entries``, a sequenced audit log of that size: ``bench.officer``'s) →
pgbench on the check's SQL → the hub (``betrokken serve --workers N``) under checks,
registrations, contact requests and a mix → the pseudonymiser against the raw OPRF. The
figures go to stdout and to ``bench/results/<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

from api.auth.dev_idp import DevIdentityProvider
from api.client.pseudonymise import PseudonymiserClient
from api.pseudonymiser.keystore import OprfKeyStore
from bench import baseline, officer, profile, seed
from bench.cpu import CpuMeter, postmaster_pid
from bench.data import DEFAULT_SEED, World
from bench.load import Call, CallFactory, Figures, run_phase
from bench.postgres import BenchCluster, Database, cluster_root
from bench.workload import Member, Workload, issue_members
from crypto import oprf
from crypto.identifiers import IdentifierKind, synthetic_bsn
from hub.migrate import head_revision
from hub.pseudonym import encode_pseudonym
from hub.settings import Settings
from policies import load_policy
from testsupport.services import jobs_process, service

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_WORK_DIR = BENCH_DIR / ".work"
DEFAULT_RESULTS_DIR = BENCH_DIR / "results"
DATABASE = "betrokken_bench"
OPRF_BATCH = 100
SKIPPABLE = ("pgbench", "registrations", "contact_requests", "mix", "pseudonymiser")
PROFILABLE = ("checks", "registrations", "contact_requests")


@dataclass(frozen=True)
class Options:
    flags: int
    seconds: float
    warmup: float
    concurrency: int
    high_concurrency: int
    workers: int
    database_url: str | None
    work_dir: Path
    results_dir: Path
    keep: bool
    profile: bool
    profile_phase: str
    background_jobs: bool
    seed: str
    quiet: bool
    skip: frozenset[str]
    seed_only: bool
    balance: bool
    due_share: float = 0.0
    retention: bool = False
    retention_batch_size: int = 1000
    retention_pause: float = 0.0
    mix_with_jobs: bool = False
    jobs_interval: float = 10.0
    audit_entries: int = 0


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--flags", type=int, default=10_000_000, help="flags to seed")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    parser.add_argument(
        "--concurrency", type=int, default=8, help="connections (hub) and clients (pgbench)"
    )
    parser.add_argument(
        "--high-concurrency",
        type=int,
        default=64,
        help="connections of an extra check phase under heavier load (0: skip)",
    )
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="hub worker processes"
    )
    parser.add_argument(
        "--database-url",
        help="an existing PostgreSQL (admin URL, e.g. postgresql+psycopg://postgres@host/postgres)"
        "; default: a durable cluster of the bench's own",
    )
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR)
    parser.add_argument("--results-dir", type=Path, default=DEFAULT_RESULTS_DIR)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the seeded cluster; the next run with the same --flags reuses it",
    )
    parser.add_argument(
        "--profile",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="sample the hub with py-spy during an extra phase (if py-spy is installed)",
    )
    parser.add_argument(
        "--profile-phase",
        choices=PROFILABLE,
        default="checks",
        help="what the profiled phase sends",
    )
    parser.add_argument(
        "--background-jobs", action="store_true", help="run the hub's background jobs too"
    )
    parser.add_argument("--seed", default=DEFAULT_SEED)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=SKIPPABLE,
        help="leave out a part (repeatable); the summary then lacks its figures",
    )
    parser.add_argument(
        "--balance",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run --workers single-worker hub processes and spread connections evenly over "
        "them, as a load balancer does (--no-balance: one `serve --workers N`)",
    )
    parser.add_argument(
        "--seed-only", action="store_true", help="seed (implies --keep) and stop; measure later"
    )
    parser.add_argument(
        "--due-share",
        type=float,
        default=None,
        help="share of the flags a retention run finds due: 3/5 expired but still active, "
        "1/5 withdrawn and not archived, 1/5 past the archive period (default: 0.05 with "
        "--retention or --mix-with-jobs, else 0)",
    )
    parser.add_argument(
        "--retention",
        action="store_true",
        help="checks before and during a full retention run (`betrokken retention run`, as "
        "the jobs run it); the run's time, rate and batches",
    )
    parser.add_argument(
        "--retention-batch-size", type=int, default=1000, help="BETROKKEN_RETENTION_BATCH_SIZE"
    )
    parser.add_argument(
        "--retention-pause",
        type=float,
        default=0.0,
        help="BETROKKEN_RETENTION_BATCH_PAUSE_SECONDS: seconds between full batches",
    )
    parser.add_argument(
        "--mix-with-jobs",
        action="store_true",
        help="the mix again with the hub's background jobs running (retention, webhook "
        "delivery, audit sequencing, alerts) every --jobs-interval seconds",
    )
    parser.add_argument(
        "--jobs-interval",
        type=float,
        default=10.0,
        help="seconds between runs of retention and the alerts under --mix-with-jobs",
    )
    parser.add_argument(
        "--audit-entries",
        type=int,
        default=0,
        help="sequenced audit entries to seed before the phases (the officer bench's log of "
        "three years ending at the flags' anchor), so that every phase writes to a log of "
        "that size",
    )
    ns = parser.parse_args(argv)
    if ns.audit_entries < 0:
        parser.error("--audit-entries is 0 or more")
    due_share = ns.due_share
    if due_share is None:
        due_share = 0.05 if ns.retention or ns.mix_with_jobs else 0.0
    if not 0.0 <= due_share <= 1.0:
        parser.error("--due-share lies between 0 and 1")
    return Options(
        flags=ns.flags,
        seconds=ns.seconds,
        warmup=ns.warmup,
        concurrency=ns.concurrency,
        high_concurrency=ns.high_concurrency,
        workers=ns.workers,
        database_url=ns.database_url,
        work_dir=ns.work_dir.resolve(),
        results_dir=ns.results_dir.resolve(),
        keep=ns.keep or ns.seed_only,
        profile=ns.profile,
        profile_phase=ns.profile_phase,
        background_jobs=ns.background_jobs,
        seed=ns.seed,
        quiet=ns.quiet,
        skip=frozenset(ns.skip),
        seed_only=ns.seed_only,
        balance=ns.balance,
        due_share=due_share,
        retention=ns.retention,
        retention_batch_size=ns.retention_batch_size,
        retention_pause=ns.retention_pause,
        mix_with_jobs=ns.mix_with_jobs,
        jobs_interval=ns.jobs_interval,
        audit_entries=ns.audit_entries,
    )


class Report:
    """Collects figures as the run goes, printing each line as it comes."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.data: dict[str, Any] = {}

    def say(self, text: str, end: str = "\n") -> None:
        if not self.quiet:
            print(text, end=end, flush=True)

    def phase(
        self,
        name: str,
        figures: dict[str, Figures],
        *,
        concurrency: int,
        cores: dict[str, float] | None = None,
    ) -> None:
        served = figures["all"].per_second
        hub_cores = sum(v for k, v in (cores or {}).items() if k.startswith(("hub", "pseudo")))
        # CPU per request is steadier than the rate on a machine others use too.
        cpu_ms = round(hub_cores / served * 1000, 2) if cores and served else None
        self.data.setdefault("phases", {})[name] = {
            "concurrency": concurrency,
            "kinds": {kind: f.as_dict() for kind, f in figures.items()},
            "cores_used": cores,
            "service_cpu_ms_per_request": cpu_ms,
        }
        for kind, f in figures.items():
            if kind == "all" and len(figures) == 2:
                continue  # one kind: "all" repeats it
            self.say(
                f"  {name:<22} {kind:<9} {f.per_second:>8.1f}/s  p50 {f.p50_ms:6.2f}  "
                f"p95 {f.p95_ms:6.2f}  p99 {f.p99_ms:6.2f} ms  errors {f.error_rate:.2%}"
                + ("" if f.error_rate == 0 else f"  {f.statuses}")
            )
        self.cores(cores, cpu_ms)

    def cores(self, cores: dict[str, float] | None, cpu_ms: float | None = None) -> None:
        if cores:
            self.say(
                "    cores used: "
                + ", ".join(f"{k} {v:.2f}" for k, v in cores.items())
                + (f"; service CPU {cpu_ms:.2f} ms per request" if cpu_ms else "")
            )
            if cores.get("other", 0.0) > 0.2:
                self.say("    (other processes took CPU during this phase: figures are low)")


def database_group(options: Options) -> dict[str, list[int]]:
    """The bench cluster's postmaster, when the bench runs its own."""
    pid = None if options.database_url else postmaster_pid(cluster_root(options.work_dir) / "data")
    return {"postgres": [pid]} if pid else {}


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        memory = int(meminfo.read_text().split()[1]) // 1024  # MemTotal, kB → MB
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BENCH_DIR
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_mb": memory,
        "python": platform.python_version(),
        "system": platform.platform(),
        "commit": commit,
    }


def kept_seeding(
    meta_path: Path, *, flags: int, seed: str, due_share: float = 0.0, audit_entries: int = 0
) -> dict[str, Any] | None:
    """The kept cluster's seeding, if this run can reuse it; else None.

    Reusable means the same number of flags and seeded audit entries, the same seed and
    share due, and a schema at the migrations' head: a cluster kept from before a migration
    is seeded again. A cluster that a retention run (or the jobs) worked on has nothing due
    left: it is not kept for reuse when a share was due.
    """
    if not meta_path.exists():
        return None
    meta: dict[str, Any] = json.loads(meta_path.read_text())
    wanted = (flags, seed, head_revision(), due_share, audit_entries)
    found = (
        meta["flags"],
        meta["seed"],
        meta.get("schema"),
        meta.get("due_share", 0.0),
        meta.get("audit_entries", 0),
    )
    return meta if found == wanted else None


def prepare_database(
    options: Options, admin: Database, report: Report
) -> tuple[Database, dict[str, Any]]:
    """Seed the bench database, or reuse a kept cluster that fits (:func:`kept_seeding`)."""
    hub_dir = options.work_dir / "hub"
    policy_file = seed.write_bench_policy(hub_dir / "bench-policy.yaml")
    database = admin.sibling(DATABASE)
    meta_path = options.work_dir / "seeded.json"
    kept = kept_seeding(
        meta_path,
        flags=options.flags,
        seed=options.seed,
        due_share=options.due_share,
        audit_entries=options.audit_entries,
    )
    if kept is not None and options.database_url is None:
        report.say(f"reusing the kept database: {kept['flags']:,} flags")
        return database, {**kept, "reused": True}
    meta_path.unlink(missing_ok=True)
    report.say(f"seeding {options.flags:,} flags ...")
    seed.create_database(admin, DATABASE)
    seeded = seed.seed(
        database,
        world=World(options.seed, due_share=options.due_share),
        keys_dir=hub_dir / "keys",
        flag_count=options.flags,
        policy_file=policy_file,
        log=not options.quiet,
    )
    audit_log = None
    if options.audit_entries:
        audit_log = officer.seed_log(
            database,
            officer.OfficerLog.of_size(options.audit_entries),
            work_dir=options.work_dir,
            say=report.say,
        )
    meta = {
        "flags": seeded.flags,
        "subjects": seeded.subjects,
        "seconds": round(seeded.seconds, 1),
        "anchor": seeded.anchor.isoformat(),
        "seed": options.seed,
        "schema": head_revision(),
        "due_share": options.due_share,
        "audit_entries": options.audit_entries,
        "audit_seconds": audit_log["seconds"] if audit_log else 0.0,
        "reused": False,
    }
    if options.keep and options.database_url is None:
        meta_path.write_text(json.dumps(meta))
    return database, meta


def table_sizes(database: Database) -> dict[str, int]:
    with psycopg.connect(database.libpq_url) as connection:
        rows = connection.execute(
            "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
            "WHERE relname IN ('flags', 'audit_entries')"
        ).fetchall()
    return {name: int(size) for name, size in rows}


def sanity_check(url: str, workload: Workload) -> int:
    """A few checks by hand: the hub must find the seeded flags (keys and seed agree)."""
    found = 0
    with httpx.Client(base_url=url, timeout=30) as client:
        for _ in range(40):
            call = workload.check()
            response = client.post(
                call.path, json=call.body, headers={"Authorization": f"Bearer {call.token}"}
            )
            if response.status_code != 200:
                raise RuntimeError(f"check failed: {response.status_code} {response.text[:300]}")
            body = response.json()
            found += bool(body["involved"]) or body["own_team_involved"]
    if found == 0:
        raise RuntimeError("40 checks found no flag: the seeded keys do not match the hub's")
    return found


def hub_env(
    *, data_dir: Path, database_url: str, policy_file: Path, background: bool
) -> dict[str, str]:
    """Settings of the hub under test: PostgreSQL, real tokens (the development provider's
    RS256 keys), the bench policy; development mode, because production requires an OIDC
    issuer, which this machine does not run."""
    return {
        "BETROKKEN_ENV": "development",
        "BETROKKEN_DATA_DIR": str(data_dir),
        "BETROKKEN_DATABASE_URL": database_url,
        "BETROKKEN_POLICY_FILE": str(policy_file),
        "BETROKKEN_BACKGROUND_JOBS": "true" if background else "false",
    }


def measure_hub(
    options: Options, database: Database, meta: dict[str, Any], report: Report
) -> dict[str, Any]:
    """Start the hub, check that it finds the seeded flags, run the phases (and profile)."""
    hub_dir = options.work_dir / "hub"
    policy_file = hub_dir / "bench-policy.yaml"
    env = hub_env(
        data_dir=hub_dir,
        database_url=database.sqlalchemy_url,
        policy_file=policy_file,
        background=options.background_jobs,
    )

    idp = DevIdentityProvider.for_settings(Settings(data_dir=hub_dir))
    members: list[Member] = issue_members(idp)
    world = World(
        options.seed, now=datetime.fromisoformat(meta["anchor"]), due_share=options.due_share
    )
    workload = Workload(
        world=world,
        subjects=meta["subjects"],
        members=members,
        policy=load_policy(policy_file),
        keys_dir=hub_dir / "keys",
        rng=random.Random(),
    )
    results: dict[str, Any] = {"members": len(members), "balanced": options.balance}
    with ExitStack() as stack:
        hubs = start_hubs(stack, options, env, members=len(members), report=report)
        urls = [hub.url for hub in hubs]
        pids = [hub.pid for hub in hubs]
        results["sanity_hits"] = sanity_check(urls[0], workload)
        meter = CpuMeter(
            {
                **{f"hub{index}": [pid] for index, pid in enumerate(pids)},
                **database_group(options),
                "driver": [os.getpid()],
            }
        )

        def phase(name: str, factory: CallFactory, concurrency: int) -> dict[str, Figures]:
            meter.start()
            figures = run_phase(
                urls,
                factory,
                concurrency=concurrency,
                seconds=options.seconds,
                warmup=options.warmup,
            )
            report.phase(name, figures, concurrency=concurrency, cores=meter.stop())
            return figures

        factories: dict[str, CallFactory] = {
            "checks": workload.check,
            "registrations": workload.register,
            "contact_requests": workload.contact,
        }
        phases: list[tuple[str, CallFactory, int]] = [
            ("checks", workload.check, options.concurrency),
        ]
        if options.high_concurrency:
            phases.append(("checks_high", workload.check, options.high_concurrency))
        phases += [
            ("registrations", workload.register, options.concurrency),
            ("contact_requests", workload.contact, options.concurrency),
            ("mix", workload.mix(), options.concurrency),
        ]
        for name, factory, concurrency in phases:
            if name not in options.skip:
                phase(name, factory, concurrency)
        if options.retention:
            results["retention"] = measure_retention(
                options, env, urls, workload.check, meter, report
            )
        if options.profile:
            name = options.profile_phase
            results["profile"] = profile_phase(options, pids, urls, name, factories[name], report)
    if options.mix_with_jobs:
        results["mix_with_jobs"] = measure_mix_with_jobs(
            options, env, workload, members=len(members), report=report
        )
    return results


def start_hubs(
    stack: ExitStack,
    options: Options,
    env: dict[str, str],
    *,
    members: int,
    report: Report,
    label: str = "hub",
) -> list[Any]:
    """The hub processes under test: one single-worker process per core with connections
    spread evenly (``--balance``), or one ``serve --workers N``."""
    logs = options.work_dir / "logs"
    if options.balance:
        report.say(
            f"{label}: {options.workers} processes of 1 worker, connections spread evenly; "
            f"{members} members with RS256 tokens"
        )
        return [
            stack.enter_context(
                service(
                    ["serve", "--without-pseudonymiser", "--workers", "1"],
                    env=env,
                    log=logs / f"{label}-{index}.log",
                )
            )
            for index in range(options.workers)
        ]
    report.say(
        f"{label}: 1 process with --workers {options.workers} (one shared socket); "
        f"{members} members with RS256 tokens"
    )
    return [
        stack.enter_context(
            service(
                ["serve", "--without-pseudonymiser", "--workers", str(options.workers)],
                env=env,
                log=logs / f"{label}.log",
            )
        )
    ]


RETENTION_CAP_SECONDS = 6 * 3600.0  # a run that takes longer is stopped and reported as such


def measure_retention(
    options: Options,
    env: dict[str, str],
    urls: list[str],
    checks: CallFactory,
    meter: CpuMeter,
    report: Report,
) -> dict[str, Any]:
    """Checks at the bench's concurrency without retention (the baseline), then during a
    full retention run: ``betrokken retention run``, the command that runs the jobs' own
    ``retention_job`` (hub/background.py), in a process beside the hub, as an operator or
    a cron job would; the hub's scheduler runs the same function."""
    concurrency = options.concurrency
    meter.start()
    before = run_phase(
        urls, checks, concurrency=concurrency, seconds=options.seconds, warmup=options.warmup
    )
    report.phase("checks_before_retention", before, concurrency=concurrency, cores=meter.stop())
    command = [sys.executable, "-m", "api.cli", "retention", "run", "--json"]
    job_env = {
        **os.environ,
        **env,
        "BETROKKEN_RETENTION_BATCH_SIZE": str(options.retention_batch_size),
        "BETROKKEN_RETENTION_BATCH_PAUSE_SECONDS": str(options.retention_pause),
    }
    log_path = options.work_dir / "logs" / "retention.log"
    meter.start()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    with log_path.open("w") as log:
        job = subprocess.Popen(command, env=job_env, stdout=subprocess.PIPE, stderr=log, text=True)
        during = run_phase(
            urls,
            checks,
            concurrency=concurrency,
            seconds=RETENTION_CAP_SECONDS,
            warmup=0,
            until=lambda: job.poll() is not None,
        )
        if job.poll() is None:
            job.kill()
        output, _ = job.communicate()
    wall = time.monotonic() - started
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    job_cpu = (reaped.ru_utime - children.ru_utime) + (reaped.ru_stime - children.ru_stime)
    report.say("  (the retention process's CPU counts in the driver's below)")
    report.phase("checks_during_retention", during, concurrency=concurrency, cores=meter.stop())
    if job.returncode != 0:
        raise RuntimeError(f"the retention run failed ({job.returncode}): see {log_path}")
    run = json.loads(output.strip().splitlines()[-1])
    flags = run["expired_flags"] + run["archived_flags"] + run["purged_flags"]
    rate = flags / wall if wall > 0 else 0.0
    report.say(
        f"  retention run           {wall:.1f} s, {flags:,} flags ({rate:,.0f} flags/s) in "
        f"{run['batches']:,} batches of {options.retention_batch_size:,}: expired "
        f"{run['expired_flags']:,}, archived {run['archived_flags']:,}, purged "
        f"{run['purged_flags']:,}, warned {run['expiry_warnings']:,}; "
        f"{job_cpu:.1f} CPU seconds in its process (its start included)"
    )
    p99_before = before["check"].p99_ms
    p99_during = during["check"].p99_ms
    report.say(
        f"  checks p99              {p99_before:.2f} ms before, {p99_during:.2f} ms during "
        f"(target <= 25 ms)"
    )
    return {
        "how": "betrokken retention run (hub/background.py retention_job) beside the hub",
        "batch_size": options.retention_batch_size,
        "pause_seconds": options.retention_pause,
        "wall_seconds": round(wall, 2),
        "flags": flags,
        "flags_per_second": round(rate, 1),
        "process_cpu_seconds": round(job_cpu, 2),
        "run": run,
        "checks_p99_ms_before": round(p99_before, 2),
        "checks_p99_ms_during": round(p99_during, 2),
    }


def measure_mix_with_jobs(
    options: Options, env: dict[str, str], workload: Workload, *, members: int, report: Report
) -> dict[str, Any]:
    """The mix with the jobs running as production runs them: the serving hub processes with
    ``BETROKKEN_BACKGROUND_JOBS=false`` and a ``betrokken jobs`` process beside them, with
    retention and the audit alerts every ``--jobs-interval`` seconds, webhook delivery every
    2 s and the audit sequencer every second (their defaults)."""
    jobs_env = {
        **env,
        "BETROKKEN_BACKGROUND_JOBS": "false",
        "BETROKKEN_RETENTION_INTERVAL_SECONDS": str(options.jobs_interval),
        "BETROKKEN_RETENTION_BATCH_SIZE": str(options.retention_batch_size),
        "BETROKKEN_RETENTION_BATCH_PAUSE_SECONDS": str(options.retention_pause),
        "BETROKKEN_AUDIT_ALERT_INTERVAL_SECONDS": str(options.jobs_interval),
        "BETROKKEN_DELIVERY_INTERVAL_SECONDS": "2",
        "BETROKKEN_AUDIT_SEQUENCER_INTERVAL_SECONDS": "1",
    }
    with ExitStack() as stack:
        hubs = start_hubs(
            stack, options, jobs_env, members=members, report=report, label="hub-with-jobs"
        )
        urls = [hub.url for hub in hubs]
        report.say("jobs: 1 `betrokken jobs` process beside the hub processes")
        jobs_log = options.work_dir / "logs" / "jobs.log"
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        jobs = stack.enter_context(jobs_process({**os.environ, **jobs_env}, log=jobs_log))
        meter = CpuMeter(
            {
                **{f"hub{index}": [hub.pid] for index, hub in enumerate(hubs)},
                "jobs": [jobs.pid],
                **database_group(options),
                "driver": [os.getpid()],
            }
        )
        meter.start()
        figures = run_phase(
            urls,
            workload.mix(),
            concurrency=options.concurrency,
            seconds=options.seconds,
            warmup=options.warmup,
        )
        cores = meter.stop()
        jobs_cpu = stop_jobs(jobs, children, jobs_log)
        report.phase("mix_with_jobs", figures, concurrency=options.concurrency, cores=cores)
        report.say(f"  jobs process            {jobs_cpu:.1f} CPU seconds (its start included)")
    return {
        "how": "betrokken jobs beside the hub processes (BETROKKEN_BACKGROUND_JOBS=false)",
        "jobs_interval_seconds": options.jobs_interval,
        "jobs_process_cpu_seconds": round(jobs_cpu, 2),
        "kinds": {kind: f.as_dict() for kind, f in figures.items()},
    }


JOBS_STOP_SECONDS = 30.0


def stop_jobs(jobs: subprocess.Popen[bytes], before: resource.struct_rusage, log: Path) -> float:
    """SIGTERM, as an orchestrator stops it; its CPU seconds since ``before``, its start and
    stop included (the driver reaps no other child meanwhile)."""
    jobs.terminate()
    code = jobs.wait(timeout=JOBS_STOP_SECONDS)
    if code != 0:
        raise RuntimeError(f"betrokken jobs ended with {code}: see {log}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def profile_phase(
    options: Options,
    pids: list[int],
    urls: list[str],
    name: str,
    factory: CallFactory,
    report: Report,
) -> dict[str, Any] | None:
    """One more phase with py-spy sampling every hub worker (it slows them a little)."""
    if not profile.available():
        report.say("  (no py-spy: profile skipped; .venv/bin/pip install py-spy)")
        return None
    outputs = [options.work_dir / "logs" / f"profile-{name}-{pid}.folded" for pid in pids]
    samplers = [
        profile.record(pid, seconds=options.seconds, output=output)
        for pid, output in zip(pids, outputs, strict=True)
    ]
    time.sleep(1.0)  # let py-spy attach to every worker
    figures = run_phase(
        urls, factory, concurrency=options.concurrency, seconds=options.seconds, warmup=0
    )
    report.phase(f"{name}_profiled", figures, concurrency=options.concurrency)
    for sampler in samplers:
        sampler.wait(timeout=options.seconds + 60)
    written = [output for output in outputs if output.exists()]
    if not written:
        report.say("  (py-spy wrote no profile)")
        return None
    summary = profile.summarise(written)
    report.say(f"  profile of the hub workers during {name} ({summary.samples} samples):")
    for area, share in summary.areas[:12]:
        report.say(f"    {share:6.1%}  {area}")
    return summary.as_dict()


def measure_pseudonymiser(options: Options, report: Report) -> dict[str, Any]:
    """The service over HTTP (one process) against the raw primitive on one core."""

    hub_dir = options.work_dir / "hub"
    settings = Settings(data_dir=hub_dir)
    store = OprfKeyStore(settings.keys_dir / "oprf")
    store.init(settings.pseudonym_epoch)
    epoch = store.current_epoch()
    secret = store.load_all()[epoch].secret
    blinded = [oprf.blind(os.urandom(32), oprf.Mode.POPRF)[1] for _ in range(OPRF_BATCH)]
    raw = baseline.raw_oprf_rate(secret, blinded, epoch=epoch, seconds=min(options.seconds, 10))
    token = DevIdentityProvider.for_settings(settings).issue(
        member="bench-connector", roles=["connector"], team="adreskwaliteit"
    )
    env = {
        "BETROKKEN_ENV": "development",
        "BETROKKEN_DATA_DIR": str(hub_dir),
        # Its rate limit is not what is measured here.
        "BETROKKEN_PSEUDONYMISER_RATE_PER_MINUTE": "100000000",
        "BETROKKEN_PSEUDONYMISER_BURST": "1000000",
    }
    body = {"kind": "bsn", "blinded_elements": [encode_pseudonym(b) for b in blinded]}
    with service(
        ["pseudonymiser", "serve"], env=env, log=options.work_dir / "logs" / "pseudonymiser.log"
    ) as pseudonymiser:
        with PseudonymiserClient(pseudonymiser.url, token) as client:  # end to end, verified
            client.pseudonymise(IdentifierKind.BSN, [synthetic_bsn(n) for n in range(10)])
        meter = CpuMeter({"pseudonymiser": [pseudonymiser.pid], "driver": [os.getpid()]})
        meter.start()
        figures = run_phase(
            pseudonymiser.url,
            lambda: Call("evaluate", "POST", "/api/v1/evaluations", token, body, 200),
            concurrency=options.concurrency,
            seconds=options.seconds,
            warmup=options.warmup,
        )
        cores = meter.stop()
    report.phase("pseudonymiser", figures, concurrency=options.concurrency, cores=cores)
    service_rate = figures["evaluate"].per_second * OPRF_BATCH
    return {
        "batch": OPRF_BATCH,
        "service_evaluations_per_second": round(service_rate, 1),
        "raw_evaluations_per_second_one_core": round(raw, 1),
        "ratio": round(service_rate / raw, 3) if raw else None,
        "requests": figures["evaluate"].as_dict(),
    }


def run(options: Options) -> dict[str, Any]:
    report = Report(options.quiet)
    report.data["started"] = datetime.now(UTC).isoformat(timespec="seconds")
    report.data["machine"] = machine()
    report.data["options"] = {
        k: (str(v) if isinstance(v, Path) else v)
        for k, v in options.__dict__.items()
        if k not in ("database_url",)
    }
    options.work_dir.mkdir(parents=True, exist_ok=True)
    cluster = None
    if options.database_url:
        admin = Database.from_url(options.database_url)
    else:
        cluster = BenchCluster(cluster_root(options.work_dir))
        admin = cluster.start()
    try:
        database, meta = prepare_database(options, admin, report)
        report.data["seeding"] = meta
        report.say(
            f"  seeding: {meta['flags']:,} flags on {meta['subjects']:,} subjects "
            f"in {meta['seconds']:.1f} s" + (" (earlier run)" if meta["reused"] else "")
        )
        if options.seed_only:
            return report.data
        with psycopg.connect(database.libpq_url) as connection:
            version = connection.execute("SHOW server_version").fetchone()
            report.data["postgres"] = version[0] if version else None
        baseline.prepare_database(database)
        hub_key = (options.work_dir / "hub" / "keys" / "subject.key").read_bytes()

        scripts = baseline.write_scripts(
            options.work_dir / "pgbench",
            world=World(options.seed, due_share=options.due_share),
            hub_key=hub_key,
            subjects=meta["subjects"],
            policy_version=load_policy(options.work_dir / "hub" / "bench-policy.yaml").version,
        )
        report.say(f"pgbench: {options.concurrency} clients, -M prepared, durable commits")
        pgbench: dict[str, Any] = {}
        runs = [(name, script, options.concurrency) for name, script in scripts.items()]
        if options.high_concurrency:  # the baseline of the check phase under heavier load
            runs.append(("select_insert_high", scripts["select_insert"], options.high_concurrency))
        for name, script, clients in runs:
            if "pgbench" in options.skip:
                break
            meter = CpuMeter({**database_group(options), "driver": [os.getpid()]})
            meter.start()
            result = baseline.run_pgbench(
                database,
                script,
                clients=clients,
                seconds=options.seconds,
                log_dir=options.work_dir / "logs",
            )
            pgbench[name] = {
                **result.as_dict(),
                "clients": clients,
                "cores_used": (cores := meter.stop()),
            }
            report.say(
                f"  pgbench {name:<18} {clients:>3} clients {result.tps:>8.1f}/s  "
                f"p50 {result.p50_ms:6.2f}  p95 {result.p95_ms:6.2f}  p99 {result.p99_ms:6.2f} ms"
            )
            report.cores(cores)
        report.data["pgbench"] = pgbench
        baseline.forget_baseline_requests(database)
        report.data["hub"] = measure_hub(options, database, meta, report)
        if options.due_share and (options.retention or options.mix_with_jobs):
            # Retention did the due share's work: a kept cluster has none left to do.
            (options.work_dir / "seeded.json").unlink(missing_ok=True)
        report.data["sizes"] = table_sizes(database)
    finally:
        if cluster is not None:
            cluster.stop(remove=not options.keep)
            if not options.keep:
                (options.work_dir / "seeded.json").unlink(missing_ok=True)
                with suppress(OSError):  # the temporary parent, when there is one and empty
                    cluster.root.parent.rmdir()
    if "pseudonymiser" not in options.skip:
        report.data["pseudonymiser"] = measure_pseudonymiser(options, report)
    summarise(report)
    return report.data


def summarise(report: Report) -> None:
    """The ratios, a closing summary, and the JSON file."""
    data = report.data
    phases = data.get("phases", {})
    pgbench = data.get("pgbench", {})
    oprf = data.get("pseudonymiser")

    def rate(phase: str, kind: str) -> float | None:
        found = phases.get(phase, {}).get("kinds", {}).get(kind)
        return found["per_second"] if found else None

    def ratio(top: float | None, bottom: float | None) -> float | None:
        return round(top / bottom, 3) if top is not None and bottom else None

    checks = phases["checks"]["kinds"]["check"]
    insert_tps = pgbench.get("select_insert", {}).get("tps")
    select_tps = pgbench.get("select_only", {}).get("tps")
    contact_tps = pgbench.get("contact_request", {}).get("tps")
    data["ratios"] = ratios = {
        "contact_requests_vs_pgbench_contact_request": ratio(
            rate("contact_requests", "contact"), contact_tps
        ),
        "checks_vs_pgbench_select_insert": ratio(checks["per_second"], insert_tps),
        "checks_high_vs_pgbench_select_insert_high": ratio(
            rate("checks_high", "check"), pgbench.get("select_insert_high", {}).get("tps")
        ),
        "checks_vs_pgbench_select_only": ratio(checks["per_second"], select_tps),
        "pseudonymiser_vs_raw_oprf": oprf["ratio"] if oprf else None,
    }
    seeding = data["seeding"]
    lines = [
        "",
        "summary",
        f"  seeding               {seeding['flags']:,} flags in {seeding['seconds']:.1f} s"
        + (" (an earlier run; kept cluster)" if seeding["reused"] else ""),
        f"  checks/s              {checks['per_second']:.1f} at {options_concurrency(data)}"
        f" connections (p50 {checks['p50_ms']} ms, p95 {checks['p95_ms']} ms, "
        f"p99 {checks['p99_ms']} ms, errors {checks['error_rate']:.2%})",
        f"  pgbench               select+insert {insert_tps}/s, select only {select_tps}/s",
        f"  ratio hub / pgbench   {ratios['checks_vs_pgbench_select_insert']} "
        f"(vs select only: {ratios['checks_vs_pgbench_select_only']}); under heavier load "
        f"{rate('checks_high', 'check')}/s vs pgbench "
        f"{pgbench.get('select_insert_high', {}).get('tps')}/s: "
        f"{ratios['checks_high_vs_pgbench_select_insert_high']}",
        f"  registrations/s       {rate('registrations', 'register')}",
        f"  contact requests/s    {rate('contact_requests', 'contact')} (pgbench on its SQL "
        f"{contact_tps}/s, ratio {ratios['contact_requests_vs_pgbench_contact_request']})",
        f"  mix requests/s        {rate('mix', 'all')}",
    ]
    retention = data.get("hub", {}).get("retention")
    if retention:
        lines.append(
            f"  retention run         {retention['flags']:,} flags in "
            f"{retention['wall_seconds']} s ({retention['flags_per_second']:,.0f}/s, "
            f"{retention['run']['batches']:,} batches); checks p99 "
            f"{retention['checks_p99_ms_before']} ms before, "
            f"{retention['checks_p99_ms_during']} ms during"
        )
    with_jobs = data.get("hub", {}).get("mix_with_jobs")
    if with_jobs:
        lines.append(
            "  mix with jobs         "
            + ", ".join(
                f"{kind} {f['per_second']}/s p99 {f['p99_ms']} ms"
                for kind, f in with_jobs["kinds"].items()
            )
            + f"; jobs process {with_jobs['jobs_process_cpu_seconds']} CPU s"
        )
    if oprf:
        lines.append(
            f"  pseudonymiser         {oprf['service_evaluations_per_second']:.0f} evaluations/s"
            f" vs raw {oprf['raw_evaluations_per_second_one_core']:.0f}/s on one core: "
            f"ratio {ratios['pseudonymiser_vs_raw_oprf']}"
        )
    for line in lines:
        report.say(line)
    results_dir = Path(data["options"]["results_dir"])
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = results_dir / f"{stamp}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    data["result_file"] = str(path)
    report.say(f"  written to {path}")


def options_concurrency(data: dict[str, Any]) -> int:
    return int(data["phases"]["checks"]["concurrency"])


def main(argv: list[str] | None = None) -> int:
    run(parse(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
