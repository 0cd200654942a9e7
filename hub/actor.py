"""Who is acting: the authenticated caller of one request."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    PROFESSIONAL = "professional"
    TEAM_LEAD = "team_lead"
    PRIVACY_OFFICER = "privacy_officer"
    CONNECTOR = "connector"
    ADMIN = "admin"
    HUB_OPERATOR = "hub_operator"
    FUNCTIONEEL_BEHEERDER = "functioneel_beheerder"


@dataclass(frozen=True)
class Actor:
    """A member (or connector client) of one team of one organisation.

    ``team`` is the team the caller acts for in this request; ``role`` the role that
    authorised it. Request and trace ids (and a connector's FSC transaction id and run)
    travel along so the audit entry can name them.
    """

    sub: str
    name: str
    organisation: str
    team: str | None
    roles: frozenset[Role]
    client_id: str | None = None
    request_id: str | None = None
    trace_id: str | None = None
    teams: tuple[str, ...] = field(default=())
    # Sent by connectors: the FSC transaction id of the Outway it came through, and the
    # connector's run; both go into the audit leaf when present (docs/audit.md §1).
    fsc_transaction_id: str | None = None
    connector_run: str | None = None

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def role(self) -> Role | None:
        """The most specific role, for the audit record and the policy."""
        for candidate in (
            Role.TEAM_LEAD,
            Role.PROFESSIONAL,
            Role.CONNECTOR,
            Role.PRIVACY_OFFICER,
            Role.ADMIN,
            Role.HUB_OPERATOR,
            Role.FUNCTIONEEL_BEHEERDER,
        ):
            if candidate in self.roles:
                return candidate
        return None
