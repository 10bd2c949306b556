# syntax=docker/dockerfile:1
# fusionpbx-sync: build with dev dependencies, run with production ones only.
#
# Node.js 22 (LTS), pinned to one release (22.23.5, the one CI's `npm run check:install -- --node 22`
# runs the production install on). To pin the base by digest as well, resolve it where a registry
# is reachable and put it after the tag: `docker buildx imagetools inspect node:22.23.5-bookworm-slim`
# gives `node:22.23.5-bookworm-slim@sha256:...`.
ARG NODE_IMAGE=node:22.23.5-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
RUN npm run build

FROM ${NODE_IMAGE} AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="fusionpbx-sync" \
      org.opencontainers.image.description="Keeps an application's users store in step with FusionPBX: tenants, users, extensions, with an admin API and an active-call guard." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
# tini as PID 1: it forwards SIGTERM to node and reaps any child, so node drains as it would anywhere.
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
# Outside a container the API listens on loopback only; in one it must be reachable from outside it.
ENV NODE_ENV=production \
    ADMIN_HOST=0.0.0.0 \
    ADMIN_PORT=8080
WORKDIR /app
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
# The image's own unprivileged user (uid 1000, from the node base image); the root filesystem may be read-only.
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const h = require(process.env.ADMIN_TLS_CERT_FILE ? 'node:https' : 'node:http'); h.get({ host: '127.0.0.1', port: process.env.ADMIN_PORT || 8080, path: '/healthz', rejectUnauthorized: false }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/src/main.js"]
CMD ["start"]
