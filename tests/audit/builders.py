"""Writing audit entries straight through ``record()``, as any service does."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from hub.actor import Actor, Role
from hub.audit.models import AuditEntry
from hub.audit.service import record
from hub.audit.vocabulary import Action, AuditRecord, Outcome
from hub.runtime import Runtime
from hub.settings import Settings
from hub.transactions import transaction


def member(sub: str = "anna", team: str = "pw-handhaving", trace_id: str | None = None) -> Actor:
    return Actor(
        sub=sub,
        name=sub,
        organisation="gemeente-voorbeeld",
        team=team,
        roles=frozenset({Role.PROFESSIONAL}),
        request_id=f"req-{sub}",
        trace_id=trace_id,
    )


def subject_key(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


def write_entries(runtime: Runtime, count: int, *, actor: Actor | None = None) -> list[AuditEntry]:
    """``count`` involvement checks, written in one transaction, read back in order."""
    with transaction(runtime.sessions) as session:
        ids = [
            record(
                session,
                actor or member(),
                AuditRecord(
                    action=Action.CHECK,
                    outcome=Outcome.ALLOWED,
                    subject_key=subject_key(f"s{n % 7}"),
                    purpose="rechtmatigheid",
                    case_ref=f"ZAAK-{n}",
                ),
                at=runtime.clock.now(),
            )
            for n in range(count)
        ]
    with runtime.sessions() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.id.in_(ids)).order_by(AuditEntry.seq)
        )
        return list(rows)


def cli_env(settings: Settings) -> dict[str, str]:
    """The environment under which ``betrokken audit ...`` works on the test's hub."""
    return {
        "BETROKKEN_DATA_DIR": str(settings.data_dir),
        "BETROKKEN_DATABASE_URL": settings.sqlalchemy_url,
    }
