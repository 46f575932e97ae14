"""ETagMiddleware: strong entity tags made from the bodies of responses, and the 304s they
allow, for resources that cannot compute their validators cheaply."""

from __future__ import annotations

import hashlib

from resourceful.conditional import ETag, Validators, evaluate_preconditions, kept_on_304
from resourceful.datastructures import Headers
from resourceful.exceptions import PreconditionFailed
from resourceful.middleware.exceptions import problem_response
from resourceful.types import ASGIApp, Message, Receive, Scope, Send

_TAGGED = frozenset({"GET", "HEAD"})


class ETagMiddleware:
    """Gives each ``200`` response to a ``GET`` or ``HEAD`` that has no ``ETag`` a strong
    one, a hash of its body, and evaluates the request's preconditions with it: ``304 Not
    Modified`` (no body, the headers a 304 keeps) when the client's copy is current, ``412``
    (problem details) when an ``If-Match`` names another.

    The handler still runs, so it saves bandwidth, not work: a resource that can tell its
    state cheaply declares its validators instead, and keeps its own ``ETag``. A streamed
    response (a body in more than one part) passes untouched, as does a response to a
    ``HEAD`` that sends no body. Wrap the app, a mount or a resource with it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _TAGGED:
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        passing = False

        async def tagging(message: Message) -> None:
            nonlocal held, passing
            if passing:
                await send(message)
            elif message["type"] == "http.response.start":
                if message["status"] == 200 and not _has_etag(message):
                    held = message
                else:
                    passing = True
                    await send(message)
            elif held is not None and message["type"] == "http.response.body":
                passing = True
                for part in _tagged(scope, held, message):
                    await send(part)
            elif held is None:  # before the start (an extension's: the template's context)
                await send(message)
            else:  # after it, an extension's (a file sent by path): no body to hash
                passing = True
                await send(held)
                await send(message)

        await self.app(scope, receive, tagging)


def _has_etag(start: Message) -> bool:
    return any(name == b"etag" for name, _ in start.get("headers", ()))


def _tagged(scope: Scope, start: Message, body: Message) -> list[Message]:
    """The messages to send for the response that ``start`` and its first ``body`` begin."""
    content = body.get("body", b"")
    headers = list(start.get("headers", ()))
    length = next((value for name, value in headers if name == b"content-length"), None)
    if body.get("more_body", False) or (length is not None and length != b"%d" % len(content)):
        return [start, body]  # streamed, or a HEAD's body left out: no whole body to hash
    tag = ETag(hashlib.blake2b(content, digest_size=16).hexdigest())
    headers.append((b"etag", str(tag).encode()))
    request = Headers(scope=scope)
    status = evaluate_preconditions(scope["method"], request, Validators(tag))
    if status == 304:
        kept = {**start, "status": 304, "headers": kept_on_304(headers)}
        return [kept, {"type": "http.response.body", "body": b""}]
    if status == 412:
        return _precondition_failed()
    return [{**start, "headers": headers}, body]


def _precondition_failed() -> list[Message]:
    refused = problem_response(PreconditionFailed(_OTHER_REPRESENTATION))
    start = {"type": "http.response.start", "status": 412, "headers": refused.raw_headers}
    return [start, {"type": "http.response.body", "body": refused.body}]


_OTHER_REPRESENTATION = "The representation is not the one the request's If-Match names."


__all__ = ["ETagMiddleware"]
