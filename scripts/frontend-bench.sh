#!/usr/bin/env bash
# Tauri front-end cost: a Tauri app whose front end generated files bring to 2,000 files,
# analyzed with the front end and Rust-only (the same tree, its front-end files
# excluded by `[analysis] exclude`, so both runs walk the same directories), hyperfine
# medians of RUNS (default 15). Usage: scripts/frontend-bench.sh RUST_TREE [FILES] [SHAPE]
#   RUST_TREE  a Tauri app (its src-tauri/ and choreo.toml with presets = ["tauri"])
#   FILES      front-end files in all, the app's own included (default 2000)
#   SHAPE      app (default): shaped like the front ends of nine real Tauri apps, where a
#              fifth of the files import the Tauri API (229 of 1,119) and a few dozen
#              sites share 4 to 15 event keys: an eighth of the files here, one listener
#              or emit each over 40 keys, every one heard;
#              stress: a quarter of the files hold three sites each (1,500 sites), and each
#              of those files emits an event of its own that nothing hears (500 orphans,
#              each a diagnostic with its snippet)
set -euo pipefail
RUST_TREE=${1:?usage: $0 RUST_TREE [FILES] [SHAPE]}
FILES=${2:-2000}
SHAPE=${3:-app}
RUNS=${RUNS:-15}
case "$SHAPE" in app|stress) ;; *) echo "SHAPE is app or stress, not $SHAPE" >&2; exit 2 ;; esac
CHOREO=${CHOREO:-target/release/choreo}
WORK=${KEEP:-$(mktemp -d)}; mkdir -p "$WORK"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT

mkdir -p "$WORK/with"
cp -a "$RUST_TREE/." "$WORK/with/"
# The app's own front end stays (its listeners, emits and invokes are real); generated files
# bring it to FILES.
OWN=$(find "$WORK/with" \( -name node_modules -o -name dist -o -name build -o -name target \
  -o -name '.*' ! -name . \) -prune -o -type f \( -name '*.ts' -o -name '*.tsx' -o -name '*.js' \
  -o -name '*.jsx' -o -name '*.vue' -o -name '*.svelte' -o -name '*.mjs' -o -name '*.cjs' \) -print | wc -l)
GENERATE=$((FILES > OWN ? FILES - OWN : 0))
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
plain() {
  cat > "$1" <<TS
// Plain front-end code: no Tauri import, so the prefilter skips it.
export interface Item$2 { id: number; name: string; tags: string[] }
export function score$2(items: Item$2[]): number {
  let total = 0;
  for (const item of items) {
    total += item.tags.length * item.id + item.name.length;
  }
  return total / Math.max(1, items.length);
}
export const LABEL_$2 = "item-$2";
TS
}
for i in $(seq 1 "$GENERATE"); do
  dir="$WORK/with/src/features/f$((i % 50))"
  mkdir -p "$dir"
  if [ "$SHAPE" = stress ] && (( i % 4 == 0 )); then
    cat > "$dir/view$i.tsx" <<TS
import { listen, emit } from "@tauri-apps/api/event";
import { AppEvent, FINISHED } from "../../events";

export function View$i(props: { id: number }) {
  listen(AppEvent.Progress, (e) => console.log(props.id, e.payload));
  listen(FINISHED, () => emit("view-$i-done", { id: props.id }));
  return <div className="view">{props.id}</div>;
}
TS
  elif [ "$SHAPE" = app ] && (( i % 8 == 0 )); then
    key=$((i / 8 % 80))
    if (( i / 8 % 2 == 0 )); then
      cat > "$dir/view$i.tsx" <<TS
import { listen } from "@tauri-apps/api/event";

export function View$i(props: { id: number }) {
  listen("feature-$key-changed", (e) => console.log(props.id, e.payload));
  return <div className="view">{props.id}</div>;
}
TS
    else
      cat > "$dir/view$i.tsx" <<TS
import { emit } from "@tauri-apps/api/event";

export function View$i(props: { id: number }) {
  const save = () => emit("feature-$((key - 1))-changed", { id: props.id });
  return <button onClick={save}>{props.id}</button>;
}
TS
    fi
  else
    plain "$dir/util$i.ts" "$i"
  fi
done

echo "front end ($SHAPE): $OWN files of the app's own, $GENERATE generated"
hyperfine -N -i --warmup 2 --runs "$RUNS" --export-json "$WORK/bench.json" \
  -n "Rust only" "$CHOREO analyze $WORK/with -c $WORK/rust-only.toml -o $WORK/a.json -q" \
  -n "with a ${FILES}-file front end" "$CHOREO analyze $WORK/with -o $WORK/b.json -q"
python3 - "$WORK/bench.json" <<'PY'
import json, sys
rust, front = (r["median"] * 1000 for r in json.load(open(sys.argv[1]))["results"])
print(f"medians: Rust only {rust:.1f} ms, with the front end {front:.1f} ms: {front / rust:.2f}x")
PY
