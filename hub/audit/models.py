"""The verwerkingslog: one row per processing, appended in the action's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, BigIntegerKey, UTCDateTime


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        # A member's or a subject's entries in write order: a search page (keyset on seq)
        # and an inzage are index range scans, however long the log (migration 0015).
        Index("ix_audit_entries_subject_key_seq", "subject_key", "seq"),
        Index("ix_audit_entries_actor_sub_seq", "actor_sub", "seq"),
        # A member's recent checks (the alert rules' windows), however long their history
        # (migration 0017).
        Index("ix_audit_entries_actor_sub_at", "actor_sub", "at"),
        # A report reads one organisation's period, not every organisation's (on a shared
        # hub, a twentieth of the rows ``ix_audit_entries_at`` would give).
        Index("ix_audit_entries_organisation_at", "actor_organisation", "at"),
        Index("ix_audit_entries_at", "at"),
        Index("ix_audit_entries_actor_team", "actor_team"),
        # The sequencer's work queue: committed entries that have no leaf index yet.
        Index(
            "ix_audit_entries_unsequenced",
            "seq",
            sqlite_where=text("leaf_index IS NULL"),
            postgresql_where=text("leaf_index IS NULL"),
        ),
        # Whether a team ever registered a flag on a subject (alerts): registrations only.
        Index(
            "ix_audit_entries_registered_subject",
            "subject_key",
            "actor_team",
            sqlite_where=text("action = 'flag.register' AND outcome = 'allowed'"),
            postgresql_where=text("action = 'flag.register' AND outcome = 'allowed'"),
        ),
        # The refusals report reads only refused entries: a small part of the log.
        Index(
            "ix_audit_entries_refused_at",
            "actor_organisation",
            "at",
            sqlite_where=text("outcome = 'refused'"),
            postgresql_where=text("outcome = 'refused'"),
        ),
    )

    seq: Mapped[int] = mapped_column(BigIntegerKey, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    action: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    actor_sub: Mapped[str] = mapped_column(String(200))
    actor_organisation: Mapped[str | None] = mapped_column(String(64))
    actor_team: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    client_id: Mapped[str | None] = mapped_column(String(200))
    # Erasable after retention: the leaf keeps only a salted commitment to the subject.
    subject_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    subject_salt: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    purpose: Mapped[str | None] = mapped_column(String(64))
    case_ref: Mapped[str | None] = mapped_column(String(100))
    object_id: Mapped[str | None] = mapped_column(String(64))
    rule_id: Mapped[str | None] = mapped_column(String(64))
    legal_basis: Mapped[str | None] = mapped_column(String(64))
    policy_version: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    trace_id: Mapped[str | None] = mapped_column(String(64))
    leaf: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    # Assigned by the sequencer once committed, so the tree has no gaps.
    leaf_index: Mapped[int | None] = mapped_column(BigIntegerKey, unique=True)


class AuditHourCount(Base):
    """How many sequenced entries each hour holds, per member, action, outcome and client.

    Kept by the sequencer in the transaction that gives the entries their leaf index, from
    the signed leaves (not the columns), one statement per batch; reports read whole hours
    here instead of every entry (``reports.py``). Hours are UTC hours: in a zone whose
    offset is whole hours (Europe/Amsterdam) each lies inside one local day and one local
    hour. Empty organisation, team or client is stored as ``''`` (a key column has no NULL).
    """

    __tablename__ = "audit_hour_counts"

    organisation: Mapped[str] = mapped_column(String(64), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    action: Mapped[str] = mapped_column(String(64), primary_key=True)
    member: Mapped[str] = mapped_column(String(200), primary_key=True)
    team: Mapped[str] = mapped_column(String(64), primary_key=True)
    client: Mapped[str] = mapped_column(String(200), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)
    entries: Mapped[int] = mapped_column(BigInteger)


class AuditFirstFollowUp(Base):
    """When a team first followed up on a subject (a flag registration or contact request).

    Kept by the sequencer in the transaction that gives the entries their leaf index, from
    the signed leaves, as ``audit_hour_counts`` is; backfilled by migration 0016. The
    ``checks-without-follow-up`` report pairs each check with this one row (a follow-up at
    any time up to the check's window counts) instead of reading the team's follow-ups on
    every checked subject. Retention, which erases an entry's subject key, recomputes the
    rows of the keys it erases (``refresh_first_follow_ups``).
    """

    __tablename__ = "audit_first_follow_ups"

    organisation: Mapped[str] = mapped_column(String(64), primary_key=True)
    team: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_key: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditTree(Base):
    """The single row that sequences the log: a lock target and the tree's compact range.

    Sequencers lock this row (``SELECT ... FOR UPDATE`` on PostgreSQL) before they assign
    leaf indexes, so several hub processes append to one gap-free tree.
    """

    __tablename__ = "audit_tree"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    # JSON of crypto.merkle.CompactRange.to_dict(): O(log n) subtree roots.
    compact_range: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditTile(Base):
    """Stored interior nodes of the tree: one C2SP tlog-tiles tile (``crypto/tiles.py``).

    ``hashes`` holds ``width`` (≤ 256) 32-byte hashes at height ``8·level``, from node
    ``256·tile_index`` on: level 0 the leaf hashes, level 1 the roots of each 256 leaves, ...
    Written by the sequencer in the transaction that advances the tree; the last tile of a
    level grows (is rewritten) until it is full, then never changes. Proofs read O(log n)
    of them instead of every leaf hash.
    """

    __tablename__ = "audit_tiles"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    tile_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hashes: Mapped[bytes] = mapped_column(LargeBinary)


class AuditCheckpoint(Base):
    """A signed tree head (C2SP tlog-checkpoint note) at one tree size."""

    __tablename__ = "audit_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditAlert(Base):
    """A probing pattern found in the log, waiting in the privacy officer's inbox."""

    __tablename__ = "audit_alerts"
    __table_args__ = (Index("ix_audit_alerts_created_at", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    rule: Mapped[str] = mapped_column(String(64))
    # One alert per rule, member and window: evaluating twice does not duplicate it.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    actor_sub: Mapped[str] = mapped_column(String(200))
    actor_organisation: Mapped[str | None] = mapped_column(String(64))
    actor_team: Mapped[str | None] = mapped_column(String(64))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    detail: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))


class AuditAlertWatermark(Base):
    """The single row saying how far the alert evaluation got (``alerts.py``).

    Advanced in the transaction that stores the alerts, so a rolled-back evaluation leaves
    it where it was. No row: nothing evaluated yet (the first evaluation reads the window).
    """

    __tablename__ = "audit_alert_watermark"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Every entry with a leaf index below this was evaluated.
    tree_size: Mapped[int] = mapped_column(BigInteger)
    # The latest ``now`` evaluated: entries with a later ``at`` were not (yet) in a window.
    evaluated_until: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditIntegrity(Base):
    """The single row holding the last verdict on the log as a whole (``hub/audit/status.py``).

    In the database rather than in a process, so every hub process's ``/health`` reports
    what any of them, or ``betrokken audit check``, found.
    """

    __tablename__ = "audit_integrity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(16))
    # JSON list of integrity.Fault.to_dict(): positions and column names, never content.
    faults: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_size: Mapped[int | None] = mapped_column(BigInteger)
