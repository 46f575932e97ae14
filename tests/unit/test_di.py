from __future__ import annotations

import functools
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, ClassVar

import anyio
import anyio.lowlevel
import attrs
import pytest

from resourceful.di import Container, DependencyError, InjectionContext, Provider, ScopeName
from resourceful.di._providers import describe
from resourceful.requests import Request

events: list[str] = []


@pytest.fixture(autouse=True)
def clear_events() -> None:
    events.clear()


class Settings:
    def __init__(self) -> None:
        self.url = "sqlite://"


class Database:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings


class Repository:
    def __init__(self, database: Database, label: str = "notes") -> None:
        self.database = database
        self.label = label


class Counter:
    made = 0

    def __init__(self) -> None:
        Counter.made += 1
        self.number = Counter.made


class Session:
    def __init__(self, name: str) -> None:
        self.name = name


def open_session() -> Iterator[Session]:
    session = Session("sync")
    events.append("open sync")
    try:
        yield session
    except ValueError as exc:
        events.append(f"rollback sync: {exc}")
        raise
    events.append("close sync")


async def open_async_session(database: Database) -> AsyncIterator[Session]:
    events.append("open async")
    try:
        yield Session("async")
    except ValueError as exc:
        events.append(f"rollback async: {exc}")
        raise
    finally:
        events.append("close async")


class Clock:
    def __init__(self, now: str) -> None:
        self.now = now


def make_clock() -> Clock:
    return Clock(f"thread {threading.get_ident()}")


async def make_async_clock(settings: Settings) -> Clock:
    return Clock(f"async {settings.url}")


def container_with(*providers: Any) -> Container:
    container = Container()
    for provider in providers:
        container.register(provider)
    container.compile()
    return container


async def test_constructor_injection_and_request_scope() -> None:
    container = container_with(
        Provider(Settings, scope="app"), Provider(Database, scope="app"), Repository
    )
    async with container.context() as first:
        repository = await first.get(Repository)
        assert repository.label == "notes", "a default is kept when nothing provides str"
        assert repository.database.settings.url == "sqlite://"
        assert await first.get(Repository) is repository
    async with container.context() as second:
        other = await second.get(Repository)
        assert other is not repository
        assert other.database is repository.database, "app-scoped values are shared"


async def test_asking_a_context_for_a_type_nothing_provides_names_the_fix() -> None:
    container = container_with(Settings)
    async with container.context() as context:
        with pytest.raises(LookupError, match=r"No provider for .*Database: register one"):
            await context.get(Database)
        assert (await context.get(Settings)).url == "sqlite://", "the context still works"


async def test_a_resolver_held_by_a_plan_follows_an_override() -> None:
    container = container_with(Provider(Settings, scope="app"))
    resolver = container.resolver(Settings)

    class Other(Settings):
        pass

    with container.override(Settings, Other):
        async with container.context() as context:
            assert type(await resolver.resolve(context)) is Other
    async with container.context() as context:
        assert type(await resolver.resolve(context)) is Settings


async def test_a_type_provided_only_by_an_override_is_unprovided_after_it() -> None:
    container = container_with(Settings)
    with container.override(Database, Database(Settings())):
        async with container.context() as context:
            assert isinstance(await context.get(Database), Database)
    async with container.context() as context:
        with pytest.raises(LookupError, match="No provider for .*Database"):
            await context.get(Database)


async def test_attrs_classes_are_providers() -> None:
    container = container_with(Settings, Database, Repository, Report)
    async with container.context() as context:
        report = await context.get(Report)
    assert (report.title, report.repository.label) == ("weekly", "notes")


def variadic(*args: int, settings: Settings, **kwargs: int) -> Clock:
    return Clock(f"{len(args)} {settings.url} {len(kwargs)}")


async def test_partials_and_variadic_parameters() -> None:
    container = container_with(Settings, Provider(functools.partial(variadic), provides=Clock))
    assert (await container.resolve(Clock, container.context())).now == "0 sqlite:// 0"


async def test_resolve_compiles_on_first_use() -> None:
    container = Container()
    container.register(Provider(Settings, scope="app"))
    assert isinstance(await container.resolve(Settings), Settings)
    compiled = container_with(Provider(Settings, scope="app"))
    await compiled.startup()
    assert Settings in compiled._app_values


