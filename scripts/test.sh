#!/usr/bin/env bash
# The whole test suite, on a fresh Debian bookworm machine as root. Extra arguments go to pytest.
ISC_KINDS=both  # the tests run both cffi modes: static for API mode, shared for ABI mode
source "$(dirname "$0")/bootstrap.sh"
cd "$ROOT"
say "pytest"
exec "$VENV/bin/python" -m pytest "$@"
