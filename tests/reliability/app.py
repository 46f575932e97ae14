"""The app the fuzz and fault suites drive: every surface a client reaches, every middleware on.

Typed parameters from every source, attrs bodies, forms with files, static files with ranges
and validators, sessions, CSRF, authentication, CORS, gzip, security headers, a body limit,
trusted hosts, streaming, GraphQL and websockets, as a user would write them.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import enum
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import attrs

from resourceful import (
    App,
    Cookie,
    File,
    Form,
    Header,
    HTTPException,
    HTTPResource,
    Mount,
    Query,
    Route,
    WebSocketResource,
    WebSocketRoute,
)
from resourceful.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
    SimpleUser,
    requires,
)
from resourceful.datastructures import UploadFile
from resourceful.di import Provider
from resourceful.graphql import GraphQLApp, make_schema
from resourceful.middleware import Middleware
from resourceful.middleware.authentication import AuthenticationMiddleware
from resourceful.middleware.cors import CORSMiddleware
from resourceful.middleware.csrf import CSRFMiddleware
from resourceful.middleware.gzip import GZipMiddleware
from resourceful.middleware.limits import BodyLimitMiddleware
from resourceful.middleware.securityheaders import SecurityHeadersMiddleware
from resourceful.middleware.sessions import SessionMiddleware
from resourceful.middleware.trustedhost import TrustedHostMiddleware
from resourceful.requests import HTTPConnection, Request
from resourceful.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
    safe_redirect_url,
)
from resourceful.staticfiles import StaticFiles
from resourceful.websockets import WebSocket

#: The most a request body may hold here, so that the limit is reached often; uploads may be
#: larger, so that they spool to disk.
BODY_LIMIT = 64 * 1024
UPLOAD_LIMIT = 4 * 1024 * 1024


class Kind(enum.Enum):
    BOOK = "book"
    TOOL = "tool"


@attrs.frozen
class Address:
    street: str
    postcode: str | None = None


@attrs.frozen
class ItemIn:
    name: str
    price: decimal.Decimal
    kind: Kind = Kind.BOOK
    tags: list[str] = attrs.Factory(list)
    made: datetime.datetime | None = None
    address: Address | None = None
    counts: dict[str, int] = attrs.Factory(dict)


@attrs.frozen
class Item:
    id: int
    name: str
    price: decimal.Decimal
    kind: Kind
    tags: list[str]


@attrs.frozen
class Signup:
    name: str
    age: int
    agree: bool = False
    colours: list[str] = attrs.Factory(list)


class Store:
    """The app's items (app scope); counts the requests that used it and ended."""

    def __init__(self) -> None:
        self.items: dict[int, Item] = {}
        self.opened = 0
        self.closed = 0


@attrs.frozen
class Unit:
    """The store, inside one request."""

    items: dict[int, Item]


async def unit(store: Store) -> AsyncIterator[Unit]:
    """A request-scoped view of the store, whose teardown the fault suite counts."""
    store.opened += 1
    try:
        yield Unit(store.items)
    finally:
        store.closed += 1


