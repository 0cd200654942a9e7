"""The sharing policy: who may register, check, see and contact whom, and under which law.

Pure: a YAML file in, immutable ``Policy`` out, ``Policy.decide(Context) -> Decision``.
Anything the policy does not allow is refused, with the reason and the policy version.
"""

from policies.diff import (
    ChangeGroup,
    DecisionChange,
    all_contexts,
    diff,
    format_diff,
    group_changes,
)
from policies.engine import Policy, RuleCheck
from policies.examples import DEMO_POLICY, EXAMPLE_POLICY
from policies.explain import explain
from policies.loader import PolicyError, canonical_json, load_policy, parse_policy
from policies.model import (
    ROLES,
    SUBJECT_TYPES,
    WILDCARD,
    Action,
    Context,
    Decision,
    Domain,
    LegalBasis,
    MatchContact,
    PolicyInfo,
    Purpose,
    RateLimit,
    Rule,
)
from policies.reload import PolicyFile
from policies.review import review_notes

__all__ = [
    "DEMO_POLICY",
    "EXAMPLE_POLICY",
    "ROLES",
    "SUBJECT_TYPES",
    "WILDCARD",
    "Action",
    "ChangeGroup",
    "Context",
    "Decision",
    "DecisionChange",
    "Domain",
    "LegalBasis",
    "MatchContact",
    "Policy",
    "PolicyError",
    "PolicyFile",
    "PolicyInfo",
    "Purpose",
    "RateLimit",
    "Rule",
    "RuleCheck",
    "all_contexts",
    "canonical_json",
    "diff",
    "explain",
    "format_diff",
    "group_changes",
    "load_policy",
    "parse_policy",
    "review_notes",
]
