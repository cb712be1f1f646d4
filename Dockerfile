# Maple image: one image for the api, the worker and the cli (migrate), chosen by the command.
#   docker build -t maple .
#   docker run --rm -e DATABASE_URL=postgresql://... maple                       # api on :3000
#   docker run --rm -e DATABASE_URL=postgresql://... maple node dist/apps/worker/main.js
#   docker run --rm -e DATABASE_URL=postgresql://... maple node dist/apps/cli/main.js migrate

FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV CI=true \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    CHECKPOINT_DISABLE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
# Lockfile first so the dependency layer is cached until package*.json change. Install scripts
# are skipped here (no dependency needs one; the project's postinstall is run explicitly below,
# once its inputs are copied).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# Prisma Client (TypeScript, WASM query compiler: no native engine), then swc -> dist/.
RUN node scripts/prisma-generate.mjs \
 && node scripts/build.mjs \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/app/.data
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The migrate command reads prisma/schema.prisma and prisma/migrations/* at run time.
COPY --from=build /app/prisma ./prisma
# pg_dump and pg_restore for `backup create|restore` and the worker's scheduled backups
# (Debian's client of the PostgreSQL major version Maple runs on).
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/*
# Code stays root-owned and read-only for the app; only the embedded-database and backup folders are writable.
RUN mkdir -p /app/.data /app/.backups && chown node:node /app/.data /app/.backups
USER node
EXPOSE 3000
CMD ["node", "dist/apps/api/main.js"]
