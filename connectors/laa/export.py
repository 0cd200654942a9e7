"""The WALAA export as the connector reads it, and the terugmelding file it writes.

Export (CSV with ``;`` or ``,``, or JSON; UTF-8): ``signaal_id``, ``bag_id`` (the BAG
nummeraanduiding id of the address), ``datum_ontvangst`` (``YYYY-MM-DD`` or
``DD-MM-YYYY``); ``signaaltype`` and ``profiel`` may be there and are read past: they are
content and never reach the hub. Terugmelding (CSV, ``;``, UTF-8): one line per signal
with its WALAA status and dates, for TMV. ``docs/connectors.md`` has both with examples.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from connectors.framework.report import Rejected
from connectors.framework.rows import Rows
from connectors.framework.state import Item
from connectors.laa.walaa import WalaaStatus, finish_due, report_due
from crypto.identifiers import IdentifierError, IdentifierKind, parse_identifier

COLUMNS = ("signaal_id", "bag_id", "datum_ontvangst")
CONTENT_COLUMNS = ("signaaltype", "profiel")  # read past, never sent
SIGNAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
REPORT_COLUMNS = (
    "signaal_id",
    "status",
    "datum_status",
    "datum_ontvangst",
    "uiterlijk_terugmelding",
    "uiterlijk_afgerond",
)
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Signal:
    line: int
    signal_id: str
    received_on: date
    bag_id: str = field(repr=False)  # in memory only, on its way to the pseudonymiser


def parse_signals(rows: Rows, *, today: date) -> tuple[list[Signal], list[Rejected]]:
    """The well-formed signals, and each other row with its reason (never its values)."""
    signals: list[Signal] = []
    rejected = list(rows.rejected)
    first_line: dict[str, int] = {}
    for line, row in rows.rows:
        signal_id = row["signaal_id"]
        if not SIGNAL_ID.fullmatch(signal_id):
            rejected.append(
                Rejected(line, "signaal_id is empty or not letters, digits and . _ / -")
            )
            continue
        if signal_id in first_line:
            rejected.append(
                Rejected(line, f"signaal_id is on line {first_line[signal_id]} already")
            )
            continue
        first_line[signal_id] = line
        try:
            bag_id = parse_identifier(IdentifierKind.BAG, row["bag_id"]).value
        except IdentifierError as error:
            rejected.append(Rejected(line, f"bag_id: {error}"))
            continue
        received = _date(row["datum_ontvangst"])
        if received is None:
            rejected.append(Rejected(line, "datum_ontvangst is not a date (YYYY-MM-DD)"))
            continue
        if not EARLIEST <= received <= today:
            rejected.append(Rejected(line, "datum_ontvangst lies in the future or before 2000"))
            continue
        signals.append(Signal(line, signal_id, received, bag_id))
    return signals, rejected


def _date(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def terugmelding(items: Sequence[Item]) -> str:
    """The terugmelding file's text: a header, then one line per signal, by signal id."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for item in items:
        received = date.fromisoformat(item.received_on or "")
        writer.writerow(
            [
                item.partner_id,
                WalaaStatus(item.status).label,
                item.status_on or "",
                received.isoformat(),
                report_due(received).isoformat(),
                finish_due(received).isoformat(),
            ]
        )
    return out.getvalue()


def write_terugmelding(items: Sequence[Item], path: Path) -> None:
    path.write_text(terugmelding(items), encoding="utf-8")
