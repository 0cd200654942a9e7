"""``betrokken connector laa|lsi ...``: the connectors on the command line.

Settings come from ``BETROKKEN_*`` variables (``connectors/framework/config.py``); each
command prints its run report (``--json`` for scripts, ``--report FILE`` to keep it).
Exit status: 0 done, 1 nothing done (unreadable file, refusal, hub out of reach),
3 done with rejected rows.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from api.client.hub import HubError
from connectors.framework.config import ConnectorSettings
from connectors.framework.exchange import ConnectorError
from connectors.framework.report import RunReport
from connectors.framework.rows import Unreadable
from connectors.laa import connector as laa_connector
from connectors.laa.walaa import UnknownStatus
from connectors.lsi import connector as lsi_connector

DONE_WITH_REJECTIONS = 3


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _run(action: Any) -> Any:
    """``action()``, its failures as one line on stderr and exit status 1."""
    try:
        return action()
    except Unreadable as error:
        _fail(f"the file cannot be read, nothing was changed: {error}")
    except (ConnectorError, UnknownStatus) as error:
        _fail(str(error))
    except (laa_connector.StatusRefused, lsi_connector.ProjectRefused) as error:
        _fail(str(error))
    except HubError as error:
        _fail(f"the hub refused: {error}")


def _show(report: RunReport, *, as_json: bool, keep: Path | None) -> None:
    if keep is not None:
        report.write(keep)
    click.echo(json.dumps(report.as_json(), indent=2) if as_json else report.text())
    if report.rejected:
        sys.exit(DONE_WITH_REJECTIONS)


_json = click.option("--json", "as_json", is_flag=True, help="Print the run report as JSON.")
_keep = click.option(
    "--report", "keep", type=click.Path(dir_okay=False, path_type=Path), help="Also write it here."
)


@click.group()
def connector() -> None:
    """Chain partners' connectors: LAA address signals, LSI projects."""


@connector.group()
def laa() -> None:
    """Landelijke Aanpak Adreskwaliteit: WALAA export in, terugmelding out."""


@laa.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@_json
@_keep
def laa_import(file: Path, as_json: bool, keep: Path | None) -> None:
    """Flags for a WALAA export's signals (again: changes nothing)."""
    report = _run(lambda: laa_connector.import_export(ConnectorSettings(), file))
    _show(report, as_json=as_json, keep=keep)


@laa.command("status")
@click.argument("signal")
@click.option("--set", "status", required=True, help='A WALAA status, e.g. "onderzoek in de BRP".')
@_json
def laa_status(signal: str, status: str, as_json: bool) -> None:
    """Move a signal to a WALAA status; when all on its address are finished, the flag goes."""
    report = _run(lambda: laa_connector.set_status(ConnectorSettings(), signal, status))
    _show(report, as_json=as_json, keep=None)


@laa.command("report")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def laa_report(out: Path) -> None:
    """Write the terugmelding file (status per signal, for TMV)."""
    written = laa_connector.write_report(ConnectorSettings(), out)
    click.echo(f"{written} signals written")


@connector.group()
def lsi() -> None:
    """LSI interventieteams: projects under a convenant, partners' lists in."""


@lsi.group()
def project() -> None:
    """Create or close a project (a functioneel beheerder's token)."""


@project.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--partner", "partners", multiple=True, required=True, help="Twice or more.")
@click.option("--starts-on", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--ends-on", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--projectleider", required=True, help="The operationeel projectleider.")
@click.option("--extended", is_flag=True, help="Allow up to 24 months instead of 12.")
def project_create(
    slug: str,
    name: str,
    partners: tuple[str, ...],
    starts_on: Any,
    ends_on: Any,
    projectleider: str,
    extended: bool,
) -> None:
    made = _run(
        lambda: lsi_connector.create_project(
            ConnectorSettings(),
            slug,
            name=name,
            partners=list(partners),
            starts_on=_day(starts_on),
            ends_on=_day(ends_on),
            projectleider=projectleider,
            extended=extended,
        )
    )
    click.echo(f"project {made['slug']}: {made['starts_on']} to {made['ends_on']}")


@project.command("close")
@click.argument("slug")
def project_close(slug: str) -> None:
    _run(lambda: lsi_connector.close_project(ConnectorSettings(), slug))
    click.echo(f"project {slug} closed: its flags have expired")


@lsi.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--project", required=True, help="The project's slug.")
@_json
@_keep
def lsi_import(file: Path, project: str, as_json: bool, keep: Path | None) -> None:
    """Flags under the project for a partner's list (again: changes nothing)."""
    report = _run(lambda: lsi_connector.import_list(ConnectorSettings(), project, file))
    _show(report, as_json=as_json, keep=keep)


def _day(moment: Any) -> date:
    return date(moment.year, moment.month, moment.day)
