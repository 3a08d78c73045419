"""Sessions, `@governed`, and what happens when Bosun says no, says
nothing in time, or cannot be reached."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

import bosun

from conftest import Bosun


def decide_when_asked(reviewer: bosun.Client, agent_id: str, **decision: Any) -> threading.Thread:
    """Another person deciding the agent's first request from the inbox."""

    def review() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            waiting = [a for a in reviewer.list_approvals().items if a.agent_id == agent_id]
            if waiting:
                reviewer.decide_approval(waiting[0].id, **decision)
                return
            time.sleep(0.1)

    thread = threading.Thread(target=review, daemon=True)
    thread.start()
    return thread


def test_governed_functions_run_only_as_bosun_decides(
    owner: bosun.Client, reviewer: bosun.Client, make_agent: Callable[..., bosun.Agent]
) -> None:
    agent = make_agent(["write_file", "delete_file"], mode="read_write")
    owner.add_agent_rule(agent.id, {"tool": "delete_file", "action": "deny", "note": "nothing is deleted"})
    owner.add_agent_rule(agent.id, {"tool": "write_file", "action": "ask", "pattern": "/etc/*"})
    written: list[tuple[str, str]] = []
    deleted: list[str] = []

    @bosun.governed(tool="write_file", subject="/path", wait=20)
    def write(path: str, content: str = "") -> str:
        written.append((path, content))
        return f"wrote {path}"

    @bosun.governed(tool="delete_file", subject="/path")
    def delete(path: str) -> None:
        deleted.append(path)

    with owner.session(agent.id, working_dir="/srv/app") as session:
        assert write("notes.txt", "hello") == "wrote notes.txt"  # read_write mode allows writes
        with pytest.raises(bosun.Denied) as denied:
            delete("/srv/app/notes.txt")
        assert denied.value.decision.reason["kind"] == "rule"
        assert "rule #1 of the agent's rules" in denied.value.message
        # The rule's note tells the model why, so it can try something else.
        assert "nothing is deleted" in denied.value.message
        # A reviewer moves an /etc write elsewhere: the body runs with the new path only.
        review = decide_when_asked(reviewer, agent.id, decision="edit", input="/srv/app/hosts")
        assert write("/etc/hosts", content="127.0.0.1 x") == "wrote /srv/app/hosts"
        review.join(timeout=5)
        run_id = session.run_id

    assert written == [("notes.txt", "hello"), ("/srv/app/hosts", "127.0.0.1 x")]
    assert deleted == []
    run = owner.get_run(agent.id, run_id)
    assert run.status == "succeeded" and run.input == {"client": "python", "cwd": "/srv/app"}
    results = [e.data for e in owner.run_trace(run_id).events if e.kind == "tool_call.result"]
    assert [r["output"] for r in results] == ["wrote notes.txt", "wrote /srv/app/hosts"]


def test_a_governed_function_outside_a_session_does_not_run() -> None:
    ran: list[int] = []

    @bosun.governed(tool="read_file")
    def read(path: str) -> None:
        ran.append(1)

    with pytest.raises(bosun.BosunError) as error:
        read("/x")
    assert error.value.code == "no_session" and ran == []


def test_a_request_nobody_decides_in_time_raises_approval_timeout(
    owner: bosun.Client, make_agent: Callable[..., bosun.Agent]
) -> None:
    agent = make_agent(["delete_file"])  # restricted: deleting asks
    ran: list[str] = []

    @bosun.governed(tool="delete_file", subject="/path", wait=1.5)
    def delete(path: str) -> None:
        ran.append(path)

    with owner.session(agent.id) as session:
        started = time.monotonic()
        with pytest.raises(bosun.ApprovalTimeout) as timeout:
            delete("/tmp/old.log")
        assert 1.4 < time.monotonic() - started < 10
        assert timeout.value.approval_id is not None
        with pytest.raises(bosun.ApprovalTimeout):
            session.decide("delete_file", "/tmp/other.log", wait=0)
    assert ran == []


def test_session_decide_waits_for_the_reviewer_and_returns_their_input(
    owner: bosun.Client, reviewer: bosun.Client, make_agent: Callable[..., bosun.Agent]
) -> None:
    agent = make_agent(["system_shell"])
    with owner.session(agent.id, working_dir="/work") as session:
        review = decide_when_asked(reviewer, agent.id, decision="edit", input="make test", message="tests first")
        decision = session.decide("system_shell", "make deploy", wait=20)
        review.join(timeout=5)
        assert decision.allowed and decision.edited and decision.input == "make test"
        assert decision.message == "tests first" and decision.approval_id is not None
        assert decision.explanation == "Bosun: a reviewer approved it with changes: tests first"
        session.record_result(decision, output={"exit": 0}, duration_ms=12)
        session.event({"thought": "tests pass"})
    events = owner.run_trace(session.run_id).events
    assert any(e.kind == "agent.event" and e.data["event"] == {"thought": "tests pass"} for e in events)


def test_a_fixed_agents_secret_is_refused_to_a_session(
    server: Bosun, owner: bosun.Client, make_agent: Callable[..., bosun.Agent]
) -> None:
    agent = make_agent(["http_request"], credential_model="fixed")
    with server.http(server.owner_token) as http:
        put = http.put(
            f"/api/v1/agents/{agent.id}/credentials/github", json={"service_account": "bot", "value": "s3cr3t-value"}
        )
        assert put.status_code == 200, put.text
    with owner.session(agent.id) as session:
        with pytest.raises(bosun.CredentialRefused) as refused:
            session.credential("github")
        assert refused.value.status == 403
        assert "never to an interactive run" in refused.value.message
        assert "s3cr3t-value" not in str(refused.value)
    events = owner.run_trace(session.run_id).events
    assert [e.data["name"] for e in events if e.kind == "credential.refused"] == ["github"]
    assert "s3cr3t-value" not in (server.data_dir / "server.log").read_text()


