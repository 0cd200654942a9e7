"""The verwerkingslog for the privacy officer: searches, proofs, reports, alerts, inzage.

Everything here needs the ``privacy_officer`` role, except the verifier key, which is
public by design so that anyone can check a checkpoint or an export. An officer sees the
processing by their own organisation's members only (``officer_scope``); checkpoints and
consistency proofs are about the whole tree and show no entry.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import AwareDatetime

from api.deps import (
    CurrentPolicy,
    DbSession,
    Now,
    PrivacyOfficer,
    ReadSession,
    RuntimeDep,
    require,
)
from api.openapi import errors
from hub.actor import Actor, Role
from hub.audit import alerts, oversight, reports, sar
from hub.audit.repository import EntryFilter
from hub.audit.schemas import (
    AcknowledgementIn,
    AlertListOut,
    AlertOut,
    CheckpointOut,
    ConsistencyProofOut,
    EntryListOut,
    InclusionProofOut,
    IntegrityOut,
    PublicKeyOut,
    ReportOut,
    SubjectAccessReportIn,
    SubjectAccessReportOut,
    SubjectSearchIn,
)
from hub.audit.views import ReportKind
from hub.fields import MAX_POSITION, ZONED_TIME, FreeText, MemberRef

router = APIRouter(prefix="/audit", tags=["audit"])

From = Annotated[AwareDatetime | None, Query(alias="from", description=ZONED_TIME)]
To = Annotated[AwareDatetime | None, Query(alias="to", description=ZONED_TIME)]


@router.get("/public-key", response_model=PublicKeyOut)
def public_key(runtime: RuntimeDep) -> PublicKeyOut:
    """The C2SP verifier key that checks every checkpoint and export (public)."""
    return PublicKeyOut.of(runtime.audit_signer)


@router.get("/entries", response_model=EntryListOut, responses=errors(400, 503))
def list_entries(
    session: DbSession,
    actor: PrivacyOfficer,
    runtime: RuntimeDep,
    now: Now,
    since: From = None,
    until: To = None,
    member: Annotated[MemberRef | None, Query(max_length=200)] = None,
    team: Annotated[FreeText | None, Query(max_length=64)] = None,
    organisation: Annotated[FreeText | None, Query(max_length=64)] = None,
    action: Annotated[FreeText | None, Query(max_length=64)] = None,
    outcome: Annotated[str | None, Query(pattern=r"^(allowed|refused)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[
        int, Query(ge=0, le=MAX_POSITION, description="The 'next_after' of the previous page.")
    ] = 0,
    client: Annotated[
        FreeText | None,
        Query(max_length=200, description="The OAuth client, e.g. a connector's client id."),
    ] = None,
) -> EntryListOut:
    """Search by member, team, organisation, action, outcome, client and period (audited)."""
    where = EntryFilter(
        member=member,
        team=team,
        organisation=organisation,
        action=action,
        outcome=outcome,
        since=since,
        until=until,
        client=client,
    )
    page = oversight.search_entries(
        session,
        actor,
        sequencer=runtime.sequencer,
        where=where,
        limit=limit,
        after_seq=after,
        now=now,
    )
    return EntryListOut.of(page.items, page.next_after)


@router.post("/searches", response_model=EntryListOut, responses=errors(400, 503))
def search_by_subject(
    body: SubjectSearchIn,
    session: DbSession,
    actor: PrivacyOfficer,
    runtime: RuntimeDep,
    now: Now,
) -> EntryListOut:
    """Search by subject (pseudonymised by your client); the search is logged on the subject."""
    subject = runtime.keyer.subject(body.subject.kind, body.subject.pseudonym)
    where = EntryFilter(
        member=body.member,
        team=body.team,
        organisation=body.organisation,
        action=body.action,
        outcome=body.outcome,
        since=body.since,
        until=body.until,
        subject_key=subject.key,
    )
    page = oversight.search_entries(
        session,
        actor,
        sequencer=runtime.sequencer,
        where=where,
        limit=body.limit,
        after_seq=body.after,
        now=now,
        case_ref=body.case_ref,
    )
    return EntryListOut.of(page.items, page.next_after)


@router.get("/checkpoints/latest", response_model=CheckpointOut, responses=errors(404, 503))
def latest_checkpoint(
    session: DbSession, _: PrivacyOfficer, runtime: RuntimeDep, now: Now
) -> CheckpointOut:
    """The newest signed checkpoint."""
    return CheckpointOut.of(
        oversight.latest_checkpoint(session, sequencer=runtime.sequencer, now=now)
    )


@router.get("/proofs/inclusion", response_model=InclusionProofOut, responses=errors(400, 404, 503))
def inclusion_proof(
    session: DbSession,
    actor: PrivacyOfficer,
    runtime: RuntimeDep,
    now: Now,
    index: Annotated[int, Query(ge=0, le=MAX_POSITION)],
    size: Annotated[
        int | None,
        Query(ge=1, le=MAX_POSITION, description="A checkpoint size (default latest)."),
    ] = None,
) -> InclusionProofOut:
    """Proof that entry ``index`` is in the signed tree of ``size`` (audited: shows the leaf)."""
    proof = oversight.inclusion_proof(
        session, actor, sequencer=runtime.sequencer, index=index, size=size, now=now
    )
    return InclusionProofOut.of(proof)


@router.get(
    "/proofs/consistency", response_model=ConsistencyProofOut, responses=errors(400, 404, 503)
)
def consistency_proof(
    session: DbSession,
    _: PrivacyOfficer,
    runtime: RuntimeDep,
    now: Now,
    first: Annotated[int, Query(ge=0, le=MAX_POSITION)],
    second: Annotated[
        int | None, Query(ge=0, le=MAX_POSITION, description="Default: the latest.")
    ] = None,
) -> ConsistencyProofOut:
    """Proof that the signed tree of size ``first`` is a prefix of the one of ``second``."""
    proof = oversight.consistency_proof(
        session, sequencer=runtime.sequencer, first=first, second=second, now=now
    )
    return ConsistencyProofOut.of(proof)


@router.get(
    "/reports/{kind}",
    response_model=ReportOut,
    response_model_by_alias=True,
    responses=errors(400, 503),
)
def report(
    kind: ReportKind,
    session: DbSession,
    replica: ReadSession,
    actor: PrivacyOfficer,
    runtime: RuntimeDep,
    now: Now,
    since: From = None,
    until: To = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    client: Annotated[
        str | None,
        Query(max_length=200, description="Only this OAuth client's entries, e.g. a connector."),
    ] = None,
) -> ReportOut:
    """Suwinet-style audit reports over a period (default the last 30 days; audited). Read
    on the read replica when the hub has one; the report's own audit entry on the primary."""
    result = reports.run_report(
        session,
        actor,
        reader=replica,
        client=client,
        settings=runtime.settings,
        kind=kind,
        since=since,
        until=until,
        now=now,
        limit=limit,
    )
    return ReportOut.of(result)


