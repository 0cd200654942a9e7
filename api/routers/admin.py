"""Administration: organisations, their teams, their policies, convenants between them.

Hub operators (``hub_operator``; ``admin`` counts as one) create organisations; an
organisation's functioneel beheerder manages its teams and uploads its policy; its privacy
officer approves the policy (docs/administration.md). Every change is audited.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query

from api.deps import DbSession, Now, RuntimeDep, require
from api.openapi import errors
from hub.actor import Actor, Role
from hub.convenant import service as convenants
from hub.convenant.schemas import ConvenantIn, ConvenantListOut, ConvenantOut
from hub.organisation import admin, repository
from hub.organisation.schemas import (
    DomainIn,
    DomainListOut,
    DomainOut,
    OrganisationChange,
    OrganisationIn,
    OrganisationListOut,
    OrganisationOut,
    TeamChange,
    TeamIn,
    TeamListOut,
    TeamOut,
)
from hub.organisation_policy import service as policies
from hub.organisation_policy.schemas import PolicyDiffOut, PolicyIn, PolicyListOut, PolicyOut
from hub.runtime import Runtime

router = APIRouter(prefix="/admin", tags=["administration"], responses=errors(503))

ADMINISTRATORS = (Role.HUB_OPERATOR, Role.ADMIN, Role.FUNCTIONEEL_BEHEERDER)
READERS = (*ADMINISTRATORS, Role.PRIVACY_OFFICER)
Operator = Annotated[Actor, Depends(require(Role.HUB_OPERATOR, Role.ADMIN))]
Administrator = Annotated[Actor, Depends(require(*ADMINISTRATORS))]
Reader = Annotated[Actor, Depends(require(*READERS))]
Officer = Annotated[Actor, Depends(require(Role.PRIVACY_OFFICER))]
VERSION = r"^[0-9a-f]{8,64}$"


def _forget_teams(runtime: Runtime) -> None:
    """After the commit: this process reads the teams again (others within their TTL)."""
    runtime.teams.forget()


def _reload_policies(runtime: Runtime) -> None:
    """After the commit: this process reads the approved policies and convenants again."""
    runtime.refresh_kept()


# -- domains -------------------------------------------------------------------------------


@router.get("/domains", response_model=DomainListOut)
def list_domains(session: DbSession, _: Reader) -> DomainListOut:
    """The domains of work teams may belong to."""
    return DomainListOut(items=[DomainOut.of(each) for each in admin.list_domains(session)])


@router.post("/domains", response_model=DomainOut, status_code=201, responses=errors(409))
def create_domain(body: DomainIn, session: DbSession, actor: Operator, now: Now) -> DomainOut:
    """Add a domain of work (hub operator)."""
    return DomainOut.of(
        admin.create_domain(session, actor, code=body.code, name=body.name, now=now)
    )


# -- organisations --------------------------------------------------------------------------


@router.get("/organisations", response_model=OrganisationListOut)
def list_organisations(session: DbSession, actor: Reader) -> OrganisationListOut:
    """Every organisation for a hub operator; your own for anyone else."""
    found = admin.list_organisations(session, actor)
    return OrganisationListOut(items=[OrganisationOut.of(each) for each in found])


@router.post(
    "/organisations", response_model=OrganisationOut, status_code=201, responses=errors(409)
)
def create_organisation(
    body: OrganisationIn, session: DbSession, actor: Operator, now: Now
) -> OrganisationOut:
    """Add a municipality or chain partner (hub operator)."""
    made = admin.create_organisation(
        session, actor, slug=body.slug, name=body.name, kind=body.kind, oin=body.oin, now=now
    )
    return OrganisationOut.of(made)


@router.patch(
    "/organisations/{organisation}", response_model=OrganisationOut, responses=errors(404)
)
def update_organisation(
    organisation: str,
    body: OrganisationChange,
    session: DbSession,
    actor: Operator,
    now: Now,
    runtime: RuntimeDep,
    after: BackgroundTasks,
) -> OrganisationOut:
    """Rename, set the OIN, deactivate or activate again (hub operator)."""
    changed = admin.update_organisation(
        session,
        actor,
        organisation,
        name=body.name,
        oin=body.oin,
        active=body.active,
        now=now,
        policy=runtime.policy_for,
    )
    after.add_task(_forget_teams, runtime)
    return OrganisationOut.of(changed)


# -- teams ----------------------------------------------------------------------------------


@router.get(
    "/organisations/{organisation}/teams", response_model=TeamListOut, responses=errors(404)
)
def list_teams(organisation: str, session: DbSession, actor: Reader) -> TeamListOut:
    """The organisation's teams, deactivated ones included."""
    found = admin.list_teams(session, actor, organisation)
    return TeamListOut(items=[TeamOut.of(team, organisation) for team in found])


@router.post(
    "/organisations/{organisation}/teams",
    response_model=TeamOut,
    status_code=201,
    responses=errors(400, 404, 409),
)
def create_team(
    organisation: str,
    body: TeamIn,
    session: DbSession,
    actor: Administrator,
    now: Now,
    runtime: RuntimeDep,
) -> TeamOut:
    """Add a team to the organisation (its functioneel beheerder, or a hub operator)."""
    made = admin.create_team(
        session,
        actor,
        organisation,
        slug=body.slug,
        name=body.name,
        domain=body.domain,
        contact_person=body.contact_person,
        email=body.email,
        phone=body.phone,
        webhook_url=body.webhook_url,
        targets=runtime.webhook_targets,
        now=now,
        policy=runtime.policy_for,
    )
    return TeamOut.of(made, organisation)


