# anyport: one image for Heroku (container:push / heroku.yml), DigitalOcean, Cloud Run,
# Kubernetes, docker-compose and AWS Lambda container images (the binary detects the
# Lambda Runtime API). Build: docker build -t anyport .  (BuildKit or the classic builder)

# --- dev stage (`docker compose --profile dev up`): the toolchain and a file watcher --------
# The source is mounted at run time and scripts/dev-serve rebuilds and restarts on every save.
# It comes first because the classic builder builds every stage above the one it is asked for:
# here `--target dev` builds nothing else, so the dev loop never waits for a release build.
FROM rust:1.95-slim-bookworm AS dev
# entr: restarts the server on a change (Debian's package; no crate to compile at image build).
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends entr && rm -rf /var/lib/apt/lists/*
WORKDIR /src
CMD ["scripts/dev-serve"]

# --- build stage: dependencies first, in a layer of their own -----------------------------
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
ENV CARGO_TERM_COLOR=never
COPY Cargo.toml Cargo.lock ./
# A placeholder crate with the real manifest downloads and compiles every dependency once; the
# layer (registry included) is reused until Cargo.toml or Cargo.lock change. No cache mounts and
# no `# syntax=` line: BuildKit and the classic builder (DOCKER_BUILDKIT=0, docker-compose without
# buildx) both build this file unchanged. Removing the placeholder's own artifacts makes the next
# step rebuild the real crate whatever the files' timestamps.
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo build --profile dist --locked \
    && rm -rf src target/dist/.fingerprint/anyport-* target/dist/deps/anyport-* target/dist/deps/libanyport-*
COPY migrations migrations
COPY assets assets
COPY src src
RUN cargo build --profile dist --locked --offline && cp target/dist/anyport /usr/local/bin/anyport

# --- runtime stage: the binary, CA certificates and an unprivileged user ------------------
FROM debian:bookworm-slim
# The CA bundle comes from the build stage: the image stays small (no openssl, no apt lists).
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin anyport \
    && mkdir -p /app/data && chown 10001:10001 /app/data
COPY --from=build /usr/local/bin/anyport /usr/local/bin/anyport
WORKDIR /app
USER 10001
# Platforms set PORT; these are the defaults for a plain `docker run`.
ENV HOST=0.0.0.0 PORT=8080 LOG_FORMAT=json SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["anyport", "healthcheck"]
CMD ["anyport", "serve"]
