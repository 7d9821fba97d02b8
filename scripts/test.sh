#!/usr/bin/env bash
# The whole test suite, on a fresh Debian bookworm machine as root. Extra arguments go to pytest.
source "$(dirname "$0")/bootstrap.sh"
cd "$ROOT"
say "pytest"
exec "$VENV/bin/python" -m pytest "$@"
