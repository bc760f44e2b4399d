//! Writes a large synthetic Cargo workspace of realistic event-driven Rust code, so anyone
//! can reproduce choreo's benchmarks and scaling curve without downloading a corpus.
//!
//! ```text
//! cargo run --release --example gen_corpus -- OUT_DIR --files N [--seed S] [--workspaces K]
//! ```
//!
//! With `--workspaces K` it writes K such workspaces of N files each side by side
//! (`OUT_DIR/ws00`, ..), as a monorepo looks: each with its own crate names, the first
//! crate's name shared by all (`scripts/scaling.sh --workspaces` times them).
//!
//! The tree is deterministic for a seed. Like real code, most files (about 88%) hold no
//! event code at all — plain structs, impls, traits, generics, tests, macros — so a byte
//! prefilter has something to skip. Each crate has an `events.rs` of consts, a tiny bus,
//! and components that subscribe with closures and method handlers and publish through
//! consts, associated consts, `let` bindings, wrappers and `json!` payloads. A chain of
//! events per crate is healthy; a few orphans, unused subscriptions and one feedback loop
//! make the report non-trivial.
//!
//! The same code is compiled into `benches/pipeline.rs` and `tests/bad_input.rs` through
//! `#[path]`, which is why the entry point is the `generate` function.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// What `generate` wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub crates: usize,
    pub rs_files: usize,
    pub event_files: usize,
    pub bytes: u64,
    pub lines: u64,
}

/// splitmix64: tiny, fast, and good enough for picking names and shapes.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const DOMAINS: &[&str] = &[
    "billing",
    "catalog",
    "identity",
    "shipping",
    "analytics",
    "search",
    "notify",
    "inventory",
    "pricing",
    "audit",
    "checkout",
    "payments",
    "ledger",
    "scheduler",
    "storage",
    "gateway",
];
const NOUNS: &[&str] = &[
    "order", "invoice", "user", "session", "cart", "payment", "shipment", "account", "report",
    "metric", "alert", "job", "task", "document", "profile", "token", "refund", "quote", "batch",
    "ticket", "device", "upload", "policy", "review",
];
const VERBS: &[&str] = &[
    "created",
    "updated",
    "deleted",
    "settled",
    "failed",
    "expired",
    "approved",
    "rejected",
    "queued",
    "completed",
    "archived",
    "verified",
];
const TYPE_NOUNS: &[&str] = &[
    "Ledger", "Cache", "Index", "Queue", "Buffer", "Window", "Registry", "Catalog", "Tracker",
    "Planner", "Router", "Matcher", "Sampler", "Encoder", "Decoder", "Budget", "Cursor", "Shard",
    "Snapshot", "Journal", "Limiter", "Balancer", "Resolver", "Store",
];
const FIELDS: &[&str] = &[
    "count",
    "total",
    "limit",
    "offset",
    "weight",
    "score",
    "depth",
    "width",
    "retries",
    "epoch",
    "capacity",
    "threshold",
    "version",
    "priority",
];

/// Generates the workspace into `out` (created if missing) with about `files` `.rs` files.
pub fn generate(out: &Path, files: usize, seed: u64) -> io::Result<Stats> {
    generate_tagged(out, files, seed, None)
}

/// Generates `workspaces` workspaces side by side, as in a monorepo: `out/ws00`,
/// `out/ws01`, .. each of about `files` `.rs` files (seeds `seed`, `seed + 1`, ..). Each
/// workspace's first crate has the same name in every workspace (a shared name, as two
/// repositories each with a `common` crate); its other crates are named after the
/// workspace (`billing_w3`). Nothing links the workspaces.
pub fn generate_workspaces(
    out: &Path,
    workspaces: usize,
    files: usize,
    seed: u64,
) -> io::Result<Stats> {
    let mut total = Stats::default();
    for w in 0..workspaces {
        let stats = generate_tagged(
            &out.join(format!("ws{w:02}")),
            files,
            seed + w as u64,
            Some(w),
        )?;
        total.crates += stats.crates;
        total.rs_files += stats.rs_files;
        total.event_files += stats.event_files;
        total.bytes += stats.bytes;
        total.lines += stats.lines;
    }
    Ok(total)
}

