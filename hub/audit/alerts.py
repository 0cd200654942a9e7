"""Probing alerts (docs/design.md invariant 9), delivered to the privacy officer's inbox.

Rules, evaluated by the background job (``audit_alert_interval_seconds``) and whenever the
officer opens the inbox, for the members with checks since the last evaluation, over their
recent checks (``members_to_evaluate`` says why the others' findings cannot change):

- ``many_distinct_subjects``: a member checked at least ``audit_alert_distinct_subjects``
  different subjects within ``audit_alert_window_minutes``. Bulk checking is what a
  fishing expedition looks like; an LAA or LSI batch is a legitimate cause to note.
- ``checks_without_team_flag``: within ``audit_alert_unflagged_window_hours`` a member made
  at least ``audit_alert_unflagged_checks`` allowed checks on subjects where their team holds
  no flag (in any state) and never registered one: checks that belong to no case of theirs.
- ``audit.integrity``: the log no longer agrees with what was signed (an entry's columns or
  leaf were changed, a leaf is missing, a signed root is not reproduced). Raised by whatever
  finds it: an officer's read, the evaluation here, the whole-log check (``log_check.py``).
- ``policy.stale``: the policy file on disk is broken, so an edit the officer may believe
  in force is not; names file, line and problem and the version that stays in force.
  Raised by the policy job (``hub/background.py``), once per problem and version.

An alert names the member, team and window, with counts and the entry ids; never a subject.
One probe is one alert: an open alert of the same rule on the same member whose window
overlaps the new finding's, or ends less than the rule's window before it, is extended
(window and counts, recounted over the whole window) instead of a second alert being added.
Once the officer acknowledged it, a finding overlapping it is not repeated, and a later one
is news: a new alert. Evaluation holds the tree lock, so hub processes take turns.

Checks whose columns disagree with their signed leaf count for no rule: they raise the
integrity alert instead.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from hub.actor import Actor
from hub.audit import repository
from hub.audit import service as audit
from hub.audit.integrity import MAX_LISTED_FAULTS, Fault, Sieve, SignedEntry
from hub.audit.models import AuditAlert, AuditAlertWatermark
from hub.audit.repository import EntryFilter
from hub.audit.status import mark_compromised
from hub.audit.views import ACKNOWLEDGEMENT_NOTE
from hub.audit.vocabulary import Action, Outcome
from hub.clock import Clock
from hub.errors import Conflict, InvalidInput, NotFound
from hub.flag import repository as flags
from hub.settings import Settings
from hub.transactions import transaction

MAX_ENTRY_IDS = 50
INTEGRITY_MEMBER = "system:audit-integrity"
"""Who an integrity alert is about: the log itself, never a member named in a changed row."""
POLICY_MEMBER = "system:policy"
"""Who a stale-policy alert is about: the policy file, not a member."""


class AlertRule(StrEnum):
    MANY_DISTINCT_SUBJECTS = "many_distinct_subjects"
    CHECKS_WITHOUT_TEAM_FLAG = "checks_without_team_flag"
    AUDIT_INTEGRITY = "audit.integrity"
    POLICY_STALE = "policy.stale"


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True)
class Finding:
    rule: AlertRule
    member: str
    organisation: str | None
    team: str | None
    window_start: datetime
    window_end: datetime
    detail: dict[str, object]


def _checks(
    session: Session, sieve: Sieve, since: datetime, until: datetime, member: str | None = None
) -> list[SignedEntry]:
    """The checks on a subject in [since, until) that agree with their signed leaf."""
    where = EntryFilter(action=Action.CHECK, member=member, since=since, until=until)
    return [
        entry
        for entry in sieve.intact(repository.iter_entries(session, where))
        if entry.subject_key is not None
    ]


def _burst_detail(
    checks: Sequence[SignedEntry], *, threshold: int, window: timedelta
) -> dict[str, object]:
    return {
        "distinct_subjects": len({check.subject_key for check in checks}),
        "checks": len(checks),
        "threshold": threshold,
        "window_minutes": int(window.total_seconds() // 60),
        "entries": [str(check.id) for check in checks[:MAX_ENTRY_IDS]],
    }


def find_many_distinct_subjects(
    entries: Sequence[SignedEntry], *, window: timedelta, threshold: int
) -> list[Finding]:
    """Per member, bursts: from the first check whose ``window`` (the checks of the window
    up to it) holds ``threshold`` distinct subjects, for as long as each next check's window
    still does. A burst is one finding however long it lasts."""
    by_member: dict[str, list[SignedEntry]] = {}
    for entry in entries:
        by_member.setdefault(entry.actor_sub, []).append(entry)
    findings = []
    for member, checks in by_member.items():
        recent: deque[SignedEntry] = deque()
        subjects: Counter[bytes] = Counter()
        burst: list[SignedEntry] = []
        for entry in sorted(checks, key=lambda e: (e.at, e.seq)):
            assert entry.subject_key is not None
            recent.append(entry)
            subjects[entry.subject_key] += 1
            while recent[0].at < entry.at - window:
                dropped = recent.popleft()
                assert dropped.subject_key is not None
                subjects[dropped.subject_key] -= 1
                if not subjects[dropped.subject_key]:
                    del subjects[dropped.subject_key]
            if len(subjects) >= threshold:
                burst = [*burst, entry] if burst else list(recent)
            elif burst:
                findings.append(_burst(member, burst, threshold=threshold, window=window))
                burst = []
        if burst:
            findings.append(_burst(member, burst, threshold=threshold, window=window))
    return findings


def _burst(member: str, checks: list[SignedEntry], *, threshold: int, window: timedelta) -> Finding:
    return Finding(
        rule=AlertRule.MANY_DISTINCT_SUBJECTS,
        member=member,
        organisation=checks[-1].actor_organisation,
        team=checks[-1].actor_team,
        window_start=checks[0].at,
        window_end=checks[-1].at,
        detail=_burst_detail(checks, threshold=threshold, window=window),
    )


def find_checks_without_team_flag(
    entries: Sequence[SignedEntry],
    *,
    team_subjects: set[tuple[str, bytes]],
    threshold: int,
    window: timedelta,
) -> list[Finding]:
    """Members with ``threshold`` allowed checks on subjects their team has no flag on."""
    by_member: dict[str, list[SignedEntry]] = {}
    for entry in entries:
        if entry.outcome != Outcome.ALLOWED or entry.actor_team is None:
            continue
        assert entry.subject_key is not None
        if (entry.actor_team, entry.subject_key) not in team_subjects:
            by_member.setdefault(entry.actor_sub, []).append(entry)
    findings = []
    for member, checks in by_member.items():
        if len(checks) < threshold:
            continue
        checks.sort(key=lambda e: (e.at, e.seq))
        findings.append(
            Finding(
                rule=AlertRule.CHECKS_WITHOUT_TEAM_FLAG,
                member=member,
                organisation=checks[-1].actor_organisation,
                team=checks[-1].actor_team,
                window_start=checks[0].at,
                window_end=checks[-1].at,
                detail={
                    "checks_without_team_flag": len(checks),
                    "distinct_subjects": len({c.subject_key for c in checks}),
                    "threshold": threshold,
                    "window_hours": int(window.total_seconds() // 3600),
                    "entries": [str(c.id) for c in checks[:MAX_ENTRY_IDS]],
                },
            )
        )
    return findings


Recount = Callable[[Finding, datetime, datetime], dict[str, object]]
"""A rule's counts for one member over a whole (extended) alert window."""


