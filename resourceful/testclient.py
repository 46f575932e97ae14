"""A synchronous test client that drives any ASGI app in process, on asyncio or trio.

It is an ``httpx`` client (``httpx2`` when installed, else ``httpx``) whose transport calls
the app directly through an anyio blocking portal. ``with TestClient(app) as client:`` runs
the app's lifespan and serves every request of the block in that one event loop.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import math
import queue
import warnings
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from concurrent.futures import Future
from types import TracebackType
from typing import Any, Literal
from urllib.parse import unquote

import anyio
import anyio.from_thread
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from resourceful._testhttp import HTTPExchange, ResponseStream
from resourceful.concurrency import is_async_callable
from resourceful.exceptions import MissingDependencyError
from resourceful.types import ASGIApp, Message, Receive, Scope, Send
from resourceful.websockets import WebSocketDisconnect

try:
    import httpx2 as httpx
except ImportError:
    try:
        import httpx  # type: ignore[no-redef]
    except ImportError:
        raise MissingDependencyError("httpx", "testclient", "The test client") from None

PortalFactory = Callable[[], contextlib.AbstractContextManager[anyio.from_thread.BlockingPortal]]
_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}


class WebSocketDenialResponse(httpx.Response, WebSocketDisconnect):  # type: ignore[misc]
    """The app refused the websocket with an HTTP response; this *is* that response."""


class WebSocketTestSession:
    """One websocket connection to the app, used as a context manager."""

    def __init__(self, app: ASGIApp, scope: Scope, portal_factory: PortalFactory) -> None:
        self.app = app
        self.scope = scope
        self.portal_factory = portal_factory
        self.accepted_subprotocol: str | None = None
        self.extra_headers: list[tuple[bytes, bytes]] = []
        self._to_client: queue.Queue[Message | BaseException | None] = queue.Queue()

    def __enter__(self) -> WebSocketTestSession:
        with contextlib.ExitStack() as stack:
            self.portal = stack.enter_context(self.portal_factory())
            self._to_app_tx, self._to_app_rx = self.portal.call(_open_stream)
            stack.callback(self.portal.call, self._to_app_rx.aclose)
            stack.callback(self.portal.call, self._to_app_tx.aclose)
            self._future: Future[None] = self.portal.start_task_soon(self._run)
            stack.callback(self._future.result)
            self.send({"type": "websocket.connect"})
            message = self.receive()
            self._raise_on_close(message)
            self.accepted_subprotocol = message.get("subprotocol")
            self.extra_headers = list(message.get("headers") or [])
            self._exit_stack = stack.pop_all()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        try:
            if not self._future.done():
                # The client goes away: the app is told, then stopped, so that one that never
                # listens for it (or waits on something else) cannot hold up the test.
                self.close(1000)
                self.portal.call(self._cancel_scope.cancel)
        finally:
            self._exit_stack.close()  # re-raises the app's error, if it failed
        return None

    async def _run(self) -> None:
        self._cancel_scope = anyio.CancelScope()
        try:
            with self._cancel_scope:
                await self.app(self.scope, self._to_app_rx.receive, self._send_to_client)
        except BaseException as exc:
            self._to_client.put(exc)
            raise
        finally:
            self._to_client.put(None)

    async def _send_to_client(self, message: Message) -> None:
        self._to_client.put(message)

    def _raise_on_close(self, message: Message) -> None:
        if message["type"] == "websocket.close":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason", ""))
        if message["type"] == "websocket.http.response.start":
            status: int = message["status"]
            headers = message.get("headers", [])
            body = bytearray()
            while True:
                part = self.receive()
                body += part.get("body", b"")
                if not part.get("more_body", False):
                    break
            raise WebSocketDenialResponse(status_code=status, headers=headers, content=bytes(body))

    def send(self, message: Message) -> None:
        """Send a raw ASGI message to the app."""
        self.portal.call(self._to_app_tx.send, message)

    def send_text(self, data: str) -> None:
        self.send({"type": "websocket.receive", "text": data})

    def send_bytes(self, data: bytes) -> None:
        self.send({"type": "websocket.receive", "bytes": data})

    def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if mode == "text":
            self.send({"type": "websocket.receive", "text": text})
        else:
            self.send({"type": "websocket.receive", "bytes": text.encode("utf-8")})

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Disconnect from the app's side of view: the client went away."""
        self.send({"type": "websocket.disconnect", "code": code, "reason": reason})

    def receive(self) -> Message:
        """The next raw ASGI message the app sent (re-raises the app's exception)."""
        message = self._to_client.get()
        if isinstance(message, BaseException):
            raise message
        if message is None:
            msg = "The application returned without closing the websocket."
            raise WebSocketDisconnect(1006, msg)
        return message

    def receive_text(self) -> str:
        message = self.receive()
        self._raise_on_close(message)
        return str(message["text"])

    def receive_bytes(self) -> bytes:
        message = self.receive()
        self._raise_on_close(message)
        return bytes(message["bytes"])

    def receive_json(self, mode: Literal["text", "binary"] = "text") -> Any:
        message = self.receive()
        self._raise_on_close(message)
        text = message["text"] if mode == "text" else message["bytes"].decode("utf-8")
        return json.loads(text)


