"""The layout's rules, checked: no import loops, modules of a readable size, one direction of flow."""
from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "pipeline"
MAX_LINES = 600  # a module past this is doing two jobs, unless its first lines say why


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _top_level_imports(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """Modules of the package this module imports when it is imported (not inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:  # "from pkg import module" imports the module
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _top_level_imports(path, name, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_no_import_loops():
    graph = import_graph()
    assert len(graph) > 50
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_the_check_finds_a_loop():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_modules_are_of_a_readable_size():
    long = []
    for name, path in _modules().items():
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > MAX_LINES and "long on purpose" not in "\n".join(lines[:15]):
            long.append(f"{name}: {len(lines)} lines")
    assert not long, long


def test_one_direction_of_flow():
    """Stages import only stages before them: the store neither the analysis nor the views; the
    extractors neither the store, the views, the batch nor the evaluation; the run-time theme model
    not its training."""
    graph = import_graph()

    def reaches(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    forbidden = {
        "pipeline.store": ("pipeline.view", "pipeline.ingest", "pipeline.extract", "pipeline.analysis"),
        "pipeline.extract": ("pipeline.store", "pipeline.view", "pipeline.batch", "pipeline.evaluate",
                             "pipeline.ingest"),
        "pipeline.components": ("pipeline.store", "pipeline.view", "pipeline.batch", "pipeline.evaluate",
                                "pipeline.themes.training", "pipeline.themes.estimators"),
        "pipeline.themes.model": ("pipeline.themes.training", "pipeline.evaluate", "pipeline.analysis"),
    }
    for prefix, banned in forbidden.items():
        for module in [m for m in graph if m == prefix or m.startswith(prefix + ".")]:
            bad = sorted(m for m in reaches(module) if m.startswith(banned))
            assert not bad, f"{module} imports {bad}"
