"""Server-side sessions in a real Redis (see tests/redis_server.py), shared by two apps as
two workers would share them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from resourceful import App, JSONResponse, Middleware, Route
from resourceful.middleware.sessions import SessionMiddleware
from resourceful.middleware.sessionstores import RedisSessionStore
from resourceful.requests import Request
from resourceful.responses import Response
from resourceful.testclient import TestClient
from tests.redis_server import RedisServer, redis_server


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    with redis_server() as running:
        yield running


async def view(request: Request) -> Response:
    return JSONResponse(dict(request.session))


async def log_in(request: Request) -> Response:
    request.session.clear()
    request.session["user"] = request.query_params["user"]
    return JSONResponse(dict(request.session))


async def log_out(request: Request) -> Response:
    request.session.clear()
    return JSONResponse({})


def worker(store: RedisSessionStore) -> App:
    routes = [Route("/", view), Route("/login", log_in, methods=["POST"])]
    routes.append(Route("/logout", log_out, methods=["POST"]))
    middleware = [Middleware(SessionMiddleware, secret_key="shared", store=store, max_age=600)]
    return App(routes=routes, middleware=middleware)


def test_two_workers_share_sessions_kept_in_redis(server: RedisServer) -> None:
    first_store, second_store = RedisSessionStore(server.url), RedisSessionStore(server.url)
    plain = redis.Redis.from_url(server.url, decode_responses=True)
    with TestClient(worker(first_store)) as first, TestClient(worker(second_store)) as second:
        first.post("/login", params={"user": "ada"})
        [key] = plain.keys("session:*")
        assert 590 <= plain.ttl(key) <= 600
        # The cookie carries only the signed session id, never the data.
        signer = SessionMiddleware(App(), secret_key="shared").signer
        assert key == "session:" + signer.unsign(first.cookies["session"]).decode()
        # The cookie the first worker set opens the session on the second.
        second.cookies.update(first.cookies)
        assert second.get("/").json() == {"user": "ada"}
        second.post("/logout")
        assert plain.keys("session:*") == []
        first.cookies.update(second.cookies)
        assert first.get("/").json() == {}
        for client, store in ((first, first_store), (second, second_store)):
            assert client.portal is not None
            client.portal.call(store.aclose)  # on the loop its connections belong to
    plain.close()


def test_redis_sessions_need_asyncio(server: RedisServer) -> None:
    store = RedisSessionStore(server.url)
    client = TestClient(worker(store), backend="trio")
    client.cookies.set(
        "session", SessionMiddleware(App(), secret_key="shared").signer.sign(b"x").decode()
    )
    with pytest.raises(RuntimeError, match="RedisSessionStore needs asyncio"):
        client.get("/")
