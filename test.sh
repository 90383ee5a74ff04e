#!/usr/bin/env bash
# Set up (system packages + .venv) if needed, then run the whole test suite.
#   ./test.sh            all tests
#   ./test.sh -k vad     extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
