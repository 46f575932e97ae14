"""A request's injection context, and how values are made in it: per key a resolver, and
the makers behind it by scope and by kind of provider."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any, Protocol, TypeVar, cast

import anyio

from resourceful.concurrency import run_in_threadpool
from resourceful.di._providers import Kind, describe

T = TypeVar("T")

Factory = Callable[["InjectionContext"], Awaitable[Any]]
#: Gives the value of a key if it can be had without waiting, else ``ABSENT``; it makes a
#: value only when it can keep it (a request value) and awaits nothing.
AtHand = Callable[["InjectionContext"], Any]

#: In a context's cache: the value of this key is being made (``ABSENT``: no value yet).
MAKING: Any = object()
#: No value yet (in a cache), or none without waiting (from an ``at_hand`` function).
ABSENT: Any = object()


class Resolver:
    """How a context gets the value of one key, the one way anything resolves a value.

    ``at_hand(context)`` gives the value when that needs no waiting (a value made already,
    or a class made in one step), else ``ABSENT``, having awaited nothing; ``make(context)``
    makes it. The container keeps one resolver per key and updates it in place whenever it
    compiles (an override included), so a plan may hold on to it.
    """

    __slots__ = ("at_hand", "make")

    def __init__(self, make: Factory, at_hand: AtHand) -> None:
        self.make = make
        self.at_hand = at_hand

    async def resolve(self, context: InjectionContext) -> Any:
        """The value in ``context``: at hand if it is, else made."""
        value = self.at_hand(context)
        if value is ABSENT:
            value = await self.make(context)
        return value


class Resolvers(Protocol):
    """What a context needs of its container: the resolver of each key."""

    def resolver(self, key: Any) -> Resolver: ...


class InjectionContext:
    """The values of one request (or websocket connection), and what tears them down.

    Use it as an async context manager; on exit, teardowns run in reverse order of creation,
    and an exception from the block is thrown into generator providers at their ``yield``.
    """

    __slots__ = ("_stack", "_waiting", "cache", "container", "has_teardowns", "values")

    def __init__(
        self,
        container: Resolvers,
        values: dict[Any, Any] | None = None,
        *,
        teardowns: AsyncExitStack | None = None,
    ) -> None:
        self.container = container
        self.values: dict[Any, Any] = values if values is not None else {}
        self.cache: dict[Any, Any] = {}
        # Made by the first provider with a teardown, unless given (the app's own context).
        self._stack = teardowns
        #: Whether some value of this context has a teardown to run.
        self.has_teardowns = teardowns is not None
        self._waiting: dict[Any, anyio.Event] | None = None  # made by the first waiter

    @property
    def stack(self) -> AsyncExitStack:
        """The teardowns of this context, in the order they were added."""
        if self._stack is None:
            self._stack = AsyncExitStack()
            self.has_teardowns = True
        return self._stack

    def made(self, key: Any) -> anyio.Event:
        """The event set once the value of ``key``, being made by another task, is made."""
        if self._waiting is None:
            self._waiting = {}
        event = self._waiting.get(key)
        if event is None:
            event = self._waiting[key] = anyio.Event()
        return event

    def wake(self, key: Any) -> None:
        """Tell the tasks waiting for the value of ``key`` that its making ended."""
        if self._waiting is not None:
            event = self._waiting.pop(key, None)
            if event is not None:
                event.set()

    async def get(self, key: type[T]) -> T:
        """The value of ``key`` in this context, made by its provider if needed."""
        resolver = self.container.resolver(key)
        value = resolver.at_hand(self)
        if value is ABSENT:
            value = await resolver.make(self)
        return cast(T, value)

    async def close(self, exc: BaseException | None = None) -> None:
        """Run the teardowns; ``exc`` is thrown into generator providers at ``yield``."""
        if self._stack is None:
            return
        if exc is None:
            await self._stack.aclose()
        else:
            await self._stack.__aexit__(type(exc), exc, exc.__traceback__)

    async def __aenter__(self) -> InjectionContext:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close(exc)


class Arguments:
    """A provider's keyword arguments: each a resolver's value, or a default when nothing
    provides its type."""

    __slots__ = ("params",)

    def __init__(self, params: list[tuple[str, Resolver | None, Any]]) -> None:
        self.params = params

    def at_hand(self, context: InjectionContext) -> dict[str, Any] | None:
        """Every argument, if each is at hand; else None."""
        kwargs = {}
        for name, resolver, default in self.params:
            value = kwargs[name] = default if resolver is None else resolver.at_hand(context)
            if value is ABSENT:
                return None
        return kwargs

    async def resolve(self, context: InjectionContext) -> dict[str, Any]:
        """Every argument, those not at hand made."""
        return {
            name: default if resolver is None else await resolver.resolve(context)
            for name, resolver, default in self.params
        }


def request_scoped(key: Any, make: Factory, make_now: AtHand) -> tuple[Factory, AtHand]:
    """Make ``key``'s value once per request, in the context's cache."""

    async def make_for_request(context: InjectionContext) -> Any:
        cache = context.cache
        value = cache.get(key, ABSENT)
        while value is MAKING:
            # Another task of this request (a resolver, say) is making it: wait, then take it,
            # or make it here if that failed.
            await context.made(key).wait()
            value = cache.get(key, ABSENT)
        if value is not ABSENT:
            return value
        cache[key] = MAKING
        try:
            value = cache[key] = await make(context)
        except BaseException:
            del cache[key]
            raise
        finally:
            context.wake(key)
        return value

    makes_at_once = make_now is not never_at_hand

    def request_at_hand(context: InjectionContext) -> Any:
        cache = context.cache
        value = cache.get(key, ABSENT)
        if value is MAKING:
            return ABSENT
        if value is ABSENT and makes_at_once:
            # Made in one step, so no other task can see it half made.
            value = make_now(context)
            if value is not ABSENT:
                cache[key] = value
        return value

    return make_for_request, request_at_hand


def awaited_maker(obj: Any, kind: Kind, arguments: Arguments) -> Factory:
    """Make the value of a function or generator provider, awaiting its arguments."""
    if kind is Kind.ASYNC_FUNCTION:

        async def call_async(context: InjectionContext) -> Any:
            return await obj(**await arguments.resolve(context))

        return call_async
    if kind is Kind.ASYNC_GENERATOR:
        manager = contextlib.asynccontextmanager(obj)

        async def enter_async(context: InjectionContext) -> Any:
            return await context.stack.enter_async_context(
                manager(**await arguments.resolve(context))
            )

        return enter_async
    if kind is Kind.GENERATOR:

        async def enter_sync(context: InjectionContext) -> Any:
            generator = obj(**await arguments.resolve(context))
            value = await run_in_threadpool(next, generator)
            context.stack.push_async_exit(_SyncGeneratorExit(generator))
            return value

        return enter_sync

    async def call_sync(context: InjectionContext) -> Any:
        kwargs = await arguments.resolve(context)
        return await run_in_threadpool(lambda: obj(**kwargs))

    return call_sync


def no_provider(key: Any) -> Factory:
    """The maker of a key nothing provides: it says so."""

    async def refuse(context: InjectionContext) -> Any:
        msg = (
            f"No provider for {describe(key)}: register one (App(providers=[...])) before "
            "the app starts."
        )
        raise LookupError(msg)

    return refuse


def context_at_hand(key: Any) -> AtHand:
    def from_context(context: InjectionContext) -> Any:
        return context.values.get(key, ABSENT)

    return from_context


def never_at_hand(context: InjectionContext) -> Any:
    return ABSENT


class _SyncGeneratorExit:
    """Finishes a sync generator provider in a worker thread, throwing in the error if any."""

    def __init__(self, generator: Iterator[Any]) -> None:
        self.generator = generator

    async def __call__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if exc is None:
            await run_in_threadpool(_finish, self.generator)
            return False
        await run_in_threadpool(_throw, self.generator, exc)
        return False


def _finish(generator: Iterator[Any]) -> None:
    try:
        next(generator)
    except StopIteration:
        return
    msg = f"The generator provider {generator!r} yielded more than once."
    raise RuntimeError(msg)


def _throw(generator: Any, exc: BaseException) -> None:
    try:
        generator.throw(exc)
    except StopIteration:
        return
    except BaseException as raised:
        if raised is exc:
            return
        raise
    msg = f"The generator provider {generator!r} yielded more than once."
    raise RuntimeError(msg)
