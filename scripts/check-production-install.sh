#!/usr/bin/env bash
# What the container image runs, without Docker: the built dist/ with production dependencies
# only (`npm ci --omit=dev`), started as `node dist/src/main.js start` as NODE_ENV=production.
# It must answer /healthz and /readyz, then stop on SIGTERM with exit code 0.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
work=$(mktemp -d)
db="fps_image_check_$$"
trap 'kill -9 ${pid:-0} 2>/dev/null || true; rm -rf "$work"; psql -q -h 127.0.0.1 -U postgres -d postgres -c "drop database if exists $db with (force)" >/dev/null 2>&1 || true' EXIT

cp package.json package-lock.json "$work/"
cp -r dist config "$work/"
(cd "$work" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
if [ -d "$work/node_modules/vitest" ] || [ -d "$work/node_modules/typescript" ]; then
  echo "dev dependencies were installed" >&2
  exit 1
fi
psql -q -h 127.0.0.1 -U postgres -d postgres -c "create database $db" >/dev/null
port=$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")

(
  cd "$work"
  exec env -i PATH="$PATH" NODE_ENV=production \
    DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" REDIS_URL=redis://127.0.0.1:6379 QUEUE_PREFIX="fps-image-check-$$" \
    FUSIONPBX_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" ACTIVE_CALLS=esl FREESWITCH_ESL=127.0.0.1:8021 \
    FREESWITCH_ESL_PASSWORD=check ADMIN_TOKEN=check-admin-token-0123456789 ADMIN_PORT="$port" SYNC_SCHEDULE='0 0 1 1 *' \
    node dist/src/main.js start
) > "$work/daemon.log" 2>&1 &
pid=$!

for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/daemon.log"; echo "healthz did not answer" >&2; exit 1; }
curl -fs "http://127.0.0.1:$port/readyz" || { cat "$work/daemon.log"; echo "readyz is not ready" >&2; exit 1; }
echo
kill -TERM "$pid"
code=0
wait "$pid" || code=$?
redis-cli --scan --pattern "fps-image-check-$$:*" | xargs -r redis-cli del >/dev/null
if [ "$code" != 0 ]; then cat "$work/daemon.log"; echo "exit code $code after SIGTERM" >&2; exit 1; fi
echo "production install: started, ready, stopped cleanly on SIGTERM"