@router.get("/alerts", response_model=AlertListOut, responses=errors(503))
def list_alerts(
    session: DbSession,
    actor: PrivacyOfficer,
    runtime: RuntimeDep,
    now: Now,
    status: alerts.AlertStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
) -> AlertListOut:
    """Your inbox of probing alerts, newest first (evaluated afresh when opened)."""
    found = oversight.list_alerts(
        session,
        actor,
        settings=runtime.settings,
        status=status,
        limit=limit,
        offset=offset,
        now=now,
    )
    return AlertListOut(items=[AlertOut.of(a) for a in found], limit=limit, offset=offset)


@router.post(
    "/alerts/{alert_id}/acknowledgement", response_model=AlertOut, responses=errors(404, 409, 503)
)
def acknowledge_alert(
    alert_id: uuid.UUID,
    session: DbSession,
    actor: PrivacyOfficer,
    now: Now,
    body: AcknowledgementIn | None = None,
) -> AlertOut:
    """Mark an alert as handled, optionally with a note of what you found or did."""
    note = body.note if body is not None else None
    alert = alerts.acknowledge_alert(session, actor, alert_id=alert_id, now=now, note=note)
    return AlertOut.of(alert)


@router.get("/integrity", response_model=IntegrityOut, responses=errors(503))
def integrity(session: DbSession, _: PrivacyOfficer, runtime: RuntimeDep, now: Now) -> IntegrityOut:
    """The latest signed checkpoint, and whether the stored log still reproduces it now
    (shows no entry, so not audited; what it finds altered raises the integrity alert)."""
    verifier_key = runtime.audit_signer.verifier_key()
    view = oversight.integrity_view(
        session, sequencer=runtime.sequencer, verifier_key=verifier_key, now=now
    )
    return IntegrityOut.of(view, verifier_key=verifier_key)


