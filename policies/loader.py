"""Read a policy file: YAML with line numbers, the JSON Schema, then cross-references.

Every problem becomes a ``PolicyError`` naming the file, the line and what is wrong, so a
privacy officer can fix the file and the hub refuses to start on a broken policy.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from policies.engine import Policy
from policies.model import (
    DEFAULT_ARCHIVE_YEARS,
    DEFAULT_CONTACT_EXPIRY_DAYS,
    DEFAULT_RETENTION_MONTHS,
    STATUTORY_RETENTION_MONTHS,
    WILDCARD,
    Action,
    Domain,
    LegalBasis,
    MatchContact,
    PolicyInfo,
    Purpose,
    RateLimit,
    Rule,
    default_match_contact,
)

PathKey = tuple[str | int, ...]
_DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_SET_FIELDS = ("domains", "roles", "purposes", "subject_types", "targets")
_CATALOGUE_NAMES = {
    "legal_bases": "legal basis",
    "purposes": "purpose",
    "domains": "domain",
    "rules": "rule",
}
_TYPE_WORDS = {
    "string": "text",
    "array": "a list",
    "object": "a mapping",
    "integer": "a whole number",
    "boolean": "true or false",
}
_ACTION_FIELDS = ("targets", "requires_approval", "expires_after_days", "match")
_SINGULAR = {"roles": "role", "subject_types": "subject type", "action": "action"}


class PolicyError(Exception):
    """A policy file that cannot be used; ``more`` holds further problems found at once."""

    def __init__(
        self,
        source: str,
        line: int | None,
        problem: str,
        more: tuple[PolicyError, ...] = (),
    ) -> None:
        self.source = source
        self.line = line
        self.problem = problem
        self.more = more
        super().__init__(self.location + ": " + problem)

    @property
    def location(self) -> str:
        return self.source if self.line is None else f"{self.source}:{self.line}"

    def all(self) -> tuple[PolicyError, ...]:
        """This problem and the others found with it, in file order."""
        return (self, *self.more)


def load_policy(path: str | Path) -> Policy:
    """Read and validate the policy at ``path``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(str(path), None, f"cannot read the policy: {error}") from error
    return parse_policy(text, str(path))


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Validate ``text`` (YAML) and build the policy; raise ``PolicyError`` on any problem."""
    data, lines = _compose(text, source)
    problems = _schema_problems(data, lines, source)
    if not problems:
        problems = _reference_problems(data, lines, source)
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.problem))
        first, *rest = problems
        raise PolicyError(first.source, first.line, first.problem, tuple(rest))
    return _build(data, lines, source)


def canonical_json(data: Mapping[str, Any]) -> bytes:
    """The canonical form of a policy document that passed validation; its SHA-256 is the
    version.

    Defaults are filled in, catalogues are sorted by id, set-like lists are sorted (a
    wildcard absorbs the rest), and rule order is kept because the first match decides.
    """
    form = _canonical(data)
    return json.dumps(form, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# -- YAML with line numbers ----------------------------------------------------------------


# libyaml when present: same nodes and marks, about ten times faster than pure Python.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(text: str, source: str) -> tuple[Any, dict[PathKey, int]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PolicyError(source, 1, "the policy file is empty")
        lines: dict[PathKey, int] = {}
        data = _construct(loader, node, (), lines, source, set())
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        started = error.context_mark
        if error.context and started and mark and started.line != mark.line:
            problem += f" ({error.context} on line {started.line + 1})"
        raise PolicyError(
            source, mark.line + 1 if mark else None, f"invalid YAML: {problem}"
        ) from error
    except yaml.YAMLError as error:
        raise PolicyError(source, None, f"invalid YAML: {error}") from error
    finally:
        loader.dispose()
    return data, lines


def _construct(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: PathKey,
    lines: dict[PathKey, int],
    source: str,
    ancestors: set[int],
) -> Any:
    """Plain data from ``node``, recording the line of every path on the way."""
    line = node.start_mark.line + 1
    lines[path] = line
    if id(node) in ancestors:
        raise PolicyError(source, line, "recursive alias")
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP_TAG:
            raise PolicyError(source, line, f"unsupported YAML tag {node.tag}")
        loader.flatten_mapping(node)  # resolves '<<' merge keys
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            key = _scalar(loader, key_node, source)
            if not isinstance(key, str):
                raise PolicyError(source, key_line, f"key {key!r} must be text")
            if key in result:
                raise PolicyError(source, key_line, f"duplicate key '{key}'")
            inner = ancestors | {id(node)}
            result[key] = _construct(loader, value_node, (*path, key), lines, source, inner)
        return result
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ_TAG:
            raise PolicyError(source, line, f"unsupported YAML tag {node.tag}")
        inner = ancestors | {id(node)}
        return [
            _construct(loader, item, (*path, index), lines, source, inner)
            for index, item in enumerate(node.value)
        ]
    return _scalar(loader, node, source)


def _scalar(loader: yaml.SafeLoader, node: yaml.Node, source: str) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise PolicyError(source, node.start_mark.line + 1, "expected a plain value here")
    try:
        value = loader.construct_object(node)
    except ValueError as error:  # e.g. 2027-02-30 looks like a date but is not one
        raise PolicyError(
            source, node.start_mark.line + 1, f"invalid value {node.value!r}: {error}"
        ) from error
    if isinstance(value, datetime.datetime):
        return value.isoformat()  # the schema then reports that a date was expected
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        # Folded, literal and plain scalars of the same text must hash alike.
        return " ".join(value.split())
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 10.0 and 10 are the same limit
    return value


def _lookup(data: Any, path: PathKey) -> Any:
    for key in path:
        data = data[key]
    return data


def _line(lines: Mapping[PathKey, int], path: PathKey) -> int | None:
    """The line of ``path`` or of its nearest recorded parent."""
    while True:
        if path in lines:
            return lines[path]
        if not path:
            return None
        path = path[:-1]


# -- JSON Schema ---------------------------------------------------------------------------


@cache
def _validator() -> Any:
    schema = json.loads(resources.files("policies").joinpath("schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _schema_problems(data: Any, lines: Mapping[PathKey, int], source: str) -> list[PolicyError]:
    problems = []
    for error in _validator().iter_errors(data):
        path: PathKey = tuple(error.absolute_path)
        line, message = _describe_schema_error(error, data, path, lines)
        problems.append(PolicyError(source, line, message + _where(data, path)))
    return _first_per_line(problems)


def _first_per_line(problems: list[PolicyError]) -> list[PolicyError]:
    """One problem per line: a bad value often trips several schema keywords at once."""
    seen: set[int | None] = set()
    kept = []
    for problem in problems:
        if problem.line not in seen:
            seen.add(problem.line)
            kept.append(problem)
    return kept


def _describe_schema_error(
    error: Any, data: Any, path: PathKey, lines: Mapping[PathKey, int]
) -> tuple[int | None, str]:
    field = next((str(p) for p in reversed(path) if isinstance(p, str)), "policy")
    name = f"'{field}'" if not path or isinstance(path[-1], str) else f"an item of '{field}'"
    line = _line(lines, path)
    kind = error.validator
    instance = error.instance
    if kind == "required":
        missing = [key for key in error.validator_value if key not in instance]
        return line, f"missing required field '{missing[0] if missing else '?'}'"
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {})
        extra = sorted(key for key in instance if key not in known)
        if extra:
            return _line(lines, (*path, extra[0])), f"unknown field '{extra[0]}'"
    if error.schema is False:
        # jsonschema reports a forbidden property on its parent rule, with the value as
        # instance: find the key by identity among the fields that depend on the action.
        rule = _lookup(data, path)
        if isinstance(rule, dict):
            forbidden = next((k for k in _ACTION_FIELDS if k in rule and rule[k] is instance), "?")
            used_by = "contact rules" if forbidden != "targets" else "see and contact rules"
            return _line(lines, (*path, forbidden)), f"'{forbidden}' belongs only in {used_by}"
        return line, "this value is not allowed here"
    if kind == "type":
        expected = error.validator_value
        types = expected if isinstance(expected, list) else [expected]
        words = [_TYPE_WORDS.get(str(t), str(t)) for t in types]
        if not path:
            return line, "the policy must be a mapping of sections"
        if error.schema.get("pattern") == _DATE_PATTERN:
            return line, f"{name} must be a date YYYY-MM-DD, not {instance!r}"
        return line, f"{name} must be {' or '.join(words)}, not {instance!r}"
    if kind in ("enum", "anyOf", "const"):
        # A bad key under rate_limits.roles arrives as an error on the key name itself.
        if isinstance(instance, str) and (*path, instance) in lines:
            line = lines[(*path, instance)]
        return line, f"unknown {_SINGULAR.get(field, field)} {instance!r}"
    if kind == "pattern":
        if error.validator_value == _DATE_PATTERN:
            return line, f"{name} must be a date YYYY-MM-DD, not {instance!r}"
        return line, (
            f"{name} value {instance!r} must be lowercase letters, digits and '_'"
            + (" ('-' and '.' allowed in rule ids)" if field == "id" else "")
        )
    if kind == "minItems":
        return line, f"{name} must not be empty"
    if kind == "minLength":
        return line, f"{name} must not be empty"
    if kind == "uniqueItems":
        duplicates = sorted({repr(v) for v in instance if instance.count(v) > 1})
        return line, f"{name} lists {', '.join(duplicates)} more than once"
    if kind in ("minimum", "maximum"):
        bound = "at least" if kind == "minimum" else "at most"
        return line, f"{name} must be {bound} {error.validator_value}, not {instance!r}"
    return line, f"{name}: {error.message}"


def _where(data: Any, path: PathKey) -> str:
    """' in rule 'x'' for a problem inside a catalogue entry, else ''."""
    if len(path) >= 2 and path[0] in _CATALOGUE_NAMES and isinstance(path[1], int):
        section = str(path[0])
        try:
            entry = data[section][path[1]]
        except (KeyError, IndexError, TypeError):
            return ""
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        label = _CATALOGUE_NAMES[section]
        if isinstance(entry_id, str):
            return f" in {label} '{entry_id}'"
        return f" in {label} #{path[1] + 1}"
    if path and path[0] in ("policy", "rate_limits"):
        return " in " + ".".join(str(p) for p in path[:-1] or path[:1])
    return ""


# -- cross-references ----------------------------------------------------------------------


def _reference_problems(
    data: Mapping[str, Any], lines: Mapping[PathKey, int], source: str
) -> list[PolicyError]:
    problems: list[PolicyError] = []

    def report(path: PathKey, message: str) -> None:
        problems.append(PolicyError(source, _line(lines, path), message + _where(data, path)))

    ids: dict[str, set[str]] = {}
    for section in ("legal_bases", "purposes", "domains", "rules"):
        seen: set[str] = set()
        for index, entry in enumerate(data[section]):
            if entry["id"] in seen:
                label = _CATALOGUE_NAMES[section]
                line = _line(lines, (section, index, "id"))
                problems.append(PolicyError(source, line, f"duplicate {label} id '{entry['id']}'"))
            seen.add(entry["id"])
        ids[section] = seen

    for index, basis in enumerate(data["legal_bases"]):
        for key in ("valid_from", "review_by"):
            if _date(basis[key]) is None:
                report(("legal_bases", index, key), f"'{key}' {basis[key]!r} is not a valid date")
        start, end = _date(basis["valid_from"]), _date(basis["review_by"])
        if start is not None and end is not None and end < start:
            report(("legal_bases", index, "review_by"), "'review_by' lies before 'valid_from'")

    for index, entry in enumerate(data["domains"]):
        months = entry.get("retention_months", DEFAULT_RETENTION_MONTHS)
        if entry["id"] in STATUTORY_RETENTION_MONTHS:
            ceiling, law = STATUTORY_RETENTION_MONTHS[entry["id"]]
            if months > ceiling:
                report(
                    ("domains", index, "retention_months" if "retention_months" in entry else "id"),
                    f"{entry['id']} flags may live at most {ceiling} months ({law}), not {months}",
                )

    for index, rule in enumerate(data["rules"]):
        for key, known, label, wildcard in (
            ("domains", ids["domains"], "domain", True),
            ("targets", ids["domains"], "domain", False),
            ("purposes", ids["purposes"], "purpose", False),
            ("legal_bases", ids["legal_bases"], "legal basis", False),
        ):
            for position, value in enumerate(rule.get(key, ())):
                if value == WILDCARD and not wildcard:
                    report(
                        ("rules", index, key, position),
                        f"'*' is not allowed in '{key}' (name each {label})",
                    )
                elif value != WILDCARD and value not in known:
                    report(("rules", index, key, position), f"unknown {label} '{value}'")
    return problems


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


# -- building ------------------------------------------------------------------------------


def _build(data: Mapping[str, Any], lines: Mapping[PathKey, int], source: str) -> Policy:
    def line_of(section: str, index: int) -> int:
        return lines.get((section, index), 0)

    meta = data["policy"]
    limits = data["rate_limits"]
    return Policy(
        info=PolicyInfo(
            name=meta["name"],
            organisation=meta["organisation"],
            dpia_ref=meta.get("dpia_ref"),
            owner=meta.get("owner"),
            description=meta.get("description"),
        ),
        legal_bases=[
            LegalBasis(
                id=b["id"],
                law=b["law"],
                article=b["article"],
                description=b["description"],
                dpia_ref=b["dpia_ref"],
                valid_from=datetime.date.fromisoformat(b["valid_from"]),
                review_by=datetime.date.fromisoformat(b["review_by"]),
                avg_articles=tuple(b.get("avg_articles", ())),
                confirm=b.get("confirm"),
                line=line_of("legal_bases", i),
            )
            for i, b in enumerate(data["legal_bases"])
        ],
        purposes=[
            Purpose(
                id=p["id"],
                name=p["name"],
                description=p["description"],
                confirm=p.get("confirm"),
                line=line_of("purposes", i),
            )
            for i, p in enumerate(data["purposes"])
        ],
        domains=[
            Domain(
                id=d["id"],
                name=d["name"],
                subject_types=frozenset(d["subject_types"]),
                retention_months=d.get("retention_months", DEFAULT_RETENTION_MONTHS),
                archive_years=d.get("archive_years", DEFAULT_ARCHIVE_YEARS),
                description=d.get("description"),
                confirm=d.get("confirm"),
                line=line_of("domains", i),
            )
            for i, d in enumerate(data["domains"])
        ],
        rules=[_rule(r, line_of("rules", i)) for i, r in enumerate(data["rules"])],
        default_rate_limit=_limit(limits["default"]),
        role_rate_limits={role: _limit(v) for role, v in limits.get("roles", {}).items()},
        team_rate_limit=_limit(limits["team"]),
        version=hashlib.sha256(canonical_json(data)).hexdigest(),
        source=source,
    )


def _rule(r: Mapping[str, Any], line: int) -> Rule:
    action = Action(r["action"])
    is_contact = action is Action.CONTACT
    return Rule(
        id=r["id"],
        action=action,
        domains=frozenset(r["domains"]),
        roles=frozenset(r["roles"]),
        purposes=frozenset(r["purposes"]),
        subject_types=frozenset(r["subject_types"]),
        targets=frozenset(r.get("targets", ())),
        legal_bases=tuple(r["legal_bases"]),
        why=r["why"],
        requires_approval=r.get("requires_approval", True) if is_contact else False,
        expires_after_days=(
            r.get("expires_after_days", DEFAULT_CONTACT_EXPIRY_DAYS) if is_contact else None
        ),
        match_contact=(
            MatchContact(r["match"]["contact_details"]) if is_contact and "match" in r else None
        ),
        confirm=r.get("confirm"),
        line=line,
    )


def _limit(value: Mapping[str, int]) -> RateLimit:
    return RateLimit(per_minute=value["per_minute"], per_day=value["per_day"])


# -- canonical form ------------------------------------------------------------------------


def _canonical(data: Mapping[str, Any]) -> dict[str, Any]:
    def set_like(values: list[str]) -> list[str]:
        return [WILDCARD] if WILDCARD in values else sorted(set(values))

    def by_id(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(entries, key=lambda e: str(e["id"]))

    domains = [
        {
            "retention_months": DEFAULT_RETENTION_MONTHS,
            "archive_years": DEFAULT_ARCHIVE_YEARS,
            **d,
            "subject_types": sorted(set(d["subject_types"])),
        }
        for d in data["domains"]
    ]
    rules = []
    for r in data["rules"]:
        rule = dict(r)
        for key in _SET_FIELDS:
            if key in rule:
                rule[key] = set_like(rule[key])
        if rule["action"] == Action.CONTACT:
            rule.setdefault("requires_approval", True)
            rule.setdefault("expires_after_days", DEFAULT_CONTACT_EXPIRY_DAYS)
            derived = default_match_contact(rule["requires_approval"]).value
            rule.setdefault("match", {"contact_details": derived})
        rules.append(rule)
    limits = dict(data["rate_limits"])
    limits.setdefault("roles", {})
    return {
        "policy": dict(data["policy"]),
        "legal_bases": by_id(
            [
                {**b, "avg_articles": sorted(set(b.get("avg_articles", [])))}
                for b in data["legal_bases"]
            ]
        ),
        "purposes": by_id(list(data["purposes"])),
        "domains": by_id(domains),
        "rules": rules,
        "rate_limits": limits,
    }
