# syntax=docker/dockerfile:1
#
# Turnpike in a container: the STUN/TURN server by default, the SFU with `sfu -c …`.
#
#   docker build -t turnpike .
#   docker run --network host -v $PWD/turnserver.conf:/etc/coturn/turnserver.conf:ro turnpike
#
# deploy/docker-compose.yml runs both services; docs/deployment.md explains the networking.

ARG NODE_MAJOR=24

# ---- build: production dependencies and the native data plane, with the system compiler ----
FROM node:${NODE_MAJOR}-bookworm AS build
WORKDIR /opt/turnpike
COPY package.json package-lock.json ./
# No install scripts: the `node` package would download a second Node, and the native data
# plane is built below with the image's gcc against node-api-headers (no node-gyp, no network).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/node node_modules/.bin/node
# OpenSSL's headers for DTLS: the addon calls the OpenSSL that Node itself exports (no -lssl).
RUN apt-get update && apt-get install -y --no-install-recommends libssl-dev && rm -rf /var/lib/apt/lists/*
COPY scripts/build-native.mjs scripts/
COPY native/src native/src
RUN node scripts/build-native.mjs --strict && test -f native/build/turnpike_dataplane.node
COPY bin bin
COPY src src
COPY public public

# ---- runtime: Node, tini as PID 1, an unprivileged user ----
FROM node:${NODE_MAJOR}-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 turnpike \
 && useradd --system --uid 10001 --gid turnpike --no-create-home --home-dir /var/lib/turnpike --shell /usr/sbin/nologin turnpike \
 && install -d -o turnpike -g turnpike -m 0750 /var/lib/turnpike /var/cache/turnpike
COPY --from=build /opt/turnpike /opt/turnpike
RUN ln -s /opt/turnpike/bin/turnpike.js /usr/local/bin/turnpike
ENV NODE_ENV=production \
    NODE_COMPILE_CACHE=/var/cache/turnpike
WORKDIR /var/lib/turnpike
USER turnpike:turnpike
# 3478 STUN/TURN (UDP and TCP), 5349 TURN over TLS, 7000 the SFU's signalling and pages.
# The relay range (min-port..max-port) is why the TURN service runs with host networking.
EXPOSE 3478/udp 3478/tcp 5349/tcp 7000/tcp
# tini reaps children and forwards SIGTERM, so `docker stop` shuts Turnpike down gracefully
# (it logs `stopping` and exits 0) and SIGHUP (`docker kill -s HUP`) reopens logs and reloads.
ENTRYPOINT ["/usr/bin/tini", "--", "turnpike"]
CMD ["turnserver", "-c", "/etc/coturn/turnserver.conf"]
