#!/usr/bin/env bash
# Copies real Rust code, the crates cargo has already unpacked in its registry, into a
# corpus directory for scripts/bench-peers.sh and scripts/scaling.sh. Nothing is downloaded:
# what you get is whatever `cargo build` / `cargo test` fetched on this machine (building
# choreo with its tests, benches and fuzz targets fetches about 290 crates, 140 MB).
#
#   scripts/registry-corpus.sh /tmp/real              # every crate
#   scripts/registry-corpus.sh /tmp/clap 'clap*'      # only crates whose directory matches
set -euo pipefail

dest=${1:?usage: scripts/registry-corpus.sh DEST [GLOB...]}
shift
globs=("$@")
[[ ${#globs[@]} -gt 0 ]] || globs=('*')
registry="${CARGO_HOME:-$HOME/.cargo}/registry/src"
[[ -d $registry ]] || { echo "registry-corpus: no $registry; run cargo build first" >&2; exit 2; }

mkdir -p "$dest"
shopt -s nullglob
copied=0
for index in "$registry"/*/; do
    for glob in "${globs[@]}"; do
        for crate in "$index"$glob/; do
            name=$(basename "$crate")
            # The same crate from two registry indexes is copied once.
            [[ -e $dest/$name ]] && continue
            cp -r "$crate" "$dest/$name"
            copied=$((copied + 1))
        done
    done
done
[[ $copied -gt 0 ]] || { echo "registry-corpus: no crate matched ${globs[*]}" >&2; exit 2; }

files=$(find "$dest" -name '*.rs' | wc -l)
bytes=$(find "$dest" -name '*.rs' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
lines=$(find "$dest" -name '*.rs' -print0 | xargs -0 cat | wc -l)
echo "$dest: $copied crates, $files .rs files, $((bytes / 1000000)) MB, $lines lines"
