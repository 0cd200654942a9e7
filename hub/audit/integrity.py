"""Each entry as its signed leaf states it, and the faults found where the table disagrees.

The leaf (canonical JSON, ``service.new_entry``) is what the tree commits to; the other
columns of ``audit_entries`` are copies kept for searching. Anyone who can write to the
table can change a column without touching the leaf, and a fresh export still verifies.
So whatever an officer is shown is read through :func:`signed`: the values come from the
leaf, and every column that disagrees with it is named, so the entry is marked
``tampered`` and the officers are told (``alerts.raise_integrity_alert``). Comparing a
row with its parsed leaf and hashing that leaf costs tens of microseconds (about 70 µs on
the test machine: reading the columns and parsing the leaf), paid for the entries a read
shows or counts; the whole tree is recomputed only by the periodic check (``log_check.py``).

A subject key and salt that are both empty are not tampering: retention erases them
together (``unlink_audit_entries`` in ``hub/retention/repository.py``) and the leaf
keeps its commitment.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import operator
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Row

from crypto.merkle import hash_leaf
from hub.audit.models import AuditEntry
from hub.audit.service import LEAF_VERSION, subject_commitment

MAX_LISTED_FAULTS = 50
"""An alert, a report or a problem lists this many faults at most; the count is kept."""


class Problem(StrEnum):
    """What is wrong at one place of the log."""

    MISSING = "missing"
    LEAF_ALTERED = "leaf_altered"
    COLUMNS_ALTERED = "columns_altered"
    ROOT_MISMATCH = "root_mismatch"
    CHECKPOINT_INVALID = "checkpoint_invalid"
    TREE_STATE = "tree_state"
    TILE_ALTERED = "tile_altered"


TREE_PROBLEMS = frozenset(Problem) - {Problem.COLUMNS_ALTERED}
"""Faults of the tree itself: while one is known, no proof or export leaves the hub."""


@dataclass(frozen=True)
class Fault:
    """One place where the stored log disagrees with what was signed; never its content.

    Leaf indexes and ``seq`` are positions, not identifiers, so they may be shown.
    """

    problem: Problem
    leaf_index: int | None = None
    last_index: int | None = None
    """For a range (missing leaves, a root that is not reproduced): its last leaf index."""
    seq: int | None = None
    """For an entry not yet in the tree, the only way to name it."""
    fields: tuple[str, ...] = ()
    size: int | None = None
    """The checkpoint or tree size concerned."""

    def describe(self) -> str:
        place = (
            f"leaf index {self.leaf_index}"
            if self.leaf_index is not None
            else f"entry {self.seq} (not yet in the tree)"
        )
        if self.problem is Problem.MISSING:
            if self.last_index is not None and self.last_index != self.leaf_index:
                return f"leaf indexes {self.leaf_index}..{self.last_index} are missing"
            return f"{place} is missing"
        if self.problem is Problem.LEAF_ALTERED:
            return f"{place}: the leaf does not match its leaf hash (it was changed)"
        if self.problem is Problem.COLUMNS_ALTERED:
            return f"{place}: {', '.join(self.fields)} disagree with the signed leaf"
        if self.problem is Problem.ROOT_MISMATCH:
            return (
                f"leaves {self.leaf_index}..{self.last_index} do not reproduce the signed root "
                f"of checkpoint {self.size}"
            )
        if self.problem is Problem.TILE_ALTERED:
            if self.size is not None:
                path = (
                    ""
                    if self.leaf_index is None
                    else f" on the path of leaf index {self.leaf_index}"
                )
                return (
                    f"the stored tiles{path} do not reproduce the signed root of checkpoint "
                    f"{self.size}"
                )
            return (
                f"the stored tile over leaves {self.leaf_index}..{self.last_index} does not "
                "match the leaves (run `betrokken audit tiles rebuild` once they are trusted)"
            )
        if self.problem is Problem.CHECKPOINT_INVALID:
            return f"checkpoint {self.size}: its signed note does not verify or match its row"
        return f"the sequencer's tree state (size {self.size}) does not match the stored leaves"

    def to_dict(self) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "problem": self.problem.value,
            "leaf_index": self.leaf_index,
            "last_index": self.last_index,
            "seq": self.seq,
            "fields": list(self.fields) or None,
            "size": self.size,
        }
        return {key: value for key, value in fields.items() if value is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fault:
        return cls(
            problem=Problem(data["problem"]),
            leaf_index=data.get("leaf_index"),
            last_index=data.get("last_index"),
            seq=data.get("seq"),
            fields=tuple(data.get("fields") or ()),
            size=data.get("size"),
        )


def missing_leaves(indexes: Iterable[int], size: int) -> list[Fault]:
    """The runs of leaf indexes below ``size`` that the ascending ``indexes`` skip."""
    faults = []
    expected = 0
    for index in [*indexes, size]:
        if index > expected:
            last = index - 1 if index - 1 > expected else None
            faults.append(Fault(Problem.MISSING, leaf_index=expected, last_index=last))
        expected = index + 1
    return faults


def summary(faults: list[Fault]) -> str:
    """One line for an error: the first fault, and how many more there are."""
    more = f" (and {len(faults) - 1} more: run `betrokken audit check`)" if len(faults) > 1 else ""
    return f"the audit log no longer matches its signed checkpoints: {faults[0].describe()}{more}"


@dataclass(frozen=True)
class SignedEntry:
    """An entry with the values of its signed leaf, and the stored columns that disagree.

    It has the attribute names of :class:`AuditEntry`, so reports, alerts, the inzage and
    OTLP read it as they read a row. ``subject_key`` is the stored key only when it matches
    the leaf's commitment; ``subject`` is that commitment.
    """

    seq: int
    leaf_index: int | None
    leaf: str
    leaf_hash: bytes
    id: uuid.UUID
    at: datetime
    action: str
    outcome: str
    actor_sub: str
    actor_organisation: str | None
    actor_team: str | None
    actor_role: str | None
    client_id: str | None
    subject_key: bytes | None
    subject: str | None
    purpose: str | None
    case_ref: str | None
    object_id: str | None
    rule_id: str | None
    legal_basis: str | None
    policy_version: str | None
    reason: str | None
    request_id: str | None
    trace_id: str | None
    tampered: tuple[str, ...] = ()
    """Columns that disagree with the leaf; ``leaf`` when the leaf does not match its hash."""

    @property
    def intact(self) -> bool:
        return not self.tampered

    def fault(self) -> Fault:
        return fault_of(self, self.tampered)


StoredEntry = AuditEntry | Row[Any]
"""A row of ``audit_entries``: loaded by the ORM, or a Core row (the whole-log check's)."""

_STORED = (
    "id",
    "at",
    "action",
    "outcome",
    "actor_sub",
    "actor_organisation",
    "actor_team",
    "actor_role",
    "client_id",
    "purpose",
    "case_ref",
    "object_id",
    "rule_id",
    "legal_basis",
    "policy_version",
    "reason",
    "request_id",
    "trace_id",
)
"""The columns copied from the leaf, in table order (the order disagreements are named)."""

_SUBJECT_AT = _STORED.index("client_id") + 1
"""Where ``subject_key`` and ``subject`` come among SignedEntry's fields."""
assert tuple(field.name for field in dataclasses.fields(SignedEntry)) == (
    *("seq", "leaf_index", "leaf", "leaf_hash"),
    *_STORED[:_SUBJECT_AT],
    *("subject_key", "subject"),
    *_STORED[_SUBJECT_AT:],
    "tampered",
), "signed() builds a SignedEntry by position"


@functools.cache
def _columns_of(fields: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """Takes the columns of ``_STORED`` out of a Core row with these ``fields`` by position."""
    return operator.itemgetter(*(fields.index(name) for name in _STORED))


_last_columns: tuple[Any, Callable[[Any], tuple[Any, ...]] | None] = (None, None)
"""The metadata of the last result read and its getter: one tuple, read and replaced
whole, so that threads reading different results never mix one's metadata with the
other's getter."""


def _stored_values(entry: StoredEntry) -> tuple[Any, ...]:
    """The columns of ``_STORED``: by position from a Core row (a fifth of the cost of
    reading them as attributes), as attributes from an ORM object."""
    if isinstance(entry, Row):
        # the rows of one result share their metadata: look the positions up once for it
        global _last_columns
        parent, getter = _last_columns
        if parent is not entry._parent or getter is None:
            getter = _columns_of(entry._fields)
            _last_columns = (entry._parent, getter)
        return getter(entry)
    return (
        entry.id,
        entry.at,
        entry.action,
        entry.outcome,
        entry.actor_sub,
        entry.actor_organisation,
        entry.actor_team,
        entry.actor_role,
        entry.client_id,
        entry.purpose,
        entry.case_ref,
        entry.object_id,
        entry.rule_id,
        entry.legal_basis,
        entry.policy_version,
        entry.reason,
        entry.request_id,
        entry.trace_id,
    )


def _leaf_values(leaf: dict[str, Any], stored_id: Any = None) -> tuple[Any, ...]:
    """The values of ``_STORED`` the leaf states; raises on a leaf that is not one of ours.

    ``stored_id`` is taken for the leaf's id when its text is the leaf's (cheaper than
    parsing the leaf's)."""
    if leaf.get("v") != LEAF_VERSION:
        raise ValueError("unknown leaf version")
    actor = leaf["actor"]
    decision = leaf["decision"] or {}
    leaf_id = leaf["id"]
    same_id = isinstance(stored_id, uuid.UUID) and str(stored_id) == leaf_id
    return (
        stored_id if same_id else uuid.UUID(leaf_id),
        datetime.fromisoformat(leaf["at"]),
        leaf["action"],
        leaf["outcome"],
        actor["sub"],
        actor["organisation"],
        actor["team"],
        actor["role"],
        actor["client"],
        leaf["purpose"],
        leaf["case_ref"],
        leaf["object"],
        decision.get("rule"),
        decision.get("legal_basis"),
        decision.get("policy_version"),
        leaf["reason"],
        leaf["request_id"],
        leaf["trace_id"],
    )


def _subject(entry: StoredEntry, commitment: str | None) -> tuple[bytes | None, tuple[str, ...]]:
    """The stored subject key if it matches the leaf's commitment, else the columns at fault."""
    key, salt = entry.subject_key, entry.subject_salt
    if key is None and salt is None:
        return None, ()  # no subject, or unlinked by retention
    if key is None:
        return None, ("subject_key",)
    if salt is None:
        return None, ("subject_salt",)
    if commitment is None or subject_commitment(salt, key) != commitment:
        return None, ("subject_key",)
    return key, ()


@dataclass(frozen=True)
class _Reading:
    leaf: dict[str, Any] | None
    values: tuple[Any, ...]
    """The leaf's values of ``_STORED``; the stored ones when the leaf is not readable."""
    subject_key: bytes | None
    tampered: tuple[str, ...]


def _read(entry: StoredEntry) -> _Reading:
    stored = _stored_values(entry)
    try:
        leaf = json.loads(entry.leaf)
        values = _leaf_values(leaf, stored[0])
    except (ValueError, KeyError, TypeError, AttributeError):
        return _Reading(leaf=None, values=stored, subject_key=None, tampered=("leaf",))
    tampered = (
        []
        if stored == values  # nearly always: the names only for an entry that disagrees
        else [
            name
            for name, kept, stated in zip(_STORED, stored, values, strict=True)
            if kept != stated
        ]
    )
    subject_key, subject_fault = _subject(entry, leaf.get("subject"))
    tampered += subject_fault
    if hash_leaf(entry.leaf.encode("utf-8")) != entry.leaf_hash:
        tampered.insert(0, "leaf")
    return _Reading(leaf=leaf, values=values, subject_key=subject_key, tampered=tuple(tampered))


def disagreements(entry: StoredEntry) -> tuple[str, ...]:
    """The columns of ``entry`` that disagree with its leaf; ``leaf`` when the leaf does not
    match its hash or is not a leaf of ours."""
    return _read(entry).tampered


def fault_of(entry: StoredEntry | SignedEntry, tampered: tuple[str, ...]) -> Fault:
    """The fault of an entry whose ``tampered`` columns disagree with its leaf."""
    problem = Problem.LEAF_ALTERED if "leaf" in tampered else Problem.COLUMNS_ALTERED
    return Fault(
        problem=problem,
        leaf_index=entry.leaf_index,
        seq=entry.seq if entry.leaf_index is None else None,
        fields=tampered if problem is Problem.COLUMNS_ALTERED else (),
    )


def signed(entry: StoredEntry) -> SignedEntry:
    """``entry`` as its leaf states it, with the columns that disagree named.

    When the leaf is not readable there is nothing to state: the columns are given, marked.
    """
    reading = _read(entry)
    values = reading.values
    # positional, in the order of SignedEntry's fields (a third of the cost of keywords)
    fields = (
        entry.seq,
        entry.leaf_index,
        entry.leaf,
        entry.leaf_hash,
        *values[:_SUBJECT_AT],
        reading.subject_key,
        (reading.leaf or {}).get("subject"),
        *values[_SUBJECT_AT:],
        reading.tampered,
    )
    return SignedEntry(*fields)


class Sieve:
    """Lets through the entries that agree with their leaf, and keeps a fault for the others.

    Reports and alerts count only what passes; the faults go to the officers' alert.
    """

    def __init__(self) -> None:
        self._faults: dict[int, Fault] = {}

    @property
    def faults(self) -> list[Fault]:
        return list(self._faults.values())

    def note(self, entry: SignedEntry) -> None:
        """Keep the fault of ``entry`` (read through :func:`signed`, not intact)."""
        self._faults.setdefault(entry.seq, entry.fault())

    def intact(self, entries: Iterable[StoredEntry]) -> Iterator[SignedEntry]:
        for entry in entries:
            checked = signed(entry)
            if checked.intact:
                yield checked
            else:
                self.note(checked)

    def listed(self) -> list[dict[str, Any]]:
        """The faults as a report shows them (positions and column names only)."""
        return [fault.to_dict() for fault in self.faults[:MAX_LISTED_FAULTS]]
