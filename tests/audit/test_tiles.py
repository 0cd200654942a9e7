"""The stored tiles: written by the sequencer, rebuilt on demand, read by proofs in O(log n)
rows, and an altered tile is found, on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import event, select, text

from api.cli import main
from crypto.audit_verify import verify_file
from crypto.merkle import consistency_proof, hash_leaf, inclusion_proof
from crypto.tiles import build_tiles, plan_inclusion
from hub.audit import repository, tree
from hub.audit.models import AuditCheckpoint, AuditEntry, AuditTile
from hub.audit.tiles import rebuild_tiles
from hub.background import sequencer_job
from hub.errors import AuditLogCompromised
from hub.migrate import downgrade, upgrade
from hub.runtime import Runtime
from hub.settings import Settings
from hub.transactions import transaction
from tests.audit.builders import cli_env, write_entries


def stored_tiles(runtime: Runtime) -> dict[tuple[int, int], bytes]:
    with runtime.sessions() as session:
        rows = session.execute(select(AuditTile.level, AuditTile.tile_index, AuditTile.hashes))
        return {(level, index): hashes for level, index, hashes in rows}


def leaf_hashes(runtime: Runtime) -> list[bytes]:
    with runtime.sessions() as session:
        rows = session.execute(
            select(AuditEntry.leaf_index, AuditEntry.leaf).order_by(AuditEntry.leaf_index)
        ).all()
    return [hash_leaf(leaf.encode()) for _, leaf in rows]


def tiles_of(hashes: list[bytes]) -> dict[tuple[int, int], bytes]:
    return {tile.key: tile.hashes for batch in build_tiles(hashes) for tile in batch}


def grow(runtime: Runtime, batches: list[int]) -> None:
    """Entries in several passes of the sequencer, each signing a checkpoint."""
    for count in batches:
        write_entries(runtime, count)
        sequencer_job(runtime, force_checkpoint=True)


@contextmanager
def counted(runtime: Runtime) -> Iterator[dict[str, Any]]:
    """Statements sent to the database, and tile rows returned, while the block runs."""
    seen: dict[str, Any] = {"statements": [], "tile_rows": 0}
    engine = runtime.sessions.kw["bind"]

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen["statements"].append(statement)

    original = repository.tiles

    def counting_tiles(session: Any, keys: Any) -> Any:
        found = original(session, keys)
        seen["tile_rows"] += len(found)
        return found

    event.listen(engine, "before_cursor_execute", before)
    repository.tiles = counting_tiles  # type: ignore[assignment]
    try:
        yield seen
    finally:
        repository.tiles = original  # type: ignore[assignment]
        event.remove(engine, "before_cursor_execute", before)


def test_the_sequencer_writes_the_tiles_of_its_leaves(runtime: Runtime) -> None:
    grow(runtime, [3, 250, 10, 300])  # edge tiles grow across passes and fill up
    hashes = leaf_hashes(runtime)
    assert len(hashes) == 563
    assert stored_tiles(runtime) == tiles_of(hashes)
    assert set(stored_tiles(runtime)) == {(0, 0), (0, 1), (0, 2), (1, 0)}


def test_proofs_from_tiles_are_the_rfc_proofs_with_few_statements(runtime: Runtime) -> None:
    grow(runtime, [7, 256, 300, 1, 100])
    hashes = leaf_hashes(runtime)
    with runtime.sessions() as session:
        sizes = [checkpoint.size for checkpoint in repository.checkpoints(session)]
    rng = random.Random(3)
    for size in sizes:  # the latest and every older checkpoint
        for index in {0, size - 1, rng.randrange(size)}:
            with runtime.sessions() as session, counted(runtime) as seen:
                proof = tree.inclusion(session, index=index, size=size)
            assert proof.proof == inclusion_proof(hashes, index, size)
            # the checkpoint, the verdict row, the tiles (one statement) and the entry
            assert len(seen["statements"]) == 4, seen["statements"]
            assert seen["tile_rows"] == len(plan_inclusion(index, size)) <= 4
        for first in sizes:
            if first <= size:
                with runtime.sessions() as session, counted(runtime) as seen:
                    linked = tree.consistency(session, first=first, second=size)
                assert linked.proof == consistency_proof(hashes, first, size)
                assert len(seen["statements"]) <= 4


def test_a_rebuild_gives_the_same_tiles_and_is_idempotent(
    runtime: Runtime, settings: Settings
) -> None:
    grow(runtime, [300, 20])
    before = stored_tiles(runtime)
    with transaction(runtime.sessions) as session:
        session.execute(text("DELETE FROM audit_tiles"))
    for _ in range(2):
        rebuilt = CliRunner().invoke(main, ["audit", "tiles", "rebuild"], env=cli_env(settings))
        assert rebuilt.exit_code == 0, rebuilt.output
        assert "rebuilt 3 tiles for 320 leaves" in rebuilt.output
        assert stored_tiles(runtime) == before
    grow(runtime, [5])  # the sequencer goes on from the rebuilt tiles
    assert stored_tiles(runtime) == tiles_of(leaf_hashes(runtime))


def test_a_rebuild_refuses_a_log_with_a_gap(runtime: Runtime, settings: Settings) -> None:
    grow(runtime, [20])
    before = stored_tiles(runtime)
    with transaction(runtime.sessions) as session:
        session.execute(text("DELETE FROM audit_entries WHERE leaf_index = 4"))
    rebuilt = CliRunner().invoke(main, ["audit", "tiles", "rebuild"], env=cli_env(settings))
    assert rebuilt.exit_code == 1
    assert "leaf index 4 is missing" in rebuilt.output
    assert stored_tiles(runtime) == before  # rolled back


def test_the_sequencer_stops_when_the_tiles_do_not_fit(runtime: Runtime) -> None:
    grow(runtime, [20])
    with transaction(runtime.sessions) as session:
        session.execute(text("DELETE FROM audit_tiles"))
    write_entries(runtime, 1)
    with pytest.raises(Exception, match="audit tiles rebuild"):
        sequencer_job(runtime)
    with transaction(runtime.sessions) as session:
        assert rebuild_tiles(session).problem is None
    assert sequencer_job(runtime).appended == 1


def flip(hashes: bytes, position: int) -> bytes:
    return hashes[:position] + bytes([hashes[position] ^ 1]) + hashes[position + 1 :]


@pytest.mark.parametrize("leaf", [5, 9])
def test_an_altered_tile_is_found_by_proofs_and_the_check(
    runtime: Runtime, settings: Settings, leaf: int
) -> None:
    grow(runtime, [10, 290])
    with runtime.sessions() as session:
        [hashes] = session.scalars(
            select(AuditTile.hashes).where(AuditTile.level == 0, AuditTile.tile_index == 0)
        )
    with transaction(runtime.sessions) as session:
        session.execute(
            text("UPDATE audit_tiles SET hashes = :h WHERE level = 0 AND tile_index = 0"),
            {"h": flip(hashes, 32 * leaf)},
        )
    with runtime.sessions() as session:
        for index in (leaf, leaf ^ 1):  # the leaf itself, and the one whose path holds it
            with pytest.raises(AuditLogCompromised) as refused:
                tree.inclusion(session, index=index, size=300)
            assert "stored tiles on the path of leaf index" in refused.value.detail
        with pytest.raises(AuditLogCompromised, match="stored tiles do not reproduce"):
            tree.consistency(session, first=10, second=300)
        tree.inclusion(session, index=290, size=300)  # a path without it still proves
    checked = CliRunner().invoke(main, ["audit", "check"], env=cli_env(settings))
    assert checked.exit_code == 1
    assert "the stored tile over leaves 0..255 does not match the leaves" in checked.output
    # now known: nothing is proven until repaired
    with runtime.sessions() as session, pytest.raises(AuditLogCompromised) as refused:
        tree.inclusion(session, index=290, size=300)
    assert "stored tile over leaves 0..255" in refused.value.detail
    runner = CliRunner()
    assert runner.invoke(main, ["audit", "tiles", "rebuild"], env=cli_env(settings)).exit_code == 0
    assert runner.invoke(main, ["audit", "check"], env=cli_env(settings)).exit_code == 0
    with runtime.sessions() as session:
        proof = tree.inclusion(session, index=leaf, size=300)
    assert proof.proof == inclusion_proof(leaf_hashes(runtime), leaf, 300)


def test_the_export_streams_and_verifies_streaming(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    grow(runtime, [1500, 1200])
    with runtime.sessions() as session:
        chunks = list(tree.stream_export(session, origin=settings.audit_origin))
        document = tree.build_export(session, origin=settings.audit_origin, start=1000)
    assert len(chunks) > 3  # written as it is read, a thousand entries a chunk
    out = tmp_path / "export.json"
    out.write_text("".join(chunks))
    key = CliRunner().invoke(main, ["audit", "public-key"], env=cli_env(settings)).output.strip()
    assert verify_file(str(out), key).entries == 2700
    assert document["start"] == 1000 and len(document["entries"]) == 1700
    with runtime.sessions() as session:
        latest = session.scalars(
            select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc())
        ).first()
    assert latest is not None and latest.size == 2700


def test_the_migration_gives_an_existing_log_its_tiles(
    runtime: Runtime, settings: Settings
) -> None:
    grow(runtime, [600, 3])
    before = stored_tiles(runtime)
    runtime.sessions.kw["bind"].dispose()
    downgrade(settings.sqlalchemy_url, "0012-1")  # a hub from before the tiles
    upgrade(settings.sqlalchemy_url)
    assert stored_tiles(runtime) == before == tiles_of(leaf_hashes(runtime))
