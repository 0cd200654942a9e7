"""The hourly counts (``audit_hour_counts``): kept as entries are sequenced, read by reports.

A report over a month or a year of a long log cannot read every entry (at 100 million
entries a year of one busy organisation is millions of rows). The sequencer adds each
batch's entries to one cell per UTC hour, organisation, member, team, client, action and
outcome, from the signed leaves, in the transaction that gives them their leaf index: then
they are final and counted once. A report reads the cells of the whole hours inside its
period, and the entries themselves only where the cells cannot answer:

- the part hours at either end of the period (a period need not start on the hour);
- entries in the period that are not yet sequenced (reports do not wait for the sequencer);
- a period in a zone whose offset is not whole hours, where a UTC hour can straddle two
  local days: then every entry, as before.

What the cells give up: an entry whose columns were edited after it was sequenced is
counted as its leaf states it (as the entries path counts an intact entry) but is not
listed in the report's ``tampered_entries``; the whole-log check (``log_check.py``) finds
it and raises the integrity alert. On PostgreSQL each statement has its own snapshot, so
a batch the sequencer commits between reading the cells and reading the unsequenced
entries is left out of that one report.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hub.audit import repository
from hub.audit.integrity import Sieve
from hub.audit.repository import EntryFilter
from hub.audit.service import LEAF_VERSION

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Cell:
    """``entries`` entries of one member, action and outcome in the UTC hour ``hour``."""

    hour: datetime
    organisation: str | None
    team: str | None
    member: str
    client: str | None
    action: str
    outcome: str
    entries: int


def floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def ceil_hour(moment: datetime) -> datetime:
    floor = floor_hour(moment)
    return floor if floor == moment else floor + HOUR


def counts_of_leaves(leaves: Iterable[str]) -> list[dict[str, Any]]:
    """The cells to add for a batch of sequenced leaves (rows for ``add_hour_counts``).

    A leaf that is not one of ours is not counted: reports read such an entry as tampered.
    """
    counts: Counter[tuple[str, datetime, str, str, str, str, str]] = Counter()
    for leaf in leaves:
        try:
            data = json.loads(leaf)
            if data.get("v") != LEAF_VERSION:
                continue
            actor = data["actor"]
            key = (
                actor["organisation"] or "",
                floor_hour(datetime.fromisoformat(data["at"])),
                data["action"],
                actor["sub"],
                actor["team"] or "",
                actor["client"] or "",
                data["outcome"],
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        counts[key] += 1
    return [
        {
            "organisation": organisation,
            "hour": hour,
            "action": action,
            "member": member,
            "team": team,
            "client": client,
            "outcome": outcome,
            "entries": entries,
        }
        for (organisation, hour, action, member, team, client, outcome), entries in counts.items()
    ]


_HOUR_OF_AT = {
    "postgresql": "date_trunc('hour', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC here)
    "sqlite": "strftime('%Y-%m-%d %H:00:00.000000', at)",
}


def backfill_sql(dialect: str) -> str:
    """One statement that counts every sequenced entry into ``audit_hour_counts`` (empty),
    from the columns: migration 0015 and the officer bench (``bench/officer.py``)."""
    hour = _HOUR_OF_AT[dialect]
    keys = (
        f"coalesce(actor_organisation, ''), {hour}, action, actor_sub, "
        "coalesce(actor_team, ''), coalesce(client_id, ''), outcome"
    )
    return (
        "INSERT INTO audit_hour_counts "
        "(organisation, hour, action, member, team, client, outcome, entries) "
        f"SELECT {keys}, count(*) FROM audit_entries WHERE leaf_index IS NOT NULL "
        f"GROUP BY {keys}"
    )


def whole_hours(zone: ZoneInfo | None, since: datetime, until: datetime) -> bool:
    """Whether every UTC hour of the period lies inside one local day of ``zone``."""
    if zone is None:
        return True
    offsets = (
        zone.utcoffset(since.replace(tzinfo=None)),
        zone.utcoffset(until.replace(tzinfo=None)),
    )
    return all(offset is not None and offset % HOUR == timedelta(0) for offset in offsets)


def _moment(period: datetime | None, zone: ZoneInfo | None, default: datetime) -> datetime:
    """A UTC moment inside ``period``: a local start of day or week (naive, PostgreSQL), an
    hour (SQLite), or none (no unit asked)."""
    if period is None:
        return default
    if period.tzinfo is None and zone is not None:
        return period.replace(tzinfo=zone).astimezone(UTC)
    return period


def _cells_of_entries(session: Session, sieve: Sieve, where: EntryFilter) -> Iterator[Cell]:
    for entry in sieve.intact(repository.iter_entries(session, where)):
        yield Cell(
            hour=floor_hour(entry.at),
            organisation=entry.actor_organisation,
            team=entry.actor_team,
            member=entry.actor_sub,
            client=entry.client_id,
            action=entry.action,
            outcome=entry.outcome,
            entries=1,
        )


def cells(
    session: Session,
    sieve: Sieve,
    where: EntryFilter,
    *,
    zone: ZoneInfo | None = None,
    unit: str | None = None,
    use_counts: bool = True,
) -> Iterator[Cell]:
    """The counts of the entries ``where`` selects, as cells (an entry is a cell of one).

    ``where`` names an organisation and a period and may name an action and a client, no
    other criterion. Cells from the counts are summed per member, team and outcome, and per
    ``unit`` (``day`` or ``week`` in ``zone``) if given: then a cell's ``hour`` is a moment
    inside its day or week; without a unit it is any moment of the period, and ``action``
    and ``client`` are those of ``where``. With ``use_counts`` false, or when the hours do
    not fit local days of ``zone``, every entry is read, through the sieve: the reference
    the tests compare with.
    """
    assert where.organisation is not None and where.since is not None and where.until is not None
    assert dataclasses.replace(where, action=None, client=None, since=None, until=None) == (
        EntryFilter(organisation=where.organisation)
    ), "the hourly counts answer only organisation, period, action and client"
    first, last = ceil_hour(where.since), floor_hour(where.until)
    if not use_counts or first >= last or not whole_hours(zone, where.since, where.until):
        yield from _cells_of_entries(session, sieve, where)
        return
    for period, member, team, outcome, entries in repository.hour_count_totals(
        session,
        organisation=where.organisation,
        since=first,
        until=last,
        action=where.action,
        client=where.client,
        zone=zone.key if zone is not None else None,
        unit=unit,
    ):
        yield Cell(
            hour=_moment(period, zone, first),
            organisation=where.organisation,
            team=team or None,
            member=member,
            client=where.client,
            action=where.action or "",
            outcome=outcome,
            entries=entries,
        )
    if where.since < first:
        yield from _cells_of_entries(session, sieve, dataclasses.replace(where, until=first))
    if last < where.until:
        yield from _cells_of_entries(session, sieve, dataclasses.replace(where, since=last))
    yield from _cells_of_entries(
        session, sieve, dataclasses.replace(where, since=first, until=last, sequenced=False)
    )
