"""The audit log as the privacy officer sends and receives it: never a subject key."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crypto.checkpoint import CheckpointSigner
from hub.audit.integrity import Fault, SignedEntry
from hub.audit.models import AuditAlert, AuditCheckpoint
from hub.audit.views import (
    ACKNOWLEDGEMENT_NOTE,
    ConsistencyProof,
    InclusionProof,
    IntegrityView,
    Report,
)
from hub.fields import MAX_POSITION, FreeText, MemberRef, ZonedTime
from hub.flag.schemas import SubjectIn
from hub.involvement.schemas import CASE_REF_PATTERN


class ActorOut(BaseModel):
    sub: str
    organisation: str | None
    team: str | None
    role: str | None
    client: str | None


class DecisionRefOut(BaseModel):
    rule_id: str | None
    legal_basis: str | None
    policy_version: str | None


class EntryOut(BaseModel):
    """An entry as its signed leaf states it (only ``seq`` and ``leaf_index`` are not in it)."""

    id: uuid.UUID
    seq: int
    leaf_index: int | None = Field(description="Position in the Merkle tree once sequenced.")
    at: datetime
    action: str
    outcome: str
    actor: ActorOut
    subject: str | None = Field(
        description="The leaf's salted commitment to the subject, if the entry has one."
    )
    purpose: str | None
    case_ref: str | None
    object: str | None
    decision: DecisionRefOut | None
    reason: str | None
    request_id: str | None
    trace_id: str | None
    integrity: Literal["ok", "tampered"] = Field(
        description="'tampered' when stored columns disagree with the signed leaf shown here."
    )
    tampered_fields: list[str] = Field(
        description="The columns that disagree ('leaf': the leaf does not match its hash)."
    )

    @classmethod
    def of(cls, entry: SignedEntry) -> EntryOut:
        return cls(
            id=entry.id,
            seq=entry.seq,
            leaf_index=entry.leaf_index,
            at=entry.at,
            action=entry.action,
            outcome=entry.outcome,
            actor=ActorOut(
                sub=entry.actor_sub,
                organisation=entry.actor_organisation,
                team=entry.actor_team,
                role=entry.actor_role,
                client=entry.client_id,
            ),
            subject=entry.subject,
            purpose=entry.purpose,
            case_ref=entry.case_ref,
            object=entry.object_id,
            decision=DecisionRefOut(
                rule_id=entry.rule_id,
                legal_basis=entry.legal_basis,
                policy_version=entry.policy_version,
            )
            if entry.policy_version
            else None,
            reason=entry.reason,
            request_id=entry.request_id,
            trace_id=entry.trace_id,
            integrity="tampered" if entry.tampered else "ok",
            tampered_fields=list(entry.tampered),
        )


class EntryListOut(BaseModel):
    items: list[EntryOut]
    next_after: int | None = Field(description="Pass as 'after' for the next page; null at end.")

    @classmethod
    def of(cls, entries: Sequence[SignedEntry], next_after: int | None) -> EntryListOut:
        """A page of entries; ``next_after`` follows the rows read, shown or left out."""
        return cls(items=[EntryOut.of(entry) for entry in entries], next_after=next_after)


class SubjectSearchIn(BaseModel):
    """A search by subject: the pseudonym comes in the body, never in a URL."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    subject: SubjectIn
    member: MemberRef | None = Field(default=None, max_length=200)
    team: FreeText | None = Field(default=None, max_length=64)
    organisation: FreeText | None = Field(default=None, max_length=64)
    action: FreeText | None = Field(default=None, max_length=64)
    outcome: str | None = Field(default=None, pattern=r"^(allowed|refused)$")
    since: ZonedTime | None = Field(default=None, alias="from")
    until: ZonedTime | None = Field(default=None, alias="to")
    case_ref: FreeText | None = Field(
        default=None, pattern=CASE_REF_PATTERN, description="Your own case, e.g. the request."
    )
    limit: int = Field(default=100, ge=1, le=500)
    after: int = Field(default=0, ge=0, le=MAX_POSITION)


class SubjectAccessReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: SubjectIn
    case_ref: FreeText | None = Field(default=None, pattern=CASE_REF_PATTERN)


class CheckpointOut(BaseModel):
    size: int
    root_hash: str
    note: str = Field(description="The C2SP signed note (tlog-checkpoint).")
    created_at: datetime

    @classmethod
    def of(cls, checkpoint: AuditCheckpoint) -> CheckpointOut:
        return cls(
            size=checkpoint.size,
            root_hash=checkpoint.root_hash.hex(),
            note=checkpoint.note,
            created_at=checkpoint.created_at,
        )


class InclusionProofOut(BaseModel):
    index: int
    size: int
    leaf: str
    leaf_hash: str
    proof: list[str]
    checkpoint: CheckpointOut

    @classmethod
    def of(cls, proof: InclusionProof) -> InclusionProofOut:
        return cls(
            index=proof.index,
            size=proof.checkpoint.size,
            leaf=proof.entry.leaf,
            leaf_hash=proof.entry.leaf_hash.hex(),
            proof=[node.hex() for node in proof.proof],
            checkpoint=CheckpointOut.of(proof.checkpoint),
        )


