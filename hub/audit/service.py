"""The one way anything is written to the verwerkingslog."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crypto.merkle import hash_leaf
from hub.actor import Actor
from hub.audit import repository
from hub.audit.models import AuditEntry
from hub.errors import AuditUnavailable

LEAF_VERSION = 1
SUBJECT_COMMITMENT_DOMAIN = b"betrokken/subject-commitment/v1\x00"


class Outcome(StrEnum):
    ALLOWED = "allowed"
    REFUSED = "refused"


@dataclass(frozen=True)
class DecisionRef:
    """What the audit keeps of a policy decision."""

    rule_id: str | None
    legal_basis: str | None
    policy_version: str
    reason: str | None = None


@dataclass(frozen=True)
class AuditRecord:
    """One processing, before it is written."""

    action: str
    outcome: Outcome
    subject_key: bytes | None = None
    purpose: str | None = None
    case_ref: str | None = None
    object_id: str | None = None
    decision: DecisionRef | None = None
    reason: str | None = None


def subject_commitment(salt: bytes, subject_key: bytes) -> str:
    """A salted commitment: erasing the salt later leaves the leaf verifiable but unlinkable."""
    return hashlib.sha256(SUBJECT_COMMITMENT_DOMAIN + salt + subject_key).hexdigest()


def canonical_leaf(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record(session: Session, actor: Actor, entry: AuditRecord, *, at: datetime) -> AuditEntry:
    """Append one audit entry in the caller's transaction and flush it.

    A failure here propagates, so the action it records is rolled back with it.
    """
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
            "action": entry.action,
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
        }
    )
    row = AuditEntry(
        id=entry_id,
        at=at,
        action=entry.action,
        outcome=entry.outcome.value,
        actor_sub=actor.sub,
        actor_organisation=actor.organisation,
        actor_team=actor.team,
        actor_role=actor.role.value if actor.role else None,
        client_id=actor.client_id,
        subject_key=entry.subject_key,
        subject_salt=salt,
        purpose=entry.purpose,
        case_ref=entry.case_ref,
        object_id=entry.object_id,
        rule_id=decision.rule_id if decision else None,
        legal_basis=decision.legal_basis if decision else None,
        policy_version=decision.policy_version if decision else None,
        reason=entry.reason,
        request_id=actor.request_id,
        trace_id=actor.trace_id,
        leaf=leaf,
        leaf_hash=hash_leaf(leaf.encode("utf-8")),
    )
    try:
        repository.add(session, row)
    except SQLAlchemyError as error:
        raise AuditUnavailable("the audit entry could not be written") from error
    return row