async def _open_stream() -> tuple[
    MemoryObjectSendStream[Message], MemoryObjectReceiveStream[Message]
]:
    return anyio.create_memory_object_stream[Message](math.inf)


#: The extension that marks a request made by ``websocket_connect``, and carries the session
#: back on its response.
_WEBSOCKET = "resourceful.websocket_connect"


class _TestClientTransport(httpx.BaseTransport):
    def __init__(
        self,
        app: ASGIApp,
        portal_factory: PortalFactory,
        raise_server_exceptions: bool,
        root_path: str,
        app_state: dict[str, Any],
        client: tuple[str, int],
    ) -> None:
        self.app = app
        self.portal_factory = portal_factory
        self.raise_server_exceptions = raise_server_exceptions
        self.root_path = root_path
        self.app_state = app_state
        self.client = client
        self.open_streams: set[ResponseStream] = set()

    def _scope(self, request: httpx.Request) -> Scope:
        url = request.url
        scheme = url.scheme
        host = url.host
        port = _DEFAULT_PORTS[scheme] if url.port is None else url.port
        raw_path, _, query = url.raw_path.partition(b"?")
        # httpx always sends a Host header, so the app sees the URL's host and port.
        headers = [(name.lower(), value) for name, value in request.headers.raw]
        path = unquote(raw_path.decode("latin-1"))
        return {
            "http_version": "1.1",
            "scheme": scheme,
            "path": path,
            "raw_path": raw_path,
            "root_path": self.root_path,
            "query_string": query,
            "headers": headers,
            "client": self.client,
            "server": (host, port),
            "state": dict(self.app_state),
        }

    def websocket_session(self, request: httpx.Request) -> WebSocketTestSession:
        scope = self._scope(request)
        subprotocols = request.headers.get("sec-websocket-protocol")
        scope.update(
            type="websocket",
            scheme={"http": "ws", "https": "wss"}.get(scope["scheme"], scope["scheme"]),
            subprotocols=[p.strip() for p in subprotocols.split(",")] if subprotocols else [],
            extensions={"websocket.http.response": {}},
        )
        return WebSocketTestSession(self.app, scope, self.portal_factory)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.extensions.get(_WEBSOCKET):
            # 101 Switching Protocols, with the session to talk to the app through.
            session = self.websocket_session(request)
            return httpx.Response(101, request=request, extensions={_WEBSOCKET: session})
        if request.url.scheme in ("ws", "wss") or _is_upgrade(request):
            msg = "Open websockets with client.websocket_connect(url), not an HTTP request."
            raise RuntimeError(msg)
        scope = self._scope(request)
        extensions: dict[str, Any] = {"http.response.debug": {}, "http.response.trailers": {}}
        scope.update(type="http", method=request.method, extensions=extensions)
        exchange = HTTPExchange(self.app, scope, request.read())
        with contextlib.ExitStack() as stack:
            portal = stack.enter_context(self.portal_factory())
            portal.call(exchange.open)
            task = portal.start_task_soon(exchange.run)
            exchange.started.wait()
            stream = ResponseStream(
                exchange, portal, task, stack.pop_all(), self.raise_server_exceptions
            )
        start = exchange.start
        if start is None:
            stream.close()  # raises the app's error, if it failed and errors are raised
            if self.raise_server_exceptions:
                msg = "TestClient did not receive any response: the app returned without one."
                raise AssertionError(msg)
            return httpx.Response(500, request=request)
        self.open_streams.add(stream)
        response = httpx.Response(
            status_code=start["status"],
            headers=start.get("headers", []),
            stream=_ClosingStream(stream, self.open_streams),
            request=request,
        )
        if exchange.trailers_expected:
            response.extensions["http.response.trailers"] = exchange.trailers
        if exchange.debug is not None:
            response.extensions["http.response.debug"] = exchange.debug
        if exchange.debug is not None and "template" in exchange.debug:
            response.template = exchange.debug["template"]  # type: ignore[attr-defined]
            response.context = exchange.debug.get("context")  # type: ignore[attr-defined]
        return response

    def close(self) -> None:
        """Stop the apps of the responses still open, background tasks and all (the client
        is closing)."""
        while self.open_streams:
            self.open_streams.pop().close(stop_app=True)


