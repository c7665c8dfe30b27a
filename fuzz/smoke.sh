#!/usr/bin/env bash
# Fuzz smoke pass: runs every cargo-fuzz target of this folder for a short while (default 30 s
# each, one at a time, under `nice`), starting from the committed seeds. Exits 0 after printing
# a clear SKIP when the nightly toolchain or cargo-fuzz is missing; exits non-zero when a
# target crashes or fails to build.
#
#   fuzz/smoke.sh            # every target, 30 s each
#   fuzz/smoke.sh 10 url     # 10 s, only the url target
#   FUZZ_SMOKE_SECONDS=60 fuzz/smoke.sh
set -uo pipefail
cd "$(dirname "$0")"

seconds="${1:-${FUZZ_SMOKE_SECONDS:-30}}"
shift || true

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz smoke: SKIP (no nightly toolchain: rustup toolchain install nightly)"
  exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz smoke: SKIP (cargo-fuzz is not installed: cargo install cargo-fuzz)"
  exit 0
fi

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

if ! nice -n 10 cargo +nightly fuzz build >build.log 2>&1; then
  cat build.log >&2
  rm -f build.log
  echo "fuzz smoke: FAILED to build the fuzz targets" >&2
  exit 1
fi
rm -f build.log

failed=()
for t in "${targets[@]}"; do
  mkdir -p "corpus-work/$t" "seeds/$t"
  log="$(mktemp)"
  if nice -n 10 cargo +nightly fuzz run "$t" "corpus-work/$t" "seeds/$t" -- \
      -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    stats="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)"
    echo "fuzz smoke: $t ok ${stats:-}"
  else
    tail -40 "$log" >&2
    echo "fuzz smoke: $t FAILED (reproducer under fuzz/artifacts/$t/)" >&2
    failed+=("$t")
  fi
  rm -f "$log"
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz smoke: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz smoke: ${#targets[@]} target(s) passed, ${seconds} s each"