def evaluate_alerts(session: Session, *, settings: Settings, now: datetime) -> list[AuditAlert]:
    """Run every rule over the recent checks of the members who made new ones since the
    last evaluation (all members on a first run); store new alerts and extend open ones,
    and advance the watermark in the same transaction.

    Returns the alerts added or extended.
    """
    tree = repository.lock_tree(session)  # one evaluator at a time; the sequencer waits too
    sieve = Sieve()
    burst = timedelta(minutes=settings.audit_alert_window_minutes)
    unflagged = timedelta(hours=settings.audit_alert_unflagged_window_hours)
    lookback = max(burst, unflagged)
    since, until = now - lookback, now + timedelta(microseconds=1)
    mark = repository.alert_watermark(session)
    members = members_to_evaluate(session, mark, now=now, lookback=lookback)
    if members is None:
        checks = _checks(session, sieve, since, until)
    else:
        checks = [c for m in sorted(members) for c in _checks(session, sieve, since, until, m)]
    findings = find_many_distinct_subjects(
        [c for c in checks if c.at >= now - burst * 2],
        window=burst,
        threshold=settings.audit_alert_distinct_subjects,
    )
    recent = [c for c in checks if c.at >= now - unflagged]
    held = _held(session, recent)
    findings += find_checks_without_team_flag(
        recent,
        team_subjects=held,
        threshold=settings.audit_alert_unflagged_checks,
        window=unflagged,
    )

    def member_checks(finding: Finding, start: datetime, end: datetime) -> list[SignedEntry]:
        return _checks(session, sieve, start, end + timedelta(microseconds=1), finding.member)

    def recount_burst(finding: Finding, start: datetime, end: datetime) -> dict[str, object]:
        threshold = settings.audit_alert_distinct_subjects
        return _burst_detail(member_checks(finding, start, end), threshold=threshold, window=burst)

    def recount_unflagged(finding: Finding, start: datetime, end: datetime) -> dict[str, object]:
        checks = member_checks(finding, start, end)
        recounted = find_checks_without_team_flag(
            checks, team_subjects=_held(session, checks), threshold=1, window=unflagged
        )
        detail = recounted[0].detail if recounted else finding.detail
        return {**detail, "threshold": settings.audit_alert_unflagged_checks}

    rules: dict[AlertRule, tuple[timedelta, Recount]] = {
        AlertRule.MANY_DISTINCT_SUBJECTS: (burst, recount_burst),
        AlertRule.CHECKS_WITHOUT_TEAM_FLAG: (unflagged, recount_unflagged),
    }
    stored = []
    for finding in findings:
        window, recount = rules[finding.rule]
        alert = _store(session, finding, touching=window, recount=recount, now=now)
        if alert is not None and alert not in stored:
            stored.append(alert)
    if sieve.faults:
        raise_integrity_alert(session, sieve.faults, now=now)
    if mark is None or now >= mark.evaluated_until:
        repository.set_alert_watermark(session, tree_size=tree.size, evaluated_until=now)
    return stored


