"""A real Bosun for the SDK's tests: the `bosun` binary named by
`BOSUN_BIN` (scripts/test sets it to the one it built), on SQLite in a
fresh data directory and a free port, with an admin who owns the agents
and a second admin who reviews (nobody approves their own run's requests).
The tests import the SDK as installed from its wheel, never the sources."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import bosun

ADMIN_EMAIL = "owner@example.com"
REVIEWER_EMAIL = "reviewer@example.com"


def _bosun_bin() -> str:
    path = os.environ.get("BOSUN_BIN")
    if not path or not os.access(path, os.X_OK):
        pytest.fail(f"BOSUN_BIN must name the bosun binary to test against (scripts/test sets it); it is {path!r}")
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Bosun:
    """A running Bosun and the tokens of its people."""

    url: str
    data_dir: Path
    binary: str
    process: subprocess.Popen[bytes]
    owner_token: str = ""
    reviewer_token: str = ""

    def cli(self, *args: str) -> str:
        env = {**os.environ, "BOSUN_DATA_DIR": str(self.data_dir), "DATABASE_URL": "", "BOSUN_LOG": "warn"}
        done = subprocess.run([self.binary, *args], env=env, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    def owner(self) -> bosun.Client:
        return bosun.Client(self.url, self.owner_token)

    def reviewer(self) -> bosun.Client:
        return bosun.Client(self.url, self.reviewer_token)

    def http(self, token: str) -> httpx.Client:
        """Plain REST, for what the SDK does not wrap (secrets, workspace)."""
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"})

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_bosun() -> Bosun:
    binary = _bosun_bin()
    data_dir = Path(tempfile.mkdtemp(prefix="bosun-sdk-"))
    port = _free_port()
    env = {
        **os.environ,
        "BOSUN_LISTEN": f"127.0.0.1:{port}",
        "BOSUN_DATA_DIR": str(data_dir),
        "DATABASE_URL": "",
        "BOSUN_ADMIN_EMAIL": ADMIN_EMAIL,
        "BOSUN_ADMIN_PASSWORD": secrets.token_urlsafe(16),
        "BOSUN_LOG": "warn",
    }
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen([binary, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Bosun(f"http://127.0.0.1:{port}", data_dir, binary, process)
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"bosun did not start; its log:\n{(data_dir / 'server.log').read_text()}")
        time.sleep(0.1)
    server.owner_token = server.cli("admin", "create-token", "--email", ADMIN_EMAIL, "--name", "sdk tests")
    reviewer_password = secrets.token_urlsafe(16)
    server.cli("admin", "create-user", "--email", REVIEWER_EMAIL, "--password", reviewer_password, "--admin")
    server.reviewer_token = server.cli("admin", "create-token", "--email", REVIEWER_EMAIL, "--name", "sdk tests")
    return server


@pytest.fixture(scope="session")
def server() -> Iterator[Bosun]:
    """One Bosun for the whole run; each test makes its own agents."""
    running = start_bosun()
    yield running
    running.stop()
    shutil.rmtree(running.data_dir, ignore_errors=True)


@pytest.fixture
def own_server() -> Iterator[Bosun]:
    """A Bosun of the test's own, which the test may stop."""
    running = start_bosun()
    yield running
    running.stop()
    shutil.rmtree(running.data_dir, ignore_errors=True)


@pytest.fixture
def owner(server: Bosun) -> Iterator[bosun.Client]:
    with server.owner() as client:
        yield client


@pytest.fixture
def reviewer(server: Bosun) -> Iterator[bosun.Client]:
    with server.reviewer() as client:
        yield client


@pytest.fixture
def make_agent(owner: bosun.Client) -> Callable[..., bosun.Agent]:
    """Makes an agent of the owner's for one test, so tests never see each
    other's rules: `make_agent(["write_file"], mode="open", **fields)`."""

    def make(tools: list[str], mode: str = "restricted", **fields: Any) -> bosun.Agent:
        draft: Any = {"name": f"sdk-test-{secrets.token_hex(4)}", "tools": tools, "execution_mode": mode, **fields}
        return owner.create_agent(draft)

    return make
