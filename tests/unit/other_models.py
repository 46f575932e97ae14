"""A class named like one in test_openapi.py, for the clash of component names."""

from __future__ import annotations

import attrs


@attrs.frozen
class Tag:
    label: str