@router.get(
    "/export",
    responses={
        200: {"content": {"application/json": {}}, "description": "The export document."},
        **errors(400, 409, 503),
    },
)
def export(
    session: DbSession,
    actor: Annotated[Actor, Depends(require(Role.PRIVACY_OFFICER, Role.HUB_OPERATOR, Role.ADMIN))],
    runtime: RuntimeDep,
    now: Now,
    start: Annotated[
        int,
        Query(alias="from_index", ge=0, le=MAX_POSITION, description="First leaf index."),
    ] = 0,
) -> Response:
    """The offline export, as ``betrokken audit export`` writes it, over a checkpoint signed
    now (audited); verify it with ``betrokken audit verify`` and the verifier key.

    The whole tree: a privacy officer gets it while it holds only their organisation's
    processing (409 ``export_spans_organisations`` otherwise), a hub operator always."""
    document = oversight.export(
        session,
        actor,
        sequencer=runtime.sequencer,
        origin=runtime.settings.audit_origin,
        start=start,
        now=now,
    )
    body = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    size = document["entries"][-1]["index"] + 1 if document["entries"] else start
    filename = f"betrokken-audit-export-{size}.json"
    return Response(
        body.encode("utf-8"),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post(
    "/subject-access-reports",
    response_model=SubjectAccessReportOut,
    responses={200: {"content": {"text/html": {}}}, **errors(503)},
)
def subject_access_report(
    body: SubjectAccessReportIn,
    request: Request,
    session: DbSession,
    actor: PrivacyOfficer,
    runtime: RuntimeDep,
    policy: CurrentPolicy,
    now: Now,
) -> Any:
    """The inzageverzoek for one subject: JSON, or a readable page with ``Accept: text/html``."""
    subject = runtime.keyer.subject(body.subject.kind, body.subject.pseudonym)
    result = oversight.subject_access_report(
        session,
        actor,
        sequencer=runtime.sequencer,
        policy=policy,
        subject=subject,
        now=now,
        case_ref=body.case_ref,
    )
    if _prefers_html(request.headers.get("accept", "")):
        return HTMLResponse(sar.render_html(result))
    return result


def _prefers_html(accept: str) -> bool:
    kinds = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if "text/html" not in kinds:
        return False
    json_at = kinds.index("application/json") if "application/json" in kinds else len(kinds)
    return kinds.index("text/html") < json_at


@router.get("/otlp", responses=errors(400, 503))
def otlp_spans(
    session: DbSession,
    actor: PrivacyOfficer,
    runtime: RuntimeDep,
    now: Now,
    since: From = None,
    until: To = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 500,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION)] = 0,
) -> JSONResponse:
    """The entries as OTLP/JSON spans with Logboek Dataverwerkingen attributes (audited).

    The next page is named in the ``Link``-like header ``Next-After``.
    """
    document, next_after = oversight.otlp_spans(
        session,
        actor,
        sequencer=runtime.sequencer,
        since=since,
        until=until,
        after_seq=after,
        limit=limit,
        origin=runtime.settings.audit_origin,
        now=now,
    )
    headers = {"Next-After": str(next_after)} if next_after is not None else None
    return JSONResponse(document, headers=headers)
