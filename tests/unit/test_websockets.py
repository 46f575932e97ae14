from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from resourceful.responses import FileResponse, PlainTextResponse, StreamingResponse
from resourceful.testclient import WebSocketDenialResponse
from resourceful.types import Message, Receive, Scope, Send
from resourceful.websockets import (
    WebSocket,
    WebSocketClose,
    WebSocketDisconnect,
    WebSocketDisconnected,
    WebSocketState,
)
from tests.conftest import TestClientFactory

Handler = Callable[[WebSocket], Awaitable[None]]


def ws_app(handler: Handler) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await handler(WebSocket(scope, receive, send))

    return app


def test_text_bytes_and_json_round_trips(test_client_factory: TestClientFactory) -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text((await websocket.receive_text()).upper())
        await websocket.send_bytes(await websocket.receive_bytes() * 2)
        await websocket.send_json({"echo": await websocket.receive_json()})
        await websocket.send_json(await websocket.receive_json(mode="binary"), mode="binary")
        await websocket.close()

    client = test_client_factory(ws_app(handler))
    with client.websocket_connect("/ws") as session:
        session.send_text("hi")
        assert session.receive_text() == "HI"
        session.send_bytes(b"ab")
        assert session.receive_bytes() == b"abab"
        session.send_json({"a": 1})
        assert session.receive_json() == {"echo": {"a": 1}}
        session.send_json([1, "é"], mode="binary")
        assert session.receive_json(mode="binary") == [1, "é"]
        with pytest.raises(WebSocketDisconnect) as info:
            session.receive_text()
        assert info.value.code == 1000


def test_accept_with_subprotocol_and_headers(test_client_factory: TestClientFactory) -> None:
    async def handler(websocket: WebSocket) -> None:
        assert websocket.scope["subprotocols"] == ["chat", "json"]
        await websocket.accept(subprotocol="json", headers=[(b"x-extra", b"1")])
        await websocket.close(code=1001, reason="bye")

    client = test_client_factory(ws_app(handler))
    with client.websocket_connect("/ws", subprotocols=["chat", "json"]) as session:
        assert session.accepted_subprotocol == "json"
        assert session.extra_headers == [(b"x-extra", b"1")]
        with pytest.raises(WebSocketDisconnect) as info:
            session.receive_bytes()
        assert (info.value.code, info.value.reason) == (1001, "bye")


def test_iterators_stop_at_disconnect(test_client_factory: TestClientFactory) -> None:
    received: list[Any] = []

    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        kind = websocket.url.path.strip("/")
        iterator = {
            "text": websocket.iter_text,
            "bytes": websocket.iter_bytes,
            "json": websocket.iter_json,
        }[kind]()
        received.extend([item async for item in iterator])
        # Once the client has left, the iterator stays finished: it reads nothing more.
        assert [item async for item in iterator] == []

    client = test_client_factory(ws_app(handler))
    with client.websocket_connect("/text") as session:
        session.send_text("a")
        session.send_text("b")
    with client.websocket_connect("/bytes") as session:
        session.send_bytes(b"c")
    with client.websocket_connect("/json") as session:
        session.send_json({"d": 1})
    assert received == ["a", "b", b"c", {"d": 1}]


def test_client_disconnect_is_seen_by_the_app(test_client_factory: TestClientFactory) -> None:
    seen: list[tuple[int, str]] = []

    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            await websocket.receive_text()
        except WebSocketDisconnect as exc:
            seen.append((exc.code, exc.reason))
            assert websocket.client_state == WebSocketState.DISCONNECTED

    client = test_client_factory(ws_app(handler))
    with client.websocket_connect("/ws") as session:
        session.close(code=4000, reason="leaving")
    assert seen == [(4000, "leaving")]


def test_close_before_accept_refuses_the_connection(
    test_client_factory: TestClientFactory,
) -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.close(code=1008)

    client = test_client_factory(ws_app(handler))
    with ExitStack() as stack, pytest.raises(WebSocketDisconnect) as info:
        stack.enter_context(client.websocket_connect("/ws"))
    assert info.value.code == 1008


