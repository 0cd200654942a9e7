"""The privacy officer's queries at 100 million audit entries (issue 22, point 1).

``make bench-officer`` (or ``python -m bench.officer``) does, on a PostgreSQL of its own
(or ``--database-url``):

1. **seeds** ``--entries`` sequenced audit entries with the audit bench's seeding
   (``bench/audit.py``: ``COPY ... FREEZE``, indexes dropped and rebuilt, tiles, tree row
   and checkpoints, one worker per core), with the columns an officer's queries read
   spread as a hub's would be: ``--days`` of entries (three years) denser towards the end
   (three times as dense on the last day as on the first), fewer at weekends and at night;
   ``--members`` members (skewed: member 0 is the busiest) in ``--organisations``
   organisations of five teams each; ``--subjects`` subjects with a heavy tail (subject 0
   is checked most, about 2,000 times at 100 million entries); 85 % checks, 7 % flag
   registrations, 5 % contact requests, 3 % withdrawals; 3 % refused; a tenth through a
   connector's client. Every leaf is a complete leaf that agrees with its columns (so the
   sieve passes and a report counts what the log holds) but with the optional fields empty,
   about 420 bytes. Then the hourly counts are filled from the entries, as migration 0015
   does (``hub.audit.hour_counts.backfill_sql``), before the indexes are built.
2. **measures**, ``--rounds`` times each (median and max), each next to its baseline, the
   plain SQL of the same work sent with psycopg:
   - the officer's search by member and by subject (``oversight.search_entries``: the
     sequencer's catch-up, the page, the sieve, the search's own audit entry), first page
     and a deep page (keyset ``after`` halfway through the member's entries);
   - each of the six reports (``reports.run_report``) over a month and over a year, not
     aligned to the hour (so the part hours at the ends are read from entries);
   - an inzage for the most checked subject (``sar.subject_access_report``);
   - an alert evaluation at the end of the log (``alerts.evaluate_alerts``) as the job runs
     it, from a watermark a minute back (the members with checks in that minute), and the
     full one of a first run (every member's last 24 hours).
   Everything a measured call writes is rolled back.
3. **sizes**: the heap and every index of ``audit_entries``, the hourly counts and the tiles,
   in bytes per entry, and the disk 100 million entries would need.

Results go to ``bench/results/officer-<UTC timestamp>.json``.
"""

from __future__ import annotations

import argparse
import bisect
import functools
import hashlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench.audit import REPO, begin, bench_database, save_results, seed
from bench.postgres import Database
from crypto.identifiers import IdentifierKind
from hub.actor import Actor, Role
from hub.audit import alerts, follow_ups, oversight, reports, sar
from hub.audit.hour_counts import backfill_sql
from hub.audit.repository import EntryFilter
from hub.audit.sequencer import Sequencer
from hub.audit.service import subject_commitment
from hub.audit.signing import load_signer
from hub.audit.views import ReportKind
from hub.db import make_engine, make_sessionmaker
from hub.pseudonym import Subject
from hub.settings import Settings
from policies import PolicyFile

END = datetime(2026, 11, 30, tzinfo=UTC)
"""The end of the seeded log: the bench's "now"."""
DATABASE = "betrokken_officer_bench"
COLUMNS = (
    "seq, id, at, action, outcome, actor_sub, actor_organisation, actor_team, actor_role, "
    "client_id, subject_key, subject_salt, leaf, leaf_hash, leaf_index"
)
FULL_SIZE = 100_000_000
PAGE = 50

# Weight of each UTC hour of a day (office hours in Europe/Amsterdam are 07:00-17:00 UTC in
# winter): most work in office hours, some in the evening, little at night.
_HOUR_WEIGHTS = [0.2] * 6 + [1.5] + [10.0] * 10 + [1.5] * 4 + [0.2] * 3
_HOUR_CDF = [sum(_HOUR_WEIGHTS[: h + 1]) / sum(_HOUR_WEIGHTS) for h in range(24)]
_ACTIONS = (
    (0.85, "involvement.check"),
    (0.92, "flag.register"),
    (0.97, "contact_request.create"),
    (1.0, "flag.withdraw"),
)
_LEAF = (
    '{{"action":"{action}","actor":{{"client":"{client}","organisation":"{organisation}",'
    '"role":"professional","sub":"{member}","team":"{team}"}},"at":"{at}","case_ref":null,'
    '"decision":null,"id":"{id}","object":null,"outcome":"{outcome}","purpose":null,'
    '"reason":null,"request_id":null,"subject":"{subject}","trace_id":null,"v":1}}'
)


