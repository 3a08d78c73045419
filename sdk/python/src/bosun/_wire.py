"""Turns the API's JSON into the SDK's dataclasses, driven by their type
hints: nested models, lists, optional fields, datetimes (RFC 3339). Fields
the server adds later are ignored, so an older SDK keeps working against a
newer Bosun; a missing required field is an error that names it."""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar, Union, cast

T = TypeVar("T")

_RFC3339 = re.compile(
    r"(?P<main>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(?P<fraction>\d+))?(?P<zone>Z|[+-]\d\d:\d\d)$",
    re.IGNORECASE,
)


class DecodeError(ValueError):
    """The server answered something the SDK's models do not describe."""


def parse_datetime(text: str) -> datetime:
    """An RFC 3339 timestamp as Bosun writes it (`Z`, up to nanoseconds),
    readable on Python 3.10, whose `fromisoformat` takes neither."""
    match = _RFC3339.match(text)
    if match is None:
        raise DecodeError(f"not an RFC 3339 timestamp: {text!r}")
    fraction = (match["fraction"] or "")[:6].ljust(6, "0")
    zone = match["zone"].upper()
    moment = datetime.strptime(match["main"], "%Y-%m-%dT%H:%M:%S").replace(microsecond=int(fraction))
    if zone == "Z":
        return moment.replace(tzinfo=timezone.utc)
    sign = 1 if zone[0] == "+" else -1
    offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return moment.replace(tzinfo=timezone(sign * offset))


def decode(cls: type[T], data: Any, where: str = "") -> T:
    """`data` (parsed JSON) as an instance of the dataclass `cls`."""
    return cast(T, _decode(cls, data, where or cls.__name__))


def _decode(hint: Any, data: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if data is None:
            return None
        return _decode(options[0], data, where) if len(options) == 1 else data
    if origin is typing.Literal:
        if data not in typing.get_args(hint):
            raise DecodeError(f"{where}: {data!r} is none of {typing.get_args(hint)}")
        return data
    if origin is list:
        if not isinstance(data, list):
            raise DecodeError(f"{where}: expected a list")
        (item,) = typing.get_args(hint)
        return [_decode(item, value, f"{where}[{index}]") for index, value in enumerate(data)]
    if origin is dict or hint is Any or hint is object:
        return data
    if hint is datetime:
        if not isinstance(data, str):
            raise DecodeError(f"{where}: expected a timestamp")
        return parse_datetime(data)
    if is_model(hint):
        if not isinstance(data, dict):
            raise DecodeError(f"{where}: expected an object")
        values = {}
        for name, field_hint in field_hints(hint).items():
            if name in data:
                values[name] = _decode(field_hint, data[name], f"{where}.{name}")
            elif _optional(field_hint):
                values[name] = None
            else:
                raise DecodeError(f"{where}: the field {name} is missing")
        return cast(Any, hint)(**values)
    if hint in (str, int, float, bool):
        if hint is float and isinstance(data, int) and not isinstance(data, bool):
            return float(data)
        if not isinstance(data, hint) or (hint is int and isinstance(data, bool)):
            raise DecodeError(f"{where}: expected {hint.__name__}, got {type(data).__name__}")
        return data
    raise DecodeError(f"{where}: cannot decode into {hint!r}")


def is_model(hint: Any) -> bool:
    """Whether `hint` is a dataclass of the SDK's, or one of its generic
    ones given its type (`Page[Agent]`)."""
    return dataclasses.is_dataclass(typing.get_origin(hint) or hint)


def field_hints(model: Any) -> dict[str, Any]:
    """A model's fields and their types, in order; for a generic model
    given its type (`Page[Agent]`), with that type in place of its
    parameter (`items: list[Agent]`)."""
    cls = typing.get_origin(model) or model
    hints = typing.get_type_hints(cls)
    args = typing.get_args(model)
    bound = dict(zip(cls.__parameters__, args, strict=True)) if args else {}
    return {field.name: _bind(hints[field.name], bound) for field in dataclasses.fields(cls)}


def _bind(hint: Any, bound: dict[Any, Any]) -> Any:
    if isinstance(hint, TypeVar):
        return bound.get(hint, hint)
    parameters = getattr(hint, "__parameters__", ())
    return hint[tuple(bound.get(parameter, parameter) for parameter in parameters)] if parameters else hint


def _optional(hint: Any) -> bool:
    return typing.get_origin(hint) in (Union, types.UnionType) and type(None) in typing.get_args(hint)
