"""Seed a hub database with N flags: schema from the migrations, flags by bulk COPY.

Flags are generated in worker processes (one per core) as COPY text and streamed into one
``COPY ... FREEZE`` in the transaction that truncated the table, so the rows are written
once, already frozen and visible. The table's indexes and constraints are dropped before
and rebuilt after the load, exactly as the migrations defined them (read back from the
catalogue), which is much faster than maintaining them row by row.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg
import yaml
from sqlalchemy import create_engine, text

from bench.data import (
    DOMAINS,
    MUNICIPALITIES,
    FlagSpec,
    World,
    municipality_slug,
    team_slug,
)
from bench.postgres import Database
from hub.db import make_engine, make_sessionmaker
from hub.demo import seed_demo
from hub.keys import load_or_create_secret
from hub.migrate import upgrade
from hub.organisation import repository as organisations
from hub.organisation.models import Organisation, Team
from hub.pseudonym import SubjectKeyer
from hub.transactions import transaction
from policies import DEMO_POLICY, load_policy

CHUNK_SUBJECTS = 20_000
FLAG_COLUMNS = (
    "id, subject_key, identifier_kind, subject_type, team_id, domain_code, purpose, "
    "legal_basis, contact_name, contact_email, contact_phone, registered_by, registered_at, "
    "expires_at, status, withdrawn_at, archived_at, rule_id, policy_version"
)
# Limits high enough that the rate limiter never refuses a benchmark request (it still runs).
UNLIMITED = {"per_minute": 10_000_000, "per_day": 1_000_000_000}


@dataclass(frozen=True)
class Seeded:
    flags: int
    subjects: int
    seconds: float
    anchor: datetime


def write_bench_policy(path: Path) -> Path:
    """The demo policy with rate limits out of the way, written beside the bench's keys."""
    document = yaml.safe_load(DEMO_POLICY.read_text())
    document["policy"]["name"] = "Betrokken benchmark policy (demo policy, no rate limits)"
    document["rate_limits"] = {
        "default": {"per_minute": 0, "per_day": 0},
        "team": UNLIMITED,
        "roles": {role: UNLIMITED for role in ("professional", "team_lead", "connector")},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    load_policy(path)  # fail here, not in the hub, if the copy is not a valid policy
    return path


def subject_keyer(keys_dir: Path) -> SubjectKeyer:
    """The hub's keyed layer with the bench hub's own key (created on first use)."""
    return SubjectKeyer(load_or_create_secret(keys_dir / "subject.key", create=True))


def create_database(admin: Database, name: str) -> Database:
    engine = create_engine(admin.sqlalchemy_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.sibling(name)


def seed_organisations(url: str) -> dict[str, str]:
    """The demo municipality (``hub.demo``) and 39 more with a team per domain: slug → id."""
    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as session:
        seed_demo(session)
        for number in range(1, MUNICIPALITIES):
            slug = municipality_slug(number)
            organisation = organisations.get_organisation(session, slug)
            if organisation is None:
                organisation = Organisation(
                    slug=slug, name=f"Gemeente Bench {number:03d}", kind="gemeente"
                )
                organisations.add(session, organisation)
            for profile in DOMAINS:
                team = team_slug(profile, number)
                if organisations.get_team(session, team) is None:
                    organisations.add(
                        session,
                        Team(
                            slug=team,
                            name=f"{profile.code} {number:03d}",
                            organisation_id=organisation.id,
                            domain_code=profile.code,
                            contact_email=f"{team}@example.org",
                            contact_phone=f"+31 20 555 {number:04d}",
                        ),
                    )
        teams = {team.slug: str(team.id) for team in organisations.list_teams(session)}
    engine.dispose()
    return teams


# --- generating COPY text in worker processes ------------------------------------------

_world: World
_keyer: SubjectKeyer
_teams: dict[str, str]
_policy_version: str


def _init_worker(
    seed: str, anchor: datetime, due_share: float, key: bytes, teams: dict[str, str], version: str
) -> None:
    global _world, _keyer, _teams, _policy_version
    _world = World(seed, now=anchor, due_share=due_share)
    _keyer = SubjectKeyer(key)
    _teams = teams
    _policy_version = version


def _copy_line(key_hex: str, spec: FlagSpec, serial: int) -> str:
    team = spec.team
    withdrawn = spec.withdrawn_at.isoformat() if spec.withdrawn_at else "\\N"
    archived = spec.archived_at.isoformat() if spec.archived_at else "\\N"
    return (
        f"{spec.id}\t\\\\x{key_hex}\tbsn\tperson\t{_teams[team]}\t{spec.profile.code}\t"
        f"{spec.profile.purpose}\t{spec.profile.legal_basis}\tMedewerker {serial % 977}\t"
        f"{team}@example.org\t+31 20 555 {serial % 10000:04d}\tbench-member-{serial % 977}\t"
        f"{spec.registered_at.isoformat()}\t{spec.expires_at.isoformat()}\t{spec.status}\t"
        f"{withdrawn}\t{archived}\t{spec.profile.rule_id}\t{_policy_version}\n"
    )


def _generate(first: int) -> tuple[int, list[tuple[int, str]]]:
    """COPY lines for subjects ``first`` .. ``first + CHUNK_SUBJECTS``: (subject, lines)."""
    from bench.data import subject_key

    out: list[tuple[int, str]] = []
    for subject in range(first, first + CHUNK_SUBJECTS):
        key_hex = subject_key(_keyer, _world, subject).hex()
        specs = _world.flags(subject)
        out.append((len(specs), "".join(_copy_line(key_hex, s, subject) for s in specs)))
    return first, out


def _chunks(
    pool: multiprocessing.pool.Pool, processes: int
) -> Iterator[tuple[int, list[tuple[int, str]]]]:
    """Chunks in subject order, with a bounded number generated ahead of the COPY."""
    pending: deque[multiprocessing.pool.AsyncResult[tuple[int, list[tuple[int, str]]]]]
    pending = deque()
    start = 0
    while True:
        while len(pending) < 2 * processes:
            pending.append(pool.apply_async(_generate, (start,)))
            start += CHUNK_SUBJECTS
        yield pending.popleft().get()


# --- the load ---------------------------------------------------------------------------


def _flags_ddl(connection: psycopg.Connection) -> tuple[list[str], list[str], list[str]]:
    """(drop, create-first, create-after) statements for the flags table's constraints
    and indexes, read back from the catalogue so the rebuild matches the migrations."""
    rows = connection.execute(
        """
        SELECT c.conname, c.conrelid::regclass::text, c.contype,
               pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE (c.conrelid = 'flags'::regclass OR c.confrelid = 'flags'::regclass)
          AND c.contype IN ('p', 'f', 'u')
        """
    ).fetchall()
    indexes = connection.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = 'flags'::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid
                          AND c.conrelid = 'flags'::regclass)
        """
    ).fetchall()
    foreign = [(name, table, ddl) for name, table, kind, ddl in rows if kind == "f"]
    keys = [(name, table, ddl) for name, table, kind, ddl in rows if kind != "f"]
    drop = [f'ALTER TABLE {table} DROP CONSTRAINT "{name}"' for name, table, _ in foreign]
    drop += [f'ALTER TABLE {table} DROP CONSTRAINT "{name}"' for name, table, _ in keys]
    drop += [f'DROP INDEX "{name}"' for name, _ in indexes]
    first = [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {ddl}' for name, table, ddl in keys]
    first += [ddl for _, ddl in indexes]
    after = [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {ddl}' for name, table, ddl in foreign]
    return drop, first, after


def load_flags(
    database: Database,
    *,
    world: World,
    keys_dir: Path,
    teams: dict[str, str],
    policy_version: str,
    flag_count: int,
    processes: int | None = None,
    log: bool = True,
) -> int:
    """Replace the flags table's rows with ``flag_count`` generated flags; return subjects."""
    key = load_or_create_secret(keys_dir / "subject.key", create=True)
    processes = processes or max(1, os.cpu_count() or 1)
    loaded = subjects = 0
    started = time.monotonic()
    with psycopg.connect(database.libpq_url) as connection:
        drop, first, after = _flags_ddl(connection)
        with connection.transaction():
            for statement in drop:
                connection.execute(statement)
            connection.execute("TRUNCATE flags, match_members, contact_requests")
            context = multiprocessing.get_context("fork")
            with (
                context.Pool(
                    processes,
                    initializer=_init_worker,
                    initargs=(
                        world.seed,
                        world.anchor,
                        world.due_share,
                        key,
                        teams,
                        policy_version,
                    ),
                ) as pool,
                connection.cursor().copy(
                    f"COPY flags ({FLAG_COLUMNS}) FROM STDIN WITH (FREEZE)"
                ) as copy,
            ):
                for _, chunk in _chunks(pool, processes):
                    for count, lines in chunk:
                        if loaded >= flag_count:
                            break
                        if loaded + count > flag_count:  # cut the last subject short
                            lines = "".join(lines.splitlines(True)[: flag_count - loaded])
                            count = flag_count - loaded
                        copy.write(lines)
                        loaded += count
                        subjects += 1
                    if log:
                        print(
                            f"\r  copied {loaded:,} flags ({time.monotonic() - started:.0f} s)",
                            end="",
                            flush=True,
                        )
                    if loaded >= flag_count:
                        pool.terminate()
                        break
        if log:
            print()
        connection.execute("SET maintenance_work_mem = '1GB'")
        for statement in first + after:
            if log:
                print(f"  {statement[:90]}")
            connection.execute(statement)
            connection.commit()
        connection.autocommit = True
        connection.execute("ANALYZE")
        connection.execute("CHECKPOINT")
    return subjects


def seed(
    database: Database,
    *,
    world: World,
    keys_dir: Path,
    flag_count: int,
    policy_file: Path,
    log: bool = True,
) -> Seeded:
    """Migrate, add organisations and teams, bulk-load the flags. Timed end to end."""
    started = time.monotonic()
    upgrade(database.sqlalchemy_url)
    teams = seed_organisations(database.sqlalchemy_url)
    subjects = load_flags(
        database,
        world=world,
        keys_dir=keys_dir,
        teams=teams,
        policy_version=load_policy(policy_file).version,
        flag_count=flag_count,
        log=log,
    )
    return Seeded(
        flags=flag_count,
        subjects=subjects,
        seconds=time.monotonic() - started,
        anchor=world.anchor,
    )
