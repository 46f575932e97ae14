"""CSRFMiddleware: tokens in forms and headers, and every way a forged request fails."""

from __future__ import annotations

from typing import Annotated

import anyio
import pytest

from resourceful import (
    App,
    Form,
    HTMLResponse,
    Middleware,
    PlainTextResponse,
    Route,
    WebSocketRoute,
)
from resourceful.datastructures import Secret
from resourceful.middleware.csrf import CSRFMiddleware, csrf_input, csrf_token
from resourceful.middleware.sessions import SessionMiddleware
from resourceful.requests import Request
from resourceful.responses import Response, StreamingResponse
from resourceful.types import Message, Receive, Scope, Send
from resourceful.websockets import WebSocket
from tests.conftest import TestClientFactory


async def page(request: Request) -> Response:
    return HTMLResponse(f"<form method=post>{csrf_input(request)}</form>")


async def token(request: Request) -> Response:
    return PlainTextResponse(csrf_token(request))


async def submit(title: Annotated[str, Form()]) -> str:
    return f"saved {title}"


async def streamed_submit(title: Annotated[str, Form()]) -> Response:
    # A streaming response keeps listening for the client leaving, past the replayed body.
    return StreamingResponse(iter([f"streamed {title}"]))


async def api(request: Request) -> Response:
    return PlainTextResponse(f"api got {(await request.body()).decode()}")


async def webhook(request: Request) -> Response:
    return PlainTextResponse("hook")


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.close()


def csrf_app(secret_key: str | Secret = "csrf-key") -> App:
    return App(
        routes=[
            Route("/page", page),
            Route("/token", token),
            Route("/submit", submit, methods=["POST"]),
            Route("/streamed", streamed_submit, methods=["POST"]),
            Route("/api", api, methods=["POST", "DELETE"]),
            Route("/hooks/github", webhook, methods=["POST"]),
            WebSocketRoute("/ws", socket),
        ],
        middleware=[
            Middleware(SessionMiddleware, secret_key="session-key"),
            Middleware(CSRFMiddleware, secret_key=secret_key, exempt_paths=["/hooks/"]),
        ],
    )


def field_value(html: str) -> str:
    return html.split('value="')[1].split('"')[0]


