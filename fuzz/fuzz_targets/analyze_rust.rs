//! Structure-aware: an arbitrary small crate of modules, consts, impls and functions that
//! publish and subscribe through every key form choreo resolves, rendered to Rust text,
//! then a few bytes mutated so that near-valid code reaches the parser's error paths too.
#![no_main]

use std::fmt::Write as _;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

const IDENTS: &[&str] = &["a", "bus", "on_edge", "Edge", "TOPIC", "self_", "x", "Event", "Detector", "events"];
const KEYS: &[&str] = &[
    "graph.edge_added", "graph.edge", "user.*.created", "a/+/b", "a/#", "x.>", "", "ключ", "a.b", "a_b", "*",
];
const VERBS: &[&str] = &[
    "publish", "subscribe", "emit", "on", "listen", "dispatch", "post", "publish_event", "subscribe_event",
    "add_listener", "register_handler", "send", "write", "trigger", "observe", "add_observer", "emit_to",
    "psubscribe", "once",
];
const RECEIVERS: &[&str] = &["self.bus", "bus", "self.event_bus", "events", "client", "commands", "writer", "app", "business"];

#[derive(Arbitrary, Debug)]
struct Input {
    config: u8,
    files: Vec<File>,
    mutations: Vec<(u16, u8)>,
}

#[derive(Arbitrary, Debug)]
struct File {
    path: u8,
    items: Vec<Item>,
}

#[derive(Arbitrary, Debug)]
enum Item {
    Const { name: u8, value: Key, associated: bool },
    Mod { name: u8, items: Vec<Item> },
    Use { path: Vec<u8>, glob: bool },
    Alias { name: u8, target: u8 },
    Struct { name: u8, fields: Vec<(u8, u8)> },
    Impl { ty: u8, generic: bool, methods: Vec<Func> },
    Fn(Func),
    MacroRules(u8),
    Suppress(u8),
}

#[derive(Arbitrary, Debug)]
struct Func {
    name: u8,
    params: Vec<(u8, u8)>,
    body: Vec<Stmt>,
}

#[derive(Arbitrary, Debug)]
enum Stmt {
    Call { receiver: u8, verb: u8, turbofish: Option<u8>, args: Vec<Arg> },
    PathCall { path: Vec<u8>, verb: u8, args: Vec<Arg> },
    Macro { path: Vec<u8>, verb: u8, args: Vec<Arg> },
    Let { name: u8, value: Key },
    CallFn { path: Vec<u8>, args: Vec<Key> },
    Spawn(Vec<Stmt>),
    Loop(Vec<Stmt>),
    Stream { verb: u8, key: Key, body: Vec<Stmt> },
}

#[derive(Arbitrary, Debug)]
enum Arg {
    Key(Key),
    Closure { typed: Option<u8>, body: Vec<Stmt> },
    Handler(Vec<u8>),
    Json(Vec<(u8, u8)>),
}

#[derive(Arbitrary, Debug)]
enum Key {
    Lit(u8),
    Path(Vec<u8>),
    SelfConst(u8),
    Local(u8),
    Format(u8),
    Into(Box<Key>),
    Ref(Box<Key>),
    New { ty: u8, key: Box<Key> },
    Wrapper { ty: u8, field: u8, key: Box<Key> },
    Struct(u8),
    Variant(u8, u8),
    Env,
}

fn ident(i: u8) -> &'static str {
    IDENTS[i as usize % IDENTS.len()]
}

fn path(segments: &[u8]) -> String {
    let mut out: Vec<&str> = segments.iter().take(4).map(|&s| ident(s)).collect();
    if out.is_empty() {
        out.push("crate");
    }
    out.join("::")
}

struct Writer {
    text: String,
    depth: usize,
}

