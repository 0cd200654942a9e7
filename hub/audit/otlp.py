"""The verwerkingslog as OpenTelemetry spans (OTLP/JSON), for the Logboek Dataverwerkingen.

One span per audit entry (an entry concerns at most one subject, so "one line per data
subject" holds), never sampled. Attributes:

- ``dpl.core.processing_activity_id``: the URI of the processing activity in the register
  below, which a municipality maps onto its AVG art. 30 register;
- ``dpl.core.data_subject_id`` and ``dpl.core.data_subject_id_type``: a stable pseudonym
  of the subject, ``SHA-256(domain || subject key)``, so the spans of one subject link up as
  the standard intends, yet nobody without the hub's database can compute it from a BSN.
  Once the subject key was erased after retention, the entry's salted commitment (from the
  leaf) is given instead, which links to nothing;
- ``enduser.id`` and ``betrokken.*``: actor, team, organisation, action, outcome, purpose,
  grondslag, rule, policy version, request id, entry id and leaf index.

The trace id is the one of the W3C ``traceparent`` the caller sent (recorded in the leaf),
else derived from the request id so the spans of one request share a trace.

Every value comes from the entry's signed leaf; an entry whose stored columns disagree with
it carries ``betrokken.integrity`` = ``tampered`` and ``betrokken.tampered_fields``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub.audit.integrity import SignedEntry
from hub.audit.vocabulary import Action, Outcome

SERVICE_NAME = "betrokken-hub"
SCOPE_NAME = "betrokken.audit"
SCOPE_VERSION = "1"
ACTIVITY_BASE = "urn:betrokken:verwerkingsactiviteit:"
SUBJECT_PSEUDONYM_DOMAIN = b"betrokken/ldv-subject/v1\x00"
SUBJECT_PSEUDONYM_TYPE = "urn:betrokken:subject-pseudonym:v1"
SUBJECT_COMMITMENT_TYPE = "urn:betrokken:subject-commitment:v1"
SPAN_KIND_SERVER = 2
STATUS_OK = 1
STATUS_ERROR = 2

# The register of processing activities: action prefix -> (id, name). Longest prefix wins.
PROCESSING_ACTIVITIES: dict[str, tuple[str, str]] = {
    "flag.": ("betrokkenheid-registreren", "Betrokkenheid (signaal) registreren en beheren"),
    Action.CHECK: ("betrokkenheidsvraag", "Betrokkenheidsvraag"),
    "match.": ("matchen", "Teams over elkaars betrokkenheid informeren"),
    "contact_request.": ("contactverzoek", "Contact tussen teams leggen"),
    "subject.": ("bewaartermijnen", "Bewaartermijnen en wissen"),
    "team.": ("teambeheer", "Teams en hun koppelingen beheren"),
    "organisation.": ("teambeheer", "Teams en hun koppelingen beheren"),
    "domain.": ("teambeheer", "Teams en hun koppelingen beheren"),
    "policy.": ("dpia-beleid", "DPIA-beleid per organisatie vaststellen"),
    "convenant.": ("convenanten", "Samenwerking tussen organisaties onder een convenant"),
    "audit.": ("toezicht-verwerkingslog", "Toezicht door de functionaris gegevensbescherming"),
}
OTHER_ACTIVITY = ("overig", "Overige verwerking in de hub")


def processing_activity(action: str) -> tuple[str, str]:
    """(URI, name) of the processing activity an action belongs to."""
    matches = [prefix for prefix in PROCESSING_ACTIVITIES if action.startswith(prefix)]
    slug, name = PROCESSING_ACTIVITIES[max(matches, key=len)] if matches else OTHER_ACTIVITY
    return ACTIVITY_BASE + slug, name


def subject_pseudonym(subject_key: bytes) -> str:
    return hashlib.sha256(SUBJECT_PSEUDONYM_DOMAIN + subject_key).hexdigest()


def _attribute(key: str, value: str | int) -> dict[str, Any]:
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": value}}


def _nanos(moment: datetime) -> str:
    return str(int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000)


def _trace_id(entry: SignedEntry) -> str:
    if entry.trace_id and len(entry.trace_id) == 32:
        return entry.trace_id
    seed = entry.request_id or str(entry.id)
    return hashlib.sha256(b"betrokken/trace/" + seed.encode()).hexdigest()[:32]


def span(entry: SignedEntry) -> dict[str, Any]:
    """One OTLP/JSON span for one entry, as its signed leaf states it."""
    activity_id, activity_name = processing_activity(entry.action)
    attributes = [
        _attribute("dpl.core.processing_activity_id", activity_id),
        _attribute("betrokken.processing_activity_name", activity_name),
    ]
    if entry.subject_key is not None:
        attributes += [
            _attribute("dpl.core.data_subject_id", subject_pseudonym(entry.subject_key)),
            _attribute("dpl.core.data_subject_id_type", SUBJECT_PSEUDONYM_TYPE),
        ]
    elif entry.subject:
        attributes += [
            _attribute("dpl.core.data_subject_id", entry.subject),
            _attribute("dpl.core.data_subject_id_type", SUBJECT_COMMITMENT_TYPE),
        ]
    optional = {
        "enduser.id": entry.actor_sub,
        "enduser.role": entry.actor_role,
        "betrokken.organisation": entry.actor_organisation,
        "betrokken.team": entry.actor_team,
        "betrokken.client_id": entry.client_id,
        "betrokken.action": entry.action,
        "betrokken.outcome": entry.outcome,
        "betrokken.purpose": entry.purpose,
        "betrokken.case_ref": entry.case_ref,
        "betrokken.legal_basis": entry.legal_basis,
        "betrokken.rule_id": entry.rule_id,
        "betrokken.policy_version": entry.policy_version,
        "betrokken.request_id": entry.request_id,
        "betrokken.entry_id": str(entry.id),
    }
    attributes += [_attribute(key, value) for key, value in optional.items() if value]
    if entry.leaf_index is not None:
        attributes.append(_attribute("betrokken.leaf_index", entry.leaf_index))
    if entry.tampered:
        attributes += [
            _attribute("betrokken.integrity", "tampered"),
            _attribute("betrokken.tampered_fields", ",".join(entry.tampered)),
        ]
    status: dict[str, Any] = {"code": STATUS_OK}
    if entry.outcome != Outcome.ALLOWED:
        status = {"code": STATUS_ERROR, "message": f"{entry.outcome}: {entry.reason or ''}"}
    at = _nanos(entry.at)
    return {
        "traceId": _trace_id(entry),
        "spanId": hashlib.sha256(entry.id.bytes).hexdigest()[:16],
        "name": entry.action,
        "kind": SPAN_KIND_SERVER,
        "startTimeUnixNano": at,
        "endTimeUnixNano": at,
        "attributes": attributes,
        "status": status,
    }


def spans_document(entries: Sequence[SignedEntry], *, origin: str) -> dict[str, Any]:
    """Entries as an OTLP ``ExportTraceServiceRequest`` (JSON)."""
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        _attribute("service.name", SERVICE_NAME),
                        _attribute("betrokken.audit.origin", origin),
                    ]
                },
                "scopeSpans": [
                    {
                        "scope": {"name": SCOPE_NAME, "version": SCOPE_VERSION},
                        "spans": [span(entry) for entry in entries],
                    }
                ],
            }
        ]
    }
