"""Small policies as plain data, for tests that generate, mutate and dump them."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import yaml

ON = datetime.date(2026, 6, 1)

LEGAL_BASES: dict[str, dict[str, Any]] = {
    "lb_a": {"valid_from": "2025-01-01", "review_by": "2027-12-31"},
    "lb_b": {"valid_from": "2024-01-01", "review_by": "2028-06-30"},
    "lb_expired": {"valid_from": "2020-01-01", "review_by": "2025-12-31"},
    "lb_future": {"valid_from": "2030-01-01", "review_by": "2031-12-31"},
}


def legal_basis(
    *, id: str, valid_from: str = "2025-01-01", review_by: str = "2027-12-31"
) -> dict[str, Any]:
    return {
        "id": id,
        "law": f"Testwet {id}",
        "article": "art. 1",
        "description": f"Legal basis {id} for tests.",
        "dpia_ref": "DPIA-TEST",
        "valid_from": valid_from,
        "review_by": review_by,
    }


def domain(*, id: str, subject_types: list[str] | None = None) -> dict[str, Any]:
    return {"id": id, "name": id.upper(), "subject_types": subject_types or ["person"]}


def purpose(*, id: str) -> dict[str, Any]:
    return {"id": id, "name": id.title(), "description": f"Purpose {id}."}


def rule(
    *,
    id: str,
    action: str,
    domains: list[str],
    purposes: list[str],
    legal_bases: list[str],
    roles: list[str] | None = None,
    subject_types: list[str] | None = None,
    targets: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": id,
        "action": action,
        "domains": domains,
        "roles": roles or ["professional"],
        "subject_types": subject_types or ["person"],
        "purposes": purposes,
        "legal_bases": legal_bases,
        "why": f"Test rule {id}.",
    }
    if targets is not None:
        result["targets"] = targets
    result.update(extra)
    return result


def policy_data(
    *,
    legal_bases: list[dict[str, Any]],
    purposes: list[dict[str, Any]],
    domains: list[dict[str, Any]],
    rules: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "policy": {"name": "Testbeleid", "organisation": "Gemeente Test"},
        "legal_bases": legal_bases,
        "purposes": purposes,
        "domains": domains,
        "rules": rules,
        "rate_limits": {
            "default": {"per_minute": 0, "per_day": 0},
            "team": {"per_minute": 100, "per_day": 1000},
            "roles": {"professional": {"per_minute": 10, "per_day": 100}},
        },
    }


def small_policy() -> dict[str, Any]:
    """Pw may check and see schuldhulp for rechtmatigheid; jeugd is never visible to it."""
    return policy_data(
        legal_bases=[
            legal_basis(id="pw_art_64"),
            legal_basis(id="wgs_art_5"),
            legal_basis(id="jeugdwet_afd_7_1_4"),
        ],
        purposes=[purpose(id="rechtmatigheid"), purpose(id="hulpverlening")],
        domains=[
            domain(id="pw", subject_types=["person", "address"]),
            domain(id="schuldhulp"),
            domain(id="jeugd"),
        ],
        rules=[
            rule(
                id="pw-check",
                action="check",
                domains=["pw"],
                purposes=["rechtmatigheid"],
                legal_bases=["pw_art_64"],
            ),
            rule(
                id="pw-sees",
                action="see",
                domains=["pw"],
                purposes=["rechtmatigheid"],
                targets=["schuldhulp"],
                legal_bases=["pw_art_64"],
            ),
            rule(
                id="pw-contact",
                action="contact",
                domains=["pw"],
                purposes=["rechtmatigheid"],
                targets=["schuldhulp"],
                legal_bases=["pw_art_64"],
                requires_approval=True,
                expires_after_days=14,
            ),
            rule(
                id="schuldhulp-register",
                action="register",
                domains=["schuldhulp"],
                roles=["professional", "team_lead"],
                purposes=["hulpverlening"],
                legal_bases=["wgs_art_5"],
            ),
        ],
    )


def dump(data: dict[str, Any]) -> str:
    """Plain YAML; dates stay strings so the loader sees what the test wrote."""
    return yaml.safe_dump(copy.deepcopy(data), sort_keys=False, allow_unicode=True)
