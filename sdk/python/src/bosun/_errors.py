"""The exceptions the SDK raises: every error answer of the API is a
`BosunError` carrying the API's stable `code`, its message and the HTTP
status; a few outcomes an agent must handle have their own subclass."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._models import Decision


class BosunError(Exception):
    """An error answer of the API (`{"error": {"code", "message"}}`), or a
    failure to reach it (`status` is None then)."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}" if status is None else f"{status} {code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class BosunUnavailable(BosunError):
    """Bosun could not be reached, or a proxy in front of it said it is down
    (502, 503, 504). A governed tool does not run unless its caller passed
    `fail_open=True`."""


class Denied(BosunError):
    """A tool call Bosun denied: by a rule, the agent's mode, or a reviewer.
    `decision` holds the whole answer, `message` says why in a sentence."""

    def __init__(self, decision: Decision) -> None:
        super().__init__("denied", decision.explanation, None)
        self.decision = decision


class ApprovalTimeout(BosunError):
    """No reviewer decided a tool call within the time the caller waits; the
    tool must not run. The request stays in the inbox until it expires."""

    def __init__(self, tool_call_id: str, approval_id: str | None, waited: float) -> None:
        super().__init__(
            "approval_timeout",
            f"no reviewer decided approval request {approval_id} within {waited:g} seconds",
            None,
        )
        self.tool_call_id = tool_call_id
        self.approval_id = approval_id
        self.waited = waited


class CredentialRefused(BosunError):
    """Bosun refused to hand a credential to this run (403): a fixed agent's
    secrets go only to runs its workers claim with a runtime key, never to an
    interactive run such as a session."""
