"""resourceful: a lightweight, fast ASGI framework of resources and typed injection."""

from resourceful._version import __version__ as __version__
from resourceful.applications import App
from resourceful.background import BackgroundTask, BackgroundTasks
from resourceful.config import Config
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
from resourceful.di import (
    Body,
    Cookie,
    File,
    Form,
    Header,
    Inject,
    MergePatch,
    Path,
    Provider,
    Query,
)
from resourceful.exceptions import HTTPException, RequestValidationError, WebSocketException
from resourceful.middleware import Middleware
from resourceful.middleware.sessions import Session
from resourceful.requests import HTTPConnection, Request
from resourceful.resources import (
    HTTPEndpoint,
    HTTPResource,
    WebSocketEndpoint,
    WebSocketResource,
    handles,
    responds,
)
from resourceful.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from resourceful.routing import Host, Mount, NoMatchFound, Route, Router, WebSocketRoute
from resourceful.settings import Settings, SettingsError, setting
from resourceful.websockets import WebSocket, WebSocketDisconnect, WebSocketState

__all__ = [
    "URL",
    "Address",
    "App",
    "BackgroundTask",
    "BackgroundTasks",
    "Body",
    "CommaSeparatedStrings",
    "Config",
    "Cookie",
    "File",
    "FileResponse",
    "Form",
    "FormData",
    "HTMLResponse",
    "HTTPConnection",
    "HTTPEndpoint",
    "HTTPException",
    "HTTPResource",
    "Header",
    "Headers",
    "Host",
    "Inject",
    "JSONResponse",
    "MergePatch",
    "Middleware",
    "Mount",
    "MutableHeaders",
    "NoMatchFound",
    "Path",
    "PlainTextResponse",
    "Provider",
    "Query",
    "QueryParams",
    "RedirectResponse",
    "Request",
    "RequestValidationError",
    "Response",
    "Route",
    "Router",
    "Secret",
    "Session",
    "Settings",
    "SettingsError",
    "State",
    "StreamingResponse",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketEndpoint",
    "WebSocketException",
    "WebSocketResource",
    "WebSocketRoute",
    "WebSocketState",
    "handles",
    "responds",
    "setting",
]
