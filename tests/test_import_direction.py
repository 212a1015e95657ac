"""Imports between the app's packages run one way (STYLE: config/errors/db/geo → municipalities/
accounts → vacancies → scoring/proposals → matching/exchange → pages). A lower domain's service
never imports a higher one to keep it up to date: cross-domain side effects are flows, called by
routers, the CLI and importers — the entry points, which may import any layer."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"config", "errors", "database", "deps", "geo", "embedded", "middleware", "responses",
               "migrate", "backup", "abuse", "schemas", "geofile", "replica", "observability",
               "urls", "access_log", "formats", "static_assets", "pdf", "coordinates"}),
    frozenset({"municipalities", "accounts", "templating"}),
    frozenset({"vacancies", "addresses"}),
    frozenset({"scoring", "proposals", "photos"}),
    # mail tells of the domains' events: it reads reports and proposals, they never import it
    frozenset({"matching", "exchange", "statistics", "review", "expose", "mail"}),
    frozenset({"maps", "labels", "demo", "cli", "main", "models", "api_viewers"}),
)
LAYER = {name: level for level, names in enumerate(LAYERS) for name in names}
# entry points: HTTP routes, commands and the application itself call flows of any layer
ENTRY_POINTS = ("router.py", "cli.py", "deps.py")


def _top(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "app" and len(parts) > 1 else None


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names
                                     if node.module == "app"]
            found += [(node.lineno, name) for name in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def _package(path: Path, root: Path) -> str:
    rel = path.relative_to(root)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def violations(root: Path = APP) -> list[str]:
    bad = []
    for path in sorted(root.rglob("*.py")):
        if path.name.endswith(ENTRY_POINTS) or path.relative_to(root) == Path("__init__.py"):
            continue
        own = _package(path, root)
        if own not in LAYER:
            bad.append(f"app/{path.relative_to(root)}: package {own!r} has no layer")
            continue
        for line, module in _imports(path):
            target = _top(module)
            if target is None or target == own or target not in LAYER:
                continue
            if LAYER[target] > LAYER[own]:
                bad.append(f"app/{path.relative_to(root)}:{line} imports {module} "
                           f"(layer {LAYER[target]} from layer {LAYER[own]})")
    return bad


def test_every_package_has_a_layer():
    packages = {p.name if p.is_dir() else p.stem for p in APP.iterdir()
                if (p.is_dir() and (p / "__init__.py").exists()) or p.suffix == ".py"}
    assert packages - {"__init__"} <= set(LAYER), sorted(packages - set(LAYER) - {"__init__"})


def test_imports_run_one_way():
    assert violations() == []


def test_the_check_catches_an_upward_import(tmp_path):
    (tmp_path / "vacancies").mkdir()
    (tmp_path / "vacancies" / "service.py").write_text("from app.scoring import service\n")
    (tmp_path / "vacancies" / "router.py").write_text("from app.scoring import flows\n")
    # the service's upward import is caught; the router (an entry point) may call a flow
    assert violations(tmp_path) == [
        "app/vacancies/service.py:1 imports app.scoring (layer 3 from layer 2)"]