def members_to_evaluate(
    session: Session, mark: AuditAlertWatermark | None, *, now: datetime, lookback: timedelta
) -> set[str] | None:
    """The members whose findings may have changed since the evaluation ``mark`` records;
    ``None``: every member (no watermark yet, the last evaluation longer than ``lookback``
    ago, or ``now`` before it: a clock put back; such a run leaves the watermark as it is).

    **Which entries are new.** The watermark is the tree size at the last evaluation, not a
    ``seq``: ``seq`` is drawn when an entry is inserted, so on PostgreSQL an entry can commit
    (become visible) after a higher ``seq`` was evaluated, and a ``seq`` watermark would
    skip it for good. Leaf indexes are given in commit order, under the tree lock that the
    evaluation holds too, so every entry committed after an evaluation read the log either
    is still unsequenced at the next one or has a leaf index at or above the stored tree
    size. New are therefore: leaf index ≥ the watermark, no leaf index yet (the sequencer's
    queue, read through its partial index, so an entry is evaluated as soon as it is
    committed, as the full evaluation did), and ``at`` after the last evaluation's ``now``
    (an entry dated after an evaluation but sequenced before it was outside that window).

    **Why the other members' findings cannot change.** The rules are about one member's
    checks in a window ending at a check. For a member with no new check since the last
    evaluation that read their checks, the checks in today's windows are a subset of those
    it read: the windows only slid forward, dropping the oldest. A burst then is part of a
    burst found then (a check in a burst over fewer checks was in one over more), and the
    checks on subjects the team holds no flag on only lose members (flags and registrations
    only add to what the team holds; retention unlinking an old registration after its
    flag was purged is the exception: a check the team then held a flag for would start
    counting, which is no probe). So each finding lies inside a finding stored then: inside
    an alert that covers it (open: extending it changes nothing; acknowledged since: it is
    not repeated), or a finding that an acknowledged alert suppressed by overlapping it.
    Only that last one can turn into news as the window slides past the acknowledged alert,
    so members with an acknowledged alert that ended less than twice ``lookback`` ago (a
    suppressed finding started at most ``lookback`` before that evaluation, and any finding
    now holds a check of at most ``lookback`` ago that the evaluation read) are evaluated
    again. An alert, once stored, stays.

    What it gives up: a check edited after it was evaluated raises the integrity alert at
    the next read of it (searches, reports, the whole-log check), not at the next
    evaluation of an unchanged member.
    """
    if mark is None or not now - lookback <= mark.evaluated_until <= now:
        return None
    members = repository.members_with_new_checks(
        session, from_leaf_index=mark.tree_size, after=mark.evaluated_until
    )
    members |= repository.members_with_alerts(
        session,
        rules=[AlertRule.MANY_DISTINCT_SUBJECTS, AlertRule.CHECKS_WITHOUT_TEAM_FLAG],
        status=AlertStatus.ACKNOWLEDGED,
        ending_after=now - 2 * lookback,
    )
    return members


