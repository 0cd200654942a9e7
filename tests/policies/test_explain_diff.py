"""`explain` names the rules and the grondslag; `diff` finds every decision that changes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from api.cli.policy import policy as policy_cli
from policies import (
    DEMO_POLICY,
    Action,
    Context,
    Policy,
    diff,
    explain,
    format_diff,
    load_policy,
    parse_policy,
)
from tests.policies.builders import ON, dump, small_policy


def build(data: dict[str, Any], source: str = "policy.yaml") -> Policy:
    return parse_policy(dump(data), source)


def test_explain_an_allowed_decision() -> None:
    policy = build(small_policy())
    text = explain(
        policy,
        Context(
            Action.CONTACT, "pw", "professional", "rechtmatigheid", "person", "schuldhulp", on=ON
        ),
    )
    assert "pw-contact (line" in text and "ALLOWS" in text
    assert "Decision: ALLOWED by rule 'pw-contact'" in text
    assert "grondslag: Testwet pw_art_64 art. 1 ('pw_art_64'), DPIA DPIA-TEST" in text
    assert "the owner team must approve; expires after 14 days" in text
    assert policy.version in text


def test_explain_a_refusal_field_by_field() -> None:
    policy = build(small_policy())
    text = explain(
        policy,
        Context(Action.SEE, "pw", "professional", "rechtmatigheid", "person", "jeugd", on=ON),
    )
    assert "pw-sees (line" in text and "no match" in text
    assert "target domain 'jeugd' not in [schuldhulp]" in text
    assert "Decision: REFUSED" in text
    assert "no rule allows domain 'pw' (role professional) to see flags of domain 'jeugd'" in text


def test_explain_a_question_in_unknown_terms() -> None:
    text = explain(
        build(small_policy()),
        Context(Action.CHECK, "pw", "professional", "nieuwsgierigheid", "person", on=ON),
    )
    assert "none evaluated" in text and "unknown purpose 'nieuwsgierigheid'" in text


def test_diff_of_identical_policies_is_empty() -> None:
    policy = build(small_policy())
    assert diff(policy, build(small_policy(), "copy.yaml"), on=ON) == []
    assert format_diff(policy, policy, []).endswith("no decision changes")


def test_diff_reports_new_visibility_and_approval_changes() -> None:
    old_data = small_policy()
    new_data = copy.deepcopy(old_data)
    new_data["rules"][1]["targets"].append("jeugd")  # pw-sees now shows jeugd
    new_data["rules"][2]["requires_approval"] = False  # pw-contact without approval
    old, new = build(old_data, "old.yaml"), build(new_data, "new.yaml")
    changes = diff(old, new, on=ON)
    seen = {(c.context.action, c.context.target_domain, c.context.role) for c in changes}
    assert (Action.SEE, "jeugd", "professional") in seen
    assert all(c.context.role == "professional" for c in changes)  # the rules' only role
    sees = next(c for c in changes if c.context.action is Action.SEE)
    assert not sees.old.allowed and sees.new.allowed and sees.new.rule_id == "pw-sees"
    assert sees.changed == ("allowed", "rule_id", "legal_basis")
    contact = next(c for c in changes if c.context.action is Action.CONTACT)
    assert contact.changed == ("requires_approval",)
    text = format_diff(old, new, changes)
    assert "see pw -> jeugd for rechtmatigheid" in text
    assert "refused  =>  allowed by pw-sees under pw_art_64" in text
    assert "(approval, 14 days)  =>  allowed by pw-contact under pw_art_64 (no approval" in text


def test_diff_reports_a_removed_rule_as_refusals() -> None:
    old_data = small_policy()
    new_data = copy.deepcopy(old_data)
    del new_data["rules"][3]  # schuldhulp-register
    changes = diff(build(old_data), build(new_data), on=ON)
    assert changes
    assert {c.old.rule_id for c in changes} == {"schuldhulp-register"}
    assert all(c.old.allowed and not c.new.allowed for c in changes)


def test_cli_explain_and_diff(tmp_path: Path) -> None:
    runner = CliRunner()
    common = ["--policy", str(DEMO_POLICY), "--role", "professional", "--on", "2026-06-01"]
    refused = runner.invoke(
        policy_cli,
        [
            "explain",
            *common,
            "--action",
            "see",
            "--domain",
            "pw",
            "--purpose",
            "rechtmatigheid",
            "--subject-type",
            "person",
            "--target-domain",
            "jeugd",
        ],
    )
    assert refused.exit_code == 0, refused.output
    assert "Decision: REFUSED" in refused.output and "pw-sees (line" in refused.output

    allowed = runner.invoke(
        policy_cli,
        [
            "explain",
            *common,
            "--action",
            "register",
            "--domain",
            "schuldhulp",
            "--purpose",
            "schuldhulpverlening",
            "--subject-type",
            "person",
            "--legal-basis",
            "wgs_art_5",
        ],
    )
    assert allowed.exit_code == 0, allowed.output
    assert "ALLOWED by rule 'schuldhulp-register'" in allowed.output

    changed = tmp_path / "changed.yaml"
    changed.write_text(
        DEMO_POLICY.read_text(encoding="utf-8").replace(
            "targets: [jeugd, wmo_pgb, schuldhulp], legal_bases: [jeugdwet_afd_7_1_4], why",
            "targets: [jeugd, wmo_pgb], legal_bases: [jeugdwet_afd_7_1_4], why",
            1,
        ),
        encoding="utf-8",
    )
    assert load_policy(changed).version != load_policy(DEMO_POLICY).version
    result = runner.invoke(
        policy_cli, ["diff", str(DEMO_POLICY), str(changed), "--on", "2026-06-01"]
    )
    assert result.exit_code == 0, result.output
    assert "see jeugd -> schuldhulp for hulpverlening" in result.output
    assert "allowed by jeugd-sees under jeugdwet_afd_7_1_4  =>  refused" in result.output

    same = runner.invoke(policy_cli, ["diff", str(DEMO_POLICY), str(DEMO_POLICY)])
    assert same.exit_code == 0 and "no decision changes" in same.output
