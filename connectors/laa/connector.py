"""The LAA connector's three actions: import an export, set a signal's status, write the
terugmelding file. Each is a run with its own id, traced and audited at the hub."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from api.client.hub import HubError
from connectors.framework.config import ConnectorSettings
from connectors.framework.exchange import Exchange
from connectors.framework.flags import FlagRow, register_rows
from connectors.framework.report import Rejected, RunReport
from connectors.framework.rows import read_rows
from connectors.framework.state import ConnectorState, Item
from connectors.laa.export import COLUMNS, Signal, parse_signals, write_terugmelding
from connectors.laa.walaa import WalaaStatus, due_dates, may_move, parse_status
from crypto.identifiers import IdentifierKind

CONNECTOR = "laa"
PURPOSE = "adreskwaliteit"


class StatusRefused(Exception):
    """A status change that cannot be made (unknown signal, status or step)."""


def state_of(settings: ConnectorSettings) -> ConnectorState:
    return ConnectorState(settings.connector_state_dir / "state.sqlite")


def import_export(
    settings: ConnectorSettings, path: Path, *, today: date | None = None
) -> RunReport:
    """Flags for the export's new signals; signals known from an earlier run change nothing.

    Raises ``rows.Unreadable`` (before anything is sent) when the file cannot be read.
    """
    rows = read_rows(path, columns=COLUMNS)
    signals, rejected = parse_signals(rows, today=today or date.today())
    state = state_of(settings)
    try:
        return _import(settings, state, rows.rows, rows.rejected, signals, rejected)
    finally:
        state.close()


def _import(
    settings: ConnectorSettings,
    state: ConnectorState,
    rows: Sequence[object],
    unreadable_lines: Sequence[object],
    signals: Sequence[Signal],
    rejected: Sequence[Rejected],
) -> RunReport:
    with Exchange(settings) as exchange:
        report = RunReport(CONNECTOR, "import", exchange.run_id)
        state.start_run(exchange.run_id, connector=CONNECTOR, action="import")
        report.counts["read"] = len(rows) + len(unreadable_lines)
        for each in rejected:
            report.reject(each.line, each.reason)
        known = state.known(CONNECTOR, [signal.signal_id for signal in signals])
        report.counts["unchanged"] = len(known)
        new = [
            FlagRow(
                line=signal.line,
                partner_id=signal.signal_id,
                kind=IdentifierKind.BAG,
                identifier=signal.bag_id,
                body={
                    "purpose": PURPOSE,
                    "deadlines": due_dates(
                        [(signal.received_on, WalaaStatus.WACHTEN_OP_RESULTAAT)]
                    ),
                },
                item=Item(
                    partner_id=signal.signal_id,
                    flag_id="",
                    status=WalaaStatus.WACHTEN_OP_RESULTAAT.value,
                    received_on=signal.received_on.isoformat(),
                ),
            )
            for signal in signals
            if signal.signal_id not in known
        ]

        def shared(exchange: Exchange, flag_id: str, joined: Sequence[Item]) -> None:
            """Another signal on the same address: the flag's due dates cover both."""
            others = [i for i in state.on_flag(CONNECTOR, flag_id) if i not in joined]
            _update_flag(exchange, flag_id, [*others, *joined])

        register_rows(
            exchange,
            state,
            report,
            new,
            connector=CONNECTOR,
            batch=settings.connector_batch,
            adopted=shared,
        )
        report.finish()
        state.finish_run(exchange.run_id, report.as_json())
    return report


def set_status(
    settings: ConnectorSettings, signal_id: str, text: str, *, today: date | None = None
) -> RunReport:
    """Move one signal to a WALAA status; its flag's due dates follow, and once every
    signal on the flag is finished the flag is withdrawn. The same status again changes
    nothing."""
    status = parse_status(text)
    state = state_of(settings)
    try:
        item = state.item(CONNECTOR, signal_id)
        if item is None:
            raise StatusRefused("no signal with that id was imported")
        current = WalaaStatus(item.status)
        with Exchange(settings) as exchange:
            report = RunReport(CONNECTOR, "status", exchange.run_id)
            state.start_run(exchange.run_id, connector=CONNECTOR, action="status")
            if status is current:
                report.counts["unchanged"] = 1
            elif not may_move(current, status):
                raise StatusRefused(f"a signal cannot go from {current.label} to {status.label}")
            else:
                moved = replace(
                    item, status=status.value, status_on=(today or date.today()).isoformat()
                )
                others = [i for i in state.on_flag(CONNECTOR, item.flag_id) if i != item]
                report.counts[_update_flag(exchange, item.flag_id, [*others, moved])] += 1
                state.record(CONNECTOR, [moved], run_id=exchange.run_id)
                report.counts["status_set"] = 1
            report.finish()
            state.finish_run(exchange.run_id, report.as_json())
            return report
    finally:
        state.close()


def write_report(settings: ConnectorSettings, out: Path) -> int:
    """The terugmelding file for TMV: every imported signal's status. Returns the count."""
    state = state_of(settings)
    try:
        items = state.items(CONNECTOR)
        write_terugmelding(items, out)
        return len(items)
    finally:
        state.close()


def _update_flag(exchange: Exchange, flag_id: str, signals: Sequence[Item]) -> str:
    """Bring the flag in line with its signals: withdrawn when all are finished, else its
    due dates. Says what it did; a flag already gone (withdrawn, expired) is left be."""
    statuses = [(date.fromisoformat(i.received_on or ""), WalaaStatus(i.status)) for i in signals]
    try:
        if all(status.finished for _, status in statuses):
            exchange.hub("DELETE", f"/flags/{flag_id}")
            return "withdrawn"
        exchange.hub("PUT", f"/flags/{flag_id}/deadlines", {"deadlines": due_dates(statuses)})
        return "deadlines_set"
    except HubError as error:
        if error.status in (404, 409):  # withdrawn or expired already: nothing to follow
            return "flag_gone"
        raise
