#!/usr/bin/env bash
# Load benchmark of the hindsight GraphQL API.
#
# Builds the release binary, then for each backend (SQLite in a fresh data dir;
# PostgreSQL in a fresh database, dropped afterwards) starts a server, loads
# incidents, and measures with wrk:
#   read   : POST incidents(first: 20) { totalCount edges { node { id number title status reporter { id name } } } }
#   report : POST reportIncident (a new incident per request)
# at each connection count. Prints a Markdown table and writes it to bench/results.md.
#
# Usage: bench/load.sh [options]
#   --sqlite | --postgres     benchmark one backend only (default: both)
#   --duration SECS           seconds per wrk run              (env BENCH_DURATION, default 10)
#   --incidents N             incidents loaded before measuring (env BENCH_INCIDENTS, default 10000)
#   --connections "1 16 64"   connection counts                 (env BENCH_CONNECTIONS)
#   --warmup SECS             unrecorded warm-up before each backend (env BENCH_WARMUP, default 2)
#   --pg-url URL              PostgreSQL server, no database part
#                             (env BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432)
#   --out FILE                where to write the table (env BENCH_OUT, default bench/results.md)
#   --no-build                use the existing target/release/hindsight
#                             (env BENCH_BIN=PATH: benchmark that binary, no build)
#
# Traffic goes to 127.0.0.1 only; every run is bounded by --duration.
set -euo pipefail
export LC_ALL=C

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH_DIR="$ROOT/bench"

DURATION="${BENCH_DURATION:-10}"
INCIDENTS="${BENCH_INCIDENTS:-10000}"
CONNECTIONS="${BENCH_CONNECTIONS:-1 16 64}"
WARMUP="${BENCH_WARMUP:-2}"
PG_URL="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}"
OUT="${BENCH_OUT:-$BENCH_DIR/results.md}"
BUILD=yes
BACKENDS=()