impl Writer {
    fn key(&mut self, key: &Key) {
        if self.depth > 24 {
            self.text.push_str("\"deep\"");
            return;
        }
        self.depth += 1;
        let t = &mut self.text;
        match key {
            Key::Lit(k) => {
                let _ = write!(t, "{:?}", KEYS[*k as usize % KEYS.len()]);
            }
            Key::Path(p) => t.push_str(&path(p)),
            Key::SelfConst(n) => {
                let _ = write!(t, "Self::{}", ident(*n));
            }
            Key::Local(n) => t.push_str(ident(*n)),
            Key::Format(k) => {
                let key = KEYS[*k as usize % KEYS.len()].replace('*', "{}");
                let _ = write!(t, "format!({key:?}, id)");
            }
            Key::Into(k) => {
                self.key(k);
                self.text.push_str(".into()");
            }
            Key::Ref(k) => {
                self.text.push('&');
                self.key(k);
            }
            Key::New { ty, key } => {
                let _ = write!(t, "{}::new(", ident(*ty));
                self.key(key);
                self.text.push_str(", json!({ \"id\": 1 }))");
            }
            Key::Wrapper { ty, field, key } => {
                let fields = ["event_type", "event_name", "topic", "kind", "event", "payload"];
                let _ = write!(t, "{} {{ {}: ", ident(*ty), fields[*field as usize % fields.len()]);
                self.key(key);
                self.text.push_str(", ..Default::default() }");
            }
            Key::Struct(n) => {
                let _ = write!(t, "{} {{ id: 1 }}", ident(*n));
            }
            Key::Variant(a, b) => {
                let _ = write!(t, "{}::{}(1)", ident(*a), ident(*b));
            }
            Key::Env => t.push_str("std::env::var(\"K\").unwrap()"),
        }
        self.depth -= 1;
    }

