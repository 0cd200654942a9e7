"""The rest of a team's day from the command line: the inbox, contact requests, erasure.

Like ``flag`` and ``check``: ``--team`` for a member of several teams, text by default and
``--json`` for scripts, and a refusal shows what the hub said (field by field for a 422).
"""

from __future__ import annotations

from typing import Any

import click

import api.cli.render as render
from api.cli.client import friendly_errors, hub_options, identifier_options, pseudonymised
from api.client.hub import HubClient

DECLINE_REASONS = ("already_in_contact", "no_legal_ground", "not_relevant", "case_closed", "other")


@click.command("inbox")
@hub_options
@click.option("--unread", is_flag=True, help="Only notifications not yet read.")
@click.option(
    "--read",
    "mark_read",
    multiple=True,
    metavar="ID",
    help="Mark this notification as read first; repeat for several.",
)
@friendly_errors
def inbox(
    hub_url: str,
    token: str,
    team: str | None,
    as_json: bool,
    unread: bool,
    mark_read: tuple[str, ...],
) -> None:
    """Your team's notifications (matches, contact requests, expiring flags) and matches."""
    with HubClient(hub_url, token, team=team) as hub:
        for notification_id in mark_read:
            hub.call("PUT", f"/notifications/{notification_id}/read")
        params = {"unread": "true"} if unread else None
        answer = {
            "notifications": hub.call("GET", "/notifications", params=params)["items"],
            "matches": hub.call("GET", "/matches")["items"],
        }
    render.emit(answer, as_json, render.inbox)


@click.group()
def contact() -> None:
    """Contact requests: ask the owner of a flag you saw in a check, and decide on yours."""


@contact.command("request")
@hub_options
@click.option("--handle", required=True, help="The handle from your involvement check.")
@click.option("--purpose", required=True)
@click.option("--case-ref", default=None, help="Your case reference, to share with the owner.")
@click.option("--email", default=None, help="Default: your team's address.")
@click.option("--phone", default=None, help="Default: your team's number.")
@friendly_errors
def contact_request(
    hub_url: str,
    token: str,
    team: str | None,
    as_json: bool,
    handle: str,
    purpose: str,
    case_ref: str | None,
    email: str | None,
    phone: str | None,
) -> None:
    """Ask the owner of a flag to get in touch."""
    body: dict[str, Any] = {"handle": handle, "purpose": purpose}
    body |= {k: v for k, v in (("case_ref", case_ref), ("email", email), ("phone", phone)) if v}
    with HubClient(hub_url, token, team=team) as hub:
        answer = hub.call("POST", "/contact-requests", body)
    render.emit(answer, as_json, render.contact_request)


@contact.command("list")
@hub_options
@click.option("--direction", type=click.Choice(["incoming", "outgoing"]), default=None)
@friendly_errors
def contact_list(
    hub_url: str, token: str, team: str | None, as_json: bool, direction: str | None
) -> None:
    """Requests to and from your team, newest first."""
    params = {"direction": direction} if direction else None
    with HubClient(hub_url, token, team=team) as hub:
        answer = hub.call("GET", "/contact-requests", params=params)
    render.emit(answer, as_json, render.contact_requests)


@contact.command("accept")
@click.argument("request_id")
@hub_options
@friendly_errors
def contact_accept(
    hub_url: str, token: str, team: str | None, as_json: bool, request_id: str
) -> None:
    """Accept a request to your team: both sides get each other's contact details."""
    with HubClient(hub_url, token, team=team) as hub:
        answer = hub.call("POST", f"/contact-requests/{request_id}/acceptance")
    render.emit(answer, as_json, render.contact_request)


@contact.command("decline")
@click.argument("request_id")
@hub_options
@click.option("--reason", required=True, type=click.Choice(DECLINE_REASONS))
@friendly_errors
def contact_decline(
    hub_url: str, token: str, team: str | None, as_json: bool, request_id: str, reason: str
) -> None:
    """Decline a request to your team; a later match will not show them your contact."""
    with HubClient(hub_url, token, team=team) as hub:
        answer = hub.call("POST", f"/contact-requests/{request_id}/decline", {"reason": reason})
    render.emit(answer, as_json, render.contact_request)


@contact.command("withdraw")
@click.argument("request_id")
@hub_options
@friendly_errors
def contact_withdraw(
    hub_url: str, token: str, team: str | None, as_json: bool, request_id: str
) -> None:
    """Withdraw your team's pending request."""
    with HubClient(hub_url, token, team=team) as hub:
        answer = hub.call("POST", f"/contact-requests/{request_id}/withdrawal")
    render.emit(answer, as_json, render.contact_request)


@click.command("erase")
@hub_options
@identifier_options
@click.option("--reason", required=True, type=click.Choice(["objection", "death", "unlawful"]))
@friendly_errors
def erase(
    hub_url: str,
    token: str,
    team: str | None,
    as_json: bool,
    pseudonymiser_url: str,
    bsn: str | None,
    bag: str | None,
    kvk: str | None,
    reason: str,
) -> None:
    """Privacy officer: erase your organisation's flags on one subject (AVG art. 17)."""
    pseudonym = pseudonymised(pseudonymiser_url, token, bsn, bag, kvk)
    with HubClient(hub_url, token, team=team) as hub:
        answer = hub.erase_subject(pseudonym, reason=reason)
    render.emit(answer, as_json, lambda a: [f"erased {a['erased_flags']} flags"])
