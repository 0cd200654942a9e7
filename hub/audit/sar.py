"""The inzageverzoek (AVG art. 15): everything the hub recorded about one subject.

The privacy officer pseudonymises the citizen's BSN through the normal client flow and
sends the pseudonym; the hub applies its keyed layer and collects:

- **flags** still stored on the subject: which team (and organisation and domain) is
  involved, since when, until when, for which purpose and under which grondslag;
- **checks**: when which team asked whether others were involved, for which purpose, under
  which grondslag, and whether it was allowed;
- **other processing**: registrations, withdrawals, matches, contact requests, retention
  and the officer's own searches, each with team, purpose and time.

What AVG art. 15(1) asks is answered at team and organisation level: purposes (a), the
categories of data (b: a pseudonymous "is involved" marker, no case content), recipients
(c: the teams that registered or checked), the retention period (d: each flag's expiry),
the rights to rectification, erasure, restriction and objection and to complain to the
Autoriteit Persoonsgegevens (e, f), and the source (g: the registering team). Names of the
individual employees who consulted the data are left out: the Court of Justice held in
C-579/21 (Pankki S, 22 June 2023) that art. 15 gives the dates and purposes of
consultations but not, as a rule, the identity of the employees; the officer can add a
name where the citizen needs it to exercise their rights. Entries whose subject was erased
after retention cannot be linked any more and do not appear. Pseudonyms are per key epoch:
a subject must be searched once per epoch in which it may have been processed.

The report covers the officer's own organisation: its teams' flags and its members'
processing. On a shared hub each organisation answers for its own processing, and telling
one organisation that another's team is involved is exactly what the hub must not do.
Retention runs (system actors) are not listed.

The report is itself audited (``audit.subject_access_report``, purpose ``inzageverzoek``)
and so appears in a later report on the same subject.

Processing is read from the entries' signed leaves. An entry whose stored columns disagree
with its leaf is left out and counted in ``tampered_entries`` (the page tells the citizen
so), and the privacy officers get an ``audit.integrity`` alert naming it.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from sqlalchemy.orm import Session

from hub.actor import Actor
from hub.audit import repository
from hub.audit import service as audit
from hub.audit.alerts import raise_integrity_alert
from hub.audit.integrity import Sieve, SignedEntry
from hub.audit.repository import EntryFilter
from hub.audit.schemas import EventLineOut, FlagLineOut, SubjectAccessReportOut
from hub.audit.vocabulary import Action, AuditRecord, Outcome
from hub.flag import repository as flags_repository
from hub.involvement.limits import LOCAL_TIME
from hub.pseudonym import Subject
from policies import Policy

# Dutch descriptions for the citizen, per action (unknown actions show their code).
ACTIVITY_NAMES: dict[str, str] = {
    Action.FLAG_REGISTER: "Betrokkenheid geregistreerd",
    Action.FLAG_WITHDRAW: "Betrokkenheid ingetrokken",
    Action.FLAG_RENEW: "Betrokkenheid verlengd",
    Action.FLAG_EXPIRE: "Betrokkenheid verlopen",
    Action.FLAG_ARCHIVE: "Betrokkenheid gearchiveerd",
    Action.FLAG_PURGE: "Betrokkenheid verwijderd",
    Action.FLAG_REFERENCE: "Eigen kenmerk van het team bij de betrokkenheid vastgelegd",
    Action.FLAG_DEADLINES: "Termijnen van de betrokkenheid vastgelegd",
    Action.SUBJECT_ERASE: "Gegevens over u gewist",
    Action.CHECK: "Raadpleging: is een ander team betrokken?",
    Action.MATCH_CREATED: "Twee teams zijn over elkaars betrokkenheid geïnformeerd",
    Action.MATCH_JOINED: "Twee teams zijn over elkaars betrokkenheid geïnformeerd",
    Action.MATCH_REGIE: "Regie over de samenwerking vastgelegd",
    Action.MATCH_CONTACT_STATUS: "Stand van het contact tussen teams vastgelegd",
    Action.CONTACT_REQUEST_CREATE: "Verzoek om contact tussen teams",
    Action.CONTACT_REQUEST_ACCEPT: "Contactverzoek geaccepteerd",
    Action.CONTACT_REQUEST_DECLINE: "Contactverzoek afgewezen",
    Action.CONTACT_REQUEST_WITHDRAW: "Contactverzoek ingetrokken",
    Action.CONTACT_REQUEST_EXPIRE: "Contactverzoek verlopen",
    Action.AUDIT_SUBJECT_SEARCH: "Zoekvraag door de functionaris gegevensbescherming",
    Action.AUDIT_SUBJECT_ACCESS_REPORT: "Inzageverzoek behandeld",
}
OUTCOME_NAMES = {"allowed": "toegestaan", "refused": "geweigerd"}
STATUS_NAMES = {"active": "actief", "withdrawn": "ingetrokken", "expired": "verlopen"}


NOTES = [
    "Per team, organisation, tijdstip, doel en grondslag; namen van individuele medewerkers "
    "staan er niet in (AVG art. 15; HvJ EU C-579/21). Heeft u die nodig om uw rechten uit te "
    "oefenen, vraag het de functionaris gegevensbescherming.",
    "Een betrokkenheid bevat geen inhoud van een dossier: alleen dat een team betrokken is, "
    "met welk doel en tot wanneer.",
    "U kunt vragen om rectificatie, wissing of beperking, bezwaar maken (AVG art. 16-18, 21) "
    "en een klacht indienen bij de Autoriteit Persoonsgegevens.",
]


def _citation(policy: Policy, basis: str | None) -> str | None:
    if not basis:
        return None
    known = policy.legal_bases.get(basis)
    return known.citation if known else basis


def _purpose_name(policy: Policy, purpose: str | None) -> str | None:
    if not purpose:
        return None
    known = policy.purposes.get(purpose)
    return known.name if known else purpose


def _event(
    entry: SignedEntry, policy: Policy, teams: dict[str, str], organisations: dict[str, str]
) -> EventLineOut:
    return EventLineOut(
        at=entry.at,
        action=entry.action,
        description=ACTIVITY_NAMES.get(entry.action, entry.action),
        organisation=entry.actor_organisation,
        organisation_name=organisations.get(entry.actor_organisation or ""),
        team=entry.actor_team,
        team_name=teams.get(entry.actor_team) if entry.actor_team else None,
        purpose=entry.purpose,
        purpose_name=_purpose_name(policy, entry.purpose),
        legal_basis=entry.legal_basis,
        legal_basis_citation=_citation(policy, entry.legal_basis),
        outcome=entry.outcome,
    )


def subject_access_report(
    session: Session,
    actor: Actor,
    *,
    policy: Policy,
    subject: Subject,
    now: datetime,
    case_ref: str | None = None,
) -> SubjectAccessReportOut:
    """Collect the report for ``subject`` and audit that it was made."""
    teams = repository.team_names(session)
    organisations = repository.organisation_names(session)
    flags = [
        FlagLineOut(
            team=team.slug,
            team_name=team.name,
            domain=flag.domain_code,
            purpose=flag.purpose,
            purpose_name=_purpose_name(policy, flag.purpose) or flag.purpose,
            legal_basis=flag.legal_basis,
            legal_basis_citation=_citation(policy, flag.legal_basis) or flag.legal_basis,
            registered_at=flag.registered_at,
            expires_at=flag.expires_at,
            status=flag.status,
            withdrawn_at=flag.withdrawn_at,
        )
        for flag, team in flags_repository.of_subject(
            session, subject_key=subject.key, organisation=actor.organisation
        )
    ]
    checks: list[EventLineOut] = []
    other: list[EventLineOut] = []
    where = EntryFilter(subject_key=subject.key, organisation=actor.organisation)
    sieve = Sieve()
    for entry in sieve.intact(repository.iter_entries(session, where)):
        line = _event(entry, policy, teams, organisations)
        (checks if entry.action == Action.CHECK else other).append(line)
    if sieve.faults:
        raise_integrity_alert(session, sieve.faults, now=now)
    audit.record(
        session,
        actor,
        AuditRecord(
            action=Action.AUDIT_SUBJECT_ACCESS_REPORT,
            outcome=Outcome.ALLOWED,
            subject_key=subject.key,
            purpose=audit.SUBJECT_ACCESS_PURPOSE,
            case_ref=case_ref,
        ),
        at=now,
    )
    return SubjectAccessReportOut(
        generated_at=now,
        subject_type=subject.subject_type,
        flags=flags,
        checks=checks,
        other_processing=other,
        notes=list(NOTES),
        tampered_entries=len(sieve.faults),
    )


def _when(moment: datetime | None) -> str:
    """Dutch local time, as the citizen reads a clock."""
    return moment.astimezone(LOCAL_TIME).strftime("%d-%m-%Y %H:%M") if moment else "—"


def _cells(*values: str | None) -> str:
    return "".join(f"<td>{escape(value or '—')}</td>" for value in values)


def render_html(report: SubjectAccessReportOut) -> str:
    """A self-contained, readable page (Dutch, for the citizen); every value is escaped."""
    flag_rows = "".join(
        "<tr>"
        + _cells(
            f"{line.team_name} ({line.domain})",
            line.purpose_name,
            line.legal_basis_citation,
            _when(line.registered_at),
            _when(line.expires_at),
            STATUS_NAMES.get(line.status, line.status),
        )
        + "</tr>"
        for line in report.flags
    )
    check_rows = "".join(
        "<tr>"
        + _cells(
            _when(line.at),
            line.team_name or line.team,
            line.organisation_name or line.organisation,
            line.purpose_name,
            line.legal_basis_citation,
            OUTCOME_NAMES.get(line.outcome, line.outcome),
        )
        + "</tr>"
        for line in report.checks
    )
    other_rows = "".join(
        "<tr>"
        + _cells(
            _when(line.at),
            line.description,
            line.team_name or line.team,
            line.organisation_name or line.organisation,
            line.purpose_name,
        )
        + "</tr>"
        for line in report.other_processing
    )
    empty = '<tr><td colspan="6">Geen.</td></tr>'
    notes = "".join(f"<li>{escape(note)}</li>" for note in report.notes)
    tampered = (
        f"<p><strong>Let op:</strong> {report.tampered_entries} vermelding(en) in het "
        "verwerkingslog over u komt niet overeen met wat bij het vastleggen is ondertekend en "
        "staat hieronder niet. De functionaris gegevensbescherming onderzoekt dit.</p>\n"
        if report.tampered_entries
        else ""
    )
    return f"""<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<title>Inzageverzoek: overzicht van verwerkingen</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; max-width: 60rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 2rem; }}
th, td {{ border: 1px solid #ccc; padding: .4rem .6rem; text-align: left; vertical-align: top; }}
th {{ background: #f2f2f2; }}
</style>
</head>
<body>
<h1>Inzageverzoek: overzicht van verwerkingen</h1>
<p>Opgesteld op {escape(_when(report.generated_at))} (AVG artikel 15). Tijden zijn
Nederlandse tijd.</p>
{tampered}<h2>Teams die bij u betrokken zijn of waren</h2>
<table>
<tr><th>Team</th><th>Doel</th><th>Grondslag</th><th>Sinds</th><th>Tot</th><th>Status</th></tr>
{flag_rows or empty}
</table>
<h2>Raadplegingen</h2>
<table>
<tr><th>Wanneer</th><th>Team</th><th>Organisatie</th><th>Doel</th><th>Grondslag</th>
<th>Uitkomst</th></tr>
{check_rows or empty}
</table>
<h2>Overige verwerkingen</h2>
<table>
<tr><th>Wanneer</th><th>Wat</th><th>Team</th><th>Organisatie</th><th>Doel</th></tr>
{other_rows or empty}
</table>
<h2>Toelichting</h2>
<ul>{notes}</ul>
</body>
</html>
"""
