"""StaticFiles: serve a directory of files, safely, with caching validators and ranges."""

from __future__ import annotations

import importlib.util
import os
import stat
from collections.abc import Sequence
from http import HTTPStatus
from pathlib import Path

import anyio.to_thread

from resourceful._paths import route_path
from resourceful.caching import CacheControl
from resourceful.conditional import (
    Validators,
    evaluate_preconditions,
    parse_entity_tags,
    parse_http_date,
)
from resourceful.datastructures import URL, Headers
from resourceful.exceptions import HTTPException
from resourceful.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from resourceful.types import Receive, Scope, Send
from resourceful.websockets import WebSocketClose

PathLike = str | os.PathLike[str]


class StaticFiles:
    """An ASGI app that serves the files under ``directory`` (and package ``statics``).

    Only ``GET`` and ``HEAD`` (others are 405). Responses carry ``ETag`` and ``Last-Modified``
    and conditional requests get 304; ``Range`` requests are served. No request can read a
    file outside the directories: ``..``, NUL bytes and symlinks pointing out (unless
    ``follow_symlink``) are all 404.

    Args:
        directory: the directory to serve.
        packages: packages whose ``statics`` folder to serve too, or ``(package, folder)``.
        html: serve ``index.html`` for directories (redirecting ``/dir`` to ``/dir/``) and
            ``404.html`` for misses.
        check_dir: raise at construction, not per request, if ``directory`` is missing.
        follow_symlink: let symlinks inside the directory point outside it.
        cache_control: the cache policy of the files (and their 304s), a
            :class:`~resourceful.caching.CacheControl` (``immutable=True`` for files whose
            names change with their content); none by default, as Starlette's.
    """

    def __init__(
        self,
        *,
        directory: PathLike | None = None,
        packages: Sequence[str | tuple[str, str]] | None = None,
        html: bool = False,
        check_dir: bool = True,
        follow_symlink: bool = False,
        cache_control: CacheControl | None = None,
    ) -> None:
        self.directory = directory
        self.cache_control = None if cache_control is None else str(cache_control)
        self.html = html
        self.follow_symlink = follow_symlink
        self.all_directories = self._directories(directory, packages)
        self.config_checked = False
        if check_dir and directory is not None and not Path(directory).is_dir():
            msg = f"StaticFiles directory '{directory}' does not exist."
            raise RuntimeError(msg)

    @staticmethod
    def _directories(
        directory: PathLike | None, packages: Sequence[str | tuple[str, str]] | None
    ) -> list[str]:
        found = [] if directory is None else [os.fspath(directory)]
        for package in packages or ():
            name, folder = (package, "statics") if isinstance(package, str) else package
            spec = importlib.util.find_spec(name)
            if spec is None or spec.origin is None:
                msg = f"StaticFiles package {name!r} cannot be found."
                raise RuntimeError(msg)
            path = os.path.join(os.path.dirname(spec.origin), folder)
            if not os.path.isdir(path):
                msg = f"StaticFiles package {name!r} has no {folder!r} directory."
                raise RuntimeError(msg)
            found.append(path)
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await WebSocketClose()(scope, receive, send)
            return
        if scope["type"] != "http":
            msg = "StaticFiles serves HTTP only."
            raise RuntimeError(msg)
        if not self.config_checked:
            await self.check_config()
            self.config_checked = True
        response = await self.get_response(self.get_path(scope), scope)
        await response(scope, receive, send)

    def get_path(self, scope: Scope) -> str:
        """The path to serve, relative to the directories (``.`` and ``..`` resolved)."""
        return os.path.normpath(os.path.join("", *route_path(scope).split("/")))

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The response for ``path`` (relative to the directories)."""
        if scope["method"] not in ("GET", "HEAD"):
            return self._refuse(scope, 405, {"Allow": "GET, HEAD"})
        try:
            full_path, stat_result = await anyio.to_thread.run_sync(self.lookup_path, path)
        except PermissionError:
            return self._refuse(scope, 401)
        if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
            return self.file_response(full_path, stat_result, scope)
        if stat_result is not None and stat.S_ISDIR(stat_result.st_mode) and self.html:
            index = os.path.join(path, "index.html")
            full_path, stat_result = await anyio.to_thread.run_sync(self.lookup_path, index)
            if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
                if not scope["path"].endswith("/"):  # a directory's URL ends in "/"
                    url = URL(scope=scope)
                    return RedirectResponse(url.replace(path=url.path + "/"))
                return self.file_response(full_path, stat_result, scope)
        return await self._missing(scope)

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        """The file for ``path`` inside one of the directories, and its stat; ``("", None)``
        when there is none. A path that leaves the directories is never looked up.

        Raises:
            PermissionError: the file is there but may not be read.
        """
        if path.startswith(("/", "\\")) or "\x00" in path or "\\" in path:
            return "", None
        for directory in self.all_directories:
            root = os.path.realpath(directory)
            candidate = os.path.join(root, path)
            resolved = os.path.realpath(candidate)
            checked = os.path.abspath(candidate) if self.follow_symlink else resolved
            if os.path.commonpath([root, checked]) != root:
                continue
            try:
                return resolved, os.stat(resolved)
            except PermissionError:
                raise
            except OSError:  # missing, a file used as a folder, a name too long, a loop...
                continue
        return "", None

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """A FileResponse, or a 304 when the client's copy is still fresh."""
        response = FileResponse(full_path, status_code=status_code, stat_result=stat_result)
        if self.cache_control is not None and status_code == 200:
            response.headers["cache-control"] = self.cache_control
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            kept = ("etag", "last-modified", "cache-control")
            headers = {name: response.headers[name] for name in kept if name in response.headers}
            return Response(status_code=304, headers=headers)
        return response

    async def check_config(self) -> None:
        """Raise if ``directory`` is not a directory (once, at the first request), rather than
        responding every request with 404."""
        if self.directory is None:
            return
        try:
            mode = (await anyio.to_thread.run_sync(os.stat, self.directory)).st_mode
        except FileNotFoundError:
            msg = f"StaticFiles directory '{self.directory}' does not exist."
            raise RuntimeError(msg) from None
        if not stat.S_ISDIR(mode):
            msg = f"StaticFiles path '{self.directory}' is not a directory."
            raise RuntimeError(msg)

    @staticmethod
    def is_not_modified(response_headers: Headers, request_headers: Headers) -> bool:
        """Whether ``If-None-Match`` or ``If-Modified-Since`` says the client's copy is fresh,
        evaluated as for any resource (:func:`~resourceful.conditional.evaluate_preconditions`)."""
        tags = parse_entity_tags(response_headers.get("etag", ""))
        modified = response_headers.get("last-modified")
        validators = Validators(
            tags[0] if isinstance(tags, list) and tags else None,
            None if modified is None else parse_http_date(modified),
        )
        return evaluate_preconditions("GET", request_headers, validators) == 304

    async def _missing(self, scope: Scope) -> Response:
        if self.html:
            full_path, stat_result = await anyio.to_thread.run_sync(self.lookup_path, "404.html")
            if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
                return FileResponse(full_path, status_code=404, stat_result=stat_result)
        return self._refuse(scope, 404)

    @staticmethod
    def _refuse(scope: Scope, status_code: int, headers: dict[str, str] | None = None) -> Response:
        # Inside an app its exception handlers respond; alone, the response is plain text.
        if "app" in scope:
            raise HTTPException(status_code, headers=headers)
        phrase = HTTPStatus(status_code).phrase
        return PlainTextResponse(phrase, status_code=status_code, headers=headers)


__all__ = ["StaticFiles"]
