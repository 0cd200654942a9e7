"""The sequencer: gives committed audit entries a gap-free leaf index and signs checkpoints.

``record()`` only inserts a row (``seq`` from the database, ``leaf_index`` empty), so the
action's transaction never waits for the tree. A sequencer pass then, in one short
transaction of its own:

1. locks the single ``audit_tree`` row (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite
   the database's one write lock), so any number of hub processes append to one tree;
2. reads committed entries without a leaf index in ``seq`` order and numbers them on from
   the tree size, recomputing each RFC 9162 leaf hash from the stored leaf text;
3. adds the batch to the hourly counts the reports read (``hour_counts.py``), in one
   statement, from the leaves, and its flag registrations and contact requests to the
   teams' first follow-ups (``follow_ups.py``);
4. appends those hashes to the compact range kept in the row (O(log n) per append) and to
   the stored tiles (``tiles.py``: the partial tile of each level is read and rewritten,
   full ones are added), so proofs read O(log n) tiles instead of every leaf hash;
5. signs a C2SP checkpoint when ``audit_checkpoint_every_entries`` new leaves or
   ``audit_checkpoint_every_seconds`` have passed since the last one (the first as soon as
   the tree is not empty), or when asked (``force_checkpoint``).

Leaf order is commit order, not strictly ``seq`` order: an entry whose transaction commits
after a later ``seq`` was sequenced simply gets the next free index. Gap-freeness and
uniqueness come from the lock and the unique ``leaf_index`` column.

It runs in each hub process every ``audit_sequencer_interval_seconds`` (hub/background.py),
in the officer's transaction before the log is read (``catch_up``, hub/audit/oversight.py),
and from ``betrokken audit checkpoint``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from crypto.checkpoint import Checkpoint, CheckpointSigner
from crypto.merkle import CompactRange, hash_leaf
from crypto.tiles import TileError
from hub.audit import follow_ups, hour_counts, repository, tiles
from hub.audit.models import AuditCheckpoint
from hub.clock import Clock
from hub.errors import AuditUnavailable
from hub.settings import Settings
from hub.transactions import transaction


class AuditTreeError(AuditUnavailable):
    """The stored tree state or an entry does not add up; sequencing stops."""

    code = "audit_tree_inconsistent"
    title = "Audit tree inconsistent; nothing was done"


@dataclass(frozen=True)
class CheckpointPolicy:
    every_entries: int
    every_seconds: float


@dataclass(frozen=True)
class Sequencer:
    """What a pass needs: the key that signs checkpoints, when to sign, and its batch size."""

    signer: CheckpointSigner
    policy: CheckpointPolicy
    batch: int

    @classmethod
    def of(cls, settings: Settings, signer: CheckpointSigner) -> Sequencer:
        policy = CheckpointPolicy(
            every_entries=settings.audit_checkpoint_every_entries,
            every_seconds=settings.audit_checkpoint_every_seconds,
        )
        return cls(signer=signer, policy=policy, batch=settings.audit_sequencer_batch)


@dataclass(frozen=True)
class SequencerRun:
    appended: int
    size: int
    root: bytes
    checkpoint: AuditCheckpoint | None
    """The checkpoint signed in this pass, if any."""


def checkpoint_due(
    *, size: int, latest: AuditCheckpoint | None, now: datetime, policy: CheckpointPolicy
) -> bool:
    """Whether a new checkpoint should be signed at ``size``."""
    if latest is None:
        return size > 0
    if size <= latest.size:
        return False
    waited = (now - latest.created_at).total_seconds()
    return size - latest.size >= policy.every_entries or waited >= policy.every_seconds


def sequence(
    session: Session, sequencer: Sequencer, *, now: datetime, force_checkpoint: bool = False
) -> SequencerRun:
    """One pass: number up to ``batch`` pending entries and sign a checkpoint when due.

    Must be the first thing in a fresh transaction (it takes the tree lock); never commits.
    """
    signer, policy, batch = sequencer.signer, sequencer.policy, sequencer.batch
    tree = repository.lock_tree(session)
    try:
        compact = CompactRange.from_dict(json.loads(tree.compact_range))
    except ValueError as error:
        raise AuditTreeError(f"the stored compact range is malformed: {error}") from None
    if compact.size != tree.size:
        raise AuditTreeError("the stored compact range does not match the tree size")
    pending = repository.unsequenced(session, limit=batch)
    assignments: list[tuple[int, int]] = []
    for seq, leaf, stored_hash in pending:
        leaf_hash = hash_leaf(leaf.encode("utf-8"))
        if leaf_hash != stored_hash:
            raise AuditTreeError(f"audit entry {seq}: its leaf hash does not match its leaf")
        assignments.append((seq, compact.size))
        compact.append(leaf_hash)
    if assignments:
        try:
            tiles.append(session, size=tree.size, leaf_hashes=[h for _, _, h in pending])
        except TileError as error:
            raise AuditTreeError(
                f"the stored tiles do not fit the tree ({error}): run "
                "`betrokken audit tiles rebuild`"
            ) from None
        repository.assign_leaf_indexes(session, assignments)
        repository.add_hour_counts(
            session, hour_counts.counts_of_leaves(leaf for _, leaf, _ in pending)
        )
        repository.add_first_follow_ups(
            session, follow_ups.first_follow_ups(session, [(seq, leaf) for seq, leaf, _ in pending])
        )
        tree.size = compact.size
        tree.compact_range = json.dumps(compact.to_dict(), separators=(",", ":"))
        tree.updated_at = now
        session.flush()
    signed = None
    latest = repository.latest_checkpoint(session)
    due = checkpoint_due(size=compact.size, latest=latest, now=now, policy=policy)
    # Forced only once the queue is drained, so a long backlog does not sign every batch.
    drained = len(pending) < batch
    forced = force_checkpoint and drained and (latest is None or latest.size < compact.size)
    if due or forced:
        signed = sign_checkpoint(session, signer=signer, compact=compact, now=now)
    return SequencerRun(
        appended=len(assignments), size=compact.size, root=compact.root(), checkpoint=signed
    )


def sign_checkpoint(
    session: Session, *, signer: CheckpointSigner, compact: CompactRange, now: datetime
) -> AuditCheckpoint:
    root = compact.root()
    note = signer.sign(Checkpoint(origin=signer.key_name, size=compact.size, root_hash=root))
    checkpoint = AuditCheckpoint(size=compact.size, root_hash=root, note=note, created_at=now)
    repository.add_checkpoint(session, checkpoint)
    return checkpoint


def run_sequencer(
    sessions: sessionmaker[Session],
    sequencer: Sequencer,
    *,
    clock: Clock,
    force_checkpoint: bool = False,
) -> SequencerRun:
    """Sequence everything pending, one short transaction per batch; optionally sign at the end.

    This is a job, not a service: it owns its transactions (like the retention run).
    """
    appended = 0
    signed: AuditCheckpoint | None = None
    while True:
        with transaction(sessions) as session:
            run = sequence(session, sequencer, now=clock.now(), force_checkpoint=force_checkpoint)
        appended += run.appended
        signed = run.checkpoint or signed
        if run.appended < sequencer.batch:
            return SequencerRun(appended=appended, size=run.size, root=run.root, checkpoint=signed)


def catch_up(
    session: Session, sequencer: Sequencer, *, now: datetime, force_checkpoint: bool = False
) -> None:
    """Sequence everything pending in the caller's transaction, before the log is read;
    with ``force_checkpoint``, sign a checkpoint over all of it (an export's).

    Must be the first thing in the transaction (it takes the tree lock).
    """
    while (
        sequence(session, sequencer, now=now, force_checkpoint=force_checkpoint).appended
        == sequencer.batch
    ):
        pass
