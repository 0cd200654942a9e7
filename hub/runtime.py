"""What the stateless services need besides a session and an actor: keys, policy, clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from crypto.checkpoint import CheckpointSigner
from hub.audit.signing import load_signer
from hub.clock import Clock
from hub.db import make_engine, make_sessionmaker
from hub.flag.service import Registration, register_group
from hub.flag.views import RegisteredFlag
from hub.groups import GroupCommit
from hub.handles import HandleSealer
from hub.keys import load_or_create_secret
from hub.lookup.limits import CheckLimits
from hub.lookup.service import (
    CheckRequest,
    check_group,
    check_group_in_one_statement,
)
from hub.lookup.views import Involvement
from hub.organisation.cache import ActingTeams
from hub.pseudonym import SubjectKeyer
from hub.settings import Settings
from hub.statements import StatementConnections, libpq_url
from policies import PolicyFile


@dataclass
class Runtime:
    settings: Settings
    sessions: sessionmaker[Session]
    policy: PolicyFile
    keyer: SubjectKeyer
    handles: HandleSealer
    audit_signer: CheckpointSigner
    clock: Clock = field(default_factory=Clock)
    check_limits: CheckLimits = field(default_factory=CheckLimits)
    teams: ActingTeams = field(default_factory=ActingTeams)
    statements: StatementConnections | None = None
    """On PostgreSQL: where a group of checks runs as one statement, on the event loop."""
    checks: GroupCommit[CheckRequest, Involvement] = field(init=False)
    registrations: GroupCommit[Registration, RegisteredFlag] = field(init=False)

    def __post_init__(self) -> None:
        # The busy requests are written in groups (hub/groups.py).
        on_loop = check_group_in_one_statement if self.statements is not None else None
        self.checks = GroupCommit(self, check_group, what="check", on_loop=on_loop)
        self.registrations = GroupCommit(self, register_group, what="registration")


def build_runtime(settings: Settings, *, clock: Clock | None = None) -> Runtime:
    """Load keys and policy and connect to the database; fail loudly on anything missing."""
    create = not settings.is_production
    keys = settings.keys_dir
    policy = PolicyFile(settings.policy_file, min_interval=settings.policy_check_interval_seconds)
    policy.load_strict()
    engine = make_engine(settings.sqlalchemy_url)
    statements_url = libpq_url(settings.sqlalchemy_url)
    return Runtime(
        settings=settings,
        sessions=make_sessionmaker(engine),
        statements=StatementConnections(statements_url) if statements_url else None,
        policy=policy,
        keyer=SubjectKeyer(load_or_create_secret(keys / "subject.key", create=create)),
        handles=HandleSealer(load_or_create_secret(keys / "handle.key", create=create)),
        audit_signer=load_signer(settings, create=create),
        clock=clock or Clock(),
    )
