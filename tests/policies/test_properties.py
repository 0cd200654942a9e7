"""Acceptance 1: default deny, monotonicity under rule removal, and a semantic version hash."""

from __future__ import annotations

import copy
import datetime
import itertools
import random
from collections.abc import Iterator
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies import (
    DEMO_POLICY,
    ROLES,
    SUBJECT_TYPES,
    Action,
    Context,
    Policy,
    diff,
    engine,
    load_policy,
    parse_policy,
)
from tests.policies.builders import (
    LEGAL_BASES,
    ON,
    domain,
    dump,
    legal_basis,
    policy_data,
    purpose,
)

DOMAIN_POOL = ["pw", "jeugd", "vth"]
PURPOSE_POOL = ["rechtmatigheid", "hulpverlening"]
TARGETED = ("see", "contact")
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _subset(pool: list[str], *, wildcard: bool) -> st.SearchStrategy[list[str]]:
    explicit = st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool), unique=True)
    return st.one_of(st.just(["*"]), explicit) if wildcard else explicit


@st.composite
def rules(
    draw: st.DrawFn, domains: list[str], purposes: list[str], bases: list[str]
) -> dict[str, Any]:
    action = draw(st.sampled_from([a.value for a in Action]))
    result: dict[str, Any] = {
        "action": action,
        "domains": draw(_subset(domains, wildcard=True)),
        "roles": draw(_subset(list(ROLES), wildcard=True)),
        "subject_types": draw(_subset(list(SUBJECT_TYPES), wildcard=True)),
        "purposes": draw(_subset(purposes, wildcard=False)),
        "legal_bases": draw(_subset(bases, wildcard=False)),
        "why": draw(st.sampled_from(["Because.", "A reason with  spaces."])),
    }
    if action in TARGETED:
        result["targets"] = draw(_subset(domains, wildcard=False))
    if action == "contact":
        result["requires_approval"] = draw(st.booleans())
        result["expires_after_days"] = draw(st.integers(min_value=1, max_value=30))
    return result


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    domain_ids = draw(_subset(DOMAIN_POOL, wildcard=False))
    purpose_ids = draw(_subset(PURPOSE_POOL, wildcard=False))
    basis_ids = draw(_subset(sorted(LEGAL_BASES), wildcard=False))
    domains = []
    for domain_id in domain_ids:
        entry = domain(
            id=domain_id, subject_types=draw(_subset(list(SUBJECT_TYPES), wildcard=False))
        )
        if draw(st.booleans()):
            longest = 24 if domain_id == "jeugd" else 36  # the Jeugdwet's ceiling
            entry["retention_months"] = draw(st.integers(min_value=1, max_value=longest))
        domains.append(entry)
    drawn_rules = draw(st.lists(rules(domain_ids, purpose_ids, basis_ids), max_size=6))
    for index, rule in enumerate(drawn_rules):
        rule["id"] = f"r{index}"
    return policy_data(
        legal_bases=[legal_basis(id=b, **LEGAL_BASES[b]) for b in basis_ids],
        purposes=[purpose(id=p) for p in purpose_ids],
        domains=domains,
        rules=drawn_rules,
    )


def contexts() -> Iterator[Context]:
    """Every question over the pools, including terms a generated policy may lack."""
    bases: list[str | None] = [None, *sorted(LEGAL_BASES)]
    for action in Action:
        targets: list[str | None] = list(DOMAIN_POOL) if action.value in TARGETED else [None]
        cited = bases if action is Action.REGISTER else [None]
        for actor, role, purpose_id, subject_type, target, basis in itertools.product(
            DOMAIN_POOL, ROLES, PURPOSE_POOL, SUBJECT_TYPES, targets, cited
        ):
            yield Context(action, actor, role, purpose_id, subject_type, target, basis, ON)


def _covers(values: list[str], value: str) -> bool:
    return "*" in values or value in values


def _rule_matches_fields(rule: dict[str, Any], ctx: Context) -> bool:
    return (
        rule["action"] == ctx.action
        and _covers(rule["domains"], ctx.actor_domain)
        and _covers(rule["roles"], ctx.role)
        and _covers(rule["purposes"], ctx.purpose)
        and _covers(rule["subject_types"], ctx.subject_type)
        and (ctx.target_domain is None or ctx.target_domain in rule.get("targets", []))
        and (ctx.legal_basis is None or ctx.legal_basis in rule["legal_bases"])
    )


def _active(data: dict[str, Any], basis_id: str) -> bool:
    basis = next(b for b in data["legal_bases"] if b["id"] == basis_id)
    return bool(basis["valid_from"] <= ON.isoformat() <= basis["review_by"])


