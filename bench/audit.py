"""The audit log at scale (issue 21, item 6): proofs at 10 million entries, and the export
and offline verification of 1 million, with peak memory.

``make bench-audit`` (or ``python -m bench.audit``) does, on a PostgreSQL of its own (or
``--database-url``):

1. **seeds** ``--entries`` audit entries already sequenced, by ``COPY ... FREEZE`` with the
   table's indexes dropped and rebuilt (as ``bench/seed.py`` loads flags). Worker
   processes (one per core) generate 65,536 entries at a time: the leaf, its RFC 9162
   hash, and the chunk's tiles (256 full level-0 tiles and one level-1 tile) with
   :class:`crypto.tiles.TileBuilder`, the code the sequencer and the rebuild use; the
   main process makes the upper levels from the chunk roots, stores the tiles and the
   sequencer's compact range, and signs checkpoints: every 65,536 entries up to the
   exported range, then every 1,000 (the hub's default) through it. The last
   ``--export-entries`` entries have leaves shaped like the hub's (about 600 bytes);
   earlier ones a short leaf, to keep the table at a size this machine loads in minutes
   (a proof reads one entry row whatever the leaves hold).
2. **proofs**: ``--proofs`` random inclusion proofs at the latest checkpoint and as many
   consistency proofs from a random older checkpoint, through ``hub.audit.tree`` exactly
   as the API calls it (median and p99), against two baselines measured in the same run:
   the plain SQL a proof sends (the same statements without computing anything), and the
   all-leaves computation the hub used before tiles at ``--baseline-size`` entries.
3. **export and verify**: ``betrokken audit export --from-index N-M`` (the last M
   entries) and ``python -m crypto.audit_verify`` on the file, each a process of its own
   under ``/usr/bin/time -v`` (wall time, CPU time, peak resident memory); as a baseline,
   the same file verified the way it was before, parsed whole (``json.load``) and then
   checked (``verify_export``).

Rounds 2 and 3 are repeated ``--rounds`` times to show the machine's spread. Results go to
``bench/results/audit-<UTC timestamp>.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, text

from bench.postgres import BenchCluster, Database, cluster_root
from crypto.checkpoint import Checkpoint
from crypto.merkle import hash_leaf
from crypto.tiles import TILE_WIDTH, Tile, TileBuilder, TiledTree, plan_inclusion, subtree_root

CHUNK = TILE_WIDTH * TILE_WIDTH  # 65,536 entries: whole level-0 and level-1 tiles
COLUMNS = "seq, id, at, action, outcome, actor_sub, leaf, leaf_hash, leaf_index"
DATABASE = "betrokken_audit_bench"
PROOF_KINDS = ("inclusion", "inclusion_plain_sql", "consistency", "consistency_plain_sql")
REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Options:
    entries: int
    export_entries: int
    proofs: int
    rounds: int
    baseline_size: int
    database_url: str | None
    work_dir: Path
    results_dir: Path
    quiet: bool


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="bench.audit", description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--export-entries", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--baseline-size", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="an existing PostgreSQL (admin)")
    parser.add_argument("--work-dir", type=Path, default=REPO / "bench" / ".work" / "audit")
    parser.add_argument("--results-dir", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if not 0 < args.export_entries <= args.entries:
        parser.error("--export-entries must lie in 1..--entries")
    return Options(
        entries=args.entries,
        export_entries=args.export_entries,
        proofs=args.proofs,
        rounds=args.rounds,
        baseline_size=min(args.baseline_size, args.entries),
        database_url=args.database_url,
        work_dir=args.work_dir,
        results_dir=args.results_dir,
        quiet=args.quiet,
    )


# --- 1. seeding ------------------------------------------------------------------------------

_REALISTIC = (
    '{{"action":"involvement.check","actor":{{"client":"betrokken-web","organisation":'
    '"gemeente-{org:03d}","role":"professional","sub":"member-{member:05d}","team":'
    '"pw-handhaving-{org:03d}"}},"at":"2026-11-{day:02d}T{hour:02d}:{minute:02d}:00+00:00",'
    '"case_ref":"PW-2026-{n:07d}","decision":{{"legal_basis":"pw_art_64","policy_version":'
    '"{policy}","rule":"pw-check"}},"id":"{uuid}","object":null,"outcome":"allowed",'
    '"purpose":"rechtmatigheid","reason":null,"request_id":"{request}","subject":"{subject}",'
    '"trace_id":"{trace}","v":1}}'
)
_POLICY = hashlib.sha256(b"bench policy").hexdigest()


def _uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012x}"


def _leaf(n: int, realistic: bool) -> str:
    if not realistic:
        return f'{{"action":"involvement.check","id":"{_uuid(n)}","v":1}}'
    return _REALISTIC.format(
        org=n % 340,
        member=n % 50_000,
        day=1 + n % 28,
        hour=n % 24,
        minute=n % 60,
        n=n,
        policy=_POLICY,
        uuid=_uuid(n),
        request=f"{n:032x}",
        subject=f"{n * 2654435761 % 2**256:064x}",
        trace=f"{n * 40503 % 2**128:032x}",
    )


def check_row(n: int, realistic: bool) -> tuple[str, str]:
    """Entry ``n`` of this bench: its COPY columns before the leaf (``COLUMNS``), its leaf."""
    prefix = (
        f"{n + 1}\t{_uuid(n)}\t2026-11-01 00:00:00+00\tinvolvement.check\tallowed\t"
        f"member-{n % 50_000:05d}"
    )
    return prefix, _leaf(n, realistic)


RowMaker = Callable[[int, bool], tuple[str, str]]
"""Entry ``n`` (realistic leaf or not) as the COPY columns before ``leaf`` and its leaf; a
module-level function or a picklable object, as it goes to the worker processes."""


def _chunk(args: tuple[int, int, int, RowMaker]) -> tuple[int, str, list[Tile]]:
    """COPY lines and tiles (levels 0 and 1) for entries ``first .. first + count``."""
    first, count, realistic_from, row = args
    lines = []
    builder = TileBuilder()
    for n in range(first, first + count):
        prefix, leaf = row(n, n >= realistic_from)
        leaf_hash = hash_leaf(leaf.encode())
        builder.append(leaf_hash)
        lines.append(f"{prefix}\t{leaf}\t\\\\x{leaf_hash.hex()}\t{n}\n")
    offset = first // TILE_WIDTH
    tiles = [
        Tile(t.level, t.index + (offset if t.level == 0 else offset // TILE_WIDTH), t.hashes)
        for t in builder.changed()
        if t.level <= 1
    ]
    return first, "".join(lines), tiles


def _table_ddl(connection: psycopg.Connection, table: str) -> tuple[list[str], list[str]]:
    """(drop, create) for a table's unique/primary constraints and plain indexes."""
    constraints = connection.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u')",
        (table,),
    ).fetchall()
    indexes = connection.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        (table,),
    ).fetchall()
    drop = [f'ALTER TABLE {table} DROP CONSTRAINT "{name}"' for name, _ in constraints]
    drop += [f'DROP INDEX "{name}"' for name, _ in indexes]
    create = [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {ddl}' for name, ddl in constraints]
    create += [ddl for _, ddl in indexes]
    return drop, create


def seed(
    database: Database,
    *,
    entries: int,
    realistic_from: int,
    work_dir: Path,
    say: Any,
    row: RowMaker = check_row,
    columns: str = COLUMNS,
    before_indexes: Callable[[psycopg.Connection], None] | None = None,
) -> dict[str, Any]:
    """Entries, tiles, tree row and checkpoints (see the module docstring); figures.

    ``row`` makes each entry's columns (``columns``, ending in the leaf, its hash and leaf
    index); ``before_indexes`` runs once the entries are in, before the indexes are rebuilt.
    """
    from hub.audit.signing import create_signing_key, load_signer
    from hub.migrate import upgrade
    from hub.settings import Settings

    started = time.monotonic()
    upgrade(database.sqlalchemy_url)
    hub_dir = work_dir / "hub"
    settings = Settings(data_dir=hub_dir, database_url=database.sqlalchemy_url)
    if not settings.audit_key_file.exists():
        create_signing_key(settings.audit_key_file)
    signer = load_signer(settings)
    n = entries
    tiles: dict[tuple[int, int], bytes] = {}
    chunk_roots: list[bytes] = []
    with psycopg.connect(database.libpq_url) as connection:
        drop, create = _table_ddl(connection, "audit_entries")
        with connection.transaction():
            for statement in drop:
                connection.execute(statement)
            connection.execute("TRUNCATE audit_entries, audit_checkpoints, audit_tiles")
            jobs = [
                (first, min(CHUNK, n - first), realistic_from, row) for first in range(0, n, CHUNK)
            ]
            context = multiprocessing.get_context("fork")
            with (
                context.Pool(os.cpu_count() or 1) as pool,
                connection.cursor().copy(
                    f"COPY audit_entries ({columns}) FROM STDIN WITH (FREEZE)"
                ) as copy,
            ):
                for first, lines, chunk_tiles in pool.imap(_chunk, jobs):
                    copy.write(lines)
                    tiles.update({tile.key: tile.hashes for tile in chunk_tiles})
                    if first + CHUNK <= n:
                        chunk_roots.append(subtree_root(tiles[(1, first // CHUNK)]))
                    say(f"\r  copied {first + len(lines.splitlines()):,} entries", end="")
        say("")
        copied = time.monotonic() - started
        # Levels 2 and up: the chunk roots are the level-2 nodes.
        upper = TileBuilder()
        upper.extend(chunk_roots)
        tiles.update({(t.level + 2, t.index): t.hashes for t in upper.changed()})
        tree = TiledTree(n, tiles)
        compact = {"size": n, "hashes": [h.hex() for h in tree.compact_range(n)]}
        sizes = sorted(
            {*range(CHUNK, realistic_from + 1, CHUNK), *range(realistic_from, n, 1000), n} - {0}
        )
        now = datetime.now(UTC)
        with connection.transaction():
            with connection.cursor().copy(
                "COPY audit_tiles (level, tile_index, hashes) FROM STDIN"
            ) as copy:
                for (level, index), hashes in sorted(tiles.items()):
                    copy.write(f"{level}\t{index}\t\\\\x{hashes.hex()}\n")
            with connection.cursor().copy(
                "COPY audit_checkpoints (size, root_hash, note, created_at) FROM STDIN"
            ) as copy:
                for size in sizes:
                    root = tree.root(0, size)
                    note = signer.sign(
                        Checkpoint(origin=signer.key_name, size=size, root_hash=root)
                    )
                    copy.write_row((size, root, note, now))
            connection.execute(
                "UPDATE audit_tree SET size = %s, compact_range = %s, updated_at = %s",
                (n, json.dumps(compact, separators=(",", ":")), now),
            )
            connection.execute(
                "SELECT setval(pg_get_serial_sequence('audit_entries', 'seq'), %s)", (n,)
            )
        if before_indexes is not None:
            before_indexes(connection)
            connection.commit()
        indexed_from = time.monotonic()
        for statement in create:
            connection.execute(statement)
        connection.commit()
        connection.autocommit = True
        connection.execute("ANALYZE audit_entries")
        connection.execute("ANALYZE audit_tiles")
        connection.execute("CHECKPOINT")
        sizes_mb = connection.execute(
            "SELECT pg_total_relation_size('audit_entries') / 1e6, "
            "pg_total_relation_size('audit_tiles') / 1e6"
        ).fetchone()
    assert sizes_mb is not None
    return {
        "entries": n,
        "tiles": len(tiles),
        "checkpoints": len(sizes),
        "seconds": round(time.monotonic() - started, 1),
        "copy_seconds": round(copied, 1),
        "index_seconds": round(time.monotonic() - indexed_from, 1),
        "audit_entries_mb": round(float(sizes_mb[0])),
        "audit_tiles_mb": round(float(sizes_mb[1])),
        "verifier_key": signer.verifier_key(),
        "hub_dir": str(hub_dir),
    }


# --- 2. proofs -------------------------------------------------------------------------------


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "count": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(p99 * 1000, 3),
    }


def measure_proofs(database: Database, options: Options, rng: random.Random) -> dict[str, Any]:
    from crypto.merkle import verify_consistency, verify_inclusion
    from crypto.tiles import plan_consistency
    from hub.audit import repository, tree
    from hub.db import make_engine, make_sessionmaker

    engine = make_engine(database.sqlalchemy_url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        signed = [(c.size, c.root_hash) for c in repository.checkpoints(session)]
    size, root = signed[-1]
    older = signed[:-1] or signed
    figures: dict[str, Any] = {"size": size}
    inclusion, plain_inclusion, consistency, plain_consistency = [], [], [], []
    for _ in range(options.proofs):
        index = rng.randrange(size)
        with sessions() as session:
            began = time.perf_counter()
            proof = tree.inclusion(session, index=index, size=size)
            inclusion.append(time.perf_counter() - began)
        verify_inclusion(proof.entry.leaf_hash, index, size, proof.proof, root)
        with sessions() as session:  # the same statements, nothing computed
            began = time.perf_counter()
            repository.checkpoint_at(session, size)
            repository.integrity_state(session)
            repository.tiles(session, plan_inclusion(index, size))
            repository.entry_at(session, index)
            plain_inclusion.append(time.perf_counter() - began)
        first, first_root = older[rng.randrange(len(older))]
        with sessions() as session:
            began = time.perf_counter()
            linked = tree.consistency(session, first=first, second=size)
            consistency.append(time.perf_counter() - began)
        verify_consistency(first, size, first_root, root, linked.proof)
        with sessions() as session:
            began = time.perf_counter()
            repository.checkpoint_at(session, first)
            repository.checkpoint_at(session, size)
            repository.tiles(session, plan_consistency(first, size))
            repository.integrity_state(session)
            plain_consistency.append(time.perf_counter() - began)
    figures["inclusion"] = _percentiles(inclusion)
    figures["inclusion_plain_sql"] = _percentiles(plain_inclusion)
    figures["consistency"] = _percentiles(consistency)
    figures["consistency_plain_sql"] = _percentiles(plain_consistency)
    figures["before_tiles"] = _all_leaves_baseline(sessions, options, rng)
    engine.dispose()
    return figures


def _all_leaves_baseline(sessions: Any, options: Options, rng: random.Random) -> dict[str, Any]:
    """How a proof was computed before tiles: every leaf hash below the size read, then the
    memoised subtrees (``tree.SubtreeHashes``), at ``--baseline-size`` entries."""
    from hub.audit import repository, tree

    size = options.baseline_size
    samples = []
    for _ in range(3):
        with sessions() as session:
            began = time.perf_counter()
            rows = repository.leaf_hashes(session, size=size)
            hashes = tree.SubtreeHashes([leaf_hash for _, leaf_hash in rows])
            hashes.inclusion_proof(rng.randrange(size), size)
            samples.append(time.perf_counter() - began)
    return {"size": size, **_percentiles(samples)}


# --- 3. export and verify --------------------------------------------------------------------

_TIME_FIELDS = {
    "wall": re.compile(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)"),
    "user": re.compile(r"User time \(seconds\): (\S+)"),
    "system": re.compile(r"System time \(seconds\): (\S+)"),
    "max_rss_kb": re.compile(r"Maximum resident set size \(kbytes\): (\d+)"),
}


def _timed(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run under ``/usr/bin/time -v``: wall and CPU seconds, peak resident memory (MB)."""
    done = subprocess.run(
        ["/usr/bin/time", "-v", *command],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed: {done.stderr[-2000:]}")
    found = {key: pattern.search(done.stderr) for key, pattern in _TIME_FIELDS.items()}
    values = {key: match.group(1) for key, match in found.items() if match}
    wall = 0.0
    for part in values["wall"].split(":"):
        wall = wall * 60 + float(part)
    cpu = float(values["user"]) + float(values["system"])
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "peak_rss_mb": round(int(values["max_rss_kb"]) / 1024, 1),
        "output": done.stdout.strip()[-300:],
    }


_OLD_VERIFY = (
    "import json, sys\n"
    "from crypto.audit_verify import read_verifier_key, verify_export\n"
    "document = json.load(open(sys.argv[1], encoding='utf-8'))\n"
    "print(verify_export(document, read_verifier_key(sys.argv[2])).entries)\n"
)


def measure_export(database: Database, options: Options, seeded: dict[str, Any]) -> dict[str, Any]:
    python = sys.executable
    start = options.entries - options.export_entries
    out = options.work_dir / "export.json"
    key_file = options.work_dir / "verifier-key.txt"
    key_file.write_text(seeded["verifier_key"] + "\n")
    env = {
        "BETROKKEN_DATA_DIR": seeded["hub_dir"],
        "BETROKKEN_DATABASE_URL": database.sqlalchemy_url,
        "BETROKKEN_BACKGROUND_JOBS": "false",
    }
    betrokken = str(Path(python).with_name("betrokken"))
    export = _timed(
        [betrokken, "audit", "export", "--out", str(out), "--from-index", str(start)], env
    )
    export["file_mb"] = round(out.stat().st_size / 1e6, 1)
    verify = _timed(
        [python, "-m", "crypto.audit_verify", str(out), "--public-key", str(key_file)], {}
    )
    whole = _timed([python, "-c", _OLD_VERIFY, str(out), str(key_file)], {})
    out.unlink(missing_ok=True)
    return {"from_index": start, "export": export, "verify": verify, "verify_parsed_whole": whole}


# --- the command ------------------------------------------------------------------------------


def bench_database(
    *, database_url: str | None, work_dir: Path, name: str = DATABASE
) -> Iterator[Database]:
    """A fresh database ``name`` on ``database_url``, or on a PostgreSQL of the bench's own."""
    cluster = None
    if database_url:
        admin = Database.from_url(database_url)
    else:
        cluster = BenchCluster(cluster_root(work_dir))
        admin = cluster.start()
    try:
        engine = create_engine(admin.sqlalchemy_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        yield admin.sibling(name)
        engine = create_engine(admin.sqlalchemy_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
    finally:
        if cluster is not None:
            cluster.stop(remove=True)
            with suppress(OSError):
                cluster.root.parent.rmdir()


def begin(options: Any) -> tuple[Callable[..., None], dict[str, Any]]:
    """A bench's ``say`` (silent with ``options.quiet``) and its results' first fields."""

    def say(message: str, end: str = "\n") -> None:
        if not options.quiet:
            print(message, end=end, flush=True)

    options.work_dir.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "options": {k: str(v) for k, v in options.__dict__.items() if k != "database_url"},
        "load_average_before": os.getloadavg(),
    }
    return say, data


def run(options: Options) -> dict[str, Any]:
    say, data = begin(options)
    data["rounds"] = []
    rng = random.Random(21)
    for database in bench_database(database_url=options.database_url, work_dir=options.work_dir):
        say(f"seeding {options.entries:,} audit entries")
        data["seeding"] = seeded = seed(
            database,
            entries=options.entries,
            realistic_from=options.entries - options.export_entries,
            work_dir=options.work_dir,
            say=say,
        )
        say(
            f"  {seeded['entries']:,} entries, {seeded['tiles']:,} tiles, "
            f"{seeded['checkpoints']:,} checkpoints in {seeded['seconds']} s "
            f"(table {seeded['audit_entries_mb']:,} MB, tiles {seeded['audit_tiles_mb']:,} MB)"
        )
        for number in range(1, options.rounds + 1):
            say(f"round {number}")
            proofs = measure_proofs(database, options, rng)
            for kind in (
                "inclusion",
                "inclusion_plain_sql",
                "consistency",
                "consistency_plain_sql",
            ):
                figures = proofs[kind]
                say(
                    f"  {kind:<22} at {proofs['size']:,}: median {figures['median_ms']} ms, "
                    f"p99 {figures['p99_ms']} ms"
                )
            before = proofs["before_tiles"]
            say(f"  before tiles (all leaves) at {before['size']:,}: {before['median_ms']} ms")
            exported = measure_export(database, options, seeded)
            for kind in ("export", "verify", "verify_parsed_whole"):
                figures = exported[kind]
                say(
                    f"  {kind:<22} {options.export_entries:,} entries: {figures['wall_s']} s "
                    f"wall, {figures['cpu_s']} s CPU, peak {figures['peak_rss_mb']} MB"
                )
            data["rounds"].append(
                {"proofs": proofs, "export": exported, "load_average": os.getloadavg()}
            )
    return save_results(data, options.results_dir, "audit", say)


def save_results(data: dict[str, Any], results_dir: Path, name: str, say: Any) -> dict[str, Any]:
    """Write ``data`` to ``results_dir/<name>-<UTC timestamp>.json``; name the file in it."""
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result_file = results_dir / f"{name}-{stamp}.json"
    result_file.write_text(json.dumps(data, indent=1) + "\n")
    data["result_file"] = str(result_file)
    say(f"results: {result_file}")
    return data


def main(argv: list[str] | None = None) -> int:
    run(parse(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
