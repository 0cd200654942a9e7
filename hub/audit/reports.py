"""Audit reports for the privacy officer, as Suwinet-Inkijk audits give them.

Every report covers a period (default the last 30 days, at most 366) and the processing by
members of the officer's own organisation, counts only what the log holds, and is itself
audited. Kinds:

- ``checks-per-member``: involvement checks per member and team, allowed and refused.
- ``off-hours``: processing by members outside office hours (``audit_office_days``
  between ``audit_office_hours_start`` and ``_end``, in ``audit_timezone``), per member and
  action, with the member's newest ``LISTED_PER_MEMBER`` entries. Public holidays are not
  known to the hub and count as office days.
- ``most-checked-subjects``: the subjects checked most often, each under a label that is
  only valid inside this one report (``subject-01`` ...), with the teams and members who
  checked. Never a subject key or pseudonym: to learn who a label is, the officer starts
  from a BSN they already have and runs a (logged) subject search.
- ``checks-without-follow-up``: allowed checks after which the checking team neither
  registered a flag nor requested contact on that subject within ``audit_follow_up_days``
  (a flag the team held before the check also counts as follow-up), with the member's newest
  ``LISTED_PER_MEMBER`` such checks. Checks whose window is still open are counted as
  pending; entries whose subject was erased cannot be matched.
- ``refusals``: refused actions per member, team, action, rule and reason.
- ``checks-over-time``: involvement checks per day (per week over a period longer than
  ``DAILY_UP_TO``), per member and team, allowed and refused; days in ``audit_timezone``,
  weeks starting on Monday. ``summary.periods`` names every day or week of the period, so
  that one without checks shows as zero.

Every report counts entries as their signed leaves state them. An entry whose stored
columns disagree with its leaf (``integrity.py``) is left out of the rows and counts, and
listed in ``summary.tampered_entries`` by leaf index and the columns concerned; the
officers get an ``audit.integrity`` alert for it. So an edit to the table can neither add
to nor hide behind a report's figures; a row edited so that the period, organisation or
action no longer select it is found by the whole-log check (``log_check.py``).
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.audit import hour_counts, repository
from hub.audit import service as audit
from hub.audit.alerts import raise_integrity_alert
from hub.audit.follow_ups import FOLLOW_UP_ACTIONS
from hub.audit.integrity import Sieve, SignedEntry, signed
from hub.audit.repository import EntryFilter
from hub.audit.views import Report, ReportKind
from hub.audit.vocabulary import Action
from hub.errors import InvalidInput
from hub.flag import repository as flags
from hub.settings import Settings

LISTED_PER_MEMBER = 50
"""``checks-without-follow-up`` lists a member's newest checks without follow-up up to this
many; the row counts them all (a year of a busy member can hold thousands)."""
DEFAULT_PERIOD = timedelta(days=30)
MAX_PERIOD = timedelta(days=366)
SYSTEM_PREFIX = "system:"
DAILY_UP_TO = timedelta(days=62)


DESCRIPTIONS = {
    ReportKind.CHECKS_PER_MEMBER: "Involvement checks per member and team.",
    ReportKind.OFF_HOURS: "Processing by members outside office hours.",
    ReportKind.MOST_CHECKED_SUBJECTS: "Subjects checked most often (labels valid in this "
    "report only).",
    ReportKind.CHECKS_WITHOUT_FOLLOW_UP: "Checks not followed by a flag or contact request "
    "of the checking team.",
    ReportKind.REFUSALS: "Refused actions per member, rule and reason.",
    ReportKind.CHECKS_OVER_TIME: "Involvement checks per day or week, per member and team.",
}


def resolve_period(
    since: datetime | None, until: datetime | None, *, now: datetime
) -> tuple[datetime, datetime]:
    """[since, until) with defaults; refuses naive times, inverted or over-long periods."""
    audit.require_aware(since, "from")
    audit.require_aware(until, "to")
    until = until or now + timedelta(microseconds=1)  # up to and including now
    since = since or until - DEFAULT_PERIOD
    if since >= until:
        raise InvalidInput("'from' must lie before 'to'")
    if until - since > MAX_PERIOD:
        raise InvalidInput(f"a report covers at most {MAX_PERIOD.days} days")
    return since, until


def _entry_ref(entry: SignedEntry, zone: ZoneInfo | None = None) -> dict[str, Any]:
    at = entry.at.astimezone(zone) if zone else entry.at
    return {
        "id": str(entry.id),
        "leaf_index": entry.leaf_index,
        "at": at.isoformat(),
        "action": entry.action,
        "team": entry.actor_team,
        "purpose": entry.purpose,
        "case_ref": entry.case_ref,
    }


def _is_member(entry: SignedEntry) -> bool:
    return not entry.actor_sub.startswith(SYSTEM_PREFIX)


def checks_per_member(
    session: Session,
    sieve: Sieve,
    since: datetime,
    until: datetime,
    *,
    organisation: str,
    client: str | None = None,
    use_counts: bool = True,
) -> list[dict[str, Any]]:
    where = EntryFilter(
        organisation=organisation, client=client, action=Action.CHECK, since=since, until=until
    )
    rows: dict[tuple[str, str | None, str | None], dict[str, Any]] = {}
    for cell in hour_counts.cells(session, sieve, where, use_counts=use_counts):
        member, team = cell.member, cell.team
        row = rows.setdefault(
            (member, cell.organisation, team),
            {
                "member": member,
                "organisation": cell.organisation,
                "team": team,
                "checks": 0,
                "allowed": 0,
                "refused": 0,
            },
        )
        row["checks"] += cell.entries
        row[cell.outcome if cell.outcome in ("allowed", "refused") else "allowed"] += cell.entries
    return sorted(rows.values(), key=lambda row: (-row["checks"], row["member"], row["team"] or ""))


def is_office_hours(moment: datetime, settings: Settings) -> bool:
    local = moment.astimezone(ZoneInfo(settings.audit_timezone))
    return (
        local.weekday() in settings.audit_office_days
        and settings.audit_office_hours_start <= local.time() < settings.audit_office_hours_end
    )


def office_ranges(
    since: datetime, until: datetime, settings: Settings
) -> list[tuple[datetime, datetime]]:
    """The office hours inside [since, until), as UTC [start, end) ranges in time order."""
    zone = ZoneInfo(settings.audit_timezone)
    start, end = settings.audit_office_hours_start, settings.audit_office_hours_end
    ranges = []
    day = since.astimezone(zone).date()
    while day <= until.astimezone(zone).date():
        if day.weekday() in settings.audit_office_days and start < end:
            opens = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
            closes = datetime.combine(day, end, tzinfo=zone).astimezone(UTC)
            opens, closes = max(opens, since), min(closes, until)
            if opens < closes:
                ranges.append((opens, closes))
        day += timedelta(days=1)
    return ranges


def _outside(
    ranges: list[tuple[datetime, datetime]], since: datetime, until: datetime
) -> list[tuple[datetime, datetime]]:
    """The gaps between ``ranges`` (in time order) within [since, until)."""
    gaps, at = [], since
    for start, end in ranges:
        if at < start:
            gaps.append((at, start))
        at = max(at, end)
    if at < until:
        gaps.append((at, until))
    return gaps


def _whole_hours_of(
    ranges: list[tuple[datetime, datetime]],
) -> tuple[list[tuple[datetime, datetime]], list[tuple[datetime, datetime]]]:
    """``ranges`` split into their whole UTC hours and the parts of hours at their ends."""
    whole, parts = [], []
    for start, end in ranges:
        first, last = hour_counts.ceil_hour(start), hour_counts.floor_hour(end)
        if first < last:
            whole.append((first, last))
            parts += [(start, first)] if start < first else []
            parts += [(last, end)] if last < end else []
        else:
            parts.append((start, end))
    return whole, parts


def _off_hours_selection(
    session: Session, since: datetime, until: datetime, settings: Settings
) -> tuple[dict[str, Any], dict[str, Any], list[tuple[datetime, datetime]]]:
    """The whole hours inside and outside office hours (as ``repository.hour_count_sums``
    takes them) and the part hours left to read from the entries.

    Where the database knows time zones and office hours start and end on the hour, it
    tells each hour's side itself, over the period's whole hours; otherwise each office day
    and each gap between them is a range of its own (some 260 each way in a year)."""
    start, end = settings.audit_office_hours_start, settings.audit_office_hours_end
    on_the_hour = all(
        moment.minute == moment.second == moment.microsecond == 0 for moment in (start, end)
    )
    if repository.knows_time_zones(session) and on_the_hour and start < end:
        first, last = hour_counts.ceil_hour(since), hour_counts.floor_hour(until)
        if first < last:
            office = repository.OfficeHours(
                zone=settings.audit_timezone,
                days=tuple(day + 1 for day in settings.audit_office_days),
                start=start,
                end=end,
            )
            parts = [(since, first)] if since < first else []
            parts += [(last, until)] if last < until else []
            whole = [(first, last)]
            return (
                {"hours": whole, "office": office, "inside": True},
                {"hours": whole, "office": office, "inside": False},
                parts,
            )
    office_hours = office_ranges(since, until, settings)
    inside, inside_parts = _whole_hours_of(office_hours)
    outside, outside_parts = _whole_hours_of(_outside(office_hours, since, until))
    return {"hours": inside}, {"hours": outside}, inside_parts + outside_parts


def _off_hours_row(member: str, organisation: str | None) -> dict[str, Any]:
    return {
        "member": member,
        "organisation": organisation,
        "teams": set(),
        "inside_office_hours": 0,
        "outside_office_hours": 0,
        "outside_by_action": Counter(),
        "entries": [],
        "entries_not_listed": 0,
    }


def off_hours(
    session: Session,
    sieve: Sieve,
    since: datetime,
    until: datetime,
    *,
    organisation: str,
    client: str | None = None,
    settings: Settings,
    listed: int = LISTED_PER_MEMBER,
    use_counts: bool = True,
) -> list[dict[str, Any]]:
    """Per member, the processing outside office hours and the count inside, with the
    newest ``listed`` entries outside office hours (``entries_not_listed`` counts the rest).

    With ``use_counts`` both counts come from the hourly counts over the whole hours inside
    and outside office hours, in two statements; the entries read are the listed ones, those
    in part hours (the period's ends; office hours that do not start or end on the hour)
    and those not yet sequenced. A listed entry that disagrees with its leaf is left out of
    the counts too. Without, every entry of the period is read and listed (the reference
    the tests compare with).
    """
    zone = ZoneInfo(settings.audit_timezone)
    where = EntryFilter(organisation=organisation, client=client, since=since, until=until)
    per_member: dict[str, dict[str, Any]] = {}
    listing: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)

    def count(entry: SignedEntry) -> None:
        row = per_member.setdefault(
            entry.actor_sub, _off_hours_row(entry.actor_sub, entry.actor_organisation)
        )
        if is_office_hours(entry.at, settings):
            row["inside_office_hours"] += 1
            return
        row["outside_office_hours"] += 1
        row["teams"].add(entry.actor_team)
        row["outside_by_action"][entry.action] += 1
        listing[entry.actor_sub].append((entry.seq, _entry_ref(entry, zone)))

    if not use_counts or not hour_counts.whole_hours(zone, since, until):
        listed = 0  # every entry: the reference lists them all
        for entry in sieve.intact(repository.iter_entries(session, where)):
            if _is_member(entry):
                count(entry)
    else:
        inside, outside, parts = _off_hours_selection(session, since, until, settings)
        for selection, key in ((inside, "inside_office_hours"), (outside, "outside_office_hours")):
            for member, team, action, entries in repository.hour_count_sums(
                session, organisation=organisation, client=client, **selection
            ):
                if member.startswith(SYSTEM_PREFIX):
                    continue
                row = per_member.setdefault(member, _off_hours_row(member, organisation))
                row[key] += entries
                if key == "outside_office_hours":
                    row["teams"].add(team or None)
                    row["outside_by_action"][action] += entries
        for stored in repository.newest_entries_in(session, where, per_member=listed, **outside):
            checked = signed(stored)
            if checked.intact:
                listing[checked.actor_sub].append((checked.seq, _entry_ref(checked, zone)))
                continue
            sieve.note(checked)
            counted = per_member.get(checked.actor_sub)  # counted as its leaf states it
            if counted is not None and "leaf" not in checked.tampered:
                counted["outside_office_hours"] -= 1
                counted["outside_by_action"][checked.action] -= 1
        read = [
            *(dataclasses.replace(where, since=a, until=b, sequenced=True) for a, b in parts),
            dataclasses.replace(where, sequenced=False),
        ]
        for part in read:
            for entry in sieve.intact(repository.iter_entries(session, part)):
                if _is_member(entry):
                    count(entry)
    rows = []
    for member, row in per_member.items():
        if row["outside_office_hours"] <= 0:
            continue
        shown = [ref for _, ref in sorted(listing[member], key=lambda item: item[0])]
        shown = shown[-listed:] if listed else shown
        rows.append(
            row
            | {
                "teams": sorted(team for team in row["teams"] if team),
                "outside_by_action": {
                    action: n for action, n in sorted(row["outside_by_action"].items()) if n
                },
                "entries": shown,
                "entries_not_listed": row["outside_office_hours"] - len(shown),
            }
        )
    return sorted(rows, key=lambda row: (-row["outside_office_hours"], row["member"]))


def most_checked_subjects(
    session: Session,
    sieve: Sieve,
    since: datetime,
    until: datetime,
    *,
    organisation: str,
    client: str | None = None,
    limit: int,
    use_counts: bool = True,
) -> list[dict[str, Any]]:
    """The ``limit`` subjects checked most, with who checked them.

    The database ranks the subjects by their checks as the columns read (``use_counts``);
    only the top subjects' checks are read and sieved, and ranked again by the checks that
    agree with their leaves. Without ``use_counts`` every check of the period is read and
    sieved (the reference the tests compare with; minutes for a year of a busy hub).
    """
    where = EntryFilter(
        organisation=organisation, client=client, action=Action.CHECK, since=since, until=until
    )
    candidates = (
        [key for key, _ in repository.most_frequent_subjects(session, where, limit=limit)]
        if use_counts
        else _ranked_subjects(session, sieve, where, limit=limit)
    )
    found = []
    for subject_key in candidates:
        teams: Counter[str] = Counter()
        checked_by: Counter[str] = Counter()
        first: datetime | None = None
        last: datetime | None = None
        checks = 0
        for entry in sieve.intact(
            repository.iter_entries(session, dataclasses.replace(where, subject_key=subject_key))
        ):
            checks += 1
            teams[entry.actor_team or "-"] += 1
            checked_by[entry.actor_sub] += 1
            first = first or entry.at
            last = entry.at
        if checks:
            found.append((subject_key, checks, teams, checked_by, first, last))
    found.sort(key=lambda item: (-item[1], item[0]))
    return [
        {
            "label": f"subject-{rank:02d}",
            "checks": checks,
            "distinct_members": len(checked_by),
            "teams": dict(teams.most_common()),
            "members": dict(checked_by.most_common()),
            "first_check": first.isoformat() if first else None,
            "last_check": last.isoformat() if last else None,
        }
        for rank, (_, checks, teams, checked_by, first, last) in enumerate(found, start=1)
    ]


def _ranked_subjects(
    session: Session, sieve: Sieve, where: EntryFilter, *, limit: int
) -> list[bytes]:
    counts: Counter[bytes] = Counter(
        entry.subject_key
        for entry in sieve.intact(repository.iter_entries(session, where))
        if entry.subject_key is not None
    )
    return [key for key, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]]


def checks_without_follow_up(
    session: Session,
    sieve: Sieve,
    since: datetime,
    until: datetime,
    *,
    organisation: str,
    client: str | None = None,
    now: datetime,
    settings: Settings,
    listed: int = LISTED_PER_MEMBER,
    use_summary: bool = True,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per member, the allowed checks, those pending and those without follow-up.

    With ``use_summary`` the database pairs each check with its team's first follow-up on
    the subject (``audit_first_follow_ups``, ``follow_ups.py``) and counts per member; only
    the newest ``listed`` checks without follow-up of each member are read, through the
    sieve, and listed (``entries_not_listed`` counts the rest). A listed check that
    disagrees with its leaf is left out of the counts too; one that is not listed is counted
    as its columns state (the whole-log check finds an edit). Without, every check is read
    and listed (the reference the tests compare with).
    """
    if not use_summary:
        return _checks_without_follow_up_of_entries(
            session,
            sieve,
            since,
            until,
            organisation=organisation,
            client=client,
            now=now,
            settings=settings,
        )
    where = EntryFilter(organisation=organisation, client=client, since=since, until=until)
    days = settings.audit_follow_up_days
    per_member: dict[str, dict[str, Any]] = {}
    totals = repository.follow_up_totals(session, where, window_days=days, now=now)
    for total in sorted(totals, key=lambda total: total.first_seq):
        row = per_member.setdefault(
            total.member,
            {
                "member": total.member,
                "organisation": organisation,
                "team": total.team,  # of the member's first check, as the entries give it
                "checks": 0,
                "without_follow_up": 0,
                "pending": 0,
                "entries": [],
                "entries_not_listed": 0,
            },
        )
        row["checks"] += total.checks
        row["pending"] += total.pending
        row["without_follow_up"] += total.without_follow_up
    for stored in repository.checks_without_follow_up(
        session, where, window_days=days, now=now, per_member=listed
    ):
        row = per_member[stored.actor_sub]
        for check in sieve.intact([stored]):
            row["entries"].append(_entry_ref(check))
            break
        else:  # disagrees with its leaf: not counted, as the entries way would not count it
            row["checks"] -= 1
            row["without_follow_up"] -= 1
    for row in per_member.values():
        row["entries_not_listed"] = row["without_follow_up"] - len(row["entries"])
    rows = sorted(
        (row for row in per_member.values() if row["without_follow_up"] or row["pending"]),
        key=lambda row: (-row["without_follow_up"], row["member"]),
    )
    summary = {
        "checks": sum(row["checks"] for row in per_member.values()),
        "without_follow_up": sum(row["without_follow_up"] for row in rows),
        "pending": sum(row["pending"] for row in rows),
        "follow_up_days": days,
    }
    return rows, summary


def _checks_without_follow_up_of_entries(
    session: Session,
    sieve: Sieve,
    since: datetime,
    until: datetime,
    *,
    organisation: str,
    client: str | None = None,
    now: datetime,
    settings: Settings,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every check of the period read and paired with the team's follow-ups through the
    sieve: the reference the tests compare with (minutes for a year of a busy hub)."""
    window = timedelta(days=settings.audit_follow_up_days)
    checks = [
        entry
        for entry in sieve.intact(
            repository.iter_entries(
                session,
                EntryFilter(
                    organisation=organisation,
                    client=client,
                    action=Action.CHECK,
                    outcome="allowed",
                    since=since,
                    until=until,
                ),
            )
        )
        if entry.subject_key is not None and entry.actor_team is not None
    ]
    # When each team first followed up on each subject (flags it held before count too).
    followed: dict[tuple[str, bytes], list[datetime]] = defaultdict(list)
    # Only the checked subjects' follow-ups matter: looked up per subject, not all of them.
    for entry in sieve.intact(
        repository.follow_ups(
            session,
            organisation=organisation,
            actions=FOLLOW_UP_ACTIONS,
            subject_keys=(check.subject_key for check in checks if check.subject_key),
            until=until + window,
        )
    ):
        if entry.subject_key is not None and entry.actor_team is not None:
            followed[(entry.actor_team, entry.subject_key)].append(entry.at)
    held_flags = flags.subjects_of_teams(
        session, team_slugs=sorted({check.actor_team for check in checks if check.actor_team})
    )
    per_member: dict[str, dict[str, Any]] = {}
    pending = 0
    for check in checks:
        assert check.actor_team is not None and check.subject_key is not None
        key = (check.actor_team, check.subject_key)
        deadline = check.at + window
        done = any(moment <= deadline for moment in followed.get(key, ()))
        row = per_member.setdefault(
            check.actor_sub,
            {
                "member": check.actor_sub,
                "organisation": check.actor_organisation,
                "team": check.actor_team,
                "checks": 0,
                "without_follow_up": 0,
                "pending": 0,
                "entries": [],
                "entries_not_listed": 0,
            },
        )
        row["checks"] += 1
        if done:
            continue
        if deadline > now:
            row["pending"] += 1
            pending += 1
            continue
        if key in held_flags and not followed.get(key):
            continue  # a flag the team held that is older than the log's record of it
        row["without_follow_up"] += 1
        row["entries"].append(_entry_ref(check))
    rows = sorted(
        (row for row in per_member.values() if row["without_follow_up"] or row["pending"]),
        key=lambda row: (-row["without_follow_up"], row["member"]),
    )
    summary = {
        "checks": len(checks),
        "without_follow_up": sum(row["without_follow_up"] for row in rows),
        "pending": pending,
        "follow_up_days": settings.audit_follow_up_days,
    }
    return rows, summary


def refusals(
    session: Session,
    sieve: Sieve,
    since: datetime,
    until: datetime,
    *,
    organisation: str,
    client: str | None = None,
) -> list[dict[str, Any]]:
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    where = EntryFilter(
        organisation=organisation, client=client, outcome="refused", since=since, until=until
    )
    for entry in sieve.intact(repository.iter_entries(session, where)):
        key = (entry.actor_sub, entry.actor_team, entry.action, entry.rule_id, entry.reason)
        row = groups.setdefault(
            key,
            {
                "member": entry.actor_sub,
                "organisation": entry.actor_organisation,
                "team": entry.actor_team,
                "action": entry.action,
                "rule_id": entry.rule_id,
                "reason": entry.reason,
                "count": 0,
                "first": entry.at.isoformat(),
                "last": entry.at.isoformat(),
            },
        )
        row["count"] += 1
        row["last"] = entry.at.isoformat()
    return sorted(groups.values(), key=lambda row: (-row["count"], row["member"]))


def _period_start(moment: datetime, zone: ZoneInfo, *, weekly: bool) -> date:
    day = moment.astimezone(zone).date()
    return day - timedelta(days=day.weekday()) if weekly else day


def checks_over_time(
    session: Session,
    sieve: Sieve,
    since: datetime,
    until: datetime,
    *,
    organisation: str,
    client: str | None = None,
    settings: Settings,
    use_counts: bool = True,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    zone = ZoneInfo(settings.audit_timezone)
    weekly = until - since > DAILY_UP_TO
    where = EntryFilter(
        organisation=organisation, client=client, action=Action.CHECK, since=since, until=until
    )
    rows: dict[tuple[date, str, str | None], dict[str, Any]] = {}
    cells = hour_counts.cells(
        session, sieve, where, zone=zone, unit="week" if weekly else "day", use_counts=use_counts
    )
    for cell in cells:
        # a cell's UTC hour lies inside one local day (``hour_counts.cells`` sees to it)
        start = _period_start(cell.hour, zone, weekly=weekly)
        row = rows.setdefault(
            (start, cell.member, cell.team),
            {
                "period": start.isoformat(),
                "member": cell.member,
                "team": cell.team,
                "checks": 0,
                "allowed": 0,
                "refused": 0,
            },
        )
        row["checks"] += cell.entries
        row["refused" if cell.outcome == "refused" else "allowed"] += cell.entries
    step = timedelta(days=7 if weekly else 1)
    last = _period_start(until - timedelta(microseconds=1), zone, weekly=weekly)
    periods, start = [], _period_start(since, zone, weekly=weekly)
    while start <= last:
        periods.append(start.isoformat())
        start += step
    summary = {
        "interval": "week" if weekly else "day",
        "timezone": settings.audit_timezone,
        "periods": periods,
    }
    ordered = sorted(
        rows.values(), key=lambda row: (row["period"], row["member"], row["team"] or "")
    )
    return ordered, summary


def run_report(
    session: Session,
    actor: Actor,
    *,
    settings: Settings,
    kind: ReportKind,
    since: datetime | None,
    until: datetime | None,
    now: datetime,
    limit: int = 20,
    reader: Session | None = None,
    client: str | None = None,
) -> Report:
    """Build one report over [since, until) of the officer's organisation; audit that it ran.

    ``reader`` (a read replica) reads the entries if given; what the report finds wrong and
    its own audit entry are written through ``session``, on the primary.
    """
    organisation = actor.organisation
    reads = reader or session
    since, until = resolve_period(since, until, now=now)
    if not 1 <= limit <= 100:
        raise InvalidInput("limit must be 1..100")
    summary: dict[str, Any] = {}
    sieve = Sieve()
    if kind is ReportKind.CHECKS_PER_MEMBER:
        rows = checks_per_member(
            reads, sieve, since, until, organisation=organisation, client=client
        )
    elif kind is ReportKind.OFF_HOURS:
        rows = off_hours(
            reads, sieve, since, until, organisation=organisation, client=client, settings=settings
        )
        summary = {
            "timezone": settings.audit_timezone,
            "office_days": list(settings.audit_office_days),
            "office_hours": [
                settings.audit_office_hours_start.isoformat(timespec="minutes"),
                settings.audit_office_hours_end.isoformat(timespec="minutes"),
            ],
        }
    elif kind is ReportKind.MOST_CHECKED_SUBJECTS:
        rows = most_checked_subjects(
            reads, sieve, since, until, organisation=organisation, client=client, limit=limit
        )
    elif kind is ReportKind.CHECKS_WITHOUT_FOLLOW_UP:
        rows, summary = checks_without_follow_up(
            reads,
            sieve,
            since,
            until,
            organisation=organisation,
            client=client,
            now=now,
            settings=settings,
        )
    elif kind is ReportKind.CHECKS_OVER_TIME:
        rows, summary = checks_over_time(
            reads, sieve, since, until, organisation=organisation, client=client, settings=settings
        )
    else:
        rows = refusals(reads, sieve, since, until, organisation=organisation, client=client)
    if client:
        summary["client"] = client
    if sieve.faults:
        summary["tampered_entries"] = sieve.listed()
        raise_integrity_alert(session, sieve.faults, now=now)
    audit.record_oversight(
        session,
        actor,
        action=Action.AUDIT_REPORT,
        now=now,
        reason=audit.canonical_leaf(
            {"report": kind.value, "from": since.isoformat(), "to": until.isoformat()}
            | ({"client": client} if client else {})
        ),
    )
    return Report(
        kind=kind,
        since=since,
        until=until,
        generated_at=now,
        description=DESCRIPTIONS[kind],
        rows=rows,
        summary=summary,
    )
