"""How long the OpenAPI document of an app of 200 routes takes to build.

Each route is a resource with a path parameter, query and header parameters, a typed JSON
body and a typed response (its own attrs classes, so that the components grow with the app).
The app is built (its endpoints planned) first, as on its first request; the time is that of
the document alone, on a new ``OpenAPI`` each round. Run it with ``python -m benchmarks.openapi``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Annotated, Any

import attrs

from resourceful import App, Header, HTTPResource, Query, Route, responds
from resourceful.openapi import OpenAPI

ROUTE_COUNT = 200


def resource(number: int) -> type[HTTPResource]:
    """A resource with its own body and response classes."""
    item_in = attrs.make_class(
        f"Item{number}In",
        {
            "name": attrs.field(type=str),
            "tags": attrs.field(type=list[str], factory=list),
            "size": attrs.field(type=int, default=0),
        },
        frozen=True,
    )
    item = attrs.make_class(
        f"Item{number}",
        {"id": attrs.field(type=int), "name": attrs.field(type=str)},
        frozen=True,
    )

    async def get(self: Any, id: Any, limit: Any = 20, trace: Any = None) -> Any:
        """List the items."""
        raise NotImplementedError

    @responds(201)
    async def post(self: Any, id: Any, body: Any) -> Any:
        """Add an item."""
        raise NotImplementedError

    # Set by hand: the classes are made here, where string annotations could not find them.
    get.__annotations__ = {
        "id": int,
        "limit": Annotated[int, Query()],
        "trace": Annotated[str | None, Header("x-trace")],
        "return": list[item],  # type: ignore[valid-type]
    }
    post.__annotations__ = {"id": int, "body": item_in, "return": item}
    return type(f"Items{number}", (HTTPResource,), {"get": get, "post": post})


def build(route_count: int = ROUTE_COUNT) -> App:
    """An app of ``route_count`` resources, planned."""
    routes = [Route(f"/items{i}/{{id:int}}", resource(i)) for i in range(route_count)]
    app = App(routes=routes)
    app.middleware_stack = app.build_middleware_stack()
    return app


def measure(rounds: int, route_count: int = ROUTE_COUNT) -> float:
    """The median seconds the document of an app of ``route_count`` routes takes."""
    app = build(route_count)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        document = OpenAPI().document(app)
        samples.append(time.perf_counter() - start)
        if len(document["paths"]) != route_count:
            msg = f"the document has {len(document['paths'])} paths, not {route_count}"
            raise RuntimeError(msg)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--routes", type=int, default=ROUTE_COUNT)
    args = parser.parse_args(argv)
    seconds = measure(args.rounds, args.routes)
    print(f"OpenAPI document of {args.routes} routes: {seconds * 1e3:.1f} ms")
    return seconds


if __name__ == "__main__":
    main()
