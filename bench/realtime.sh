#!/usr/bin/env bash
# Real-time and public-page benchmark of hindsight (SQLite, release build):
#   1. subscription latency: one npm `graphql-ws` client subscribed to incidentEvents; incidents
#      reported over HTTP one at a time; time from the HTTP answer to the event's arrival
#      (tests/conformance/latency.mjs);
#   2. the public status page under a spike: wrk on GET /status and GET /status.json with a
#      PUBLIC update posted (the page is cached for status_page.cache_seconds; that a spike
#      costs the database two statements per window is proven by tests/api/status_page.rs).
# Prints a Markdown table and writes it to bench/realtime.md.
#
# Usage: bench/realtime.sh [--no-build] [--samples N] [--duration SECS] [--connections N]
#   env BENCH_BIN=PATH benchmarks that binary (no build).
# Traffic goes to 127.0.0.1 only; every run is bounded.
set -euo pipefail
export LC_ALL=C

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SAMPLES="${BENCH_SAMPLES:-500}"
DURATION="${BENCH_DURATION:-10}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
OUT="${BENCH_OUT:-$ROOT/bench/realtime.md}"
BUILD=yes
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=no ;;
    --samples) SAMPLES="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --connections) CONNECTIONS="$2"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$ d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

die() { echo "ERROR: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
command -v node >/dev/null || die "node is not installed"

if [[ -n "${BENCH_BIN:-}" ]]; then
  BIN="$BENCH_BIN"
else
  if [[ $BUILD == yes ]]; then (cd "$ROOT" && cargo build --release); fi
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/hindsight"
fi
[[ -x "$BIN" ]] || die "no binary at $BIN"
(cd "$ROOT/tests/conformance" && { [[ -d node_modules ]] || npm ci --no-audit --no-fund; })

WORK="$(mktemp -d -t hindsight-realtime.XXXXXX)"
SERVER_PID=""
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
RUST_LOG=warn "$BIN" serve --data-dir "$WORK/data" --listen "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/readyz" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "server exited"; }
  sleep 0.5
done
TOKEN="$("$BIN" token --data-dir "$WORK/data" --sub bench --name "Bench User" --role admin --ttl 2h)"
export HINDSIGHT_TOKEN="$TOKEN"
gql() {
  curl -fsS "http://127.0.0.1:$PORT/graphql" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d "$1"
}

echo "== subscription latency ($SAMPLES samples)"
LAT_LINE="$(node "$ROOT/tests/conformance/latency.mjs" "ws://127.0.0.1:$PORT/graphql/ws" "$SAMPLES" | tee /dev/stderr | tail -n 1)"
p() { python3 -c "import json,sys; v = json.loads(sys.argv[1])[sys.argv[2]]; print(v if isinstance(v, int) else '%.2f' % v)" "$LAT_LINE" "$1"; }

echo "== status page under load ($CONNECTIONS connections, ${DURATION}s each)"
ID="$(gql '{"query":"mutation { reportIncident(input: {title: \"Checkout is slow\", service: \"checkout\"}) { id } }"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["reportIncident"]["id"])')"
gql "{\"query\":\"mutation { postUpdate(input: {incidentId: \\\"$ID\\\", audience: PUBLIC, body: \\\"We are investigating slow checkouts.\\\", status: INVESTIGATING}) { id } }\"}" >/dev/null
rows=()
for path in /status /status.json; do
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$path" >"$WORK/wrk.log" 2>&1 || { cat "$WORK/wrk.log"; die "wrk failed"; }
  cat "$WORK/wrk.log" >&2
  rps="$(awk '/^Requests\/sec/ {print $2}' "$WORK/wrk.log")"
  p50="$(awk '$1 == "50%" {print $2}' "$WORK/wrk.log")"
  p99="$(awk '$1 == "99%" {print $2}' "$WORK/wrk.log")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' "$WORK/wrk.log")"
  rows+=("| GET $path | $CONNECTIONS | ${rps%.*} | $p50 | $p99 | ${non2xx:-0} |")
done

{
  echo "# Real-time and status page benchmark"
  echo
  echo "\`bench/realtime.sh\` on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(date -u +%Y-%m-%d), release build, SQLite; client and server on the same cores."
  echo
  echo "Subscription latency, mutation answered over HTTP → event at a graphql-ws client ($SAMPLES samples, one at a time; $(p before_answer) events arrived before the client had read the HTTP answer and count as 0 ms): p50 $(p p50_ms) ms, p90 $(p p90_ms) ms, p99 $(p p99_ms) ms, max $(p max_ms) ms."
  echo
  echo "| request | connections | req/s | p50 | p99 | non-2xx |"
  echo "|---|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
} | tee "$OUT"
