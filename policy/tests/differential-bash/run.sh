#!/usr/bin/env bash
# The differential test of the engine's shell analysis against
# tree-sitter-bash (see differential.py). Installs the pinned Python
# dependencies into a virtualenv beside the cargo target directory (again
# only when requirements.txt changed), checks the script with ruff and mypy,
# builds the engine's side and runs it. Extra arguments go to the script
# (--count N, --seed S).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
venv=$target/differential-bash-venv
if ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi
(
  cd "$here"
  export RUFF_CACHE_DIR=$venv/ruff-cache
  "$venv/bin/ruff" check --quiet differential.py
  "$venv/bin/ruff" format --quiet --check differential.py
  "$venv/bin/mypy" --cache-dir "$venv/mypy-cache" differential.py > /dev/null
)
(cd "$root" && cargo build --locked --quiet -p bosun-policy --example simple_commands)
"$venv/bin/python" "$here/differential.py" "$target/debug/examples/simple_commands" "$@"
