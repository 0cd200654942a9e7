"""What the hub's parts are built from, once per process: settings, sessions, keys, policy.

The app (``api/app.py``) and the jobs (``hub/background.py``) take from here what each
service uses and hand it over as arguments; services never see a ``Runtime``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from crypto.checkpoint import CheckpointSigner
from hub.audit.sequencer import Sequencer
from hub.audit.signing import load_signer
from hub.clock import Clock, UnsafeOffsetClock
from hub.convenant.cache import Convenants
from hub.db import make_engine, make_sessionmaker
from hub.fastpath.statements import StatementConnections, libpq_url
from hub.handles import HandleSealer
from hub.involvement.limits import CheckLimits
from hub.keys import load_or_create_secret
from hub.leader import Leadership
from hub.notification.targets import WebhookTargets
from hub.organisation.cache import ActingTeams
from hub.organisation_policy.cache import OrganisationPolicies
from hub.pseudonym import SubjectKeyer
from hub.references import ReferenceSealer
from hub.settings import Settings
from policies import Policy, PolicyFile


@dataclass
class Runtime:
    settings: Settings
    sessions: sessionmaker[Session]
    policy: PolicyFile
    keyer: SubjectKeyer
    handles: HandleSealer
    audit_signer: CheckpointSigner
    webhook_targets: WebhookTargets
    """Which webhook URLs may be set and called (never the hub's own network in production)."""
    references: ReferenceSealer
    """Seals teams' own case references and labels (``hub/references.py``)."""
    clock: Clock = field(default_factory=Clock)
    check_limits: CheckLimits = field(default_factory=CheckLimits)
    teams: ActingTeams = field(default_factory=ActingTeams)
    statements: StatementConnections | None = None
    """On PostgreSQL: where a group of checks runs as one statement, on the event loop."""
    organisation_policies: OrganisationPolicies | None = None
    """Each organisation's approved policy, kept in memory; the file ``policy`` for the rest."""
    convenants: Convenants = field(default_factory=Convenants)
    """The convenants between organisations, kept in memory with the policies."""
    leadership: Leadership = field(default_factory=lambda: Leadership(None, timeout=5.0))
    """Whether this process runs the background jobs (one process at a time on PostgreSQL)."""
    read_sessions: sessionmaker[Session] | None = None
    """A read replica for the officer's reports (``BETROKKEN_DATABASE_READ_URL``), if any."""

    def __post_init__(self) -> None:
        if self.organisation_policies is None:
            self.organisation_policies = OrganisationPolicies(
                self.policy, ttl=self.settings.organisation_policy_refresh_seconds
            )

    @property
    def policies(self) -> OrganisationPolicies:
        """The policy in force per organisation (``policies.current(slug, now)``)."""
        assert self.organisation_policies is not None
        return self.organisation_policies

    def refresh_kept(self) -> None:
        """Read the approved policies and the convenants again (blocking: in a thread)."""
        self.policies.refresh(self.sessions)
        self.convenants.refresh(self.sessions)

    def refresh_kept_if_stale(self) -> None:
        if self.policies.stale:
            self.refresh_kept()

    def policy_for(self, organisation: str) -> Policy:
        """The policy in force for ``organisation`` now, from memory."""
        return self.policies.current(organisation, self.clock.now())

    @property
    def sequencer(self) -> Sequencer:
        """The audit sequencer as the settings configure it now."""
        return Sequencer.of(self.settings, self.audit_signer)


def _clock_of(settings: Settings) -> Clock:
    """The real clock, or in development the one a test moved by a setting."""
    offset = settings.unsafe_clock_offset_seconds
    return UnsafeOffsetClock(timedelta(seconds=offset)) if offset else Clock()


def build_runtime(settings: Settings, *, clock: Clock | None = None) -> Runtime:
    """Load keys and policy and connect to the database; fail loudly on anything missing."""
    create = not settings.is_production
    keys = settings.keys_dir
    policy = PolicyFile(settings.policy_file, min_interval=settings.policy_check_interval_seconds)
    policy.load_strict()
    timeout = settings.database_timeout_seconds
    engine = make_engine(settings.sqlalchemy_url, timeout=timeout)
    statements_url = libpq_url(settings.sqlalchemy_url)
    runtime = Runtime(
        settings=settings,
        sessions=make_sessionmaker(engine),
        statements=(
            StatementConnections(statements_url, timeout=timeout) if statements_url else None
        ),
        policy=policy,
        keyer=SubjectKeyer(load_or_create_secret(keys / "subject.key", create=create)),
        handles=HandleSealer(load_or_create_secret(keys / "handle.key", create=create)),
        audit_signer=load_signer(settings, create=create),
        references=ReferenceSealer(load_or_create_secret(keys / "reference.key", create=create)),
        webhook_targets=WebhookTargets.of(settings),
        clock=clock or _clock_of(settings),
        leadership=Leadership(statements_url, timeout=timeout),
        check_limits=CheckLimits(
            shared=settings.shared_rate_limits and engine.dialect.name == "postgresql"
        ),
        read_sessions=(
            make_sessionmaker(make_engine(settings.database_read_url, timeout=timeout))
            if settings.database_read_url
            else None
        ),
    )
    runtime.refresh_kept()
    return runtime
