"""A conditional GET responded to with 304 costs less than the same GET with 200.

One resource declares its validators (a strong ETag and a modification date, from an
injected store) and responds to GET with a JSON document it builds from the store. The same
request is timed without a precondition (200, the document built and encoded) and with
``If-None-Match`` naming the current tag (304: the handler skipped, no body), interleaved;
the ratio 304 / 200 is printed (above 1.00x: the 304 is faster). Run it with
``python -m benchmarks.conditional``.
"""

from __future__ import annotations

import datetime

from benchmarks.classes import run_pairs
from benchmarks.scenarios import Scenario, json_body, text
from resourceful import App, HTTPResource, Route
from resourceful.conditional import ETag, Validators
from resourceful.di import Provider

CHANGED = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.timezone.utc)


class Store:
    """What the document is made of: a hundred notes, at version 7."""

    def __init__(self) -> None:
        self.version = 7
        self.notes = [{"id": n, "text": f"note {n}"} for n in range(100)]


class Notes(HTTPResource):
    async def validators(self, store: Store) -> Validators:
        return Validators(ETag(f"v{store.version}"), CHANGED)

    async def get(self, store: Store) -> list[dict[str, object]]:
        return [dict(note) for note in store.notes]


def build() -> App:
    """The app serving the resource."""
    return App(routes=[Route("/notes", Notes)], providers=[Provider(Store())])


EXPECTED = [{"id": n, "text": f"note {n}"} for n in range(100)]
PAIRS: dict[str, tuple[Scenario, Scenario]] = {
    "conditional GET": (
        Scenario("200", "/notes", EXPECTED, decode=json_body),
        Scenario(
            "304", "/notes", "", decode=text, status=304, headers=((b"if-none-match", b'"v7"'),)
        ),
    )
}


def main(argv: list[str] | None = None) -> dict[str, tuple[float, float]]:
    return run_pairs(argv, __doc__, build, PAIRS)


if __name__ == "__main__":
    main()
