"""The ``resourceful`` command: serve an app, list its routes, check it, print its OpenAPI.

``resourceful run notes:app`` serves with uvicorn (the ``server`` extra); ``routes``,
``check`` and ``openapi`` need nothing beyond resourceful. Run ``resourceful COMMAND --help``
for each command's options.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

from resourceful._requirements import CONNECTION
from resourceful.applications import App
from resourceful.di import Container, DependencyError
from resourceful.di._framework import EndpointPlan, Protocol, Source, describe, plan_endpoint
from resourceful.resources import HTTP_VERBS, HTTPResource, WebSocketResource, _is_resource
from resourceful.routing import BaseRoute, Host, Mount, Route, WebSocketRoute
from resourceful.settings import Settings, SettingsError

#: The parameters a websocket resource's hooks are handed rather than injected.
_WEBSOCKET_HOOKS = {"on_connect": (), "on_receive": ("data",), "on_disconnect": ("close_code",)}
_SOURCE_NAMES = {
    Source.CONNECTION: "connection",
    Source.PROVIDED: "provider",
    Source.DEFAULT: "default",
    Source.GIVEN: "given",
}


class AppNotFound(Exception):
    """The APP argument does not name an importable ASGI app."""


def load_app(target: str, *, factory: bool = False) -> Any:
    """The ASGI app ``module:attribute`` names (called first when it is a ``factory``).

    The current directory is searched first, as uvicorn does.

    Raises:
        AppNotFound: saying what is wrong with ``target`` and how to write it.
    """
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        msg = f"{target!r} is no app path: write it as module:attribute, such as notes:app."
        raise AppNotFound(msg)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        found: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if module_name == missing or module_name.startswith(missing + "."):
            msg = f"Cannot import the module {module_name!r}: no such module."
        else:
            msg = f"Importing {module_name!r} failed: {exc}."
        raise AppNotFound(msg) from None
    except Exception as exc:  # the module's own code failed: say how
        msg = f"Importing {module_name!r} failed: {type(exc).__name__}: {exc}"
        raise AppNotFound(msg) from exc
    for part in attribute.split("."):
        if not hasattr(found, part):
            msg = f"The module {module_name!r} has no attribute {attribute!r}."
            raise AppNotFound(msg)
        found = getattr(found, part)
    if factory:
        if not callable(found):
            msg = f"{target} is no factory: it cannot be called (drop --factory)."
            raise AppNotFound(msg)
        found = found()
    if not callable(found):
        hint = "" if factory else " (is it a factory? add --factory)"
        msg = f"{target} is {type(found).__name__}, not an ASGI app{hint}."
        raise AppNotFound(msg)
    return found


def _resourceful_app(target: str, factory: bool) -> App:
    app = load_app(target, factory=factory)
    if not isinstance(app, App):
        msg = f"{target} is an ASGI app but not a resourceful App: this command reads an App."
        raise AppNotFound(msg)
    return app


def route_rows(app: App) -> list[tuple[str, str, str, str, str]]:
    """``(methods, path, name, endpoint, parameters)`` for every route of ``app``."""
    if app.middleware_stack is None:
        app.middleware_stack = app.build_middleware_stack()
    return list(_rows(app.routes, "", app, app.container, frozenset()))


def _rows(
    routes: Sequence[BaseRoute],
    prefix: str,
    app: App,
    container: Container,
    outer: frozenset[str],
) -> Iterator[tuple[str, str, str, str, str]]:
    for route in routes:
        if isinstance(route, Route | WebSocketRoute):
            path = prefix + route.path_format
            params = outer | route.compiled.convertors.keys()
            layer = app.container_of(route, container)
            for methods, endpoint, plans, where in _endpoint_plans(app, route, layer, params):
                yield methods, path, route.name, endpoint, _parameters(plans, where)
        elif isinstance(route, Mount | Host):
            mounted = route.app if isinstance(route, Host) else route.base_app
            if isinstance(mounted, App):
                inner_app, inner_container = mounted, mounted.container
            else:
                inner_app, inner_container = app, app.container_of(route)
            if isinstance(route, Host):
                yield from _rows(route.routes, prefix, inner_app, inner_container, outer)
                continue
            template = route.compiled.format.removesuffix("/{path}")
            if route.routes:
                inner = outer | (route.compiled.convertors.keys() - {"path"})
                yield from _rows(route.routes, prefix + template, inner_app, inner_container, inner)
            else:
                yield "MOUNT", prefix + template, route.name or "", _name(mounted), ""
        else:  # a route class of the app's own: its path is its business
            yield "?", "", "", type(route).__qualname__, ""


def _endpoint_plans(
    app: App, route: Route | WebSocketRoute, container: Container, params: frozenset[str]
) -> Iterator[tuple[str, str, list[EndpointPlan], Container]]:
    """Per method (or per websocket), its endpoint's name and plans, and their container."""
    endpoint = route.endpoint
    if isinstance(route, WebSocketRoute):
        if _is_resource(endpoint) and issubclass(endpoint, WebSocketResource):
            plans = [
                plan_endpoint(
                    getattr(endpoint, hook),
                    container,
                    protocol="websocket",
                    path_params=params,
                    given=given,
                    skip_first=True,
                )
                for hook, given in _WEBSOCKET_HOOKS.items()
                if callable(getattr(endpoint, hook, None))
            ]
            yield "WS", _name(endpoint), plans, container
        else:
            plans = _function_plan(route, container, "websocket", params)
            yield "WS", _name(endpoint), plans, container
        return
    if _is_resource(endpoint) and issubclass(endpoint, HTTPResource):
        for verb in HTTP_VERBS:
            handler = getattr(endpoint, verb, None)
            if callable(handler):
                own = app.container_of((route, verb), container)
                plan = plan_endpoint(
                    handler, own, protocol="http", path_params=params, skip_first=True
                )
                yield verb.upper(), f"{_name(endpoint)}.{verb}", [plan], own
        return
    methods = ", ".join(sorted((route.methods or set()) - {"HEAD"})) or "ANY"
    yield methods, _name(endpoint), _function_plan(route, container, "http", params), container


