"""The API's shapes as dataclasses. Responses are read with
`bosun._wire.decode`; request bodies are TypedDicts. Each follows the
schema the OpenAPI document (`GET /api/v1/openapi.json`) gives the
operation the SDK calls with it, and a test checks them against a running
Bosun's document, operation by operation, so they cannot drift apart."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypedDict, TypeVar

RunStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
FinishStatus = Literal["succeeded", "failed", "cancelled"]
ApprovalStatus = Literal["pending", "approved", "denied", "expired", "withdrawn", "cancelled"]
ReviewDecision = Literal["allow_once", "always_allow", "allow_for_run", "edit", "deny"]

Item = TypeVar("Item")


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One page of a list: every list the API answers has this envelope."""

    items: list[Item]
    #: Pass as the list's cursor (`cursor`, or `before` for traces) for
    #: the next page; None on the last.
    next: str | None


@dataclass(frozen=True)
class Me:
    """The user a token belongs to."""

    id: str
    email: str
    name: str
    role: str
    workspace_id: str


@dataclass(frozen=True)
class Agent:
    """An agent's definition."""

    id: str
    name: str
    description: str
    instructions: str
    tools: list[str]
    execution_mode: str
    credential_model: str
    settings: dict[str, Any]
    approval_ttl_seconds: int | None
    owner_id: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Run:
    """A run of an agent."""

    id: str
    agent_id: str
    status: RunStatus
    input: Any
    output: Any | None
    started_by: str | None
    started_by_key: str | None
    interactive: bool
    external_id: str | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str


@dataclass(frozen=True)
class Waiting:
    """A request of a run waiting for a reviewer."""

    approval_id: str
    tool: str
    input: str
    requested_at: datetime
    expires_at: datetime
    can_be_decided_by: list[Person]
    nobody_can_decide: bool
    setting: str | None
    summary: str


@dataclass(frozen=True)
class RunAllowance:
    """Something a reviewer allowed for the rest of a run."""

    id: str
    tool: str
    subject: str
    approval_id: str
    granted_by: str
    granted_by_name: str
    granted_at: datetime


@dataclass(frozen=True)
class RunDetails(Run):
    """A run with what it waits for and what was allowed for the rest of it."""

    may_cancel: bool
    waiting: list[Waiting]
    allowed_for_run: list[RunAllowance]


@dataclass(frozen=True)
class Rule:
    """A permission rule; `enforced` only on workspace rules."""

    id: str
    tool: str
    action: str
    pattern: str | None
    note: str
    position: int
    enforced: bool | None = None


@dataclass(frozen=True)
class Approval:
    """An approval request in the inbox."""

    id: str
    agent_id: str
    agent_name: str
    run_id: str
    tool_call_id: str
    tool: str
    client_tool: str | None
    input: Any
    working_dir: str | None
    reason: dict[str, Any]
    risk: dict[str, Any]
    status: ApprovalStatus
    requested_at: datetime
    expires_at: datetime
    decided_by: str | None
    decision: str | None
    message: str | None
    started_by: str | None
    started_by_name: str | None
    started_by_key: str | None


@dataclass(frozen=True)
class Event:
    """One event of the trace, with its place in the hash chain."""

    seq: int
    hash: str
    prev_hash: str
    at: datetime
    kind: str
    workspace_id: str
    agent_id: str | None
    run_id: str | None
    actor: str | None
    on_behalf_of: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class RunTrace:
    run_id: str
    events: list[Event]


@dataclass(frozen=True)
class ToolCall:
    """Where a tool call stands, as the runtime API answers it: `decision`
    is `allow`, `deny`, or `pending` while a reviewer decides."""

    id: str
    decision: str
    reason: dict[str, Any]
    risk: dict[str, Any]
    approval_id: str | None
    input: Any
    edited: bool
    message: str | None
    # The rule that decided, as it read then (`id`, `tool`, `action`,
    # `pattern`, `note`); absent when no rule did.
    rule: dict[str, Any] | None = None


@dataclass(frozen=True)
class IssuedCredential:
    """A credential handed to a run. Its value is left out of `repr`, so
    it does not end up in a log by accident."""

    name: str
    kind: str
    value: str = dataclasses.field(repr=False)
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    """Bosun's final word on a tool call.

    `input` is what to run: the agent's own input, or a reviewer's edit of
    it (`edited`) with the values Bosun redacted for the reviewer filled
    back in. `explanation` says why in a sentence a model can act on."""

    decision: Literal["allow", "deny"]
    reason: dict[str, Any]
    risk: dict[str, Any]
    input: Any
    edited: bool
    tool_call_id: str | None
    approval_id: str | None
    message: str | None
    explanation: str

    @property
    def allowed(self) -> bool:
        return self.decision == "allow"


# The pages each list answers.

AgentPage = Page[Agent]
RunPage = Page[Run]
RulePage = Page[Rule]
ApprovalPage = Page[Approval]
#: A page of a trace search, newest first; `next` goes to `before`.
TracePage = Page[Event]


# Request bodies: a class of the required keys, a subclass of the rest.


class _AgentDraftRequired(TypedDict):
    name: str


class AgentDraft(_AgentDraftRequired, total=False):
    """`POST /api/v1/agents`: only `name` is required."""

    description: str
    instructions: str
    tools: list[str]
    execution_mode: str
    credential_model: str
    settings: dict[str, Any]
    approval_ttl_seconds: int | None


class AgentChanges(TypedDict, total=False):
    """`PATCH /api/v1/agents/{id}`: absent fields stay as they are."""

    name: str
    description: str
    instructions: str
    tools: list[str]
    execution_mode: str
    credential_model: str
    settings: dict[str, Any]
    approval_ttl_seconds: int | None
    owner_id: str


class RunStart(TypedDict, total=False):
    input: Any
    interactive: bool
    external_id: str


class _RuleDraftRequired(TypedDict):
    tool: str
    action: str


class RuleDraft(_RuleDraftRequired, total=False):
    pattern: str | None
    note: str | None


class _ReviewRuleRequired(TypedDict):
    scope: str


class ReviewRule(_ReviewRuleRequired, total=False):
    """For `always_allow`: the rule to add (`scope` is `agent` or `workspace`)."""

    pattern: str | None


class _ReviewRequired(TypedDict):
    decision: ReviewDecision


class Review(_ReviewRequired, total=False):
    input: Any
    rule: ReviewRule
    message: str
    confirm_overrides: bool


class _ToolCallRequestRequired(TypedDict):
    tool: str
    input: Any


class ToolCallRequest(_ToolCallRequestRequired, total=False):
    idempotency_key: str
    working_dir: str


class ToolResult(TypedDict, total=False):
    output: Any
    error: str
    duration_ms: int


class _RunFinishRequired(TypedDict):
    status: FinishStatus


class RunFinish(_RunFinishRequired, total=False):
    output: Any
