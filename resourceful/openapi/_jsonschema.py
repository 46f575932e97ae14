"""JSON Schema for Python types, as resourceful's converters read and write them.

A type is described twice over when it has to be: as a client may send it (``"input"``:
fields with defaults are optional, a Decimal may be a number or a numeric string) and as the
app responds with it (``"output"``: every field is there, a Decimal is a string). attrs classes and
dataclasses go to ``components/schemas`` under their names.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import decimal
import enum
import inspect
import re
import types
import typing
import uuid
from typing import Any, Literal, Union, get_args, get_origin

import attrs

from resourceful.di._framework import patch_target

Mode = Literal["input", "output"]
Schema = dict[str, Any]

#: The text of a finite decimal number, as Decimal reads it.
DECIMAL_PATTERN = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"

_SIMPLE: dict[Any, Schema] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
    uuid.UUID: {"type": "string", "format": "uuid"},
    datetime.datetime: {"type": "string", "format": "date-time"},
    datetime.date: {"type": "string", "format": "date"},
    datetime.time: {"type": "string", "format": "time"},
}
_CLOCK = r"[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
_OFFSET = r"(Z|[+-][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?"
# Python writes a naive datetime or time with no offset, which RFC 3339 (the "date-time" and
# "time" formats) requires: responses are described by what isoformat() writes instead.
_ISO_OUTPUT: dict[Any, Schema] = {
    datetime.datetime: {
        "type": "string",
        "pattern": f"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T{_CLOCK}{_OFFSET}$",
    },
    datetime.time: {"type": "string", "pattern": f"^{_CLOCK}{_OFFSET}$"},
}
_DECIMAL: dict[Mode, Schema] = {
    "input": {"anyOf": [{"type": "number"}, {"type": "string", "pattern": DECIMAL_PATTERN}]},
    "output": {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN},
}
_ARRAYS = {
    list,
    tuple,
    collections.abc.Sequence,
    collections.abc.MutableSequence,
    collections.abc.Iterable,
    collections.abc.Collection,
}
_SETS = {set, frozenset, collections.abc.Set, collections.abc.MutableSet}
_MAPPINGS = {dict, collections.abc.Mapping, collections.abc.MutableMapping}
_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"))
_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def json_type(value: Any) -> str | None:
    """The JSON Schema type of a literal value, or None for other values."""
    if value is None:
        return "null"
    for kind, name in _JSON_TYPES:
        if isinstance(value, kind):
            return name
    return None


def _enumeration(values: list[Any]) -> Schema:
    schema: Schema = {"enum": values} if len(values) != 1 else {"const": values[0]}
    kinds = {json_type(value) for value in values}
    if len(kinds) == 1 and None not in kinds:
        schema["type"] = kinds.pop()
    return schema


def is_model(annotation: Any) -> bool:
    """Whether ``annotation`` is an attrs class or a dataclass (a named object schema)."""
    origin = get_origin(annotation) or annotation
    return inspect.isclass(origin) and (attrs.has(origin) or dataclasses.is_dataclass(origin))


class Components:
    """The named schemas a document shares, each described once per mode it is used in.

    References are handed out as they are asked for and named in :meth:`schemas`, when every
    class is known: a name two classes share is qualified by module, and a class whose input
    and output differ gets ``-Input`` and ``-Output`` names.
    """

    def __init__(self) -> None:
        self._described: dict[tuple[Any, Mode], Schema] = {}
        self._references: dict[tuple[Any, Mode], list[Schema]] = {}
        self._order: list[Any] = []

    def schema(self, annotation: Any, mode: Mode) -> Schema:
        """The JSON Schema of ``annotation`` in ``mode``, classes as references."""
        if annotation is Any or annotation is object or annotation is inspect.Parameter.empty:
            return {}
        if get_origin(annotation) is typing.Annotated:
            return self.schema(get_args(annotation)[0], mode)
        if mode == "output" and annotation in _ISO_OUTPUT:
            return dict(_ISO_OUTPUT[annotation])
        simple = _SIMPLE.get(annotation)
        if simple is not None:
            return dict(simple)
        if annotation is decimal.Decimal:
            return dict(_DECIMAL[mode])
        supertype = getattr(annotation, "__supertype__", None)
        if supertype is not None:  # a NewType
            return self.schema(supertype, mode)
        origin = get_origin(annotation)
        args = get_args(annotation)
        if origin is Literal:
            return _enumeration([getattr(arg, "value", arg) for arg in args])
        if origin in (Union, types.UnionType):
            return self._union(args, mode)
        if inspect.isclass(annotation) and issubclass(annotation, enum.Enum):
            return _enumeration([member.value for member in annotation])
        if is_model(annotation):
            return self._reference(annotation, mode)
        target = patch_target(annotation)
        if target is not None:
            return self._merge_patch(target)
        return self._container(origin or annotation, args, mode)

    def _union(self, args: tuple[Any, ...], mode: Mode) -> Schema:
        choices: list[Schema] = []
        for arg in args:
            choice = self.schema(arg, mode)
            for one in choice["anyOf"] if list(choice) == ["anyOf"] else [choice]:
                # References are named later: until then they all look alike.
                if "$ref" in one or one not in choices:
                    choices.append(one)
        return {"anyOf": choices}

    def _container(self, origin: Any, args: tuple[Any, ...], mode: Mode) -> Schema:
        if origin is tuple and args and args[-1] is not Ellipsis:
            items = [self.schema(arg, mode) for arg in args]
            length = len(items)
            return {
                "type": "array",
                "prefixItems": items,
                "items": False,
                "minItems": length,
                "maxItems": length,
            }
        if origin in _ARRAYS or origin in _SETS:
            schema: Schema = {"type": "array"}
            if args:
                schema["items"] = self.schema(args[0], mode)
            if origin in _SETS:
                schema["uniqueItems"] = True
            return schema
        if origin in _MAPPINGS:
            schema = {"type": "object"}
            if len(args) == 2:
                schema["additionalProperties"] = self.schema(args[1], mode)
            return schema
        return {}  # a type the converters handle in their own way: anything

    def _merge_patch(self, target: Any) -> Schema:
        """A merge patch of ``target``: any of its fields, ``null`` for one to remove."""
        schema: Schema = {
            "description": "A JSON Merge Patch (RFC 7396): the members to change, "
            "null for those to remove."
        }
        if is_model(target):
            fields = model_fields(target)
            properties = {name: self.schema(kind, "input") for name, kind, _ in fields}
            schema.update(type="object", title=f"{_title(target)} patch", properties=properties)
        return schema

    def _reference(self, cls: Any, mode: Mode) -> Schema:
        key = (cls, mode)
        reference: Schema = {"$ref": ""}
        self._references.setdefault(key, []).append(reference)
        if key not in self._described:
            self._described[key] = {}  # taken: a class that contains itself refers back
            if cls not in self._order:
                self._order.append(cls)
            self._described[key] = self._object(cls, mode)
        return reference

    def _object(self, cls: Any, mode: Mode) -> Schema:
        properties: Schema = {}
        required: list[str] = []
        for name, annotation, default in model_fields(cls):
            field = self.schema(annotation, mode)
            if mode == "output" or default is attrs.NOTHING:
                required.append(name)
            elif (shown := plain_default(default)) is not attrs.NOTHING:
                field["default"] = shown
            properties[name] = field
        schema: Schema = {"type": "object", "title": _title(cls), "properties": properties}
        if required:
            schema["required"] = required
        description = inspect.getdoc(get_origin(cls) or cls)
        if description and not _is_generated_doc(description):
            schema["description"] = description
        return schema

    def schemas(self) -> Schema:
        """``components/schemas``, and every reference handed out pointed at its name."""
        names = _names(self._order)
        found: Schema = {}
        for cls in self._order:
            modes: tuple[Mode, ...] = ("input", "output")
            kept = [
                (mode, self._described[cls, mode])
                for mode in modes
                if (cls, mode) in self._described
            ]
            same = len(kept) == 1 or kept[0][1] == kept[1][1]
            for mode, schema in kept:
                name = names[cls] if same else f"{names[cls]}-{mode.title()}"
                found[name] = schema
                for reference in self._references[(cls, mode)]:
                    reference["$ref"] = f"#/components/schemas/{name}"
        return dict(sorted(found.items()))


def model_fields(cls: Any) -> list[tuple[str, Any, Any]]:
    """``(name, annotation, default)`` of each field of an attrs class or dataclass.

    A default of ``attrs.NOTHING`` means the field is required; type variables of a generic
    class are replaced by its arguments.
    """
    origin = get_origin(cls) or cls
    hints = typing.get_type_hints(origin, include_extras=True)
    parameters = getattr(origin, "__parameters__", ())
    bound = dict(zip(parameters, get_args(cls), strict=False))
    found = []
    if attrs.has(origin):
        for field in attrs.fields(origin):
            annotation = _bind(hints.get(field.name, Any), bound)
            found.append((field.name, annotation, field.default))
        return found
    for item in dataclasses.fields(origin):
        default: Any = attrs.NOTHING
        if item.default is not dataclasses.MISSING:
            default = item.default
        elif item.default_factory is not dataclasses.MISSING:
            default = attrs.Factory(item.default_factory)
        found.append((item.name, _bind(hints.get(item.name, Any), bound), default))
    return found


def _bind(annotation: Any, bound: dict[Any, Any]) -> Any:
    if not bound:
        return annotation
    if isinstance(annotation, typing.TypeVar):
        return bound.get(annotation, Any)
    args = get_args(annotation)
    if not args or get_origin(annotation) is Literal:
        return annotation
    replaced = tuple(_bind(arg, bound) for arg in args)
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return Union[replaced]  # noqa: UP007 (a tuple of types cannot be joined with |)
    return origin[replaced]


def plain_default(default: Any) -> Any:
    """A field default as JSON, or ``attrs.NOTHING`` when it cannot be shown as such."""
    if isinstance(default, enum.Enum):
        default = default.value
    if json_type(default) is not None:
        return default
    return attrs.NOTHING


def _title(cls: Any) -> str:
    origin = get_origin(cls)
    if origin is None:
        return str(cls.__name__)
    inner = ", ".join(getattr(arg, "__name__", repr(arg)) for arg in get_args(cls))
    return f"{origin.__name__}[{inner}]"


def _is_generated_doc(text: str) -> bool:
    # dataclasses write "Name(field: type, ...)" where a class has no docstring.
    return text.endswith(")") and "(" in text.splitlines()[0]


def _names(classes: list[Any]) -> dict[Any, str]:
    """A component name for each class: its title, qualified by module where titles clash."""
    titles = {cls: _NAME.sub("_", _title(cls)).strip("_") for cls in classes}
    counts = collections.Counter(titles.values())
    names = {}
    for cls, title in titles.items():
        if counts[title] > 1:
            module = getattr(get_origin(cls) or cls, "__module__", "")
            title = f"{module}.{title}" if module else title
        names[cls] = title
    taken: set[str] = set()
    for cls, name in names.items():
        unique, number = name, 2
        while unique in taken:
            unique, number = f"{name}{number}", number + 1
        taken.add(unique)
        names[cls] = unique
    return names
