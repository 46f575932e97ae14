"""StaticFiles: serve a directory of files, safely, with caching validators and ranges."""

from __future__ import annotations

import importlib.util
import os
import stat
from collections.abc import Sequence
from email.utils import parsedate_to_datetime
from pathlib import Path

import anyio.to_thread

from resourceful._paths import route_path
from resourceful.datastructures import URL, Headers
from resourceful.exceptions import HTTPException
from resourceful.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from resourceful.types import Receive, Scope, Send

PathLike = str | os.PathLike[str]


class StaticFiles:
    """An ASGI app that serves the files under ``directory`` (and package ``statics``).

    Only ``GET`` and ``HEAD`` (others are 405). Answers carry ``ETag`` and ``Last-Modified``
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
    """

    def __init__(
        self,
        *,
        directory: PathLike | None = None,
        packages: Sequence[str | tuple[str, str]] | None = None,
        html: bool = False,
        check_dir: bool = True,
        follow_symlink: bool = False,
    ) -> None:
        self.directory = directory
        self.html = html
        self.follow_symlink = follow_symlink
        self.all_directories = self._directories(directory, packages)
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
        if scope["type"] != "http":
            msg = "StaticFiles serves HTTP only."
            raise RuntimeError(msg)
        if scope["method"] not in ("GET", "HEAD"):
            headers = {"Allow": "GET, HEAD"}
            if "app" in scope:
                raise HTTPException(405, headers=headers)
            await PlainTextResponse("Method Not Allowed", 405, headers=headers)(
                scope, receive, send
            )
            return
        response = await self.get_response(route_path(scope), scope)
        await response(scope, receive, send)

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The answer for ``path`` (relative to the mount)."""
        parts = [part for part in path.split("/") if part not in ("", ".")]
        if "\x00" in path or ".." in parts or any("\\" in part for part in parts):
            return self._not_found(scope)
        found = await anyio.to_thread.run_sync(self.lookup, parts)
        if found is None:
            return await self._missing(scope)
        full_path, stat_result = found
        if stat.S_ISDIR(stat_result.st_mode):
            if not self.html:
                return self._not_found(scope)
            if not scope["path"].endswith("/"):
                url = URL(scope=scope)
                return RedirectResponse(url.replace(path=url.path + "/"))
            index = await anyio.to_thread.run_sync(self.lookup, [*parts, "index.html"])
            if index is None or not stat.S_ISREG(index[1].st_mode):
                return await self._missing(scope)
            full_path, stat_result = index
        if not stat.S_ISREG(stat_result.st_mode):
            return self._not_found(scope)
        return self.file_response(full_path, stat_result, scope)

    def lookup(self, parts: list[str]) -> tuple[str, os.stat_result] | None:
        """The file for ``parts`` inside one of the directories, and its stat, if any."""
        for directory in self.all_directories:
            root = os.path.realpath(directory)
            candidate = os.path.join(root, *parts)
            resolved = os.path.realpath(candidate)
            checked = os.path.abspath(candidate) if self.follow_symlink else resolved
            if os.path.commonpath([root, checked]) != root:
                continue
            try:
                return resolved, os.stat(resolved)
            except OSError:  # missing, a file used as a folder, a name too long, a loop...
                continue
        return None

    def file_response(self, full_path: str, stat_result: os.stat_result, scope: Scope) -> Response:
        """A FileResponse, or a 304 when the client's copy is still fresh."""
        response = FileResponse(full_path, stat_result=stat_result)
        if self.is_not_modified(Headers(scope=scope), response):
            headers = {name: response.headers[name] for name in ("etag", "last-modified")}
            return Response(status_code=304, headers=headers)
        return response

    @staticmethod
    def is_not_modified(request_headers: Headers, response: Response) -> bool:
        """Whether ``If-None-Match`` or ``If-Modified-Since`` says the client's copy is fresh."""
        etag = response.headers["etag"]
        if_none_match = request_headers.get("if-none-match")
        if if_none_match is not None:
            tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
            return "*" in tags or etag in tags
        if_modified_since = request_headers.get("if-modified-since")
        if if_modified_since is None:
            return False
        try:
            since = parsedate_to_datetime(if_modified_since)
            modified = parsedate_to_datetime(response.headers["last-modified"])
        except (TypeError, ValueError):
            return False
        return modified <= since

    async def _missing(self, scope: Scope) -> Response:
        if self.html:
            page = await anyio.to_thread.run_sync(self.lookup, ["404.html"])
            if page is not None and stat.S_ISREG(page[1].st_mode):
                return FileResponse(page[0], status_code=404, stat_result=page[1])
        return self._not_found(scope)

    def _not_found(self, scope: Scope) -> Response:
        if "app" in scope:
            raise HTTPException(404)
        return PlainTextResponse("Not Found", status_code=404)


__all__ = ["StaticFiles"]
