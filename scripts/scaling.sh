#!/usr/bin/env bash
# choreo's time and peak memory against corpus size, to check that both grow linearly.
#
#   scripts/scaling.sh              # 500, 2000 and 8000 files
#   scripts/scaling.sh 1000 4000    # other sizes
#
# Corpora come from examples/gen_corpus.rs (seed 42) and are written under a temporary
# directory that is removed afterwards. Needs hyperfine, python3 and /usr/bin/time.
set -euo pipefail

sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(500 2000 8000)
runs=${RUNS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin choreo --example gen_corpus
bin="${CARGO_TARGET_DIR:-$root/target}/release"

echo "| files | MB | median | ms per 1000 files | peak RSS |"
echo "|---:|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
    corpus="$work/corpus-$n"
    "$bin/examples/gen_corpus" "$corpus" --files "$n" > /dev/null
    hyperfine -i --warmup 1 --runs "$runs" --style none --export-json "$work/t-$n.json" \
        "$bin/choreo analyze $corpus -o $work/report.json -q > /dev/null" > /dev/null
    rss_kb=$(/usr/bin/time -v "$bin/choreo" analyze "$corpus" -o "$work/report.json" -q 2>&1 >/dev/null \
        | awk '/Maximum resident set size/ {print $6}' || true)
    bytes=$(find "$corpus" -name '*.rs' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
    python3 - "$work/t-$n.json" "$n" "$bytes" "$rss_kb" <<'PY'
import json, sys
median = json.load(open(sys.argv[1]))["results"][0]["median"]
n, size, rss = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(f"| {n} | {size / 1e6:.1f} | {median * 1000:.0f} ms | {median * 1e6 / n:.0f} | {rss / 1024:.0f} MB |")
PY
    rm -rf "$corpus"
done
