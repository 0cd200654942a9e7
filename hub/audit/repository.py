"""SQL for the audit log: entries, the sequencer's tree row, checkpoints, alerts, integrity."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Interval,
    Row,
    Select,
    Table,
    Time,
    and_,
    case,
    delete,
    extract,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crypto.tiles import Tile, TileKey
from hub.audit.models import (
    AuditAlert,
    AuditAlertWatermark,
    AuditCheckpoint,
    AuditEntry,
    AuditFirstFollowUp,
    AuditHourCount,
    AuditIntegrity,
    AuditTile,
    AuditTree,
)
from hub.audit.vocabulary import Action
from hub.db import insert_rows
from hub.flag.models import Flag
from hub.organisation.models import Organisation, Team

TREE_ROW = 1
INTEGRITY_ROW = 1
WATERMARK_ROW = 1


def insert_entries(session: Session, rows: list[dict[str, Any]]) -> None:
    """Rows from ``service.new_entry``, in one statement: the ORM's unit of work cost a sixth
    of a check's CPU (docs/benchmarks.md), and an entry is never read back in the same
    transaction."""
    insert_rows(session, cast(Table, AuditEntry.__table__), rows)


def list_entries(session: Session, *, limit: int = 100, after_seq: int = 0) -> Sequence[AuditEntry]:
    statement = (
        select(AuditEntry).where(AuditEntry.seq > after_seq).order_by(AuditEntry.seq).limit(limit)
    )
    return session.scalars(statement).all()


# --- the sequencer ---------------------------------------------------------------------


def lock_tree(session: Session) -> AuditTree:
    """The tree row, locked until the transaction ends, so one sequencer appends at a time.

    PostgreSQL: ``SELECT ... FOR UPDATE``. SQLite ignores ``FOR UPDATE`` and upgrades a
    reading transaction to a writing one only if nobody committed in between; a no-op
    UPDATE first takes the database's single write lock (waiting for the busy timeout).
    Call it first in a fresh transaction.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(AuditTree).where(AuditTree.id == TREE_ROW).values(size=AuditTree.size)
        )
    tree = session.scalars(
        select(AuditTree).where(AuditTree.id == TREE_ROW).with_for_update()
    ).one_or_none()
    if tree is None:
        raise LookupError("the audit_tree row is missing: run the migrations")
    return tree


