#!/usr/bin/env bash
# `npm run demo`: sets up what it needs, builds, and runs the daemon on the bundled demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-services.sh
bash scripts/install-deps.sh
npm run build --silent
exec node dist/src/main.js demo "$@"
