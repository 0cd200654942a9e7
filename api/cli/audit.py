"""``betrokken audit``: export and verify the log, sign checkpoints, and the officer's tools.

``export``, ``check``, ``checkpoint`` and ``public-key`` work on the hub's own database and
key (run them where the hub runs). ``verify`` needs only the export and the verifier key,
nothing of the hub (its logic is :mod:`crypto.audit_verify`: standard library and
cryptography).
``report``, ``search``, ``inzage``, ``alerts`` and ``ack`` call the hub API with a privacy
officer's token; a BSN is pseudonymised on this machine first, and the search is logged by
the hub.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Any

import click
import httpx

from crypto.audit_verify import AuditVerifyError, describe, verify_file
from crypto.identifiers import IdentifierError


def _runtime() -> Any:
    from api.cli.server import _settings
    from hub.errors import ConfigurationError
    from hub.runtime import build_runtime

    try:
        return build_runtime(_settings())
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None


def _cli_actor() -> Any:
    from hub.actor import Actor, Role

    user = getpass.getuser()
    return Actor(
        sub=f"cli:{user}",
        name=f"betrokken CLI ({user})",
        organisation="system",
        team=None,
        roles=frozenset({Role.ADMIN}),
    )


@click.group()
def audit() -> None:
    """The tamper-evident verwerkingslog."""


@audit.command("export")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--from-index",
    "start",
    type=int,
    default=0,
    show_default=True,
    help="First leaf index; earlier leaves are summarised by their compact range.",
)
def export(out: Path, start: int) -> None:
    """Write entries, checkpoints and consistency proofs to FILE (signs a checkpoint first)."""
    from hub.audit import service
    from hub.audit.tree import build_export
    from hub.audit.vocabulary import Action
    from hub.background import integrity_job, sequencer_job
    from hub.errors import AuditLogCompromised
    from hub.transactions import transaction

    runtime = _runtime()
    with transaction(runtime.sessions) as session:
        service.record_oversight(
            session,
            _cli_actor(),
            action=Action.AUDIT_EXPORT,
            now=runtime.clock.now(),
            reason=json.dumps({"from_index": start}),
        )
    sequencer_job(runtime, force_checkpoint=True)
    try:
        with runtime.sessions() as session:
            document = build_export(session, origin=runtime.settings.audit_origin, start=start)
    except AuditLogCompromised as error:
        integrity_job(runtime, every_time=True)  # so /health and the officers know too
        click.echo(f"no export written: {error.detail}", err=True)
        sys.exit(1)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=1)
        handle.write("\n")
    click.echo(
        f"wrote {len(document['entries'])} entries and {len(document['checkpoints'])} "
        f"checkpoints to {out}"
    )


@audit.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--public-key", required=True, help="Verifier key string, or a file holding it.")
@click.option(
    "--trusted-checkpoint",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A signed checkpoint kept from earlier; the export must extend it (repeatable).",
)
def verify(file: str, public_key: str, trusted_checkpoint: tuple[str, ...]) -> None:
    """Verify an export offline; names the first entry or checkpoint that fails."""
    try:
        result = verify_file(file, public_key, trusted_checkpoint)
    except AuditVerifyError as error:
        click.echo(f"audit export does NOT verify: {error}", err=True)
        sys.exit(1)
    click.echo(describe(result))


@audit.command("check")
def check() -> None:
    """Check that the stored log still reproduces its signed checkpoints; exit 1 if not.

    Names each missing or altered leaf index, records the verdict that /health reports and
    alerts every privacy officer to what it found.
    """
    from hub.background import integrity_job

    runtime = _runtime()
    result = integrity_job(runtime, every_time=True)
    assert result is not None
    if not result.intact:
        click.echo(
            f"audit log COMPROMISED: it no longer matches its signed checkpoints "
            f"({result.fault_count} faults)",
            err=True,
        )
        for fault in result.faults:
            click.echo(f"  {fault.describe()}", err=True)
        if result.fault_count > len(result.faults):
            click.echo(f"  ... and {result.fault_count - len(result.faults)} more", err=True)
        sys.exit(1)
    signed = f"checkpoint {result.checkpoint}" if result.checkpoint else "no checkpoint yet"
    click.echo(
        f"audit log ok: {result.size} leaves reproduce the signed roots up to {signed}; "
        f"{result.entries} entries agree with their leaves"
    )


@audit.command("checkpoint")
def checkpoint() -> None:
    """Sequence pending entries and sign a checkpoint now; prints the signed note."""
    from hub.audit import repository
    from hub.background import sequencer_job

    runtime = _runtime()
    run = sequencer_job(runtime, force_checkpoint=True)
    with runtime.sessions() as session:
        latest = repository.latest_checkpoint(session)
    if latest is None:
        raise click.ClickException("no checkpoint could be signed")
    click.echo(latest.note, nl=False)
    click.echo(f"({run.appended} entries sequenced)", err=True)


@audit.command("public-key")
def public_key() -> None:
    """Print the verifier key for checkpoints and exports (publish it apart from the hub)."""
    from api.cli.server import _settings
    from hub.audit.signing import load_signer
    from hub.errors import ConfigurationError

    try:
        click.echo(load_signer(_settings()).verifier_key())
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None


# --- the privacy officer's commands, through the hub API --------------------------------


def _hub_options(command: Any) -> Any:
    command = click.option(
        "--token", envvar="BETROKKEN_TOKEN", required=True, help="A privacy officer's token."
    )(command)
    return click.option(
        "--hub-url", envvar="BETROKKEN_HUB_URL", default="http://127.0.0.1:8000", show_default=True
    )(command)


def _call(
    hub_url: str,
    token: str,
    method: str,
    path: str,
    *,
    accept: str = "application/json",
    **kwargs: Any,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Accept": accept}
    try:
        with httpx.Client(base_url=hub_url, timeout=30.0) as http:
            response = http.request(method, f"/api/v1/audit{path}", headers=headers, **kwargs)
    except httpx.HTTPError as error:
        raise click.ClickException(f"cannot reach the hub: {error}") from None
    if response.status_code >= 400:
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        raise click.ClickException(
            f"{response.status_code} {problem.get('code', '')}: {problem.get('detail', '')}"
        )
    return response


def _subject(
    pseudonymiser_url: str, token: str, bsn: str | None, bag: str | None, kvk: str | None
) -> dict[str, str]:
    from api.cli.client import _identifier, _pseudonymise
    from api.client.pseudonymise import PseudonymiserError

    kind, value = _identifier(bsn, bag, kvk)
    try:
        pseudonym = _pseudonymise(pseudonymiser_url, token, kind, value)
    except IdentifierError as error:
        raise click.ClickException(f"invalid identifier: {error}") from None
    except PseudonymiserError as error:
        raise click.ClickException(str(error)) from None
    return pseudonym.as_subject()


def _subject_options(command: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--pseudonymiser-url",
                envvar="BETROKKEN_PSEUDONYMISER_URL",
                default="http://127.0.0.1:8001",
                show_default=True,
            ),
            click.option("--bsn", default=None, help="A BSN; '-' reads it from standard input."),
            click.option("--bag", default=None, help="A BAG object id."),
            click.option("--kvk", default=None, help="A KvK number."),
            click.option("--case-ref", default=None, help="Your own reference for the request."),
        ]
    ):
        command = option(command)
    return command


@audit.command("report")
@click.argument(
    "kind",
    type=click.Choice(
        [
            "checks-per-member",
            "off-hours",
            "most-checked-subjects",
            "checks-without-follow-up",
            "refusals",
            "checks-over-time",
        ]
    ),
)
@click.option("--from", "since", default=None, help="ISO time with zone, e.g. 2026-11-01T00:00Z")
@click.option("--to", "until", default=None, help="ISO time with zone (exclusive).")
@_hub_options
def report(kind: str, since: str | None, until: str | None, hub_url: str, token: str) -> None:
    """Print one audit report as JSON."""
    params = {key: value for key, value in (("from", since), ("to", until)) if value}
    response = _call(hub_url, token, "GET", f"/reports/{kind}", params=params)
    click.echo(json.dumps(response.json(), indent=2, ensure_ascii=False))


@audit.command("search")
@_subject_options
@_hub_options
def search(
    pseudonymiser_url: str,
    bsn: str | None,
    bag: str | None,
    kvk: str | None,
    case_ref: str | None,
    hub_url: str,
    token: str,
) -> None:
    """Every entry on one subject (the identifier is pseudonymised here; the search is logged)."""
    body: dict[str, Any] = {"subject": _subject(pseudonymiser_url, token, bsn, bag, kvk)}
    if case_ref:
        body["case_ref"] = case_ref
    response = _call(hub_url, token, "POST", "/searches", json=body)
    click.echo(json.dumps(response.json(), indent=2, ensure_ascii=False))


@audit.command("inzage")
@_subject_options
@_hub_options
@click.option("--html", "as_html", is_flag=True, help="A readable page instead of JSON.")
def inzage(
    pseudonymiser_url: str,
    bsn: str | None,
    bag: str | None,
    kvk: str | None,
    case_ref: str | None,
    hub_url: str,
    token: str,
    as_html: bool,
) -> None:
    """The inzageverzoek report for one subject (AVG article 15)."""
    body: dict[str, Any] = {"subject": _subject(pseudonymiser_url, token, bsn, bag, kvk)}
    if case_ref:
        body["case_ref"] = case_ref
    accept = "text/html" if as_html else "application/json"
    response = _call(hub_url, token, "POST", "/subject-access-reports", json=body, accept=accept)
    click.echo(response.text if as_html else json.dumps(response.json(), indent=2))


@audit.command("alerts")
@_hub_options
@click.option("--status", type=click.Choice(["open", "acknowledged"]), default=None)
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts, not text.")
def alerts(hub_url: str, token: str, status: str | None, as_json: bool) -> None:
    """Your alerts: probing patterns, an altered log, a broken policy file."""
    import api.cli.render as render

    params = {"status": status} if status else {}
    response = _call(hub_url, token, "GET", "/alerts", params=params)
    render.emit(response.json(), as_json, render.alerts)


@audit.command("ack")
@click.argument("alert_id")
@_hub_options
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts, not text.")
def ack(hub_url: str, token: str, alert_id: str, as_json: bool) -> None:
    """Acknowledge an alert you have looked into."""
    import api.cli.render as render

    response = _call(hub_url, token, "POST", f"/alerts/{alert_id}/acknowledgement")
    render.emit(response.json(), as_json, lambda alert: render.alerts({"items": [alert]}))
