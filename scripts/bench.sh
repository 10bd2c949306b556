#!/usr/bin/env bash
# `npm run bench [-- --size small|large] [-- --json]`: sets up what it needs, builds, and measures
# the daemon at scale against a plain-SQL ceiling measured in the same run. See docs/benchmark.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-services.sh >&2
bash scripts/install-deps.sh >&2
npm run build --silent >&2
exec npx tsx bench/run.ts "$@"
