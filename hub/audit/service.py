"""The one way anything is written to the verwerkingslog (``record``), and the officer's search.

Sequencing, proofs and exports: ``sequencer.py`` and ``tree.py``; reports, alerts, the
inzageverzoek and OTLP: their own modules. The design is described in docs/audit.md.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crypto.merkle import hash_leaf
from hub.actor import Actor
from hub.audit import repository
from hub.audit.models import AuditEntry
from hub.audit.vocabulary import Action, AuditRecord, Outcome
from hub.errors import AuditUnavailable, Forbidden, HubError, InvalidInput

LEAF_VERSION = 1
SUBJECT_COMMITMENT_DOMAIN = b"betrokken/subject-commitment/v1\x00"


def subject_commitment(salt: bytes, subject_key: bytes) -> str:
    """A salted commitment: erasing the salt later leaves the leaf verifiable but unlinkable."""
    return hashlib.sha256(SUBJECT_COMMITMENT_DOMAIN + salt + subject_key).hexdigest()


def canonical_leaf(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record(session: Session, actor: Actor, entry: AuditRecord, *, at: datetime) -> uuid.UUID:
    """Append one audit entry in the caller's transaction.

    A failure here propagates, so the action it records is rolled back with it.
    """
    entry_id, row = new_entry(actor, entry, at=at)
    write(session, [row])
    return entry_id


def write(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert entries made by :func:`new_entry`, in one statement, in the caller's transaction."""
    try:
        repository.insert_entries(session, rows)
    except SQLAlchemyError as error:
        raise AuditUnavailable("the audit entry could not be written") from error


def refusal_rows(actor: Actor, refusal: HubError, *, at: datetime) -> list[dict[str, Any]]:
    """The row of the audit entry a refusal carries, or none if it carries no record.

    The one way a refusal is audited: in the group's statement by the busy paths, in a
    transaction of its own by a request whose transaction rolled back (hub/transactions.py).
    """
    return [] if refusal.audit is None else [new_entry(actor, refusal.audit, at=at)[1]]


def exchange_keys(actor: Actor) -> dict[str, str]:
    """The leaf keys a connector's request adds (docs/audit.md §1), only when present:
    older leaves, and requests without them, stay as they were."""
    keys = {}
    if actor.fsc_transaction_id is not None:
        keys["fsc_transaction_id"] = actor.fsc_transaction_id
    if actor.connector_run is not None:
        keys["connector_run"] = actor.connector_run
    return keys


def new_entry(
    actor: Actor, entry: AuditRecord, *, at: datetime
) -> tuple[uuid.UUID, dict[str, Any]]:
    """The entry's id and its row (leaf text and hash included), not yet written."""
    salt = os.urandom(16) if entry.subject_key is not None else None
    decision = entry.decision
    entry_id = uuid.uuid4()
    leaf = canonical_leaf(
        {
            "v": LEAF_VERSION,
            "id": str(entry_id),
            "at": at.isoformat(),
            "actor": {
                "sub": actor.sub,
                "organisation": actor.organisation,
                "team": actor.team,
                "role": actor.role.value if actor.role else None,
                "client": actor.client_id,
            },
            "action": entry.action.value,
            "outcome": entry.outcome.value,
            "subject": subject_commitment(salt, entry.subject_key)
            if salt and entry.subject_key
            else None,
            "purpose": entry.purpose,
            "case_ref": entry.case_ref,
            "object": entry.object_id,
            "decision": {
                "rule": decision.rule_id,
                "legal_basis": decision.legal_basis,
                "policy_version": decision.policy_version,
            }
            if decision
            else None,
            "reason": entry.reason,
            "request_id": actor.request_id,
            "trace_id": actor.trace_id,
            **exchange_keys(actor),
        }
    )
    row = {
        "id": entry_id,
        "at": at,
        "action": entry.action.value,
        "outcome": entry.outcome.value,
        "actor_sub": actor.sub,
        "actor_organisation": actor.organisation,
        "actor_team": actor.team,
        "actor_role": actor.role.value if actor.role else None,
        "client_id": actor.client_id,
        "subject_key": entry.subject_key,
        "subject_salt": salt,
        "purpose": entry.purpose,
        "case_ref": entry.case_ref,
        "object_id": entry.object_id,
        "rule_id": decision.rule_id if decision else None,
        "legal_basis": decision.legal_basis if decision else None,
        "policy_version": decision.policy_version if decision else None,
        "reason": entry.reason,
        "request_id": actor.request_id,
        "trace_id": actor.trace_id,
        "leaf": leaf,
        "leaf_hash": hash_leaf(leaf.encode("utf-8")),
    }
    return entry_id, row


