"""The layout docs/architecture.md describes holds: imports run one way, no module imports itself back
through others, modules stay small, and imports sit at the top of a module.

The product modules are every module of the six apps except their tests and migrations.
"""

import ast
import os
from pathlib import Path

import grimp
from importlinter import cli

ROOT = Path(__file__).resolve().parent.parent
APPS = ("leadops", "leads", "outreach", "scoring", "webhooks", "console", "api", "assistant")
MAX_LINES = 400


def _is_product(module: str) -> bool:
    parts = module.split(".")
    return "tests" not in parts and "migrations" not in parts


def _product_files() -> list[Path]:
    return sorted(
        path for app in APPS for path in (ROOT / app).rglob("*.py")
        if not {"tests", "migrations"} & set(path.relative_to(ROOT).parts)
    )


def _package_imports(module: str) -> set[str]:
    """The packages `module` names in `from package import name`: running that line runs the package's
    __init__ too, which grimp leaves out when `name` is a submodule."""
    path = ROOT / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = ROOT / module.replace(".", "/") / "__init__.py"
    return {
        node.module for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module and not node.level
        and (ROOT / node.module.replace(".", "/") / "__init__.py").exists()
    }


def _cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each one import cycle or more."""
    edges = {}
    for module in modules:
        imported = graph.find_modules_directly_imported_by(module) | _package_imports(module)
        edges[module] = sorted(imported & modules - {module})
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in edges[module]:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


def test_the_apps_import_only_downward(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert cli.lint_imports(no_cache=True, no_logo=True) == 0, "import-linter found a broken contract (see above)"


def test_no_product_module_imports_itself_back_through_others():
    graph = grimp.build_graph(*APPS, cache_dir=None)
    modules = {module for module in graph.modules if _is_product(module)}
    assert _cycles(graph, modules) == []


def test_no_product_module_is_over_400_lines():
    long = {str(path.relative_to(ROOT)): count for path in _product_files()
            if (count := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


# What the comment right above a function-level import must say: the dependency is optional, or heavy and
# loaded by the processes that use it only (numpy for the learned model).
DEFERRED = ("optional dependency", "imported on first use")


def _explained(lines: list[str], lineno: int) -> bool:
    above = []
    for line in reversed(lines[: lineno - 1]):
        if not line.strip().startswith("#"):
            break
        above.append(line.lower())
    comment = " ".join([lines[lineno - 1].lower(), *above])
    return any(reason in comment for reason in DEFERRED)


def test_imports_sit_at_the_top_of_product_modules():
    """A function-level import is allowed where a comment says why (DEFERRED), and in an AppConfig.ready(),
    where Django wants signal receivers imported once the models are loaded."""
    inside_functions = []
    for path in _product_files():
        source = path.read_text()
        lines = source.splitlines()
        for function in ast.walk(ast.parse(source)):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if path.name == "apps.py" and function.name == "ready":
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom) and not _explained(lines, node.lineno):
                    inside_functions.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert sorted(set(inside_functions)) == []


def test_the_layout_checks_see_every_app():
    assert all((ROOT / app / "__init__.py").exists() for app in APPS)
    assert len(_product_files()) > 100, os.listdir(ROOT)
