"""resourceful: a lightweight, fast ASGI framework of resources and typed injection."""

from resourceful.background import BackgroundTask, BackgroundTasks
from resourceful.datastructures import (
    URL,
    Address,
    CommaSeparatedStrings,
    FormData,
    Headers,
    MutableHeaders,
    QueryParams,
    Secret,
    State,
    UploadFile,
)
from resourceful.exceptions import HTTPException, WebSocketException
from resourceful.requests import HTTPConnection, Request
from resourceful.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from resourceful.websockets import WebSocket, WebSocketDisconnect, WebSocketState

__version__ = "0.1.0.dev0"

__all__ = [
    "URL",
    "Address",
    "BackgroundTask",
    "BackgroundTasks",
    "CommaSeparatedStrings",
    "FileResponse",
    "FormData",
    "HTMLResponse",
    "HTTPConnection",
    "HTTPException",
    "Headers",
    "JSONResponse",
    "MutableHeaders",
    "PlainTextResponse",
    "QueryParams",
    "RedirectResponse",
    "Request",
    "Response",
    "Secret",
    "State",
    "StreamingResponse",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketException",
    "WebSocketState",
]
