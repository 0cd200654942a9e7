"""The policy term `match: contact_details` on contact rules: what a match shows of the
other team (issue 16, point 2)."""

from __future__ import annotations

import datetime

import pytest

from policies import (
    DEMO_POLICY,
    Action,
    Context,
    MatchContact,
    PolicyError,
    explain,
    load_policy,
    parse_policy,
)
from tests.policies.builders import dump, rule, small_policy

ON = datetime.date(2026, 12, 1)


def contact(actor: str, purpose: str, target: str) -> Context:
    return Context(Action.CONTACT, actor, "professional", purpose, "person", target, on=ON)


def test_the_demo_shows_contact_at_once_only_jeugd_with_jeugd() -> None:
    demo = load_policy(DEMO_POLICY)
    jeugd = demo.decide(contact("jeugd", "hulpverlening", "jeugd"))
    assert jeugd.match_contact is MatchContact.AUTOMATIC
    pw = demo.decide(contact("pw", "rechtmatigheid", "schuldhulp"))
    assert pw.match_contact is MatchContact.ON_REQUEST  # derived: the rule needs approval
    assert "a match shows contact details only on an accepted request" in pw.reason


def test_explain_names_the_term_and_where_it_comes_from() -> None:
    demo = load_policy(DEMO_POLICY)
    said = explain(demo, contact("jeugd", "hulpverlening", "jeugd"))
    assert (
        "match: contact details automatically (automatic, the rule's match.contact_details)" in said
    )
    said = explain(demo, contact("pw", "rechtmatigheid", "schuldhulp"))
    assert "(on_request, derived from requires_approval)" in said
    assert "never after the owner declined a request from this team" in said


@pytest.mark.parametrize("value", ["automatic", "on_request", "never"])
def test_each_value_is_kept_and_changes_the_version(value: str) -> None:
    data = small_policy()
    data["rules"] = [r for r in data["rules"] if r["action"] != "contact"]
    data["rules"].append(
        rule(
            id="pw-contact",
            action="contact",
            domains=["pw"],
            purposes=["rechtmatigheid"],
            targets=["schuldhulp"],
            legal_bases=["pw_art_64"],
        )
    )
    plain = parse_policy(dump(data), "a.yaml")
    data["rules"][-1]["match"] = {"contact_details": value}
    termed = parse_policy(dump(data), "a.yaml")
    assert termed.decide(contact("pw", "rechtmatigheid", "schuldhulp")).match_contact == value
    # Spelling out the derived value (the rule needs approval) does not change the meaning.
    assert (termed.version == plain.version) is (value == "on_request")


def test_the_term_belongs_to_contact_rules_only() -> None:
    data = small_policy()
    see = next(r for r in data["rules"] if r["action"] == "see")
    see["match"] = {"contact_details": "automatic"}
    with pytest.raises(PolicyError) as refused:
        parse_policy(dump(data), "a.yaml")
    assert "'match'" in str(refused.value)