def test_websocket_close_app(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(WebSocketClose(code=1003, reason="no"))
    with ExitStack() as stack, pytest.raises(WebSocketDisconnect) as info:
        stack.enter_context(client.websocket_connect("/ws"))
    assert (info.value.code, info.value.reason) == (1003, "no")


def test_denial_response(test_client_factory: TestClientFactory) -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.send_denial_response(PlainTextResponse("Go away", status_code=403))
        assert websocket.application_state == WebSocketState.DISCONNECTED

    client = test_client_factory(ws_app(handler))
    with ExitStack() as stack, pytest.raises(WebSocketDenialResponse) as info:
        stack.enter_context(client.websocket_connect("/ws"))
    assert info.value.status_code == 403
    assert info.value.text == "Go away"


def test_streamed_denial_response(test_client_factory: TestClientFactory) -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.send(
            {"type": "websocket.http.response.start", "status": 401, "headers": []}
        )
        await websocket.send(
            {"type": "websocket.http.response.body", "body": b"log ", "more_body": True}
        )
        assert websocket.application_state == WebSocketState.RESPONSE
        await websocket.send({"type": "websocket.http.response.body", "body": b"in"})

    client = test_client_factory(ws_app(handler))
    with ExitStack() as stack, pytest.raises(WebSocketDenialResponse) as info:
        stack.enter_context(client.websocket_connect("/ws"))
    assert info.value.status_code == 401
    assert info.value.text == "log in"


def test_any_response_class_can_deny(
    test_client_factory: TestClientFactory, tmp_path: Path
) -> None:
    denial = tmp_path / "denial.txt"
    denial.write_text("from a file")

    async def chunks() -> AsyncIterator[bytes]:
        yield b"streamed "
        yield b"denial"

    responses = {
        "/stream": StreamingResponse(chunks(), status_code=403),
        "/file": FileResponse(denial, status_code=401),
    }

    async def handler(websocket: WebSocket) -> None:
        await websocket.send_denial_response(responses[websocket.url.path])

    client = test_client_factory(ws_app(handler))
    for path, status, text in [("/stream", 403, "streamed denial"), ("/file", 401, "from a file")]:
        with ExitStack() as stack, pytest.raises(WebSocketDenialResponse) as info:
            stack.enter_context(client.websocket_connect(path))
        assert (info.value.status_code, info.value.text) == (status, text)


async def test_denial_response_needs_the_extension() -> None:
    websocket, _ = make([])
    with pytest.raises(RuntimeError, match="doesn't support the Websocket Denial Response"):
        await websocket.send_denial_response(PlainTextResponse("no"))


def scripted(messages: list[Message]) -> tuple[Receive, Send, list[Message]]:
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    return receive, send, sent


def make(messages: list[Message]) -> tuple[WebSocket, list[Message]]:
    receive, send, sent = scripted(messages)
    return WebSocket({"type": "websocket", "headers": []}, receive, send), sent


async def test_protocol_order_is_enforced_on_receive() -> None:
    websocket, _ = make([{"type": "websocket.receive", "text": "early"}])
    with pytest.raises(RuntimeError, match="Expected 'websocket.connect' first"):
        await websocket.receive()
    websocket, _ = make([{"type": "websocket.connect"}, {"type": "websocket.connect"}])
    await websocket.accept()
    with pytest.raises(RuntimeError, match="Expected 'websocket.receive' or"):
        await websocket.receive()
    websocket, _ = make([{"type": "websocket.connect"}, {"type": "websocket.disconnect"}])
    await websocket.accept()
    await websocket.receive()
    with pytest.raises(WebSocketDisconnected, match="already disconnected"):
        await websocket.receive()


@pytest.mark.anyio
@pytest.mark.parametrize("read", ["receive_text", "receive_bytes", "iter_text", "iter_bytes"])
async def test_data_readers_check_what_the_client_sent(read: str) -> None:
    async def next_data(websocket: WebSocket) -> object:
        if read.startswith("iter"):
            return await anext(aiter(getattr(websocket, read)()))
        return await getattr(websocket, read)()

    # The client sends websocket.connect a second time, where data was due.
    websocket, _ = make([{"type": "websocket.connect"}, {"type": "websocket.connect"}])
    await websocket.accept()
    with pytest.raises(RuntimeError, match="but received 'websocket.connect'"):
        await next_data(websocket)
    # The app accepted through send() without waiting for the client's connect: the connect
    # arrives where data was due.
    websocket, _ = make([{"type": "websocket.connect"}])
    await websocket.send({"type": "websocket.accept"})
    with pytest.raises(RuntimeError, match="but received 'websocket.connect'"):
        await next_data(websocket)
    # The client left, and the app reads on.
    websocket, _ = make([{"type": "websocket.connect"}, {"type": "websocket.disconnect"}])
    await websocket.accept()
    await websocket.receive()
    with pytest.raises(WebSocketDisconnected, match="already disconnected"):
        await next_data(websocket)


async def test_protocol_order_is_enforced_on_send() -> None:
    websocket, _ = make([])
    with pytest.raises(RuntimeError, match="Expected 'websocket.accept'"):
        await websocket.send_text("too early")
    websocket, _ = make([{"type": "websocket.connect"}])
    await websocket.accept()
    with pytest.raises(RuntimeError, match="Expected 'websocket.send' or 'websocket.close'"):
        await websocket.send({"type": "websocket.accept"})
    await websocket.close()
    with pytest.raises(WebSocketDisconnected, match="already closed"):
        await websocket.send_text("too late")
    websocket, _ = make([])
    await websocket.send({"type": "websocket.http.response.start", "status": 403, "headers": []})
    with pytest.raises(RuntimeError, match='Expected ASGI message "websocket.http.response.body"'):
        await websocket.send_text("not a body")


async def test_accept_after_reading_the_connect_message() -> None:
    websocket, sent = make([{"type": "websocket.connect"}])
    assert (await websocket.receive())["type"] == "websocket.connect"
    await websocket.accept()
    assert sent == [{"type": "websocket.accept", "subprotocol": None, "headers": []}]


async def test_receiving_before_accept_is_an_error() -> None:
    websocket, _ = make([])
    for receive in (websocket.receive_text, websocket.receive_bytes, websocket.receive_json):
        with pytest.raises(
            WebSocketDisconnected, match='Call "await websocket.accept\\(\\)" first'
        ):
            await receive()


async def test_wrong_frame_kind_is_a_clear_error() -> None:
    websocket, _ = make(
        [
            {"type": "websocket.connect"},
            {"type": "websocket.receive", "bytes": b"x"},
            {"type": "websocket.receive", "text": "y"},
        ]
    )
    await websocket.accept()
    with pytest.raises(RuntimeError, match="use receive_bytes"):
        await websocket.receive_text()
    with pytest.raises(RuntimeError, match="use receive_text"):
        await websocket.receive_bytes()


async def test_json_mode_must_be_text_or_binary() -> None:
    websocket, _ = make([{"type": "websocket.connect"}])
    await websocket.accept()
    with pytest.raises(RuntimeError, match='"mode" argument should be'):
        await websocket.receive_json(mode="xml")  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match='"mode" argument should be'):
        await websocket.send_json({}, mode="xml")  # type: ignore[arg-type]


