"""Broadcast: messages a second through each backend, one publisher and one subscriber.

``memory://`` hands messages over in process; ``redis://`` sends each through a Redis
server on 127.0.0.1 and back (started here from ``redis-server`` when no ``--redis-url`` is
given; the Redis row is left out where there is neither). Run it with
``python -m benchmarks.broadcast`` (``--messages 1000`` for a quick check).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import anyio

from resourceful.broadcast import Broadcast


async def rate(url: str, messages: int) -> float:
    """Messages a second published and received through the broadcast at ``url``."""
    async with (
        Broadcast(url, backlog=messages + 1) as broadcast,
        broadcast.subscribe("bench") as subscription,
        anyio.create_task_group() as group,
    ):
        received = anyio.Event()

        async def receive() -> None:
            for _ in range(messages):
                await anext(subscription)
            received.set()

        group.start_soon(receive)
        await anyio.sleep(0.1)  # the subscription is in place at the broker
        start = time.perf_counter()
        for number in range(messages):  # one publisher, awaiting each message
            await broadcast.publish("bench", str(number))
        with anyio.fail_after(120):
            await received.wait()
        elapsed = time.perf_counter() - start
    return messages / elapsed


@contextmanager
def redis_server() -> Iterator[str | None]:
    """A Redis server on a free port on 127.0.0.1, or None without ``redis-server``."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if b"Ready to accept connections" in line:
                break
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.kill()
        server.communicate()


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--redis-url", help="a running Redis to use instead of starting one")
    args = parser.parse_args(argv)
    results = {"memory": anyio.run(rate, "memory://", args.messages)}
    with redis_server() as started:
        url = args.redis_url or started
        if url is not None:
            results["redis"] = anyio.run(rate, url, args.messages, backend="asyncio")
    for backend, per_second in results.items():
        print(f"{backend:<8} {per_second:>12,.0f} messages/s ({args.messages:,} messages)")
    if "redis" not in results:
        print("redis    skipped: no redis-server (install Debian's redis-server)")
    return results


if __name__ == "__main__":
    main()
