"""The plain client: agents, approvals, trace search and the streaming
export, and the API's errors as exceptions."""

from __future__ import annotations

import asyncio
import os
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import bosun

from conftest import Bosun


def test_agents_are_created_read_changed_listed_and_deleted(owner: bosun.Client) -> None:
    agent = owner.create_agent({"name": "sdk-crud", "tools": ["read_file"], "settings": {"team": "infra"}})
    assert agent.name == "sdk-crud" and agent.execution_mode == "restricted" and agent.settings == {"team": "infra"}
    assert owner.get_agent(agent.id) == agent
    changed = owner.update_agent(agent.id, {"description": "reads things", "approval_ttl_seconds": 60})
    assert changed.description == "reads things" and changed.approval_ttl_seconds == 60
    assert changed.updated_at >= agent.updated_at
    assert agent.id in [a.id for a in owner.list_agents(q="sdk-crud").items]
    owner.delete_agent(agent.id)
    with pytest.raises(bosun.BosunError) as missing:
        owner.get_agent(agent.id)
    assert (missing.value.status, missing.value.code) == (404, "not_found")


def test_an_api_error_carries_its_code_message_and_status(owner: bosun.Client) -> None:
    with pytest.raises(bosun.BosunError) as error:
        owner.create_agent({"name": "bad", "execution_mode": "sideways"})
    assert error.value.status == 400 and error.value.code == "invalid_input"
    assert "execution_mode" in error.value.message
    with pytest.raises(TypeError, match="unknown trace filter 'colour'"):
        owner.search_traces(colour="red")


def test_a_bad_token_is_a_401(server: Bosun) -> None:
    with bosun.Client(server.url, "not-a-token") as client, pytest.raises(bosun.BosunError) as error:
        client.me()
    assert error.value.status == 401


def test_the_token_and_url_come_from_the_environment(server: Bosun, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOSUN_URL", server.url)
    monkeypatch.setenv("BOSUN_TOKEN", server.reviewer_token)
    with bosun.Client() as client:
        assert client.me().email == "reviewer@example.com"
    monkeypatch.delenv("BOSUN_TOKEN")
    with pytest.raises(bosun.BosunError) as error:
        bosun.Client()
    assert error.value.code == "no_token"


def test_reviewers_list_and_decide_requests_and_the_trace_finds_them(
    owner: bosun.Client, reviewer: bosun.Client, make_agent: Callable[..., bosun.Agent]
) -> None:
    agent = make_agent(["delete_file"])
    with owner.session(agent.id) as session:
        # Not waiting at all: the request stays in the inbox.
        with pytest.raises(bosun.ApprovalTimeout):
            session.decide("delete_file", "/tmp/a.log", wait=0)
        (request,) = [a for a in reviewer.list_approvals().items if a.agent_id == agent.id]
        assert request.tool == "delete_file" and request.input == "/tmp/a.log" and request.status == "pending"
        # The owner may not decide their own run's request.
        with pytest.raises(bosun.BosunError) as own:
            owner.decide_approval(request.id, "allow_once")
        assert own.value.status == 403
        decided = reviewer.decide_approval(request.id, "deny", message="keep the logs")
        assert decided.status == "denied" and decided.message == "keep the logs"
        with pytest.raises(bosun.BosunError) as twice:
            reviewer.decide_approval(request.id, "allow_once")
        assert (twice.value.status, twice.value.code) == (409, "already_decided")
        assert request.id in [a.id for a in reviewer.list_approvals("denied").items]
    page = owner.search_traces(agent=agent.id, decision="ask", limit=10)
    assert [e.kind for e in page.items] == ["policy.decision"]
    assert page.items[0].run_id == session.run_id
    assert owner.search_traces(agent=agent.id, q="keep the logs").items[0].kind == "approval.resolved"


class CountingTransport(httpx.BaseTransport):
    """Counts the bytes of answers as the client reads them off the wire."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.received = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        stream = response.stream
        assert isinstance(stream, httpx.SyncByteStream)
        transport = self

        class Counted(httpx.SyncByteStream):
            def __iter__(self) -> Iterator[bytes]:
                for chunk in stream:
                    transport.received += len(chunk)
                    yield chunk

            def close(self) -> None:
                stream.close()

        return httpx.Response(
            response.status_code, headers=response.headers, stream=Counted(), extensions=response.extensions
        )


def test_the_export_streams_events_without_holding_the_download(
    server: Bosun, owner: bosun.Client, make_agent: Callable[..., bosun.Agent]
) -> None:
    agent = make_agent(["read_file"])
    with owner.session(agent.id) as session:
        for step in range(400):
            # Random hex, so that compression on the wire cannot shrink a
            # note below its 8,000 random bytes.
            session.event({"step": step, "note": os.urandom(8_000).hex()})
    total = 400 * 8_000  # at least: the notes alone, however compressed

    counting = CountingTransport()
    with bosun.Client(server.url, server.owner_token, transport=counting) as client:
        events = client.export_traces(run=session.run_id)
        first = next(events)
        # The first event is in hand while most of the export is still on the wire.
        assert first.kind == "run.started" and first.run_id == session.run_id
        assert counting.received < total / 4, counting.received
        tracemalloc.start()
        kinds = [event.kind for event in events]
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert counting.received > total
    assert kinds == ["agent.event"] * 400 + ["run.finished"]
    # Read one event at a time: never anything near the whole export at once.
    assert peak < total / 8, peak


def test_the_async_client_searches_and_streams_the_export(
    server: Bosun, owner: bosun.Client, make_agent: Callable[..., bosun.Agent]
) -> None:
    agent = make_agent(["read_file"])
    with owner.session(agent.id) as session:
        for step in range(5):
            session.event({"step": step})

    async def main() -> tuple[list[Any], list[str]]:
        async with bosun.AsyncClient(server.url, server.owner_token) as client:
            page = await client.search_traces(run=session.run_id, limit=3)
            exported = [event.kind async for event in client.export_traces(run=session.run_id)]
            return [e.data for e in page.items], exported

    newest, exported = asyncio.run(main())
    assert exported == ["run.started"] + ["agent.event"] * 5 + ["run.finished"]
    assert len(newest) == 3