    fn args(&mut self, args: &[Arg]) {
        for (i, arg) in args.iter().take(4).enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            match arg {
                Arg::Key(k) => self.key(k),
                Arg::Closure { typed, body } => {
                    match typed {
                        Some(t) => {
                            let _ = write!(self.text, "move |e: &{}| {{\n", ident(*t));
                        }
                        None => self.text.push_str("move |e| {\n"),
                    }
                    self.stmts(body);
                    self.text.push('}');
                }
                Arg::Handler(p) => {
                    let p = path(p);
                    self.text.push_str(&p);
                }
                Arg::Json(fields) => {
                    self.text.push_str("json!({");
                    for (k, v) in fields.iter().take(4) {
                        let _ = write!(self.text, "{:?}: {}, ", ident(*k), ident(*v));
                    }
                    self.text.push_str("})");
                }
            }
        }
    }

    fn stmts(&mut self, stmts: &[Stmt]) {
        if self.depth > 24 {
            return;
        }
        self.depth += 1;
        for stmt in stmts.iter().take(8) {
            match stmt {
                Stmt::Call { receiver, verb, turbofish, args } => {
                    let _ = write!(
                        self.text,
                        "{}.{}",
                        RECEIVERS[*receiver as usize % RECEIVERS.len()],
                        VERBS[*verb as usize % VERBS.len()]
                    );
                    if let Some(t) = turbofish {
                        let _ = write!(self.text, "::<{}>", ident(*t));
                    }
                    self.text.push('(');
                    self.args(args);
                    self.text.push_str(");\n");
                }
                Stmt::PathCall { path: p, verb, args } | Stmt::Macro { path: p, verb, args } => {
                    let bang = if matches!(stmt, Stmt::Macro { .. }) { "!" } else { "" };
                    let _ = write!(self.text, "{}::{}{bang}(", path(p), VERBS[*verb as usize % VERBS.len()]);
                    self.args(args);
                    self.text.push_str(");\n");
                }
                Stmt::Let { name, value } => {
                    let _ = write!(self.text, "let {} = ", ident(*name));
                    self.key(value);
                    self.text.push_str(";\n");
                }
                Stmt::CallFn { path: p, args } => {
                    let _ = write!(self.text, "{}(", path(p));
                    for (i, k) in args.iter().take(3).enumerate() {
                        if i > 0 {
                            self.text.push_str(", ");
                        }
                        self.key(k);
                    }
                    self.text.push_str(");\n");
                }
                Stmt::Spawn(body) => {
                    self.text.push_str("tokio::spawn(async move {\n");
                    self.stmts(body);
                    self.text.push_str("});\n");
                }
                Stmt::Loop(body) => {
                    self.text.push_str("while let Some(m) = sub.next().await {\n");
                    self.stmts(body);
                    self.text.push_str("}\n");
                }
                Stmt::Stream { verb, key, body } => {
                    let _ = write!(self.text, "let mut sub = client.{}(", VERBS[*verb as usize % VERBS.len()]);
                    self.key(key);
                    self.text.push_str(").await?;\nwhile let Some(m) = sub.next().await {\n");
                    self.stmts(body);
                    self.text.push_str("}\n");
                }
            }
        }
        self.depth -= 1;
    }

    fn func(&mut self, f: &Func, method: bool) {
        let _ = write!(self.text, "pub fn {}(", ident(f.name));
        if method {
            self.text.push_str("&self, ");
        }
        for (name, ty) in f.params.iter().take(4) {
            let _ = write!(self.text, "{}: &{}, ", ident(*name), ident(*ty));
        }
        self.text.push_str(") {\n");
        self.stmts(&f.body);
        self.text.push_str("}\n");
    }

    fn items(&mut self, items: &[Item]) {
        if self.depth > 8 {
            return;
        }
        self.depth += 1;
        for item in items.iter().take(12) {
            match item {
                Item::Const { name, value, associated } => {
                    if *associated {
                        self.text.push_str("impl Detector {\n");
                    }
                    let _ = write!(self.text, "pub const {}: &str = ", ident(*name).to_uppercase());
                    self.key(value);
                    self.text.push_str(";\n");
                    if *associated {
                        self.text.push_str("}\n");
                    }
                }
                Item::Mod { name, items } => {
                    let _ = write!(self.text, "pub mod {} {{\nuse super::*;\n", ident(*name).to_lowercase());
                    self.items(items);
                    self.text.push_str("}\n");
                }
                Item::Use { path: p, glob } => {
                    let _ = writeln!(self.text, "use {}{};", path(p), if *glob { "::*" } else { "" });
                }
                Item::Alias { name, target } => {
                    let _ = writeln!(self.text, "type {} = {};", ident(*name), ident(*target));
                }
                Item::Struct { name, fields } => {
                    let _ = write!(self.text, "pub struct {} {{\n", ident(*name));
                    for (f, t) in fields.iter().take(4) {
                        let _ = writeln!(self.text, "{}: Arc<{}>,", ident(*f), ident(*t));
                    }
                    self.text.push_str("}\n");
                }
                Item::Impl { ty, generic, methods } => {
                    if *generic {
                        let _ = write!(self.text, "impl<T> {}<T> {{\n", ident(*ty));
                    } else {
                        let _ = write!(self.text, "impl {} {{\n", ident(*ty));
                    }
                    for m in methods.iter().take(6) {
                        self.func(m, true);
                    }
                    self.text.push_str("}\n");
                }
                Item::Fn(f) => self.func(f, false),
                Item::MacroRules(n) => {
                    let _ = write!(
                        self.text,
                        "macro_rules! {} {{ ($e:expr) => {{ bus.publish($e, 1) }}; }}\n",
                        ident(*n).to_lowercase()
                    );
                }
                Item::Suppress(n) => {
                    let lints = ["orphaned_event", "feedback_loop", "unused_subscription", "bogus"];
                    let _ = writeln!(self.text, "// choreo: allow({}) -- fuzz", lints[*n as usize % lints.len()]);
                }
            }
        }
        self.depth -= 1;
    }
}

fuzz_target!(|input: Input| {
    let paths = ["src/lib.rs", "src/events.rs", "src/a/mod.rs", "src/a/b.rs", "src/main.rs"];
    let mut sources = Vec::new();
    for file in input.files.iter().take(4) {
        let mut writer = Writer { text: String::new(), depth: 0 };
        writer.items(&file.items);
        let mut bytes = writer.text.into_bytes();
        if !bytes.is_empty() {
            for &(at, byte) in input.mutations.iter().take(4) {
                let at = at as usize % bytes.len();
                bytes[at] = byte;
            }
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        sources.push((paths[file.path as usize % paths.len()].to_owned(), text));
    }
    choreo_fuzz::check(&sources, &choreo_fuzz::config(input.config));
});