/// [`generate`]; with a `tag`, every crate but the first is named after it.
fn generate_tagged(out: &Path, files: usize, seed: u64, tag: Option<usize>) -> io::Result<Stats> {
    let mut rng = Rng::new(seed);
    let crates = (files / 250).clamp(2, 64);
    let mut stats = Stats {
        crates,
        ..Stats::default()
    };
    let names: Vec<String> = (0..crates)
        .map(|i| {
            let domain = DOMAINS[i % DOMAINS.len()];
            let name = if i < DOMAINS.len() {
                domain.to_owned()
            } else {
                format!("{domain}{}", i / DOMAINS.len())
            };
            match tag {
                Some(tag) if i > 0 => format!("{name}_w{tag}"),
                _ => name,
            }
        })
        .collect();

    let mut manifest = String::from("[workspace]\nresolver = \"2\"\nmembers = [\n");
    for name in &names {
        let _ = writeln!(manifest, "    \"crates/{name}\",");
    }
    manifest.push_str("]\n");
    write(out, "Cargo.toml", &manifest, &mut stats, false)?;

    for (index, name) in names.iter().enumerate() {
        // Spread the files evenly; every crate has its 5 fixed files and 2 components.
        let share = files / crates + usize::from(index < files % crates);
        let rest = share.saturating_sub(5);
        let components = ((rest * 12 + 50) / 100).max(2);
        let plain = rest.saturating_sub(components);
        let previous = (index > 0).then(|| names[index - 1].as_str());
        write_crate(
            out, name, index, components, plain, previous, &mut rng, &mut stats,
        )?;
    }
    Ok(stats)
}

fn write(out: &Path, rel: &str, text: &str, stats: &mut Stats, rs: bool) -> io::Result<()> {
    let path = out.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, text)?;
    stats.bytes += text.len() as u64;
    stats.lines += text.lines().count() as u64;
    if rs {
        stats.rs_files += 1;
    }
    Ok(())
}

fn const_name(key: &str) -> String {
    key.split('.')
        .skip(1)
        .map(str::to_uppercase)
        .collect::<Vec<_>>()
        .join("_")
}

