# syntax=docker/dockerfile:1
# dotdigital-sync image: build with the dev toolchain, ship only production dependencies.
#   docker build -t dotdigital-sync:0.1.0 .
# The Helm chart (deploy/helm/dotdigital-sync) runs it as uid 10001 with a read-only root
# filesystem; the only writable path it needs is /tmp (an emptyDir there).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY schemas ./schemas
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
# tini as PID 1: forwards SIGTERM to node (which then flushes within SHUTDOWN_DEADLINE_MS) and
# reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 dds \
 && useradd --system --uid 10001 --gid dds --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin dds
WORKDIR /app
ENV NODE_ENV=production
# Owned by root and not writable by the service user.
COPY package.json ./
COPY schemas ./schemas
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/cli.js", "run"]
