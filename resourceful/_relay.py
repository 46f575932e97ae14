"""Send channels without a coroutine of their own, and how to tell when a send failed."""

from __future__ import annotations

from resourceful.types import Send


class Relay:
    """A send channel that passes each message on to ``downstream``.

    Its ``__call__`` (a subclass's) notes what it needs of a message, then hands back
    ``self.downstream(message)``, the awaitable of the channel behind it: no coroutine of
    the relay's runs around it, which spares a frame for every message of every response.
    """

    __slots__ = ("downstream",)

    downstream: Send


def failed_send(exc: BaseException, send: Send) -> bool:
    """Whether ``exc`` is an OSError that ``send`` raised: how an ASGI 2.4 server says the
    client has left.

    It is if its traceback runs through ``send``'s code. A relay has no frame to find (the
    error comes out of the channel behind it), so the channel behind it is looked for. A
    send without Python code (a compiled server's) leaves no frame either: its OSError is
    taken for the app's own, and reported.
    """
    if not isinstance(exc, OSError):
        return False
    channel: object = send
    while isinstance(channel, Relay):
        channel = channel.downstream
    # A function or method has its code; any other callable has its class's __call__'s.
    code = getattr(channel, "__code__", None) or getattr(type(channel).__call__, "__code__", None)
    trace = exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code is code:
            return True
        trace = trace.tb_next
    return False