def lock_tree_state(session: Session) -> tuple[int, str]:
    """(size, compact range JSON) of the tree row, locked as :func:`lock_tree` locks it.

    Two named columns rather than the mapped row, so migration 0012 (which rebuilds the
    tiles through this) keeps working when a later migration adds a column to the row.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(AuditTree).where(AuditTree.id == TREE_ROW).values(size=AuditTree.size)
        )
    statement = (
        select(AuditTree.size, AuditTree.compact_range)
        .where(AuditTree.id == TREE_ROW)
        .with_for_update()
    )
    row = session.execute(statement).one_or_none()
    if row is None:
        raise LookupError("the audit_tree row is missing: run the migrations")
    return int(row.size), str(row.compact_range)


def tree(session: Session) -> AuditTree | None:
    """The tree row without a lock (a snapshot for reading)."""
    return session.get(AuditTree, TREE_ROW)


def unsequenced(session: Session, *, limit: int) -> Sequence[tuple[int, str, bytes]]:
    """(seq, leaf, leaf_hash) of committed entries without a leaf index, oldest first."""
    statement = (
        select(AuditEntry.seq, AuditEntry.leaf, AuditEntry.leaf_hash)
        .where(AuditEntry.leaf_index.is_(None))
        .order_by(AuditEntry.seq)
        .limit(limit)
    )
    return [(seq, leaf, leaf_hash) for seq, leaf, leaf_hash in session.execute(statement)]


def assign_leaf_indexes(session: Session, assignments: Sequence[tuple[int, int]]) -> None:
    """Set ``leaf_index`` for each (seq, leaf_index), in one executemany."""
    if assignments:
        session.execute(
            update(AuditEntry), [{"seq": seq, "leaf_index": index} for seq, index in assignments]
        )


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    statement = select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc()).limit(1)
    return session.scalars(statement).one_or_none()


def checkpoint_at(session: Session, size: int) -> AuditCheckpoint | None:
    return session.get(AuditCheckpoint, size)


def checkpoints(session: Session, *, min_size: int = 0) -> Sequence[AuditCheckpoint]:
    statement = (
        select(AuditCheckpoint)
        .where(AuditCheckpoint.size >= min_size)
        .order_by(AuditCheckpoint.size)
    )
    return session.scalars(statement).all()


def add_checkpoint(session: Session, checkpoint: AuditCheckpoint) -> None:
    session.add(checkpoint)
    session.flush()


def count_leaves(session: Session, *, size: int) -> int:
    """How many entries are sequenced below ``size`` (an index-only count)."""
    statement = select(func.count()).where(AuditEntry.leaf_index < size)
    return int(session.execute(statement).scalar_one())


def leaf_hashes(session: Session, *, size: int) -> list[tuple[int, bytes]]:
    """(leaf index, leaf hash) below ``size`` in tree order: O(size) rows.

    How proofs were computed before the tiles; kept as the bench's baseline
    (``bench/audit.py``). With the indexes, so that a missing row is named.
    """
    statement = (
        select(AuditEntry.leaf_index, AuditEntry.leaf_hash)
        .where(AuditEntry.leaf_index < size)
        .order_by(AuditEntry.leaf_index)
    )
    return [
        (index, leaf_hash) for index, leaf_hash in session.execute(statement) if index is not None
    ]


def entry_at(session: Session, index: int) -> AuditEntry | None:
    return session.scalars(select(AuditEntry).where(AuditEntry.leaf_index == index)).one_or_none()


def entries_in_tree(
    session: Session, *, start: int, stop: int, batch: int = 1000
) -> Iterator[AuditEntry]:
    """Entries with ``start <= leaf_index < stop`` in tree order, fetched in batches."""
    statement = (
        select(AuditEntry)
        .where(AuditEntry.leaf_index >= start, AuditEntry.leaf_index < stop)
        .order_by(AuditEntry.leaf_index)
        .execution_options(yield_per=batch)
    )
    yield from session.scalars(statement)


def rows_in_tree(session: Session, *, stop: int, batch: int = 1000) -> Iterator[Row[Any]]:
    """Every entry below leaf index ``stop`` in tree order, as Core rows in batches.

    For the whole-log check, which reads every row: through the ORM it takes 1.7 times as long.
    """
    entries = cast(Table, AuditEntry.__table__)
    statement = (
        select(entries)
        .where(entries.c.leaf_index < stop)
        .order_by(entries.c.leaf_index)
        .execution_options(yield_per=batch)
    )
    yield from session.execute(statement)


def unsequenced_rows(session: Session, *, batch: int = 1000) -> Iterator[Row[Any]]:
    """Committed entries still waiting for a leaf index, as Core rows in batches."""
    entries = cast(Table, AuditEntry.__table__)
    statement = (
        select(entries)
        .where(entries.c.leaf_index.is_(None))
        .order_by(entries.c.seq)
        .execution_options(yield_per=batch)
    )
    yield from session.execute(statement)


def leaf_hash_rows(
    session: Session, *, stop: int, batch: int = 10_000
) -> Iterator[tuple[int, bytes]]:
    """(leaf_index, leaf_hash) below ``stop`` in tree order, streamed (tile rebuilds)."""
    statement = (
        select(AuditEntry.leaf_index, AuditEntry.leaf_hash)
        .where(AuditEntry.leaf_index < stop)
        .order_by(AuditEntry.leaf_index)
        .execution_options(yield_per=batch)
    )
    for index, leaf_hash in session.execute(statement):
        yield int(index or 0), leaf_hash


def export_rows(
    session: Session, *, start: int, stop: int, batch: int = 5000
) -> Iterator[tuple[int, str, bytes]]:
    """(leaf_index, leaf, leaf_hash) of ``start <= leaf_index < stop`` in tree order, streamed.

    Three columns as Core rows: an export reads every entry, and the ORM's objects cost
    several times as much per row.
    """
    statement = (
        select(AuditEntry.leaf_index, AuditEntry.leaf, AuditEntry.leaf_hash)
        .where(AuditEntry.leaf_index >= start, AuditEntry.leaf_index < stop)
        .order_by(AuditEntry.leaf_index)
        .execution_options(yield_per=batch)
    )
    # leaf_index is never NULL below ``stop``: rows as they come, no conversion per row
    yield from cast(Iterator[tuple[int, str, bytes]], session.execute(statement))


# --- tiles -----------------------------------------------------------------------------


def tiles(session: Session, keys: set[TileKey]) -> dict[TileKey, bytes]:
    """The stored tiles among ``keys``, in one statement (a proof needs a handful)."""
    if not keys:
        return {}
    statement = select(AuditTile.level, AuditTile.tile_index, AuditTile.hashes).where(
        tuple_(AuditTile.level, AuditTile.tile_index).in_(sorted(keys))
    )
    return {(level, index): hashes for level, index, hashes in session.execute(statement)}


def tiles_of_level(session: Session, *, level: int, first: int, last: int) -> dict[int, bytes]:
    """Tiles ``first..last`` of ``level``: index to hashes (the whole-log check compares)."""
    statement = select(AuditTile.tile_index, AuditTile.hashes).where(
        AuditTile.level == level, AuditTile.tile_index.between(first, last)
    )
    return {index: hashes for index, hashes in session.execute(statement)}


def store_tiles(session: Session, written: Sequence[Tile]) -> None:
    """Insert or overwrite tiles, in one statement (a growing edge tile is rewritten)."""
    if not written:
        return
    rows = [{"level": t.level, "tile_index": t.index, "hashes": t.hashes} for t in written]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(AuditTile)
    statement = statement.on_conflict_do_update(
        index_elements=[AuditTile.level, AuditTile.tile_index],
        set_={"hashes": statement.excluded.hashes},
    )
    session.execute(statement, rows)


def delete_tiles(session: Session) -> None:
    session.execute(delete(AuditTile))


def integrity_state(session: Session, *, lock: bool = False) -> AuditIntegrity | None:
    """The verdict row; with ``lock``, held until the transaction ends (writers take turns)."""
    statement = select(AuditIntegrity).where(AuditIntegrity.id == INTEGRITY_ROW)
    if lock:
        statement = statement.with_for_update()
    return session.scalars(statement.execution_options(populate_existing=True)).one_or_none()


# --- the privacy officer's searches ------------------------------------------------------


@dataclass(frozen=True)
class EntryFilter:
    """Search criteria; all optional, combined with AND. ``until`` is exclusive."""

    member: str | None = None
    team: str | None = None
    organisation: str | None = None
    action: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    subject_key: bytes | None = None
    client: str | None = None  # the OAuth client, e.g. a connector's client id
    sequenced: bool | None = None  # only entries with (True) or without (False) a leaf index


_Statement = TypeVar("_Statement", bound="Select[*tuple[Any, ...]]")


def _filtered(statement: _Statement, where: EntryFilter) -> _Statement:
    conditions = []
    if where.member is not None:
        conditions.append(AuditEntry.actor_sub == where.member)
    if where.team is not None:
        conditions.append(AuditEntry.actor_team == where.team)
    if where.organisation is not None:
        conditions.append(AuditEntry.actor_organisation == where.organisation)
    if where.action is not None:
        conditions.append(AuditEntry.action == where.action)
    if where.outcome == "refused":
        # inline, so PostgreSQL's generic plans can use the partial index on refused entries
        conditions.append(AuditEntry.outcome == literal("refused", literal_execute=True))
    elif where.outcome is not None:
        conditions.append(AuditEntry.outcome == where.outcome)
    if where.since is not None:
        conditions.append(AuditEntry.at >= where.since)
    if where.until is not None:
        conditions.append(AuditEntry.at < where.until)
    if where.subject_key is not None:
        conditions.append(AuditEntry.subject_key == where.subject_key)
    if where.client is not None:
        conditions.append(AuditEntry.client_id == where.client)
    if where.sequenced is not None:
        conditions.append(
            AuditEntry.leaf_index.is_not(None)
            if where.sequenced
            else AuditEntry.leaf_index.is_(None)
        )
    return statement.where(*conditions)


def search(
    session: Session, where: EntryFilter, *, limit: int, after_seq: int = 0
) -> Sequence[AuditEntry]:
    """Matching entries in write order, a page at a time (keyset on ``seq``)."""
    statement = _filtered(select(AuditEntry), where).where(AuditEntry.seq > after_seq)
    return session.scalars(statement.order_by(AuditEntry.seq).limit(limit)).all()


def most_frequent_subjects(
    session: Session, where: EntryFilter, *, limit: int
) -> list[tuple[bytes, int]]:
    """(subject key, entries) of the ``limit`` subjects with the most matching entries, as
    the columns read, most first, then by key: counted in the database."""
    count = func.count().label("entries")
    statement = (
        _filtered(select(AuditEntry.subject_key, count), where)
        .where(AuditEntry.subject_key.is_not(None))
        .group_by(AuditEntry.subject_key)
        .order_by(count.desc(), AuditEntry.subject_key)
        .limit(limit)
    )
    return [(key, int(entries)) for key, entries in session.execute(statement) if key]


def iter_entries(session: Session, where: EntryFilter, *, batch: int = 1000) -> Iterator[Row[Any]]:
    """Every matching entry in write order, as Core rows, streamed (for reports, the inzage
    and alerts, which read them through the sieve): ORM objects cost 1.7 times as much."""
    entries = cast(Table, AuditEntry.__table__)
    statement = _filtered(select(entries), where).order_by(entries.c.seq)
    yield from session.execute(statement.execution_options(yield_per=batch))


def follow_ups(
    session: Session,
    *,
    organisation: str,
    actions: Sequence[str],
    subject_keys: Iterable[bytes],
    until: datetime,
    chunk: int = 500,
) -> Iterator[Row[Any]]:
    """The organisation's allowed ``actions`` on those subjects before ``until``, in write
    order per chunk of subjects: lookups in the subject index, where reading every such
    entry of the organisation read years of them for a month's report."""
    keys = sorted(set(subject_keys))
    for start in range(0, len(keys), chunk):
        statement = (
            select(cast(Table, AuditEntry.__table__))
            .where(
                AuditEntry.subject_key.in_(keys[start : start + chunk]),
                AuditEntry.actor_organisation == organisation,
                AuditEntry.action.in_(actions),
                AuditEntry.outcome == "allowed",
                AuditEntry.at < until,
            )
            .order_by(AuditEntry.seq)
        )
        yield from session.execute(statement.execution_options(yield_per=1000))


