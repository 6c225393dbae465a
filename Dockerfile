# syntax=docker/dockerfile:1
# mluvii-etl as an image: a build stage compiles the TypeScript, a dependency stage installs the
# production dependencies, and the runtime stage holds only those and dist/, running as the
# unprivileged `node` user (uid 1000) of the official Node image.
#   docker build -t mluvii-etl:0.1.0 .
#   docker run --rm --env-file .env mluvii-etl:0.1.0 mluvii-etl status
# The default command is the nightly scheduler (dist/jobs/scheduler.js): `migrate` at start-up,
# then `mluvii-etl run` every night at ETL_SCHEDULE_AT (02:15) in REPORT_TZ.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: `prepare` would build before the sources are here, and nothing else in the
# build needs one.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json knexfile.ts ./
COPY scripts/build.mjs scripts/build.mjs
COPY src src
COPY migrations migrations
COPY jobs jobs
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. No optional ones: they are the embedded PostgreSQL binaries
# (60 MB) that only `demo` without DATABASE_URL uses; in the image DATABASE_URL is always given.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
COPY bin bin
RUN ln -s /app/bin/mluvii-etl.js /usr/local/bin/mluvii-etl
# The files folder of docker-compose.yml's etl-files volume: a new volume takes this owner.
RUN mkdir -p /var/lib/mluvii-etl/files && chown -R node:node /var/lib/mluvii-etl
USER node
CMD ["node", "dist/jobs/scheduler.js"]