def _function_plan(
    route: Route | WebSocketRoute,
    container: Container,
    protocol: Protocol,
    params: frozenset[str],
) -> list[EndpointPlan]:
    if not route.is_function_endpoint:
        return []  # an ASGI app: nothing is injected into it
    return [plan_endpoint(route.endpoint, container, protocol=protocol, path_params=params)]


def _parameters(plans: list[EndpointPlan], container: Container) -> str:
    shown = []
    for plan in plans:
        for parameter in plan.parameters:
            if parameter.name == CONNECTION:
                continue  # added by requires() to check the connection, not the user's
            source = _SOURCE_NAMES.get(parameter.source, parameter.source.value)
            if parameter.source is Source.PROVIDED:
                source = f"provider {describe(parameter.key)}"
                where = container.where_provided(parameter.key)
                if where is not None:
                    source += f" ({where})"
            text = f"{parameter.name}: {source}"
            if text not in shown:
                shown.append(text)
    return ", ".join(shown)


def _name(endpoint: Any) -> str:
    name = getattr(endpoint, "__qualname__", None)
    return str(name) if name is not None else type(endpoint).__qualname__


def _table(rows: list[tuple[str, str, str, str, str]]) -> str:
    header = ("METHODS", "PATH", "NAME", "ENDPOINT", "PARAMETERS")
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    )


def check(app: App) -> list[str]:
    """Build ``app`` (every endpoint planned) and load the Settings it uses.

    Returns:
        What was checked, a line each.

    Raises:
        DependencyError: an endpoint or provider cannot be injected.
        SettingsError: settings are missing or invalid.
    """
    if app.middleware_stack is None:
        app.middleware_stack = app.build_middleware_stack()
    done = [f"{len(route_rows(app))} routes read, their endpoints planned"]
    containers = [app.container]
    for container in containers:  # the app's, then every layer's
        containers.extend(container.layers)
        for key in container.provided():
            if isinstance(key, type) and issubclass(key, Settings) and key is not Settings:
                key.load()
                done.append(f"{key.__qualname__} loaded")
    return done


