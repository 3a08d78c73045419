"""A real LangChain agent (`create_agent`, LangGraph underneath) under
`BosunMiddleware`, driven by a scripted chat model whose tool calls meet a
deny rule, an allow, and a request a reviewer approves with edited
arguments over REST while the agent waits. The tool bodies record what
actually ran."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool, tool

import bosun
from bosun.langchain import BosunMiddleware

from conftest import Bosun


class ScriptedModel(GenericFakeChatModel):
    """Answers with the scripted messages in turn, whatever it is given."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedModel:  # type: ignore[override]
        return self


def calls(*steps: tuple[str, dict[str, Any]]) -> ScriptedModel:
    script = [
        AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call-{i}"}])
        for i, (name, args) in enumerate(steps)
    ]
    return ScriptedModel(messages=iter([*script, AIMessage(content="done")]))


def tools_recording(ran: list[tuple[str, dict[str, Any]]]) -> list[BaseTool]:
    @tool
    def remove(target: str) -> str:
        """Delete a file."""
        ran.append(("remove", {"target": target}))
        return f"removed {target}"

    @tool
    def read_file(path: str) -> str:
        """Read a file."""
        ran.append(("read_file", {"path": path}))
        return f"contents of {path}"

    @tool
    def write_file(path: str, content: str) -> str:
        """Write a file."""
        ran.append(("write_file", {"path": path, "content": content}))
        return f"wrote {len(content)} characters to {path}"

    return [remove, read_file, write_file]


def approve_with_edit(reviewer: bosun.Client, agent_id: str, edit: dict[str, Any]) -> threading.Thread:
    """A reviewer, in another thread, who waits for the agent's request in
    the inbox and approves it with `edit` as its input."""

    def review() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            waiting = [a for a in reviewer.list_approvals().items if a.agent_id == agent_id]
            if waiting:
                reviewer.decide_approval(waiting[0].id, "edit", input=edit, message="use the scratch file")
                return
            time.sleep(0.1)

    thread = threading.Thread(target=review, daemon=True)
    thread.start()
    return thread


def tool_messages(result: dict[str, Any]) -> dict[str, ToolMessage]:
    return {m.name or "": m for m in result["messages"] if isinstance(m, ToolMessage)}


def test_an_agents_tool_calls_are_denied_allowed_and_edited_as_bosun_says(
    server: Bosun, owner: bosun.Client, reviewer: bosun.Client, make_agent: Callable[..., bosun.Agent]
) -> None:
    agent = make_agent(["delete_file", "read_file", "write_file"])
    owner.add_agent_rule(agent.id, {"tool": "delete_file", "action": "deny", "pattern": "/srv/*", "note": "ask ops"})
    ran: list[tuple[str, dict[str, Any]]] = []
    model = calls(
        ("remove", {"target": "/srv/app/data.db"}),
        ("read_file", {"path": "/srv/app/README"}),
        ("write_file", {"path": "/srv/app/config", "content": "debug = true"}),
    )
    middleware = BosunMiddleware(owner, agent.id, tool_map={"remove": ("delete_file", "/target")}, wait=20)
    graph = create_agent(model, tools_recording(ran), middleware=[middleware])
    edit = {"path": "/tmp/scratch/config", "content": "debug = false"}
    review = approve_with_edit(reviewer, agent.id, edit)

    result = graph.invoke({"messages": [HumanMessage("tidy up")]})
    review.join(timeout=5)

    # What ran: the read as asked, the write as the reviewer edited it, no deletion.
    assert ran == [("read_file", {"path": "/srv/app/README"}), ("write_file", edit)]
    answers = tool_messages(result)
    assert answers["remove"].status == "error"
    assert "rule #1 of the agent's rules" in str(answers["remove"].content)
    assert answers["read_file"].status != "error"
    assert answers["write_file"].content == "wrote 13 characters to /tmp/scratch/config"

    # The trace holds the run, finished, with each call, decision and result.
    (run,) = owner.list_runs(agent.id).items
    assert run.interactive and run.status == "succeeded"
    events = owner.run_trace(run.id).events
    kinds = [e.kind for e in events]
    assert kinds[0] == "run.started" and kinds[-1] == "run.finished"
    requested = [e.data["input"] for e in events if e.kind == "tool_call.requested"]
    assert requested == [
        "/srv/app/data.db",
        {"path": "/srv/app/README"},
        {"path": "/srv/app/config", "content": "debug = true"},
    ]
    decisions = [e.data["decision"] for e in events if e.kind == "policy.decision"]
    assert decisions == ["deny", "allow", "ask"]
    resolved = next(e for e in events if e.kind == "approval.resolved")
    assert resolved.data["decision"] == "edit" and resolved.data["edited_input"] == edit
    results = [e.data for e in events if e.kind == "tool_call.result"]
    assert [r.get("output") for r in results] == [
        "contents of /srv/app/README",
        "wrote 13 characters to /tmp/scratch/config",
    ]


