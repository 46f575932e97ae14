"""Forms structured into attrs classes, and the limits of uploaded files."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from typing import Any

import attrs

from resourceful._headers import media_type
from resourceful.datastructures import FormData, UploadFile
from resourceful.di._convert import FieldError, field_errors

_CHECKED = frozenset({"on", "true", "1", "yes"})


#: A field of a form model, by name, and how HTML sends it: "checkbox", "list", "optional"
#: (empty means None) or "value".
FormField = tuple[str, str]


def form_fields(cls: type[Any]) -> list[FormField]:
    """The fields of attrs class ``cls``, each with how HTML forms send it; read once."""
    hints = typing.get_type_hints(cls)
    fields: list[FormField] = []
    for field in attrs.fields(cls):
        kind = hints[field.name]
        if kind is bool:
            shape = "checkbox"
        elif typing.get_origin(kind) is list:
            shape = "list"
        elif type(None) in typing.get_args(kind):
            shape = "optional"
        else:
            shape = "value"
        fields.append((field.name, shape))
    return fields


def form_model_data(
    fields: list[FormField], form: FormData, errors: list[FieldError]
) -> dict[str, Any]:
    """The raw values of a form model's ``fields`` in ``form``.

    A checkbox absent means False, a list collects repeated fields, an optional field left
    empty is None, and a missing field is left out so its default applies.
    """
    sent: dict[str, list[Any]] = {}
    files = set()
    for name, value in form.multi_items():
        sent.setdefault(name, []).append(value)
        if isinstance(value, UploadFile):
            files.add(name)
    data: dict[str, Any] = {}
    for name, shape in fields:
        values = sent.get(name, [])
        if name in files:
            errors.append((("form", name), "expected a text field"))
            continue
        if shape == "checkbox":
            data[name] = bool(values) and str(values[-1]).lower() in _CHECKED
        elif shape == "list":
            data[name] = values
        elif values and shape == "optional" and values[-1] == "":
            data[name] = None
        elif values:
            data[name] = values[-1]
    return data


def check_upload(
    upload: UploadFile,
    location: tuple[str, ...],
    max_size: int | None,
    content_types: Sequence[str] | None,
    errors: list[FieldError],
) -> None:
    """Add an error when ``upload`` is over ``max_size`` or of a type not allowed."""
    if max_size is not None and (upload.size or 0) > max_size:
        errors.append((location, f"the file is larger than the limit of {max_size} bytes"))
    if content_types is not None:
        sent = media_type(upload.content_type or "")
        allowed = any(
            sent == pattern or (pattern.endswith("/*") and sent.startswith(pattern[:-1]))
            for pattern in content_types
        )
        if not allowed:
            names = ", ".join(content_types)
            errors.append((location, f"the file type {sent or 'none'!r} is not one of {names}"))


def structure_form_model(
    hook: Any, cls: Any, data: dict[str, Any], errors: list[FieldError]
) -> Any:
    """``data`` structured into ``cls``, failures added to ``errors`` under ``form``."""
    try:
        return hook(data, cls)
    except Exception as exc:  # cattrs reports anything a hook raised
        # A field already reported (a file where text belongs) is not reported twice.
        known = {location for location, _ in errors}
        errors.extend(e for e in field_errors(exc, ("form",)) if e[0] not in known)
        return None
