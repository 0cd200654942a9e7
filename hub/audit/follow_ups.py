"""The first follow-ups (``audit_first_follow_ups``): kept as entries are sequenced, read by
the ``checks-without-follow-up`` report.

A check is followed up when the checking team registered a flag or requested contact on
the subject at any time up to the end of the check's window; only the team's *first*
follow-up on the subject decides that. At report time the pairing read, for every checked
subject, all the team's follow-ups on it, through the sieve: some 700 µs a check, two
minutes for a year of a busy organisation at ten million entries (docs/benchmarks.md).
So the sequencer keeps the first follow-up per organisation, team and subject, from the
signed leaves (a follow-up whose stored subject key does not match its leaf's commitment
is not counted, as the sieve would leave it out), in the transaction that numbers the
entries; the report pairs each check with one row in the database.

What this gives up, as the hourly counts do (``hour_counts.py``): an entry edited after it
was sequenced still counts as the follow-up it was; the whole-log check finds the edit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.audit import repository
from hub.audit.service import LEAF_VERSION, subject_commitment
from hub.audit.vocabulary import Action

FOLLOW_UP_ACTIONS = (Action.FLAG_REGISTER, Action.CONTACT_REQUEST_CREATE)
_ACTIONS = frozenset(action.value for action in FOLLOW_UP_ACTIONS)


def _follow_up(leaf: str) -> tuple[str, str, str, datetime] | None:
    """(organisation, team, commitment, at) if ``leaf`` is an allowed follow-up of a team."""
    if not any(f'"action":"{action}"' in leaf for action in _ACTIONS):
        return None  # most entries are checks: not parsed again (the hourly counts did)
    try:
        data = json.loads(leaf)
        actor = data["actor"]
        if (
            data.get("v") != LEAF_VERSION
            or data["action"] not in _ACTIONS
            or data["outcome"] != "allowed"
            or not (actor["organisation"] and actor["team"] and data["subject"])
        ):
            return None
        return (
            actor["organisation"],
            actor["team"],
            data["subject"],
            datetime.fromisoformat(data["at"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def first_follow_ups(session: Session, leaves: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    """The rows to merge into ``audit_first_follow_ups`` for a batch of (seq, leaf) being
    sequenced (``repository.add_first_follow_ups`` keeps the earliest per key)."""
    found = {seq: follow_up for seq, leaf in leaves if (follow_up := _follow_up(leaf))}
    firsts: dict[tuple[str, str, bytes], datetime] = {}
    for seq, (key, salt) in repository.subject_links(session, list(found)).items():
        organisation, team, commitment, at = found[seq]
        if subject_commitment(salt, key) != commitment:
            continue  # the stored key is not the one signed: the sieve would leave it out
        cell = (organisation, team, key)
        if cell not in firsts or at < firsts[cell]:
            firsts[cell] = at
    return [
        {"organisation": organisation, "team": team, "subject_key": key, "first_at": at}
        for (organisation, team, key), at in firsts.items()
    ]


_CONDITIONS = (
    "leaf_index IS NOT NULL AND action IN ('flag.register', 'contact_request.create') "
    "AND outcome = 'allowed' AND actor_organisation IS NOT NULL AND actor_team IS NOT NULL "
    "AND subject_key IS NOT NULL AND subject_salt IS NOT NULL"
)


def backfill_sql() -> str:
    """One statement that fills ``audit_first_follow_ups`` (empty) from the sequenced
    entries' columns: migration 0016 and the officer bench (``bench/officer.py``)."""
    assert {"flag.register", "contact_request.create"} == _ACTIONS
    return (
        "INSERT INTO audit_first_follow_ups (organisation, team, subject_key, first_at) "
        "SELECT actor_organisation, actor_team, subject_key, min(at) FROM audit_entries "
        f"WHERE {_CONDITIONS} GROUP BY actor_organisation, actor_team, subject_key"
    )
