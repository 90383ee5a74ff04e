#!/usr/bin/env bash
# Set up (system packages + .venv) if needed, then start coach-app. Arguments go to coach-app,
# e.g. ./run.sh analyze call.wav
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
exec .venv/bin/coach-app "$@"
