"""An MCP client for the remote gateway's tests: the official Python SDK's
client over Streamable HTTP, with the bearer token from BOSUN_TOKEN.

Usage:
  client.py URL list                     -> {"tools": [names]}
  client.py URL call TOOL ARGUMENTS_JSON -> {"is_error", "text", "progress"}
Extra headers: --header NAME=VALUE (repeatable). A failure of the request
prints {"error": "..."} and exits 0, so the test reads what the client saw.
"""

import argparse
import asyncio
import json
import os

import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client


async def run(args):
    headers = {"Authorization": f"Bearer {os.environ['BOSUN_TOKEN']}"}
    for header in args.header:
        name, value = header.split("=", 1)
        headers[name] = value
    timeout = httpx2.Timeout(30.0, read=600.0)
    async with httpx2.AsyncClient(headers=headers, timeout=timeout) as http:
        async with streamable_http_client(args.url, http_client=http) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                if args.command == "list":
                    result = await session.list_tools()
                    return {"tools": [tool.name for tool in result.tools]}
                progress = []

                async def on_progress(value, total, message):
                    progress.append(message)

                result = await session.call_tool(
                    args.tool, json.loads(args.arguments), progress_callback=on_progress
                )
                text = "\n".join(block.text for block in result.content if getattr(block, "text", None))
                return {"is_error": bool(result.is_error), "text": text, "progress": len(progress)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("command", choices=["list", "call"])
    parser.add_argument("tool", nargs="?")
    parser.add_argument("arguments", nargs="?", default="{}")
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args()
    try:
        out = asyncio.run(run(args))
    except BaseException as error:  # noqa: BLE001 - the test reads what the client saw
        while isinstance(error, BaseExceptionGroup) and error.exceptions:
            error = error.exceptions[0]
        out = {"error": f"{type(error).__name__}: {error}"}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
