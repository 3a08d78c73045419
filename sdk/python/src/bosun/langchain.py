"""`BosunMiddleware`: puts a LangChain agent's tool calls under Bosun's
rules, inbox and trace.

    agent = create_agent(model, tools, middleware=[BosunMiddleware(client, AGENT_ID)])

Each invocation of the agent is an interactive run of the Bosun agent
(a LangGraph thread with a `thread_id` is one run while it is open), or
the run of the enclosing `with client.session(…)` for the same agent.
Every tool call is decided before it runs: an allowed call runs, an
edited approval runs with the reviewer's arguments, a denial (or a
reviewer who did not answer in time) becomes a `ToolMessage` with
`status="error"` carrying the reason, so the model can adapt. Results and
errors are recorded. Needs the `langchain` extra (`bosun-sdk[langchain]`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any

from langchain.agents.middleware import AgentMiddleware, AgentState
from langchain.agents.middleware.types import PrivateStateAttr
from langchain_core.messages import ToolMessage
from langgraph.config import get_config
from langgraph.prebuilt.tool_node import ToolCallRequest
from langgraph.runtime import Runtime
from langgraph.types import Command
from typing_extensions import NotRequired

from . import _models as m
from ._client import AsyncClient, Client
from ._core import error_text
from ._errors import ApprovalTimeout, BosunUnavailable
from ._governed import record_quietly, record_quietly_async
from ._session import AsyncSession, Session, current_session
from ._subject import edited_arguments, tool_input

log = logging.getLogger("bosun")

ToolOutcome = ToolMessage | Command[Any]


class BosunState(AgentState[Any]):
    """The agent's state, with the Bosun run its invocation belongs to."""

    bosun_run_id: NotRequired[Annotated[str | None, PrivateStateAttr]]


