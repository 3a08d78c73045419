"""Bosun's Python SDK: a client for Bosun's REST API, sessions that ask
Bosun before each tool call, `@governed` for plain functions, and (with
the `langchain` extra) `bosun.langchain.BosunMiddleware`.

    import bosun

    client = bosun.Client()  # BOSUN_URL, BOSUN_TOKEN
    with client.session(AGENT_ID, working_dir="/srv/app") as session:
        decision = session.decide("system_shell", "make test")
"""

from ._client import AsyncClient, Client
from ._errors import ApprovalTimeout, BosunError, BosunUnavailable, CredentialRefused, Denied
from ._governed import governed
from ._models import (
    Agent,
    AgentChanges,
    AgentDraft,
    AgentPage,
    Approval,
    ApprovalPage,
    Decision,
    Event,
    IssuedCredential,
    Me,
    Page,
    Rule,
    RuleDraft,
    RulePage,
    Run,
    RunDetails,
    RunPage,
    RunTrace,
    ToolCall,
    TracePage,
)
from ._session import AsyncSession, Session, current_session

__version__ = "0.1.0"

__all__ = [
    "Agent",
    "AgentChanges",
    "AgentDraft",
    "AgentPage",
    "Approval",
    "ApprovalPage",
    "ApprovalTimeout",
    "AsyncClient",
    "AsyncSession",
    "BosunError",
    "BosunUnavailable",
    "Client",
    "CredentialRefused",
    "Decision",
    "Denied",
    "Event",
    "IssuedCredential",
    "Me",
    "Page",
    "Rule",
    "RuleDraft",
    "RulePage",
    "Run",
    "RunDetails",
    "RunPage",
    "RunTrace",
    "Session",
    "ToolCall",
    "TracePage",
    "current_session",
    "governed",
]