fn camel(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn write_crate(
    out: &Path,
    name: &str,
    index: usize,
    components: usize,
    plain: usize,
    previous: Option<&str>,
    rng: &mut Rng,
    stats: &mut Stats,
) -> io::Result<()> {
    let dir = format!("crates/{name}");
    write(
        out,
        &format!("{dir}/Cargo.toml"),
        &format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nserde_json = \"1\"\n"
        ),
        stats,
        false,
    )?;

    // The crate's chain of keys: component j subscribes key j and its handler publishes
    // key j + 1, so every key but the last two is healthy and there is no loop.
    let mut keys: Vec<String> = Vec::new();
    while keys.len() < components + 1 {
        let key = format!("{name}.{}.{}", rng.pick(NOUNS), rng.pick(VERBS));
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let loop_keys = [
        format!("{name}.retry.requested"),
        format!("{name}.retry.scheduled"),
    ];
    let orphan = format!("{name}.debug.dumped");
    let unused = format!("{name}.legacy.migrated");

    let mut events = String::from("//! Every event this crate publishes or listens to.\n\n");
    for key in keys.iter().chain(&loop_keys) {
        let _ = writeln!(
            events,
            "/// Published when a {}.\npub const {}: &str = \"{key}\";",
            key.replace('.', " "),
            const_name(key)
        );
    }
    write(out, &format!("{dir}/src/events.rs"), &events, stats, true)?;
    write(out, &format!("{dir}/src/bus.rs"), BUS, stats, true)?;

    let component_mods: Vec<String> = (0..components)
        .map(|j| format!("{}_{j}", rng.pick(NOUNS)))
        .collect();
    let plain_mods: Vec<String> = (0..plain)
        .map(|j| format!("{}_{j}", rng.pick(TYPE_NOUNS).to_lowercase()))
        .collect();
    let lib = format!(
        "//! The {name} service.\n\npub mod bus;\npub mod components;\npub mod core;\npub mod events;\n\n\
         pub use bus::{{Event, EventBus}};\n"
    );
    write(out, &format!("{dir}/src/lib.rs"), &lib, stats, true)?;
    let mods = |names: &[String]| {
        names
            .iter()
            .map(|m| format!("pub mod {m};\n"))
            .collect::<String>()
    };
    write(
        out,
        &format!("{dir}/src/components/mod.rs"),
        &format!(
            "//! Components wired to the bus.\n\n{}",
            mods(&component_mods)
        ),
        stats,
        true,
    )?;
    write(
        out,
        &format!("{dir}/src/core/mod.rs"),
        &format!("//! Domain logic without events.\n\n{}", mods(&plain_mods)),
        stats,
        true,
    )?;

    for (j, module) in component_mods.iter().enumerate() {
        let spec = ComponentSpec {
            index: j,
            subscribes: &keys[j],
            publishes: &keys[j + 1],
            // The last key gets a sink subscriber so that only the designed orphans remain.
            sink: (j == 0).then(|| keys[components].as_str()),
            start: (j == 0).then(|| keys[0].as_str()),
            cross: if j == 0 { previous } else { None },
            feedback: (index == 0 && j < 2).then(|| (&loop_keys[j], &loop_keys[1 - j])),
            orphan: (index.is_multiple_of(3) && j == components - 1).then_some(orphan.as_str()),
            unused: (index % 4 == 1 && j == components - 1).then_some(unused.as_str()),
        };
        let text = component(&spec, rng);
        write(
            out,
            &format!("{dir}/src/components/{module}.rs"),
            &text,
            stats,
            true,
        )?;
        stats.event_files += 1;
    }
    for module in &plain_mods {
        let text = plain_file(rng);
        write(
            out,
            &format!("{dir}/src/core/{module}.rs"),
            &text,
            stats,
            true,
        )?;
    }
    Ok(())
}

const BUS: &str = r#"//! A small synchronous event bus.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

/// An event on the bus.
#[derive(Debug, Clone)]
pub struct Event {
    pub event_type: String,
    pub payload: Value,
}

impl Event {
    pub fn new(event_type: &str, payload: Value) -> Self {
        Event {
            event_type: event_type.to_owned(),
            payload,
        }
    }
}

type Handler = Arc<dyn Fn(&Event) + Send + Sync>;

/// Handlers by event type; dispatch is synchronous.
#[derive(Default)]
pub struct EventBus {
    handlers: Mutex<HashMap<String, Vec<Handler>>>,
}

impl EventBus {
    pub fn send(&self, event: Event) {
        let handlers = self
            .handlers
            .lock()
            .unwrap()
            .get(&event.event_type)
            .cloned()
            .unwrap_or_default();
        for handler in handlers {
            handler(&event);
        }
    }

    pub fn register(&self, event_type: &str, handler: Handler) {
        self.handlers
            .lock()
            .unwrap()
            .entry(event_type.to_owned())
            .or_default()
            .push(handler);
    }
}

/// The process-wide bus, for free-function handlers.
pub fn global() -> &'static EventBus {
    static BUS: OnceLock<EventBus> = OnceLock::new();
    BUS.get_or_init(EventBus::default)
}
"#;

struct ComponentSpec<'a> {
    index: usize,
    subscribes: &'a str,
    publishes: &'a str,
    sink: Option<&'a str>,
    start: Option<&'a str>,
    cross: Option<&'a str>,
    feedback: Option<(&'a String, &'a String)>,
    orphan: Option<&'a str>,
    unused: Option<&'a str>,
}

