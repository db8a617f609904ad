"""One role per package, checked from the source: which first-party packages each one may
import, and no import cycle between packages (SUMMARIES/architecture.md shows the layers)."""

import ast
from pathlib import Path

P5 = Path(__file__).resolve().parents[2]

# Lowest layer first; a package may import only itself and the packages listed for it.
ALLOWED: dict[str, set[str]] = {
    "recurrence": set(),
    "contracts": set(),
    "workflows": set(),
    "storage": {"contracts", "recurrence"},
    "infra": {"storage", "contracts"},
    "activities": {"workflows", "storage", "recurrence", "contracts", "infra"},
    "engine": {"activities", "workflows", "storage", "recurrence", "contracts", "infra"},
    "notifications": {"storage", "recurrence", "contracts", "infra"},
    "api": {"storage", "recurrence", "contracts", "infra"},
    # A face over the public API: it reuses the API's token check (same rule, same errors),
    # and reaches everything else through HTTP.
    "chatbot": {"api", "infra"},
    # The Kafka lag exporter: settings and logging only; it reads the broker itself.
    "monitoring": {"infra"},
}


def imports_of(package: str) -> dict[str, set[str]]:
    """First-party packages each module of `package` imports: {module path: packages}."""
    found: dict[str, set[str]] = {}
    for path in sorted((P5 / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(P5))] = (names & set(ALLOWED)) - {package}
    return found


def test_every_package_imports_only_the_layers_below_it() -> None:
    wrong = {
        module: sorted(used - ALLOWED[package])
        for package in ALLOWED
        for module, used in imports_of(package).items()
        if used - ALLOWED[package]
    }
    assert wrong == {}


def test_no_import_cycle_between_packages() -> None:
    graph = {p: set().union(*imports_of(p).values()) for p in ALLOWED}
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        assert node not in path, f"import cycle: {' -> '.join([*path, node])}"
        if node in done:
            return
        for nxt in sorted(graph[node]):
            visit(nxt, [*path, node])
        done.add(node)

    for package in graph:
        visit(package, [])


def test_every_package_on_disk_has_a_layer() -> None:
    on_disk = {p.parent.name for p in P5.glob("*/__init__.py")} - {"tests", "migrations"}
    assert on_disk == set(ALLOWED)
