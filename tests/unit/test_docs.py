"""Every Python example in the documentation runs and its assertions hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[2] / "docs"
BLOCK = re.compile(r"^\.\. code-block:: python\n\n((?:(?:    .*)?\n)+)", re.MULTILINE)


def examples() -> list[tuple[str, str]]:
    found = []
    for page in sorted(DOCS.glob("*.rst")):
        for number, match in enumerate(BLOCK.finditer(page.read_text()), start=1):
            code = "\n".join(line[4:] for line in match.group(1).splitlines())
            found.append((f"{page.stem}-{number}", code))
    return found


@pytest.mark.parametrize(("name", "code"), examples(), ids=[name for name, _ in examples()])
def test_documentation_example_runs(name: str, code: str) -> None:
    exec(compile(code, name, "exec", dont_inherit=True), {"__name__": name})
