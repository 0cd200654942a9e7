"""``betrokken admin``: organisations, teams, policies and convenants, through the hub's API.

Every command calls ``/api/v1/admin/...`` with the caller's token (``--token`` or
BETROKKEN_TOKEN): a hub operator's to add organisations, a functioneel beheerder's to manage
the own organisation's teams and upload its policy, the privacy officer's to approve it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any

import click

import api.cli.render as render
from api.cli.client import friendly_errors
from api.client.hub import HubClient


def admin_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--hub-url, --token and --json; without a token, one by client credentials."""

    @wraps(command)
    def with_token(*args: Any, token: str | None, **kwargs: Any) -> Any:
        return command(*args, token=token or _service_token(), **kwargs)

    options = [
        click.option(
            "--hub-url",
            envvar="BETROKKEN_HUB_URL",
            default="http://127.0.0.1:8000",
            show_default=True,
        ),
        click.option(
            "--token",
            envvar="BETROKKEN_TOKEN",
            default=None,
            help="Bearer token (or env). Without one: a client-credentials token from "
            "BETROKKEN_OIDC_ISSUER for BETROKKEN_CLIENT_ID and BETROKKEN_CLIENT_SECRET.",
        ),
        click.option("--json", "as_json", is_flag=True, help="JSON for scripts, not text."),
    ]
    for option in reversed(options):
        with_token = option(with_token)
    return with_token


def _service_token() -> str:
    """The deployment's own client (e.g. onboarding the first organisation) asks for a token."""
    from api.client.tokens import TokenError, client_credentials_token

    issuer = os.environ.get("BETROKKEN_OIDC_ISSUER")
    client_id = os.environ.get("BETROKKEN_CLIENT_ID")
    secret = os.environ.get("BETROKKEN_CLIENT_SECRET")
    if not (issuer and client_id and secret):
        raise click.UsageError(
            "give --token (or BETROKKEN_TOKEN), or BETROKKEN_OIDC_ISSUER, BETROKKEN_CLIENT_ID "
            "and BETROKKEN_CLIENT_SECRET for a client-credentials token"
        )
    try:
        return client_credentials_token(issuer, client_id, secret)
    except TokenError as error:
        raise click.ClickException(str(error)) from None