async def test_send_to_a_gone_client_raises_disconnect() -> None:
    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        if message["type"] == "websocket.send":
            raise OSError("connection reset")

    websocket = WebSocket({"type": "websocket", "headers": []}, receive, send)
    await websocket.accept()
    with pytest.raises(WebSocketDisconnect) as info:
        await websocket.send_text("x")
    assert info.value.code == 1006
    assert websocket.application_state == WebSocketState.DISCONNECTED


def test_websocket_needs_a_websocket_scope() -> None:
    receive, send, _ = scripted([])
    with pytest.raises(ValueError, match="WebSocket takes a 'websocket' scope"):
        WebSocket({"type": "http", "headers": []}, receive, send)


def test_websocket_is_a_connection(test_client_factory: TestClientFactory) -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(
            {
                "url": str(websocket.url),
                "query": dict(websocket.query_params),
                "header": websocket.headers["x-token"],
            }
        )
        await websocket.close()

    client = test_client_factory(ws_app(handler))
    with client.websocket_connect("/feed?since=3", headers={"X-Token": "t"}) as session:
        assert session.receive_json() == {
            "url": "ws://testserver/feed?since=3",
            "query": {"since": "3"},
            "header": "t",
        }


async def test_json_is_standard_both_ways() -> None:
    websocket, sent = make(
        [
            {"type": "websocket.connect"},
            {"type": "websocket.receive", "text": '{"ratio": NaN}'},
            {"type": "websocket.receive", "bytes": b"[Infinity]"},
            {"type": "websocket.receive", "text": '"\\ud800"'},
        ]
    )
    await websocket.accept()
    # The client sent Python's NaN and Infinity, which JSON does not have.
    with pytest.raises(ValueError, match="NaN is not JSON"):
        await websocket.receive_json()
    with pytest.raises(ValueError, match="Infinity is not JSON"):
        await websocket.receive_json(mode="binary")
    # A lone surrogate the client sent goes back escaped, in either kind of frame.
    text = await websocket.receive_json()
    await websocket.send_json({"echo": text})
    await websocket.send_json({"echo": text}, mode="binary")
    assert sent[-2:] == [
        {"type": "websocket.send", "text": '{"echo":"\\ud800"}'},
        {"type": "websocket.send", "bytes": b'{"echo":"\\ud800"}'},
    ]
    with pytest.raises(ValueError, match="not JSON compliant"):
        await websocket.send_json({"ratio": float("nan")})