def registered_subject_keys(
    session: Session, *, team_slugs: Sequence[str], subject_keys: Iterable[bytes]
) -> set[tuple[str, bytes]]:
    """(team slug, subject key) of every flag registration those teams made on those
    subjects, per the log: a lookup per subject in the partial index on registrations,
    instead of every registration those teams ever made (millions in a long log)."""
    keys = sorted(set(subject_keys))
    if not team_slugs or not keys:
        return set()
    found: set[tuple[str, bytes]] = set()
    for start in range(0, len(keys), 500):
        statement = select(AuditEntry.actor_team, AuditEntry.subject_key).where(
            # inline, so PostgreSQL's generic plans can use the partial index
            AuditEntry.action == literal(Action.FLAG_REGISTER.value, literal_execute=True),
            AuditEntry.outcome == literal("allowed", literal_execute=True),
            AuditEntry.subject_key.in_(keys[start : start + 500]),
            AuditEntry.actor_team.in_(team_slugs),
        )
        found |= {(team, key) for team, key in session.execute(statement) if team and key}
    return found


# --- the hourly counts -------------------------------------------------------------------


def add_hour_counts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add ``entries`` to each row's hour cell, creating it if new: one statement."""
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(AuditHourCount)
    statement = statement.on_conflict_do_update(
        index_elements=[
            AuditHourCount.organisation,
            AuditHourCount.hour,
            AuditHourCount.action,
            AuditHourCount.member,
            AuditHourCount.team,
            AuditHourCount.client,
            AuditHourCount.outcome,
        ],
        set_={"entries": AuditHourCount.entries + statement.excluded.entries},
    )
    session.execute(statement, list(rows))


