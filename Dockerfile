# Kindling in a container: Node.js 24 LTS, a headless Java 17, Python with PySpark preinstalled, a non-root
# user, and the project folder mounted at /data:
#
#   docker build -t kindling .
#   docker run --rm -v "$PWD":/data kindling demo
#
# BASE lets the same file build from the public Debian image on a Docker host and from a locally imported
# one where no registry is reachable (scripts/test-container.mjs). EXTRA_CA names a CA bundle for the build's
# downloads only (a proxy's, say); it is never copied into the image.
ARG BASE=debian:bookworm-slim

# Node.js and npm, as the npm registry publishes them (the official binaries; Debian's nodejs is older).
FROM ${BASE} AS node
ARG NODE_VERSION=24.22.3
ARG NPM_VERSION=11.21.3
ARG EXTRA_CA=
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
RUN set -eu; \
    case "$(dpkg --print-architecture)" in amd64) arch=x64 ;; arm64) arch=arm64 ;; *) echo "unsupported CPU" >&2; exit 1 ;; esac; \
    ca="${EXTRA_CA:+--cacert $EXTRA_CA}"; \
    mkdir -p /opt/node/bin /opt/node/lib/node_modules/npm; \
    curl -fsSL $ca "https://registry.npmjs.org/node-linux-$arch/-/node-linux-$arch-$NODE_VERSION.tgz" \
      | tar -xz -C /opt/node/bin --strip-components=2 package/bin/node; \
    curl -fsSL $ca "https://registry.npmjs.org/npm/-/npm-$NPM_VERSION.tgz" \
      | tar -xz -C /opt/node/lib/node_modules/npm --strip-components=1; \
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /opt/node/bin/npm; \
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /opt/node/bin/npx

# The package exactly as `npm pack` makes it for users: compiled with the locked dev dependencies.
FROM ${BASE} AS build
ARG EXTRA_CA=
COPY --from=node /opt/node /opt/node
ENV PATH=/opt/node/bin:$PATH
WORKDIR /src
COPY package.json package-lock.json ./
RUN env ${EXTRA_CA:+NODE_EXTRA_CA_CERTS=$EXTRA_CA} npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json versions.json README.md ./
COPY bin bin
COPY src src
COPY spark spark
COPY schema schema
COPY scripts/setup.mjs scripts/setup.mjs
RUN env ${EXTRA_CA:+NODE_EXTRA_CA_CERTS=$EXTRA_CA} npm pack --pack-destination /tmp && mv /tmp/kindling-*.tgz /tmp/kindling.tgz

FROM ${BASE} AS runtime
ARG EXTRA_CA=
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates openjdk-17-jre-headless python3 python3-venv procps \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node /opt/node /opt/node
ENV PATH=/opt/node/bin:$PATH \
    KINDLING_CACHE_DIR=/opt/kindling/cache \
    NODE_ENV=production
COPY --from=build /tmp/kindling.tgz /tmp/kindling.tgz
# Installed as a user installs it (no dev dependencies), then its Python made once, into the image: a
# container starts with PySpark in place. The cache stays writable for any uid (`docker run --user`), for
# the archives cloud runs build; the Python in it is read-only.
RUN env ${EXTRA_CA:+NODE_EXTRA_CA_CERTS=$EXTRA_CA} npm install --global --no-audit --no-fund /tmp/kindling.tgz \
 && rm /tmp/kindling.tgz && npm cache clean --force \
 && env ${EXTRA_CA:+PIP_CERT=$EXTRA_CA} PIP_NO_CACHE_DIR=1 kindling setup \
 && chmod 1777 /opt/kindling/cache \
 && useradd --create-home --uid 1000 kindling \
 && mkdir /data && chown kindling:kindling /data
USER kindling
WORKDIR /data
ENTRYPOINT ["kindling"]
CMD ["--help"]

# `npm run test:container`: the image trains the demo, or the build fails.
FROM runtime AS smoke
RUN mkdir -p /home/kindling/demo && cd /home/kindling/demo \
 && kindling demo && test -f runs/*/_SUCCESS && kindling doctor
