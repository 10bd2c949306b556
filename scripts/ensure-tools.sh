#!/usr/bin/env bash
# The tools the deployment checks of the test suite run (test/integration/deploy.test.ts):
# promtool (Debian's prometheus) for the alert rules, kubectl (Debian's kubernetes-client) for
# `kubectl kustomize`; with --browser, Chromium for the console tests. Installed from Debian's packages when missing; any kubectl already there is used.
set -euo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
# `--browser`: Debian's Chromium, for the console's browser tests (npm run test:console).
if [ "${1:-}" = "--browser" ]; then missing=(); command -v chromium >/dev/null 2>&1 || missing+=(chromium); fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} from Debian's packages" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
