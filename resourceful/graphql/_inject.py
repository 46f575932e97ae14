"""Injection into resolvers: a resolver's parameters that are no arguments of its field are
provided by type, from the app's container, once per operation."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema

from resourceful.di import Container, DependencyError, InjectionContext

#: The injection context of the operation being executed (None outside an App).
OPERATION: ContextVar[InjectionContext | None] = ContextVar("graphql_operation", default=None)

Resolver = Callable[..., Any]


def _injected_keys(
    resolve: Resolver, arguments: set[str], container: Container, owner: str
) -> dict[str, Any]:
    """The parameters of ``resolve`` to inject, by name, with the type each one asks for."""
    parameters = list(inspect.signature(resolve).parameters.values())[2:]  # after root, info
    wanted = [
        parameter
        for parameter in parameters
        if parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        and parameter.name not in arguments
    ]
    if not wanted:
        return {}
    try:
        hints = typing.get_type_hints(resolve)
    except NameError as exc:
        msg = (
            f"{owner}: the annotation {exc.name!r} cannot be resolved. Define the types a "
            "resolver asks for at module level, where resourceful can import them."
        )
        raise TypeError(msg) from None
    keys: dict[str, Any] = {}
    for parameter in wanted:
        key = hints.get(parameter.name)
        if key is None or not container.has(key):
            shown = "no annotation" if key is None else getattr(key, "__qualname__", repr(key))
            raise DependencyError(
                f"{owner}: the parameter {parameter.name!r} ({shown}) is no argument of the "
                "field, and nothing provides it.",
                key=key,
                path=(owner, parameter.name),
                hint="register a provider for its type, or declare it as an argument in the "
                "schema.",
            )
        keys[parameter.name] = key
    return keys


def _with_injection(resolve: Resolver, keys: dict[str, Any]) -> Resolver:
    """``resolve``, given the provided values of ``keys`` from the operation's context."""

    async def call(context: InjectionContext, root: Any, info: Any, args: dict[str, Any]) -> Any:
        for name, key in keys.items():
            args[name] = await context.get(key)
        result = resolve(root, info, **args)
        if inspect.isawaitable(result):
            result = await result
        return result

    def injected(root: Any, info: Any, **args: Any) -> Awaitable[Any]:
        context = OPERATION.get()  # read here, in the caller's context, not when awaited
        if context is None:
            msg = f"{resolve.__qualname__} takes injected values: serve its schema from an App."
            raise RuntimeError(msg)
        return call(context, root, info, args)

    injected._resourceful_injected = True  # type: ignore[attr-defined]
    return injected


def inject_resolvers(schema: GraphQLSchema, container: Container) -> None:
    """Give every resolver of ``schema`` that asks for provided values those values.

    Raises:
        DependencyError: a resolver asks for something nothing provides (at startup).
    """
    for kind in schema.type_map.values():
        if not isinstance(kind, GraphQLObjectType) or kind.name.startswith("__"):
            continue
        for field_name, field in kind.fields.items():
            for role in ("resolve", "subscribe"):  # a subscription's source may ask too
                resolve = getattr(field, role)
                if resolve is None or getattr(resolve, "_resourceful_injected", False):
                    continue  # graphql-core's default resolver, or injected already
                name = getattr(resolve, "__qualname__", repr(resolve))
                owner = f"{kind.name}.{field_name} ({name})"
                keys = _injected_keys(resolve, set(field.args), container, owner)
                if keys:
                    setattr(field, role, _with_injection(resolve, keys))
