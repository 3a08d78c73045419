"""The SDK's models against the OpenAPI document of the running Bosun,
operation by operation: for each call the SDK makes, the answer's model
has exactly the schema's fields (nullable where the schema lets them be
absent or null, of matching types, with the same allowed values), the
request body sends only fields the schema has and every field it
requires, and query parameters are ones the operation documents."""

from __future__ import annotations

import re
import types
import typing
from datetime import datetime
from typing import Any, Union

import httpx
import pytest

from bosun import _core as core
from bosun._wire import field_hints, is_model

from conftest import Bosun

JSON_TYPES = {str: "string", int: "integer", bool: "boolean", float: "number"}


@pytest.fixture(scope="module")
def document(server: Bosun) -> dict[str, Any]:
    answer = httpx.get(f"{server.url}/api/v1/openapi.json", timeout=10)
    answer.raise_for_status()
    doc: dict[str, Any] = answer.json()
    return doc


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema behind `$ref`s, and behind `oneOf: [null, X]` (an
    optional field of a model's type)."""
    options = [option for option in schema.get("oneOf", []) if option.get("type") != "null"]
    if len(options) == 1 and len(schema["oneOf"]) == 2:
        schema = options[0]
    while "$ref" in schema:
        node: Any = doc
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def shape(doc: dict[str, Any], schema: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """An object schema's properties and required names, through `allOf`."""
    schema = resolve(doc, schema)
    properties: dict[str, Any] = dict(schema.get("properties", {}))
    required: set[str] = set(schema.get("required", []))
    for part in schema.get("allOf", []):
        more, needed = shape(doc, part)
        properties.update(more)
        required |= needed
    return properties, required


def types_of(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    found = set(kind) if isinstance(kind, list) else {kind} if kind else set()
    for option in schema.get("oneOf", []) + schema.get("anyOf", []):
        found |= types_of(option)
    return found


def documented_values(schema: dict[str, Any]) -> set[str]:
    """The values a string field may take: its `enum`, or failing that
    the values its description lists in backticks."""
    if "enum" in schema:
        return {value for value in schema["enum"] if value is not None}
    return set(re.findall(r"`([a-z_]+)`", schema.get("description", "")))


def unwrap(hint: Any) -> tuple[Any, bool]:
    """A type hint without `| None`, and whether it had it."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        nullable = len(options) < len(typing.get_args(hint))
        return (options[0] if len(options) == 1 else Any), nullable
    return hint, False


def check_type(doc: dict[str, Any], hint: Any, schema: dict[str, Any], where: str, problems: list[str]) -> None:
    schema = resolve(doc, schema)
    kinds = types_of(schema) - {"null"}
    origin = typing.get_origin(hint)
    if hint is Any or origin is dict:
        return  # free-form JSON: an object, or for `input` a string too
    if origin is typing.Literal:
        values = {str(value) for value in typing.get_args(hint)}
        if kinds != {"string"} or documented_values(schema) != values:
            problems.append(
                f"{where}: the SDK allows {sorted(values)}, the document {sorted(documented_values(schema))}"
            )
        return
    if origin is list:
        if kinds != {"array"}:
            problems.append(f"{where}: the SDK has a list, the document {kinds}")
            return
        check_type(doc, typing.get_args(hint)[0], schema.get("items", {}), f"{where}[]", problems)
        return
    if hint is datetime:
        if kinds != {"string"} or schema.get("format") != "date-time":
            problems.append(f"{where}: the SDK has a timestamp, the document {kinds} {schema.get('format')}")
        return
    if is_model(hint) or typing.is_typeddict(hint):
        check_model(doc, hint, schema, where, problems)
        return
    if kinds != {JSON_TYPES[hint]}:
        problems.append(f"{where}: the SDK has {hint.__name__}, the document {kinds}")


def check_model(doc: dict[str, Any], model: Any, schema: dict[str, Any], where: str, problems: list[str]) -> None:
    properties, required = shape(doc, schema)
    if is_model(model):
        # An answer: exactly the document's fields.
        hints = field_hints(model)
        names = set(hints)
        if names != set(properties):
            missing, extra = sorted(set(properties) - names), sorted(names - set(properties))
            problems.append(f"{where}: fields the SDK lacks {missing}, fields the document lacks {extra}")
        for name in names & set(properties):
            hint, nullable = unwrap(hints[name])
            may_be_absent = name not in required or "null" in types_of(resolve(doc, properties[name]))
            if hint is not Any and nullable != may_be_absent:
                problems.append(f"{where}.{name}: nullable in the SDK {nullable}, in the document {may_be_absent}")
            check_type(doc, hint, properties[name], f"{where}.{name}", problems)
    else:
        # A request body: only fields the document has, every one it requires.
        hints = typing.get_type_hints(model)
        names = set(hints)
        if not names <= set(properties):
            problems.append(f"{where}: the SDK sends {sorted(names - set(properties))}, unknown to the document")
        if not required <= model.__required_keys__:
            problems.append(f"{where}: the document requires {sorted(required - model.__required_keys__)}")
        for name in names & set(properties):
            check_type(doc, unwrap(hints[name])[0], properties[name], f"{where}.{name}", problems)


def operation(doc: dict[str, Any], endpoint: core.Endpoint) -> dict[str, Any]:
    path = doc["paths"].get(endpoint.path)
    assert path is not None, f"{endpoint.path} is not in the document"
    assert endpoint.method in path, f"{endpoint.method.upper()} {endpoint.path} is not in the document"
    found: dict[str, Any] = path[endpoint.method]
    return found


@pytest.mark.parametrize("endpoint", core.ENDPOINTS, ids=lambda e: f"{e.method.upper()} {e.path}")
def test_each_call_the_sdk_makes_matches_the_document(document: dict[str, Any], endpoint: core.Endpoint) -> None:
    op = operation(document, endpoint)
    assert str(endpoint.status) in op["responses"], f"the document lists {sorted(op['responses'])}"
    problems: list[str] = []
    if endpoint.response is not None:
        content = op["responses"][str(endpoint.status)].get("content", {})
        assert "application/json" in content, "the document gives the answer no JSON schema"
        check_model(document, endpoint.response, content["application/json"]["schema"], "answer", problems)
    if endpoint.request is not None:
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        check_model(document, endpoint.request, schema, "request", problems)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("endpoint", "sent"),
    [
        (core.LIST_AGENTS, {"view", "q", "cursor", "limit"}),
        (core.LIST_APPROVALS, {"status"}),
        (core.SEARCH_TRACES, {*core.TRACE_FILTERS, "before", "limit"}),
        (core.EXPORT_TRACES, {*core.TRACE_FILTERS, "format"}),
        (core.WAIT_TOOL_CALL, {"wait"}),
    ],
    ids=lambda value: value.path if isinstance(value, core.Endpoint) else "",
)
def test_query_parameters_the_sdk_sends_are_documented(
    document: dict[str, Any], endpoint: core.Endpoint, sent: set[str]
) -> None:
    documented = {p["name"] for p in operation(document, endpoint).get("parameters", []) if p["in"] == "query"}
    assert sent <= documented, f"undocumented: {sorted(sent - documented)}"


def test_the_status_values_the_sdk_knows_are_the_documents(document: dict[str, Any]) -> None:
    # Not reached through a model field above: the filter of the inbox.
    params = operation(document, core.LIST_APPROVALS)["parameters"]
    status = next(p for p in params if p["name"] == "status")
    documented = documented_values({"description": status.get("description", ""), **status.get("schema", {})})
    assert documented == set(typing.get_args(core.m.ApprovalStatus))