@dataclass(frozen=True)
class Options:
    entries: int
    days: int
    members: int
    organisations: int
    subjects: int
    rounds: int
    database_url: str | None
    work_dir: Path
    results_dir: Path
    quiet: bool


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="bench.officer", description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=FULL_SIZE)
    parser.add_argument("--days", type=int, default=3 * 365 + 1)
    parser.add_argument("--members", type=int, default=3000)
    parser.add_argument("--organisations", type=int, default=20)
    parser.add_argument("--subjects", type=int, default=None, help="default: entries / 10")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="an existing PostgreSQL (admin)")
    parser.add_argument("--work-dir", type=Path, default=REPO / "bench" / ".work" / "officer")
    parser.add_argument("--results-dir", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.entries < 1000 or args.days < 400:
        parser.error("--entries must be at least 1,000 and --days at least 400 (a year's report)")
    return Options(
        entries=args.entries,
        days=args.days,
        members=args.members,
        organisations=args.organisations,
        subjects=args.subjects or max(1000, args.entries // 10),
        rounds=args.rounds,
        database_url=args.database_url,
        work_dir=args.work_dir,
        results_dir=args.results_dir,
        quiet=args.quiet,
    )


# --- 1. the log ----------------------------------------------------------------------------


@functools.cache
def _day_starts(entries: int, days: int) -> list[int]:
    """The first entry of each day (and ``entries`` at the end): denser towards the end,
    a weekend day a fifth of a weekday."""
    first = END - timedelta(days=days)
    weights = [
        (1 + 2 * d / days) * (0.2 if (first + timedelta(days=d)).weekday() >= 5 else 1.0)
        for d in range(days)
    ]
    total, starts, running = sum(weights), [], 0.0
    for weight in weights:
        starts.append(round(entries * running / total))
        running += weight
    return [*starts, entries]


def subject_key(subject: int) -> bytes:
    return hashlib.sha256(b"bench-subject" + subject.to_bytes(8, "big")).digest()


def member_slug(member: int) -> str:
    return f"m{member:05d}"


@dataclass(frozen=True)
class OfficerLog:
    """Entry ``n`` of the seeded log, the same for any worker (a row maker for ``seed``)."""

    entries: int
    days: int
    members: int
    organisations: int
    subjects: int

    @classmethod
    def of_size(cls, entries: int) -> OfficerLog:
        """The log of ``entries`` entries, shaped as the command's defaults shape it."""
        options = parse(["--entries", str(entries)])
        return _log(options)

    def organisation(self, member: int) -> str:
        return f"gemeente-{member % self.organisations:02d}"

    def at(self, n: int) -> datetime:
        starts = _day_starts(self.entries, self.days)
        day = bisect.bisect_right(starts, n) - 1
        within = (n - starts[day] + 0.5) / max(1, starts[day + 1] - starts[day])
        hour = bisect.bisect_right(_HOUR_CDF, within)
        below = _HOUR_CDF[hour - 1] if hour else 0.0
        fraction = (within - below) / (_HOUR_CDF[hour] - below)
        start = END - timedelta(days=self.days - day, hours=-hour)
        return start + timedelta(microseconds=int(fraction * 3_600_000_000))

    def __call__(self, n: int, realistic: bool) -> tuple[str, str]:
        digest = hashlib.blake2b(n.to_bytes(8, "big"), digest_size=16).digest()
        u = [int.from_bytes(digest[i : i + 4], "big") / 2**32 for i in range(0, 16, 4)]
        member = int(self.members * u[0] ** 2)
        organisation = self.organisation(member)
        team = f"team-{member % self.organisations:02d}-{member // self.organisations % 5}"
        subject = subject_key(int(self.subjects * u[1] ** 1.5))
        action = next(name for bound, name in _ACTIONS if u[2] < bound)
        outcome = "refused" if u[3] < 0.03 else "allowed"
        client = "betrokken-connector-laa" if int(u[3] * 1000) % 10 == 0 else "betrokken-web"
        at = self.at(n).isoformat()
        entry_id = f"00000000-0000-4000-8000-{n:012x}"
        leaf = _LEAF.format(
            action=action,
            client=client,
            organisation=organisation,
            member=member_slug(member),
            team=team,
            at=at,
            id=entry_id,
            outcome=outcome,
            subject=subject_commitment(digest, subject),
        )
        prefix = (
            f"{n + 1}\t{entry_id}\t{at}\t{action}\t{outcome}\t{member_slug(member)}\t"
            f"{organisation}\t{team}\tprofessional\t{client}\t\\\\x{subject.hex()}\t"
            f"\\\\x{digest.hex()}"
        )
        return prefix, leaf


def _count_hours(connection: psycopg.Connection) -> None:
    connection.execute(backfill_sql("postgresql"))
    connection.execute(follow_ups.backfill_sql())


# --- 2. the queries ------------------------------------------------------------------------


def _times(work: Callable[[], Any], rounds: int) -> dict[str, float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return {
        "median_ms": round(statistics.median(samples) * 1000, 1),
        "max_ms": round(max(samples) * 1000, 1),
    }


_BASELINES = {
    "checks-per-member": (
        "SELECT actor_sub, actor_team, count(*), count(*) FILTER (WHERE outcome = 'refused') "
        "FROM audit_entries WHERE actor_organisation = %(org)s "
        "AND action = 'involvement.check' AND at >= %(since)s AND at < %(until)s GROUP BY 1, 2"
    ),
    "off-hours": (
        "SELECT seq, actor_sub, actor_team, action, at FROM audit_entries "
        "WHERE actor_organisation = %(org)s AND at >= %(since)s AND at < %(until)s AND NOT ("
        "extract(isodow FROM at AT TIME ZONE 'Europe/Amsterdam') <= 5 AND "
        "(at AT TIME ZONE 'Europe/Amsterdam')::time >= '08:00' AND "
        "(at AT TIME ZONE 'Europe/Amsterdam')::time < '18:00')"
    ),
    "most-checked-subjects": (
        "SELECT subject_key, count(*) FROM audit_entries WHERE actor_organisation = %(org)s "
        "AND action = 'involvement.check' AND at >= %(since)s AND at < %(until)s "
        "AND subject_key IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 20"
    ),
    "checks-without-follow-up": (
        "SELECT c.seq FROM audit_entries c WHERE c.actor_organisation = %(org)s "
        "AND c.action = 'involvement.check' AND c.outcome = 'allowed' "
        "AND c.at >= %(since)s AND c.at < %(until)s AND NOT EXISTS ("
        "SELECT 1 FROM audit_entries f WHERE f.subject_key = c.subject_key "
        "AND f.actor_team = c.actor_team AND f.outcome = 'allowed' "
        "AND f.action IN ('flag.register', 'contact_request.create') "
        "AND f.at <= c.at + interval '14 days')"
    ),
    "refusals": (
        "SELECT actor_sub, actor_team, action, rule_id, reason, count(*), min(at), max(at) "
        "FROM audit_entries WHERE actor_organisation = %(org)s AND outcome = 'refused' "
        "AND at >= %(since)s AND at < %(until)s GROUP BY 1, 2, 3, 4, 5"
    ),
    "checks-over-time": (
        "SELECT (at AT TIME ZONE 'Europe/Amsterdam')::date, actor_sub, actor_team, count(*) "
        "FROM audit_entries WHERE actor_organisation = %(org)s "
        "AND action = 'involvement.check' AND at >= %(since)s AND at < %(until)s "
        "GROUP BY 1, 2, 3"
    ),
}
_SEARCH = (
    "SELECT * FROM audit_entries WHERE {column} = %(value)s AND actor_organisation = %(org)s "
    "AND seq > %(after)s ORDER BY seq LIMIT {page}"
)


def measure(
    database: Database, options: Options, seeded: dict[str, Any], say: Any
) -> dict[str, Any]:
    settings = Settings(data_dir=Path(seeded["hub_dir"]), database_url=database.sqlalchemy_url)
    sequencer = Sequencer.of(settings, load_signer(settings))
    policy = PolicyFile(settings.policy_file).load_strict()
    sessions = make_sessionmaker(make_engine(settings.sqlalchemy_url))
    log = _log(options)
    organisation = log.organisation(0)
    officer = Actor(
        sub="officer",
        name="officer",
        organisation=organisation,
        team=None,
        roles=frozenset({Role.PRIVACY_OFFICER}),
    )
    member, subject = member_slug(0), subject_key(0)
    results: dict[str, Any] = {}

    def pair(name: str, work: Callable[[Any], Any], sql: str, params: dict[str, Any]) -> None:
        """Time ``work`` through the hub (rolled back), then ``sql`` with psycopg."""

        def once() -> None:
            with sessions() as session:
                work(session)
                session.rollback()

        results[name] = {"hub": _times(once, options.rounds)}
        with psycopg.connect(database.libpq_url) as connection:
            results[name]["plain_sql"] = _times(
                lambda: connection.execute(sql, params).fetchall(), options.rounds
            )
        say(f"  {name}: {results[name]}")

    for column, label, value, where in (
        ("actor_sub", "member", member, EntryFilter(member=member)),
        ("subject_key", "subject", subject, EntryFilter(subject_key=subject)),
    ):
        for page, after in (
            ("first", 0),
            ("deep", _halfway(database, column, value, organisation)),
        ):
            pair(
                f"search by {label}, {page} page",
                lambda session, where=where, after=after: oversight.search_entries(
                    session,
                    officer,
                    sequencer=sequencer,
                    where=where,
                    limit=PAGE,
                    after_seq=after,
                    now=END,
                ),
                _SEARCH.format(column=column, page=PAGE),
                {"value": value, "org": organisation, "after": after},
            )
    until = END - timedelta(minutes=17, seconds=23)  # not on the hour, as "now" rarely is
    for period, days in (("month", 30), ("year", 365)):
        since = until - timedelta(days=days)
        for kind in ReportKind:
            pair(
                f"report {kind.value}, {period}",
                lambda session, kind=kind, since=since: reports.run_report(
                    session,
                    officer,
                    settings=settings,
                    kind=kind,
                    since=since,
                    until=until,
                    now=END,
                ),
                _BASELINES[kind.value],
                {"org": organisation, "since": since, "until": until},
            )
    pair(
        "inzage, most checked subject",
        lambda session: sar.subject_access_report(
            session,
            officer,
            policy=policy,
            subject=Subject(kind=IdentifierKind.BSN, key=subject),
            now=END,
        ),
        "SELECT * FROM audit_entries WHERE subject_key = %(value)s "
        "AND actor_organisation = %(org)s ORDER BY seq",
        {"value": subject, "org": organisation},
    )
    lookback = timedelta(hours=settings.audit_alert_unflagged_window_hours)
    checks_of_the_day = (
        "SELECT * FROM audit_entries WHERE action = 'involvement.check' "
        "AND at >= %(since)s AND at <= %(until)s"
    )
    pair(  # no watermark yet: every member's 24 hours, as the first run after 0017 does
        "alert evaluation, full",
        lambda session: alerts.evaluate_alerts(session, settings=settings, now=END),
        f"{checks_of_the_day} ORDER BY seq",
        {"since": END - lookback, "until": END},
    )
    tree_size = _watermark_one_minute_back(database)
    pair(  # as the job runs it: the members with checks in the last minute, their 24 hours
        "alert evaluation",
        lambda session: alerts.evaluate_alerts(session, settings=settings, now=END),
        f"{checks_of_the_day} AND actor_sub IN (SELECT actor_sub FROM audit_entries "
        "WHERE leaf_index >= %(size)s AND action = 'involvement.check') ORDER BY seq",
        {"since": END - lookback, "until": END, "size": tree_size},
    )
    return results


def _watermark_one_minute_back(database: Database) -> int:
    """Commit the alert watermark of an evaluation a minute before "now" (the job's
    interval) and return its tree size: the leaves of that last minute are new."""
    since = END - timedelta(minutes=1)
    with psycopg.connect(database.libpq_url) as connection:
        row = connection.execute(
            "SELECT coalesce(min(leaf_index), (SELECT size FROM audit_tree)) FROM audit_entries "
            "WHERE at > %s",
            (since,),
        ).fetchone()
        size = int(row[0]) if row else 0
        connection.execute(
            "INSERT INTO audit_alert_watermark (id, tree_size, evaluated_until) "
            "VALUES (1, %s, %s) ON CONFLICT (id) DO UPDATE SET tree_size = excluded.tree_size, "
            "evaluated_until = excluded.evaluated_until",
            (size, since),
        )
    return size


def _halfway(database: Database, column: str, value: Any, organisation: str) -> int:
    """The ``seq`` halfway through the organisation's entries of a member or subject: the
    ``after`` of a deep page."""
    with psycopg.connect(database.libpq_url) as connection:
        where = f"WHERE {column} = %s AND actor_organisation = %s"
        total = connection.execute(
            f"SELECT count(*) FROM audit_entries {where}", (value, organisation)
        ).fetchone()
        seq = connection.execute(
            f"SELECT seq FROM audit_entries {where} ORDER BY seq OFFSET %s LIMIT 1",
            (value, organisation, (total[0] if total else 0) // 2),
        ).fetchone()
    return int(seq[0]) if seq else 0


# --- 3. sizes ------------------------------------------------------------------------------


def sizes(database: Database, entries: int) -> dict[str, Any]:
    with psycopg.connect(database.libpq_url) as connection:
        relations = connection.execute(
            "SELECT c.relname, pg_relation_size(c.oid) + coalesce(pg_relation_size("
            "c.reltoastrelid), 0) FROM pg_class c WHERE c.relname = 'audit_entries' "
            "UNION ALL SELECT i.relname, pg_relation_size(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = 'audit_entries'::regclass "
            "UNION ALL SELECT relname, pg_total_relation_size(oid) FROM pg_class "
            "WHERE relname IN ('audit_hour_counts', 'audit_first_follow_ups', 'audit_tiles', "
            "'audit_checkpoints')"
        ).fetchall()
        cells = connection.execute("SELECT count(*) FROM audit_hour_counts").fetchone()
    per_entry = {name: round(size / entries, 1) for name, size in relations}
    total = sum(size for _, size in relations) / entries
    return {
        "bytes_per_entry": per_entry,
        "total_bytes_per_entry": round(total, 1),
        "hour_count_rows": int(cells[0]) if cells else 0,
        "projected_gb_at_100m": round(total * FULL_SIZE / 1e9, 1),
    }


# --- the command ---------------------------------------------------------------------------


def _log(options: Options) -> OfficerLog:
    return OfficerLog(
        entries=options.entries,
        days=options.days,
        members=options.members,
        organisations=options.organisations,
        subjects=options.subjects,
    )


def seed_log(
    database: Database, log: OfficerLog, *, work_dir: Path, say: Callable[..., None]
) -> dict[str, Any]:
    """``log.entries`` sequenced entries of ``log`` with their summaries (also for
    ``bench.run --audit-entries``); the seeding's figures."""
    say(f"seeding {log.entries:,} audit entries and their hourly counts")
    return seed(
        database,
        entries=log.entries,
        realistic_from=log.entries,
        work_dir=work_dir,
        say=say,
        row=log,
        columns=COLUMNS,
        before_indexes=_count_hours,
    )


def run(options: Options) -> dict[str, Any]:
    say, data = begin(options)
    for database in bench_database(
        database_url=options.database_url, work_dir=options.work_dir, name=DATABASE
    ):
        seeded = seed_log(database, _log(options), work_dir=options.work_dir, say=say)
        data["seeding"] = {k: v for k, v in seeded.items() if k != "hub_dir"}
        data["sizes"] = sizes(database, options.entries)
        say(f"  in {seeded['seconds']} s; {json.dumps(data['sizes'], indent=1)}")
        say("measuring (hub, then the plain SQL baseline)")
        data["queries"] = measure(database, options, seeded, say)
        data["load_average_after"] = os.getloadavg()
    return save_results(data, options.results_dir, "officer", say)


def main(argv: list[str] | None = None) -> int:
    run(parse(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