def hour_count_totals(
    session: Session,
    *,
    organisation: str,
    since: datetime,
    until: datetime,
    action: str | None = None,
    client: str | None = None,
    zone: str | None = None,
    unit: str | None = None,
) -> list[tuple[datetime | None, str, str, str, int]]:
    """(period, member, team, outcome, entries) of ``organisation`` over the hours starting
    in [since, until), summed in the database: a year of a busy organisation is a million
    cells, its totals a few thousand rows.

    ``unit`` (``day`` or ``week``, in ``zone``) sums per period: PostgreSQL truncates each
    hour in the zone and ``period`` is the local start of the day or week; SQLite knows no
    zones, so it sums per hour and ``period`` is the hour (the caller maps it). Without a
    unit, ``period`` is None.
    """
    cells = AuditHourCount
    hour: Any = None
    if unit is not None:
        hour = cells.hour
        if session.get_bind().dialect.name == "postgresql":
            hour = func.date_trunc(unit, func.timezone(zone, cells.hour))
    keys = [cells.member, cells.team, cells.outcome] + ([hour] if hour is not None else [])
    statement = (
        select(*keys, func.sum(cells.entries))
        .where(
            cells.organisation == organisation,
            cells.hour >= since,
            cells.hour < until,
        )
        .group_by(*keys)
    )
    if action is not None:
        statement = statement.where(cells.action == action)
    if client is not None:
        statement = statement.where(cells.client == client)
    return [
        (row[3] if hour is not None else None, row[0], row[1], row[2], int(row[-1]))
        for row in session.execute(statement)
    ]