def _run(args: argparse.Namespace) -> int:
    load_app(args.app, factory=args.factory)  # a clear error now, not in a worker
    if args.server == "uvicorn":
        uvicorn = _import("uvicorn", "server")
        uvicorn.run(
            args.app,
            factory=args.factory,
            host=args.host,
            port=args.port,
            reload=args.reload,
            workers=args.workers,
            root_path=args.root_path,
            proxy_headers=args.proxy_headers,
            forwarded_allow_ips=args.forwarded_allow_ips,
        )
        return 0
    if args.server == "hypercorn":
        return _run_hypercorn(args)
    return _run_granian(args)


def _run_hypercorn(args: argparse.Namespace) -> int:
    _import("hypercorn", "hypercorn")
    from hypercorn.config import Config
    from hypercorn.run import run

    config = Config()
    config.application_path = args.app
    config.bind = [f"{args.host}:{args.port}"]
    config.use_reloader = args.reload
    config.workers = args.workers or 1
    config.root_path = args.root_path
    if args.factory:
        config.application_path = f"{args.app}()"
    return int(run(config) or 0)


def _run_granian(args: argparse.Namespace) -> int:
    granian = _import("granian", "granian")
    server = granian.Granian(
        args.app,
        address=args.host,
        port=args.port,
        interface="asgi",
        workers=args.workers or 1,
        reload=args.reload,
        factory=args.factory,
    )
    server.serve()
    return 0


def _import(name: str, extra: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        _fail(f"{name!r} is not installed: pip install 'resourceful-asgi[{extra}]'")


def _fail(message: str, code: int = 2) -> NoReturn:
    print(f"resourceful: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def parser() -> argparse.ArgumentParser:
    """The command line's parser: ``run``, ``routes``, ``check`` and ``openapi``."""
    top = argparse.ArgumentParser(
        prog="resourceful", description="Serve and inspect resourceful apps."
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        found = commands.add_parser(name, help=text, description=text)
        found.add_argument("app", metavar="APP", help="the app, as module:attribute")
        found.add_argument(
            "--factory", action="store_true", help="APP is a function that makes the app"
        )
        return found

    run = command("run", "Serve the app.")
    run.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    run.add_argument("--port", type=int, default=8000, help="the port to listen on")
    run.add_argument("--reload", action="store_true", help="restart when a file changes")
    run.add_argument("--workers", type=int, default=None, help="worker processes")
    run.add_argument("--root-path", default="", help="the path the app is served under")
    run.add_argument(
        "--no-proxy-headers",
        dest="proxy_headers",
        action="store_false",
        help="ignore X-Forwarded-For and X-Forwarded-Proto",
    )
    run.add_argument(
        "--forwarded-allow-ips",
        default=None,
        help="the proxies whose forwarded headers are trusted (127.0.0.1 by default, * for any)",
    )
    run.add_argument(
        "--server",
        choices=["uvicorn", "hypercorn", "granian"],
        default="uvicorn",
        help="the ASGI server (uvicorn by default)",
    )
    command("routes", "List every route with its endpoint and injected parameters.")
    command("check", "Plan every endpoint and load the settings; exit 1 on a problem.")
    openapi = command("openapi", "Print the app's OpenAPI document.")
    openapi.add_argument("--yaml", action="store_true", help="YAML instead of JSON")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        app = _resourceful_app(args.app, args.factory)
        if args.command == "routes":
            print(_table(route_rows(app)))
        elif args.command == "check":
            for line in check(app):
                print(f"ok: {line}")
        else:
            print(_openapi(app, args.yaml))
    except AppNotFound as exc:
        _fail(str(exc))
    except (DependencyError, SettingsError) as exc:
        _fail(str(exc), code=1)
    return 0


def _openapi(app: App, as_yaml: bool) -> str:
    from resourceful.openapi import OpenAPI

    found = app.openapi if isinstance(app.openapi, OpenAPI) else OpenAPI()
    document = found.document(app)
    if as_yaml:
        text: str = _import("yaml", "yaml").safe_dump(document, sort_keys=False)
        return text.rstrip("\n")
    return json.dumps(document, indent=2, ensure_ascii=False)


def main_exit() -> NoReturn:
    """The ``resourceful`` script: :func:`main`, its status as the process's exit status."""
    raise SystemExit(main())
