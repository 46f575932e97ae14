"""Every Python example in the documentation runs and its assertions hold."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from resourceful import App
from resourceful.testclient import TestClient

DOCS = Path(__file__).parents[2] / "docs"
BLOCK = re.compile(r"^\.\. code-block:: python\n\n((?:(?:    .*)?\n)+)", re.MULTILINE)


#: A page that holds this comment runs its examples in order, in one namespace: each one
#: builds on the ones before it (a tutorial).
CONTINUED = ".. The examples of this page build on each other."


def examples() -> list[tuple[str, str]]:
    found = []
    for page in [DOCS.parent / "README.rst", *sorted(DOCS.glob("*.rst"))]:
        text = page.read_text()
        blocks = [
            "\n".join(line[4:] for line in match.group(1).splitlines())
            for match in BLOCK.finditer(text)
        ]
        if CONTINUED in text:
            found.append((f"{page.stem}-in-order", "\n\n".join(blocks)))
        else:
            found.extend((f"{page.stem}-{n}", code) for n, code in enumerate(blocks, start=1))
    return found


@pytest.mark.parametrize(("name", "code"), examples(), ids=[name for name, _ in examples()])
def test_documentation_example_runs(name: str, code: str) -> None:
    namespace: dict[str, Any] = {"__name__": name}
    exec(compile(code, name, "exec", dont_inherit=True), namespace)
    app = namespace.get("app")
    if isinstance(app, App):
        # An example that only defines an app must still start: every endpoint plans.
        with TestClient(app):
            pass


#: Starlette modules whose names resourceful keeps in a module of another name.
MOVED = {"endpoints": "resources"}


def starlette_rows() -> list[tuple[str, list[str]]]:
    """The rows of "Every Starlette name": each Starlette module and the names it keeps."""
    text = (DOCS / "starlette.rst").read_text()
    table = text[text.index("Every Starlette name") :]
    rows = []
    for row in re.split(r"\n   \* - ", table)[2:]:  # after the text and the header row
        cells = re.split(r"\n     - ?", row)
        names = re.findall(r"``(\w+)``", cells[1])
        rows.append((cells[0].strip("`"), names))
    return rows


def test_the_starlette_page_names_what_resourceful_has() -> None:
    import importlib

    rows = starlette_rows()
    assert len(rows) == 33, "every public module of Starlette 1.10 has its row"
    for module, names in rows:
        found = importlib.import_module(f"resourceful.{MOVED.get(module, module)}")
        missing = [name for name in names if not hasattr(found, name)]
        assert not missing, f"resourceful.{module} lacks {missing}, which the page lists"
    text = (DOCS / "starlette.rst").read_text()
    for dotted in set(re.findall(r"``(resourceful(?:\.\w+)+)``", text)):
        module, _, name = dotted.rpartition(".")
        try:
            importlib.import_module(dotted)
        except ImportError:
            assert hasattr(importlib.import_module(module), name), f"{dotted} does not exist"
