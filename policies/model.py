"""The policy's vocabulary: catalogue entries, rules, the question asked and the answer given."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import StrEnum

WILDCARD = "*"
ROLES = ("professional", "team_lead", "privacy_officer", "connector", "admin")
SUBJECT_TYPES = ("person", "address", "business")
DEFAULT_RETENTION_MONTHS = 24
DEFAULT_ARCHIVE_YEARS = 5
DEFAULT_CONTACT_EXPIRY_DAYS = 14
# Domains whose flags a law limits: the Jeugdwet's verwijsindex removes a melding at most
# two years after it was made (art. 7.1.4.5). A policy may set less, never more.
STATUTORY_RETENTION_MONTHS = {"jeugd": (24, "Jeugdwet art. 7.1.4.5")}


class Action(StrEnum):
    """What a member asks to do; each rule allows exactly one action."""

    REGISTER = "register"  # register a flag on a subject for a purpose
    CHECK = "check"  # run an involvement check at all
    SEE = "see"  # in a check, see the flags of a target domain
    CONTACT = "contact"  # request contact with the owner of a target domain's flag


TARGETED_ACTIONS = frozenset({Action.SEE, Action.CONTACT})


class MatchContact(StrEnum):
    """What a match shows of another team, by the contact rule for the pair (``match:
    contact_details:``). Without the term: ``automatic`` when the rule needs no approval
    (a verwijsindex match, jeugd with jeugd), else ``on_request``."""

    AUTOMATIC = "automatic"  # the other team's contact person, at once
    ON_REQUEST = "on_request"  # only that the team is involved; contact by a request
    NEVER = "never"  # only that the team is involved


MATCH_CONTACT_WORDS = {
    MatchContact.AUTOMATIC: "automatically",
    MatchContact.ON_REQUEST: "only on an accepted request",
    MatchContact.NEVER: "never",
}


def default_match_contact(requires_approval: bool) -> MatchContact:
    return MatchContact.ON_REQUEST if requires_approval else MatchContact.AUTOMATIC


@dataclass(frozen=True)
class LegalBasis:
    """A grondslag: one law article, with the DPIA that relies on it and its review date."""

    id: str
    law: str
    article: str
    description: str
    dpia_ref: str
    valid_from: datetime.date
    review_by: datetime.date
    avg_articles: tuple[str, ...] = ()
    confirm: str | None = None
    line: int = field(default=0, compare=False)

    @property
    def citation(self) -> str:
        return f"{self.law} {self.article}"

    def inactive_reason(self, on: datetime.date) -> str | None:
        """Why this basis cannot be relied on at ``on``, or None when it can."""
        if on < self.valid_from:
            return (
                f"legal basis '{self.id}' ({self.citation}) is valid from "
                f"{self.valid_from.isoformat()}"
            )
        if on > self.review_by:
            return (
                f"legal basis '{self.id}' ({self.citation}) passed its review date "
                f"{self.review_by.isoformat()}"
            )
        return None


@dataclass(frozen=True)
class Purpose:
    """A doelbinding: the one purpose a flag or check serves."""

    id: str
    name: str
    description: str
    confirm: str | None = None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Domain:
    """A domein, with the subject types its flags may be on and how long they are kept."""

    id: str
    name: str
    subject_types: frozenset[str]
    retention_months: int = DEFAULT_RETENTION_MONTHS
    archive_years: int = DEFAULT_ARCHIVE_YEARS
    description: str | None = None
    confirm: str | None = None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Rule:
    """An allow rule. Set-valued fields may hold ``"*"`` where the schema permits it."""

    id: str
    action: Action
    domains: frozenset[str]
    roles: frozenset[str]
    purposes: frozenset[str]
    subject_types: frozenset[str]
    legal_bases: tuple[str, ...]
    why: str
    targets: frozenset[str] = frozenset()
    requires_approval: bool = False
    expires_after_days: int | None = None
    match_contact: MatchContact | None = None  # contact rules: what a match shows
    confirm: str | None = None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class RateLimit:
    """How many checks may be run per minute and per day."""

    per_minute: int
    per_day: int


@dataclass(frozen=True)
class PolicyInfo:
    """Who the policy belongs to and which DPIA it implements."""

    name: str
    organisation: str
    dpia_ref: str | None = None
    owner: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Context:
    """The question: may ``actor_domain`` (as ``role``) do ``action`` for ``purpose``?

    ``target_domain`` is needed for ``see`` and ``contact`` and must be absent otherwise.
    ``legal_basis`` is the grondslag the team cites when registering; without it the first
    active basis of the matching rule is used. ``on`` is the day the decision is for.
    """

    action: Action
    actor_domain: str
    role: str
    purpose: str
    subject_type: str
    target_domain: str | None = None
    legal_basis: str | None = None
    on: datetime.date = field(default_factory=datetime.date.today)


@dataclass(frozen=True)
class Decision:
    """The answer, with the rule and grondslag that allowed it or the reason it was refused."""

    allowed: bool
    rule_id: str | None
    legal_basis: str | None
    reason: str
    policy_version: str
    requires_approval: bool = False
    expires_after_days: int | None = None
    match_contact: MatchContact | None = None
