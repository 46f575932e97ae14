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


def examples() -> list[tuple[str, str]]:
    found = []
    for page in [DOCS.parent / "README.rst", *sorted(DOCS.glob("*.rst"))]:
        for number, match in enumerate(BLOCK.finditer(page.read_text()), start=1):
            code = "\n".join(line[4:] for line in match.group(1).splitlines())
            found.append((f"{page.stem}-{number}", code))
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
