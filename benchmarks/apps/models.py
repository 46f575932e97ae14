"""The body and form scenarios' models as plain dataclasses, for the peers that read them so
(Litestar, BlackSheep). No ``from __future__ import annotations``: they read the fields'
annotations at runtime."""

from dataclasses import dataclass


@dataclass
class Item:
    name: str
    price: float
    tags: list[str]


@dataclass
class Login:
    username: str
    password: str
    remember: bool = False
