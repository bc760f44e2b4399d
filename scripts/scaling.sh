#!/usr/bin/env bash
# choreo's time and peak memory against corpus size, to check that both grow linearly.
#
#   scripts/scaling.sh              # 500, 2000 and 8000 files
#   scripts/scaling.sh 1000 4000    # other sizes
#   scripts/scaling.sh /tmp/clap /tmp/real   # existing trees (scripts/registry-corpus.sh)
#   scripts/scaling.sh --workspaces 1 2 4 8  # K generated workspaces side by side (FILES each, default 1000)
#
# With --workspaces the table also shows the files parsed: both should grow linearly in K,
# with the slope of one workspace (a monorepo costs what its workspaces cost apart).
# Numbers are generated corpora from examples/gen_corpus.rs (seed 42), written under a
# temporary directory that is removed afterwards; directories are timed as they are.
# Needs hyperfine, python3 and /usr/bin/time.
set -euo pipefail

workspaces=false
if [[ ${1:-} == --workspaces ]]; then
    workspaces=true
    shift
fi
sizes=("$@")
if $workspaces; then
    [[ ${#sizes[@]} -gt 0 ]] || sizes=(1 2 4 8)
else
    [[ ${#sizes[@]} -gt 0 ]] || sizes=(500 2000 8000)
fi
per_workspace=${FILES:-1000}
runs=${RUNS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin choreo --example gen_corpus
bin="${CARGO_TARGET_DIR:-$root/target}/release"

echo "| corpus | files | MB | lines | median | ms per 100k lines | peak RSS | files parsed |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
count=0
for size in "${sizes[@]}"; do
    count=$((count + 1))
    if $workspaces; then
        corpus="$work/corpus-$size"
        name="$size workspaces of $per_workspace"
        "$bin/examples/gen_corpus" "$corpus" --files "$per_workspace" --workspaces "$size" > /dev/null
    elif [[ -d $size ]]; then
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
    python3 - "$work/t-$count.json" "$name" "$n" "$bytes" "$lines" "$rss_kb" "$work/report.json" <<'PY'
import json, sys
median = json.load(open(sys.argv[1]))["results"][0]["median"]
name, n, size, lines, rss = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
parsed = json.load(open(sys.argv[7]))["summary"]["files_parsed"]
print(f"| {name} | {n:,} | {size / 1e6:.1f} | {lines:,} | {median * 1000:.0f} ms "
      f"| {median * 1e8 / lines:.1f} | {rss / 1024:.0f} MB | {parsed:,} |")
PY
    [[ -d $size ]] && ! $workspaces || rm -rf "$corpus"
done