def _given(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _domain_lines(answer: dict[str, Any]) -> Iterator[str]:
    for each in answer.get("items", [answer]):
        yield f"domain {each['code']}: {each['name']}"


def _organisation_lines(answer: dict[str, Any]) -> Iterator[str]:
    for each in answer.get("items", [answer]):
        state = "" if each["active"] else " (deactivated)"
        oin = f", OIN {each['oin']}" if each.get("oin") else ""
        yield f"organisation {each['slug']}: {each['name']} ({each['kind']}{oin}){state}"


def _team_lines(answer: dict[str, Any]) -> Iterator[str]:
    for each in answer.get("items", [answer]):
        state = "" if each["active"] else " (deactivated)"
        contact = ", ".join(
            value for value in (each["contact_person"], each["email"], each["phone"]) if value
        )
        yield (
            f"team {each['slug']} of {each['organisation']}: {each['name']} "
            f"({each['domain']}){state}" + (f"; contact: {contact}" if contact else "")
        )


def _policy_lines(answer: dict[str, Any]) -> Iterator[str]:
    for each in answer.get("items", [answer]):
        decided = (
            f", {each['status']} by {each['decided_by']} on {each['decided_at'][:10]}"
            if each.get("decided_by")
            else f", {each['status']}"
        )
        yield (
            f"policy {each['version']}: uploaded by {each['uploaded_by']} on "
            f"{each['uploaded_at'][:10]}{decided}; in force from {each['active_from'][:10]}"
        )


def _convenant_lines(answer: dict[str, Any]) -> Iterator[str]:
    for each in answer.get("items", [answer]):
        state = "active" if each["active"] else "not active"
        yield (
            f"convenant {each['slug']}: {each['name']} ({state}), partners "
            f"{', '.join(each['partners'])}; domains {', '.join(each['domains'])}; purposes "
            f"{', '.join(each['purposes'])}; grondslag {each['legal_basis']}; "
            f"{each['starts_on']} to {each['ends_on']}; responsible: {each['responsible']}"
        )


@click.group()
def admin() -> None:
    """Administration: organisations, teams, policies and convenants."""


@admin.command("token")
def token_command() -> None:
    """Print a client-credentials token for BETROKKEN_CLIENT_ID (a deployment's own jobs)."""
    click.echo(_service_token())


@admin.group()
def domain() -> None:
    """Domains of work (a hub operator adds them)."""


@domain.command("create")
@click.argument("code")
@click.option("--name", required=True)
@admin_options
@friendly_errors
def domain_create(hub_url: str, token: str, as_json: bool, code: str, name: str) -> None:
    """Add a domain of work, e.g. uwv_ww."""
    with HubClient(hub_url, token) as hub:
        made = hub.call("POST", "/admin/domains", {"code": code, "name": name})
    render.emit(made, as_json, _domain_lines)


@domain.command("list")
@admin_options
@friendly_errors
def domain_list(hub_url: str, token: str, as_json: bool) -> None:
    """The domains teams may belong to."""
    with HubClient(hub_url, token) as hub:
        render.emit(hub.call("GET", "/admin/domains"), as_json, _domain_lines)


@admin.group()
def organisation() -> None:
    """Organisations (a hub operator adds them)."""


@organisation.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice(["gemeente", "ketenpartner"]), required=True)
@click.option("--oin", default=None, help="The organisation's OIN (20 digits), if known.")
@admin_options
@friendly_errors
def organisation_create(
    hub_url: str, token: str, as_json: bool, slug: str, name: str, kind: str, oin: str | None
) -> None:
    """Add an organisation."""
    with HubClient(hub_url, token) as hub:
        made = hub.call(
            "POST", "/admin/organisations", _given(slug=slug, name=name, kind=kind, oin=oin)
        )
    render.emit(made, as_json, _organisation_lines)


@organisation.command("list")
@admin_options
@friendly_errors
def organisation_list(hub_url: str, token: str, as_json: bool) -> None:
    """Every organisation (a hub operator), or your own."""
    with HubClient(hub_url, token) as hub:
        render.emit(hub.call("GET", "/admin/organisations"), as_json, _organisation_lines)


@organisation.command("update")
@click.argument("slug")
@click.option("--name", default=None, help="A new name.")
@click.option("--oin", default=None)
@click.option("--deactivate", "active", flag_value=False, default=None)
@click.option("--activate", "active", flag_value=True)
@admin_options
@friendly_errors
def organisation_update(
    hub_url: str,
    token: str,
    as_json: bool,
    slug: str,
    name: str | None,
    oin: str | None,
    active: bool | None,
) -> None:
    """Rename, set the OIN, deactivate or activate again."""
    with HubClient(hub_url, token) as hub:
        changed = hub.call(
            "PATCH", f"/admin/organisations/{slug}", _given(name=name, oin=oin, active=active)
        )
    render.emit(changed, as_json, _organisation_lines)


@admin.group()
def team() -> None:
    """Teams of an organisation (its functioneel beheerder manages them)."""


@team.command("create")
@click.argument("organisation_slug", metavar="ORGANISATION")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--domain", required=True, help="The team's domain code, e.g. pw or schuldhulp.")
@click.option("--contact-person", default=None)
@click.option("--email", default=None)
@click.option("--phone", default=None)
@click.option("--webhook-url", default=None)
@admin_options
@friendly_errors
def team_create(
    hub_url: str,
    token: str,
    as_json: bool,
    organisation_slug: str,
    slug: str,
    name: str,
    domain: str,
    contact_person: str | None,
    email: str | None,
    phone: str | None,
    webhook_url: str | None,
) -> None:
    """Add a team to ORGANISATION."""
    body = _given(
        slug=slug,
        name=name,
        domain=domain,
        contact_person=contact_person,
        email=email,
        phone=phone,
        webhook_url=webhook_url,
    )
    with HubClient(hub_url, token) as hub:
        made = hub.call("POST", f"/admin/organisations/{organisation_slug}/teams", body)
    render.emit(made, as_json, _team_lines)