async def test_transient_values_are_new_at_every_use() -> None:
    container = container_with(Provider(Counter, scope="transient"))
    async with container.context() as context:
        assert (await context.get(Counter)).number != (await context.get(Counter)).number


class Slow:
    pass


made: list[int] = []


class Fast:
    """A value made at once."""


async def make_fast() -> Fast:
    return Fast()


async def make_slow() -> Slow:
    made.append(1)
    await anyio.sleep(0.01)
    return Slow()


async def test_app_scoped_value_is_made_once_under_concurrency() -> None:
    made.clear()
    container = container_with(Provider(make_slow, scope="app", provides=Slow))
    results: list[Any] = []

    async def fetch() -> None:
        async with container.context() as context:
            results.append(await context.get(Slow))

    async with anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(fetch)
    assert len(made) == 1
    assert all(result is results[0] for result in results)


@pytest.mark.anyio
@pytest.mark.parametrize("scope", ["app", "request"])
async def test_when_making_a_value_fails_a_waiting_task_makes_it(scope: ScopeName) -> None:
    """Tasks of one request wait for the value another one is making; it fails once."""
    attempts: list[int] = []

    async def flaky() -> Slow:
        attempts.append(1)
        await anyio.sleep(0.01)
        if len(attempts) == 1:
            raise OSError("the first attempt failed")
        return Slow()

    container = container_with(Provider(flaky, scope=scope, provides=Slow))
    outcomes: list[Any] = []

    async with container.context() as context:

        async def fetch() -> None:
            try:
                outcomes.append(await context.get(Slow))
            except OSError as exc:
                outcomes.append(exc)

        async with anyio.create_task_group() as group:
            for _ in range(3):
                group.start_soon(fetch)
    assert len(attempts) == 2
    assert isinstance(outcomes[0], OSError)
    assert outcomes[1] is outcomes[2]
    assert isinstance(outcomes[1], Slow)


async def test_a_request_scoped_value_is_made_once_for_tasks_of_one_request() -> None:
    """Resolvers of one GraphQL operation ask for the same value at the same time."""
    made.clear()
    container = container_with(
        Provider(make_slow, scope="request", provides=Slow),
        Provider(make_fast, scope="request", provides=Fast),
    )
    results: list[Any] = []

    async with container.context() as context:

        async def fetch() -> None:
            results.append(await context.get(Slow))

        async with anyio.create_task_group() as group:
            for _ in range(4):
                group.start_soon(fetch)
        assert isinstance(await context.get(Fast), Fast)  # made later, with no one waiting
        async with container.context() as other:
            results.append(await other.get(Slow))
    assert len(made) == 2
    assert all(result is results[0] for result in results[:4])
    assert results[4] is not results[0]


class Built:
    """A class made on the event loop from what it is given; counts its makings."""

    made: ClassVar[list[Any]] = []

    def __init__(self, slow: Slow) -> None:
        Built.made.append(self)
        self.slow = slow


class Early:
    made: ClassVar[list[Any]] = []

    def __init__(self) -> None:
        Early.made.append(self)


class Pair:
    def __init__(self, early: Early, slow: Slow) -> None:
        self.early = early
        self.slow = slow


@pytest.mark.anyio
@pytest.mark.parametrize("scope", ["app", "request"])
async def test_a_class_waits_for_a_dependency_another_task_is_making(scope: ScopeName) -> None:
    """One task makes Slow (an async provider, not yet made); another asks for Built, which
    needs it: Built waits for that Slow instead of making its own."""
    made.clear()
    Built.made.clear()
    container = container_with(
        Provider(make_slow, scope=scope, provides=Slow), Provider(Built, scope="request")
    )
    async with container.context() as context:
        async with anyio.create_task_group() as group:
            group.start_soon(context.get, Slow)
            while not made:  # until Slow is being made
                await anyio.lowlevel.checkpoint()
            for _ in range(3):
                group.start_soon(context.get, Built)
        built = await context.get(Built)
        assert built.slow is await context.get(Slow)
    assert len(made) == 1
    assert Built.made == [built]