def test_an_exception_in_the_session_block_finishes_the_run_as_failed(
    owner: bosun.Client, make_agent: Callable[..., bosun.Agent]
) -> None:
    agent = make_agent(["read_file"])
    with pytest.raises(ZeroDivisionError), owner.session(agent.id) as session:
        1 / 0  # noqa: B018
    run = owner.get_run(agent.id, session.run_id)
    assert run.status == "failed"
    assert run.output == {"error": "ZeroDivisionError: division by zero"}


def test_an_unreachable_bosun_stops_governed_calls_unless_fail_open(own_server: Bosun) -> None:
    client = own_server.owner()
    agent = client.create_agent({"name": "offline", "tools": ["read_file"], "execution_mode": "open"})
    ran: list[str] = []

    @bosun.governed(tool="read_file", subject="/path")
    def closed(path: str) -> None:
        ran.append(f"closed {path}")

    @bosun.governed(tool="read_file", subject="/path", fail_open=True)
    def open_(path: str) -> None:
        ran.append(f"open {path}")

    # Finishing the run cannot reach Bosun either: leaving the block says so.
    with pytest.raises(bosun.BosunUnavailable), client.session(agent.id):
        closed("/a")  # Bosun is up: allowed by the open mode
        own_server.stop()
        with pytest.raises(bosun.BosunUnavailable):
            closed("/b")
        open_("/c")
    assert ran == ["closed /a", "open /c"]


def test_the_async_client_runs_a_session_and_governed_coroutines(
    server: Bosun, owner: bosun.Client, reviewer: bosun.Client, make_agent: Callable[..., bosun.Agent]
) -> None:
    agent = make_agent(["read_file", "delete_file"])
    owner.add_agent_rule(agent.id, {"tool": "delete_file", "action": "deny"})
    ran: list[str] = []

    @bosun.governed(tool="read_file", subject="/path")
    async def read(path: str) -> str:
        ran.append(path)
        return "text"

    @bosun.governed(tool="delete_file", subject="/path")
    async def delete(path: str) -> None:
        ran.append(f"deleted {path}")

    async def main() -> str:
        async with bosun.AsyncClient(server.url, server.owner_token) as client:
            assert (await client.me()).email == "owner@example.com"
            assert agent.id in [a.id for a in (await client.list_agents(limit=200)).items]
            async with client.session(agent.id, external_id="async-1") as session:
                assert await read("/srv/a") == "text"
                with pytest.raises(bosun.Denied):
                    await delete("/srv/a")
                return session.run_id

    run_id = asyncio.run(main())
    assert ran == ["/srv/a"]
    run = owner.get_run(agent.id, run_id)
    assert run.status == "succeeded" and run.external_id == "async-1"


def test_an_edited_call_gets_back_the_secrets_bosun_redacted_for_the_reviewer(
    owner: bosun.Client, reviewer: bosun.Client, make_agent: Callable[..., bosun.Agent]
) -> None:
    agent = make_agent(["http_request"])  # restricted: a request asks
    fetched: list[tuple[str, dict[str, str], str]] = []

    @bosun.governed(tool="http_request", wait=20)
    def fetch(url: str, headers: dict[str, str], method: str = "GET") -> str:
        fetched.append((url, headers, method))
        return "ok"

    shown: list[Any] = []

    def review() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            waiting = [a for a in reviewer.list_approvals().items if a.agent_id == agent.id]
            if waiting:
                shown.append(waiting[0].input)
                reviewer.decide_approval(waiting[0].id, "edit", input={**waiting[0].input, "method": "HEAD"})
                return
            time.sleep(0.1)

    thread = threading.Thread(target=review, daemon=True)
    thread.start()
    with owner.session(agent.id) as session:
        fetch("https://api.example.com/v1", {"Authorization": "Bearer tok-123"})
    thread.join(timeout=5)
    # The reviewer saw no token and changed the method; the call ran with
    # their method and the agent's own token.
    assert shown[0]["headers"] == {"Authorization": "[redacted]"}
    assert fetched == [("https://api.example.com/v1", {"Authorization": "Bearer tok-123"}, "HEAD")]
    assert "tok-123" not in str([e.data for e in owner.run_trace(session.run_id).events])


def test_an_interrupt_in_the_session_block_finishes_the_run_as_cancelled(
    owner: bosun.Client, make_agent: Callable[..., bosun.Agent]
) -> None:
    agent = make_agent(["read_file"])
    with pytest.raises(KeyboardInterrupt), owner.session(agent.id) as session:
        raise KeyboardInterrupt
    assert owner.get_run(agent.id, session.run_id).status == "cancelled"


def test_an_agent_token_is_enough_for_a_session(
    server: Bosun, owner: bosun.Client, make_agent: Callable[..., bosun.Agent]
) -> None:
    agent = make_agent(["read_file"])
    with server.http(server.owner_token) as http:
        made = http.post("/api/v1/me/tokens", json={"agent_id": agent.id})
        assert made.status_code == 201, made.text
    with bosun.Client(server.url, made.json()["token"]) as scoped:
        with scoped.session(agent.id) as session:
            assert session.decide("read_file", "/srv/a").allowed
        # It opens nothing else.
        with pytest.raises(bosun.BosunError) as refused:
            scoped.list_agents()
        assert (refused.value.status, refused.value.code) == (403, "token_scope")
    assert owner.get_run(agent.id, session.run_id).status == "succeeded"
