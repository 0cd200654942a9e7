"""Acceptance 2: a broken policy names file, line and problem; `policy check` exits 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli.policy import policy as policy_cli
from policies import PolicyError, load_policy, parse_policy

VALID = """\
policy:
  name: Testbeleid
  organisation: Gemeente Test
legal_bases:
  - id: pw_art_64
    law: Participatiewet
    article: art. 64
    description: Inlichtingenverplichting instanties.
    dpia_ref: DPIA-TEST
    valid_from: 2025-01-01
    review_by: 2027-12-31
purposes:
  - id: rechtmatigheid
    name: Rechtmatigheid
    description: Pw fraud investigation.
domains:
  - id: pw
    name: Participatiewet
    subject_types: [person]
  - id: schuldhulp
    name: Schuldhulp
    subject_types: [person]
rules:
  - id: pw-check
    action: check
    domains: [pw]
    roles: [professional]
    subject_types: [person]
    purposes: [rechtmatigheid]
    legal_bases: [pw_art_64]
    why: Coordinate before an onderzoek.
  - id: pw-sees
    action: see
    domains: [pw]
    roles: [professional]
    subject_types: [person]
    purposes: [rechtmatigheid]
    targets: [schuldhulp]
    legal_bases: [pw_art_64]
    why: Coordinate with schuldhulp.
rate_limits:
  default: {per_minute: 0, per_day: 0}
  team: {per_minute: 60, per_day: 600}
  roles:
    professional: {per_minute: 10, per_day: 100}
