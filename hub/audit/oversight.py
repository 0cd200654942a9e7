"""The privacy officer's reads of the log, each in the request's transaction.

A read of the tree first numbers the entries still waiting (``sequencer.catch_up``), so an
officer sees and proves entries made a moment ago; the inbox first evaluates the alert
rules. Both happen here, in the officer's service, and not in a dependency: a request's
dependencies write nothing. Every read is itself audited by the function it calls.

Entries are shown as their signed leaves state them (``integrity.signed``); one whose
columns were changed is marked ``tampered`` and raises the integrity alert in the same
transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.actor import Actor, Role
from hub.audit import alerts, otlp, repository, sar, tree
from hub.audit import service as audit
from hub.audit.integrity import SignedEntry, signed
from hub.audit.models import AuditAlert, AuditCheckpoint, AuditEntry
from hub.audit.repository import EntryFilter
from hub.audit.schemas import SubjectAccessReportOut
from hub.audit.sequencer import Sequencer, catch_up
from hub.audit.status import log_status
from hub.audit.views import ConsistencyProof, InclusionProof, IntegrityView
from hub.audit.vocabulary import Action
from hub.errors import ExportSpansOrganisations
from hub.pseudonym import Subject
from hub.settings import Settings
from policies import Policy


@dataclass(frozen=True)
class EntryPage:
    items: list[SignedEntry]
    next_after: int | None
    """The ``seq`` to pass as ``after`` for the next page; None at the end."""


def _signed_page(
    session: Session, actor: Actor, entries: Sequence[AuditEntry], *, limit: int, now: datetime
) -> EntryPage:
    """The page as the entries' signed leaves state them; changed ones marked and alerted.

    An entry whose leaf names another organisation was moved into this officer's view by
    changing its columns: it is left out (it is another officer's to see), and alerted.
    """
    items = [signed(entry) for entry in entries]
    faults = [item.fault() for item in items if not item.intact]
    if faults:
        alerts.raise_integrity_alert(session, faults, now=now)
    next_after = entries[-1].seq if len(entries) == limit else None
    shown = [item for item in items if item.actor_organisation == actor.organisation]
    return EntryPage(items=shown, next_after=next_after)


def search_entries(
    session: Session,
    actor: Actor,
    *,
    sequencer: Sequencer,
    where: EntryFilter,
    limit: int,
    after_seq: int,
    now: datetime,
    case_ref: str | None = None,
) -> EntryPage:
    """A page of the officer's organisation's entries matching ``where`` (audited)."""
    catch_up(session, sequencer, now=now)
    entries = audit.search_entries(
        session, actor, where=where, limit=limit, after_seq=after_seq, now=now, case_ref=case_ref
    )
    return _signed_page(session, actor, entries, limit=limit, now=now)


def latest_checkpoint(session: Session, *, sequencer: Sequencer, now: datetime) -> AuditCheckpoint:
    """The newest signed checkpoint, once the waiting entries are in the tree."""
    catch_up(session, sequencer, now=now)
    return tree.latest_checkpoint(session)


def inclusion_proof(
    session: Session,
    actor: Actor,
    *,
    sequencer: Sequencer,
    index: int,
    size: int | None,
    now: datetime,
) -> InclusionProof:
    """Proof that one of the organisation's entries is in a signed tree (audited: it shows
    the leaf)."""
    catch_up(session, sequencer, now=now)
    proof = tree.inclusion(session, index=index, size=size, organisation=actor.organisation)
    audit.record_oversight(
        session, actor, action=Action.AUDIT_INCLUSION_PROOF, now=now, object_id=str(proof.entry.id)
    )
    return proof


def consistency_proof(
    session: Session, *, sequencer: Sequencer, first: int, second: int | None, now: datetime
) -> ConsistencyProof:
    """Proof that one signed tree is a prefix of another (shows no entry)."""
    catch_up(session, sequencer, now=now)
    return tree.consistency(session, first=first, second=second)


def subject_access_report(
    session: Session,
    actor: Actor,
    *,
    sequencer: Sequencer,
    policy: Policy,
    subject: Subject,
    now: datetime,
    case_ref: str | None = None,
) -> SubjectAccessReportOut:
    """The inzageverzoek for one subject (audited on the subject)."""
    catch_up(session, sequencer, now=now)
    return sar.subject_access_report(
        session, actor, policy=policy, subject=subject, now=now, case_ref=case_ref
    )


def otlp_spans(
    session: Session,
    actor: Actor,
    *,
    sequencer: Sequencer,
    since: datetime | None,
    until: datetime | None,
    after_seq: int,
    limit: int,
    origin: str,
    now: datetime,
) -> tuple[dict[str, Any], int | None]:
    """A page of entries as OTLP spans, and the next ``after`` (audited)."""
    catch_up(session, sequencer, now=now)
    entries = audit.search_entries(
        session,
        actor,
        where=EntryFilter(since=since, until=until),
        limit=limit,
        after_seq=after_seq,
        now=now,
        action=Action.AUDIT_OTLP_EXPORT,
    )
    page = _signed_page(session, actor, entries, limit=limit, now=now)
    return otlp.spans_document(page.items, origin=origin), page.next_after


def list_alerts(
    session: Session,
    actor: Actor,
    *,
    settings: Settings,
    status: alerts.AlertStatus | None,
    limit: int,
    offset: int,
    now: datetime,
) -> list[AuditAlert]:
    """The officer's inbox, with the alert rules evaluated afresh first (audited)."""
    alerts.evaluate_alerts(session, settings=settings, now=now)
    return alerts.list_alerts(session, actor, status=status, limit=limit, offset=offset, now=now)


