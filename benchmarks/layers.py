"""Modules cost nothing: one endpoint under three nested mounts, with its three providers
declared by the mounts, one each, against the same endpoint with its providers declared by
the app, under the same mounts and at the top of a flat app.

All are served by one app; each provider is request-scoped and needs the one before it, so
each request makes the same values. Every response is checked, then each pair is timed in
interleaved rounds and the ratio printed (1.00x: the mounts and their providers cost
nothing). Run it with ``python -m benchmarks.layers``.
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
    """The app serving the endpoint flat, and under three mounts with its providers by the
    app and per mount."""
    return App(
        routes=[
            Route("/flat/report", report),
            nested("/app", per_mount=False),
            nested("/mounts", per_mount=True),
        ],
        providers=[Accounts, Notes, Feed],
    )


PER_MOUNT = Scenario("per mount", "/mounts/two/three/report", {"same": True})
PAIRS: dict[str, tuple[Scenario, Scenario]] = {
    "providers": (Scenario("by the app", "/app/two/three/report", {"same": True}), PER_MOUNT),
    "modules": (Scenario("flat", "/flat/report", {"same": True}), PER_MOUNT),
}


def main(argv: list[str] | None = None) -> dict[str, tuple[float, float]]:
    return run_pairs(argv, __doc__, build, PAIRS)


if __name__ == "__main__":
    main()
