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
