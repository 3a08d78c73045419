"""`Client` and `AsyncClient`: thin shells that send the core's requests
over httpx. Every method builds its operation in `bosun._core` and drives
it; the two classes differ only in how they wait for the network."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, Generic, TypeVar

import httpx

from . import _core as core
from . import _models as m
from ._errors import BosunError, BosunUnavailable
from ._session import AsyncSession, Session

T = TypeVar("T")
SessionT = TypeVar("SessionT", Session, AsyncSession)

DEFAULT_URL = "http://127.0.0.1:8080"
#: Seconds any request may take unless it long-polls.
DEFAULT_TIMEOUT = 30.0
#: Seconds a session waits for a reviewer before raising ApprovalTimeout.
DEFAULT_WAIT = 600.0


class _Base(Generic[SessionT]):
    """What both clients share: where Bosun is, the token, the headers."""

    def __init__(self, url: str | None, token: str | None, timeout: float) -> None:
        url = url or os.environ.get("BOSUN_URL") or DEFAULT_URL
        token = token or os.environ.get("BOSUN_TOKEN")
        if not token:
            raise BosunError("no_token", "pass token= or set BOSUN_TOKEN to a Bosun token")
        self.url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    def _httpx_request(self, http: httpx.Client | httpx.AsyncClient, req: core.Request) -> httpx.Request:
        return http.build_request(
            req.method,
            req.path,
            params=dict(req.params),
            content=json.dumps(req.body).encode() if req.has_body else None,
            headers={"Content-Type": "application/json"} if req.has_body else None,
            timeout=req.timeout if req.timeout is not None else self._timeout,
        )

    @staticmethod
    def _unavailable(error: httpx.TransportError) -> BosunUnavailable:
        return BosunUnavailable(
            "unreachable", f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        )

    def session(
        self,
        agent_id: str,
        *,
        working_dir: str | None = None,
        external_id: str | None = None,
        wait: float | None = None,
        input: Mapping[str, Any] | None = None,
    ) -> SessionT:
        """An interactive run of the agent on the token holder's behalf,
        started when the `with` (or `async with`) block is entered, or by
        `start()`. `external_id` is the agent's own id for it (while that
        run is open, the same id continues it); `wait` is how long `decide`
        waits for a reviewer (600 s unless given)."""
        run_input: dict[str, Any] = {"client": "python", **(input or {})}
        if working_dir is not None:
            run_input.setdefault("cwd", working_dir)
        state = core.SessionCore(
            agent_id=agent_id,
            working_dir=working_dir,
            external_id=external_id or f"python-{uuid.uuid4()}",
            wait=DEFAULT_WAIT if wait is None else wait,
            input=run_input,
        )
        return self._open_session(state)

    def _open_session(self, state: core.SessionCore) -> SessionT:
        raise NotImplementedError


class Client(_Base[Session]):
    """Bosun's REST API, synchronously. `url` and `token` default to
    `BOSUN_URL` and `BOSUN_TOKEN`."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(url, token, timeout)
        self._http = httpx.Client(base_url=self.url, headers=self._headers, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _run(self, operation: core.Operation[T]) -> T:
        """Drives an operation: sends each request it yields, hands it the
        answer, and throws a transport failure into it."""
        try:
            req = next(operation)
            while True:
                try:
                    response = self._http.send(self._httpx_request(self._http, req))
                except httpx.TransportError as error:
                    req = operation.throw(self._unavailable(error))
                    continue
                req = operation.send(core.Answer(response.status_code, response.content))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    def _stream_error(self, response: httpx.Response) -> None:
        if response.status_code >= 400:
            core.raise_for(core.Answer(response.status_code, response.read()))

    # Agents, rules, runs.

    def me(self) -> m.Me:
        """The user the token belongs to."""
        return self._run(core.me())

    def list_agents(
        self, *, view: str | None = None, q: str | None = None, cursor: str | None = None, limit: int | None = None
    ) -> m.AgentPage:
        """Agents the caller may see, a page at a time (`next` → `cursor`)."""
        return self._run(core.list_agents(view, q, cursor, limit))

    def get_agent(self, agent_id: str) -> m.Agent:
        return self._run(core.get_agent(agent_id))

    def create_agent(self, agent: m.AgentDraft) -> m.Agent:
        return self._run(core.create_agent(agent))

    def update_agent(self, agent_id: str, changes: m.AgentChanges) -> m.Agent:
        return self._run(core.update_agent(agent_id, changes))

    def delete_agent(self, agent_id: str) -> None:
        self._run(core.delete_agent(agent_id))

    def list_agent_rules(self, agent_id: str) -> m.RulePage:
        return self._run(core.list_agent_rules(agent_id))

    def add_agent_rule(self, agent_id: str, rule: m.RuleDraft) -> m.Rule:
        """Appends a rule to the agent's own list (its editors)."""
        return self._run(core.add_agent_rule(agent_id, rule))

    def start_run(self, agent_id: str, input: Any = None) -> m.Run:
        """Queues a run for the agent's worker."""
        return self._run(core.start_run(agent_id, {} if input is None else input))

    def list_runs(self, agent_id: str) -> m.RunPage:
        return self._run(core.list_runs(agent_id))

    def get_run(self, agent_id: str, run_id: str) -> m.RunDetails:
        return self._run(core.get_run(agent_id, run_id))

    def cancel_run(self, agent_id: str, run_id: str) -> m.RunDetails:
        return self._run(core.cancel_run(agent_id, run_id))

    # Approvals.

    def list_approvals(self, status: m.ApprovalStatus = "pending") -> m.ApprovalPage:
        """Requests the caller may decide."""
        return self._run(core.list_approvals(status))

    def decide_approval(
        self,
        approval_id: str,
        decision: m.ReviewDecision,
        *,
        input: Any = core.NO_INPUT,
        rule: m.ReviewRule | None = None,
        message: str | None = None,
        confirm_overrides: bool = False,
    ) -> m.Approval:
        """Decides a request once: `allow_once`, `allow_for_run`,
        `always_allow` (with `rule`), `edit` (with `input`) or `deny`."""
        return self._run(core.decide_approval(approval_id, decision, input, rule, message, confirm_overrides))

    # Traces.

    def search_traces(self, *, before: str | None = None, limit: int | None = None, **filters: object) -> m.TracePage:
        """A page of the events the caller may see, newest first. Filters:
        agent, run, user, tool, decision, status, q, from_ (or `from`), to."""
        return self._run(core.search_traces(before, limit, filters))

    def run_trace(self, run_id: str) -> m.RunTrace:
        """Every event of one run, oldest first."""
        return self._run(core.run_trace(run_id))

    def export_traces(self, **filters: object) -> Iterator[m.Event]:
        """Every event of a search, oldest first, read from the JSON Lines
        export as it arrives: however large the export, only one line is
        held at a time. Close the generator (or leave the loop) to stop
        the download."""
        req = core.export_request(filters)
        try:
            # The timeout bounds each wait for the next bytes, not the whole download.
            with self._http.stream(req.method, req.path, params=dict(req.params), timeout=self._timeout) as response:
                self._stream_error(response)
                for line in response.iter_lines():
                    event = core.export_line(line)
                    if event is not None:
                        yield event
        except httpx.TransportError as error:
            raise self._unavailable(error) from error

    def _open_session(self, state: core.SessionCore) -> Session:
        return Session(state, self._run)


class AsyncClient(_Base[AsyncSession]):
    """`Client` for asyncio: the same methods, awaited."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(url, token, timeout)
        self._http = httpx.AsyncClient(base_url=self.url, headers=self._headers, transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def _run(self, operation: core.Operation[T]) -> T:
        try:
            req = next(operation)
            while True:
                try:
                    response = await self._http.send(self._httpx_request(self._http, req))
                except httpx.TransportError as error:
                    req = operation.throw(self._unavailable(error))
                    continue
                req = operation.send(core.Answer(response.status_code, response.content))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    async def me(self) -> m.Me:
        return await self._run(core.me())

    async def list_agents(
        self, *, view: str | None = None, q: str | None = None, cursor: str | None = None, limit: int | None = None
    ) -> m.AgentPage:
        return await self._run(core.list_agents(view, q, cursor, limit))

    async def get_agent(self, agent_id: str) -> m.Agent:
        return await self._run(core.get_agent(agent_id))

    async def create_agent(self, agent: m.AgentDraft) -> m.Agent:
        return await self._run(core.create_agent(agent))

    async def update_agent(self, agent_id: str, changes: m.AgentChanges) -> m.Agent:
        return await self._run(core.update_agent(agent_id, changes))

    async def delete_agent(self, agent_id: str) -> None:
        await self._run(core.delete_agent(agent_id))

    async def list_agent_rules(self, agent_id: str) -> m.RulePage:
        return await self._run(core.list_agent_rules(agent_id))

    async def add_agent_rule(self, agent_id: str, rule: m.RuleDraft) -> m.Rule:
        return await self._run(core.add_agent_rule(agent_id, rule))

    async def start_run(self, agent_id: str, input: Any = None) -> m.Run:
        return await self._run(core.start_run(agent_id, {} if input is None else input))

    async def list_runs(self, agent_id: str) -> m.RunPage:
        return await self._run(core.list_runs(agent_id))

    async def get_run(self, agent_id: str, run_id: str) -> m.RunDetails:
        return await self._run(core.get_run(agent_id, run_id))

    async def cancel_run(self, agent_id: str, run_id: str) -> m.RunDetails:
        return await self._run(core.cancel_run(agent_id, run_id))

    async def list_approvals(self, status: m.ApprovalStatus = "pending") -> m.ApprovalPage:
        return await self._run(core.list_approvals(status))

    async def decide_approval(
        self,
        approval_id: str,
        decision: m.ReviewDecision,
        *,
        input: Any = core.NO_INPUT,
        rule: m.ReviewRule | None = None,
        message: str | None = None,
        confirm_overrides: bool = False,
    ) -> m.Approval:
        return await self._run(core.decide_approval(approval_id, decision, input, rule, message, confirm_overrides))

    async def search_traces(
        self, *, before: str | None = None, limit: int | None = None, **filters: object
    ) -> m.TracePage:
        return await self._run(core.search_traces(before, limit, filters))

    async def run_trace(self, run_id: str) -> m.RunTrace:
        return await self._run(core.run_trace(run_id))

    async def export_traces(self, **filters: object) -> AsyncIterator[m.Event]:
        req = core.export_request(filters)
        try:
            async with self._http.stream(
                req.method, req.path, params=dict(req.params), timeout=self._timeout
            ) as response:
                if response.status_code >= 400:
                    core.raise_for(core.Answer(response.status_code, await response.aread()))
                async for line in response.aiter_lines():
                    event = core.export_line(line)
                    if event is not None:
                        yield event
        except httpx.TransportError as error:
            raise self._unavailable(error) from error

    def _open_session(self, state: core.SessionCore) -> AsyncSession:
        return AsyncSession(state, self._run)
