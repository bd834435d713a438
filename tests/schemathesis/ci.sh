#!/usr/bin/env bash
# The schemathesis pass CI runs (issue 14 §6): for each database, start a fresh hindsight
# from the given binary, seed it and fuzz it through run.sh, then check that the server is
# still up and that its log holds no panic. Fails if any backend fails; runs them all first.
#   bash tests/schemathesis/ci.sh path/to/hindsight
# Optional:
#   SCHEMATHESIS_BACKENDS      "sqlite postgres" (default) or either one
#   SCHEMATHESIS_MAX_EXAMPLES  cases per operation and backend (default 100: 3,000 cases)
#   HINDSIGHT_SCHEMATHESIS_PG  a PostgreSQL server where a database may be created and
#                              dropped (default postgres://postgres@127.0.0.1:5432)
# Needs python3 (with venv and pip), curl, and createdb/dropdb for PostgreSQL.
set -euo pipefail

BIN="$(realpath "${1:?usage: ci.sh path/to/hindsight}")"
BACKENDS="${SCHEMATHESIS_BACKENDS:-sqlite postgres}"
PG="${HINDSIGHT_SCHEMATHESIS_PG:-postgres://postgres@127.0.0.1:5432}"
export SCHEMATHESIS_MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-100}"

cd "$(dirname "$0")/../.."

# The SQLite server must not pick up a database from the environment.
unset DATABASE_URL

SERVER_PID=""
DATA_DIR=""
PG_DB=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
  if [[ -n "$PG_DB" ]]; then
    dropdb --if-exists --maintenance-db="$PG/postgres" "$PG_DB" \
      || echo "WARNING: could not drop database $PG_DB" >&2
  fi
  PG_DB=""
  if [[ -n "$DATA_DIR" ]]; then
    rm -rf "$DATA_DIR"
  fi
  DATA_DIR=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Each panic or stack overflow in a server log, with its backtrace (up to the next log line,
# at most 60 lines).
panics() {
  awk '/panicked|overflowed its stack/ { n = 60 }
       n > 0 && /^[0-9]{4}-[0-9]{2}-[0-9]{2}T/ && !/panicked|overflowed/ { n = 0 }
       n > 0 { print FNR ": " $0; n-- }' "$1"
}

# One backend: prints what it found and returns non-zero on any failure; the caller cleans up.
run_backend() {
  local backend="$1" db_args=() started failed=""
  DATA_DIR="$(mktemp -d -t hindsight-schemathesis.XXXXXX)"
  if [[ "$backend" == postgres ]]; then
    PG_DB="hindsight_schemathesis_$$"
    if ! createdb --maintenance-db="$PG/postgres" "$PG_DB"; then
      echo "ERROR ($backend): could not create database $PG_DB on $PG" >&2
      PG_DB=""
      return 1
    fi
    db_args=(--database-url "$PG/$PG_DB")
  fi
  local port log="$DATA_DIR/server.log" out="$DATA_DIR/schemathesis.out"
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

  # Loopback webhook URLs allowed, so that the seed can register a webhook (seed.py).
  HINDSIGHT_WEBHOOKS__ALLOWED_NETWORKS=127.0.0.1/32 \
    "$BIN" serve --data-dir "$DATA_DIR" --listen "127.0.0.1:$port" "${db_args[@]}" >"$log" 2>&1 &
  SERVER_PID=$!
  local ready=""
  for _ in $(seq 1 120); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    if curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; then
      ready=yes
      break
    fi
    sleep 0.5
  done
  if [[ -z "$ready" ]]; then
    echo "ERROR ($backend): the server did not become ready within 60 s. Server log:" >&2
    cat "$log" >&2
    return 1
  fi
  echo "server pid $SERVER_PID on 127.0.0.1:$port ($backend), data dir $DATA_DIR"

  # The fuzzer's token, and two more people who sign in during the seed, so that roles can
  # be given to someone else.
  local token specialist viewer
  if ! token="$("$BIN" token --data-dir "$DATA_DIR" --sub ci-fuzz --name "CI fuzz" --role admin --ttl 1h)" \
    || ! specialist="$("$BIN" token --data-dir "$DATA_DIR" --sub ci-fuzz-specialist \
      --name "CI specialist" --role specialist --ttl 1h)" \
    || ! viewer="$("$BIN" token --data-dir "$DATA_DIR" --sub ci-fuzz-viewer \
      --name "CI viewer" --role viewer --ttl 1h)"; then
    echo "ERROR ($backend): could not mint tokens" >&2
    return 1
  fi

  started=$SECONDS
  if ! HINDSIGHT_TOKEN="$token" HINDSIGHT_SEED_TOKENS="$specialist $viewer" \
    bash tests/schemathesis/run.sh "http://127.0.0.1:$port/graphql" 2>&1 | tee "$out"; then
    echo "ERROR ($backend): schemathesis found failures or errors (above)." >&2
    failed=yes
  fi
  local elapsed=$((SECONDS - started))

  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    local status=0
    wait "$SERVER_PID" || status=$?
    SERVER_PID=""
    echo "ERROR ($backend): the server exited during the run (status $status). Its last lines:" >&2
    tail -n 30 "$log" >&2
    failed=yes
  fi
  # Stop it cleanly first, so that a panic while shutting down is in the log too.
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID"
    wait "$SERVER_PID" || true
    SERVER_PID=""
  fi
  local found
  found="$(panics "$log")"
  if [[ -n "$found" ]]; then
    echo "ERROR ($backend): the server log holds $(grep -c -E 'panicked at|overflowed its stack' "$log") panics (the first, up to 200 lines):" >&2
    head -n 200 <<<"$found" >&2
    failed=yes
  fi
  if [[ -n "$failed" ]]; then
    echo "Server log, errors and warnings (last 40; find a failure by its x-request-id):" >&2
    grep -E ' (ERROR|WARN) ' "$log" | tail -n 40 >&2 || true
  fi

  local cases
  cases="$(grep -E '^ +[0-9]+ generated' "$out" | tail -n 1 | sed -E 's/^ +//')"
  echo "==> $backend: ${cases:-no case count}; ${elapsed} s; server log: $(grep -c ' ERROR ' "$log" || true) ERROR, $(grep -c ' WARN ' "$log" || true) WARN lines; $([[ -n "$failed" ]] && echo FAILED || echo passed)"
  [[ -z "$failed" ]]
}

status=0
for backend in $BACKENDS; do
  case "$backend" in
    sqlite | postgres) ;;
    *)
      echo "unknown backend $backend (sqlite or postgres)" >&2
      exit 2
      ;;
  esac
  printf '\n---- schemathesis on %s ----\n' "$backend"
  run_backend "$backend" || status=1
  cleanup # whichever way it returned
done
exit "$status"
