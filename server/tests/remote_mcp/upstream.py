"""An upstream MCP server for the remote gateway's tests, written with the
official Python SDK and served over Streamable HTTP.

It takes requests only with `Authorization: Bearer $UPSTREAM_SECRET` (401
otherwise) and writes every request it receives — method, headers, body —
as a line of JSON to the file named by `--log`, so a test can tell what
reached it and what did not. It listens on a loopback port of its own
choosing and prints that port on its first line of output.

Usage: upstream.py --log FILE   (the secret in UPSTREAM_SECRET)
"""

import argparse
import asyncio
import json
import os
import socket
import sys

import uvicorn
from mcp.server.mcpserver import MCPServer

SECRET = os.environ["UPSTREAM_SECRET"]

server = MCPServer("docs")
notes: dict[str, str] = {"/notes/a.txt": "alpha"}


@server.tool()
def read_note(path: str) -> str:
    """Reads a note."""
    return notes.get(path, f"no note at {path}")


@server.tool()
def write_note(path: str, text: str) -> str:
    """Writes a note."""
    notes[path] = text
    return f"wrote {len(text)} characters to {path}"


@server.tool()
def delete_everything() -> str:
    """Deletes every note."""
    notes.clear()
    return "deleted"


@server.tool()
def whoami() -> str:
    """Answers the credential this server was called with, whole and as its bare token (as a careless server might)."""
    value = CURRENT_AUTHORIZATION.get("value", "")
    return f"{value} | {value.removeprefix('Bearer ')}"


@server.tool()
async def slow(seconds: float) -> str:
    """Takes its time."""
    await asyncio.sleep(seconds)
    return "done"


CURRENT_AUTHORIZATION: dict[str, str] = {}


def checked(app, log_path):
    """The app behind a bearer check that logs every request."""

    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        body = b""
        more = True
        messages = []
        while more:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            more = message.get("more_body", False)
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = body.decode("latin-1")
        with open(log_path, "a") as log:
            log.write(json.dumps({"method": scope["method"], "headers": headers, "body": parsed}) + "\n")
        if headers.get("authorization") != f"Bearer {SECRET}":
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"www-authenticate", b"Bearer"), (b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"unauthorized"})
            return
        CURRENT_AUTHORIZATION["value"] = headers["authorization"]

        async def replay():
            return messages.pop(0) if messages else await receive()

        await app(scope, replay, send)

    return wrapped


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    app = server.streamable_http_app(streamable_http_path="/mcp")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(checked(app, args.log), log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    sys.exit(main())
