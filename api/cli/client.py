"""Commands for people: register a flag and check involvement, pseudonymising locally."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

import click

from api.client.hub import HubClient, HubError
from api.client.pseudonymise import Pseudonym, PseudonymiserClient, PseudonymiserError
from crypto.identifiers import IdentifierError, IdentifierKind


def _connection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--hub-url",
            envvar="BETROKKEN_HUB_URL",
            default="http://127.0.0.1:8000",
            show_default=True,
        ),
        click.option(
            "--pseudonymiser-url",
            envvar="BETROKKEN_PSEUDONYMISER_URL",
            default="http://127.0.0.1:8001",
            show_default=True,
        ),
        click.option(
            "--token",
            envvar="BETROKKEN_TOKEN",
            required=True,
            help="Bearer token (or BETROKKEN_TOKEN).",
        ),
        click.option("--bsn", default=None, help="A BSN; '-' reads it from standard input."),
        click.option("--bag", default=None, help="A BAG object id (16 digits)."),
        click.option("--kvk", default=None, help="A KvK number (8 digits)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


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


def _friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except IdentifierError as error:
            raise click.ClickException(f"invalid identifier: {error}") from None
        except (PseudonymiserError, HubError) as error:
            raise click.ClickException(str(error)) from None

    return wrapper


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
@_friendly_errors
def flag_register(
    hub_url: str,
    pseudonymiser_url: str,
    token: str,
    bsn: str | None,
    bag: str | None,
    kvk: str | None,
    purpose: str,
    legal_basis: str | None,
    expires_on: Any,
) -> None:
    """Register that your team is involved with a person, address or business."""
    kind, value = _identifier(bsn, bag, kvk)
    pseudonym = _pseudonymise(pseudonymiser_url, token, kind, value)
    expiry: date | None = expires_on.date() if expires_on else None
    with HubClient(hub_url, token) as hub:
        result = hub.register_flag(
            pseudonym, purpose=purpose, legal_basis=legal_basis, expires_on=expiry
        )
    click.echo(json.dumps(result, indent=2))


@click.command("check")
@_connection_options
@click.option("--purpose", required=True)
@click.option("--case-ref", required=True, help="Your own case reference (no identifiers).")
@_friendly_errors
def check(
    hub_url: str,
    pseudonymiser_url: str,
    token: str,
    bsn: str | None,
    bag: str | None,
    kvk: str | None,
    purpose: str,
    case_ref: str,
) -> None:
    """Check which other teams are involved with a person, address or business."""
    kind, value = _identifier(bsn, bag, kvk)
    pseudonym = _pseudonymise(pseudonymiser_url, token, kind, value)
    with HubClient(hub_url, token) as hub:
        result = hub.check_involvement(pseudonym, purpose=purpose, case_ref=case_ref)
    click.echo(json.dumps(result, indent=2))
