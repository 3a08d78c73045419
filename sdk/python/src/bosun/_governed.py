"""`@bosun.governed`: a plain Python function that asks Bosun before each
call, within the session of the enclosing `with client.session(…)`. A
denial raises `Denied` and the body does not run; an edited approval runs
it with the reviewer's arguments; what it returned or raised is recorded."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar, cast

from . import _models as m
from ._core import error_text
from ._errors import BosunError, Denied
from ._session import AsyncSession, Session, current_session
from ._subject import edited_arguments, tool_input

P = ParamSpec("P")
R = TypeVar("R")
log = logging.getLogger("bosun")


def _session(kind: type[Session] | type[AsyncSession], name: str) -> Any:
    session = current_session()
    if session is None:
        raise BosunError(
            "no_session", f"{name} is governed by Bosun and runs only inside `with client.session(…)`; it did not run"
        )
    if not isinstance(session, kind):
        wanted = "an async def function" if isinstance(session, AsyncSession) else "a plain def function"
        raise BosunError("no_session", f"{name} needs {wanted} to run inside this kind of session; it did not run")
    return session


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def governed(
    tool: str, subject: str | None = None, *, wait: float | None = None, fail_open: bool = False
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decides each call of the decorated function as a call of the catalog
    tool `tool`. `subject` is a JSON pointer into the call's arguments (by
    parameter name, e.g. `/path`): the value Bosun judges; without it the
    arguments themselves are the tool's input. `wait` bounds the wait for
    a reviewer (the session's by default); `fail_open=True` runs the body
    when Bosun cannot be reached (never by default)."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(function)
        name = getattr(function, "__qualname__", repr(function))

        def arguments(args: Any, kwargs: Any) -> inspect.BoundArguments:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            return bound

        def call_with(bound: inspect.BoundArguments, decision: m.Decision) -> inspect.BoundArguments:
            if not decision.allowed:
                raise Denied(decision)
            changed = signature.bind_partial()
            changed.arguments.update(edited_arguments(bound.arguments, subject, decision))
            return changed

        if inspect.iscoroutinefunction(function):
            run_async = cast(Callable[..., Awaitable[Any]], function)

            @functools.wraps(function)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                session: AsyncSession = _session(AsyncSession, name)
                bound = arguments(args, kwargs)
                asked = tool_input(bound.arguments, subject)
                decision = await session.decide(tool, asked, wait=wait, fail_open=fail_open)
                final = call_with(bound, decision)
                started = time.monotonic()
                try:
                    result = await run_async(*final.args, **final.kwargs)
                except Exception as error:
                    await record_quietly_async(session, decision, None, error_text(error), started)
                    raise
                await record_quietly_async(session, decision, result, None, started)
                return result

            return cast(Callable[P, R], async_wrapper)

        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            session: Session = _session(Session, name)
            bound = arguments(args, kwargs)
            decision = session.decide(tool, tool_input(bound.arguments, subject), wait=wait, fail_open=fail_open)
            final = call_with(bound, decision)
            started = time.monotonic()
            try:
                result = function(*final.args, **final.kwargs)
            except Exception as error:
                record_quietly(session, decision, None, error_text(error), started)
                raise
            record_quietly(session, decision, result, None, started)
            return result

        return wrapper

    return decorate


def record_quietly(session: Session, decision: m.Decision, output: Any, error: str | None, started: float) -> None:
    """Records what an allowed call did. The call ran: failing to record it
    must not make it look as if it had not, so a failure is logged."""
    try:
        session.record_result(decision, output=output, error=error, duration_ms=_elapsed_ms(started))
    except BosunError:
        log.warning("could not record the result of tool call %s", decision.tool_call_id, exc_info=True)


async def record_quietly_async(
    session: Session | AsyncSession, decision: m.Decision, output: Any, error: str | None, started: float
) -> None:
    """`record_quietly` for async callers; a sync session records in a thread."""
    try:
        if isinstance(session, AsyncSession):
            await session.record_result(decision, output=output, error=error, duration_ms=_elapsed_ms(started))
        else:
            await asyncio.to_thread(
                session.record_result, decision, output=output, error=error, duration_ms=_elapsed_ms(started)
            )
    except BosunError:
        log.warning("could not record the result of tool call %s", decision.tool_call_id, exc_info=True)
