#!/usr/bin/env bash
# CI's short fuzzing pass: builds the cargo-fuzz targets of tests/fuzz and runs each for
# FUZZ_SECONDS (45 by default) on a scratch copy of its seeds in corpus/<target>. Fails on a
# crash, a panic, a timeout, a leak or running out of memory, and prints where libFuzzer
# saved the input. Works from a clean clone: everything it builds goes to tests/fuzz/target.
#
#   bash tests/fuzz/ci.sh                  # every target
#   FUZZ_SECONDS=300 bash tests/fuzz/ci.sh front_door
set -euo pipefail

cargo_fuzz_version=0.13.2
seconds=${FUZZ_SECONDS:-45}

fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$fuzz_dir/../.." && pwd)
cd "$root"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for source in tests/fuzz/fuzz_targets/*.rs; do
        targets+=("$(basename "$source" .rs)")
    done
fi

log() { printf 'fuzz: %s\n' "$*" >&2; }

# The fuzz crate has its own Cargo.lock. Each package it shares with the server's must be at
# a version the server's pins, or the fuzzing exercises other code than the one we ship.
drift=$(awk 'FNR == 1 { file++; name = "" }
    /^name = / { name = $3 }
    /^version = / && name != "" {
        if (file == 1) { ours[name] = ours[name] " " $3; pinned[name, $3] = 1 }
        else fuzz[name, $3] = 1
    }
    END { for (key in fuzz) { split(key, k, SUBSEP)
        if ((k[1] in ours) && !((k[1], k[2]) in pinned))
            print "  " k[1] " " k[2] " (Cargo.lock:" ours[k[1]] ")" } }' \
    Cargo.lock tests/fuzz/Cargo.lock)
if [ -n "$drift" ]; then
    log "tests/fuzz/Cargo.lock pins other versions than Cargo.lock:"
    printf '%s\n' "$drift" >&2
    log "bring it in line with: cp Cargo.lock tests/fuzz/Cargo.lock && cargo metadata --format-version 1 --manifest-path tests/fuzz/Cargo.toml >/dev/null"
    exit 1
fi

# cargo-fuzz passes -Z flags (sanitizer, coverage) to rustc, which only a nightly compiler
# takes. Without a nightly toolchain, the stable one is told to take them.
if rustup run nightly rustc --version >/dev/null 2>&1; then
    toolchain=(+nightly)
else
    toolchain=()
    export RUSTC_BOOTSTRAP=1
    log "no nightly toolchain: using $(rustc --version) with RUSTC_BOOTSTRAP=1"
fi

if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $cargo_fuzz_version" ]; then
    log "installing cargo-fuzz $cargo_fuzz_version"
    cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked
fi

# cargo-fuzz's defaults (optimised, debug assertions, AddressSanitizer, coverage) but 16
# codegen units instead of 1: the whole server is compiled with the targets, and on two cores
# one unit per crate leaves a core idle for most of the build. `run` must get the same flags,
# or it builds again.
build=(--fuzz-dir tests/fuzz --codegen-units 16)

start=$SECONDS
log "building ${targets[*]} (the whole server, instrumented: a cold build takes many minutes)"
if [ $# -eq 0 ]; then
    cargo "${toolchain[@]}" fuzz build "${build[@]}"
else
    for target in "${targets[@]}"; do
        cargo "${toolchain[@]}" fuzz build "${build[@]}" "$target"
    done
fi
log "built in $((SECONDS - start)) s"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

failed=()
for target in "${targets[@]}"; do
    corpus="$scratch/$target"
    mkdir -p "$corpus"
    if [ -d "tests/fuzz/corpus/$target" ]; then
        cp -r "tests/fuzz/corpus/$target/." "$corpus"
    fi
    options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
    if [ -f "tests/fuzz/$target.dict" ]; then
        options+=(-dict="tests/fuzz/$target.dict")
    fi
    output="$scratch/$target.log"
    log "running $target for $seconds s on a copy of tests/fuzz/corpus/$target"
    # -timeout: one input taking 10 s is a hang. -rss_limit_mb: the server's body limit is
    # far below anything that needs 2 GiB. -print_final_stats: executions for the log.
    if cargo "${toolchain[@]}" fuzz run "${build[@]}" "$target" "$corpus" -- "${options[@]}" \
        >"$output" 2>&1; then
        grep -E '^#[0-9]+.*DONE|^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
            "$output" >&2 || true
        log "$target: no crash in $seconds s"
    else
        # From the panic or sanitizer report on (the start of the trace), then cargo-fuzz's summary.
        sed -n '/panicked at\|ERROR: /,$p' "$output" | head -n 100 >&2
        tail -n 20 "$output" >&2
        artifact=$(grep -o 'Test unit written to [^ ]*' "$output" | tail -n 1 | cut -d' ' -f5- || true)
        log "$target FAILED; input: ${artifact:-none saved (see the log above)}"
        if [ -n "$artifact" ] && [ -f "$artifact" ]; then
            # CI's clone goes away: the input itself, to replay from the log (base64 -d > file).
            log "input as base64: $(head -c 65536 "$artifact" | base64 -w 0)"
            log "replay: cargo ${toolchain[*]} fuzz run ${build[*]} $target $artifact"
            log "minimise: cargo ${toolchain[*]} fuzz tmin ${build[*]} $target $artifact"
        fi
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    log "crashed: ${failed[*]}"
    exit 1
fi
log "${#targets[@]} targets ran ${seconds} s each without a crash ($((SECONDS - start)) s in all)"
