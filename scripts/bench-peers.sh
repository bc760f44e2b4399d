#!/usr/bin/env bash
# Times `choreo analyze`, ripgrep and ast-grep (when installed) on the same tree with
# hyperfine, prints their medians and ratios, and choreo's peak RSS.
#
#   scripts/bench-peers.sh CORPUS_DIR
#   RUNS=10 scripts/bench-peers.sh CORPUS_DIR
#
# Make a corpus of real code with scripts/registry-corpus.sh /tmp/real, or an event-dense
# one with: cargo run --release --example gen_corpus -- /tmp/corpus --files 7500
# Needs hyperfine and ripgrep (apt-get install -y hyperfine ripgrep), python3, and
# /usr/bin/time (apt-get install -y time). ast-grep is optional: `npm install -g
# @ast-grep/cli` (or into a prefix: AST_GREP=/prefix/node_modules/.bin/ast-grep).
set -euo pipefail

corpus=${1:?usage: scripts/bench-peers.sh CORPUS_DIR}
corpus=$(cd "$corpus" && pwd)
runs=${RUNS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for tool in hyperfine rg python3; do
    command -v "$tool" >/dev/null || { echo "bench-peers: needs $tool" >&2; exit 2; }
done

cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin choreo
choreo="${CARGO_TARGET_DIR:-$root/target}/release/choreo"

ast_grep=${AST_GREP:-}
if [[ -z $ast_grep ]]; then
    ast_grep=$(command -v ast-grep || true)
fi
if [[ -z $ast_grep && -x /opt/ast-grep/node_modules/.bin/ast-grep ]]; then
    ast_grep=/opt/ast-grep/node_modules/.bin/ast-grep
fi

files=$(find "$corpus" -name '*.rs' -not -path '*/target/*' | wc -l)
bytes=$(find "$corpus" -name '*.rs' -not -path '*/target/*' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
echo "corpus: $corpus ($files .rs files, $((bytes / 1000000)) MB); $(nproc) cores; $runs runs each"

commands=(
    -n choreo "$choreo analyze $corpus -o $work/report.json -q > /dev/null"
    -n rg "rg -c -e '\\.publish\\(' -e '\\.subscribe\\(' -e '\\.emit\\(' -e '\\.listen\\(' $corpus > /dev/null"
)
if [[ -n $ast_grep ]]; then
    cat > "$work/rule.yml" <<'RULE'
id: event-sites
language: rust
rule:
  any:
    - pattern: $R.publish($$$A)
    - pattern: $R.subscribe($$$A)
    - pattern: $R.emit($$$A)
    - pattern: $R.listen($$$A)
RULE
    commands+=(-n ast-grep "$ast_grep scan --rule $work/rule.yml $corpus > /dev/null")
    echo "ast-grep: $ast_grep ($("$ast_grep" --version))"
else
    echo "ast-grep: not installed, skipped"
fi

# -i: choreo exits 1 when the tree has deny findings, which is not a failure here.
hyperfine -i --warmup 1 --runs "$runs" --style basic --export-json "$work/times.json" \
    "${commands[@]}"

rss_kb=$(/usr/bin/time -v "$choreo" analyze "$corpus" -o "$work/report.json" -q 2>&1 >/dev/null \
    | awk '/Maximum resident set size/ {print $6}' || true)

python3 - "$work/times.json" "$rss_kb" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
median = {name: r["median"] for name, r in results.items()}
print()
print(f"| tool | median | min | max |")
print(f"|---|---:|---:|---:|")
for name, r in results.items():
    print(f"| {name} | {r['median']*1000:.0f} ms | {r['min']*1000:.0f} ms | {r['max']*1000:.0f} ms |")
print()
print(f"choreo / rg:       {median['choreo'] / median['rg']:.1f}x  (goal: at most 10x)")
if "ast-grep" in median:
    print(f"ast-grep / choreo: {median['ast-grep'] / median['choreo']:.1f}x  (goal: at least 5x)")
print(f"choreo peak RSS:   {int(sys.argv[2]) / 1024:.0f} MB  (goal: at most 120 MB)")
PY