def _held(session: Session, checks: Sequence[SignedEntry]) -> set[tuple[str, bytes]]:
    """(team, subject) pairs among these checks' teams and subjects that the team holds a
    flag on or ever registered one on (a purged flag's registration still counts)."""
    teams = sorted({c.actor_team for c in checks if c.actor_team})
    held = flags.subjects_of_teams(session, team_slugs=teams)
    return held | repository.registered_subject_keys(
        session, team_slugs=teams, subject_keys=(c.subject_key for c in checks if c.subject_key)
    )


def _store(
    session: Session, finding: Finding, *, touching: timedelta, recount: Recount, now: datetime
) -> AuditAlert | None:
    """Extend the open alert this finding continues, or add one if it is news."""
    grown = repository.open_alert_near(
        session,
        rule=finding.rule,
        member=finding.member,
        start=finding.window_start - touching,
        end=finding.window_end + touching,
    )
    if grown is not None:
        start = min(grown.window_start, finding.window_start)
        end = max(grown.window_end, finding.window_end)
        if (start, end) != (grown.window_start, grown.window_end):
            grown.window_start, grown.window_end = start, end
            grown.detail = json.dumps(recount(finding, start, end), sort_keys=True)
            session.flush()
        return grown
    if repository.alert_overlapping(
        session,
        rule=finding.rule,
        member=finding.member,
        start=finding.window_start,
        end=finding.window_end,
    ):
        return None  # acknowledged already
    return _add(
        session,
        rule=finding.rule,
        dedupe_key=f"{finding.rule}:{finding.member}:{finding.window_start.isoformat()}",
        member=finding.member,
        organisation=finding.organisation,
        team=finding.team,
        start=finding.window_start,
        end=finding.window_end,
        detail=finding.detail,
        now=now,
    )


def _add(
    session: Session,
    *,
    rule: AlertRule,
    dedupe_key: str,
    member: str,
    organisation: str | None,
    team: str | None,
    start: datetime,
    end: datetime,
    detail: dict[str, Any],
    now: datetime,
) -> AuditAlert:
    alert = AuditAlert(
        id=uuid.uuid4(),
        rule=rule.value,
        dedupe_key=dedupe_key[:200],
        actor_sub=member,
        actor_organisation=organisation,
        actor_team=team,
        window_start=start,
        window_end=end,
        detail=json.dumps(detail, sort_keys=True),
        status=AlertStatus.OPEN.value,
        created_at=now,
    )
    repository.add_alert(session, alert)
    return alert


