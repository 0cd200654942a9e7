"""Commands for people: flags and involvement checks, identifiers pseudonymised locally.

Every command takes ``--team`` (for a member of several teams) and ``--json``; without it
the answer is printed as text (``api/cli/render.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

import click

import api.cli.render as render
from api.client.hub import HubClient, HubError
from api.client.pseudonymise import Pseudonym, PseudonymiserClient, PseudonymiserError
from crypto.identifiers import IdentifierError, IdentifierKind


def hub_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--hub-url, --token, --team (for members of several teams) and --json."""
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
            required=True,
            help="Bearer token (or BETROKKEN_TOKEN).",
        ),
        click.option(
            "--team",
            envvar="BETROKKEN_TEAM",
            default=None,
            help="The team to act for, if you are a member of several (or BETROKKEN_TEAM).",
        ),
        click.option("--json", "as_json", is_flag=True, help="JSON for scripts, not text."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def identifier_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The identifier, pseudonymised on this machine before anything reaches the hub."""
    options = [
        click.option(
            "--pseudonymiser-url",
            envvar="BETROKKEN_PSEUDONYMISER_URL",
            default="http://127.0.0.1:8001",
            show_default=True,
        ),
        click.option("--bsn", default=None, help="A BSN; '-' reads it from standard input."),
        click.option("--bag", default=None, help="A BAG object id (16 digits)."),
        click.option("--kvk", default=None, help="A KvK number (8 digits)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _connection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    return hub_options(identifier_options(command))


def _identifier(bsn: str | None, bag: str | None, kvk: str | None) -> tuple[IdentifierKind, str]:
    given = [
        (k, v)
        for k, v in (
            (IdentifierKind.BSN, bsn),
            (IdentifierKind.BAG, bag),
            (IdentifierKind.KVK, kvk),
        )
        if v
    ]
    if len(given) != 1:
        raise click.UsageError("give exactly one of --bsn, --bag, --kvk")
    kind, value = given[0]
    if value == "-":
        value = sys.stdin.readline().strip()
    return kind, value


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except IdentifierError as error:
            raise click.ClickException(f"invalid identifier: {error}") from None
        except (PseudonymiserError, HubError) as error:
            raise click.ClickException(str(error)) from None

    return wrapper


def pseudonymised(
    url: str, token: str, bsn: str | None, bag: str | None, kvk: str | None
) -> Pseudonym:
    """The one identifier given, checked and pseudonymised here."""
    kind, value = _identifier(bsn, bag, kvk)
    return _pseudonymise(url, token, kind, value)


def _pseudonymise(url: str, token: str, kind: IdentifierKind, value: str) -> Pseudonym:
    from crypto.identifiers import parse_identifier

    parse_identifier(kind, value)  # refuse bad input before any network call
    with PseudonymiserClient(url, token) as client:
        return client.pseudonymise_one(kind, value)


@click.group()
def flag() -> None:
    """Flags of your team."""


@flag.command("register")
@_connection_options
@click.option("--purpose", required=True)
@click.option("--legal-basis", default=None, help="Grondslag id from the policy.")
@click.option("--expires-on", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--reference", default=None, help="Your own case reference (your team only).")
@click.option("--label", default=None, help="Your own short label (your team only).")
@friendly_errors
def flag_register(
    hub_url: str,
    token: str,
    team: str | None,
    as_json: bool,
    pseudonymiser_url: str,
    bsn: str | None,
    bag: str | None,
    kvk: str | None,
    purpose: str,
    legal_basis: str | None,
    expires_on: Any,
    reference: str | None,
    label: str | None,
) -> None:
    """Register that your team is involved with a person, address or business."""
    pseudonym = pseudonymised(pseudonymiser_url, token, bsn, bag, kvk)
    expiry: date | None = expires_on.date() if expires_on else None
    with HubClient(hub_url, token, team=team) as hub:
        result = hub.register_flag(
            pseudonym,
            purpose=purpose,
            legal_basis=legal_basis,
            expires_on=expiry,
            reference=reference,
            label=label,
        )
    render.emit(result, as_json, render.registration)


@flag.command("list")
@hub_options
@click.option("--status", type=click.Choice(["active", "withdrawn", "expired"]), default=None)
@friendly_errors
def flag_list(
    hub_url: str, token: str, team: str | None, as_json: bool, status: str | None
) -> None:
    """Your team's flags, newest first, with your own references."""
    with HubClient(hub_url, token, team=team) as hub:
        render.emit(hub.list_flags(status=status), as_json, render.flags)


@flag.command("withdraw")
@click.argument("flag_id")
@hub_options
@friendly_errors
def flag_withdraw(hub_url: str, token: str, team: str | None, as_json: bool, flag_id: str) -> None:
    """Withdraw one of your team's flags; it leaves involvement checks at once."""
    with HubClient(hub_url, token, team=team) as hub:
        render.emit(hub.withdraw_flag(flag_id), as_json, render.flag)


@flag.command("renew")
@click.argument("flag_id")
@hub_options
@click.option(
    "--expires-on",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Default: as long as the policy allows from today.",
)
@friendly_errors
def flag_renew(
    hub_url: str, token: str, team: str | None, as_json: bool, flag_id: str, expires_on: Any
) -> None:
    """Extend one of your team's live flags."""
    expiry: date | None = expires_on.date() if expires_on else None
    with HubClient(hub_url, token, team=team) as hub:
        render.emit(hub.renew_flag(flag_id, expires_on=expiry), as_json, render.flag)


@click.command("check")
@_connection_options
@click.option("--purpose", required=True)
@click.option("--case-ref", required=True, help="Your own case reference (no identifiers).")
@friendly_errors
def check(
    hub_url: str,
    token: str,
    team: str | None,
    as_json: bool,
    pseudonymiser_url: str,
    bsn: str | None,
    bag: str | None,
    kvk: str | None,
    purpose: str,
    case_ref: str,
) -> None:
    """Check which other teams are involved with a person, address or business."""
    pseudonym = pseudonymised(pseudonymiser_url, token, bsn, bag, kvk)
    with HubClient(hub_url, token, team=team) as hub:
        result = hub.check_involvement(pseudonym, purpose=purpose, case_ref=case_ref)
    render.emit(result, as_json, render.check)
