"""The shipped example policies load and make the decisions the hub and the DPIA rely on."""

from __future__ import annotations

import datetime

import pytest
import yaml

from policies import (
    DEMO_POLICY,
    EXAMPLE_POLICY,
    Action,
    Context,
    Policy,
    RateLimit,
    explain,
    load_policy,
    parse_policy,
)
from tests.policies.builders import ON, dump

SIX_DOMAINS = {
    "pw": "rechtmatigheid",
    "wmo_pgb": "hulpverlening",
    "jeugd": "hulpverlening",
    "schuldhulp": "schuldhulpverlening",
    "vergunningen": "vergunningverlening",
    "vth": "toezicht_handhaving",
}
ALL_DOMAINS = {*SIX_DOMAINS, "laa", "lsi"}
PURPOSES = {
    "rechtmatigheid",
    "hulpverlening",
    "schuldhulpverlening",
    "vergunningverlening",
    "toezicht_handhaving",
    "adreskwaliteit",
    "interventieteam",
}


@pytest.fixture(params=[EXAMPLE_POLICY, DEMO_POLICY], ids=["voorbeeld", "demo"])
def example(request: pytest.FixtureRequest) -> Policy:
    return load_policy(request.param)


def ask(policy: Policy, action: Action, domain: str, purpose: str, **kwargs: object) -> bool:
    ctx = Context(
        action=action,
        actor_domain=domain,
        role=str(kwargs.pop("role", "professional")),
        purpose=purpose,
        subject_type=str(kwargs.pop("subject_type", "person")),
        on=ON,
        **kwargs,  # type: ignore[arg-type]
    )
    return policy.decide(ctx).allowed


def test_catalogues_cover_the_municipality(example: Policy) -> None:
    assert set(example.domains) == ALL_DOMAINS
    assert set(example.purposes) >= PURPOSES
    assert all(rule.why for rule in example.rules)
    for basis in example.legal_bases.values():
        assert basis.valid_from <= ON <= basis.review_by, basis.id
        assert basis.review_by >= datetime.date(2027, 1, 1), basis.id


def test_pw_fraud_check_never_sees_jeugd(example: Policy) -> None:
    for role in ("professional", "team_lead"):
        visible = example.visible_domains("pw", role, "rechtmatigheid", "person", ON)
        assert not visible["jeugd"].allowed
        assert "no rule allows" in visible["jeugd"].reason
        for target in ("schuldhulp", "wmo_pgb", "vergunningen", "vth"):
            assert visible[target].allowed, target
        assert not ask(
            example, Action.CONTACT, "pw", "rechtmatigheid", target_domain="jeugd", role=role
        )


def test_six_domains_register_person_flags_and_check(example: Policy) -> None:
    for domain, purpose in SIX_DOMAINS.items():
        for role in ("professional", "team_lead"):
            assert ask(example, Action.REGISTER, domain, purpose, role=role), domain
            assert ask(example, Action.CHECK, domain, purpose, role=role), domain
        assert not ask(example, Action.CHECK, domain, purpose, role="privacy_officer")
        assert not ask(example, Action.CHECK, domain, purpose, role="admin")


def test_schuldhulp_registers_under_the_wgs(example: Policy) -> None:
    decision = example.decide(
        Context(
            Action.REGISTER, "schuldhulp", "professional", "schuldhulpverlening", "person", on=ON
        )
    )
    assert decision.allowed
    assert decision.rule_id == "schuldhulp-register"
    assert decision.legal_basis == "wgs_art_5"
    assert decision.policy_version == example.version
    cited_wrong_basis = Context(
        Action.REGISTER,
        "schuldhulp",
        "professional",
        "schuldhulpverlening",
        "person",
        legal_basis="pw_art_64",
        on=ON,
    )
    assert not example.decide(cited_wrong_basis).allowed
    # A domain only registers for its own purpose.
    assert not ask(example, Action.REGISTER, "schuldhulp", "rechtmatigheid")


def test_contact_follows_visibility_with_approval(example: Policy) -> None:
    for domain in example.domains:
        for purpose in example.purposes:
            for target, seen in example.visible_domains(
                domain, "professional", purpose, "person", ON
            ).items():
                contact = example.decide(
                    Context(
                        Action.CONTACT,
                        domain,
                        "professional",
                        purpose,
                        "person",
                        target_domain=target,
                        on=ON,
                    )
                )
                assert contact.allowed == seen.allowed, (domain, purpose, target)
                if contact.allowed:
                    assert contact.requires_approval
                    assert contact.expires_after_days in (14, 28)