class BosunMiddleware(AgentMiddleware[BosunState, Any, Any]):
    """Decides every tool call of a `create_agent` agent with Bosun.

    `tool_map` maps a LangChain tool's name to a catalog tool and the JSON
    pointer of its subject in the tool's arguments (`{"save":
    ("write_file", "/file_path")}`): Bosun then judges that value and a
    reviewer's edit replaces it. Unmapped tools are the catalog tool of
    the same name, their whole arguments its input. `wait` bounds the wait
    for a reviewer (600 s unless given). An unreachable Bosun stops the
    agent (the tool does not run) unless `fail_open=True`."""

    state_schema = BosunState

    def __init__(
        self,
        client: Client | AsyncClient,
        agent_id: str,
        tool_map: Mapping[str, tuple[str, str | None]] | None = None,
        *,
        wait: float | None = None,
        working_dir: str | None = None,
        fail_open: bool = False,
    ) -> None:
        super().__init__()
        self.client = client
        self.agent_id = agent_id
        self.tool_map = dict(tool_map or {})
        self.wait = wait
        self.working_dir = working_dir
        self.fail_open = fail_open
        self._sessions: dict[str, Session | AsyncSession] = {}

    @property
    def name(self) -> str:
        return "BosunMiddleware"

    # The run of an invocation.

    def _enclosing(self) -> Session | AsyncSession | None:
        session = current_session()
        return session if session is not None and session.agent_id == self.agent_id else None

    def _new_session(self) -> Session | AsyncSession:
        thread = get_config().get("configurable", {}).get("thread_id")
        external_id = f"langgraph-{thread}" if thread is not None else None
        return self.client.session(self.agent_id, working_dir=self.working_dir, external_id=external_id, wait=self.wait)

    def _started(self, session: Session | AsyncSession) -> dict[str, Any]:
        self._sessions[session.run_id] = session
        return {"bosun_run_id": session.run_id}

    def _unstarted(self, error: BosunUnavailable) -> dict[str, Any]:
        if not self.fail_open:
            raise error
        log.warning("Bosun is unreachable (%s); the agent runs ungoverned as fail_open asks", error)
        return {"bosun_run_id": None}

    def before_agent(self, state: BosunState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        if self._enclosing() is not None:
            return {"bosun_run_id": None}
        session = self._new_session()
        if not isinstance(session, Session):
            raise TypeError("an AsyncClient governs an agent run with ainvoke/astream; use a Client for invoke")
        try:
            session.start()
        except BosunUnavailable as error:
            return self._unstarted(error)
        return self._started(session)

    async def abefore_agent(self, state: BosunState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        if self._enclosing() is not None:
            return {"bosun_run_id": None}
        session = self._new_session()
        try:
            if isinstance(session, AsyncSession):
                await session.start()
            else:
                await asyncio.to_thread(session.start)
        except BosunUnavailable as error:
            return self._unstarted(error)
        return self._started(session)

    def after_agent(self, state: BosunState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        session = self._sessions.pop(state.get("bosun_run_id") or "", None)
        if isinstance(session, Session) and not session.finished:
            session.finish("succeeded")
        return None

    async def aafter_agent(self, state: BosunState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        session = self._sessions.pop(state.get("bosun_run_id") or "", None)
        if isinstance(session, AsyncSession) and not session.finished:
            await session.finish("succeeded")
        elif isinstance(session, Session) and not session.finished:
            await asyncio.to_thread(session.finish, "succeeded")
        return None

    # Each tool call.

    def _session(self, request: ToolCallRequest) -> Session | AsyncSession | None:
        run_id = request.state.get("bosun_run_id") if isinstance(request.state, Mapping) else None
        session = self._sessions.get(run_id) if run_id else self._enclosing()
        if session is None and not self.fail_open:
            raise BosunUnavailable("no_session", "the agent's Bosun run did not start; the tool did not run")
        return session

    def _asked(self, request: ToolCallRequest) -> tuple[str, Any, str | None]:
        name = request.tool_call["name"]
        catalog_tool, pointer = self.tool_map.get(name, (name, None))
        return catalog_tool, tool_input(request.tool_call["args"], pointer), pointer

    @staticmethod
    def _refusal(request: ToolCallRequest, text: str) -> ToolMessage:
        return ToolMessage(
            content=text, status="error", tool_call_id=request.tool_call["id"], name=request.tool_call["name"]
        )

    @staticmethod
    def _approved(request: ToolCallRequest, pointer: str | None, decision: m.Decision) -> ToolCallRequest:
        if not decision.edited:
            return request
        args = edited_arguments(request.tool_call["args"], pointer, decision)
        return request.override(tool_call={**request.tool_call, "args": args})

    @staticmethod
    def _outcome(result: ToolOutcome) -> tuple[Any, str | None]:
        """What to record of a tool's answer: its output, or its error."""
        if isinstance(result, ToolMessage):
            if result.status == "error":
                return None, str(result.content)
            return result.content, None
        return {"command": repr(result)}, None

    def wrap_tool_call(
        self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], ToolOutcome]
    ) -> ToolOutcome:
        session = self._session(request)
        if session is None:
            return handler(request)
        if not isinstance(session, Session):
            raise TypeError("an AsyncClient governs an agent run with ainvoke/astream; use a Client for invoke")
        tool, asked, pointer = self._asked(request)
        try:
            decision = session.decide(tool, asked, wait=self.wait, fail_open=self.fail_open)
        except ApprovalTimeout as timeout:
            return self._refusal(request, f"Bosun: {timeout.message}; the tool did not run")
        if not decision.allowed:
            return self._refusal(request, decision.explanation)
        started = time.monotonic()
        try:
            result = handler(self._approved(request, pointer, decision))
        except Exception as error:
            record_quietly(session, decision, None, error_text(error), started)
            raise
        output, failure = self._outcome(result)
        record_quietly(session, decision, output, failure, started)
        return result

    async def awrap_tool_call(
        self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], Awaitable[ToolOutcome]]
    ) -> ToolOutcome:
        session = self._session(request)
        if session is None:
            return await handler(request)
        tool, asked, pointer = self._asked(request)
        try:
            if isinstance(session, AsyncSession):
                decision = await session.decide(tool, asked, wait=self.wait, fail_open=self.fail_open)
            else:
                decision = await asyncio.to_thread(
                    session.decide, tool, asked, wait=self.wait, fail_open=self.fail_open
                )
        except ApprovalTimeout as timeout:
            return self._refusal(request, f"Bosun: {timeout.message}; the tool did not run")
        if not decision.allowed:
            return self._refusal(request, decision.explanation)
        started = time.monotonic()
        try:
            result = await handler(self._approved(request, pointer, decision))
        except Exception as error:
            await record_quietly_async(session, decision, None, error_text(error), started)
            raise
        output, failure = self._outcome(result)
        await record_quietly_async(session, decision, output, failure, started)
        return result