def reference_allows(data: dict[str, Any], ctx: Context) -> bool:
    """The policy semantics written out directly, independent of the evaluator."""
    domains = {d["id"]: d for d in data["domains"]}
    known_bases = {b["id"] for b in data["legal_bases"]}
    if ctx.actor_domain not in domains or ctx.purpose not in {p["id"] for p in data["purposes"]}:
        return False
    if ctx.legal_basis is not None and ctx.legal_basis not in known_bases:
        return False
    if ctx.target_domain is not None and ctx.target_domain not in domains:
        return False
    holder = {"register": ctx.actor_domain, "see": ctx.target_domain, "contact": ctx.target_domain}
    owner = holder.get(str(ctx.action))
    if owner is not None and ctx.subject_type not in domains[owner]["subject_types"]:
        return False
    for rule in data["rules"]:
        if not _rule_matches_fields(rule, ctx):
            continue
        cited = [ctx.legal_basis] if ctx.legal_basis else rule["legal_bases"]
        if any(_active(data, b) for b in cited):
            return True
    return False


@SETTINGS
@given(policies())
def test_context_no_rule_matches_is_refused(data: dict[str, Any]) -> None:
    policy = parse_policy(dump(data), "generated.yaml")
    for ctx in contexts():
        if not any(_rule_matches_fields(rule, ctx) for rule in data["rules"]):
            decision = policy.decide(ctx)
            assert not decision.allowed, ctx
            assert decision.rule_id is None and decision.legal_basis is None
            assert decision.reason.startswith("refused: ")


@SETTINGS
@given(policies())
def test_decisions_agree_with_the_reference_semantics(data: dict[str, Any]) -> None:
    policy = parse_policy(dump(data), "generated.yaml")
    for ctx in contexts():
        decision = policy.decide(ctx)
        assert decision.allowed == reference_allows(data, ctx), (ctx, decision.reason)
        assert decision.policy_version == policy.version
        if decision.allowed:
            rule = next(r for r in data["rules"] if r["id"] == decision.rule_id)
            assert _rule_matches_fields(rule, ctx)
            assert decision.legal_basis in rule["legal_bases"]
            assert _active(data, str(decision.legal_basis))
    for ctx in reversed(list(contexts())):  # asked again: answered from memory, the same
        assert policy.decide(ctx) == policy.evaluate(ctx)[0], ctx


def test_remembered_decisions_are_bounded(monkeypatch: Any) -> None:
    monkeypatch.setattr(engine, "DECISIONS_KEPT", 3)
    policy = load_policy(DEMO_POLICY)
    asked = list(itertools.islice(contexts(), 10))
    for ctx in asked:
        policy.decide(ctx)
        assert len(policy._decisions) <= 3
    assert [policy.decide(ctx) for ctx in asked] == [policy.evaluate(ctx)[0] for ctx in asked]


@SETTINGS
@given(policies(), st.data())
def test_removing_a_rule_never_allows_more(data: dict[str, Any], draw: st.DataObject) -> None:
    if not data["rules"]:
        return
    index = draw.draw(st.integers(min_value=0, max_value=len(data["rules"]) - 1))
    smaller = copy.deepcopy(data)
    del smaller["rules"][index]
    full, reduced = parse_policy(dump(data), "full.yaml"), parse_policy(dump(smaller), "less.yaml")
    for ctx in contexts():
        if reduced.decide(ctx).allowed:
            assert full.decide(ctx).allowed, ctx
    assert not any(not c.old.allowed and c.new.allowed for c in diff(full, reduced, on=ON))


# -- the version hash ----------------------------------------------------------------------


