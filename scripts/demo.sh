#!/usr/bin/env bash
# The main job end to end: the seed's lease query, in Python, against a local test-bed dhcpd.
ISC_KINDS=static  # the demo runs the compiled extension, linked with the static kind
source "$(dirname "$0")/bootstrap.sh"
cd "$ROOT"
exec "$VENV/bin/python" scripts/demo.py
