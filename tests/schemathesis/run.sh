#!/usr/bin/env bash
# Schemathesis against a running hindsight: seeds real records through the API (seed.py),
# then generates GraphQL queries and mutations from the endpoint's introspection, with the
# seeded ids in their ID arguments, and fails on a 5xx answer or an error with code INTERNAL
# (hooks.py). ci.sh starts a server and calls this; by hand, from the repository root:
#   HINDSIGHT_TOKEN=<admin token> bash tests/schemathesis/run.sh http://127.0.0.1:PORT/graphql
# Optional:
#   HINDSIGHT_SEED_TOKENS      tokens of other people, space-separated, signed in by the seed
#   SCHEMATHESIS_MAX_EXAMPLES  cases per operation (default 40; 30 operations)
#   SCHEMATHESIS_SEED          replay a run (its seed is printed at the end)
#   SCHEMATHESIS_WORKERS       concurrent requests (default 1)
# The seed writes into the server it is given: point it at a throwaway one.
set -euo pipefail

URL="${1:?usage: run.sh http://HOST:PORT/graphql}"
: "${HINDSIGHT_TOKEN:?set HINDSIGHT_TOKEN to an admin token (hindsight token --role admin)}"

cd "$(dirname "$0")/../.."
HERE="$PWD/tests/schemathesis"

# Pinned with every dependency (requirements.txt), installed into a virtualenv under target/
# so CI brings its own copy and a later run reuses it while the pins are unchanged.
VENV="$PWD/target/ci-venv"
STAMP="$VENV/.hindsight-requirements"
if ! cmp -s "$HERE/requirements.txt" "$STAMP" || ! "$VENV/bin/schemathesis" --version >/dev/null 2>&1; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
  cp "$HERE/requirements.txt" "$STAMP"
fi
"$VENV/bin/schemathesis" --version

WORK="$(mktemp -d -t hindsight-schemathesis.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
# No schemathesis.toml from the checkout or above it, and no cache: by default schemathesis
# keeps one in ./.schemathesis and replays what it holds in the next run.
printf '[cache]\nenabled = false\n' >"$WORK/schemathesis.toml"
export PYTHONDONTWRITEBYTECODE=1
"$VENV/bin/python" "$HERE/seed.py" "$URL" "$WORK/seed.json"

seed_args=()
if [[ -n "${SCHEMATHESIS_SEED:-}" ]]; then
  seed_args=(--seed "$SCHEMATHESIS_SEED")
fi

# Only our check: the built-in ones count hindsight's ordinary refusals (NOT_FOUND,
# BAD_USER_INPUT on a resolver path) as failures; see hooks.py. A request that gets no answer
# (the server died) is an error and fails the run too.
# --request-timeout: above the server's own 10 s limit, so a slow request shows as its 503.
SCHEMATHESIS_HOOKS="$HERE/hooks.py" HINDSIGHT_SCHEMATHESIS_SEED="$WORK/seed.json" \
  "$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run \
  --checks hindsight_no_internal_error \
  --header "Authorization: Bearer $HINDSIGHT_TOKEN" \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-40}" \
  --workers "${SCHEMATHESIS_WORKERS:-1}" \
  --request-timeout 30 \
  --generation-database none \
  --no-color \
  "${seed_args[@]}" \
  "$URL"
