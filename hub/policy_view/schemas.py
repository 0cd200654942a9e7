"""The policy view, an explanation and a diff as the HTTP API shows them."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel

from hub.policy_view.service import Explanation, PolicyDiff, PolicyView, StoredVersion
from policies import LegalBasis, Policy, RuleCheck


class VersionOut(BaseModel):
    version: str
    source: Literal["organisation", "file"]
    status: str
    in_force: bool
    active_from: dt.datetime | None
    uploaded_by: str | None
    uploaded_at: dt.datetime | None
    decided_by: str | None
    decided_at: dt.datetime | None

    @classmethod
    def of(cls, stored: StoredVersion) -> VersionOut:
        return cls(
            version=stored.version,
            source="file" if stored.source == "file" else "organisation",
            status=stored.status,
            in_force=stored.in_force,
            active_from=stored.active_from,
            uploaded_by=stored.uploaded_by,
            uploaded_at=stored.uploaded_at,
            decided_by=stored.decided_by,
            decided_at=stored.decided_at,
        )


class LegalBasisOut(BaseModel):
    id: str
    law: str
    article: str
    citation: str
    description: str
    avg_articles: list[str]
    dpia_ref: str
    valid_from: dt.date
    review_by: dt.date
    confirm: str | None
    line: int

    @classmethod
    def of(cls, basis: LegalBasis) -> LegalBasisOut:
        return cls(
            id=basis.id,
            law=basis.law,
            article=basis.article,
            citation=basis.citation,
            description=basis.description,
            avg_articles=list(basis.avg_articles),
            dpia_ref=basis.dpia_ref,
            valid_from=basis.valid_from,
            review_by=basis.review_by,
            confirm=basis.confirm,
            line=basis.line,
        )


class PolicyPurposeOut(BaseModel):
    id: str
    name: str
    description: str
    confirm: str | None
    line: int


class PolicyDomainOut(BaseModel):
    id: str
    name: str
    subject_types: list[str]
    retention_months: int
    description: str | None
    confirm: str | None
    line: int


class RuleOut(BaseModel):
    id: str
    action: str
    domains: list[str]
    roles: list[str]
    purposes: list[str]
    subject_types: list[str]
    targets: list[str]
    legal_bases: list[str]
    why: str
    requires_approval: bool
    expires_after_days: int | None
    confirm: str | None
    line: int


class VisibilityOut(BaseModel):
    domain: str
    target: str
    purposes: list[str]
    rules: list[str]


class PolicyInfoOut(BaseModel):
    version: str
    name: str
    organisation: str
    dpia_ref: str | None
    owner: str | None
    description: str | None


def _info(policy: Policy) -> PolicyInfoOut:
    info = policy.info
    return PolicyInfoOut(
        version=policy.version,
        name=info.name,
        organisation=info.organisation,
        dpia_ref=info.dpia_ref,
        owner=info.owner,
        description=info.description,
    )


class PolicyViewOut(BaseModel):
    on: dt.date
    policy: PolicyInfoOut
    in_force: VersionOut
    versions: list[VersionOut]
    legal_bases: list[LegalBasisOut]
    purposes: list[PolicyPurposeOut]
    domains: list[PolicyDomainOut]
    rules: list[RuleOut]
    visibility: list[VisibilityOut]
    notes: list[str]

    @classmethod
    def of(cls, view: PolicyView) -> PolicyViewOut:
        policy = view.policy
        return cls(
            on=view.on,
            policy=_info(policy),
            in_force=VersionOut.of(view.in_force),
            versions=[VersionOut.of(each) for each in view.versions],
            legal_bases=[LegalBasisOut.of(b) for b in policy.legal_bases.values()],
            purposes=[
                PolicyPurposeOut(
                    id=p.id, name=p.name, description=p.description, confirm=p.confirm, line=p.line
                )
                for p in policy.purposes.values()
            ],
            domains=[
                PolicyDomainOut(
                    id=d.id,
                    name=d.name,
                    subject_types=sorted(d.subject_types),
                    retention_months=d.retention_months,
                    description=d.description,
                    confirm=d.confirm,
                    line=d.line,
                )
                for d in policy.domains.values()
            ],
            rules=[
                RuleOut(
                    id=r.id,
                    action=str(r.action),
                    domains=sorted(r.domains),
                    roles=sorted(r.roles),
                    purposes=sorted(r.purposes),
                    subject_types=sorted(r.subject_types),
                    targets=sorted(r.targets),
                    legal_bases=list(r.legal_bases),
                    why=r.why,
                    requires_approval=r.requires_approval,
                    expires_after_days=r.expires_after_days,
                    confirm=r.confirm,
                    line=r.line,
                )
                for r in policy.rules
            ],
            visibility=[
                VisibilityOut(
                    domain=c.domain, target=c.target, purposes=list(c.purposes), rules=list(c.rules)
                )
                for c in view.visibility
            ],
            notes=view.notes,
        )


class RuleCheckOut(BaseModel):
    rule: str
    line: int
    outcome: str
    details: list[str]

    @classmethod
    def of(cls, check: RuleCheck) -> RuleCheckOut:
        return cls(
            rule=check.rule.id,
            line=check.rule.line,
            outcome=check.outcome,
            details=list(check.details),
        )


class ExplainedDecisionOut(BaseModel):
    allowed: bool
    rule_id: str | None
    rule_line: int | None
    legal_basis: LegalBasisOut | None
    reason: str
    why: str | None
    confirm: list[str]
    requires_approval: bool
    expires_after_days: int | None
    match_contact: str | None
    policy_version: str


class QuestionOut(BaseModel):
    action: str
    team: str
    domain: str
    target_team: str | None
    target_domain: str | None
    purpose: str
    role: str
    subject_type: str
    on: dt.date


class ExplanationOut(BaseModel):
    question: QuestionOut
    policy: PolicyInfoOut
    decision: ExplainedDecisionOut
    rules: list[RuleCheckOut]
    text: str

    @classmethod
    def of(cls, found: Explanation) -> ExplanationOut:
        ctx, decision, policy = found.context, found.decision, found.policy
        rule = next((r for r in policy.rules if r.id == decision.rule_id), None)
        basis = policy.legal_bases.get(decision.legal_basis or "")
        confirm = [note for note in (rule and rule.confirm, basis and basis.confirm) if note]
        return cls(
            question=QuestionOut(
                action=str(ctx.action),
                team=found.team.slug if found.team else "",
                domain=ctx.actor_domain,
                target_team=found.target_team.slug if found.target_team else None,
                target_domain=ctx.target_domain,
                purpose=ctx.purpose,
                role=ctx.role,
                subject_type=ctx.subject_type,
                on=ctx.on,
            ),
            policy=_info(policy),
            decision=ExplainedDecisionOut(
                allowed=decision.allowed,
                rule_id=decision.rule_id,
                rule_line=rule.line if rule else None,
                legal_basis=LegalBasisOut.of(basis) if basis else None,
                reason=decision.reason,
                why=rule.why if rule else None,
                confirm=confirm,
                requires_approval=decision.requires_approval,
                expires_after_days=decision.expires_after_days,
                match_contact=decision.match_contact.value if decision.match_contact else None,
                policy_version=decision.policy_version,
            ),
            rules=[RuleCheckOut.of(check) for check in found.checks],
            text=found.text,
        )


class ChangeOut(BaseModel):
    action: str
    domain: str
    target: str | None
    purpose: str
    legal_basis: str | None
    roles: list[str]
    subject_types: list[str]
    before: str
    after: str
    before_allowed: bool
    after_allowed: bool


class DecisionChangesOut(BaseModel):
    old: VersionOut
    new: VersionOut
    on: dt.date
    changes: int
    groups: list[ChangeOut]

    @classmethod
    def of(cls, found: PolicyDiff) -> DecisionChangesOut:
        return cls(
            old=VersionOut.of(found.old),
            new=VersionOut.of(found.new),
            on=found.on,
            changes=found.changes,
            groups=[
                ChangeOut(
                    action=g.action,
                    domain=g.domain,
                    target=g.target,
                    purpose=g.purpose,
                    legal_basis=g.legal_basis,
                    roles=list(g.roles),
                    subject_types=list(g.subject_types),
                    before=g.before,
                    after=g.after,
                    before_allowed=g.before_allowed,
                    after_allowed=g.after_allowed,
                )
                for g in found.groups
            ],
        )
