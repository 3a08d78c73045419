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
    if dataclasses.is_dataclass(hint):
        if not isinstance(data, dict):
            raise DecodeError(f"{where}: expected an object")
        hints = typing.get_type_hints(hint)
        values = {}
        for field in dataclasses.fields(hint):
            if field.name in data:
                values[field.name] = _decode(hints[field.name], data[field.name], f"{where}.{field.name}")
            elif _optional(hints[field.name]):
                values[field.name] = None
            else:
                raise DecodeError(f"{where}: the field {field.name} is missing")
        return cast(Any, hint)(**values)
    if hint in (str, int, float, bool):
        if hint is float and isinstance(data, int) and not isinstance(data, bool):
            return float(data)
        if not isinstance(data, hint) or (hint is int and isinstance(data, bool)):
            raise DecodeError(f"{where}: expected {hint.__name__}, got {type(data).__name__}")
        return data
    raise DecodeError(f"{where}: cannot decode into {hint!r}")


def _optional(hint: Any) -> bool:
    return typing.get_origin(hint) in (Union, types.UnionType) and type(None) in typing.get_args(hint)
