"""The SDK's transport-independent core: every API call is described
once here, and every operation is a generator that yields the HTTP
requests it needs and receives their answers. The sync and async clients
drive the same generators over `httpx.Client` and `httpx.AsyncClient`, so
request building, answer parsing, error mapping, waiting for reviewers and
the decision logic exist exactly once.

A transport failure is thrown into the generator as `BosunUnavailable`, so
an operation may catch it (`decide(..., fail_open=True)`)."""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from urllib.parse import quote

from . import _models as m
from ._errors import ApprovalTimeout, BosunError, BosunUnavailable, CredentialRefused
from ._wire import decode

T = TypeVar("T")
log = logging.getLogger("bosun")

#: The longest one long-poll asks the server to wait (it waits at most 60 s).
MAX_POLL_SECONDS = 60
#: Seconds a request may take beyond the time the server was asked to wait.
REQUEST_MARGIN_SECONDS = 30.0
#: What Bosun puts in place of a secret-looking value before anyone sees it.
REDACTED = "[redacted]"


@dataclass(frozen=True)
class Endpoint:
    """One operation of the API as the SDK calls it: its method and path
    (as in the OpenAPI document), the status of its success, the model of
    its answer and of its request body. The OpenAPI test walks these."""

    method: Literal["get", "post", "put", "patch", "delete"]
    path: str
    status: int
    response: type | None = None
    request: type | None = None

    def url(self, **params: str) -> str:
        return self.path.format(**{name: quote(value, safe="") for name, value in params.items()})


ME = Endpoint("get", "/api/v1/me", 200, m.Me)
LIST_AGENTS = Endpoint("get", "/api/v1/agents", 200, m.AgentPage)
CREATE_AGENT = Endpoint("post", "/api/v1/agents", 201, m.Agent, m.AgentDraft)
GET_AGENT = Endpoint("get", "/api/v1/agents/{id}", 200, m.Agent)
UPDATE_AGENT = Endpoint("patch", "/api/v1/agents/{id}", 200, m.Agent, m.AgentChanges)
DELETE_AGENT = Endpoint("delete", "/api/v1/agents/{id}", 204)
LIST_AGENT_RULES = Endpoint("get", "/api/v1/agents/{id}/rules", 200, m.RulePage)
ADD_AGENT_RULE = Endpoint("post", "/api/v1/agents/{id}/rules", 201, m.Rule, m.RuleDraft)
START_RUN = Endpoint("post", "/api/v1/agents/{id}/runs", 201, m.Run, m.RunStart)
LIST_RUNS = Endpoint("get", "/api/v1/agents/{id}/runs", 200, m.RunPage)
GET_RUN = Endpoint("get", "/api/v1/agents/{id}/runs/{run_id}", 200, m.RunDetails)
CANCEL_RUN = Endpoint("post", "/api/v1/agents/{id}/runs/{run_id}/cancel", 200, m.RunDetails)
LIST_APPROVALS = Endpoint("get", "/api/v1/approvals", 200, m.ApprovalPage)
DECIDE_APPROVAL = Endpoint("post", "/api/v1/approvals/{id}/decision", 200, m.Approval, m.Review)
SEARCH_TRACES = Endpoint("get", "/api/v1/traces", 200, m.TracePage)
EXPORT_TRACES = Endpoint("get", "/api/v1/traces/export", 200)
RUN_TRACE = Endpoint("get", "/api/v1/traces/{run}", 200, m.RunTrace)
TOOL_CALL = Endpoint("post", "/api/v1/runtime/runs/{run}/tool-calls", 200, m.ToolCall, m.ToolCallRequest)
WAIT_TOOL_CALL = Endpoint("get", "/api/v1/runtime/tool-calls/{id}", 200, m.ToolCall)
TOOL_RESULT = Endpoint("post", "/api/v1/runtime/tool-calls/{id}/result", 204, None, m.ToolResult)
RUN_EVENT = Endpoint("post", "/api/v1/runtime/runs/{run}/events", 204)
FINISH_RUN = Endpoint("post", "/api/v1/runtime/runs/{run}/finish", 200, m.Run, m.RunFinish)
ISSUE_CREDENTIAL = Endpoint("post", "/api/v1/runtime/runs/{run}/credentials/{name}", 200, m.IssuedCredential)

ENDPOINTS = [value for value in dict(globals()).values() if isinstance(value, Endpoint)]


@dataclass(frozen=True)
class Request:
    """An HTTP request an operation needs sent."""

    method: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    has_body: bool = False
    #: Seconds the whole request may take; None: the client's default.
    timeout: float | None = None


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