class _ClosingStream(httpx.SyncByteStream):
    """A response body for httpx, which forgets the stream once it is closed."""

    def __init__(self, stream: ResponseStream, open_streams: set[ResponseStream]) -> None:
        self.stream = stream
        self.open_streams = open_streams

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.stream)

    def close(self) -> None:
        self.open_streams.discard(self.stream)
        self.stream.close()


def _asgi3(app: Any) -> ASGIApp:
    """``app`` as an ASGI 3 app. An ASGI 2 app (``app(scope)`` makes an instance that is
    called with ``(receive, send)``) is wrapped; a class is ASGI 3 when its instances are
    awaited (endpoint classes)."""
    is_asgi3 = hasattr(app, "__await__") if inspect.isclass(app) else is_async_callable(app)
    if is_asgi3:
        asgi3: ASGIApp = app
        return asgi3

    async def asgi2(scope: Scope, receive: Receive, send: Send) -> None:
        await app(scope)(receive, send)

    return asgi2


def _is_upgrade(request: httpx.Request) -> bool:
    return request.headers.get("upgrade", "").lower() == "websocket"


class TestClient(httpx.Client):
    """A synchronous httpx client that calls ``app`` in process.

    Args:
        app: any ASGI app.
        base_url: the URL requests are relative to.
        raise_server_exceptions: re-raise the app's errors in the test (default) instead of
            responding 500.
        root_path: the ASGI ``root_path``, as if served under a path prefix; request paths
            include it (``client.get("/prefix/items")``), as the scope's ``path`` does.
        backend: ``"asyncio"`` or ``"trio"``.
        backend_options: passed to ``anyio.run`` (e.g. ``{"use_uvloop": True}``).
        client: the ``(host, port)`` the app sees as the client's address.
    """

    __test__ = False

    def __init__(
        self,
        app: ASGIApp,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        backend: Literal["asyncio", "trio"] = "asyncio",
        backend_options: dict[str, Any] | None = None,
        cookies: httpx.Cookies | dict[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        follow_redirects: bool = True,
        client: tuple[str, int] = ("testclient", 50000),
    ) -> None:
        self.app = app = _asgi3(app)
        self.backend = backend
        self.backend_options = backend_options or {}
        self.app_state: dict[str, Any] = {}
        self.portal: anyio.from_thread.BlockingPortal | None = None
        self._test_transport = transport = _TestClientTransport(
            app,
            portal_factory=self._portal_factory,
            raise_server_exceptions=raise_server_exceptions,
            root_path=root_path,
            app_state=self.app_state,
            client=client,
        )
        super().__init__(
            base_url=base_url,
            headers={"user-agent": "testclient", **(headers or {})},
            transport=transport,
            follow_redirects=follow_redirects,
            cookies=cookies,
        )

    @contextlib.contextmanager
    def _portal_factory(self) -> Generator[anyio.from_thread.BlockingPortal, None, None]:
        if self.portal is not None:
            yield self.portal
        else:
            with anyio.from_thread.start_blocking_portal(
                self.backend, self.backend_options
            ) as portal:
                yield portal

    def build_request(self, method: str, url: Any, **kwargs: Any) -> httpx.Request:
        """httpx's, warning about a ``timeout``: the app runs here, with no network to wait on."""
        if kwargs.get("timeout", httpx.USE_CLIENT_DEFAULT) is not httpx.USE_CLIENT_DEFAULT:
            msg = (
                "You should not use the 'timeout' argument with the TestClient: the app runs "
                "in this process, so nothing times out. Use anyio.fail_after() in the app."
            )
            warnings.warn(msg, DeprecationWarning, stacklevel=3)
        return super().build_request(method, url, **kwargs)

    def override(
        self, key: Any, replacement: Any, *, scope: Any = None
    ) -> contextlib.AbstractContextManager[None]:
        """Provide ``replacement`` for ``key`` in the app's container inside a ``with`` block.

        The same as ``app.container.override(...)``; the app needs a container (an App).
        """
        container = getattr(self.app, "container", None)
        if container is None:
            msg = "override() needs an App with providers; this app has no container."
            raise TypeError(msg)
        manager: contextlib.AbstractContextManager[None] = container.override(
            key, replacement, scope=scope
        )
        return manager

    def websocket_connect(
        self, url: str, subprotocols: Iterable[str] | None = None, **kwargs: Any
    ) -> WebSocketTestSession:
        """Open a websocket to ``url``; use the result as a context manager.

        A relative ``url`` is joined to ``base_url`` (``http`` becomes ``ws``, ``https``
        becomes ``wss``); the client's cookies and headers are sent along, and the keyword
        arguments of an httpx request (``params``, ``headers``, ``cookies``, ``auth``) apply.
        """
        headers = {
            "connection": "upgrade",
            "upgrade": "websocket",
            "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
            "sec-websocket-version": "13",
            **dict(kwargs.pop("headers", None) or {}),
        }
        if subprotocols is not None:
            headers["sec-websocket-protocol"] = ", ".join(subprotocols)
        extensions = {**kwargs.pop("extensions", {}), _WEBSOCKET: True}
        switching = self.request("GET", url, headers=headers, extensions=extensions, **kwargs)
        session: WebSocketTestSession = switching.extensions[_WEBSOCKET]
        return session

    def __enter__(self) -> TestClient:
        with contextlib.ExitStack() as stack:
            self.portal = portal = stack.enter_context(
                anyio.from_thread.start_blocking_portal(self.backend, self.backend_options)
            )

            @stack.callback
            def reset_portal() -> None:
                self.portal = None

            to_app_tx, to_app_rx = portal.call(_open_stream)
            to_client: queue.Queue[Message | None] = queue.Queue()
            stack.callback(portal.call, to_app_rx.aclose)
            stack.callback(portal.call, to_app_tx.aclose)
            future = portal.start_task_soon(self._lifespan, to_app_rx, to_client)
            stack.callback(future.result)
            portal.call(to_app_tx.send, {"type": "lifespan.startup"})
            self._expect(to_client, "startup", future)
            self._lifespan_channels = (to_app_tx, to_client, future)
            self._exit_stack = stack.pop_all()
        # The httpx client itself stays open: the client works again after the block.
        return self

    def _expect(
        self, to_client: queue.Queue[Message | None], phase: str, future: Future[None]
    ) -> None:
        message = to_client.get()
        if message is None:
            future.result()  # re-raises the app's error, if it failed
            return
        if message["type"] == f"lifespan.{phase}.failed":
            # An app that failed by raising ends its lifespan: its own error is the clearest.
            future.result()
            failure = message.get("message", "")
            msg = f"The app's lifespan {phase} failed: {failure}"
            raise RuntimeError(msg)

    async def _lifespan(
        self, to_app: MemoryObjectReceiveStream[Message], to_client: queue.Queue[Message | None]
    ) -> None:
        scope = {"type": "lifespan", "state": self.app_state}

        async def send(message: Message) -> None:
            to_client.put(message)

        try:
            await self.app(scope, to_app.receive, send)
        finally:
            to_client.put(None)

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        to_app_tx, to_client, future = self._lifespan_channels
        try:
            self._test_transport.close()  # responses left unread end with the loop
            if not future.done():
                self.portal.call(to_app_tx.send, {"type": "lifespan.shutdown"})  # type: ignore[union-attr]
                self._expect(to_client, "shutdown", future)
        finally:
            # Leaving with an error (a failed or timed-out test) stops the tasks left in the
            # event loop instead of waiting for them, perhaps forever.
            self._exit_stack.__exit__(exc_type, exc_value, traceback)


__all__ = ["TestClient", "WebSocketDenialResponse", "WebSocketTestSession"]