def test_demo_contact_requests_expire_after_fourteen_days() -> None:
    demo = load_policy(DEMO_POLICY)
    decision = demo.decide(
        Context(
            Action.CONTACT,
            "pw",
            "professional",
            "rechtmatigheid",
            "person",
            target_domain="schuldhulp",
            on=ON,
        )
    )
    assert decision.allowed and decision.requires_approval
    assert decision.expires_after_days == 14


def test_unknown_terms_are_refused_with_a_reason(example: Policy) -> None:
    unknown_purpose = example.decide(
        Context(Action.CHECK, "pw", "professional", "nieuwsgierigheid", "person", on=ON)
    )
    assert not unknown_purpose.allowed
    assert unknown_purpose.rule_id is None
    assert "unknown purpose 'nieuwsgierigheid'" in unknown_purpose.reason
    assert (
        "unknown role"
        in example.decide(Context(Action.CHECK, "pw", "", "rechtmatigheid", "person", on=ON)).reason
    )
    assert (
        "unknown domain"
        in example.decide(
            Context(Action.CHECK, "belastingen", "professional", "rechtmatigheid", "person", on=ON)
        ).reason
    )
    assert (
        "needs a target domain"
        in example.decide(
            Context(Action.SEE, "pw", "professional", "rechtmatigheid", "person", on=ON)
        ).reason
    )
    # Wmo-pgb flags exist only on persons, so there is nothing to see on an address.
    on_address = example.decide(
        Context(
            Action.SEE,
            "pw",
            "professional",
            "rechtmatigheid",
            "address",
            target_domain="wmo_pgb",
            on=ON,
        )
    )
    assert not on_address.allowed and "holds no flags on an address" in on_address.reason


def test_retention_archive_and_rate_limits() -> None:
    voorbeeld = load_policy(EXAMPLE_POLICY)
    assert voorbeeld.retention_months("jeugd") == 24
    assert voorbeeld.archive_years("jeugd") == 5
    assert voorbeeld.retention_months("pw") == 24  # the default
    assert voorbeeld.retention_months("schuldhulp") == 18
    assert voorbeeld.retention_months("laa") == 12
    assert voorbeeld.rate_limit("professional") == RateLimit(per_minute=10, per_day=150)
    assert voorbeeld.rate_limit("admin") == RateLimit(per_minute=0, per_day=0)
    assert voorbeeld.rate_limit("nobody") == RateLimit(per_minute=0, per_day=0)
    assert voorbeeld.team_rate_limit == RateLimit(per_minute=120, per_day=2000)
    with pytest.raises(KeyError):
        voorbeeld.retention_months("unknown")


def _with_basis_dates(basis_id: str, **dates: str) -> Policy:
    data = yaml.safe_load(EXAMPLE_POLICY.read_text(encoding="utf-8"))
    for basis in data["legal_bases"]:
        if basis["id"] == basis_id:
            basis.update(dates)
    return parse_policy(dump(data), "expired.yaml")


def test_rule_with_expired_legal_basis_is_inactive_and_says_so() -> None:
    expired = _with_basis_dates("pw_art_64", review_by="2025-12-31")
    ctx = Context(Action.CHECK, "pw", "professional", "rechtmatigheid", "person", on=ON)
    decision = expired.decide(ctx)
    assert not decision.allowed
    assert "rule 'pw-check' matches but is inactive" in decision.reason
    assert (
        "'pw_art_64'" in decision.reason and "passed its review date 2025-12-31" in decision.reason
    )
    assert "pw-check (line" in explain(expired, ctx) and "INACTIVE" in explain(expired, ctx)
    # Registering under the still valid art. 53a is unaffected.
    assert expired.decide(
        Context(Action.REGISTER, "pw", "professional", "rechtmatigheid", "person", on=ON)
    ).allowed


def test_rule_before_its_legal_basis_is_valid_is_inactive() -> None:
    future = _with_basis_dates("wgs_art_5", valid_from="2026-07-01")
    ctx = Context(Action.REGISTER, "schuldhulp", "professional", "schuldhulpverlening", "person")
    early = future.decide(Context(**{**ctx.__dict__, "on": datetime.date(2026, 6, 30)}))
    assert not early.allowed and "is valid from 2026-07-01" in early.reason
    assert future.decide(Context(**{**ctx.__dict__, "on": datetime.date(2026, 7, 1)})).allowed