fn component(spec: &ComponentSpec<'_>, rng: &mut Rng) -> String {
    let noun = spec.subscribes.split('.').nth(1).unwrap_or("item");
    let ty = format!(
        "{}{}Service{}",
        camel(noun),
        rng.pick(TYPE_NOUNS),
        spec.index
    );
    let sub_const = const_name(spec.subscribes);
    let pub_const = const_name(spec.publishes);
    let field_a = rng.pick(FIELDS);
    let field_b = rng.pick(FIELDS);
    let field_b = if field_b == field_a { "id" } else { field_b };
    let style = rng.below(5);

    let mut s = String::new();
    let _ = write!(
        s,
        "//! `{ty}`: reacts to `{}` and announces `{}`.\n\n\
         use std::collections::{{BTreeMap, HashMap}};\nuse std::fmt;\nuse std::sync::{{Arc, Mutex}};\n\n\
         use serde_json::json;\n\n\
         use crate::bus::{{self, Event, EventBus}};\nuse crate::events;\n\n",
        spec.subscribes, spec.publishes
    );
    let _ = write!(
        s,
        "pub struct {ty} {{\n    bus: Arc<EventBus>,\n    event_bus: Arc<EventBus>,\n    \
         seen: Mutex<HashMap<String, u64>>,\n    {field_a}: u64,\n}}\n\n"
    );
    let _ = writeln!(s, "impl {ty} {{");
    if style == 4 {
        let _ = writeln!(
            s,
            "    /// The event this component reacts to.\n    pub const TOPIC: &'static str = events::{sub_const};\n"
        );
    }
    let _ = write!(
        s,
        "    pub fn new(bus: Arc<EventBus>) -> Arc<Self> {{\n        Arc::new(Self {{\n            \
         event_bus: Arc::clone(&bus),\n            bus,\n            seen: Mutex::new(HashMap::new()),\n            \
         {field_a}: 0,\n        }})\n    }}\n\n"
    );

    // attach: the subscriptions.
    let _ = writeln!(s, "    pub fn attach(self: &Arc<Self>) {{");
    let handler_name = format!("on_{noun}");
    match style {
        0 => {
            let _ = write!(
                s,
                "        let this = Arc::clone(self);\n        self.bus\n            \
                 .subscribe(events::{sub_const}, move |e| this.{handler_name}(e));\n"
            );
        }
        1 => {
            let _ = writeln!(
                s,
                "        self.bus.subscribe(events::{sub_const}, Self::{handler_name}_global);"
            );
        }
        2 => {
            let _ = write!(
                s,
                "        let this = Arc::clone(self);\n        self.bus.subscribe(events::{sub_const}, move |e| {{\n            \
                 let {field_b} = e.payload[\"{field_b}\"].as_u64().unwrap_or(0);\n            \
                 this.remember(&e.event_type);\n            this.announce({field_b});\n        }});\n"
            );
        }
        3 => {
            let _ = write!(
                s,
                "        let this = Arc::clone(self);\n        self.event_bus.on(\"{}\", move |e| {{\n            \
                 this.{handler_name}(e);\n        }});\n",
                spec.subscribes
            );
        }
        _ => {
            let _ = write!(
                s,
                "        let this = Arc::clone(self);\n        self.event_bus\n            \
                 .on(Self::TOPIC, move |e| this.{handler_name}(e));\n"
            );
        }
    }
    if let Some(sink) = spec.sink {
        let _ = write!(
            s,
            "        let this = Arc::clone(self);\n        self.bus.subscribe(\"{sink}\", move |e| {{\n            \
             this.remember(&e.event_type);\n        }});\n"
        );
    }
    if let Some(cross) = spec.cross {
        let _ = write!(
            s,
            "        // Mirrors the upstream service's first event.\n        \
             let this = Arc::clone(self);\n        self.bus.subscribe(\"{cross}.mirror.synced\", move |e| this.remember(&e.event_type));\n"
        );
    }
    if let Some((listen, _)) = spec.feedback {
        let _ = write!(
            s,
            "        let this = Arc::clone(self);\n        self.bus\n            \
             .subscribe(events::{}, move |e| this.on_retry(e));\n",
            const_name(listen)
        );
    }
    if let Some(unused) = spec.unused {
        let _ = write!(
            s,
            "        // Kept for the old importer, which no longer runs.\n        \
             self.bus.subscribe(\"{unused}\", |e| {{\n            let _ = e;\n        }});\n"
        );
    }
    let _ = writeln!(s, "    }}\n");

    // The handler and how it publishes.
    let payload = format!(
        "json!({{ \"{field_b}\": {field_b}, \"source\": \"{ty}\", \"{field_a}\": self.{field_a} }})"
    );
    match style {
        1 => {
            let _ = write!(
                s,
                "    fn {handler_name}_global(event: &Event) {{\n        \
                 let {field_b} = event.payload[\"{field_b}\"].as_u64().unwrap_or(0);\n        \
                 bus::global().send(Event::new(events::{pub_const}, json!({{ \"{field_b}\": {field_b} }})));\n        \
                 let bus = bus::global();\n        bus.publish(Event::new(events::{pub_const}, json!({{ \"{field_b}\": {field_b} }})));\n    }}\n\n"
            );
        }
        2 => {
            let _ = write!(
                s,
                "    fn announce(&self, {field_b}: u64) {{\n        let topic = events::{pub_const};\n        \
                 self.bus.publish(topic, {payload});\n    }}\n\n"
            );
        }
        3 => {
            let _ = write!(
                s,
                "    fn {handler_name}(&self, event: &Event) {{\n        \
                 let {field_b} = event.payload[\"{field_b}\"].as_u64().unwrap_or(0);\n        \
                 self.remember(&event.event_type);\n        \
                 self.bus.emit(Event {{\n            event_type: events::{pub_const}.into(),\n            \
                 payload: {payload},\n        }});\n    }}\n\n"
            );
        }
        _ => {
            let _ = write!(
                s,
                "    fn {handler_name}(&self, event: &Event) {{\n        \
                 let {field_b} = event.payload[\"{field_b}\"].as_u64().unwrap_or(0);\n        \
                 if {field_b} > self.{field_a} {{\n            self.remember(&event.event_type);\n        }}\n        \
                 self.bus.publish(events::{pub_const}, {payload});\n    }}\n\n"
            );
        }
    }
    if let Some((_, answer)) = spec.feedback {
        let _ = write!(
            s,
            "    fn on_retry(&self, event: &Event) {{\n        self.remember(&event.event_type);\n        \
             self.bus\n            .publish(events::{}, json!({{ \"attempt\": 1 }}));\n    }}\n\n",
            const_name(answer)
        );
    }
    if let Some(start) = spec.start {
        let _ = write!(
            s,
            "    /// Kicks off the flow.\n    pub fn start(&self) {{\n        \
             self.bus.publish(events::{}, json!({{ \"{field_b}\": 1 }}));\n",
            const_name(start)
        );
        let crate_name = start.split('.').next().unwrap_or_default();
        let _ = writeln!(
            s,
            "        self.bus.publish(\"{crate_name}.mirror.synced\", json!({{ \"{field_b}\": 1 }}));"
        );
        if let Some((listen, _)) = spec.feedback {
            let _ = writeln!(
                s,
                "        self.bus.publish(events::{}, json!({{ \"attempt\": 0 }}));",
                const_name(listen)
            );
        }
        let _ = writeln!(s, "    }}\n");
    }
    if let Some(orphan) = spec.orphan {
        let _ = write!(
            s,
            "    /// Dumps state for debugging; nothing listens yet.\n    pub fn dump(&self) {{\n        \
             let seen = self.seen.lock().unwrap().len();\n        \
             self.bus.publish(\"{orphan}\", json!({{ \"seen\": seen }}));\n    }}\n\n"
        );
    }
    let _ = write!(
        s,
        "    fn remember(&self, event_type: &str) {{\n        \
         *self.seen.lock().unwrap().entry(event_type.to_owned()).or_insert(0) += 1;\n    }}\n\n"
    );
    // Plain helper methods to give the file a realistic length.
    let helpers = rng.range(2, 8);
    for h in 0..helpers {
        let f = rng.pick(FIELDS);
        let _ = write!(
            s,
            "    /// Derived figure number {h}.\n    pub fn {f}_{h}(&self, factor: u64) -> u64 {{\n        \
             let seen: u64 = self.seen.lock().unwrap().values().sum();\n        \
             let mut acc = self.{field_a}.wrapping_mul(factor);\n        for step in 0..{} {{\n            \
             acc = acc.rotate_left(step).wrapping_add(seen);\n        }}\n        acc\n    }}\n\n",
            rng.range(2, 9)
        );
    }
    // Drop the blank line after the last method before closing the impl.
    s.truncate(s.trim_end().len());
    s.push_str("\n}\n\n");
    while s.lines().count() < 100 {
        s.push_str(&plain_item(rng, &mut 0));
    }
    s
}

