"""The container: providers by type, validated and compiled once, resolved per request."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any, TypeVar, overload

import anyio

from resourceful.di._context import (
    ABSENT,
    Arguments,
    AtHand,
    Factory,
    InjectionContext,
    Resolver,
    awaited_maker,
    context_at_hand,
    never_at_hand,
    no_provider,
    request_scoped,
)
from resourceful.di._providers import Kind, Provider, ScopeName, describe

T = TypeVar("T")
_SCOPE_RANK = {"app": 0, "request": 1, "transient": 2}


class DependencyError(Exception):
    """A dependency that cannot be provided, found when the app is built.

    Attributes:
        key: the type that was asked for.
        path: who asked for it, outermost first (``("NoteResource.get", "NoteStore")``).
        hint: how to fix it.
    """

    def __init__(self, problem: str, *, key: Any, path: tuple[str, ...], hint: str) -> None:
        self.key = key
        self.path = path
        self.hint = hint
        chain = " -> ".join(path)
        super().__init__(f"{problem}\n  Needed by: {chain}\n  Hint: {hint}")


class Container:
    """Holds the providers of an application and makes their values.

    Register providers, then :meth:`compile` (the app does it when it is built): every
    dependency is checked then, so a missing provider, a cycle or an app-scoped provider that
    needs a request-scoped one is an error at startup, not on the first request.

    A container made with a ``parent`` is a layer of it (the app makes one per mount): it
    makes the values of its own providers and takes every other value from the parent. A
    provider's own dependencies resolve in the layer that declares it. A container compiles,
    starts and closes its layers with itself, and its :meth:`override` reaches them.

    Args:
        parent: the container this one is a layer of.
        where: where its providers are declared, for messages (``"Mount('/api')"``).
    """

    def __init__(self, parent: Container | None = None, *, where: str = "the app") -> None:
        self.parent = parent
        #: Where this container's providers are declared, outermost layer first.
        self.where = where
        if parent is not None and parent.parent is not None:
            self.where = f"{parent.where} > {where}"
        #: The containers made with this one as their parent, in the order they were made.
        self.layers: list[Container] = []
        if parent is not None:
            parent.layers.append(self)
        self._providers: dict[Any, Provider] = {}
        self._context_types: dict[Any, str] = {}
        #: Per key, how to resolve it: most requests find or make every value at hand,
        #: without a coroutine per provider.
        self._resolvers: dict[Any, Resolver] = {}
        # Keys overridden here, each with how many of its overrides are open.
        self._overridden: dict[Any, int] = {}
        self._app_values: dict[Any, Any] = {}
        # The app-scoped values being made, each with the event its other askers wait on. An
        # event lives only while its value is made: the app may run in several event loops
        # in turn (a test client per test), and an event belongs to one.
        self._app_making: dict[Any, anyio.Event] = {}
        self._app_stack = AsyncExitStack()
        self._compiled = False
        self._unavailable: dict[Any, tuple[str, str]] = {}
        self._rules: list[tuple[Callable[[Any], bool], Callable[[Any], Provider]]] = []

    @property
    def _root(self) -> Container:
        return self if self.parent is None else self.parent._root

    @property
    def unavailable(self) -> dict[Any, tuple[str, str]]:
        """Types this app cannot provide, with why and how to fix it; endpoints that need
        them, directly or through providers, fail at startup (a layer shares its app's)."""
        return self._root._unavailable

    @unavailable.setter
    def unavailable(self, value: dict[Any, tuple[str, str]]) -> None:
        self._root._unavailable = value

    def register(
        self, provider: Any, *, scope: ScopeName | None = None, provides: Any = None
    ) -> Provider:
        """Register a class, function, generator or value (or a :class:`Provider`)."""
        entry = (
            provider
            if isinstance(provider, Provider)
            else Provider(provider, scope=scope, provides=provides)
        )
        self._providers[entry.provides] = entry
        self._compiled = False
        return entry

    def add_context_type(self, key: Any, description: str) -> None:
        """Declare a type whose value the framework puts in each context (``Request``...)."""
        self._root._context_types[key] = description
        self._compiled = False

    def add_rule(
        self, matches: Callable[[Any], bool], make_provider: Callable[[Any], Provider]
    ) -> None:
        """Provide every type ``matches`` accepts with ``make_provider(type)``, when asked for.

        The app uses it so that any ``Settings`` subclass is injectable without registering.
        """
        self._root._rules.append((matches, make_provider))

    def has(self, key: Any) -> bool:
        """Whether ``key`` can be injected: a provider, a context type or a rule covers it."""
        root = self._root
        return self._find(key) is not None or key in root._context_types or root._from_rule(key)

    def provided(self) -> list[Any]:
        """The key of every provider registered here (those rules added included)."""
        return list(self._providers)

    def where_provided(self, key: Any) -> str | None:
        """Where the provider ``key`` resolves to is declared (``"the app"``, a mount), or
        None for the framework's own values and types nothing provides."""
        found = self._find(key)
        return None if found is None else found[1].where

    def _find(self, key: Any) -> tuple[Provider, Container] | None:
        """The provider of ``key`` and the layer declaring it, the nearest layer first."""
        layer: Container | None = self
        while layer is not None:
            provider = layer._providers.get(key)
            if provider is not None:
                return provider, layer
            layer = layer.parent
        return None

    def _is_context_type(self, key: Any) -> bool:
        return key in self._root._context_types

    def _covers(self, key: Any) -> bool:
        return self._find(key) is not None or self._is_context_type(key)

    def _from_rule(self, key: Any) -> bool:
        for matches, make_provider in self._rules:
            if matches(key):
                provider = make_provider(key)
                if self._compiled:  # asked for by a layer: compile it where it lives
                    self._providers[key] = provider
                    self._compile_provider(key, provider)
                else:
                    self.register(provider)
                return True
        return False

    def out_of_reach(self, key: Any) -> str:
        """A sentence saying which layers provide ``key`` out of this one's reach ("" if
        none do): asked when this container cannot provide it."""
        places = [layer.where for layer in self._root._descendants() if key in layer._providers]
        if not places:
            return ""
        return (
            f" It is provided only under {' and '.join(places)}, and {self.where} is not "
            "under it: move the provider out to a layer both are under, or the route in."
        )

    def _descendants(self) -> Iterator[Container]:
        for layer in self.layers:
            yield layer
            yield from layer._descendants()

    def compile(self) -> None:
        """Check every provider's dependencies and build the factories that make values,
        here and in the layers."""
        if self.parent is not None and not self.parent._compiled:
            self.parent.compile()  # which compiles this layer too
            return
        for key in self._resolvers.keys() - self._providers.keys() - self._context_types.keys():
            # Provided no more here (an override's type, after its block): say so again, or
            # take the parent's value.
            self._delegate(key)
        for key in self._context_types:
            self._set_resolver(key, self._context_factory(key), context_at_hand(key))
        done: set[Any] = set()
        pending = list(self._providers.items())
        while pending:  # checking may add providers through rules
            for key, provider in pending:
                self._compile_provider(key, provider)
                done.add(key)
            pending = [(k, p) for k, p in self._providers.items() if k not in done]
        self._compiled = True
        for layer in self.layers:
            layer.compile()

    def _compile_provider(self, key: Any, provider: Provider) -> None:
        self._check(provider, (provider.name,), {key})
        if self._overridden_above(key):
            self._delegate(key)
        else:
            self._set_resolver(key, *self._factory(provider))

    def _overridden_above(self, key: Any) -> bool:
        parent = self.parent
        while parent is not None:
            if parent._overridden.get(key):
                return True
            parent = parent.parent
        return False

    def _delegate(self, key: Any) -> None:
        """Resolve ``key`` as the parent does (a layer), or say nothing provides it."""
        if self.parent is not None and self.parent._find(key) is not None:
            outer = self.parent._slot(key)
            self._set_resolver(key, outer.make, outer.at_hand)
        else:
            self._set_resolver(key, no_provider(key), never_at_hand)

    def resolver(self, key: Any) -> Resolver:
        """How contexts of this container resolve ``key`` (compiling first if needed)."""
        if not self._compiled:
            self.compile()
        return self._slot(key)

    def _slot(self, key: Any) -> Resolver:
        if key not in self._resolvers and self.parent is not None and key not in self._providers:
            return self.parent._slot(key)  # the very resolver of the layer that provides it
        # Asked for before the compile covers it (a dependency of a provider being
        # compiled): the compile fills it in.
        found = self._resolvers.get(key)
        if found is None:
            found = self._resolvers[key] = Resolver(no_provider(key), never_at_hand)
        return found

    def _set_resolver(self, key: Any, make: Factory, at_hand: AtHand) -> None:
        found = self._slot(key)
        found.make, found.at_hand = make, at_hand

    def check_dependency(self, key: Any, path: tuple[str, ...], hint: str) -> None:
        """Raise :class:`DependencyError` unless ``key`` can be injected."""
        if not self.has(key):
            raise DependencyError(
                f"No provider for {describe(key)}.", key=key, path=(*path, describe(key)), hint=hint
            )

    def path_to(self, key: Any, target: Any) -> tuple[str, ...] | None:
        """The chain of dependencies from ``key``'s provider to ``target``, if it needs it."""
        found = self._find(key)
        if found is None:
            return None
        provider, owner = found
        for dependency in provider.dependencies:
            step = f"{dependency.name}: {describe(dependency.key)}"
            if dependency.key is target:
                return (provider.name, step)
            rest = owner.path_to(dependency.key, target)
            if rest is not None:
                return (provider.name, step, *rest)
        return None

    def _check(self, provider: Provider, path: tuple[str, ...], seen: set[Any]) -> None:
        for dependency in provider.dependencies:
            key = dependency.key
            where = (*path, f"{dependency.name}: {describe(key)}")
            if key in seen:
                raise DependencyError(
                    f"Dependency cycle: {describe(key)} needs itself.",
                    key=key,
                    path=where,
                    hint="break the cycle, for instance by passing one value to the other "
                    "after both are made.",
                )
            if self._is_context_type(key):
                if provider.scope == "app":
                    raise self._scope_error(provider, key, "request", where)
                continue
            found = self._find(key)
            if found is None and self._root._from_rule(key):
                found = self._find(key)
            if found is None:
                if dependency.has_default:
                    continue
                raise DependencyError(
                    f"No provider for {describe(key)}, needed by {provider.name}"
                    f"{'' if self.parent is None else f' (under {self.where})'}."
                    f"{self.out_of_reach(key)}",
                    key=key,
                    path=where,
                    hint=f"register one: App(providers=[...{describe(key)}...]), or give "
                    f"the parameter {dependency.name!r} a default.",
                )
            inner, owner = found
            if _SCOPE_RANK[inner.scope] > _SCOPE_RANK[provider.scope]:
                raise self._scope_error(provider, key, inner.scope, where)
            if owner is self:  # an outer layer checked its own
                self._check(inner, (*where, inner.name), seen | {key})

    def _scope_error(
        self, provider: Provider, key: Any, scope: str, path: tuple[str, ...]
    ) -> DependencyError:
        return DependencyError(
            f"The {provider.scope}-scoped {provider.name} needs {describe(key)}, which lives "
            f"only for one {'use' if scope == 'transient' else 'request'} ({scope} scope).",
            key=key,
            path=path,
            hint=f"make {provider.name} {scope}-scoped, or {describe(key)} longer-lived.",
        )

    def _context_factory(self, key: Any) -> Factory:
        description = self._context_types[key]

        async def from_context(context: InjectionContext) -> Any:
            try:
                return context.values[key]
            except KeyError:
                msg = f"{describe(key)} is not available here: {description}."
                raise LookupError(msg) from None

        return from_context

    def _factory(self, provider: Provider) -> tuple[Factory, AtHand]:
        make, make_now = self._maker(provider)
        if provider.scope == "transient":
            # Never at hand: one made while its dependant's other arguments turned out not
            # to be would be thrown away, and made again.
            return make, never_at_hand
        if provider.scope == "request":
            return request_scoped(self._cache_key(provider.provides), make, make_now)
        return self._app_scoped(provider.provides, make)

    def _cache_key(self, key: Any) -> Any:
        """The key of a request's value in its context's cache: the type, or, in a layer,
        a key of the layer's own, since the same request may need an outer layer's value
        of the type too."""
        return key if self.parent is None else object()

    def _app_scoped(self, key: Any, make: Factory) -> tuple[Factory, AtHand]:
        """Make ``key``'s value once for the app; every request takes it at hand after."""
        values = self._app_values

        async def app_scoped(context: InjectionContext) -> Any:
            while key not in values:
                making = self._app_making.get(key)
                if making is None:
                    making = self._app_making[key] = anyio.Event()
                    try:
                        values[key] = await make(self._app_context)
                    finally:
                        del self._app_making[key]
                        making.set()
                else:  # another task is making it: wait, then take it (or make it, if it failed)
                    await making.wait()
            return values[key]

        def app_at_hand(context: InjectionContext) -> Any:
            return values.get(key, ABSENT)

        return app_scoped, app_at_hand

    @property
    def _app_context(self) -> InjectionContext:
        # App-scoped values are made in a context whose teardowns run at shutdown.
        return InjectionContext(self, teardowns=self._app_stack)

    def _maker(self, provider: Provider) -> tuple[Factory, AtHand]:
        """How to make ``provider``'s value: a coroutine function, and a plain one that makes
        it when that needs no waiting (or gives ``ABSENT``, having made nothing)."""
        obj, kind = provider.obj, provider.kind
        if kind is Kind.VALUE:  # always app-scoped: at hand as an app value, once made

            async def value(context: InjectionContext) -> Any:
                return obj

            return value, never_at_hand
        # A dependency nothing provides takes its default (the check let only those through).
        arguments = Arguments(
            [
                (d.name, self._slot(d.key) if self._covers(d.key) else None, d.default)
                for d in provider.dependencies
            ]
        )
        if kind is not Kind.CLASS:
            return awaited_maker(obj, kind, arguments), never_at_hand
        # Constructors run on the event loop: they should only store what they are given.

        async def construct(context: InjectionContext) -> Any:
            return obj(**await arguments.resolve(context))

        gather = arguments.at_hand

        def construct_at_hand(context: InjectionContext) -> Any:
            kwargs = gather(context)
            return ABSENT if kwargs is None else obj(**kwargs)

        # One that needs a value only a coroutine makes (a generator's, say) is not tried at
        # hand on every request, to no avail.
        may_be_at_hand = self._made_at_once(provider)
        return construct, construct_at_hand if may_be_at_hand else never_at_hand

    def _made_at_once(self, provider: Provider) -> bool:
        """Whether ``provider``'s value can be made without waiting once the app's values
        are: a class whose dependencies are all framework values, app values, defaults or
        such classes of the request (a transient is never made at hand)."""
        for dependency in provider.dependencies:
            found = self._find(dependency.key)
            if found is None or found[0].scope == "app":
                continue
            inner, owner = found
            if inner.scope != "request" or inner.kind is not Kind.CLASS:
                return False
            if not owner._made_at_once(inner):
                return False
        return True

    async def startup(self) -> None:
        """Make every app-scoped value now, so a failing one stops the app at startup: this
        container's first, then its layers', in the order the layers were made.

        When one fails, the values made before it are torn down before the error goes on.
        """
        if not self._compiled:
            self.compile()
        context = self._app_context
        try:
            for key, provider in self._providers.items():
                if provider.scope == "app" and not self._overridden_above(key):
                    await self._resolvers[key].make(context)
            for layer in self.layers:
                await layer.startup()
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self.aclose()
            raise

    async def aclose(self) -> None:
        """Tear the app-scoped values down, in reverse order of creation: the layers' first,
        the last made first, then this container's."""
        try:
            for layer in reversed(self.layers):
                await layer.aclose()
        finally:
            try:
                await self._app_stack.aclose()
            finally:
                self._app_values.clear()
                self._app_stack = AsyncExitStack()

    def context(self, values: dict[Any, Any] | None = None) -> InjectionContext:
        """A new context for one request, seeded with the framework's ``values``."""
        if not self._compiled:
            self.compile()
        return InjectionContext(self, values)

    @overload
    async def resolve(self, key: type[T], context: InjectionContext | None = None) -> T: ...
    @overload
    async def resolve(self, key: Any, context: InjectionContext | None = None) -> Any: ...
    async def resolve(self, key: Any, context: InjectionContext | None = None) -> Any:
        """The value of ``key``; app-scoped when no ``context`` is given."""
        return await self.resolver(key).make(context if context is not None else self._app_context)

    @contextlib.contextmanager
    def override(
        self, key: Any, replacement: Any, *, scope: ScopeName | None = None
    ) -> Iterator[None]:
        """Provide ``replacement`` (a value, class or function) for ``key`` inside the block,
        here and in every layer below that provides it too."""
        previous = self._providers.get(key)
        previous_value = self._app_values.pop(key, _MISSING)
        self.register(Provider(replacement, scope=scope, provides=key))
        self._overridden[key] = self._overridden.get(key, 0) + 1
        self.compile()
        try:
            yield
        finally:
            if previous is None:
                del self._providers[key]
            else:
                self._providers[key] = previous
            self._overridden[key] -= 1
            self._app_values.pop(key, None)
            if previous_value is not _MISSING:
                self._app_values[key] = previous_value
            self.compile()


_MISSING = object()