usage() { sed -n "2,/^set -euo/p" "$0" | sed "$ d" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --sqlite) BACKENDS+=(sqlite) ;;
    --postgres) BACKENDS+=(postgres) ;;
    --duration) DURATION="$2"; shift ;;
    --incidents) INCIDENTS="$2"; shift ;;
    --connections) CONNECTIONS="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --pg-url) PG_URL="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --no-build) BUILD=no ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[[ ${#BACKENDS[@]} -eq 0 ]] && BACKENDS=(sqlite postgres)

section() { printf '\n==== %s ====\n' "$*"; }
die() { echo "ERROR: $*" >&2; exit 1; }

# ---------------------------------------------------------------- prerequisites

if ! command -v wrk >/dev/null; then
  section "installing wrk"
  if [[ $(id -u) -eq 0 ]]; then
    apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }
  else
    die "wrk is not installed (apt-get install wrk)"
  fi
fi
for tool in curl python3; do
  command -v "$tool" >/dev/null || die "$tool is required"
done

BIN="${BENCH_BIN:-$ROOT/target/release/hindsight}"
if [[ $BUILD == yes && -z ${BENCH_BIN:-} ]]; then
  section "cargo build --release"
  (cd "$ROOT" && cargo build --release)
fi
[[ -x $BIN ]] || die "$BIN not found (run without --no-build)"

# ---------------------------------------------------------------- state and cleanup

WORK="$(mktemp -d -t hindsight-bench.XXXXXX)"
RESULTS="$WORK/results.tsv"
NOTES="$WORK/notes.txt"
: >"$RESULTS"
: >"$NOTES"
SERVER_PID=""
PG_DB=""

stop_server() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
drop_pg_db() {
  if [[ -n $PG_DB ]]; then
    psql "$PG_URL/postgres" -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" \
      || echo "warning: could not drop database $PG_DB" >&2
    PG_DB=""
  fi
}
cleanup() {
  stop_server
  drop_pg_db
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server BACKEND: starts the release server, sets URL and TOKEN.
start_server() {
  local backend=$1 data_dir="$WORK/data-$1" port args=()
  mkdir -p "$data_dir"
  port="$(free_port)"
  args=(serve --data-dir "$data_dir" --listen "127.0.0.1:$port")
  if [[ $backend == postgres ]]; then
    PG_DB="hindsight_bench_$$"
    psql "$PG_URL/postgres" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$PG_DB\"" \
      || die "cannot create database $PG_DB at $PG_URL"
    args+=(--database-url "$PG_URL/$PG_DB")
  fi
  SERVER_LOG="$WORK/server-$backend.log"
  "$BIN" "${args[@]}" >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 120); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; then
      URL="http://127.0.0.1:$port/graphql"
      TOKEN="$("$BIN" token --data-dir "$data_dir" --sub bench --name "Bench User" --role admin --ttl 8h)"
      echo "server ($backend) ready at $URL, pid $SERVER_PID"
      return 0
    fi
    sleep 0.5
  done
  cat "$SERVER_LOG" >&2
  die "server ($backend) did not become ready"
}

graphql() { # graphql JSON-BODY: POST to the server, print the response body
  curl -fsS "$URL" -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" --data-binary "$1"
}

# load_incidents N: creates N incidents through reportIncident, 16 requests in flight
# (one curl process, --parallel), and checks that all of them answered without error.
load_incidents() {
  local n=$1 cfg="$WORK/load.curl" out="$WORK/load.out" created errors start end
  [[ $n -gt 0 ]] || return 0
  awk -v n="$n" -v url="$URL" -v token="$TOKEN" 'BEGIN {
    split("checkout payments search auth email billing api-gateway storage", svc, " ")
    q = "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id number } }"
    for (i = 1; i <= n; i++) {
      s = svc[(i % 8) + 1]
      src = (i % 3 == 0) ? "MANUAL" : "MONITORING"
      body = sprintf("{\"query\":\"%s\",\"variables\":{\"input\":{\"title\":\"seed %d: %s error rate above 5%%\",\"description\":\"Seeded by bench/load.sh.\",\"service\":\"%s\",\"source\":\"%s\"}}}", q, i, s, s, src)
      gsub(/"/, "\\\"", body)
      printf "silent\nshow-error\nurl = \"%s\"\nheader = \"Content-Type: application/json\"\nheader = \"Authorization: Bearer %s\"\ndata-binary = \"%s\"\nwrite-out = \"\\n\"\n", url, token, body
      if (i < n) print "next"
    }
  }' >"$cfg"
  start=$(date +%s%N)
  curl --parallel --parallel-max 16 -sS -K "$cfg" >"$out" 2>"$WORK/load.err" || true
  end=$(date +%s%N)
  created=$({ grep -o '"reportIncident":{' "$out" || true; } | wc -l)
  errors=$({ grep -o '"errors"' "$out" || true; } | wc -l)
  echo "loaded $created incidents in $(((end - start) / 1000000)) ms ($errors responses with errors)"
  if [[ $created -ne $n ]]; then
    head -c 2000 "$WORK/load.err" >&2 || true
    grep -m3 '"errors"' "$out" >&2 || true
    die "expected $n incidents created, got $created"
  fi
}

# server_cpu_ticks: CPU time the server process has used so far (user + system, all
# threads), in clock ticks, from /proc. The hindsight process only: on PostgreSQL the
# database's own CPU is not in it.
server_cpu_ticks() {
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$SERVER_PID/stat"
}

# run_wrk BACKEND OP CONNECTIONS: one wrk run, appends a row to the results. Besides wrk's
# numbers it records the server's CPU time per request: it moves much less than req/s when
# other work shares the machine, so it is what compares two builds.
run_wrk() {
  local backend=$1 op=$2 conns=$3 threads=2 line log="$WORK/wrk.log" ticks_before ticks_after
  ((conns < threads)) && threads=$conns
  ticks_before=$(server_cpu_ticks)
  BENCH_OP=$op HINDSIGHT_TOKEN=$TOKEN \
    wrk -t"$threads" -c"$conns" -d"${DURATION}s" --timeout 10s -s "$BENCH_DIR/graphql.lua" "$URL" >"$log" 2>&1 \
    || { cat "$log" >&2; die "wrk failed"; }
  ticks_after=$(server_cpu_ticks)
  line=$(grep '^RESULT ' "$log") || { cat "$log" >&2; die "wrk printed no RESULT line"; }
  # RESULT op=.. requests=.. duration_s=.. rps=.. p50_ms=.. p99_ms=.. non2xx=.. graphql_errors=.. socket_errors=..
  local rps p50 p99 non2xx gql sock requests cpu_us
  requests=$(sed -E 's/.* requests=([^ ]+).*/\1/' <<<"$line")
  cpu_us=$(awk -v t=$((ticks_after - ticks_before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
    'BEGIN { printf "%.0f", (n > 0 ? t * 1e6 / hz / n : 0) }')
  rps=$(sed -E 's/.* rps=([^ ]+).*/\1/' <<<"$line")
  p50=$(sed -E 's/.* p50_ms=([^ ]+).*/\1/' <<<"$line")
  p99=$(sed -E 's/.* p99_ms=([^ ]+).*/\1/' <<<"$line")
  non2xx=$(sed -E 's/.* non2xx=([^ ]+).*/\1/' <<<"$line")
  gql=$(sed -E 's/.* graphql_errors=([^ ]+).*/\1/' <<<"$line")
  sock=$(sed -E 's/.* socket_errors=([^ ]+).*/\1/' <<<"$line")
  printf '%-8s %-6s c=%-3s %10s req/s  p50 %8s ms  p99 %8s ms  server CPU %5s us/req  errors: http %s, graphql %s, socket %s\n' \
    "$backend" "$op" "$conns" "$rps" "$p50" "$p99" "$cpu_us" "$non2xx" "$gql" "$sock"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$backend" "$op" "$conns" "$rps" "$p50" "$p99" "$cpu_us" >>"$RESULTS"
  if [[ $non2xx != 0 || $gql != 0 || $sock != 0 ]]; then
    echo "- $backend $op c=$conns: $non2xx HTTP errors, $gql GraphQL errors, $sock socket errors" >>"$NOTES"
    grep -m3 '^graphql error' "$log" >&2 || true
  fi
}

# ---------------------------------------------------------------- machine

CPU_MODEL="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
MEM_TOTAL="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
MACHINE="$(nproc) cores, ${CPU_MODEL:-unknown CPU}, $MEM_TOTAL RAM, $(uname -sr)"
REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo uncommitted)"
section "machine"
echo "$MACHINE"
echo "hindsight $REV; $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
echo "duration ${DURATION}s per run, $INCIDENTS incidents loaded, connections: $CONNECTIONS, wrk threads: min(2, connections)"
echo "server log filter: ${RUST_LOG:-server default} (RUST_LOG overrides it)"
echo "GraphQL bodies checked by wrk: ${BENCH_CHECK:-0} (BENCH_CHECK=1 checks every body, at a large cost in wrk's CPU)"

# ---------------------------------------------------------------- runs

for backend in "${BACKENDS[@]}"; do
  section "$backend"
  start_server "$backend"
  load_incidents "$INCIDENTS"
  total=$(graphql '{"query":"{ incidents(first: 1) { totalCount } }"}' | sed -nE 's/.*"totalCount":([0-9]+).*/\1/p')
  echo "incidents(first: 1).totalCount = ${total:-?}"
  # wrk does not read bodies (see graphql.lua): check one answer of each kind here instead.
  read_answer=$(graphql '{"query":"{ incidents(first: 20) { totalCount edges { node { id number title status reporter { id name } } } } }"}')
  grep -q '"errors"' <<<"$read_answer" && die "the read query answered with errors: $read_answer"
  report_answer=$(graphql '{"query":"mutation { reportIncident(input: {title: \"bench check\", service: \"checkout\"}) { id } }"}')
  grep -q '"errors"' <<<"$report_answer" && die "reportIncident answered with errors: $report_answer"
  if [[ $WARMUP -gt 0 ]]; then
    BENCH_OP=read HINDSIGHT_TOKEN=$TOKEN wrk -t2 -c16 -d"${WARMUP}s" -s "$BENCH_DIR/graphql.lua" "$URL" >/dev/null 2>&1 || true
  fi
  for op in ${BENCH_OPS:-read report}; do
    for c in $CONNECTIONS; do
      run_wrk "$backend" "$op" "$c"
    done
  done
  stop_server
  drop_pg_db
done

# ---------------------------------------------------------------- report

section "results"
{
  echo "Load benchmark: \`bench/load.sh --duration $DURATION --incidents $INCIDENTS\` (hindsight $REV, $(date -u +%Y-%m-%d))."
  echo
  echo "Machine: $MACHINE. Server and wrk share the machine; wrk uses min(2, connections) threads."
  echo "\`read\` is POST \`incidents(first: 20) { totalCount edges { node { id number title status reporter { id name } } } }\`"
  echo "over $INCIDENTS+ incidents; \`reportIncident\` creates one incident per request."
  echo "Server CPU is the hindsight process's CPU time over the run divided by its requests (PostgreSQL's own CPU not included)."
  echo
  echo "| backend | operation | connections | req/s | p50 ms | p99 ms | server CPU µs/request |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  while IFS=$'\t' read -r backend op conns rps p50 p99 cpu_us; do
    [[ $op == read ]] && op='incidents(first: 20)' || op='reportIncident'
    printf '| %s | %s | %s | %.0f | %.2f | %.2f | %s |\n' "$backend" "$op" "$conns" "$rps" "$p50" "$p99" "$cpu_us"
  done <"$RESULTS"
  if [[ -s $NOTES ]]; then
    echo
    echo "Errors during the runs (their requests are included in req/s):"
    cat "$NOTES"
  fi
} | tee "$OUT"
echo
echo "(written to ${OUT#"$ROOT"/})"
