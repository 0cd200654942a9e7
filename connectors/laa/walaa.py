"""The WALAA side: statuses, their order, and the deadlines that follow from them.

RvIG: within 4 weeks the municipality reports whether a signal led to a BRP change or to
an investigation ("onderzoek in de BRP"); within 6 months the investigation is finished
("afgerond met/zonder BRP-mutatie"). A signal starts as "wachten op resultaat".
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum


class WalaaStatus(StrEnum):
    WACHTEN_OP_RESULTAAT = "wachten_op_resultaat"
    ONDERZOEK_IN_DE_BRP = "onderzoek_in_de_brp"
    AFGEROND_ZONDER_BRP_MUTATIE = "afgerond_zonder_brp_mutatie"
    AFGEROND_MET_BRP_MUTATIE = "afgerond_met_brp_mutatie"

    @property
    def label(self) -> str:
        """As WALAA writes it: "onderzoek in de BRP", "afgerond met BRP-mutatie"."""
        return (
            self.value.replace("brp_mutatie", "BRP-mutatie").replace("_", " ").replace("brp", "BRP")
        )

    @property
    def finished(self) -> bool:
        return self in FINISHED


FINISHED = frozenset(
    {WalaaStatus.AFGEROND_ZONDER_BRP_MUTATIE, WalaaStatus.AFGEROND_MET_BRP_MUTATIE}
)
NEXT: dict[WalaaStatus, frozenset[WalaaStatus]] = {
    WalaaStatus.WACHTEN_OP_RESULTAAT: frozenset(WalaaStatus) - {WalaaStatus.WACHTEN_OP_RESULTAAT},
    WalaaStatus.ONDERZOEK_IN_DE_BRP: FINISHED,
    WalaaStatus.AFGEROND_ZONDER_BRP_MUTATIE: frozenset(),
    WalaaStatus.AFGEROND_MET_BRP_MUTATIE: frozenset(),
}
REPORT_DAYS = 28  # 4 weeks: the first report
FINISH_MONTHS = 6  # the investigation finished
TERUGMELDING = "laa_terugmelding"  # due-date codes on the hub's flag
AFRONDING = "laa_afronding"


class UnknownStatus(ValueError):
    """Not one of the four WALAA statuses."""


def parse_status(text: str) -> WalaaStatus:
    """A status as a person types it: "onderzoek in de BRP", ``onderzoek-in-de-brp``, ..."""
    normal = "_".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
    try:
        return WalaaStatus(normal)
    except ValueError:
        known = "; ".join(status.label for status in WalaaStatus)
        raise UnknownStatus(f"unknown WALAA status; use one of: {known}") from None


def may_move(current: WalaaStatus, new: WalaaStatus) -> bool:
    return new in NEXT[current]


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def report_due(received_on: date) -> date:
    return received_on + timedelta(days=REPORT_DAYS)


def finish_due(received_on: date) -> date:
    return add_months(received_on, FINISH_MONTHS)


def due_dates(signals: Iterable[tuple[date, WalaaStatus]]) -> list[dict[str, str]]:
    """The due dates of a flag from its signals (received, status): the earliest 4-week
    deadline of those still waiting, the earliest 6-month one of those not finished."""
    signals = list(signals)
    waiting = [
        report_due(day) for day, status in signals if status is WalaaStatus.WACHTEN_OP_RESULTAAT
    ]
    unfinished = [finish_due(day) for day, status in signals if not status.finished]
    found = []
    if waiting:
        found.append({"code": TERUGMELDING, "due_on": min(waiting).isoformat()})
    if unfinished:
        found.append({"code": AFRONDING, "due_on": min(unfinished).isoformat()})
    return found
