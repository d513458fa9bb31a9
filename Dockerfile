# syntax=docker/dockerfile:1
# FindMe image: the API, the worker and the web app. Production runs against RDS (DATABASE_URL) and needs SECRET_KEY;
# see README.md for every setting.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: nothing to compile yet; the builds below make dist/ and web/dist/.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json codegen.yml schema.graphql ./
COPY src ./src
COPY web ./web
RUN npm run build && npm run build:web

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. No install scripts: `prepare` needs the compiler
# (dist/ comes from the build stage) and argon2 ships prebuilt binaries. The image
# expects DATABASE_URL; it does not run the embedded PostgreSQL.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=4000 \
    DATA_DIR=/data
WORKDIR /app
RUN groupadd --system findme && useradd --system --gid findme --home /app findme \
 && mkdir -p /data && chown findme:findme /data
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/web/dist ./web/dist
COPY package.json schema.graphql ./
COPY bin ./bin
USER findme
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# findme serve itself, not `npm start`: SIGTERM from the runtime must reach the server to drain it.
CMD ["node", "bin/findme.js", "serve"]