class ConsistencyProofOut(BaseModel):
    first: CheckpointOut
    second: CheckpointOut
    proof: list[str]

    @classmethod
    def of(cls, proof: ConsistencyProof) -> ConsistencyProofOut:
        return cls(
            first=CheckpointOut.of(proof.first),
            second=CheckpointOut.of(proof.second),
            proof=[node.hex() for node in proof.proof],
        )


class IntegrityFaultOut(BaseModel):
    problem: str
    description: str
    leaf_index: int | None = None
    last_index: int | None = None
    size: int | None = None

    @classmethod
    def of(cls, fault: Fault) -> IntegrityFaultOut:
        return cls(
            problem=fault.problem.value,
            description=fault.describe(),
            leaf_index=fault.leaf_index,
            last_index=fault.last_index,
            size=fault.size,
        )


class IntegrityOut(BaseModel):
    checkpoint: CheckpointOut | None = Field(description="The latest signed checkpoint.")
    matches: bool | None = Field(
        description="Whether the stored log reproduces the latest checkpoint's signed root "
        "now and its note verifies with the log's key; null before the first checkpoint."
    )
    faults: list[IntegrityFaultOut] = Field(description="Where it does not.")
    log_status: Literal["ok", "compromised"] = Field(
        description="The verdict /health reports: the last whole-log check's, or that of a "
        "read that met an altered entry since."
    )
    checked_at: datetime | None = Field(description="When the whole log was last checked.")
    checked_size: int | None
    verifier_key: str = Field(description="The key checkpoints and exports verify with.")

    @classmethod
    def of(cls, view: IntegrityView, *, verifier_key: str) -> IntegrityOut:
        checkpoint = view.checkpoint
        return cls(
            checkpoint=CheckpointOut.of(checkpoint) if checkpoint is not None else None,
            matches=None if checkpoint is None else not view.faults,
            faults=[IntegrityFaultOut.of(fault) for fault in view.faults],
            log_status="compromised" if view.status == "compromised" else "ok",
            checked_at=view.checked_at,
            checked_size=view.checked_size,
            verifier_key=verifier_key,
        )


class PublicKeyOut(BaseModel):
    origin: str
    verifier_key: str = Field(description="C2SP signed-note verifier key: name+id+key.")

    @classmethod
    def of(cls, signer: CheckpointSigner) -> PublicKeyOut:
        return cls(origin=signer.key_name, verifier_key=signer.verifier_key())


class ReportOut(BaseModel):
    kind: str
    description: str
    since: datetime = Field(serialization_alias="from")
    until: datetime = Field(serialization_alias="to")
    generated_at: datetime
    summary: dict[str, Any]
    rows: list[dict[str, Any]]

    @classmethod
    def of(cls, result: Report) -> ReportOut:
        return cls(
            kind=result.kind.value,
            description=result.description,
            since=result.since,
            until=result.until,
            generated_at=result.generated_at,
            summary=result.summary,
            rows=result.rows,
        )


class AlertOut(BaseModel):
    id: uuid.UUID
    rule: str
    status: str
    member: str
    organisation: str | None
    team: str | None
    window_start: datetime
    window_end: datetime
    detail: dict[str, Any]
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    acknowledgement_note: str | None = Field(
        default=None, description="What the officer noted on acknowledging it."
    )

    @classmethod
    def of(cls, alert: AuditAlert) -> AlertOut:
        detail = json.loads(alert.detail)
        note = detail.pop(ACKNOWLEDGEMENT_NOTE, None)
        return cls(
            id=alert.id,
            rule=alert.rule,
            status=alert.status,
            member=alert.actor_sub,
            organisation=alert.actor_organisation,
            team=alert.actor_team,
            window_start=alert.window_start,
            window_end=alert.window_end,
            detail=detail,
            created_at=alert.created_at,
            acknowledged_at=alert.acknowledged_at,
            acknowledged_by=alert.acknowledged_by,
            acknowledgement_note=note,
        )


class AcknowledgementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: FreeText | None = Field(
        default=None,
        max_length=500,
        description="What you found or did; no names of citizens, no identifiers.",
    )


class AlertListOut(BaseModel):
    items: list[AlertOut]
    limit: int
    offset: int


class FlagLineOut(BaseModel):
    team: str
    team_name: str
    domain: str
    purpose: str
    purpose_name: str
    legal_basis: str
    legal_basis_citation: str
    registered_at: datetime
    expires_at: datetime
    status: str
    withdrawn_at: datetime | None


class EventLineOut(BaseModel):
    at: datetime
    action: str
    description: str
    organisation: str | None
    organisation_name: str | None = None
    team: str | None
    team_name: str | None
    purpose: str | None
    purpose_name: str | None
    legal_basis: str | None
    legal_basis_citation: str | None
    outcome: str


class SubjectAccessReportOut(BaseModel):
    generated_at: datetime
    subject_type: str
    flags: list[FlagLineOut]
    checks: list[EventLineOut]
    other_processing: list[EventLineOut]
    notes: list[str]
    tampered_entries: int = Field(
        description="Entries on the subject left out because they disagree with their signed "
        "leaf; the privacy officers have an audit.integrity alert naming them."
    )
