"""The structure the code promises (docs/architecture.md): no import cycles, one home per rule.

The import graph is read from the source with ``ast``, so an import under
``if TYPE_CHECKING:`` or inside a function counts as much as one at the top: a cycle
hidden that way is still a cycle for whoever reads the code.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("crypto", "policies", "hub", "api", "connectors", "bench", "testsupport")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    """Every module of the project's packages by dotted name (migrations excepted)."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                modules[_module_name(path)] = path
    return modules


def _imported(node: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """The dotted names an import statement may refer to (modules or names in them)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".")
            keep = len(base) - node.level + (1 if is_package else 0)
            prefix = ".".join(base[:keep])
            source = f"{prefix}.{node.module}" if node.module else prefix
        else:
            source = node.module or ""
        yield source
        yield from (f"{source}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    """Module -> the project's modules it imports, anywhere in its source."""
    modules = project_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for imported in _imported(node, name, is_package):
                if imported in modules and imported != name:
                    targets.add(imported)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_project_has_no_import_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 100  # the packages were found
    assert cycles(graph) == []


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_imports_under_type_checking_and_relative_ones_are_edges() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import sibling\n"
        "if TYPE_CHECKING:\n"
        "    from hub.runtime import Runtime\n"
    )
    names = {
        name
        for node in ast.walk(ast.parse(source))
        for name in _imported(node, "hub.flag.service", is_package=False)
    }
    assert {"hub.runtime", "hub.flag.sibling"} <= names


def test_the_layers_point_one_way() -> None:
    """crypto and policies import nothing of ours; hub never imports api, connectors never
    hub (docs/design.md §4, docs/connectors.md)."""
    graph = import_graph()
    for module, targets in graph.items():
        top = module.split(".")[0]
        tops = {target.split(".")[0] for target in targets}
        if top in ("crypto", "policies"):
            assert tops <= {top}, (module, tops)
        if top == "hub":
            assert "api" not in tops, module
        if top == "connectors":  # clients of the hub's HTTP API, never of its insides
            assert "hub" not in tops, module


LIVE_FLAG_CONDITION = re.compile(
    r"Flag\.expires_at\s*[<>]"  # in Core
    r"|flag\.expires_at\s*[<>]=?\s*now"  # in Python, on a loaded flag
    r"|flags\.expires_at\s*>"  # in SQL text
)


def test_the_live_flag_condition_is_written_once() -> None:
    """A flag is live when active and not expired: said in the flag repository only.

    (bench/baseline.py writes its own SQL on purpose: it is what the hub is measured against.)
    """
    said = {
        path.relative_to(ROOT).as_posix(): len(LIVE_FLAG_CONDITION.findall(text))
        for name, path in project_modules().items()
        if name.split(".")[0] in ("hub", "api")
        and LIVE_FLAG_CONDITION.search(text := path.read_text(encoding="utf-8"))
    }
    assert said == {"hub/flag/repository.py": 1}