@router.patch("/teams/{team}", response_model=TeamOut, responses=errors(404))
def update_team(
    team: str,
    body: TeamChange,
    session: DbSession,
    actor: Administrator,
    now: Now,
    runtime: RuntimeDep,
    after: BackgroundTasks,
) -> TeamOut:
    """Rename, change contact details, deactivate (its members are refused, its flags no
    longer shown; nothing is deleted) or activate again."""
    changed = admin.update_team(
        session,
        actor,
        team,
        name=body.name,
        contact_person=body.contact_person,
        email=body.email,
        phone=body.phone,
        webhook_url=body.webhook_url,
        targets=runtime.webhook_targets,
        active=body.active,
        now=now,
        policy=runtime.policy_for,
    )
    after.add_task(_forget_teams, runtime)
    return TeamOut.of(changed, repository.organisation_of_team(session, changed).slug)


# -- the organisation's policy --------------------------------------------------------------


@router.get(
    "/organisations/{organisation}/policies", response_model=PolicyListOut, responses=errors(404)
)
def list_policies(organisation: str, session: DbSession, actor: Reader) -> PolicyListOut:
    """Every version ever uploaded, oldest first, with who uploaded and who decided."""
    found = policies.versions(session, actor, organisation)
    return PolicyListOut(items=[PolicyOut.of(row) for row in found])


@router.post(
    "/organisations/{organisation}/policies",
    response_model=PolicyOut,
    status_code=201,
    responses=errors(400, 404, 409),
)
def upload_policy(
    organisation: str, body: PolicyIn, session: DbSession, actor: Administrator, now: Now
) -> PolicyOut:
    """Upload a new version, validated as ``betrokken policy check`` does (problems come
    with their lines); it waits for the privacy officer's approval."""
    row = policies.upload(
        session, actor, organisation, text=body.text, active_from=body.active_from, now=now
    )
    return PolicyOut.of(row)


@router.get(
    "/organisations/{organisation}/policy-diff",
    response_model=PolicyDiffOut,
    responses=errors(404),
)
def diff_policies(
    organisation: str,
    session: DbSession,
    actor: Reader,
    now: Now,
    old: Annotated[str, Query(pattern=VERSION)],
    new: Annotated[str, Query(pattern=VERSION)],
    on: Annotated[date | None, Query()] = None,
) -> PolicyDiffOut:
    """Which decisions change between two stored versions."""
    text = policies.diff(session, actor, organisation, old, new, on=on or now.date())
    return PolicyDiffOut(old=old, new=new, text=text)


@router.get(
    "/organisations/{organisation}/policies/{version}",
    response_model=PolicyOut,
    responses=errors(404),
)
def get_policy_version(
    organisation: str, version: str, session: DbSession, actor: Reader
) -> PolicyOut:
    """One version, with its text."""
    row = policies.version(session, actor, organisation, version)
    return PolicyOut.of(row, with_text=True)


@router.post(
    "/organisations/{organisation}/policies/{version}/approval",
    response_model=PolicyOut,
    responses=errors(404, 409),
)
def approve_policy(
    organisation: str,
    version: str,
    session: DbSession,
    actor: Officer,
    now: Now,
    runtime: RuntimeDep,
    after: BackgroundTasks,
) -> PolicyOut:
    """The organisation's privacy officer approves a version uploaded by someone else; it
    is in force from its ``active_from``."""
    row = policies.decide(session, actor, organisation, version, approve=True, now=now)
    after.add_task(_reload_policies, runtime)
    return PolicyOut.of(row)


@router.post(
    "/organisations/{organisation}/policies/{version}/rejection",
    response_model=PolicyOut,
    responses=errors(404, 409),
)
def reject_policy(
    organisation: str, version: str, session: DbSession, actor: Officer, now: Now
) -> PolicyOut:
    """The organisation's privacy officer rejects a version; it never takes effect."""
    row = policies.decide(session, actor, organisation, version, approve=False, now=now)
    return PolicyOut.of(row)


# -- convenants -----------------------------------------------------------------------------


@router.get("/convenants", response_model=ConvenantListOut)
def list_convenants(session: DbSession, actor: Reader, now: Now) -> ConvenantListOut:
    """Every convenant for a hub operator; your organisation's for anyone else."""
    found = convenants.listed(session, actor, now=now)
    return ConvenantListOut(items=[ConvenantOut.of(each) for each in found])


@router.post(
    "/convenants", response_model=ConvenantOut, status_code=201, responses=errors(400, 404, 409)
)
def create_convenant(
    body: ConvenantIn,
    session: DbSession,
    actor: Administrator,
    now: Now,
    runtime: RuntimeDep,
    after: BackgroundTasks,
) -> ConvenantOut:
    """Make a convenant between partner organisations (a hub operator, or a partner's
    functioneel beheerder)."""
    made = convenants.create(
        session,
        actor,
        slug=body.slug,
        name=body.name,
        partners=body.partners,
        domains=body.domains,
        purposes=body.purposes,
        legal_basis=body.legal_basis,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        responsible=body.responsible,
        now=now,
    )
    after.add_task(_reload_policies, runtime)
    return ConvenantOut.of(made)


@router.post("/convenants/{convenant}/end", response_model=ConvenantOut, responses=errors(404, 409))
def end_convenant(
    convenant: str,
    session: DbSession,
    actor: Administrator,
    now: Now,
    runtime: RuntimeDep,
    after: BackgroundTasks,
) -> ConvenantOut:
    """End a convenant now: nothing of the partners shows any more, and the flags
    registered under it expire."""
    ended = convenants.end(session, actor, convenant, now=now)
    after.add_task(_reload_policies, runtime)
    return ConvenantOut.of(ended)
