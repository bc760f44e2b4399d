#!/usr/bin/env bash
# Tauri front-end cost: a Tauri app's Rust side with a generated 2,000-file TypeScript
# front end, analyzed with the front end and Rust-only (the same tree, its front-end files
# excluded by `[analysis] exclude`, so both runs walk the same directories), hyperfine
# medians of 5. Usage: scripts/frontend-bench.sh RUST_TREE [FILES]
#   RUST_TREE  a Tauri app (its src-tauri/ and choreo.toml with presets = ["tauri"])
#   FILES      front-end files to generate (default 2000); a quarter hold Tauri sites
set -euo pipefail
RUST_TREE=${1:?usage: $0 RUST_TREE [FILES]}
FILES=${2:-2000}
CHOREO=${CHOREO:-target/release/choreo}
WORK=${KEEP:-$(mktemp -d)}; mkdir -p "$WORK"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT

mkdir -p "$WORK/with"
cp -a "$RUST_TREE/." "$WORK/with/"
find "$WORK/with" \( -name '*.ts' -o -name '*.tsx' -o -name '*.js' -o -name '*.jsx' \
  -o -name '*.vue' -o -name '*.svelte' -o -name '*.mjs' -o -name '*.cjs' \) -delete
printf '[analysis]\npresets = ["tauri"]\n' > "$WORK/with/choreo.toml"
# The same tree, Rust only: the front-end files excluded.
printf '[analysis]\npresets = ["tauri"]\nexclude = ["**/*.ts", "**/*.tsx", "**/*.js", "**/*.jsx", "**/*.vue", "**/*.svelte", "**/*.mjs", "**/*.cjs"]\n' \
  > "$WORK/rust-only.toml"

mkdir -p "$WORK/with/src/events"
cat > "$WORK/with/src/events/index.ts" <<'TS'
export enum AppEvent {
  Progress = "sync-progress",
  Saved = "settings-saved",
}
export const FINISHED = "sync-finished";
TS
for i in $(seq 1 "$FILES"); do
  dir="$WORK/with/src/features/f$((i % 50))"
  mkdir -p "$dir"
  if (( i % 4 == 0 )); then
    cat > "$dir/view$i.tsx" <<TS
import { listen, emit } from "@tauri-apps/api/event";
import { AppEvent, FINISHED } from "../../events";

export function View$i(props: { id: number }) {
  listen(AppEvent.Progress, (e) => console.log(props.id, e.payload));
  listen(FINISHED, () => emit("view-$i-done", { id: props.id }));
  return <div className="view">{props.id}</div>;
}
TS
  else
    cat > "$dir/util$i.ts" <<TS
// Plain front-end code: no Tauri import, so the prefilter skips it.
export interface Item$i { id: number; name: string; tags: string[] }
export function score$i(items: Item$i[]): number {
  let total = 0;
  for (const item of items) {
    total += item.tags.length * item.id + item.name.length;
  }
  return total / Math.max(1, items.length);
}
export const LABEL_$i = "item-$i";
TS
  fi
done

echo "front end: $(find "$WORK/with/src" -type f | wc -l) files"
hyperfine -N -i --warmup 1 --runs 5 \
  -n "Rust only" "$CHOREO analyze $WORK/with -c $WORK/rust-only.toml -o $WORK/a.json -q" \
  -n "with a ${FILES}-file front end" "$CHOREO analyze $WORK/with -o $WORK/b.json -q"
