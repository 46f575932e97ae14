"""The fuzz suite's representative app, for uvicorn: its static folder comes from
``RELIABILITY_STATIC``."""

from __future__ import annotations

import os
from pathlib import Path

from resourceful import App
from tests.reliability.app import make_app


def create() -> App:
    return make_app(Path(os.environ["RELIABILITY_STATIC"]))
