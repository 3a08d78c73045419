"""Hooks for the schemathesis run of scripts/schemathesis.

The long-polls (`GET /api/v1/runtime/runs/next`, `GET
/api/v1/runtime/tool-calls/{id}`) wait up to their `wait` parameter, 60
seconds at most, for something to happen, and a Claude Code hook that asks a
reviewer up to its own (3600 at most). A valid `wait`, in every phase, is cut to
one second so the run stays short; invalid ones go through unchanged, for
the server to refuse.
"""

import schemathesis


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    wait = (case.query or {}).get("wait")
    longest = 3600 if "/hooks/" in case.path else 60
    # Generated as a number or, in the coverage phase, as its text.
    if isinstance(wait, str) and wait.isascii() and wait.isdigit():
        seconds = int(wait)
    elif isinstance(wait, int) and not isinstance(wait, bool):
        seconds = wait
    else:
        return
    if 1 < seconds <= longest:
        case.query["wait"] = 1
