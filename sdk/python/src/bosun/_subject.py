"""What Bosun is asked about a Python call, and how a reviewer's edit
comes back into it. A call's arguments form an object; without a subject
pointer the whole object is the tool input (judged by the catalog tool's
own subject and checked against its schema); with one (RFC 6901, e.g.
`/path`), the string it points at is the input, and an edit replaces just
that value."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from . import _models as m
from ._errors import BosunError


def _tokens(pointer: str) -> list[str]:
    if not pointer.startswith("/"):
        raise BosunError("invalid_input", f"subject: {pointer!r} is not a JSON pointer (it starts with /)")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def _step(value: Any, token: str, pointer: str) -> Any:
    if isinstance(value, Mapping) and token in value:
        return value[token]
    if isinstance(value, (list, tuple)) and token.isdigit() and int(token) < len(value):
        return value[int(token)]
    raise BosunError("invalid_input", f"subject: the arguments have nothing at {pointer}")


def tool_input(arguments: Mapping[str, Any], pointer: str | None) -> Any:
    """The input to ask Bosun about: the arguments, or the value at `pointer`."""
    if pointer is None:
        return dict(arguments)
    value: Any = arguments
    for token in _tokens(pointer):
        value = _step(value, token, pointer)
    return value


def edited_arguments(arguments: Mapping[str, Any], pointer: str | None, decision: m.Decision) -> dict[str, Any]:
    """The arguments to run with: as given, or with a reviewer's edit."""
    if not decision.edited:
        return dict(arguments)
    if pointer is None:
        if not isinstance(decision.input, dict):
            raise BosunError("invalid_input", "a reviewer's edit is not an object of arguments")
        return dict(decision.input)
    changed: Any = copy.deepcopy(dict(arguments))
    *path, last = _tokens(pointer)
    parent = changed
    for token in path:
        parent = _step(parent, token, pointer)
    if isinstance(parent, list) and last.isdigit():
        parent[int(last)] = decision.input
    elif isinstance(parent, dict):
        parent[last] = decision.input
    else:
        raise BosunError("invalid_input", f"subject: cannot put a reviewer's edit at {pointer}")
    return dict(changed)
