# Tessera API image. Multi-stage: the build stage has the toolchain (npm, TypeScript, dev
# dependencies); the final stage has Node, the production dependencies, dist/ and the Cedar
# policies only: no compiler, no sources, no tests, no npm.
#
#   podman build -t tessera .                                         (or docker build)
#   podman build --build-arg BASE_IMAGE=localhost/tessera-base -t tessera .
#
# BASE_IMAGE must provide node and npm on PATH (Debian bookworm based, like the default).
# Behind a TLS-intercepting proxy, hand its CA bundle to the npm steps (it never enters a layer):
#   --secret id=build_ca,src=/etc/ssl/certs/ca-certificates.crt
ARG BASE_IMAGE=node:24-bookworm-slim

FROM ${BASE_IMAGE} AS build
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=build_ca,required=false \
    if [ -s /run/secrets/build_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build_ca; fi \
 && npm ci --no-audit --no-fund --loglevel=warn
COPY tsconfig.json tsconfig.build.json ./
COPY apps apps
COPY libs libs
COPY policies policies
# The server and the CLI only (the SDK and the dev-only demo page are not part of the image);
# test/ and bench/ are not in the build context (.dockerignore).
RUN npx tsc -p tsconfig.build.json \
 && find dist \( -name '*.spec.js' -o -name '*.spec.js.map' \) -delete

FROM ${BASE_IMAGE} AS production-dependencies
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY package.json package-lock.json ./
# TypeScript comes along as an optional peer of @nestjs/swagger (for its compiler plugin, a
# build-time tool the service never loads): removed, so the image holds no compiler.
RUN --mount=type=secret,id=build_ca,required=false \
    if [ -s /run/secrets/build_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build_ca; fi \
 && npm ci --omit=dev --no-audit --no-fund --loglevel=warn \
 && rm -rf node_modules/typescript node_modules/.bin/tsc node_modules/.bin/tsserver \
 && rm -rf node_modules/.package-lock.json node_modules/.cache

FROM ${BASE_IMAGE}
# The package managers are not needed to run the service.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
 && groupadd --gid 10001 tessera \
 && useradd --uid 10001 --gid tessera --home-dir /app --no-create-home --shell /usr/sbin/nologin tessera
WORKDIR /app
# Memory held flat under load (README, Benchmark): two malloc arenas instead of one per thread,
# an 8 MB young generation and old-space growth by half at a time. The same as `npm run start:prod`.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    METRICS_HOST=0.0.0.0 \
    METRICS_PORT=9464 \
    MALLOC_ARENA_MAX=2
COPY --from=production-dependencies /app/node_modules node_modules
COPY --from=build /src/dist/apps/api dist/apps/api
COPY --from=build /src/dist/apps/cli dist/apps/cli
COPY --from=build /src/dist/libs dist/libs
COPY package.json ./
COPY policies policies
USER tessera:tessera
EXPOSE 3000 9464
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Migrations run as a separate one-off job: node dist/apps/cli/src/main.js migrate
ENTRYPOINT ["node", "--max-semi-space-size=8", "--heap-growing-percent=50", "--v8-pool-size=1", "dist/apps/api/src/main.js"]
