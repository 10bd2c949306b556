#!/usr/bin/env bash
# `npm test`: sets up what it needs (services, modules), type-checks, runs the whole suite.
# `npm run test:chaos`: the long fault and soak suites. `npm run test:console`: the console in a real browser.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-services.sh
bash scripts/install-deps.sh
bash scripts/ensure-tools.sh
if [ "${1:-}" = "--chaos" ]; then
  exec npx vitest run --config vitest.chaos.config.ts
fi
if [ "${1:-}" = "--console" ]; then
  bash scripts/ensure-tools.sh --browser
  exec npx vitest run --config vitest.console.config.ts
fi
npx tsc -p tsconfig.json --noEmit
exec npx vitest run "$@"
