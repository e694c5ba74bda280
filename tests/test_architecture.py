"""The packages show the architecture: readers know nothing of Django or the database, and no
package of trials imports another that imports it back. No database is used."""

import ast
import subprocess
import sys
from pathlib import Path

TRIALS = Path(__file__).resolve().parent.parent / "trials"
ROOT = TRIALS.parent
FORBIDDEN_IN_READERS = ("django", "trials.loading", "trials.models")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The modules a file imports, at any depth (lazy imports in functions count), except
    under `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(node)
        for branch in ast.walk(tree)
        if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
        for node in ast.walk(branch)
    }
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path.parent)
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                )
            found.add(base.strip("."))
            found |= {f"{base}.{alias.name}".strip(".") for alias in node.names}
    return found


def _sources() -> list[Path]:
    return [p for p in TRIALS.rglob("*.py") if "migrations" not in p.parts]


def test_no_reader_module_imports_django_or_the_loading_code():
    readers = sorted((TRIALS / "readers").glob("*.py"))
    assert readers
    for path in readers:
        bad = {
            name
            for name in _imports(path)
            for forbidden in FORBIDDEN_IN_READERS
            if name == forbidden or name.startswith(forbidden + ".")
        }
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_importing_every_reader_loads_no_django():
    modules = [_module_name(path) for path in sorted((TRIALS / "readers").glob("*.py"))]
    code = (
        f"import importlib, sys\nfor name in {modules!r}:\n    importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.startswith({FORBIDDEN_IN_READERS!r}))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def _package(module: str) -> str | None:
    """The unit of trials a module belongs to: trials.readers, trials.loading, trials.curation…"""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "trials" and len(parts) > 1 else None


def _package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in _sources():
        source = _package(_module_name(path))
        if source is None:
            continue
        targets = {_package(name) for name in _imports(path)}
        graph.setdefault(source, set()).update(t for t in targets if t and t != source)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_packages_of_trials_import_each_other_without_cycles():
    graph = _package_graph()
    assert "trials.readers" in graph and "trials.loading" in graph
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_check_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


# What each package of trials may import: the table of docs/architecture.md. Changing the
# architecture is changing both.
ALLOWED = {
    "trials.readers": set(),
    "trials.models": {"trials.readers"},
    "trials.lookups": set(),
    "trials.apps": {"trials.lookups", "trials.sync", "trials.alerts"},  # registers models
    "trials.loading": {"trials.readers", "trials.models"},
    "trials.search": {"trials.readers", "trials.models"},
    "trials.freshness": {"trials.search", "trials.sync", "trials.models"},
    "trials.web": {
        "trials.search",
        "trials.freshness",
        "trials.readers",
        "trials.models",
        "trials.alerts",
    },
    "trials.alerts": {"trials.search", "trials.models"},
    "trials.curation": {"trials.loading", "trials.readers", "trials.models"},
    "trials.sync": {"trials.loading", "trials.readers", "trials.models"},
    "trials.jobs": {"trials.loading", "trials.sync", "trials.models", "trials.alerts"},
    "trials.admin": {
        "trials.web",
        "trials.curation",
        "trials.loading",
        "trials.search",
        "trials.readers",
        "trials.models",
        "trials.jobs",
        "trials.sync",
    },
    "trials.management": {
        "trials.loading",
        "trials.readers",
        "trials.models",
        "trials.search",
        "trials.sync",
        "trials.curation",
        "trials.jobs",
    },
}


def test_each_package_imports_only_what_the_architecture_allows():
    for package, targets in _package_graph().items():
        assert package in ALLOWED, f"{package} is not in docs/architecture.md's table"
        extra = targets - ALLOWED[package]
        assert not extra, f"{package} imports {sorted(extra)}: not allowed by its row"


def test_the_table_here_is_the_one_in_the_architecture_page():
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for package in ALLOWED:
        if package not in ("trials.lookups", "trials.apps"):
            assert f"`{package}`" in page, package