def raise_integrity_alert(
    session: Session, faults: Sequence[Fault], *, now: datetime, count: int | None = None
) -> None:
    """Tell every organisation's officer where the log disagrees with what was signed, and
    mark the log compromised (``/health``), in the caller's transaction.

    The log is one tree for the whole hub, so a fault in it concerns every officer; the
    alert names positions (leaf indexes) and column names, never a member or a subject.
    An open integrity alert grows with new faults; once acknowledged, only a fault it did
    not list raises a new one. ``count``: how many faults there are when ``faults`` lists
    only the first.
    """
    faults = list(dict.fromkeys(faults))
    mark_compromised(session, faults, now=now)  # first: its row lock makes raisers take turns
    found = [fault.to_dict() for fault in faults]
    for organisation in repository.organisation_slugs(session):
        earlier = repository.alerts_of(
            session, rule=AlertRule.AUDIT_INTEGRITY, organisation=organisation
        )
        known = [item for alert in earlier for item in json.loads(alert.detail)["faults"]]
        new = [item for item in found if item not in known]
        open_alert = next((a for a in earlier if a.status == AlertStatus.OPEN), None)
        if open_alert is not None:
            if new:
                detail = json.loads(open_alert.detail)
                listed = [*detail["faults"], *new]
                detail["faults"] = listed[:MAX_LISTED_FAULTS]
                detail["fault_count"] = max(detail["fault_count"], len(listed), count or 0)
                open_alert.detail = json.dumps(detail, sort_keys=True)
            open_alert.window_end = now
            session.flush()
        elif new:
            detail = {"faults": new[:MAX_LISTED_FAULTS], "fault_count": max(len(new), count or 0)}
            _add(
                session,
                rule=AlertRule.AUDIT_INTEGRITY,
                # unique by design: whether it is news was decided above, from the faults
                dedupe_key=f"{AlertRule.AUDIT_INTEGRITY}:{organisation}:{uuid.uuid4()}",
                member=INTEGRITY_MEMBER,
                organisation=organisation,
                team=None,
                start=now,
                end=now,
                detail=detail,
                now=now,
            )


def raise_policy_alert(
    session: Session, *, problem: str, version_in_force: str, now: datetime
) -> int:
    """Tell every organisation's officer that the policy file is broken and which version
    stays in force, in the caller's transaction; how many alerts were added.

    One alert per problem and version in force: the job finds the same broken file every
    time it runs, and an acknowledged alert is not raised again until something changes.
    """
    detail = {"problem": problem, "version_in_force": version_in_force}
    raised = 0
    for organisation in repository.organisation_slugs(session):
        earlier = repository.alerts_of(
            session, rule=AlertRule.POLICY_STALE, organisation=organisation
        )
        if any(json.loads(alert.detail) == detail for alert in earlier):
            continue
        _add(
            session,
            rule=AlertRule.POLICY_STALE,
            dedupe_key=f"{AlertRule.POLICY_STALE}:{organisation}:{uuid.uuid4()}",
            member=POLICY_MEMBER,
            organisation=organisation,
            team=None,
            start=now,
            end=now,
            detail=detail,
            now=now,
        )
        raised += 1
    return raised


def run_alerts(
    sessions: sessionmaker[Session], *, settings: Settings, clock: Clock
) -> list[AuditAlert]:
    """The job: evaluate in a transaction of its own (background thread, CLI)."""
    with transaction(sessions) as session:
        return evaluate_alerts(session, settings=settings, now=clock.now())


def list_alerts(
    session: Session,
    actor: Actor,
    *,
    status: AlertStatus | None,
    limit: int,
    offset: int,
    now: datetime,
) -> list[AuditAlert]:
    """The officer's inbox: alerts on their organisation's members, newest first (audited)."""
    if not 1 <= limit <= audit.MAX_PAGE or offset < 0:
        raise InvalidInput(f"limit must be 1..{audit.MAX_PAGE} and offset non-negative")
    alerts = repository.list_alerts(
        session, organisation=actor.organisation, status=status, limit=limit, offset=offset
    )
    audit.record_oversight(session, actor, action=Action.AUDIT_ALERTS_LIST, now=now)
    return list(alerts)


def acknowledge_alert(
    session: Session,
    actor: Actor,
    *,
    alert_id: uuid.UUID,
    now: datetime,
    note: str | None = None,
) -> AuditAlert:
    """Mark an alert as handled by this officer, with what they found or did (``note``).

    The note stays with the alert and not in the signed leaf: free text has no place in an
    entry that can never be erased."""
    alert = repository.get_alert(session, alert_id)
    if alert is None or alert.actor_organisation != actor.organisation:
        raise NotFound("no such alert")
    if alert.status != AlertStatus.OPEN:
        raise Conflict("the alert was already acknowledged")
    alert.status = AlertStatus.ACKNOWLEDGED.value
    alert.acknowledged_at = now
    alert.acknowledged_by = actor.sub
    if note:
        detail = json.loads(alert.detail)
        detail[ACKNOWLEDGEMENT_NOTE] = note
        alert.detail = json.dumps(detail, sort_keys=True)
    session.flush()
    audit.record_oversight(
        session, actor, action=Action.AUDIT_ALERT_ACKNOWLEDGE, now=now, object_id=str(alert.id)
    )
    return alert