@team.command("list")
@click.argument("organisation_slug", metavar="ORGANISATION")
@admin_options
@friendly_errors
def team_list(hub_url: str, token: str, as_json: bool, organisation_slug: str) -> None:
    """The teams of ORGANISATION, deactivated ones included."""
    with HubClient(hub_url, token) as hub:
        found = hub.call("GET", f"/admin/organisations/{organisation_slug}/teams")
    render.emit(found, as_json, _team_lines)


@team.command("update")
@click.argument("slug")
@click.option("--name", default=None, help="A new name.")
@click.option("--contact-person", default=None)
@click.option("--email", default=None)
@click.option("--phone", default=None)
@click.option("--webhook-url", default=None, help='A new webhook URL ("" removes it).')
@click.option("--deactivate", "active", flag_value=False, default=None)
@click.option("--activate", "active", flag_value=True)
@admin_options
@friendly_errors
def team_update(
    hub_url: str,
    token: str,
    as_json: bool,
    slug: str,
    name: str | None,
    contact_person: str | None,
    email: str | None,
    phone: str | None,
    webhook_url: str | None,
    active: bool | None,
) -> None:
    """Rename a team, change its contact details or webhook, deactivate or activate it."""
    body = _given(
        name=name,
        contact_person=contact_person,
        email=email,
        phone=phone,
        webhook_url=webhook_url,
        active=active,
    )
    with HubClient(hub_url, token) as hub:
        render.emit(hub.call("PATCH", f"/admin/teams/{slug}", body), as_json, _team_lines)


@admin.group("policy")
def admin_policy() -> None:
    """An organisation's own DPIA policy: upload, approve (two people), history, diff."""


@admin_policy.command("upload")
@click.argument("organisation_slug", metavar="ORGANISATION")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--active-from",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The day it takes effect once approved (default: on approval).",
)
@admin_options
@friendly_errors
def policy_upload(
    hub_url: str,
    token: str,
    as_json: bool,
    organisation_slug: str,
    file: Path,
    active_from: Any,
) -> None:
    """Upload FILE as ORGANISATION's next policy; it waits for the privacy officer."""
    day: date | None = active_from.date() if active_from else None
    body = _given(text=file.read_text(encoding="utf-8"), active_from=day and day.isoformat())
    with HubClient(hub_url, token) as hub:
        made = hub.call("POST", f"/admin/organisations/{organisation_slug}/policies", body)
    render.emit(made, as_json, _policy_lines)


@admin_policy.command("list")
@click.argument("organisation_slug", metavar="ORGANISATION")
@admin_options
@friendly_errors
def policy_list(hub_url: str, token: str, as_json: bool, organisation_slug: str) -> None:
    """Every version ORGANISATION ever uploaded, oldest first."""
    with HubClient(hub_url, token) as hub:
        found = hub.call("GET", f"/admin/organisations/{organisation_slug}/policies")
    render.emit(found, as_json, _policy_lines)


@admin_policy.command("show")
@click.argument("organisation_slug", metavar="ORGANISATION")
@click.argument("version")
@admin_options
@friendly_errors
def policy_show(
    hub_url: str, token: str, as_json: bool, organisation_slug: str, version: str
) -> None:
    """Print one stored version's text (the YAML as uploaded)."""
    with HubClient(hub_url, token) as hub:
        found = hub.call("GET", f"/admin/organisations/{organisation_slug}/policies/{version}")
    render.emit(found, as_json, lambda answer: [answer["text"]])


