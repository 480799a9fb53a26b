"""JSON for cached values, with the Python types the backend stores and plain JSON lacks.

Datetimes, dates, Decimals and UUIDs are written as ``{"__cache_type__": name, "value": text}``
so they come back as the same types. Pydantic models are written as their JSON dump; a reader
that passes ``model=`` gets them validated back (a single model or a list of them).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any
from uuid import UUID

from pydantic import BaseModel, TypeAdapter

TYPE_TAG = "__cache_type__"
_TYPE_TAG_BYTES = TYPE_TAG.encode()

# datetime before date: a datetime is also a date.
_ENCODERS: tuple[tuple[type, str, Callable[[Any], str]], ...] = (
    (dt.datetime, "datetime", dt.datetime.isoformat),
    (dt.date, "date", dt.date.isoformat),
    (Decimal, "decimal", str),
    (UUID, "uuid", str),
)
_DECODERS: dict[str, Callable[[str], Any]] = {
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "decimal": Decimal,
    "uuid": UUID,
}


def _encode_special(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    for python_type, name, to_text in _ENCODERS:
        if isinstance(value, python_type):
            return {TYPE_TAG: name, "value": to_text(value)}
    raise TypeError(
        f"cannot cache a value of type {type(value).__module__}.{type(value).__qualname__}: "
        "cacheable values are JSON types, datetime, date, Decimal, UUID and pydantic models"
    )


def _decode_special(obj: dict[str, Any]) -> Any:
    if len(obj) == 2 and obj.get(TYPE_TAG) in _DECODERS and "value" in obj:
        return _DECODERS[obj[TYPE_TAG]](obj["value"])
    return obj


def dumps(value: Any) -> bytes:
    """Serialize ``value``; raise ``TypeError`` naming the type if it cannot be cached."""
    try:
        text = json.dumps(value, default=_encode_special, separators=(",", ":"))
    except ValueError as exc:  # circular reference
        raise TypeError(f"cannot cache this value: {exc}") from exc
    return text.encode()


@lru_cache(maxsize=256)
def _list_adapter(model: type[BaseModel]) -> TypeAdapter[list[BaseModel]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def loads(data: bytes, model: type[BaseModel] | None = None) -> Any:
    """Deserialize what ``dumps`` wrote; with ``model``, validate into it (or a list of it)."""
    if model is not None:
        # A model dump is plain JSON, so pydantic's own JSON parser can validate it directly.
        if data.lstrip()[:1] == b"[":
            return _list_adapter(model).validate_json(data)
        return model.model_validate_json(data)
    text = data.decode()  # always UTF-8: spares json.loads its encoding detection
    if _TYPE_TAG_BYTES in data:
        return json.loads(text, object_hook=_decode_special)
    # No tagged values inside: skip the per-object Python hook.
    return json.loads(text)
