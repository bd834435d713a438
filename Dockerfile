# hindsight in a container: built in one stage, run from a small one.
#   docker build -t hindsight .
#   docker run -p 8080:8080 -v hindsight-data:/data hindsight
# The image runs as an unprivileged user, keeps everything it writes (SQLite database, index,
# generated JWT secret) in the /data volume, and reports health from /readyz.

# The toolchain this repository is built and tested with (see `rustc --version` in CI).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# --locked: exactly the dependency versions in Cargo.lock.
RUN cargo build --release --locked --bin hindsight \
 && cp target/release/hindsight /usr/local/bin/hindsight

FROM debian:bookworm-slim
# curl only for the health check; webhooks and identity providers are reached over rustls
# with its own root certificates.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin hindsight \
 && mkdir -p /data \
 && chown hindsight:hindsight /data \
 && chmod 0700 /data
COPY --from=build /usr/local/bin/hindsight /usr/local/bin/hindsight
USER hindsight
WORKDIR /data
VOLUME ["/data"]
# Inside a container the server must listen beyond loopback; publish the port to choose who
# reaches it.
ENV HINDSIGHT_LISTEN=0.0.0.0:8080 \
    HINDSIGHT_DATA_DIR=/data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/readyz >/dev/null || exit 1
ENTRYPOINT ["hindsight"]
CMD ["serve"]