"""


def broken(old: str, new: str, *, count: int = 1) -> str:
    """VALID with one edit; the line to be reported carries the marker '#<'."""
    assert VALID.count(old) >= count, old
    return VALID.replace(old, new, count)


def marked_line(text: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if "#<" in line)


CASES = {
    "bad YAML": (
        broken(
            "    why: Coordinate with schuldhulp.\n", "    why: Coordinate: with: schuldhulp  #<\n"
        ),
        "invalid YAML: mapping values are not allowed",
    ),
    "unknown legal basis": (
        broken(
            "    targets: [schuldhulp]\n    legal_bases: [pw_art_64]\n",
            "    targets: [schuldhulp]\n    legal_bases: [pw_art_99]  #<\n",
        ),
        "unknown legal basis 'pw_art_99' in rule 'pw-sees'",
    ),
    "unknown actor domain": (
        broken("    domains: [pw]\n", "    domains: [pww]  #<\n"),
        "unknown domain 'pww' in rule 'pw-check'",
    ),
    "unknown target domain": (
        broken(
            "    targets: [schuldhulp]\n", "    targets:\n      - schuldhulp\n      - jeugd  #<\n"
        ),
        "unknown domain 'jeugd' in rule 'pw-sees'",
    ),
    "unknown purpose": (
        broken(
            "    purposes: [rechtmatigheid]\n    targets:",
            "    purposes: [handhaving]  #<\n    targets:",
        ),
        "unknown purpose 'handhaving' in rule 'pw-sees'",
    ),
    "missing field in a rule": (
        broken("  - id: pw-check\n", "  - id: pw-check  #<\n").replace(
            "    why: Coordinate before an onderzoek.\n", ""
        ),
        "missing required field 'why' in rule 'pw-check'",
    ),
    "missing field in a legal basis": (
        broken("  - id: pw_art_64\n    law: Participatiewet\n", "  - id: pw_art_64  #<\n"),
        "missing required field 'law' in legal basis 'pw_art_64'",
    ),
    "missing section": (
        VALID.split("rate_limits:")[0].replace("policy:\n", "policy:  #<\n", 1),
        "missing required field 'rate_limits'",
    ),
    "duplicate rule id": (
        broken("  - id: pw-sees\n", "  - id: pw-check  #<\n"),
        "duplicate rule id 'pw-check'",
    ),
    "duplicate key": (
        broken("    action: see\n", "    action: see\n    action: see  #<\n"),
        "duplicate key 'action'",
    ),
    "wrong type": (
        broken("    roles: [professional]\n", "    roles: professional  #<\n"),
        "'roles' must be a list, not 'professional' in rule 'pw-check'",
    ),
    "unknown role": (
        broken("    roles: [professional]\n", "    roles: [professional, wethouder]  #<\n"),
        "unknown role 'wethouder' in rule 'pw-check'",
    ),
    "unknown field": (
        broken("    name: Schuldhulp\n", "    name: Schuldhulp\n    colour: red  #<\n"),
        "unknown field 'colour' in domain 'schuldhulp'",
    ),
    "impossible date": (
        broken("    review_by: 2027-12-31\n", "    review_by: 2027-02-30  #<\n"),
        "invalid value '2027-02-30'",
    ),
    "targets on a check rule": (
        broken(
            "    why: Coordinate before",
            "    targets: [pw]  #<\n    why: Coordinate before",
        ),
        "'targets' belongs only in see and contact rules in rule 'pw-check'",
    ),
    "wildcard target": (
        broken("    targets: [schuldhulp]\n", "    targets: ['*']  #<\n"),
        "'*' is not allowed in 'targets' (name each domain) in rule 'pw-sees'",
    ),
    "unknown role in rate limits": (
        broken(
            "    professional: {per_minute: 10, per_day: 100}\n",
            "    burger: {per_minute: 10, per_day: 100}  #<\n",
        ),
        "unknown role 'burger' in rate_limits",
    ),
    "jeugd flags beyond the Jeugdwet's two years": (
        broken(
            "  - id: schuldhulp\n    name: Schuldhulp\n    subject_types: [person]\n",
            "  - id: schuldhulp\n    name: Schuldhulp\n    subject_types: [person]\n"
            "  - id: jeugd\n    name: Jeugd\n    subject_types: [person]\n"
            "    retention_months: 36  #<\n",
        ),
        "jeugd flags may live at most 24 months (Jeugdwet art. 7.1.4.5), not 36 in domain 'jeugd'",
    ),
    "empty file": ("#<\n", "the policy file is empty"),
    "unclosed list": (
        broken("    targets: [schuldhulp]\n", "    targets: [schuldhulp\n").replace(
            "    legal_bases: [pw_art_64]\n    why: Coordinate with",
            "    legal_bases: [pw_art_64]  #<\n    why: Coordinate with",
        ),
        "(while parsing a flow sequence on line 38)",
    ),
}


def test_the_valid_base_policy_loads() -> None:
    assert [rule.id for rule in parse_policy(VALID, "policy.yaml").rules] == ["pw-check", "pw-sees"]


@pytest.mark.parametrize("text, problem", CASES.values(), ids=CASES.keys())
def test_broken_policy_names_file_line_and_problem(text: str, problem: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "policy.yaml")
    error = caught.value
    expected_line = marked_line(text)
    assert (error.source, error.line) == ("policy.yaml", expected_line)
    assert problem in error.problem
    assert str(error).startswith(f"policy.yaml:{expected_line}: ")


def test_several_problems_are_reported_together() -> None:
    text = broken("    domains: [pw]\n", "    domains: [pww]\n").replace(
        "    targets: [schuldhulp]\n", "    targets: [jeugd]\n"
    )
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "policy.yaml")
    problems = [p.problem for p in caught.value.all()]
    assert problems == [
        "unknown domain 'pww' in rule 'pw-check'",
        "unknown domain 'jeugd' in rule 'pw-sees'",
    ]


def test_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(PolicyError) as caught:
        load_policy(missing)
    assert caught.value.line is None
    assert str(caught.value).startswith(f"{missing}: cannot read the policy")


def test_cli_check_accepts_a_valid_policy(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(VALID, encoding="utf-8")
    result = CliRunner().invoke(policy_cli, ["check", str(path), "--on", "2026-06-01"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"ok {load_policy(path).version}\n")
    assert "2 rules" in result.output


@pytest.mark.parametrize(
    "name",
    [
        "bad YAML",
        "unknown legal basis",
        "unknown actor domain",
        "unknown purpose",
        "missing field in a rule",
    ],
)
def test_cli_check_rejects_a_broken_policy(tmp_path: Path, name: str) -> None:
    text, problem = CASES[name]
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(policy_cli, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:{marked_line(text)}: " in result.output
    assert problem in result.output
    assert "ok " not in result.output
