"""The demo stays in the repository, but production code never imports it: a
portal runs without it (and without its fictional data)."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the module's own package
                anchor = list(path.relative_to(PACKAGE.parent.parent).with_suffix("").parts[:-node.level])
                names.append(".".join(anchor + ([node.module] if node.module else [])))
            else:
                names.append(node.module or "")
    return names


def test_production_code_never_imports_the_demo():
    production = [p for p in PACKAGE.rglob("*.py") if not {"demo", "tests"} & set(p.relative_to(PACKAGE).parts)]
    assert len(production) > 20
    offenders = {
        str(path.relative_to(PACKAGE)): name
        for path in production for name in _imports(path)
        if name == "ckanext.procurement.demo" or name.startswith("ckanext.procurement.demo.")
    }
    assert offenders == {}