async def test_a_value_made_at_once_is_kept_when_its_dependant_must_wait() -> None:
    """Pair needs Early (made at once) and Slow (an app value not made yet, by an async
    provider): Early is made once, kept, and Pair waits for Slow."""
    made.clear()
    Early.made.clear()
    container = container_with(
        Provider(make_slow, scope="app", provides=Slow),
        Provider(Early, scope="request"),
        Provider(Pair, scope="request"),
    )
    async with container.context() as context:
        pair = await context.get(Pair)
        assert pair.slow is await context.get(Slow)
        assert await context.get(Pair) is pair
    assert len(made) == 1
    assert Early.made == [pair.early]


class Failing:
    attempts = 0

    def __init__(self, settings: Settings) -> None:
        Failing.attempts += 1
        raise ValueError(f"attempt {Failing.attempts}")


@pytest.mark.anyio
@pytest.mark.parametrize("settings_scope", ["app", "request"])
async def test_a_failed_constructor_is_not_remembered(settings_scope: ScopeName) -> None:
    Failing.attempts = 0
    container = container_with(
        Provider(Settings, scope=settings_scope), Provider(Failing, scope="request")
    )
    await container.startup()
    async with container.context() as context:
        with pytest.raises(ValueError, match="attempt 1"):
            await context.get(Failing)
        with pytest.raises(ValueError, match="attempt 2"):
            await context.get(Failing)
    await container.aclose()


def test_one_container_serves_one_event_loop_after_another() -> None:
    made.clear()
    container = container_with(Provider(make_slow, scope="app", provides=Slow))
    for backend in ("asyncio", "trio", "asyncio"):

        async def life() -> None:
            await container.startup()
            await container.aclose()

        anyio.run(life, backend=backend)
    assert len(made) == 3


async def test_sync_function_providers_run_in_a_worker_thread() -> None:
    container = container_with(make_clock)
    async with container.context() as context:
        clock = await context.get(Clock)
    assert clock.now != f"thread {threading.get_ident()}"


async def test_async_function_provider() -> None:
    container = container_with(Provider(Settings, scope="app"), make_async_clock)
    assert (await container.resolve(Clock, container.context())).now == "async sqlite://"


async def test_ready_value_provider() -> None:
    settings = Settings()
    container = container_with(settings)
    assert await container.resolve(Settings) is settings


async def test_teardown_runs_in_reverse_order_of_creation() -> None:
    container = container_with(
        Provider(Settings, scope="app"),
        Provider(Database, scope="app"),
        open_session,
        open_async_session,
    )
    async with container.context() as context:
        await context.get(Session)
    # Only the later registration for Session counts: the async generator.
    assert events == ["open async", "close async"]

    first = Container()
    first.register(Provider(open_session, provides=Session))
    first.register(Provider(open_async_session, provides=Clock))
    first.register(Provider(Settings, scope="app"))
    first.register(Provider(Database, scope="app"))
    events.clear()
    async with first.context() as context:
        await context.get(Session)
        await context.get(Clock)
    assert events == ["open sync", "open async", "close async", "close sync"]


async def test_handler_error_is_thrown_into_generators_at_yield() -> None:
    container = Container()
    container.register(Provider(open_session, provides=Session))
    container.register(Provider(open_async_session, provides=Clock))
    container.register(Provider(Settings, scope="app"))
    container.register(Provider(Database, scope="app"))
    context = container.context()
    await context.get(Session)
    await context.get(Clock)
    await context.close(ValueError("handler failed"))
    assert events == [
        "open sync",
        "open async",
        "rollback async: handler failed",
        "close async",
        "rollback sync: handler failed",
    ]


class First:
    pass


class Second:
    pass


def first_resource() -> Iterator[First]:
    try:
        yield First()
    finally:
        events.append("first closed")


def second_resource() -> Iterator[Second]:
    yield Second()
    raise OSError("second teardown failed")


async def test_a_failing_teardown_does_not_skip_the_others() -> None:
    container = container_with(first_resource, second_resource)
    context = container.context()
    await context.get(First)
    await context.get(Second)
    with pytest.raises(OSError, match="second teardown failed"):
        await context.close()
    assert events == ["first closed"]


