"""Readable text for the hub's answers: what ``betrokken`` prints unless ``--json`` is given.

One function per kind of answer; each takes the JSON the hub sent and returns lines. Ids
are printed in full, since the next command needs them.
"""

from __future__ import annotations

import json
from typing import Any

import click

__all__ = [
    "alerts",
    "check",
    "contact_request",
    "contact_requests",
    "emit",
    "flag",
    "flags",
    "inbox",
    "registration",
]


def emit(answer: Any, as_json: bool, text: Any) -> None:
    """Print ``answer`` as JSON for scripts, or as the lines ``text(answer)`` makes."""
    if as_json:
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(text(answer)))


def _day(moment: str | None) -> str:
    return moment[:10] if moment else "-"


def _own_words(item: dict[str, Any] | None) -> str:
    if not item:
        return ""
    words = [w for w in (item.get("reference"), item.get("label")) if w]
    return f" [{', '.join(words)}]" if words else ""


def _decision(decision: dict[str, Any]) -> str:
    return (
        f"decision: rule {decision.get('rule_id')}, grondslag {decision.get('legal_basis')}, "
        f"policy {str(decision.get('policy_version', ''))[:12]}"
    )


def flag(item: dict[str, Any]) -> list[str]:
    line = (
        f"flag {item['id']}  {item['purpose']} ({item['domain']})  {item['status']}  "
        f"since {_day(item['registered_at'])}  until {_day(item['expires_at'])}"
    )
    return [line + _own_words(item)]


def flags(answer: dict[str, Any]) -> list[str]:
    return [line for item in answer["items"] for line in flag(item)] or ["no flags"]


def registration(answer: dict[str, Any]) -> list[str]:
    return ["registered " + flag(answer["flag"])[0], _decision(answer["decision"])]


def check(answer: dict[str, Any]) -> list[str]:
    lines = [f"check {answer['check_id']}"]
    lines.append(f"your own team involved: {'yes' if answer['own_team_involved'] else 'no'}")
    involved = answer["involved"]
    if not involved:
        lines.append("no other team you may see is involved")
    for team in involved:
        partner = f", of {team['organisation']}" if team.get("organisation") else ""
        lines.append(
            f"involved: {team['team_name']} ({team['team']}, {team['domain']}{partner}) "
            f"since {team['since']}"
        )
        lines.append(f"  handle: {team['handle']}")
    lines.append(_decision(answer["decision"]))
    return lines


def _party(contact: dict[str, Any] | None) -> str:
    if not contact:
        return "-"
    parts = [contact.get("name"), contact.get("email"), contact.get("phone")]
    return ", ".join(str(part) for part in parts if part)


def contact_request(item: dict[str, Any]) -> list[str]:
    lines = [
        f"request {item['id']}  {item['direction']}  {item['status']}  "
        f"from {item['from_team_name']} ({item['from_team']}) to {item['to_team_name']} "
        f"({item['to_team']})",
        f"  purpose {item['purpose']}, grondslag {item['decision']['legal_basis']}, "
        f"expires {_day(item['expires_at'])}",
    ]
    if item.get("requester_case_ref"):
        lines.append(f"  requester's case reference: {item['requester_case_ref']}")
    if item.get("flag"):
        lines.append(f"  about your flag {item['flag']['id']}{_own_words(item['flag'])}")
    if item.get("decline_reason"):
        lines.append(f"  declined: {item['decline_reason']}")
    if item.get("contact"):
        lines.append(f"  contact: {item['contact']['team_name']}: {_party(item['contact'])}")
    return lines


def contact_requests(answer: dict[str, Any]) -> list[str]:
    lines = [line for item in answer["items"] for line in contact_request(item)]
    return lines or ["no contact requests"]


def _teams(teams: list[dict[str, Any]]) -> list[str]:
    lines = []
    for team in teams:
        shown = team.get("contact_details", "shown")
        contact = _party(team.get("contact")) if shown == "shown" else f"no contact ({shown})"
        lines.append(f"    {team['team_name']} ({team['team']}): {contact}")
    return lines


def inbox(answer: dict[str, Any]) -> list[str]:
    """Notifications, then the team's live matches."""
    lines = ["notifications:"]
    for item in answer["notifications"]:
        unread = "" if item["read_at"] else "  (unread)"
        own = item.get("flag")
        about = f" about your flag {own['id']}{_own_words(own)}" if own else ""
        lines.append(f"  {item['created_at'][:16]} {item['kind']}{about}  id {item['id']}{unread}")
        payload = item["payload"]
        if payload.get("teams"):
            lines.extend(_teams(payload["teams"]))
        if payload.get("from_team_name"):
            lines.append(
                f"    from {payload['from_team_name']}, purpose {payload.get('purpose')}, "
                f"grondslag {payload.get('legal_basis')}"
            )
        if payload.get("expires_at"):
            lines.append(f"    expires {_day(payload['expires_at'])}: {payload.get('renew', '')}")
        if payload.get("owner"):
            lines.append(f"    contact: {_party(payload['owner'])}")
    if not answer["notifications"]:
        lines.append("  none")
    lines.append("matches:")
    for match in answer["matches"]:
        own = match.get("flag")
        on = f" on your flag {own['id']}{_own_words(own)}" if own else ""
        lines.append(f"  match {match['id']}{on}")
        lines.extend(_teams(match["teams"]))
    if not answer["matches"]:
        lines.append("  none")
    return lines


def alerts(answer: dict[str, Any]) -> list[str]:
    lines = []
    for alert in answer["items"]:
        lines.append(
            f"alert {alert['id']}  {alert['rule']}  {alert['status']}  {alert['member']}"
            f"{' (' + alert['team'] + ')' if alert.get('team') else ''}  "
            f"{alert['window_start'][:16]} to {alert['window_end'][:16]}"
        )
        lines.append(f"  {json.dumps(alert['detail'], ensure_ascii=False)}")
    return lines or ["no alerts"]
