"""WSGIMiddleware: serve a WSGI app (Flask, Django, ...) as an ASGI app, on asyncio or trio.

The request body is read first (kept in memory up to 1 MiB, then in a temporary file); the
WSGI app then runs in a worker thread, and each piece of its response is sent from there, so a
slow client holds the thread back instead of filling memory.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from io import BytesIO
from tempfile import SpooledTemporaryFile
from types import TracebackType
from typing import IO, Any

import anyio.from_thread
import anyio.to_thread

from resourceful.types import Message, Receive, Scope, Send
from resourceful.websockets import WebSocketClose

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse = Callable[..., Callable[[bytes], None]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

#: Request bodies up to this size stay in memory; larger ones go to a temporary file.
SPOOL_SIZE = 1024 * 1024


def _path_info(path: str, root_path: str) -> str:
    if path.startswith(root_path) and (
        root_path.endswith("/") or path[len(root_path) : len(root_path) + 1] in ("", "/")
    ):
        return path[len(root_path) :]
    return path


def build_environ(scope: Scope, body: bytes | IO[bytes]) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) for an HTTP ``scope`` and its request ``body``.

    Paths are given as their UTF-8 bytes read as Latin-1, as WSGI wants. Header lines with the
    same name are joined with commas; a header name with an underscore is left out, since it
    would read as the one with a dash (a way to smuggle ``X-Forwarded-For`` past a proxy).
    """
    root_path: str = scope.get("root_path", "")
    path: str = scope["path"]
    server = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root_path.encode().decode("latin-1"),
        "PATH_INFO": _path_info(path, root_path).encode().decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": BytesIO(body) if isinstance(body, bytes) else body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]
    for raw_name, raw_value in scope["headers"]:
        if b"_" in raw_name:
            continue
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        if name not in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            name = "HTTP_" + name
        value = raw_value.decode("latin-1")
        environ[name] = f"{environ[name]},{value}" if name in environ else value
    return environ


class _Responder:
    """What runs in the worker thread: the WSGI app, and its response sent back to the loop."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.start: Message | None = None
        self.has_started = False
        self.error: ExcInfo | None = None

    def start_response(
        self,
        status: str,
        headers: list[tuple[str, str]],
        exc_info: ExcInfo | None = None,
    ) -> Callable[[bytes], None]:
        if exc_info is not None:
            self.error = exc_info
            if self.has_started:  # too late to replace the response: PEP 3333 says re-raise
                raise exc_info[1].with_traceback(exc_info[2])
        elif self.start is not None:
            msg = "The WSGI app called start_response() a second time without exc_info."
            raise RuntimeError(msg)
        self.start = {
            "type": "http.response.start",
            "status": int(status.split(" ", 1)[0]),
            "headers": [
                (name.strip().lower().encode("latin-1"), value.strip().encode("latin-1"))
                for name, value in headers
            ],
        }
        return self.write

    async def _send_async(self, message: Message) -> None:
        await self.send(message)

    def _send(self, message: Message) -> None:
        anyio.from_thread.run(self._send_async, message)

    def _send_start(self) -> None:
        if self.start is None:
            msg = "The WSGI app sent its body, or returned, without calling start_response()."
            raise RuntimeError(msg)
        if not self.has_started:
            self.has_started = True
            self._send(self.start)

    def write(self, data: bytes) -> None:
        """The ``write`` callable start_response returns (for old WSGI apps)."""
        self._send_start()
        self._send({"type": "http.response.body", "body": data, "more_body": True})

    def run(self, app: WSGIApp, environ: dict[str, Any]) -> None:
        result = app(environ, self.start_response)
        try:
            for chunk in result:
                if chunk:  # headers wait for the first piece of body that is not empty
                    self.write(chunk)
            self._send_start()
            self._send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if self.error is not None:
            # The app responded to an error of its own: the client has that response; the error
            # goes to the server's log.
            raise self.error[1].with_traceback(self.error[2])


class WSGIMiddleware:
    """Serves the WSGI app ``app`` to HTTP requests; a websocket is refused (closed).

    Mount it to serve an older app beside new routes:
    ``Mount("/legacy", app=WSGIMiddleware(flask_app))``.
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await WebSocketClose()(scope, receive, send)
            return
        if scope["type"] != "http":
            return
        with SpooledTemporaryFile(max_size=SPOOL_SIZE) as body:
            more_body = True
            while more_body:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return  # the client left before its request was complete
                body.write(message.get("body", b""))
                more_body = message.get("more_body", False)
            body.seek(0)
            environ = build_environ(scope, body)
            await anyio.to_thread.run_sync(_Responder(send).run, self.app, environ)


__all__ = ["WSGIMiddleware", "build_environ"]