def swallowing_session() -> Iterator[Session]:
    try:
        yield Session("swallow")
    except ValueError:
        events.append("swallowed")


def double_yield() -> Iterator[Session]:
    yield Session("one")
    yield Session("two")


def yields_again_after_error() -> Iterator[Session]:
    try:
        yield Session("one")
    except ValueError:
        yield Session("two")


async def test_sync_generator_edge_cases() -> None:
    swallowing = container_with(swallowing_session)
    context = swallowing.context()
    await context.get(Session)
    await context.close(ValueError("x"))
    assert events == ["swallowed"]

    twice = container_with(double_yield)
    context = twice.context()
    await context.get(Session)
    with pytest.raises(RuntimeError, match="yielded more than once"):
        await context.close()
    stubborn = container_with(yields_again_after_error)
    context = stubborn.context()
    await context.get(Session)
    with pytest.raises(RuntimeError, match="yielded more than once"):
        await context.close(ValueError("x"))


def raising_teardown() -> Iterator[Session]:
    try:
        yield Session("x")
    except ValueError:
        raise KeyError("replaced") from None


async def test_error_raised_while_handling_the_thrown_one_propagates() -> None:
    context = container_with(raising_teardown).context()
    await context.get(Session)
    with pytest.raises(KeyError, match="replaced"):
        await context.close(ValueError("original"))


async def test_context_values_from_the_framework() -> None:
    container = Container()
    container.add_context_type(Request, "only HTTP requests have a Request")
    container.compile()
    request = Request({"type": "http", "headers": []})
    async with container.context({Request: request}) as context:
        assert await context.get(Request) is request
    async with container.context() as context:
        with pytest.raises(LookupError, match="Request is not available here: only HTTP"):
            await context.get(Request)


class NeedsRequest:
    def __init__(self, request: Request) -> None:
        self.request = request


async def test_providers_can_depend_on_context_values() -> None:
    container = Container()
    container.add_context_type(Request, "HTTP only")
    container.register(NeedsRequest)
    request = Request({"type": "http", "headers": []})
    async with container.context({Request: request}) as context:
        assert (await context.get(NeedsRequest)).request is request


@attrs.define
class Orphan:
    missing: Database


@attrs.define
class Chicken:
    egg: Egg


@attrs.define
class Egg:
    chicken: Chicken


@attrs.frozen
class Report:
    """An attrs class whose generated constructor is injected like any other."""

    repository: Repository
    title: str = "weekly"


def test_missing_provider_is_reported_with_the_chain_and_a_hint() -> None:
    container = Container()
    container.register(Orphan)
    with pytest.raises(DependencyError) as info:
        container.compile()
    error = info.value
    assert error.key is Database
    assert error.path == ("Orphan", "missing: Database")
    assert "No provider for Database, needed by Orphan." in str(error)
    assert "Needed by: Orphan -> missing: Database" in str(error)
    assert "Hint: register one: App(providers=[...Database...])" in str(error)


def test_cycle_is_reported() -> None:
    container = Container()
    container.register(Chicken)
    container.register(Egg)
    with pytest.raises(DependencyError, match="Dependency cycle: Chicken needs itself") as info:
        container.compile()
    assert info.value.path == ("Chicken", "egg: Egg", "Egg", "chicken: Chicken")


def test_app_scope_cannot_depend_on_request_scope() -> None:
    container = Container()
    container.register(Provider(Database, scope="app"))
    container.register(Provider(Settings, scope="request"))
    with pytest.raises(DependencyError, match="app-scoped Database needs Settings") as info:
        container.compile()
    assert "make Database request-scoped, or Settings longer-lived" in str(info.value)


def test_request_scope_cannot_depend_on_transient() -> None:
    container = Container()
    container.register(Provider(Database, scope="request"))
    container.register(Provider(Settings, scope="transient"))
    with pytest.raises(DependencyError, match="lives only for one use"):
        container.compile()


def test_app_scope_cannot_depend_on_context_values() -> None:
    container = Container()
    container.add_context_type(Request, "HTTP only")
    container.register(Provider(NeedsRequest, scope="app"))
    with pytest.raises(DependencyError, match="app-scoped NeedsRequest needs Request"):
        container.compile()


