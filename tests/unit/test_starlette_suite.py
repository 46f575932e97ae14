"""The tools that run Starlette's suite against resourceful: the alias and the tally."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from resourceful import App, HTTPResource
from resourceful.middleware.base import CallNext
from tools.starlette_alias import (
    AliasFinder,
    Missing,
    MissingInResourceful,
    install,
    pytest_load_initial_conftests,
)
from tools.starlette_suite import outcomes, table, tally


@pytest.fixture(autouse=True)
def restore_resourceful(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Aliasing adds Starlette's names to resourceful's modules: take them away again."""
    monkeypatch.setattr(sys, "meta_path", [AliasFinder(), *sys.meta_path])
    monkeypatch.setattr(sys, "modules", dict(sys.modules))
    before = {
        name: dict(vars(module))
        for name, module in sys.modules.items()
        if name.startswith("resourceful")
    }
    yield
    for name, saved in before.items():
        namespace = vars(sys.modules[name])
        namespace.clear()
        namespace.update(saved)


def alias(name: str) -> Any:
    spec = AliasFinder().find_spec(name, None)
    assert spec is not None
    assert spec.loader is not None
    return spec.loader.create_module(spec)


def test_only_starlette_modules_are_aliased() -> None:
    assert AliasFinder().find_spec("starlettes", None) is None
    assert AliasFinder().find_spec("resourceful.routing", None) is None


def test_a_starlette_module_is_resourceful_with_starlettes_names() -> None:
    applications = alias("starlette.applications")
    assert applications is sys.modules["resourceful.applications"]
    assert applications.Starlette is App
    assert issubclass(alias("starlette.endpoints").HTTPEndpoint, HTTPResource)
    assert alias("starlette.middleware.base").RequestResponseEndpoint is CallNext
    assert alias("starlette.exceptions").StarletteDeprecationWarning is DeprecationWarning


def test_what_resourceful_lacks_is_a_placeholder_that_fails_when_used() -> None:
    helpers = alias("starlette._no_such_module")
    placeholder = helpers.collapse
    assert isinstance(placeholder, Missing)
    assert "starlette._no_such_module.collapse" in repr(placeholder)
    with pytest.raises(AttributeError):
        helpers.__wrapped__  # noqa: B018
    uses: list[Callable[[], object]] = [
        lambda: placeholder(),
        lambda: placeholder.attribute,
        lambda: bool(placeholder),
        lambda: list(placeholder),
        lambda: placeholder == 1,
    ]
    for use in uses:
        with pytest.raises(MissingInResourceful, match="does not exist in resourceful"):
            use()

    base: Any = placeholder

    class Sub(base):  # type: ignore[misc]
        pass

    with pytest.raises(MissingInResourceful):
        Sub()
    assert (placeholder | None) is Any
    assert hash(placeholder) == id(placeholder)


def test_a_submodule_resourceful_has_is_found_as_an_attribute() -> None:
    package = alias("starlette")
    assert package.status is sys.modules["resourceful.status"]
    assert isinstance(package.no_such_module, Missing)


def test_a_module_getattr_of_resourceful_is_still_asked_first() -> None:
    module = alias("starlette.middleware.base")
    assert isinstance(module.NoSuchName, Missing)
    with pytest.raises(AttributeError):
        module.__no_such_dunder__  # noqa: B018


def test_the_tally_counts_what_did_not_run_as_failed(tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    report.write_text(
        "<testsuites><testsuite>"
        '<testcase classname="tests.test_a" name="test_one[asyncio]"/>'
        '<testcase classname="tests.test_a.TestGroup" name="test_two"><failure/></testcase>'
        '<testcase classname="tests.middleware.test_b" name="test_three"><skipped/></testcase>'
        '<testcase classname="tests.middleware.test_b" name="test_four"><error/></testcase>'
        '<testcase classname="" name="crashed"/>'
        "</testsuite></testsuites>"
    )
    expected = [
        "tests/test_a.py::test_one[asyncio]",
        "tests/test_a.py::TestGroup::test_two",
        "tests/middleware/test_b.py::test_three",
        "tests/middleware/test_b.py::test_four",
        "tests/middleware/test_b.py::test_never_loaded",
    ]
    per_file = tally(expected, outcomes(report))
    assert {path: dict(counts) for path, counts in per_file.items()} == {
        "tests/middleware/test_b.py": {"skipped": 1, "failed": 2},
        "tests/test_a.py": {"passed": 1, "failed": 1},
    }
    text, share = table(per_file)
    assert share == 20.0
    assert text.splitlines()[-2].split() == ["total", "1", "5", "(20.0%)"]
    assert text.splitlines()[-1] == "skipped: 1 (counted as not passed)"


def test_the_plugin_installs_the_finder_once(monkeypatch: pytest.MonkeyPatch) -> None:
    others = [finder for finder in sys.meta_path if not isinstance(finder, AliasFinder)]
    monkeypatch.setattr(sys, "meta_path", others)
    pytest_load_initial_conftests(None, None, [])
    install()
    assert isinstance(sys.meta_path[0], AliasFinder)
    assert sum(isinstance(finder, AliasFinder) for finder in sys.meta_path) == 1