def test_a_tool_that_fails_is_recorded_as_an_error(owner: bosun.Client, make_agent: Callable[..., bosun.Agent]) -> None:
    agent = make_agent(["read_file"])

    @tool
    def read_file(path: str) -> str:
        """Read a file."""
        raise FileNotFoundError(path)

    graph = create_agent(
        calls(("read_file", {"path": "/nope"})), [read_file], middleware=[BosunMiddleware(owner, agent.id)]
    )
    with pytest.raises(FileNotFoundError):
        graph.invoke({"messages": [HumanMessage("read")]})
    (run,) = owner.list_runs(agent.id).items
    (result,) = [e.data for e in owner.run_trace(run.id).events if e.kind == "tool_call.result"]
    assert result["error"] == "FileNotFoundError: /nope"


def test_an_async_agent_under_an_async_client_is_governed_the_same_way(
    server: Bosun, owner: bosun.Client, make_agent: Callable[..., bosun.Agent]
) -> None:
    agent = make_agent(["delete_file", "read_file", "write_file"])
    owner.add_agent_rule(agent.id, {"tool": "delete_file", "action": "deny"})
    ran: list[tuple[str, dict[str, Any]]] = []
    model = calls(("remove", {"target": "/tmp/x"}), ("read_file", {"path": "/tmp/x"}))

    async def main() -> dict[str, Any]:
        async with bosun.AsyncClient(server.url, server.owner_token) as client:
            middleware = BosunMiddleware(client, agent.id, tool_map={"remove": ("delete_file", "/target")})
            graph = create_agent(model, tools_recording(ran), middleware=[middleware])
            answer: dict[str, Any] = await graph.ainvoke({"messages": [HumanMessage("go")]})
            return answer

    result = asyncio.run(main())
    assert ran == [("read_file", {"path": "/tmp/x"})]
    assert tool_messages(result)["remove"].status == "error"
    (run,) = owner.list_runs(agent.id).items
    assert run.status == "succeeded"


def test_inside_a_session_the_agent_uses_its_run_and_an_unanswered_request_is_an_error_message(
    owner: bosun.Client, make_agent: Callable[..., bosun.Agent]
) -> None:
    agent = make_agent(["delete_file"])  # restricted: a deletion asks a reviewer
    ran: list[tuple[str, dict[str, Any]]] = []
    middleware = BosunMiddleware(owner, agent.id, tool_map={"remove": ("delete_file", "/target")}, wait=0.5)
    graph = create_agent(calls(("remove", {"target": "/tmp/x"})), tools_recording(ran), middleware=[middleware])
    with owner.session(agent.id) as session:
        result = graph.invoke({"messages": [HumanMessage("clean")]})
    assert ran == []
    answer = tool_messages(result)["remove"]
    assert answer.status == "error" and "no reviewer decided" in str(answer.content)
    assert [run.id for run in owner.list_runs(agent.id).items] == [session.run_id]
