"""LSI projects and their lists.

A project is a convenant of the hub (``/api/v1/admin/convenants``) between the partner
organisations, for domain ``lsi`` and purpose ``interventieteam`` under the convenant's
grondslag: made and ended by a functioneel beheerder of a partner (or a hub operator),
whose token the connector then uses. A list's rows become flags *under* the convenant:
partners see them in their checks while the project runs, and when it ends every one of
them expires and nothing of it shows any more (hub/convenant).

List (CSV or JSON, UTF-8): ``regel_id`` (the partner's own row id), ``soort`` (``bsn``,
``bag`` or ``kvk``; also ``persoon``, ``adres``, ``bedrijf``) and ``nummer``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from connectors.framework.config import ConnectorSettings
from connectors.framework.exchange import Exchange
from connectors.framework.flags import FlagRow, register_rows
from connectors.framework.report import Rejected, RunReport
from connectors.framework.rows import Rows, read_rows
from connectors.framework.state import ConnectorState, Item
from connectors.laa.walaa import add_months
from crypto.identifiers import IdentifierError, IdentifierKind, parse_identifier

CONNECTOR = "lsi"
DOMAIN = "lsi"
PURPOSE = "interventieteam"
LEGAL_BASIS = "suwi_art_64"
USUAL_MONTHS = 12  # a project lasts at most 12 months, with reason up to 24
LONGEST_MONTHS = 24
COLUMNS = ("regel_id", "soort", "nummer")
ROW_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
KINDS = {
    "bsn": IdentifierKind.BSN,
    "persoon": IdentifierKind.BSN,
    "bag": IdentifierKind.BAG,
    "adres": IdentifierKind.BAG,
    "kvk": IdentifierKind.KVK,
    "bedrijf": IdentifierKind.KVK,
}


class ProjectRefused(Exception):
    """A project that the connector will not ask the hub for (too long, unknown, ...)."""


@dataclass(frozen=True)
class ProjectRow:
    line: int
    row_id: str
    kind: IdentifierKind
    number: str = field(repr=False)


def state_of(settings: ConnectorSettings) -> ConnectorState:
    return ConnectorState(settings.connector_state_dir / "state.sqlite")


def create_project(
    settings: ConnectorSettings,
    slug: str,
    *,
    name: str,
    partners: list[str],
    starts_on: date,
    ends_on: date,
    projectleider: str,
    extended: bool = False,
) -> dict[str, Any]:
    """The project as a convenant between ``partners`` (at least two organisations)."""
    longest = LONGEST_MONTHS if extended else USUAL_MONTHS
    if ends_on < starts_on:
        raise ProjectRefused("the project ends before it starts")
    if ends_on > add_months(starts_on, longest):
        raise ProjectRefused(
            f"a project lasts at most {USUAL_MONTHS} months, {LONGEST_MONTHS} with --extended"
        )
    body = {
        "slug": slug,
        "name": name,
        "partners": partners,
        "domains": [DOMAIN],
        "purposes": [PURPOSE],
        "legal_basis": LEGAL_BASIS,
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(),
        "responsible": projectleider,
    }
    state = state_of(settings)
    try:
        with Exchange(settings) as exchange:
            state.start_run(exchange.run_id, connector=CONNECTOR, action="project-create")
            made = exchange.hub("POST", "/admin/convenants", body)
            state.record_project(
                slug,
                starts_on=starts_on.isoformat(),
                ends_on=ends_on.isoformat(),
                status="open",
                run_id=exchange.run_id,
            )
            state.finish_run(exchange.run_id, {"project": slug, "created": True})
            return made
    finally:
        state.close()


def close_project(settings: ConnectorSettings, slug: str) -> dict[str, Any]:
    """End the project's convenant: every flag under it expires at once."""
    state = state_of(settings)
    try:
        with Exchange(settings) as exchange:
            state.start_run(exchange.run_id, connector=CONNECTOR, action="project-close")
            ended = exchange.hub("POST", f"/admin/convenants/{slug}/end")
            known = state.project(slug)
            if known is not None:
                state.record_project(
                    slug,
                    starts_on=known[0],
                    ends_on=known[1],
                    status="closed",
                    run_id=exchange.run_id,
                )
            items = state.items(CONNECTOR, project=slug)
            state.set_status(
                CONNECTOR, [i.partner_id for i in items], status="expired", run_id=exchange.run_id
            )
            state.finish_run(exchange.run_id, {"project": slug, "closed": True})
            return ended
    finally:
        state.close()


def parse_rows(rows: Rows) -> tuple[list[ProjectRow], list[Rejected]]:
    found: list[ProjectRow] = []
    rejected = list(rows.rejected)
    first_line: dict[str, int] = {}
    for line, row in rows.rows:
        row_id = row["regel_id"]
        if not ROW_ID.fullmatch(row_id):
            rejected.append(Rejected(line, "regel_id is empty or not letters, digits and . _ / -"))
            continue
        if row_id in first_line:
            rejected.append(Rejected(line, f"regel_id is on line {first_line[row_id]} already"))
            continue
        first_line[row_id] = line
        kind = KINDS.get(row["soort"].lower())
        if kind is None:
            rejected.append(Rejected(line, "soort must be bsn, bag or kvk"))
            continue
        try:
            number = parse_identifier(kind, row["nummer"]).value
        except IdentifierError as error:
            rejected.append(Rejected(line, f"nummer: {error}"))
            continue
        found.append(ProjectRow(line, row_id, kind, number))
    return found, rejected


def import_list(settings: ConnectorSettings, project: str, path: Path) -> RunReport:
    """Flags under the project's convenant for the list's new rows (``project/regel_id``)."""
    rows = read_rows(path, columns=COLUMNS)
    parsed, rejected = parse_rows(rows)
    state = state_of(settings)
    try:
        with Exchange(settings) as exchange:
            report = RunReport(CONNECTOR, "import", exchange.run_id)
            state.start_run(exchange.run_id, connector=CONNECTOR, action="import")
            report.counts["read"] = len(rows.rows) + len(rows.rejected)
            for each in rejected:
                report.reject(each.line, each.reason)
            ids = {row.row_id: f"{project}/{row.row_id}" for row in parsed}
            known = state.known(CONNECTOR, ids.values())
            report.counts["unchanged"] = len(known)
            new = [
                FlagRow(
                    line=row.line,
                    partner_id=ids[row.row_id],
                    kind=row.kind,
                    identifier=row.number,
                    body={"purpose": PURPOSE, "convenant": project},
                    item=Item(
                        partner_id=ids[row.row_id], flag_id="", status="active", project=project
                    ),
                )
                for row in parsed
                if ids[row.row_id] not in known
            ]
            register_rows(
                exchange, state, report, new, connector=CONNECTOR, batch=settings.connector_batch
            )
            report.finish()
            state.finish_run(exchange.run_id, report.as_json())
            return report
    finally:
        state.close()
