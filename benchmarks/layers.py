"""Providers per mount cost nothing: one endpoint under three nested mounts, with its three
providers declared by the app, or by the mounts, one each.

Both are served by one app, down the same three mounts; each provider is request-scoped
and needs the one before it, so both make the same values. Every response is checked, then
the two are timed in interleaved rounds and the ratio per mount / by the app printed
(1.00x: layers cost nothing). Run it with ``python -m benchmarks.layers``.
"""

from __future__ import annotations

from benchmarks.classes import run_pairs
from benchmarks.scenarios import Scenario
from resourceful import App, JSONResponse, Mount, Route


class Accounts:
    pass


class Notes:
    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts


class Feed:
    def __init__(self, notes: Notes) -> None:
        self.notes = notes


async def report(accounts: Accounts, notes: Notes, feed: Feed) -> JSONResponse:
    return JSONResponse({"same": feed.notes is notes and notes.accounts is accounts})


def nested(prefix: str, *, per_mount: bool) -> Mount:
    """``/{prefix}/two/three/report``, each mount providing one of the three if asked."""

    def provided(provider: type) -> list[type]:
        return [provider] if per_mount else []

    three = Mount("/three", routes=[Route("/report", report)], providers=provided(Feed))
    two = Mount("/two", routes=[three], providers=provided(Notes))
    return Mount(prefix, routes=[two], providers=provided(Accounts))


def build() -> App:
    """The app serving the endpoint with its providers by the app and per mount."""
    return App(
        routes=[nested("/app", per_mount=False), nested("/mounts", per_mount=True)],
        providers=[Accounts, Notes, Feed],
    )


PAIRS: dict[str, tuple[Scenario, Scenario]] = {
    "three mounts": (
        Scenario("by the app", "/app/two/three/report", {"same": True}),
        Scenario("per mount", "/mounts/two/three/report", {"same": True}),
    )
}


def main(argv: list[str] | None = None) -> dict[str, tuple[float, float]]:
    return run_pairs(argv, __doc__, build, PAIRS, ("by the app", "per mount"))


if __name__ == "__main__":
    main()
