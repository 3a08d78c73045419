"""The official Python SDK's MCP client, driving `bosun mcp proxy` in the
tests: it starts the proxy (argv[1:] is its command line), then reads
steps from stdin, one JSON object a line, and answers each on stdout, one
JSON object a line:

  {"op": "list"}                                  -> {"tools": [names]}
  {"op": "call", "tool": T, "arguments": {...}}   -> {"is_error", "text", "progress"}
                                                     or {"mcp_error": message}

Errors of the protocol (an MCP error answer) are reported, not raised, so
the test sees them."""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError


def say(answer):
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


async def main():
    params = StdioServerParameters(command=sys.argv[1], args=sys.argv[2:], env=dict(os.environ))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            try:
                await session.initialize()
                say({"initialized": True})
            except MCPError as error:
                say({"mcp_error": error.error.message})
                return
            loop = asyncio.get_running_loop()
            while True:
                line = await loop.run_in_executor(None, sys.stdin.readline)
                if not line:
                    return
                step = json.loads(line)
                try:
                    if step["op"] == "list":
                        listed = await session.list_tools()
                        say({"tools": [tool.name for tool in listed.tools]})
                    elif step["op"] == "call":
                        progress = []

                        async def on_progress(done, total, message):
                            progress.append(message)

                        result = await session.call_tool(
                            step["tool"], step.get("arguments", {}), progress_callback=on_progress
                        )
                        text = "\n".join(
                            block.text for block in result.content if getattr(block, "text", None) is not None
                        )
                        say({"is_error": bool(result.is_error), "text": text, "progress": progress})
                except MCPError as error:
                    say({"mcp_error": error.error.message})
                except Exception as error:  # a transport failure, said as such
                    say({"client_error": f"{type(error).__name__}: {error}"})


asyncio.run(main())
