"""Path templates: ``/users/{id:int}`` compiled once into a regex, a format and convertors."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from resourceful.convertors import CONVERTOR_TYPES, Convertor, PathConvertor, StringConvertor
from resourceful.types import Scope

_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_][a-zA-Z0-9_]*))?}")
_PLACEHOLDER = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)}")
# Convert functions that hand back the text they are given: nothing to call.
_AS_IS = (StringConvertor.convert, PathConvertor.convert)


class CompiledPath:
    """A compiled template: match a path with :attr:`regex`, fill :attr:`format` to reverse it.

    Attributes:
        regex: matches the whole path (or host), with one named group per parameter.
        format: the template with plain ``{name}`` placeholders.
        convertors: each parameter's convertor, by name.
        first_segment: the literal first path segment, or None when it holds a parameter;
            the router indexes routes by it.
    """

    __slots__ = ("_converts", "convertors", "first_segment", "format", "regex")

    def __init__(self, template: str) -> None:
        is_host = not template.startswith("/")
        pattern = "^"
        fmt = ""
        convertors: dict[str, Convertor[Any]] = {}
        position = 0
        names = [match.group(1) for match in _PARAM.finditer(template)]
        duplicated = sorted({name for name in names if names.count(name) > 1}, key=names.index)
        if duplicated:
            plural = "s" if len(duplicated) > 1 else ""
            msg = f"Duplicated param name{plural} {', '.join(duplicated)} at path {template}"
            raise ValueError(msg)
        for match in _PARAM.finditer(template):
            name, kind = match.group(1), match.group(2) or "str"
            if kind not in CONVERTOR_TYPES:
                msg = (
                    f"Unknown path convertor {kind!r} in {template!r}; use one of "
                    f"{', '.join(sorted(CONVERTOR_TYPES))} or register_url_convertor()."
                )
                raise ValueError(msg)
            literal = template[position : match.start()]
            pattern += re.escape(literal) + f"(?P<{name}>{CONVERTOR_TYPES[kind].regex})"
            fmt += literal + "{" + name + "}"
            convertors[name] = CONVERTOR_TYPES[kind]
            position = match.end()
        tail = template[position:]
        if is_host:
            # A host template matches the Host header without its port.
            host = tail if tail.endswith("]") else re.sub(r":[0-9]*$", "", tail)
            pattern += re.escape(host) + "$"
        else:
            pattern += re.escape(tail) + "$"
        self.regex = re.compile(pattern)
        self.format = fmt + tail
        self.convertors = convertors
        # The convertors that change the text they are given, each as its convert function.
        self._converts = [
            (name, convertor.convert)
            for name, convertor in convertors.items()
            if type(convertor).convert not in _AS_IS
        ]
        first = template[1:].split("/", 1)[0]
        self.first_segment = None if is_host or "{" in first else first

    def match(self, text: str) -> dict[str, Any] | None:
        """The converted parameters when ``text`` matches, else None.

        A value its convertor refuses (an int of 5,000 digits) is no match either.
        """
        found = self.regex.match(text)
        if found is None:
            return None
        params = found.groupdict()
        try:
            for name, convert in self._converts:
                params[name] = convert(params[name])
        except ValueError:
            return None
        return params

    def replace_params(self, params: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """Fill the template from ``params``: the path and the params it did not use.

        None when ``params`` lacks one the template needs.
        """
        if not self.convertors.keys() <= params.keys():
            return None
        remaining = dict(params)
        values = {
            name: convertor.to_string(remaining.pop(name))
            for name, convertor in self.convertors.items()
        }
        # One pass, so that a value that looks like a placeholder ("{id}") stays as it is.
        path = _PLACEHOLDER.sub(lambda found: values.get(found[1], found[0]), self.format)
        if path.startswith(("//", "/\\")):  # it would read as a host (or a Windows share)
            path = "/" + quote(path[1], safe="") + path[2:]
        return path, remaining


def route_path(scope: Scope) -> str:
    """The part of the path below the ``root_path`` the app is served at."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if not root_path:
        return path
    if root_path[-1] == "/":  # "/sub/" mounts the app at "/sub" too
        root_path = root_path.rstrip("/")
    if not path.startswith(root_path):
        return path
    rest = path[len(root_path) :]
    return rest if rest == "" or rest[0] == "/" else path


def first_segment(path: str) -> str:
    """``"users"`` for ``"/users/42"``; ``""`` for ``"/"``."""
    return path[1:].split("/", 1)[0]