/// A file without any event code: 100–400 lines of ordinary items.
fn plain_file(rng: &mut Rng) -> String {
    let target = rng.range(100, 400);
    let mut s = String::from(
        "//! Domain types and helpers.\n\nuse std::collections::{BTreeMap, HashMap};\n\
         use std::fmt;\n\n",
    );
    let mut counter = 0;
    while s.lines().count() < target {
        s.push_str(&plain_item(rng, &mut counter));
    }
    s
}

/// One item from a family of templates; `$T`, `$U`, `$F`, `$G`, `$N` are filled in.
fn plain_item(rng: &mut Rng, counter: &mut usize) -> String {
    *counter += 1;
    let template = TEMPLATES[rng.below(TEMPLATES.len())];
    let ty = format!(
        "{}{}",
        rng.pick(TYPE_NOUNS),
        *counter + rng.below(1000) * 100
    );
    let other = format!(
        "{}{}",
        rng.pick(TYPE_NOUNS),
        *counter + 100_000 + rng.below(1000)
    );
    let f = rng.pick(FIELDS);
    let mut g = rng.pick(FIELDS);
    if g == f {
        g = "id";
    }
    template
        .replace("$T", &ty)
        .replace("$U", &other)
        .replace("$F", f)
        .replace("$G", g)
        .replace("$N", &rng.range(2, 64).to_string())
        .replace("$L", &ty.to_lowercase())
}