def integrity_view(
    session: Session, *, sequencer: Sequencer, verifier_key: str, now: datetime
) -> IntegrityView:
    """The latest checkpoint and whether the stored log still matches it, now.

    Shows no entry, so it is not itself audited (as a checkpoint is not). What it finds
    altered raises the integrity alert and marks the log compromised, as a read does.
    """
    catch_up(session, sequencer, now=now)
    checkpoint = repository.latest_checkpoint(session)
    faults = (
        tree.checkpoint_faults(session, checkpoint, verifier_key=verifier_key)
        if checkpoint is not None
        else []
    )
    if faults:
        alerts.raise_integrity_alert(session, faults, now=now)
    state = repository.integrity_state(session)
    return IntegrityView(
        checkpoint=checkpoint,
        faults=faults,
        status=log_status(session).value,
        checked_at=state.checked_at if state is not None else None,
        checked_size=state.checked_size if state is not None else None,
    )


def export(
    session: Session,
    actor: Actor,
    *,
    sequencer: Sequencer,
    origin: str,
    start: int,
    now: datetime,
) -> dict[str, Any]:
    """The offline export (``betrokken audit export``) over a checkpoint signed now (audited).

    The export is the whole tree, so a privacy officer gets it only while every exported
    leaf is their own organisation's processing (or a system job's): an officer sees their
    own organisation's members only. A hub operator gets it always, as from the CLI.

    The export's own entry is written in this transaction, after the checkpoint: it is in
    the next export, not in this one.
    """
    catch_up(session, sequencer, now=now, force_checkpoint=True)
    document = tree.build_export(session, origin=origin, start=start)
    if not actor.roles & OPERATOR_ROLES:
        foreign = _foreign_leaves(document["entries"], actor.organisation)
        if foreign:
            raise ExportSpansOrganisations(
                f"{foreign} of the exported entries are other organisations' processing; "
                "the hub operator exports the whole log (betrokken audit export)"
            )
    audit.record_oversight(
        session,
        actor,
        action=Action.AUDIT_EXPORT,
        now=now,
        reason=json.dumps({"from_index": start}),
    )
    return document


OPERATOR_ROLES = frozenset({Role.HUB_OPERATOR, Role.ADMIN})
SYSTEM_ORGANISATION = "system"
"""The organisation of the hub's own jobs and the CLI in their leaves (retention, export)."""


def _foreign_leaves(entries: Sequence[dict[str, Any]], organisation: str | None) -> int:
    """How many exported leaves name a member of another organisation."""
    mine = {organisation, SYSTEM_ORGANISATION, None}
    return sum(
        1 for entry in entries if json.loads(entry["leaf"])["actor"].get("organisation") not in mine
    )
