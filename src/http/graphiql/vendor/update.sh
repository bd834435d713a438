#!/usr/bin/env bash
# Fetches GraphiQL's browser files at the versions pinned in VERSIONS with `npm pack` (npm
# checks each package against the registry's integrity hash) and compares them with
# SHA256SUMS. Without arguments it only checks, and fails on any difference; with --accept it
# copies the fetched files here and rewrites SHA256SUMS (after a version change).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
accept=false
if [[ "${1:-}" == "--accept" ]]; then accept=true; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetched="$work/files"
mkdir -p "$fetched"
while read -r spec inner name; do
  [[ -z "$spec" || "$spec" == \#* ]] && continue
  unpacked="$work/$spec"
  if [[ ! -d "$unpacked" ]]; then
    mkdir -p "$unpacked"
    tarball="$(cd "$work" && npm pack --silent "$spec")"
    tar -xzf "$work/$tarball" -C "$unpacked"
  fi
  cp "$unpacked/package/$inner" "$fetched/$name"
done < "$here/VERSIONS"

if $accept; then
  cp "$fetched"/* "$here/"
  (cd "$fetched" && sha256sum -- *) > "$here/SHA256SUMS"
  echo "copied the fetched files and rewrote SHA256SUMS; now run: cargo test --lib graphiql"
else
  (cd "$fetched" && sha256sum --quiet -c "$here/SHA256SUMS")
  for name in $(awk '{print $2}' "$here/SHA256SUMS"); do
    cmp -s "$fetched/$name" "$here/$name" || { echo "$name differs from the fetched file" >&2; exit 1; }
  done
  echo "every file matches its pinned package and SHA256SUMS"
fi
