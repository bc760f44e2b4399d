#!/usr/bin/env bash
# choreo's time and peak memory against corpus size, to check that both grow linearly.
#
#   scripts/scaling.sh              # 500, 2000 and 8000 files
#   scripts/scaling.sh 1000 4000    # other sizes
#   scripts/scaling.sh /tmp/clap /tmp/real   # existing trees (scripts/registry-corpus.sh)
#
# Numbers are generated corpora from examples/gen_corpus.rs (seed 42), written under a
# temporary directory that is removed afterwards; directories are timed as they are.
# Needs hyperfine, python3 and /usr/bin/time.
set -euo pipefail

sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(500 2000 8000)
runs=${RUNS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin choreo --example gen_corpus
bin="${CARGO_TARGET_DIR:-$root/target}/release"

echo "| corpus | files | MB | lines | median | ms per 100k lines | peak RSS |"
echo "|---|---:|---:|---:|---:|---:|---:|"
count=0
for size in "${sizes[@]}"; do
    count=$((count + 1))
    if [[ -d $size ]]; then
        corpus=$(cd "$size" && pwd)
        name=$(basename "$corpus")
    else
        corpus="$work/corpus-$size"
        name="generated"
        "$bin/examples/gen_corpus" "$corpus" --files "$size" > /dev/null
    fi
    n=$(find "$corpus" -name '*.rs' | wc -l)
    lines=$(find "$corpus" -name '*.rs' -print0 | xargs -0 cat | wc -l)
    hyperfine -i --warmup 1 --runs "$runs" --style none --export-json "$work/t-$count.json" \
        "$bin/choreo analyze '$corpus' -o $work/report.json -q > /dev/null" > /dev/null
    rss_kb=$(/usr/bin/time -v "$bin/choreo" analyze "$corpus" -o "$work/report.json" -q 2>&1 >/dev/null \
        | awk '/Maximum resident set size/ {print $6}' || true)
    bytes=$(find "$corpus" -name '*.rs' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
    python3 - "$work/t-$count.json" "$name" "$n" "$bytes" "$lines" "$rss_kb" <<'PY'
import json, sys
median = json.load(open(sys.argv[1]))["results"][0]["median"]
name, n, size, lines, rss = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
print(f"| {name} | {n:,} | {size / 1e6:.1f} | {lines:,} | {median * 1000:.0f} ms "
      f"| {median * 1e8 / lines:.1f} | {rss / 1024:.0f} MB |")
PY
    [[ -d $size ]] || rm -rf "$corpus"
done