const TEMPLATES: &[&str] = &[
    r#"/// A bounded record of recent values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct $T {
    $F: u64,
    $G: u64,
    values: Vec<u64>,
}

impl $T {
    pub fn new($F: u64) -> Self {
        Self {
            $F,
            $G: 0,
            values: Vec::with_capacity($N),
        }
    }

    pub fn push(&mut self, value: u64) -> bool {
        if self.values.len() as u64 >= self.$F {
            return false;
        }
        self.values.push(value);
        self.$G = self.$G.saturating_add(value);
        true
    }

    pub fn mean(&self) -> Option<f64> {
        if self.values.is_empty() {
            None
        } else {
            Some(self.$G as f64 / self.values.len() as f64)
        }
    }
}

"#,
    r#"/// Something that can be scored.
pub trait Score$T {
    fn score(&self) -> f64;

    fn is_better_than(&self, other: &dyn Score$T) -> bool {
        self.score() > other.score()
    }
}

#[derive(Debug)]
pub struct $U {
    pub $F: f64,
}

impl Score$T for $U {
    fn score(&self) -> f64 {
        self.$F * $N.0
    }
}

"#,
    r#"/// A small generic pool.
pub struct $T<T: Clone> {
    free: Vec<T>,
    $F: usize,
}

impl<T: Clone> $T<T> {
    pub fn with_capacity($F: usize) -> Self {
        Self {
            free: Vec::with_capacity($F),
            $F,
        }
    }

    pub fn take(&mut self) -> Option<T> {
        self.free.pop()
    }

    pub fn give(&mut self, item: T) {
        if self.free.len() < self.$F {
            self.free.push(item);
        }
    }

    pub fn len(&self) -> usize {
        self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.free.is_empty()
    }
}

impl<T: Clone + fmt::Debug> fmt::Debug for $T<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("$T").field("free", &self.free.len()).finish()
    }
}

"#,
    r#"/// The states a $L moves through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum $T {
    Pending,
    Running { attempt: u32 },
    Done,
    Failed(u16),
}

impl $T {
    pub fn next(self) -> Self {
        match self {
            $T::Pending => $T::Running { attempt: 1 },
            $T::Running { attempt } if attempt >= $N => $T::Failed(500),
            $T::Running { attempt } => $T::Running { attempt: attempt + 1 },
            other => other,
        }
    }
}

impl fmt::Display for $T {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            $T::Pending => write!(f, "pending"),
            $T::Running { attempt } => write!(f, "running ({attempt})"),
            $T::Done => write!(f, "done"),
            $T::Failed(code) => write!(f, "failed with {code}"),
        }
    }
}

"#,
    r#"macro_rules! $L_getters {
    ($ty:ident { $($field:ident: $t:ty),* $(,)? }) => {
        impl $ty {
            $(
                pub fn $field(&self) -> &$t {
                    &self.$field
                }
            )*
        }
    };
}

#[derive(Debug, Default)]
pub struct $T {
    $F: String,
    $G: Vec<u32>,
}

$L_getters!($T { $F: String, $G: Vec<u32> });

"#,
    r#"/// Groups items by a key and keeps running totals.
pub fn group_$L(items: &[(String, u64)]) -> BTreeMap<String, u64> {
    let mut totals = BTreeMap::new();
    for (name, value) in items {
        *totals.entry(name.clone()).or_insert(0) += value;
    }
    totals
        .into_iter()
        .filter(|(_, total)| *total > $N)
        .collect()
}