def _shuffled(value: Any, rng: random.Random, *, ordered: bool = False) -> Any:
    """Reorder mapping keys and set-like lists; rule order and legal-basis order matter."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: _shuffled(value[k], rng, ordered=k in ("rules", "legal_bases")) for k in keys}
    if isinstance(value, list):
        items = [_shuffled(v, rng) for v in value]
        if not ordered:
            rng.shuffle(items)
        return items
    return value


def _with_dates(value: Any) -> Any:
    """Turn ISO strings into YAML dates (unquoted) instead of quoted strings."""
    if isinstance(value, dict):
        return {
            k: datetime.date.fromisoformat(v)
            if k in ("valid_from", "review_by")
            else _with_dates(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_with_dates(v) for v in value]
    return value


def _with_comments(text: str, rng: random.Random) -> str:
    lines = []
    for line in text.splitlines():
        if not line.startswith(" ") and rng.random() < 0.5:
            lines.append("# a comment for the privacy officer")
        lines.append(line + ("  # why this line" if rng.random() < 0.3 else ""))
    return "\n".join(lines) + "\n"


def _with_explicit_defaults(data: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(data)
    for entry in result["domains"]:
        entry.setdefault("retention_months", 24)
        entry.setdefault("archive_years", 5)
    for rule in result["rules"]:
        if rule["action"] == "contact":
            rule.setdefault("requires_approval", True)
            rule.setdefault("expires_after_days", 14)
    return result


@SETTINGS
@given(
    policies(),
    st.randoms(use_true_random=False),
    st.sampled_from([None, True, False]),
    st.sampled_from([2, 4]),
)
def test_version_ignores_formatting_order_and_comments(
    data: dict[str, Any], rng: random.Random, flow: bool | None, indent: int
) -> None:
    reference = parse_policy(dump(data), "a.yaml").version
    variant = _shuffled(_with_explicit_defaults(data), rng)
    if rng.random() < 0.5:
        variant = _with_dates(variant)
    text = yaml.safe_dump(
        variant, default_flow_style=flow, indent=indent, sort_keys=rng.random() < 0.5, width=10**6
    )
    if flow is False:
        text = _with_comments(text, rng)
    assert parse_policy(text, "b.yaml").version == reference


def _other_months(data: dict[str, Any]) -> int:
    """A retention other than the first domain's, within the Jeugdwet's ceiling for jeugd."""
    first = data["domains"][0]
    if first["id"] != "jeugd":
        return 37
    return 22 if first.get("retention_months", 24) == 23 else 23


def _mutations(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each yields a copy of ``data`` with one field changed in meaning."""

    def changed(path: str, edit: Any) -> tuple[str, dict[str, Any]]:
        result = copy.deepcopy(data)
        edit(result)
        return path, result

    yield changed("policy.name", lambda d: d["policy"].update(name="Ander beleid"))
    yield changed(
        "legal_bases[0].review_by", lambda d: d["legal_bases"][0].update(review_by="2035-06-30")
    )
    yield changed("legal_bases[0].article", lambda d: d["legal_bases"][0].update(article="art. 2"))
    yield changed(
        "domains[0].retention_months",
        lambda d: d["domains"][0].update(retention_months=_other_months(d)),
    )
    yield changed(
        "purposes[0].description", lambda d: d["purposes"][0].update(description="Other.")
    )
    yield changed("rate_limits.team", lambda d: d["rate_limits"]["team"].update(per_day=7))
    for index, rule in enumerate(data["rules"]):
        yield changed(
            f"rules[{index}].why", lambda d, i=index: d["rules"][i].update(why="Changed.")
        )
        yield changed(f"rules[{index}].id", lambda d, i=index: d["rules"][i].update(id=f"x{i}"))
        if "*" not in rule["roles"] and len(rule["roles"]) < len(ROLES):
            extra = next(r for r in ROLES if r not in rule["roles"])
            yield changed(
                f"rules[{index}].roles",
                lambda d, i=index, r=extra: d["rules"][i]["roles"].append(r),
            )
        if rule["action"] == "contact":
            yield changed(
                f"rules[{index}].requires_approval",
                lambda d, i=index: d["rules"][i].update(
                    requires_approval=not d["rules"][i]["requires_approval"]
                ),
            )
            yield changed(
                f"rules[{index}].expires_after_days",
                lambda d, i=index: d["rules"][i].update(
                    expires_after_days=d["rules"][i]["expires_after_days"] + 1
                ),
            )
        if len(rule.get("targets", [])) > 1:
            yield changed(
                f"rules[{index}].targets", lambda d, i=index: d["rules"][i]["targets"].pop()
            )
    if data["rules"]:
        yield changed("rules (one removed)", lambda d: d["rules"].pop())


@settings(SETTINGS, max_examples=20)
@given(policies())
def test_version_changes_with_any_semantic_change(data: dict[str, Any]) -> None:
    original = parse_policy(dump(data), "a.yaml")
    for path, mutated in _mutations(data):
        assert parse_policy(dump(mutated), "b.yaml").version != original.version, path


def test_example_version_survives_a_round_trip_through_yaml() -> None:
    from policies import EXAMPLE_POLICY

    text = EXAMPLE_POLICY.read_text(encoding="utf-8")
    policy: Policy = parse_policy(text, "voorbeeld.yaml")
    reformatted = yaml.safe_dump(yaml.safe_load(text), default_flow_style=True, width=60)
    assert parse_policy(reformatted, "flow.yaml").version == policy.version