class BasicAuth(AuthenticationBackend):
    """``Authorization: Basic`` with the password "secret"; anything malformed is a 400."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        header = conn.headers.get("authorization")
        if header is None:
            return None
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            name, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except ValueError as exc:  # not base64, not ASCII, or not UTF-8 once decoded
            raise AuthenticationError("Invalid basic auth credentials") from exc
        if password != "secret":
            raise AuthenticationError("Wrong password")
        return AuthCredentials(["authenticated"]), SimpleUser(name)


class Items(HTTPResource):
    async def get(
        self,
        item_id: int,
        store: Unit,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        tags: Annotated[list[str], Query(max_length=20)] = [],  # noqa: B006 (read only)
        flag: bool = False,
        ratio: float = 1.0,
        day: datetime.date | None = None,
        key: uuid.UUID | None = None,
        token: Annotated[str | None, Header(alias="x-token")] = None,
        theme: Annotated[str, Cookie()] = "light",
    ) -> dict[str, Any]:
        item = store.items.get(item_id)
        return {
            "item": None if item is None else item.name,
            "limit": limit,
            "tags": tags,
            "flag": flag,
            "ratio": ratio,
            "day": None if day is None else day.isoformat(),
            "key": None if key is None else str(key),
            "token": token,
            "theme": theme,
        }

    async def put(self, item_id: int, item: ItemIn, store: Unit) -> Item:
        stored = Item(item_id, item.name, item.price, item.kind, item.tags)
        store.items[item_id] = stored
        return stored

    async def delete(self, item_id: int, store: Unit) -> None:
        store.items.pop(item_id, None)


class Forms(HTTPResource):
    async def post(
        self,
        signup: Annotated[Signup, Form()],
        avatar: Annotated[UploadFile | None, File()] = None,
    ) -> dict[str, Any]:
        size = 0 if avatar is None else len(await avatar.read())
        return {"name": signup.name, "age": signup.age, "avatar": size}


async def inspect(request: Request) -> Response:
    """Reads the request the way a Starlette endpoint would: every part of it."""
    summary: dict[str, Any] = {
        "url": str(request.url),
        "path_params": request.path_params,
        "query": request.query_params.multi_items(),
        "headers": len(request.headers),
        "cookies": request.cookies,
        "client": request.client is not None,
    }
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        summary["json"] = repr(await request.json())[:100]
    elif content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        async with request.form(max_files=5, max_fields=50) as form:
            summary["form"] = [key for key, _ in form.multi_items()]
    else:
        summary["body"] = len(await request.body())
    return JSONResponse(summary)


async def session(request: Request) -> Response:
    visits = request.session.get("visits", 0)
    request.session["visits"] = (visits if isinstance(visits, int) else 0) + 1
    return JSONResponse({"visits": request.session["visits"]})


async def go_on(request: Request) -> Response:
    target = safe_redirect_url(request, request.query_params.get("next"))
    return RedirectResponse(target, status_code=303)


async def count(request: Request, store: Unit) -> Response:
    try:
        to = min(int(request.query_params.get("to", "5")), 1000)
    except ValueError:
        raise HTTPException(400, "to must be a number") from None

    async def numbers() -> AsyncIterator[str]:
        for number in range(to):
            yield f"{number}\n"

    return StreamingResponse(numbers(), media_type="text/plain")


@requires("authenticated")
async def private(request: Request) -> Response:
    return PlainTextResponse(f"hello {request.user.display_name}")


async def thing(key: uuid.UUID, ratio: float, day: datetime.date) -> dict[str, str]:
    """Path parameters through the uuid and float convertors, and one converted by type."""
    return {"key": str(key), "ratio": repr(ratio), "day": day.isoformat()}


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


class JSONEcho(WebSocketResource):
    encoding = "json"

    async def on_receive(self, websocket: WebSocket, data: Any, store: Unit) -> None:
        await websocket.send_json({"got": data})


async def text_echo(websocket: WebSocket) -> None:
    await websocket.accept()
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is not None:
            await websocket.send_text(message["text"])
        else:
            await websocket.send_bytes(message.get("bytes") or b"")


async def resolve_item(root: Any, info: Any, id: int, store: Store) -> dict[str, Any] | None:
    item = store.items.get(id)
    return None if item is None else {"id": item.id, "name": item.name}


schema = make_schema(
    """
    type Item { id: Int!, name: String! }
    type Query { item(id: Int!): Item, hello(name: String = "world"): String! }
    """,
    {"Query": {"item": resolve_item, "hello": lambda root, info, name: f"hello {name}"}},
)


def make_app(static: Path, store: Store | None = None) -> App:
    """The app, with its static files in ``static`` (which it fills), and its ``store``."""
    (static / "page.html").write_text("<h1>page</h1>" * 50)
    (static / "data.bin").write_bytes(bytes(range(256)) * 40)
    (static / "big.bin").write_bytes(bytes(range(256)) * 4096 * 4)  # 4 MiB

    async def download(store: Unit) -> Response:
        return FileResponse(static / "big.bin")

    return App(
        routes=[
            Route("/", health),
            Route("/items/{item_id:int}", Items),
            Route("/things/{key:uuid}/{ratio:float}/{day}", thing),
            Route("/forms", Forms),
            Route("/signed/forms", Forms),
            Route("/inspect/{rest:path}", inspect, methods=["GET", "POST", "PUT"]),
            Route("/session", session),
            Route("/next", go_on),
            Route("/count", count),
            Route("/private", private),
            Route("/file", FileResponse(static / "data.bin")),
            Route("/download", download),
            Route("/graphql", GraphQLApp(schema, graphiql=False), methods=["GET", "POST"]),
            Mount("/static", StaticFiles(directory=static), name="static"),
            WebSocketRoute("/ws/json", JSONEcho),
            WebSocketRoute("/ws/text", text_echo),
        ],
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=["testserver", "*.example"]),
            Middleware(SecurityHeadersMiddleware, content_security_policy="default-src 'self'"),
            Middleware(
                CORSMiddleware,
                allow_origins=["https://ok.example"],
                allow_methods=["GET", "POST", "PUT"],
                allow_headers=["x-token", "content-type"],
                allow_credentials=True,
            ),
            Middleware(GZipMiddleware, minimum_size=64),
            Middleware(BodyLimitMiddleware, max_body_size=BODY_LIMIT, max_upload_size=UPLOAD_LIMIT),
            Middleware(SessionMiddleware, secret_key="fuzz-session-key"),
            # Forms posted to /signed/forms need the token; the others are exempt, so that the
            # fuzzed forms reach the endpoints too.
            Middleware(
                CSRFMiddleware, secret_key="fuzz-csrf-key", exempt_paths=["/i", "/g", "/forms"]
            ),
            Middleware(AuthenticationMiddleware, backend=BasicAuth()),
        ],
        providers=[
            Provider(Store, scope="app") if store is None else Provider(store, provides=Store),
            unit,
        ],
    )
