"""The layers of docs/architecture.rst, read from the code: no module imports one above it,
none outside ``di/`` reaches past the surface ``di`` declares for the framework, no two
modules import each other, and no function runs over 60 lines."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import resourceful

PACKAGE = Path(resourceful.__file__).parent

ARCHITECTURE = Path(__file__).parents[2] / "docs" / "architecture.rst"


def layers_of_the_design() -> list[tuple[str, list[str]]]:
    """The layers, bottom to top, as the architecture page's table gives them: each layer's
    name and the module patterns in it (``name.*`` names the modules of a package)."""
    text = ARCHITECTURE.read_text()
    table = text[text.index(".. list-table:: The layers") :]
    table = table[: table.index("\n\n", table.index("   * - package"))]
    layers = []
    for row in re.split(r"\n   \* - ", table)[2:]:  # after the options and the header row
        cells = re.split(r"\n     - ", row)
        layers.append((cells[0].strip(), re.findall(r"``(resourceful[\w.*]*)``", cells[1])))
    return layers


#: Bottom to top: a module belongs to the first layer with a pattern that names it.
LAYERS = layers_of_the_design()


def module_names() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def layer_of(module: str) -> int:
    for index, (_, patterns) in enumerate(LAYERS):
        for pattern in patterns:
            if module == pattern or (pattern.endswith(".*") and module.startswith(pattern[:-1])):
                return index
    msg = f"{module} is in no layer: add it to the layer table of docs/architecture.rst"
    raise AssertionError(msg)


def runtime_imports(path: Path, *, typing_too: bool = False) -> Iterator[tuple[str, list[str]]]:
    """Each ``resourceful`` module ``path`` imports at run time, with the names it takes;
    imports under ``if TYPE_CHECKING:`` (for annotations only) are left out, unless
    ``typing_too``."""
    tree = ast.parse(path.read_text())
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            skipped.update(id(child) for child in ast.walk(node))
    if typing_too:
        skipped.clear()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] == "resourceful":
                yield node.module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "resourceful":
                    yield alias.name, []


MODULES = dict(module_names())
#: The one module of ``di/`` the framework's other layers import.
SURFACE = "resourceful.di._framework"


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_from_a_layer_above_its_own(module: str) -> None:
    own = layer_of(module)
    for imported, _ in runtime_imports(MODULES[module]):
        above = layer_of(imported)
        assert above <= own, (
            f"{module} ({LAYERS[own][0]}) imports {imported} ({LAYERS[above][0]}), a layer "
            "above it: move the shared piece down, or pass it in (a callback, a protocol)."
        )


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not m.startswith("resourceful.di")))
def test_only_di_itself_imports_its_private_modules(module: str) -> None:
    for imported, _ in runtime_imports(MODULES[module]):
        assert imported == SURFACE or not imported.startswith("resourceful.di._"), (
            f"{module} imports {imported}: use {SURFACE} (the surface di declares for the "
            "framework's layers), adding the name there if it is missing."
        )


def test_a_module_above_is_caught(tmp_path: Path) -> None:
    # A routing module that imported the application would be refused.
    source = tmp_path / "routing.py"
    source.write_text(
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "from resourceful.requests import Request\n"
        "if TYPE_CHECKING:\n"
        "    from resourceful.resources import HTTPResource\n"
        "def build():\n"
        "    from resourceful.applications import App\n"
        "    import resourceful.cli\n"
    )
    found = dict(runtime_imports(source))
    assert set(found) == {"resourceful.requests", "resourceful.applications", "resourceful.cli"}
    assert layer_of("resourceful.applications") > layer_of("resourceful.routing")
    with pytest.raises(AssertionError, match="is in no layer"):
        layer_of("resourceful.newthing")


def imported_modules(module: str) -> set[str]:
    """The package's modules ``module`` imports, at run time or for annotations: those it
    names, and those it takes by name from a package (``from resourceful.di import _plan``)."""
    found = set()
    for imported, names in runtime_imports(MODULES[module], typing_too=True):
        found.add(imported)
        found.update(f"{imported}.{name}" for name in names if f"{imported}.{name}" in MODULES)
    return found


def import_loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each loop of imports in ``graph``, as the modules on it (a depth-first search)."""
    loops: list[list[str]] = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            loops.append(path[path.index(module) :])
            return
        if module in done:
            return
        for imported in sorted(graph.get(module, ())):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    return loops


def test_no_modules_import_each_other() -> None:
    # The package's __init__ re-exports everything and sits on top: only modules below it.
    graph = {module: imported_modules(module) for module in MODULES if module != "resourceful"}
    loops = import_loops(graph)
    assert loops == [], (
        f"modules that import each other (annotations included): {loops}; move the shared "
        "piece down, or describe what one needs of the other with a Protocol."
    )


def test_an_import_loop_is_caught() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_loops(graph) == [["a", "b", "c"]]
    assert import_loops({"a": {"b"}, "b": set()}) == []


def long_functions(module: str, path: Path, limit: int = 60) -> list[str]:
    """The functions of ``path`` over ``limit`` lines, with their lengths."""
    long = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > limit:
                long.append(f"{module}.{node.name} ({lines} lines)")
    return long


def test_no_function_is_over_sixty_lines() -> None:
    long = [found for module, path in MODULES.items() for found in long_functions(module, path)]
    assert long == [], f"split these along their seams: {long}"


def test_a_long_function_is_caught(tmp_path: Path) -> None:
    source = tmp_path / "long.py"
    source.write_text("async def long():\n" + "    pass\n" * 61 + "def short():\n    pass\n")
    assert long_functions("long", source) == ["long.long (62 lines)"]


def test_the_design_page_holds_every_layer() -> None:
    names = [name for name, _ in LAYERS]
    assert names == [
        "basics",
        "connections",
        "responses",
        "user",
        "routing",
        "injection",
        "resources",
        "middleware",
        "application",
        "batteries",
        "package",
    ]
    assert "resourceful._lifecycle" in dict(LAYERS)["resources"]
    assert dict(LAYERS)["package"] == ["resourceful"]
