"""GraphQL under a real uvicorn: HTTP requests, and subscriptions through a real websocket."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.integration.conftest import TEST_APPS, uvicorn_server


@pytest.fixture(scope="module")
def graphql_server() -> Iterator[str]:
    with uvicorn_server("graphql_app:app", TEST_APPS) as base_url:
        yield base_url


def test_a_query_over_http(graphql_server: str) -> None:
    response = httpx.post(
        graphql_server + "/graphql",
        json={"query": '{ hello(name: "uvicorn") }'},
        headers={"accept": "application/graphql-response+json"},
    )

    assert response.headers["content-type"] == "application/graphql-response+json"
    assert response.json() == {"data": {"hello": "Hello, uvicorn"}}


def test_a_subscription_over_a_real_websocket(graphql_server: str) -> None:
    url = graphql_server.replace("http://", "ws://") + "/graphql"
    with connect(url, subprotocols=["graphql-transport-ws"]) as websocket:  # type: ignore[list-item]
        assert websocket.subprotocol == "graphql-transport-ws"
        websocket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(websocket.recv(timeout=5)) == {"type": "connection_ack"}
        query = {"query": "subscription { countdown(start: 3) }"}
        websocket.send(json.dumps({"id": "1", "type": "subscribe", "payload": query}))
        received = [json.loads(websocket.recv(timeout=5)) for _ in range(4)]
        assert [message.get("payload") for message in received[:3]] == [
            {"data": {"countdown": number}} for number in (3, 2, 1)
        ]
        assert received[3] == {"id": "1", "type": "complete"}
        websocket.send(json.dumps({"id": "2", "type": "subscribe"}))  # no payload: a bad message
        with pytest.raises(ConnectionClosed) as closed:
            websocket.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4400