def test_form_with_the_token_is_accepted(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(csrf_app())
    html = client.get("/page").text
    assert 'type="hidden" name="csrf_token"' in html
    response = client.post("/submit", data={"title": "hi", "csrf_token": field_value(html)})
    assert response.json() == "saved hi"
    upload = client.post(
        "/submit",
        data={"title": "file", "csrf_token": field_value(html)},
        files={"f": ("a.txt", b"x")},
    )
    assert upload.json() == "saved file"
    streamed = client.post("/streamed", data={"title": "s", "csrf_token": field_value(html)})
    assert streamed.text == "streamed s"


def test_header_token_for_scripts(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(csrf_app())
    value = client.get("/token").text
    assert client.get("/token").text == value, "the token is stable for the session"
    response = client.post("/api", content=b"payload", headers={"x-csrf-token": value})
    assert response.text == "api got payload"
    assert client.delete("/api", headers={"x-csrf-token": value}).status_code == 200


def test_missing_token_is_403(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(csrf_app())
    client.get("/page")
    # The client posted the form without its token.
    response = client.post("/submit", data={"title": "hi"})
    assert response.status_code == 403
    assert response.text == "CSRF token missing: send it in the form field or the header."
    # A JSON post with no header has no token either.
    assert client.post("/api", json={"a": 1}).status_code == 403


def test_unreadable_forms_are_client_errors(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(csrf_app())
    client.get("/page")
    # The client cut a multipart form off before its closing boundary.
    broken = client.post(
        "/submit",
        content=b"--b\r\nContent-Disposition: form-data",
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert broken.status_code == 400
    # The client sent a form over the app's 1 MiB body limit.
    oversized = client.post("/submit", data={"title": "x" * (1024 * 1024)})
    assert oversized.status_code == 413


def test_forged_token_is_403(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(csrf_app())
    real = client.get("/token").text
    raw = real.split(".")[0]
    # The client sent the session's token with a made-up signature, then garbage.
    for forged in (f"{raw}.0000", "garbage"):
        response = client.post("/api", headers={"x-csrf-token": forged})
        assert (response.status_code, response.text) == (
            403,
            "CSRF token invalid: it was not issued by this site.",
        )


def test_token_with_text_that_is_not_ascii_is_403(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(csrf_app())
    raw = client.get("/token").text.split(".")[0]
    # The client sent tokens whose signature or token part is not ASCII, in a form and in the
    # header (found by the fuzz suite: a 500, as compare_digest refuses such text).
    forms = [f"{raw}.\u0080", f"\u00e9t\u00e9.{'0' * 64}"]
    for forged in forms:
        response = client.post("/submit", data={"csrf_token": forged, "title": "t"})
        assert response.status_code == 403
    response = client.post("/api", headers={"x-csrf-token": f"{raw}.\u00ff".encode("latin-1")})
    assert response.status_code == 403


def test_token_from_another_session_is_403(test_client_factory: TestClientFactory) -> None:
    victim = test_client_factory(csrf_app())
    attacker = test_client_factory(csrf_app())
    attacker_token = attacker.get("/token").text
    victim.get("/page")
    # The attacker's own valid token, sent with the victim's session.
    response = victim.post("/api", headers={"x-csrf-token": attacker_token})
    assert response.status_code == 403
    assert response.text.startswith("CSRF token does not belong to this session")
    # A session that never asked for a token has none to match.
    fresh = test_client_factory(csrf_app())
    assert fresh.post("/api", headers={"x-csrf-token": attacker_token}).status_code == 403


def test_safe_methods_exempt_paths_and_websockets(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(csrf_app())
    assert client.get("/page").status_code == 200
    assert client.post("/hooks/github", content=b"{}").text == "hook"
    with client.websocket_connect("/ws"):
        pass


def test_csrf_needs_sessions_and_a_secret(test_client_factory: TestClientFactory) -> None:
    app = App(
        routes=[Route("/api", api, methods=["POST"])],
        middleware=[Middleware(CSRFMiddleware, secret_key="k")],
    )
    with pytest.raises(RuntimeError, match="needs SessionMiddleware installed outside it"):
        test_client_factory(app).post("/api")
    with pytest.raises(ValueError, match="non-empty secret_key"):
        CSRFMiddleware(api, secret_key="")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-empty secret_key"):
        CSRFMiddleware(api, secret_key=Secret(""))  # type: ignore[arg-type]


def test_a_secret_signs_as_its_value(test_client_factory: TestClientFactory) -> None:
    """A token signed under the plain key is good under the Secret of that key: the
    Secret's value signs, not its mask."""
    plain = test_client_factory(csrf_app("csrf-key"))
    token = plain.get("/token").text
    secret = test_client_factory(csrf_app(Secret("csrf-key")))
    secret.cookies = plain.cookies

    response = secret.post("/api", headers={"x-csrf-token": token}, content=b"x")

    assert response.text == "api got x"


def test_token_helpers_need_the_middleware(test_client_factory: TestClientFactory) -> None:
    app = App(
        routes=[Route("/token", token)],
        middleware=[Middleware(SessionMiddleware, secret_key="k")],
    )
    with pytest.raises(RuntimeError, match="csrf_token\\(\\) needs CSRFMiddleware"):
        test_client_factory(app).get("/token")


async def test_lifespan_passes_through() -> None:
    seen: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    sender, receiver = anyio.create_memory_object_stream[Message](1)
    with sender, receiver:
        await CSRFMiddleware(inner, "k")({"type": "lifespan"}, receiver.receive, sender.send)
    assert seen == ["lifespan"]


async def scope_text(request: Request) -> Response:
    return PlainTextResponse(repr(request.scope))


def test_logged_scope_shows_no_signing_keys(test_client_factory: TestClientFactory) -> None:
    # An app that logs its scope (or a debugger that shows it) must not show the keys.
    app = csrf_app("csrf-signing-key")
    app.router.add_route("/scope", scope_text)
    text = test_client_factory(app).get("/scope").text
    assert "CSRFMiddleware" in text
    assert "csrf-signing-key" not in text
    assert "session-key" not in text
