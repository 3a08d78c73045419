"""A small MCP server written with the official Python SDK, relayed by
`bosun mcp proxy` in the tests: it writes and reads files for real, says
whether a variable is in its environment, and can crash or hang on
request, so the tests see what the proxy does with a server that fails."""

import asyncio
import os
import sys

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

server = MCPServer("files-server")


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
def read_file(path: str) -> str:
    """Reads a text file."""
    with open(path, encoding="utf-8") as file:
        return file.read()


@server.tool(annotations=ToolAnnotations(destructiveHint=True))
def write_file(path: str, content: str) -> str:
    """Writes a text file, replacing it."""
    with open(path, "w", encoding="utf-8") as file:
        file.write(content)
    return f"wrote {len(content)} characters to {path}"


@server.tool()
def has_variable(name: str) -> str:
    """Says whether the server's environment holds a variable."""
    return "yes" if name in os.environ else "no"


@server.tool()
def crash() -> str:
    """Exits the server at once."""
    sys.stdout.flush()
    os._exit(3)


@server.tool()
async def hang(seconds: float) -> str:
    """Answers only after a while (other requests are still served)."""
    await asyncio.sleep(seconds)
    return "woke up"


if __name__ == "__main__":
    server.run()