# --- the first follow-ups ---------------------------------------------------------------


def subject_links(session: Session, seqs: Sequence[int]) -> dict[int, tuple[bytes, bytes]]:
    """seq to (subject key, salt) of those entries that still carry both."""
    found: dict[int, tuple[bytes, bytes]] = {}
    for start in range(0, len(seqs), 500):
        statement = select(AuditEntry.seq, AuditEntry.subject_key, AuditEntry.subject_salt).where(
            AuditEntry.seq.in_(seqs[start : start + 500])
        )
        found |= {seq: (key, salt) for seq, key, salt in session.execute(statement) if key and salt}
    return found


def add_first_follow_ups(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Merge each row into ``audit_first_follow_ups``, keeping the earlier ``first_at``."""
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(AuditFirstFollowUp)
    kept = AuditFirstFollowUp.first_at
    statement = statement.on_conflict_do_update(
        index_elements=[
            AuditFirstFollowUp.organisation,
            AuditFirstFollowUp.team,
            AuditFirstFollowUp.subject_key,
        ],
        set_={
            "first_at": case(
                (statement.excluded.first_at < kept, statement.excluded.first_at), else_=kept
            )
        },
    )
    session.execute(statement, list(rows))


def _follow_up_entries() -> list[Any]:
    return [
        AuditEntry.action.in_([Action.FLAG_REGISTER.value, Action.CONTACT_REQUEST_CREATE.value]),
        AuditEntry.outcome == "allowed",
        AuditEntry.actor_organisation.is_not(None),
        AuditEntry.actor_team.is_not(None),
        AuditEntry.subject_key.is_not(None),
        AuditEntry.subject_salt.is_not(None),
        AuditEntry.leaf_index.is_not(None),
    ]


def follow_up_keys(session: Session, seqs: Sequence[int]) -> set[tuple[str, str, bytes]]:
    """(organisation, team, subject key) of the sequenced follow-ups among ``seqs``."""
    found: set[tuple[str, str, bytes]] = set()
    for start in range(0, len(seqs), 500):
        statement = select(
            AuditEntry.actor_organisation, AuditEntry.actor_team, AuditEntry.subject_key
        ).where(AuditEntry.seq.in_(seqs[start : start + 500]), *_follow_up_entries())
        found |= {
            (org, team, key)
            for org, team, key in session.execute(statement)
            if org and team and key
        }
    return found


def refresh_first_follow_ups(session: Session, keys: set[tuple[str, str, bytes]]) -> None:
    """Recompute the rows of ``keys`` from the entries that still carry their subject key
    (retention erased some): the next follow-up becomes the first, or the row goes. Two
    statements per 500 keys."""
    table = AuditFirstFollowUp
    ordered = sorted(keys)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        session.execute(
            delete(table).where(
                tuple_(table.organisation, table.team, table.subject_key).in_(chunk)
            )
        )
        firsts = (
            select(
                AuditEntry.actor_organisation,
                AuditEntry.actor_team,
                AuditEntry.subject_key,
                func.min(AuditEntry.at),
            )
            .where(
                AuditEntry.subject_key.in_(sorted({key for _, _, key in chunk})),
                tuple_(
                    AuditEntry.actor_organisation, AuditEntry.actor_team, AuditEntry.subject_key
                ).in_(chunk),
                *_follow_up_entries(),
            )
            .group_by(AuditEntry.actor_organisation, AuditEntry.actor_team, AuditEntry.subject_key)
        )
        session.execute(
            insert(table).from_select(["organisation", "team", "subject_key", "first_at"], firsts)
        )


@dataclass(frozen=True)
class FollowUpTotal:
    """A member's allowed checks with one team in a period, by how they were followed up."""

    member: str
    team: str
    first_seq: int
    checks: int
    pending: int
    without_follow_up: int


def _deadline(session: Session, at: Any, days: int) -> Any:
    """``at`` plus ``days`` days, in SQL (SQLite keeps ``at`` as text with microseconds)."""
    if session.get_bind().dialect.name == "postgresql":
        # hours, not days: PostgreSQL adds days in the session's zone (23 or 25 hours across
        # a change of summer time), where Python adds 24 hours each
        return at + func.make_interval(0, 0, 0, 0, days * 24, type_=Interval())
    return func.strftime("%Y-%m-%d %H:%M:%S", at, f"+{days} days").concat(func.substr(at, 20))


def _follow_up_states(
    session: Session, where: EntryFilter, *, window_days: int, now: datetime
) -> Any:
    """Each allowed check ``where`` selects (with a team and a subject key), with its state:
    ``done`` (the team's first follow-up lies before the window's end), ``pending`` (the
    window is still open), ``held`` (the team holds a flag on the subject the log has no
    follow-up of) or ``without``; as ``reports.checks_without_follow_up`` pairs them."""
    assert where.organisation is not None and where.until is not None
    window = timedelta(days=window_days)
    firsts = AuditFirstFollowUp
    # entries not yet sequenced are not in the first follow-ups: their own earliest
    waiting = (
        select(
            AuditEntry.actor_team.label("team"),
            AuditEntry.subject_key.label("subject_key"),
            func.min(AuditEntry.at).label("first_at"),
        )
        .where(
            AuditEntry.leaf_index.is_(None),
            AuditEntry.actor_organisation == where.organisation,
            AuditEntry.action.in_(
                [Action.FLAG_REGISTER.value, Action.CONTACT_REQUEST_CREATE.value]
            ),
            AuditEntry.outcome == "allowed",
            AuditEntry.actor_team.is_not(None),
            AuditEntry.subject_key.is_not(None),
            AuditEntry.subject_salt.is_not(None),
        )
        .group_by(AuditEntry.actor_team, AuditEntry.subject_key)
        .subquery()
    )
    deadline = _deadline(session, AuditEntry.at, window_days)
    horizon = where.until + window  # the old pairing read follow-ups up to here only
    held = (
        select(Flag.id)
        .join(Team, Team.id == Flag.team_id)
        .where(Team.slug == AuditEntry.actor_team, Flag.subject_key == AuditEntry.subject_key)
        .exists()
    )
    unrecorded = and_(
        or_(firsts.first_at.is_(None), firsts.first_at >= horizon),
        or_(waiting.c.first_at.is_(None), waiting.c.first_at >= horizon),
    )
    state = case(
        (firsts.first_at <= deadline, "done"),
        (waiting.c.first_at <= deadline, "done"),
        (AuditEntry.at > now - window, "pending"),
        (and_(unrecorded, held), "held"),
        else_="without",
    )
    checks = dataclasses.replace(where, action=Action.CHECK, outcome="allowed")
    statement = (
        _filtered(
            select(
                AuditEntry.seq, AuditEntry.actor_sub, AuditEntry.actor_team, state.label("state")
            ),
            checks,
        )
        .outerjoin(
            firsts,
            and_(
                firsts.organisation == AuditEntry.actor_organisation,
                firsts.team == AuditEntry.actor_team,
                firsts.subject_key == AuditEntry.subject_key,
            ),
        )
        .outerjoin(
            waiting,
            and_(
                waiting.c.team == AuditEntry.actor_team,
                waiting.c.subject_key == AuditEntry.subject_key,
            ),
        )
        .where(
            AuditEntry.actor_team.is_not(None),
            AuditEntry.subject_key.is_not(None),
            AuditEntry.subject_salt.is_not(None),
        )
    )
    return statement.subquery()


def follow_up_totals(
    session: Session, where: EntryFilter, *, window_days: int, now: datetime
) -> list[FollowUpTotal]:
    """Per member and team, the checks ``where`` selects and how many are pending or without
    follow-up, counted in the database (as the columns state them)."""
    states = _follow_up_states(session, where, window_days=window_days, now=now)
    # grouped by state, so that each check's state is computed once (summing a CASE per
    # state repeats the expression, its flag lookup included)
    keys = [states.c.actor_sub, states.c.actor_team, states.c.state]
    statement = select(*keys, func.min(states.c.seq), func.count()).group_by(*keys)
    totals: dict[tuple[str, str], FollowUpTotal] = {}
    for row in session.execute(statement):
        member, team, state, first, checks = row[0], row[1], row[2], row[3], row[4]
        total = totals.get((member, team), FollowUpTotal(member, team, int(first), 0, 0, 0))
        totals[(member, team)] = dataclasses.replace(
            total,
            first_seq=min(total.first_seq, int(first)),
            checks=total.checks + int(checks),
            pending=total.pending + (int(checks) if state == "pending" else 0),
            without_follow_up=total.without_follow_up + (int(checks) if state == "without" else 0),
        )
    return list(totals.values())


def checks_without_follow_up(
    session: Session, where: EntryFilter, *, window_days: int, now: datetime, per_member: int
) -> Iterator[Row[Any]]:
    """The newest ``per_member`` checks without follow-up of each member, in write order,
    as Core rows (the report reads them through the sieve)."""
    states = _follow_up_states(session, where, window_days=window_days, now=now)
    rank = (
        func.row_number()
        .over(partition_by=states.c.actor_sub, order_by=states.c.seq.desc())
        .label("rank")
    )
    ranked = select(states.c.seq, rank).where(states.c.state == "without").subquery()
    seqs = sorted(session.scalars(select(ranked.c.seq).where(ranked.c.rank <= per_member)))
    yield from _entries_by_seq(session, seqs)


@dataclass(frozen=True)
class OfficeHours:
    """Office hours as the database tests them: ``days`` are ISO weekdays (Monday 1)."""

    zone: str
    days: tuple[int, ...]
    start: time
    end: time


def knows_time_zones(session: Session) -> bool:
    """Whether the database converts times to a zone (PostgreSQL; SQLite does not)."""
    return session.get_bind().dialect.name == "postgresql"


def _in_hours(
    column: Any,
    hours: Sequence[tuple[datetime, datetime]],
    office: OfficeHours | None,
    inside: bool,
) -> Any:
    """``column`` inside the ``hours`` ranges; with ``office``, inside the one range of
    ``hours`` and inside (or outside) office hours, in the zone (one test per row, where
    a range per office day costs a test per day and row)."""
    if office is None:
        return or_(*(and_(column >= start, column < end) for start, end in hours))
    [(first, last)] = hours
    local = func.timezone(office.zone, column)
    at_office = and_(
        extract("isodow", local).in_(office.days),
        sql_cast(local, Time) >= office.start,
        sql_cast(local, Time) < office.end,
    )
    return and_(column >= first, column < last, at_office if inside else not_(at_office))


def hour_count_sums(
    session: Session,
    *,
    organisation: str,
    hours: Sequence[tuple[datetime, datetime]],
    office: OfficeHours | None = None,
    inside: bool = True,
    client: str | None = None,
) -> list[tuple[str, str, str, int]]:
    """(member, team, action, entries) of ``organisation`` over the hours starting inside
    the ``hours`` ranges (whole hours; with ``office``, see ``_in_hours``), summed in the
    database."""
    if not hours:
        return []
    cells = AuditHourCount
    keys = [cells.member, cells.team, cells.action]
    statement = (
        select(*keys, func.sum(cells.entries))
        .where(cells.organisation == organisation, _in_hours(cells.hour, hours, office, inside))
        .group_by(*keys)
    )
    if client is not None:
        statement = statement.where(cells.client == client)
    return [(row[0], row[1], row[2], int(row[3])) for row in session.execute(statement)]


def newest_entries_in(
    session: Session,
    where: EntryFilter,
    *,
    hours: Sequence[tuple[datetime, datetime]],
    office: OfficeHours | None = None,
    inside: bool = True,
    per_member: int,
) -> Iterator[Row[Any]]:
    """The newest ``per_member`` sequenced entries of each member ``where`` selects inside
    the ``hours`` (as ``hour_count_sums`` selects), in write order, as Core rows."""
    if not hours:
        return
    rank = (
        func.row_number()
        .over(partition_by=AuditEntry.actor_sub, order_by=AuditEntry.seq.desc())
        .label("rank")
    )
    ranked = (
        _filtered(select(AuditEntry.seq, rank), dataclasses.replace(where, sequenced=True))
        .where(_in_hours(AuditEntry.at, hours, office, inside))
        .subquery()
    )
    seqs = sorted(session.scalars(select(ranked.c.seq).where(ranked.c.rank <= per_member)))
    yield from _entries_by_seq(session, seqs)


def _entries_by_seq(session: Session, seqs: Sequence[int]) -> Iterator[Row[Any]]:
    entries = cast(Table, AuditEntry.__table__)
    for start in range(0, len(seqs), 1000):
        statement = (
            select(entries)
            .where(entries.c.seq.in_(seqs[start : start + 1000]))
            .order_by(entries.c.seq)
        )
        yield from session.execute(statement)


def team_names(session: Session) -> dict[str, str]:
    return {slug: name for slug, name in session.execute(select(Team.slug, Team.name))}


def organisation_names(session: Session) -> dict[str, str]:
    statement = select(Organisation.slug, Organisation.name)
    return {slug: name for slug, name in session.execute(statement)}


# --- alerts ------------------------------------------------------------------------------


def alert_watermark(session: Session) -> AuditAlertWatermark | None:
    return session.get(AuditAlertWatermark, WATERMARK_ROW)


def set_alert_watermark(session: Session, *, tree_size: int, evaluated_until: datetime) -> None:
    row = session.get(AuditAlertWatermark, WATERMARK_ROW)
    if row is None:
        row = AuditAlertWatermark(id=WATERMARK_ROW)
        session.add(row)
    row.tree_size, row.evaluated_until = tree_size, evaluated_until
    session.flush()


def members_with_new_checks(session: Session, *, from_leaf_index: int, after: datetime) -> set[str]:
    """Members with a check sequenced at or after ``from_leaf_index``, not sequenced yet, or
    dated after ``after``: three index range scans over the entries since the watermark
    (the unique leaf index, the partial index of unsequenced entries, ``at``)."""
    check = AuditEntry.action == Action.CHECK.value
    members = select(AuditEntry.actor_sub).distinct()
    found: set[str] = set()
    for since_watermark in (
        AuditEntry.leaf_index >= from_leaf_index,
        AuditEntry.leaf_index.is_(None),
        AuditEntry.at > after,
    ):
        found.update(session.scalars(members.where(since_watermark, check)))
    return found


def members_with_alerts(
    session: Session, *, rules: Sequence[str], status: str, ending_after: datetime
) -> set[str]:
    """Members with an alert of one of ``rules`` in ``status`` whose window ends after
    ``ending_after`` (the inbox is small: no index needed)."""
    statement = select(AuditAlert.actor_sub).where(
        AuditAlert.rule.in_(rules),
        AuditAlert.status == status,
        AuditAlert.window_end > ending_after,
    )
    return set(session.scalars(statement.distinct()))


def add_alert(session: Session, alert: AuditAlert) -> None:
    session.add(alert)
    session.flush()


def alert_overlapping(
    session: Session, *, rule: str, member: str, start: datetime, end: datetime
) -> AuditAlert | None:
    """An alert of ``rule`` on ``member`` whose window overlaps [start, end]."""
    statement = (
        select(AuditAlert)
        .where(
            AuditAlert.rule == rule,
            AuditAlert.actor_sub == member,
            AuditAlert.window_start <= end,
            AuditAlert.window_end >= start,
        )
        .limit(1)
    )
    return session.scalars(statement).one_or_none()


def open_alert_near(
    session: Session, *, rule: str, member: str, start: datetime, end: datetime
) -> AuditAlert | None:
    """An open alert of ``rule`` on ``member`` whose window overlaps [start, end]."""
    statement = (
        select(AuditAlert)
        .where(
            AuditAlert.rule == rule,
            AuditAlert.actor_sub == member,
            AuditAlert.status == "open",
            AuditAlert.window_start <= end,
            AuditAlert.window_end >= start,
        )
        .order_by(AuditAlert.window_end.desc())
        .limit(1)
    )
    return session.scalars(statement).one_or_none()


def alerts_of(session: Session, *, rule: str, organisation: str) -> Sequence[AuditAlert]:
    """Every alert of ``rule`` for ``organisation``, newest first."""
    statement = (
        select(AuditAlert)
        .where(AuditAlert.rule == rule, AuditAlert.actor_organisation == organisation)
        .order_by(AuditAlert.created_at.desc())
    )
    return session.scalars(statement).all()


def organisation_slugs(session: Session) -> list[str]:
    return list(session.scalars(select(Organisation.slug).order_by(Organisation.slug)))


def list_alerts(
    session: Session, *, organisation: str, status: str | None, limit: int, offset: int
) -> Sequence[AuditAlert]:
    statement = select(AuditAlert).where(AuditAlert.actor_organisation == organisation)
    if status is not None:
        statement = statement.where(AuditAlert.status == status)
    statement = statement.order_by(AuditAlert.created_at.desc(), AuditAlert.id)
    return session.scalars(statement.limit(limit).offset(offset)).all()


def get_alert(session: Session, alert_id: uuid.UUID) -> AuditAlert | None:
    return session.get(AuditAlert, alert_id)


def sequencing_lag(session: Session) -> tuple[int, datetime | None]:
    """How many committed entries wait for a leaf index, and when the oldest was written
    (the partial index ``ix_audit_entries_unsequenced`` keeps this cheap)."""
    statement = select(func.count(), func.min(AuditEntry.at)).where(AuditEntry.leaf_index.is_(None))
    count, oldest = session.execute(statement).one()
    return int(count), oldest