def test_check_dependency_for_endpoints() -> None:
    container = container_with(Settings)
    container.check_dependency(Settings, ("Notes.get",), "unused")
    with pytest.raises(DependencyError, match="No provider for Database") as info:
        container.check_dependency(Database, ("Notes.get", "db"), "register Database")
    assert info.value.path == ("Notes.get", "db", "Database")


def untyped(value):  # type: ignore[no-untyped-def]
    return value


def unannotated_return():  # type: ignore[no-untyped-def]
    return Clock("x")


def generator_without_iterator() -> Clock:  # type: ignore[misc]
    yield Clock("x")


def forward_reference(value: DoesNotExist) -> Clock:  # type: ignore[name-defined]  # noqa: F821
    return Clock("x")


def test_provider_definition_errors() -> None:
    # The functions work; only their annotations are wrong for a provider.
    assert untyped(1) == 1  # type: ignore[no-untyped-call]
    assert unannotated_return().now == "x"  # type: ignore[no-untyped-call]
    assert next(iter(generator_without_iterator())).now == "x"  # type: ignore[call-overload]
    assert forward_reference(None).now == "x"
    with pytest.raises(TypeError, match="parameter 'value' has no type annotation"):
        Provider(untyped, provides=Clock)
    with pytest.raises(TypeError, match="has no return annotation"):
        Provider(unannotated_return)
    with pytest.raises(TypeError, match=r"must be annotated -> Iterator\[T\]"):
        Provider(generator_without_iterator)
    with pytest.raises(TypeError, match="the annotation 'DoesNotExist' cannot be resolved"):
        Provider(forward_reference)
    with pytest.raises(ValueError, match="scope must be one of app, request, transient"):
        Provider(Settings, scope="session")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="A ready value is app-scoped"):
        Provider(Settings(), scope="request")


def annotated_dependency(settings: Annotated[Settings, "a note"]) -> Clock:
    return Clock(settings.url)


async def test_annotated_parameters_resolve_by_their_type() -> None:
    container = container_with(Settings, annotated_dependency)
    assert (await container.resolve(Clock, container.context())).now == "sqlite://"


async def test_override_swaps_a_provider_inside_the_block() -> None:
    container = container_with(Provider(Settings, scope="app"), Provider(Database, scope="app"))
    original = await container.resolve(Settings)

    class FakeSettings(Settings):
        def __init__(self) -> None:
            self.url = "memory://"

    with container.override(Settings, FakeSettings()):
        assert (await container.resolve(Settings)).url == "memory://"
        assert (await container.resolve(Database)).settings.url in ("memory://", "sqlite://")
    assert await container.resolve(Settings) is original
    with container.override(Clock, make_clock):
        assert (await container.resolve(Clock, container.context())).now.startswith("thread")
    assert not container.has(Clock)


async def test_startup_makes_app_values_and_aclose_tears_them_down() -> None:
    made: list[str] = []

    async def make_resource() -> AsyncIterator[Settings]:
        made.append("made")
        yield Settings()
        made.append("torn down")

    container = Container()
    container.register(Provider(make_resource, scope="app", provides=Settings))
    container.register(Provider(Database, scope="request"))
    await container.startup()
    assert made == ["made"]
    await container.resolve(Settings)
    assert made == ["made"]
    await container.aclose()
    assert made == ["made", "torn down"]
    await container.resolve(Settings)
    assert made == ["made", "torn down", "made"]
    await container.aclose()


async def test_registering_after_compile_recompiles_on_next_use() -> None:
    container = container_with(Settings)
    container.register(make_clock)
    assert isinstance(await container.resolve(Clock, container.context()), Clock)
    assert isinstance(container.context(), InjectionContext)


def test_describe_and_repr() -> None:
    assert describe(Settings) == "Settings"
    assert describe(list[int]) == "list[int]"
    assert describe(Annotated[int, "x"]) == "Annotated[int, 'x']"
    assert repr(Provider(Settings, scope="app")) == (
        "Provider(Settings, provides=Settings, scope='app')"
    )
