#!/usr/bin/env bash
# The Python SDK's checks: ruff (lint and format) and mypy (strict) on the
# package, `python -m build` (sdist, and the wheel built from it), the
# wheel installed into a fresh throwaway virtualenv, and pytest there
# against the real `bosun` binary named by BOSUN_BIN. The pinned tools
# (requirements-test.txt) live in a virtualenv beside the cargo target
# directory, with a wheelhouse of the same pins for the throwaway one (both
# made again only when the pins change). Extra arguments go to pytest.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
venv=$target/sdk-venv
wheels=$target/sdk-wheelhouse
: "${BOSUN_BIN:?must name the bosun binary the SDK tests run against}"

if ! cmp -s "$here/requirements-test.txt" "$venv/requirements-test.txt"; then
  rm -rf "$venv" "$wheels"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements-test.txt"
  "$venv/bin/pip" download --quiet --disable-pip-version-check --dest "$wheels" -r "$here/requirements-test.txt"
  cp "$here/requirements-test.txt" "$venv/requirements-test.txt"
fi

work=$(mktemp -d /tmp/bosun-sdk.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$here"
export RUFF_CACHE_DIR=$venv/ruff-cache
"$venv/bin/ruff" check --quiet src tests
"$venv/bin/ruff" format --quiet --check src tests
"$venv/bin/mypy" --cache-dir "$venv/mypy-cache" --no-error-summary
"$venv/bin/python" -m build --no-isolation --outdir "$work/dist" . > "$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; exit 1; }

# The tests import the SDK as a user gets it: from the wheel, installed
# with its extra into a virtualenv of its own (offline, from the wheelhouse).
python3 -m venv "$work/venv"
wheel=$(echo "$work"/dist/*.whl)
pytest_pin=$(grep '^pytest==' "$here/requirements-test.txt")
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --no-index --find-links "$wheels" \
  "$wheel[langchain]" "$pytest_pin"
cd "$here/tests"
# A hang (a wait that never ends) fails the run rather than stalling it.
timeout 300 "$work/venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