# --- the privacy officer's access to the log -----------------------------------------------
#
# Every read that shows entries is itself an entry: the officer's searches, reports, proofs
# and exports appear in the log they read, so the officer is audited too.

OVERSIGHT_PURPOSE = "privacy_toezicht"
SUBJECT_ACCESS_PURPOSE = "inzageverzoek"
MAX_PAGE = 500


def require_aware(moment: datetime | None, name: str) -> datetime | None:
    """Times from callers must carry a zone; a naive one is ambiguous."""
    if moment is not None and moment.tzinfo is None:
        raise InvalidInput(f"'{name}' needs a time zone, e.g. 2026-11-23T09:00:00+01:00")
    return moment


def describe_filter(where: repository.EntryFilter) -> str:
    """The criteria of a search as the audit keeps them (never the subject)."""
    fields = {
        "member": where.member,
        "team": where.team,
        "organisation": where.organisation,
        "action": where.action,
        "outcome": where.outcome,
        "from": where.since.isoformat() if where.since else None,
        "to": where.until.isoformat() if where.until else None,
        "subject": "given" if where.subject_key is not None else None,
        "client": where.client,
    }
    return canonical_leaf({key: value for key, value in fields.items() if value is not None})


def officer_scope(actor: Actor, where: repository.EntryFilter) -> repository.EntryFilter:
    """A privacy officer oversees the processing by their own organisation's members only.

    Entries of system actors (retention) and other organisations stay out of sight: on a
    shared hub each organisation's officer answers for that organisation's processing.
    """
    if where.organisation not in (None, actor.organisation):
        raise Forbidden(
            "a privacy officer sees the log of their own organisation only",
            audit=AuditRecord(
                action=Action.AUDIT_SEARCH,
                outcome=Outcome.REFUSED,
                purpose=OVERSIGHT_PURPOSE,
                reason="another organisation's log was asked for",
            ),
        )
    return dataclasses.replace(where, organisation=actor.organisation)


def search_entries(
    session: Session,
    actor: Actor,
    *,
    where: repository.EntryFilter,
    limit: int,
    after_seq: int,
    now: datetime,
    case_ref: str | None = None,
    action: Action | None = None,
) -> Sequence[AuditEntry]:
    """Entries matching ``where`` within the officer's organisation, a page in write order.

    The search is audited. With a subject in ``where`` it is a subject search: its entry
    carries the subject (as a commitment in the leaf), so the subject's inzage shows it.
    """
    require_aware(where.since, "from")
    require_aware(where.until, "to")
    where = officer_scope(actor, where)
    if not 1 <= limit <= MAX_PAGE or after_seq < 0:
        raise InvalidInput(f"limit must be 1..{MAX_PAGE} and after non-negative")
    entries = repository.search(session, where, limit=limit, after_seq=after_seq)
    record(
        session,
        actor,
        AuditRecord(
            action=action
            or (
                Action.AUDIT_SUBJECT_SEARCH
                if where.subject_key is not None
                else Action.AUDIT_SEARCH
            ),
            outcome=Outcome.ALLOWED,
            subject_key=where.subject_key,
            purpose=OVERSIGHT_PURPOSE,
            case_ref=case_ref,
            reason=describe_filter(where),
        ),
        at=now,
    )
    return entries


def record_oversight(
    session: Session,
    actor: Actor,
    *,
    action: Action,
    now: datetime,
    reason: str | None = None,
    object_id: str | None = None,
) -> uuid.UUID:
    """Audit one of the officer's reads that concerns no single subject."""
    return record(
        session,
        actor,
        AuditRecord(
            action=action,
            outcome=Outcome.ALLOWED,
            purpose=OVERSIGHT_PURPOSE,
            object_id=object_id,
            reason=reason,
        ),
        at=now,
    )