def _decide(
    hub_url: str, token: str, as_json: bool, organisation: str, version: str, how: str
) -> None:
    with HubClient(hub_url, token) as hub:
        done = hub.call("POST", f"/admin/organisations/{organisation}/policies/{version}/{how}")
    render.emit(done, as_json, _policy_lines)


@admin_policy.command("approve")
@click.argument("organisation_slug", metavar="ORGANISATION")
@click.argument("version")
@admin_options
@friendly_errors
def policy_approve(
    hub_url: str, token: str, as_json: bool, organisation_slug: str, version: str
) -> None:
    """Approve VERSION (the organisation's privacy officer; not who uploaded it)."""
    _decide(hub_url, token, as_json, organisation_slug, version, "approval")


@admin_policy.command("reject")
@click.argument("organisation_slug", metavar="ORGANISATION")
@click.argument("version")
@admin_options
@friendly_errors
def policy_reject(
    hub_url: str, token: str, as_json: bool, organisation_slug: str, version: str
) -> None:
    """Reject VERSION; it never takes effect."""
    _decide(hub_url, token, as_json, organisation_slug, version, "rejection")


@admin_policy.command("diff")
@click.argument("organisation_slug", metavar="ORGANISATION")
@click.argument("old")
@click.argument("new")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), default=None)
@admin_options
@friendly_errors
def policy_diff(
    hub_url: str,
    token: str,
    as_json: bool,
    organisation_slug: str,
    old: str,
    new: str,
    on: Any,
) -> None:
    """Which decisions change between two stored versions OLD and NEW."""
    params = _given(old=old, new=new, on=on.date().isoformat() if on else None)
    with HubClient(hub_url, token) as hub:
        found = hub.call(
            "GET", f"/admin/organisations/{organisation_slug}/policy-diff", params=params
        )
    render.emit(found, as_json, lambda answer: [answer["text"]])


@admin.group()
def convenant() -> None:
    """Convenants between organisations (a hub operator, or a partner's beheerder)."""


@convenant.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--partner", "partners", multiple=True, required=True, help="Repeat, 2 or more.")
@click.option("--domain", "domains", multiple=True, required=True, help="Repeat for several.")
@click.option("--purpose", "purposes", multiple=True, required=True, help="Repeat for several.")
@click.option("--legal-basis", required=True, help="The grondslag's id.")
@click.option("--starts-on", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--ends-on", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--responsible", required=True, help="The person responsible.")
@admin_options
@friendly_errors
def convenant_create(
    hub_url: str,
    token: str,
    as_json: bool,
    slug: str,
    name: str,
    partners: tuple[str, ...],
    domains: tuple[str, ...],
    purposes: tuple[str, ...],
    legal_basis: str,
    starts_on: Any,
    ends_on: Any,
    responsible: str,
) -> None:
    """Make a convenant between the partner organisations."""
    body = {
        "slug": slug,
        "name": name,
        "partners": list(partners),
        "domains": list(domains),
        "purposes": list(purposes),
        "legal_basis": legal_basis,
        "starts_on": starts_on.date().isoformat(),
        "ends_on": ends_on.date().isoformat(),
        "responsible": responsible,
    }
    with HubClient(hub_url, token) as hub:
        render.emit(hub.call("POST", "/admin/convenants", body), as_json, _convenant_lines)


@convenant.command("list")
@admin_options
@friendly_errors
def convenant_list(hub_url: str, token: str, as_json: bool) -> None:
    """Every convenant (a hub operator), or your organisation's."""
    with HubClient(hub_url, token) as hub:
        render.emit(hub.call("GET", "/admin/convenants"), as_json, _convenant_lines)


@convenant.command("end")
@click.argument("slug")
@admin_options
@friendly_errors
def convenant_end(hub_url: str, token: str, as_json: bool, slug: str) -> None:
    """End a convenant now: the partners no longer see each other, its flags expire."""
    with HubClient(hub_url, token) as hub:
        ended = hub.call("POST", f"/admin/convenants/{slug}/end")
    render.emit(ended, as_json, _convenant_lines)