Operation = Generator[Request, Answer, T]


def request(endpoint: Endpoint, path: Mapping[str, str] | None = None, **options: Any) -> Request:
    return Request(endpoint.method.upper(), endpoint.url(**(path or {})), **options)


def with_body(endpoint: Endpoint, path: Mapping[str, str] | None, body: Any, **options: Any) -> Request:
    return request(endpoint, path, body=body, has_body=True, **options)


def query(**filters: object) -> dict[str, str]:
    """Query parameters: None left out, booleans and numbers as text."""
    return {name: str(value) for name, value in filters.items() if value is not None}


def raise_for(answer: Answer) -> None:
    """The API's error answer as a `BosunError` with its code and message."""
    if answer.status < 400:
        return
    code, message = "http_error", f"HTTP {answer.status}"
    try:
        detail = json.loads(answer.body)["error"]
        code, message = str(detail["code"]), str(detail["message"])
    except (ValueError, KeyError, TypeError):
        text = answer.body[:200].decode("utf-8", "replace").strip()
        if text:
            message = f"{message}: {text}"
    if answer.status in (502, 503, 504):
        raise BosunUnavailable(code, message, answer.status)
    raise BosunError(code, message, answer.status)


def call(endpoint: Endpoint, req: Request) -> Operation[Any]:
    """Sends `req` and decodes its answer as `endpoint`'s model."""
    answer = yield req
    raise_for(answer)
    if endpoint.response is None or answer.status == 204:
        return None
    return decode(endpoint.response, json.loads(answer.body))


