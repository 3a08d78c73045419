"""Sessions: an interactive run of an agent on the token holder's behalf
(the same runs as the Claude Code integration), asked before each tool
call. `Session` and `AsyncSession` are thin shells over
`bosun._core.SessionCore`; as context managers they make themselves the
current session (for `bosun.governed`) and finish the run, as failed when
an exception leaves the block."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, TypeVar

from . import _core as core
from . import _models as m
from ._errors import BosunError

T = TypeVar("T")
log = logging.getLogger("bosun")

_current: contextvars.ContextVar[Session | AsyncSession | None] = contextvars.ContextVar("bosun_session", default=None)


def current_session() -> Session | AsyncSession | None:
    """The session opened by the enclosing `with client.session(…)` (or
    `async with`), if any."""
    return _current.get()


def _ending(error: BaseException | None) -> tuple[m.FinishStatus, dict[str, Any] | None]:
    """How a session block's end finishes its run."""
    if error is None:
        return "succeeded", None
    status: m.FinishStatus = "failed" if isinstance(error, Exception) else "cancelled"
    return status, {"error": core.error_text(error)}


class _SessionBase:
    def __init__(self, state: core.SessionCore) -> None:
        self._core = state
        self._token: contextvars.Token[Session | AsyncSession | None] | None = None

    @property
    def agent_id(self) -> str:
        return self._core.agent_id

    @property
    def run_id(self) -> str:
        return self._core.run_id

    @property
    def run(self) -> m.Run | None:
        """The run as last answered (None before it started)."""
        return self._core.run

    @property
    def finished(self) -> bool:
        return self._core.finished

    def __repr__(self) -> str:
        run = self._core.run.id if self._core.run else "not started"
        return f"{type(self).__name__}(agent={self._core.agent_id!r}, run={run!r})"


class Session(_SessionBase):
    """A run the caller drives: `decide` before each tool call,
    `record_result` after it, `finish` at the end."""

    def __init__(self, state: core.SessionCore, run: Callable[[core.Operation[Any]], Any]) -> None:
        super().__init__(state)
        self._run = run

    def start(self) -> m.Run:
        """Starts the interactive run (or answers the open one of the same
        `external_id`). Entering the `with` block does this."""
        run: m.Run = self._run(self._core.start())
        return run

    def decide(
        self,
        tool: str,
        input: Any,
        *,
        working_dir: str | None = None,
        wait: float | None = None,
        fail_open: bool = False,
        idempotency_key: str | None = None,
    ) -> m.Decision:
        """Asks Bosun whether `tool` may run with `input` (a string, or an
        object the catalog tool's schema accepts), waiting up to `wait`
        seconds for a reviewer when it asks one (`ApprovalTimeout` after).
        With `fail_open=True` an unreachable Bosun allows the call."""
        decision: m.Decision = self._run(
            self._core.decide(
                tool,
                input,
                working_dir=working_dir,
                wait=wait,
                fail_open=fail_open,
                idempotency_key=idempotency_key,
            )
        )
        return decision

    def record_result(
        self,
        decision: m.Decision | str,
        *,
        output: Any = None,
        error: str | None = None,
        duration_ms: int | None = None,
    ) -> None:
        """Reports what an allowed call produced (`output`) or how it failed."""
        self._run(self._core.record_result(decision, output=output, error=error, duration_ms=duration_ms))

    def event(self, data: Mapping[str, Any]) -> None:
        """Records a free-form event of the run (an LLM decision, a note)."""
        self._run(self._core.event(data))

    def credential(self, name: str) -> m.IssuedCredential:
        """The token holder's own OAuth token for an agent that acts as its
        user. A fixed agent's secrets never go to a session:
        `CredentialRefused`."""
        issued: m.IssuedCredential = self._run(self._core.credential(name))
        return issued

    def finish(self, status: m.FinishStatus = "succeeded", output: Any = None) -> m.Run:
        run: m.Run = self._run(self._core.finish(status, output))
        return run

    def __enter__(self) -> Session:
        if self._core.run is None:
            self.start()
        self._token = _current.set(self)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._token is not None:
            _current.reset(self._token)
            self._token = None
        if self._core.finished:
            return
        status, output = _ending(error)
        try:
            self.finish(status, output)
        except BosunError:
            if error is None:
                raise
            log.warning("could not finish run %s as %s", self._core.run_id, status, exc_info=True)


class AsyncSession(_SessionBase):
    """`Session` for asyncio: the same methods, awaited."""

    def __init__(self, state: core.SessionCore, run: Callable[[core.Operation[Any]], Awaitable[Any]]) -> None:
        super().__init__(state)
        self._run = run

    async def start(self) -> m.Run:
        run: m.Run = await self._run(self._core.start())
        return run

    async def decide(
        self,
        tool: str,
        input: Any,
        *,
        working_dir: str | None = None,
        wait: float | None = None,
        fail_open: bool = False,
        idempotency_key: str | None = None,
    ) -> m.Decision:
        decision: m.Decision = await self._run(
            self._core.decide(
                tool,
                input,
                working_dir=working_dir,
                wait=wait,
                fail_open=fail_open,
                idempotency_key=idempotency_key,
            )
        )
        return decision

    async def record_result(
        self,
        decision: m.Decision | str,
        *,
        output: Any = None,
        error: str | None = None,
        duration_ms: int | None = None,
    ) -> None:
        await self._run(self._core.record_result(decision, output=output, error=error, duration_ms=duration_ms))

    async def event(self, data: Mapping[str, Any]) -> None:
        await self._run(self._core.event(data))

    async def credential(self, name: str) -> m.IssuedCredential:
        issued: m.IssuedCredential = await self._run(self._core.credential(name))
        return issued

    async def finish(self, status: m.FinishStatus = "succeeded", output: Any = None) -> m.Run:
        run: m.Run = await self._run(self._core.finish(status, output))
        return run

    async def __aenter__(self) -> AsyncSession:
        if self._core.run is None:
            await self.start()
        self._token = _current.set(self)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._token is not None:
            _current.reset(self._token)
            self._token = None
        if self._core.finished:
            return
        status, output = _ending(error)
        try:
            await self.finish(status, output)
        except BosunError:
            if error is None:
                raise
            log.warning("could not finish run %s as %s", self._core.run_id, status, exc_info=True)
