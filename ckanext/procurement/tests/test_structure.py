"""The layout of the code, measured on its import graph: no import circle, and no import from a
lower layer to a higher one (the OCDS package at the bottom, knowing nothing of CKAN; then the
CKAN glue; then the views and the plugin). Every import counts, also one inside a function.
And no module longer than a newcomer reads in one sitting."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "ckanext.procurement"
ROOT = Path(__file__).resolve().parents[1]
OCDS = f"{PACKAGE}.ocds"
# the top layer: nothing below it imports these
# the web layer: the plugin, its pages (views; insights and forecast, the #10 pages built on views), the CLI
TOP = {f"{PACKAGE}.{name}" for name in ("plugin", "views", "insights", "forecast", "cli", "wsgi")}
# what the OCDS package may not import: CKAN and its web and database stack
CKAN_GLUE = ("ckan", "ckanext", "flask", "sqlalchemy", "alembic")


def _modules() -> dict[str, tuple[Path, bool]]:
    """Every module of the extension outside the tests: dotted name -> (file, is a package)."""
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[0] == "tests":
            continue
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join([PACKAGE] + parts)] = (path, is_package)
    return found


def _imported_names(module: str, path: Path, is_package: bool, modules: dict) -> set[str]:
    """What a module imports, relative imports resolved: `from a import b` is `a.b` when that is a
    module of the extension, else `a`."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                names.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in modules else target)
    return names


def import_graph(modules: dict[str, tuple[Path, bool]]) -> dict[str, set[str]]:
    """module -> the modules of the extension it imports."""
    return {module: {name for name in _imported_names(module, path, is_package, modules)
                     if name in modules and name != module}
            for module, (path, is_package) in modules.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles (strongly connected components of more than one module), by Tarjan."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(start: str) -> None:
        # iterative depth-first search: (node, iterator over its neighbours)
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, neighbours = work[-1]
            for neighbour in neighbours:
                if neighbour not in index:
                    index[neighbour] = low[neighbour] = len(index)
                    stack.append(neighbour)
                    on_stack.add(neighbour)
                    work.append((neighbour, iter(sorted(graph[neighbour]))))
                    break
                if neighbour in on_stack:
                    low[node] = min(low[node], index[neighbour])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
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

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_circles_are_found():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle():
    graph = import_graph(_modules())
    assert f"{PACKAGE}.helpers" in graph[f"{PACKAGE}.plugin"]  # the graph sees the imports
    assert circles(graph) == []


def test_the_ocds_package_knows_nothing_of_ckan():
    modules = _modules()
    wrong = []
    for module, (path, is_package) in modules.items():
        if module != OCDS and not module.startswith(OCDS + "."):
            continue
        for name in _imported_names(module, path, is_package, modules):
            if name == OCDS or name.startswith(OCDS + "."):
                continue
            if name.split(".")[0] in CKAN_GLUE:
                wrong.append(f"{module} imports {name}")
    assert modules and not wrong, wrong


def test_nothing_below_the_plugin_and_views_imports_them():
    graph = import_graph(_modules())
    wrong = [f"{module} imports {target}" for module, targets in graph.items() if module not in TOP
             for target in targets if target in TOP]
    assert not wrong, wrong


MAX_LINES = 600  # a module a newcomer can read in one sitting (issue #14)


def test_no_module_is_longer_than_a_sitting():
    modules = _modules()
    long = {module: lines for module, (path, _is_package) in modules.items()
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert modules and not long, long