def jsonable(value: Any) -> Any:
    """`value` if it is JSON, else its text: what a tool returned is
    recorded whatever it is."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value


def error_text(error: BaseException) -> str:
    """How an exception is recorded (a tool's error, a failed run's output)."""
    return f"{type(error).__name__}: {error}"


def restore(edited: Any, original: Any, issued: Mapping[str, str]) -> Any:
    """A reviewer's edit of a redacted input, with what Bosun redacted filled
    back in from the agent's own `original`: a `[redacted]` value takes the
    original's value at the same place, each `[redacted: name]` the value
    of the credential `name` the run was issued. What the reviewer changed
    stays changed."""
    if isinstance(edited, str):
        if edited == REDACTED:
            return original if original is not None else edited
        for name, value in issued.items():
            edited = edited.replace(f"[redacted: {name}]", value)
        return edited
    if isinstance(edited, list):
        items = original if isinstance(original, list) else []
        return [restore(item, items[i] if i < len(items) else None, issued) for i, item in enumerate(edited)]
    if isinstance(edited, dict):
        fields = original if isinstance(original, dict) else {}
        return {key: restore(value, fields.get(key), issued) for key, value in edited.items()}
    return edited


def explain(state: m.ToolCall) -> str:
    """Why Bosun decided as it did, in a sentence a model can act on."""
    verb = "allowed" if state.decision == "allow" else "denied"
    message = (state.message or "").strip()
    if state.approval_id is not None:
        if state.decision == "allow":
            who = "a reviewer approved it with changes" if state.edited else "a reviewer approved it"
            return f"Bosun: {who}: {message}" if message else f"Bosun: {who}"
        # A reviewer's message, or why the request expired, was withdrawn or cancelled.
        return f"Bosun: denied: {message}" if message else "Bosun: a reviewer denied it"
    reason = state.reason
    kind = reason.get("kind")
    if kind == "rule":
        lists = {"agent": "the agent's rules", "enforced": "the workspace's enforced rules"}
        where = lists.get(str(reason.get("layer")), "the workspace's rules")
        text = f"Bosun: {verb} by rule #{reason.get('position')} of {where}"
        rule = state.rule or {}
        if rule.get("pattern"):
            text += f" (`{rule['pattern']}`)"
        if rule.get("note"):
            text += f", noted: {rule['note']}"
    elif kind == "mode":
        text = f"Bosun: {verb} by the agent's {str(reason.get('mode', '')).replace('_', '-')} mode"
    elif kind == "run_allowance":
        text = f"Bosun: {verb}: a reviewer allowed it for this run"
    elif kind == "unknown_tool":
        text = f"Bosun: {verb}: `{reason.get('tool')}` is not in the tool catalog"
    else:
        detail = reason.get("message") or kind or "no reason given"
        text = f"Bosun: {verb}: {detail}"
    return f"{text}: {message}" if message else text


@dataclass
class SessionCore:
    """An interactive run and what its calls need to remember: the values
    of the credentials it was issued (to fill a reviewer's edit back in)
    and whether it has ended."""

    agent_id: str
    working_dir: str | None
    external_id: str
    wait: float
    input: dict[str, Any]
    run: m.Run | None = None
    issued: dict[str, str] = field(default_factory=dict)
    finished: bool = False

    @property
    def run_id(self) -> str:
        if self.run is None:
            raise BosunError("no_run", "the session has not started its run yet")
        return self.run.id

    def start(self) -> Operation[m.Run]:
        body: m.RunStart = {"interactive": True, "external_id": self.external_id, "input": self.input}
        answer = yield with_body(START_RUN, {"id": self.agent_id}, body)
        raise_for(answer)
        self.run = decode(m.Run, json.loads(answer.body))
        return self.run

    def decide(
        self,
        tool: str,
        input: Any,
        *,
        working_dir: str | None = None,
        wait: float | None = None,
        fail_open: bool = False,
        idempotency_key: str | None = None,
    ) -> Operation[m.Decision]:
        waited = self.wait if wait is None else wait
        body: m.ToolCallRequest = {"tool": tool, "input": input}
        directory = working_dir if working_dir is not None else self.working_dir
        if directory is not None:
            body["working_dir"] = directory
        if idempotency_key is not None:
            body["idempotency_key"] = idempotency_key
        try:
            state: m.ToolCall = yield from call(TOOL_CALL, with_body(TOOL_CALL, {"run": self.run_id}, body))
            deadline = time.monotonic() + waited
            while state.decision == "pending":
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ApprovalTimeout(state.id, state.approval_id, waited)
                poll = min(MAX_POLL_SECONDS, math.ceil(left))
                state = yield from call(
                    WAIT_TOOL_CALL,
                    request(
                        WAIT_TOOL_CALL,
                        {"id": state.id},
                        params=query(wait=poll),
                        timeout=poll + REQUEST_MARGIN_SECONDS,
                    ),
                )
        except BosunUnavailable as error:
            if not fail_open:
                raise
            log.warning("Bosun is unreachable (%s); %s runs ungoverned as fail_open asks", error, tool)
            return m.Decision(
                decision="allow",
                reason={"kind": "fail_open", "message": str(error)},
                risk={},
                input=input,
                edited=False,
                tool_call_id=None,
                approval_id=None,
                message=None,
                explanation=f"Bosun was unreachable ({error.message}); allowed by fail_open",
            )
        allowed = state.decision == "allow"
        return m.Decision(
            decision="allow" if allowed else "deny",
            reason=state.reason,
            risk=state.risk,
            input=restore(state.input, input, self.issued) if state.edited else input,
            edited=state.edited,
            tool_call_id=state.id,
            approval_id=state.approval_id,
            message=state.message,
            explanation=explain(state),
        )

    def record_result(
        self,
        decision: m.Decision | str,
        *,
        output: Any = None,
        error: str | None = None,
        duration_ms: int | None = None,
    ) -> Operation[None]:
        tool_call_id = decision if isinstance(decision, str) else decision.tool_call_id
        if tool_call_id is None:
            return None  # allowed by fail_open: Bosun never heard of the call
        body: m.ToolResult = {}
        if error is not None:
            body["error"] = error
        else:
            body["output"] = jsonable(output)
        if duration_ms is not None:
            body["duration_ms"] = duration_ms
        yield from call(TOOL_RESULT, with_body(TOOL_RESULT, {"id": tool_call_id}, body))
        return None

    def event(self, data: Mapping[str, Any]) -> Operation[None]:
        yield from call(RUN_EVENT, with_body(RUN_EVENT, {"run": self.run_id}, jsonable(dict(data))))
        return None

    def credential(self, name: str) -> Operation[m.IssuedCredential]:
        try:
            issued: m.IssuedCredential = yield from call(
                ISSUE_CREDENTIAL, request(ISSUE_CREDENTIAL, {"run": self.run_id, "name": name})
            )
        except BosunError as error:
            if error.status == 403 and error.code == "forbidden":
                raise CredentialRefused(error.code, error.message, error.status) from None
            raise
        self.issued[issued.name] = issued.value
        return issued

    def finish(self, status: m.FinishStatus = "succeeded", output: Any = None) -> Operation[m.Run]:
        body: m.RunFinish = {"status": status}
        if output is not None:
            body["output"] = jsonable(output)
        run: m.Run = yield from call(FINISH_RUN, with_body(FINISH_RUN, {"run": self.run_id}, body))
        self.finished = True
        self.run = run
        return run


# The operations the clients offer, each described once.


def me() -> Operation[m.Me]:
    return call(ME, request(ME))


def list_agents(view: str | None, q: str | None, cursor: str | None, limit: int | None) -> Operation[m.AgentPage]:
    return call(LIST_AGENTS, request(LIST_AGENTS, params=query(view=view, q=q, cursor=cursor, limit=limit)))


def get_agent(agent_id: str) -> Operation[m.Agent]:
    return call(GET_AGENT, request(GET_AGENT, {"id": agent_id}))


def create_agent(agent: m.AgentDraft) -> Operation[m.Agent]:
    return call(CREATE_AGENT, with_body(CREATE_AGENT, None, agent))


def update_agent(agent_id: str, changes: m.AgentChanges) -> Operation[m.Agent]:
    return call(UPDATE_AGENT, with_body(UPDATE_AGENT, {"id": agent_id}, changes))


def delete_agent(agent_id: str) -> Operation[None]:
    return call(DELETE_AGENT, request(DELETE_AGENT, {"id": agent_id}))


def list_agent_rules(agent_id: str) -> Operation[m.RulePage]:
    return call(LIST_AGENT_RULES, request(LIST_AGENT_RULES, {"id": agent_id}))


def add_agent_rule(agent_id: str, rule: m.RuleDraft) -> Operation[m.Rule]:
    return call(ADD_AGENT_RULE, with_body(ADD_AGENT_RULE, {"id": agent_id}, rule))


def start_run(agent_id: str, input: Any) -> Operation[m.Run]:
    body: m.RunStart = {"input": input}
    return call(START_RUN, with_body(START_RUN, {"id": agent_id}, body))


def list_runs(agent_id: str) -> Operation[m.RunPage]:
    return call(LIST_RUNS, request(LIST_RUNS, {"id": agent_id}))


def get_run(agent_id: str, run_id: str) -> Operation[m.RunDetails]:
    return call(GET_RUN, request(GET_RUN, {"id": agent_id, "run_id": run_id}))


def cancel_run(agent_id: str, run_id: str) -> Operation[m.RunDetails]:
    return call(CANCEL_RUN, request(CANCEL_RUN, {"id": agent_id, "run_id": run_id}))


def list_approvals(status: str) -> Operation[m.ApprovalPage]:
    return call(LIST_APPROVALS, request(LIST_APPROVALS, params=query(status=status)))


class _NoInput:
    """Marks an absent edit input, since None (JSON null) could be one."""

    def __repr__(self) -> str:
        return "NO_INPUT"


NO_INPUT: Any = _NoInput()


def decide_approval(
    approval_id: str,
    decision: m.ReviewDecision,
    input: Any,
    rule: m.ReviewRule | None,
    message: str | None,
    confirm_overrides: bool,
) -> Operation[m.Approval]:
    body: m.Review = {"decision": decision}
    if input is not NO_INPUT:
        body["input"] = input
    if rule is not None:
        body["rule"] = rule
    if message is not None:
        body["message"] = message
    if confirm_overrides:
        body["confirm_overrides"] = True
    return call(DECIDE_APPROVAL, with_body(DECIDE_APPROVAL, {"id": approval_id}, body))


#: The filters of a trace search and export (`GET /api/v1/traces?…`).
TRACE_FILTERS = ("agent", "run", "user", "tool", "decision", "status", "q", "from", "to")


def trace_filters(filters: Mapping[str, object]) -> dict[str, str]:
    """Search filters as query parameters; `from_` stands for `from`, a
    Python keyword. An unknown filter is refused here rather than ignored."""
    params: dict[str, object] = {}
    for name, value in filters.items():
        key = name.rstrip("_")
        if key not in TRACE_FILTERS:
            raise TypeError(f"unknown trace filter {name!r}; the filters are {', '.join(TRACE_FILTERS)}")
        params[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return query(**params)


def search_traces(before: str | None, limit: int | None, filters: Mapping[str, object]) -> Operation[m.TracePage]:
    params = {**trace_filters(filters), **query(before=before, limit=limit)}
    return call(SEARCH_TRACES, request(SEARCH_TRACES, params=params))


def run_trace(run_id: str) -> Operation[m.RunTrace]:
    return call(RUN_TRACE, request(RUN_TRACE, {"run": run_id}))


def export_request(filters: Mapping[str, object]) -> Request:
    """The JSON Lines export of a search; the clients stream its answer
    line by line through `export_line`."""
    return request(EXPORT_TRACES, params={**trace_filters(filters), "format": "jsonl"})


def export_line(line: str) -> m.Event | None:
    return decode(m.Event, json.loads(line)) if line.strip() else None