pub fn top_$L(items: &HashMap<String, u64>, n: usize) -> Vec<(&str, u64)> {
    let mut sorted: Vec<(&str, u64)> = items.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    sorted.truncate(n);
    sorted
}

"#,
    r#"/// Why a $L operation failed.
#[derive(Debug)]
pub enum $TError {
    NotFound(String),
    Invalid { $F: u64, reason: &'static str },
    Io(std::io::Error),
}

impl fmt::Display for $TError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound(name) => write!(f, "{name} not found"),
            Self::Invalid { $F, reason } => write!(f, "invalid $F {$F}: {reason}"),
            Self::Io(error) => write!(f, "i/o: {error}"),
        }
    }
}

impl std::error::Error for $TError {}

impl From<std::io::Error> for $TError {
    fn from(error: std::io::Error) -> Self {
        Self::Io(error)
    }
}

pub fn check_$L($F: u64) -> Result<u64, $TError> {
    if $F > $N * 1000 {
        return Err($TError::Invalid { $F, reason: "too large" });
    }
    Ok($F * 2)
}

"#,
    r#"#[cfg(test)]
mod tests_$L {
    use super::*;

    #[test]
    fn $L_round_trip() {
        let mut map = HashMap::new();
        map.insert("a".to_owned(), $N_u64);
        map.insert("b".to_owned(), 1);
        let text: Vec<String> = map.keys().cloned().collect();
        assert_eq!(text.len(), 2);
    }

    #[test]
    fn $L_ordering() {
        let mut values = vec![3, 1, 2, $N];
        values.sort_unstable();
        assert_eq!(values.first(), Some(&1));
        assert!(values.windows(2).all(|w| w[0] <= w[1]));
    }
}

"#,
    r#"/// Iterates over the $F values of a window of samples.
pub struct $T<'a> {
    samples: &'a [u64],
    position: usize,
}

impl<'a> Iterator for $T<'a> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        let window = self.samples.get(self.position..self.position + $N)?;
        self.position += 1;
        Some(window.iter().copied().max().unwrap_or_default())
    }
}

pub fn peaks_$L(samples: &[u64]) -> impl Iterator<Item = u64> + '_ {
    $T { samples, position: 0 }.filter(|peak| peak % 2 == 0)
}

"#,
    r#"pub async fn fetch_$L(ids: Vec<u64>) -> Result<Vec<u64>, String> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let value = compute_$L(id).await?;
        out.push(value);
    }
    Ok(out)
}

async fn compute_$L(id: u64) -> Result<u64, String> {
    if id == 0 {
        Err(format!("bad id {id}"))
    } else {
        Ok(id.wrapping_mul($N))
    }
}

"#,
];

#[allow(dead_code)]
fn main() {
    let mut args = std::env::args().skip(1);
    let mut out = None;
    let mut files = 1000usize;
    let mut seed = 42u64;
    let mut workspaces = None;
    let usage = "usage: gen_corpus OUT_DIR --files N [--seed S] [--workspaces K]";
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or_else(|| {
                    eprintln!("{name} needs a number\n{usage}");
                    std::process::exit(2)
                })
        };
        match arg.as_str() {
            "--files" => files = value("--files") as usize,
            "--seed" => seed = value("--seed"),
            "--workspaces" => workspaces = Some(value("--workspaces") as usize),
            "-h" | "--help" => {
                println!("{usage}");
                return;
            }
            _ if out.is_none() && !arg.starts_with('-') => out = Some(arg),
            _ => {
                eprintln!("unexpected argument `{arg}`\n{usage}");
                std::process::exit(2);
            }
        }
    }
    let Some(out) = out else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let written = match workspaces {
        Some(k) => generate_workspaces(Path::new(&out), k, files, seed),
        None => generate(Path::new(&out), files, seed),
    };
    match written {
        Ok(stats) => println!(
            "wrote {} .rs files ({} with events) in {} crates: {} lines, {:.1} MB",
            stats.rs_files,
            stats.event_files,
            stats.crates,
            stats.lines,
            stats.bytes as f64 / 1e6
        ),
        Err(error) => {
            eprintln!("gen_corpus: {error}");
            std::process::exit(1);
        }
    }
}
