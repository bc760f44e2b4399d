//! Tauri front ends (DESIGN.md "Tauri front ends"): with the `tauri` preset, the
//! TypeScript/JavaScript files under PATH (and the `<script>` blocks of `.vue` and `.svelte`
//! files) are parsed with oxc, and their `listen`/`once`/`emit`/`emitTo` calls from
//! `@tauri-apps/api/event` (or on a window or webview object) become sites that join the
//! Rust ones in one graph. Keys are resolved here, in the front end's own terms (string and
//! template literals, `const` strings and string `enum` members of the module or imported
//! from a relative module or through a tsconfig `paths` alias); what reaches `resolve` is a plain string key or nothing (a
//! `dynamic_event_key`). A listener's inline handler (arrow function or function
//! expression) becomes a `FnFact` body of its own, holding the emits written inside it, so
//! loops cross the border; named handlers and the calls a handler makes are not followed.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use globset::GlobSet;
use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, BindingPattern, CallExpression, Expression, ImportDeclaration,
    ImportDeclarationSpecifier, ModuleExportName, TSEnumDeclaration, TSEnumMemberName,
    VariableDeclaration, VariableDeclarator,
};
use oxc_ast_visit::{walk, Visit};
use oxc_parser::Parser;
use oxc_span::{GetSpan, SourceType};

use crate::discover::{normalize, relative};
use crate::extract::{Body, FileFacts, FnFact, HandlerRef, Holder, KeyExpr, RawSite};
use crate::model::{Location, ParseFailure, SiteKind};

/// File extensions of a front end.
pub const EXTENSIONS: &[&str] = &["ts", "tsx", "js", "jsx", "mjs", "cjs", "vue", "svelte"];

/// Directories a front end's build and dependencies live in: never source.
const SKIPPED_DIRS: &[&str] = &["node_modules", "dist", "build", "target"];

/// Front-end files larger than this are not parsed: real modules stay far below, and a
/// minified bundle that slipped past the ignore rules would cost time and memory for no
/// site of its own. Such a file is a `parse_error` finding that says so.
pub const MAX_BYTES: usize = 1024 * 1024;

/// The module Tauri's event functions come from.
const EVENT_MODULE: &str = "@tauri-apps/api/event";

/// What a file must mention to hold a site (the byte prefilter).
const PREFILTER: &str = "@tauri-apps/api";

/// The front-end files under `root`, sorted: `(path, relative path)`.
pub fn discover(root: &Path, exclude: &GlobSet) -> Vec<(PathBuf, String)> {
    discover_with_configs(root, exclude).0
}

/// Whether a file name is a TypeScript or JavaScript project config (import aliases).
fn is_ts_config(name: &str) -> bool {
    name == "jsconfig.json" || (name.starts_with("tsconfig") && name.ends_with(".json"))
}

/// [`discover`], and the `tsconfig*.json`/`jsconfig.json` files beside them.
type Found = (Vec<(PathBuf, String)>, Vec<(PathBuf, String)>);

fn discover_with_configs(root: &Path, exclude: &GlobSet) -> Found {
    if !root.is_dir() {
        return Found::default();
    }
    let walker = crate::discover::walker(root)
        .filter_entry(|entry| {
            !(entry.depth() > 0
                && entry.file_type().is_some_and(|t| t.is_dir())
                && entry
                    .file_name()
                    .to_str()
                    .is_some_and(|name| SKIPPED_DIRS.contains(&name)))
        })
        .build();
    let (mut files, mut configs): Found = Default::default();
    for entry in walker
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|t| t.is_file()))
    {
        let source = entry
            .path()
            .extension()
            .and_then(|ext| ext.to_str())
            .is_some_and(|ext| EXTENSIONS.contains(&ext));
        let config = entry.file_name().to_str().is_some_and(is_ts_config);
        if !(source || config) {
            continue;
        }
        let rel = relative(root, entry.path());
        if exclude.is_match(&rel) {
            continue;
        }
        let found = (entry.into_path(), rel);
        if source {
            files.push(found);
        } else {
            configs.push(found);
        }
    }
    files.sort();
    configs.sort();
    (files, configs)
}

/// A key as written, before names are looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
enum KeyRef {
    Str(String),
    /// `EVENT` (a const of the module or an import).
    Ident(String),
    /// `Events.Saved` (a string enum member).
    Member(String, String),
    Unknown,
}

#[derive(Debug, Clone)]
struct RawFrontSite {
    kind: SiteKind,
    key: KeyRef,
    key_text: String,
    offset: u32,
    handler: Option<String>,
    /// For a subscription whose handler is an inline function: its index in
    /// `Module::handlers`; for a publish: the innermost such handler around it.
    body: Option<usize>,
}

/// What one module declares and does.
#[derive(Debug, Default)]
struct Module {
    consts: HashMap<String, String>,
    enums: HashMap<String, HashMap<String, String>>,
    /// Local name → (module specifier, imported name; `*` for a namespace).
    imports: HashMap<String, (String, String)>,
    sites: Vec<RawFrontSite>,
    /// Inline handler functions of listeners (arrow functions, function expressions).
    handlers: usize,
    /// The text oxc read (`.vue`/`.svelte` masked), for lines and columns.
    text: String,
    failure: Option<(u32, String)>,
}

/// The text oxc reads: a script file as it is; for `.vue`/`.svelte`, every byte outside the
/// `<script>` blocks blanked (newlines kept), so offsets, lines and columns are the file's.
fn script_text(rel: &str, text: &str) -> String {
    if !(rel.ends_with(".vue") || rel.ends_with(".svelte")) {
        return text.to_owned();
    }
    let mut out: Vec<u8> = text
        .bytes()
        .map(|b| if b == b'\n' { b'\n' } else { b' ' })
        .collect();
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(open) = find(bytes, b"<script", at) {
        let Some(body) = find(bytes, b">", open).map(|end| end + 1) else {
            break;
        };
        let close = find(bytes, b"</script", body).unwrap_or(bytes.len());
        out[body..close].copy_from_slice(&bytes[body..close]);
        at = close;
    }
    // Only ASCII blanks replaced whole UTF-8 sequences outside the blocks.
    String::from_utf8(out).unwrap_or_default()
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|at| from + at)
}

fn source_type(rel: &str) -> SourceType {
    if rel.ends_with(".vue") || rel.ends_with(".svelte") {
        return SourceType::ts();
    }
    SourceType::from_path(rel).unwrap_or_else(|_| SourceType::ts())
}

fn parse_module(rel: &str, text: &str) -> Module {
    let text = script_text(rel, text);
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, &text, source_type(rel)).parse();
    let mut visitor = Collector {
        module: Module::default(),
        windows: Vec::new(),
        text: &text,
        inside: Vec::new(),
    };
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        let (offset, message) = parsed
            .diagnostics
            .first()
            .map(|error| {
                let offset = error
                    .labels
                    .as_ref()
                    .first()
                    .map_or(0, |label| label.offset());
                (offset, error.message.to_string())
            })
            .unwrap_or((0, "could not parse".to_owned()));
        visitor.module.failure = Some((offset, format!("could not parse: {message}")));
    }
    if !parsed.panicked {
        visitor.visit_program(&parsed.program);
    }
    let mut module = visitor.module;
    module.text = text;
    module
}

struct Collector<'t> {
    module: Module,
    /// Local names bound to a window or webview object.
    windows: Vec<String>,
    text: &'t str,
    /// The inline handlers whose bodies enclose the current node, innermost last.
    inside: Vec<usize>,
}

impl Collector<'_> {
    fn imported(&self, local: &str) -> Option<(&str, &str)> {
        self.module
            .imports
            .get(local)
            .map(|(source, name)| (source.as_str(), name.as_str()))
    }

    /// `getCurrentWindow()`, `getCurrentWebviewWindow()`, `getCurrent()`,
    /// `WebviewWindow.getByLabel(..)` (awaited or not), v1's `appWindow`, or a local bound
    /// to one of them.
    fn is_window(&self, expr: &Expression<'_>) -> bool {
        match expr.get_inner_expression() {
            Expression::AwaitExpression(await_) => self.is_window(&await_.argument),
            Expression::Identifier(ident) => {
                let name = ident.name.as_str();
                self.windows.iter().any(|w| w == name)
                    || self.imported(name).is_some_and(|(source, imported)| {
                        is_window_module(source) && imported == "appWindow"
                    })
            }
            Expression::CallExpression(call) => match call.callee.get_inner_expression() {
                Expression::Identifier(ident) => {
                    self.imported(ident.name.as_str())
                        .is_some_and(|(source, imported)| {
                            is_window_module(source)
                                && matches!(
                                    imported,
                                    "getCurrentWindow"
                                        | "getCurrentWebviewWindow"
                                        | "getCurrent"
                                        | "getCurrentWebview"
                                )
                        })
                }
                Expression::StaticMemberExpression(member) => {
                    member.property.name.as_str() == "getByLabel"
                        && matches!(member.object.get_inner_expression(), Expression::Identifier(o)
                            if self.imported(o.name.as_str()).is_some_and(|(source, _)| is_window_module(source)))
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// Which event function a call calls, if any.
    fn event_call(&self, call: &CallExpression<'_>) -> Option<&'static str> {
        let name = match call.callee.get_inner_expression() {
            Expression::Identifier(ident) => {
                let (source, imported) = self.imported(ident.name.as_str())?;
                (source == EVENT_MODULE).then_some(imported)?
            }
            Expression::StaticMemberExpression(member) => {
                let method = member.property.name.as_str();
                let namespace = matches!(member.object.get_inner_expression(), Expression::Identifier(o)
                    if self.imported(o.name.as_str()) == Some((EVENT_MODULE, "*")));
                if !(namespace || self.is_window(&member.object)) {
                    return None;
                }
                method
            }
            _ => return None,
        };
        ["listen", "once", "emit", "emitTo"]
            .into_iter()
            .find(|known| *known == name)
    }

    fn key_of(&self, expr: &Expression<'_>) -> KeyRef {
        match expr.get_inner_expression() {
            Expression::StringLiteral(lit) => KeyRef::Str(lit.value.to_string()),
            Expression::TemplateLiteral(tpl) if tpl.expressions.is_empty() => tpl
                .quasis
                .first()
                .and_then(|q| q.value.cooked.as_ref())
                .map_or(KeyRef::Unknown, |cooked| KeyRef::Str(cooked.to_string())),
            Expression::Identifier(ident) => KeyRef::Ident(ident.name.to_string()),
            Expression::StaticMemberExpression(member) => {
                match member.object.get_inner_expression() {
                    Expression::Identifier(object) => {
                        KeyRef::Member(object.name.to_string(), member.property.name.to_string())
                    }
                    _ => KeyRef::Unknown,
                }
            }
            _ => KeyRef::Unknown,
        }
    }
}

impl Collector<'_> {
    /// `const EVENT = "x"` (a key), `const win = getCurrentWindow()` (a window object).
    fn declare(&mut self, it: &VariableDeclarator<'_>, is_const: bool) {
        if let (BindingPattern::BindingIdentifier(id), Some(init)) = (&it.id, &it.init) {
            let name = id.name.to_string();
            if let (KeyRef::Str(value), true) = (self.key_of(init), is_const) {
                self.module.consts.insert(name.clone(), value);
            }
            if self.is_window(init) {
                self.windows.push(name);
            }
        }
    }
}

fn is_window_module(source: &str) -> bool {
    [
        "@tauri-apps/api/window",
        "@tauri-apps/api/webviewWindow",
        "@tauri-apps/api/webview",
    ]
    .contains(&source)
}

impl<'a> Visit<'a> for Collector<'_> {
    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        let source = it.source.value.to_string();
        for specifier in it.specifiers.iter().flatten() {
            let (local, imported) = match specifier {
                ImportDeclarationSpecifier::ImportSpecifier(s) => {
                    let imported = match &s.imported {
                        ModuleExportName::IdentifierName(name) => name.name.to_string(),
                        ModuleExportName::IdentifierReference(name) => name.name.to_string(),
                        ModuleExportName::StringLiteral(lit) => lit.value.to_string(),
                    };
                    (s.local.name.to_string(), imported)
                }
                ImportDeclarationSpecifier::ImportDefaultSpecifier(s) => {
                    (s.local.name.to_string(), "default".to_owned())
                }
                ImportDeclarationSpecifier::ImportNamespaceSpecifier(s) => {
                    (s.local.name.to_string(), "*".to_owned())
                }
            };
            self.module
                .imports
                .insert(local, (source.clone(), imported));
        }
    }

    fn visit_variable_declaration(&mut self, it: &VariableDeclaration<'a>) {
        for declarator in &it.declarations {
            self.declare(declarator, it.kind.is_const());
        }
        walk::walk_variable_declaration(self, it);
    }

    fn visit_ts_enum_declaration(&mut self, it: &TSEnumDeclaration<'a>) {
        let mut members = HashMap::new();
        for member in &it.body.members {
            let name = match &member.id {
                TSEnumMemberName::Identifier(name) => name.name.to_string(),
                TSEnumMemberName::String(lit) | TSEnumMemberName::ComputedString(lit) => {
                    lit.value.to_string()
                }
                TSEnumMemberName::ComputedTemplateString(_) => continue,
            };
            if let Some(KeyRef::Str(value)) = member.initializer.as_ref().map(|e| self.key_of(e)) {
                members.insert(name, value);
            }
        }
        self.module.enums.insert(it.id.name.to_string(), members);
        walk::walk_ts_enum_declaration(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        if let Some(function) = self.event_call(it) {
            let (kind, key_at) = match function {
                "listen" | "once" => (SiteKind::Subscribe, 0),
                "emitTo" => (SiteKind::Publish, 1),
                _ => (SiteKind::Publish, 0),
            };
            let arg = it.arguments.get(key_at).and_then(Argument::as_expression);
            if let Some(arg) = arg {
                let span = arg.span();
                let key_text = self
                    .text
                    .get(span.start as usize..span.end as usize)
                    .unwrap_or_default()
                    .to_owned();
                let handler = (kind == SiteKind::Subscribe).then(|| {
                    match it.arguments.get(1).and_then(Argument::as_expression) {
                        Some(Expression::Identifier(ident)) => ident.name.to_string(),
                        _ => "{closure}".to_owned(),
                    }
                });
                let offset = match it.callee.get_inner_expression() {
                    Expression::StaticMemberExpression(member) => member.property.span.start,
                    callee => callee.span().start,
                };
                // An inline handler is a body of its own: what it emits is the
                // listener's (for loops across the border).
                let inline = kind == SiteKind::Subscribe
                    && matches!(
                        it.arguments.get(1).and_then(Argument::as_expression),
                        Some(
                            Expression::ArrowFunctionExpression(_)
                                | Expression::FunctionExpression(_)
                        )
                    );
                let body = if inline {
                    self.module.handlers += 1;
                    Some(self.module.handlers - 1)
                } else if kind == SiteKind::Publish {
                    self.inside.last().copied()
                } else {
                    None
                };
                self.module.sites.push(RawFrontSite {
                    kind,
                    key: self.key_of(arg),
                    key_text,
                    offset,
                    handler,
                    body,
                });
                if let (true, Some(body)) = (inline, body) {
                    self.inside.push(body);
                    walk::walk_call_expression(self, it);
                    self.inside.pop();
                    return;
                }
            }
        }
        walk::walk_call_expression(self, it);
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: u32) -> (u32, u32) {
    let offset = (offset as usize).min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.bytes().filter(|&b| b == b'\n').count() as u32 + 1;
    let start = before.rfind('\n').map_or(0, |at| at + 1);
    let column = before[start..].chars().count() as u32 + 1;
    (line, column)
}

/// Import aliases from the `compilerOptions.paths` of the `tsconfig*.json` and
/// `jsconfig.json` files of the front end (`"@/*": ["./src/*"]`), each applying to the
/// files under its directory: a pattern's prefix (before `*`) and the targets' prefixes,
/// relative to the analyzed root (through `baseUrl`).
#[derive(Debug, Default)]
pub struct Aliases {
    /// (directory of the config, pattern prefix, exact pattern?, target prefixes)
    entries: Vec<(String, String, bool, Vec<String>)>,
}

impl Aliases {
    /// Reads the configs among `configs` (`(path, relative path)`).
    fn read(configs: &[(PathBuf, String)]) -> Aliases {
        let mut entries = Vec::new();
        for (path, rel) in configs {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let Ok(value) = serde_json::from_str::<serde_json::Value>(&strip_jsonc(&text)) else {
                continue;
            };
            let Some(options) = value.get("compilerOptions") else {
                continue;
            };
            let dir = rel.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned();
            let base = options
                .get("baseUrl")
                .and_then(|b| b.as_str())
                .unwrap_or(".");
            let Some(paths) = options.get("paths").and_then(|p| p.as_object()) else {
                continue;
            };
            for (pattern, targets) in paths {
                let exact = !pattern.contains('*');
                let prefix = pattern.trim_end_matches('*').to_owned();
                let targets: Vec<String> = targets
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t.as_str())
                    .filter_map(|t| {
                        let target = t.trim_end_matches('*');
                        let mut path = normalize(&format!("{dir}/{base}/{target}"))?;
                        if target.ends_with('/') && !path.is_empty() {
                            path.push('/');
                        }
                        Some(path)
                    })
                    .collect();
                entries.push((dir.clone(), prefix, exact, targets));
            }
        }
        // Longest pattern first, as TypeScript matches.
        entries.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.cmp(b)));
        Aliases { entries }
    }

    /// The root-relative paths an aliased specifier may name, for a file at `from`.
    fn expand(&self, from: &str, specifier: &str) -> Vec<String> {
        for (dir, prefix, exact, targets) in &self.entries {
            let applies = dir.is_empty() || from.starts_with(&format!("{dir}/"));
            let matched = if *exact {
                specifier == prefix
            } else {
                specifier.starts_with(prefix.as_str())
            };
            if applies && matched {
                let rest = &specifier[prefix.len()..];
                return targets.iter().map(|t| format!("{t}{rest}")).collect();
            }
        }
        Vec::new()
    }
}

/// JSON with comments and trailing commas (tsconfig's dialect) made JSON.
fn strip_jsonc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            c => out.push(c),
        }
    }
    // Then trailing commas: a comma outside strings whose next non-blank character closes.
    let mut json = String::with_capacity(out.len());
    let mut in_string = false;
    let mut escaped = false;
    for (at, c) in out.char_indices() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if c == '"' {
            in_string = true;
        } else if c == ',' && matches!(out[at + 1..].trim_start().chars().next(), Some('}' | ']')) {
            continue;
        }
        json.push(c);
    }
    json
}

/// The module a relative or aliased specifier names, among the front-end files found.
fn resolve_import(
    from: &str,
    specifier: &str,
    known: &BTreeMap<String, usize>,
    aliases: &Aliases,
) -> Option<usize> {
    if !(specifier.starts_with("./") || specifier.starts_with("../")) {
        return aliases
            .expand(from, specifier)
            .iter()
            .find_map(|base| module_file(base, known));
    }
    let dir = from.rsplit_once('/').map_or("", |(dir, _)| dir);
    module_file(&normalize(&format!("{dir}/{specifier}"))?, known)
}

/// The file a module path names: itself, with an extension, or its directory's index.
fn module_file(base: &str, known: &BTreeMap<String, usize>) -> Option<usize> {
    let base = base.to_owned();
    let mut candidates = vec![base.clone()];
    for ext in EXTENSIONS {
        candidates.push(format!("{base}.{ext}"));
    }
    for ext in ["ts", "js", "tsx", "jsx"] {
        candidates.push(format!("{base}/index.{ext}"));
    }
    // `./events.js` written for `events.ts` (TypeScript's ESM imports).
    if let Some(stem) = base.strip_suffix(".js") {
        candidates.push(format!("{stem}.ts"));
        candidates.push(format!("{stem}.tsx"));
    }
    candidates.iter().find_map(|c| known.get(c).copied())
}

/// Parses the front end's files and returns their facts: files that may hold a site (the
/// prefilter), and the relative modules their keys are imported from. The others are
/// `skipped`.
pub fn analyze(root: &Path, exclude: &GlobSet) -> Vec<FileFacts> {
    use rayon::prelude::*;
    let (files, configs) = discover_with_configs(root, exclude);
    let aliases = Aliases::read(&configs);
    let texts: Vec<Option<String>> = files
        .par_iter()
        .map(|(path, _)| std::fs::read_to_string(path).ok())
        .collect();
    let rels: Vec<String> = files.into_iter().map(|(_, rel)| rel).collect();
    facts_of(&rels, &texts, &aliases, true)
}

/// Whether a relative path names a front-end file.
pub fn is_front_end(rel: &str) -> bool {
    rel.rsplit_once('.')
        .is_some_and(|(_, ext)| EXTENSIONS.contains(&ext))
}

/// [`analyze`] on in-memory files (`(relative path, text)`), without import aliases and
/// without the prefilter (every file is parsed, as `crate::analyze_sources` parses every
/// Rust file): the entry point for fuzzing and embedding.
pub fn analyze_texts(sources: &[(String, String)]) -> Vec<FileFacts> {
    let rels: Vec<String> = sources.iter().map(|(rel, _)| rel.clone()).collect();
    let texts: Vec<Option<String>> = sources.iter().map(|(_, text)| Some(text.clone())).collect();
    facts_of(&rels, &texts, &Aliases::default(), false)
}

/// The facts of the front-end files `rels` with their texts (`None`: unreadable).
fn facts_of(
    rels: &[String],
    texts: &[Option<String>],
    aliases: &Aliases,
    prefilter: bool,
) -> Vec<FileFacts> {
    use rayon::prelude::*;
    let known: BTreeMap<String, usize> = rels
        .iter()
        .enumerate()
        .map(|(i, rel)| (rel.clone(), i))
        .collect();
    let mut modules: Vec<Option<Module>> = rels
        .par_iter()
        .zip(texts)
        .map(|(rel, text)| {
            let text = text.as_deref()?;
            ((!prefilter || text.contains(PREFILTER)) && text.len() <= MAX_BYTES)
                .then(|| parse_module(rel, text))
        })
        .collect();
    // The relative modules that keys are imported from, parsed on demand.
    let mut wanted: Vec<usize> = Vec::new();
    for (index, module) in modules.iter().enumerate() {
        let Some(module) = module else { continue };
        for site in &module.sites {
            let name = match &site.key {
                KeyRef::Ident(name) | KeyRef::Member(name, _) => name,
                _ => continue,
            };
            if module.consts.contains_key(name) || module.enums.contains_key(name) {
                continue;
            }
            if let Some((source, _)) = module.imports.get(name) {
                wanted.extend(resolve_import(&rels[index], source, &known, aliases));
            }
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    for index in wanted {
        if modules[index].is_none() {
            if let Some(text) = texts[index].as_deref().filter(|t| t.len() <= MAX_BYTES) {
                modules[index] = Some(parse_module(&rels[index], text));
            }
        }
    }

    let lookup = |index: usize, key: &KeyRef| -> Option<String> {
        let module = modules[index].as_ref()?;
        let local = |module: &Module, key: &KeyRef| match key {
            KeyRef::Str(s) => Some(s.clone()),
            KeyRef::Ident(name) => module.consts.get(name).cloned(),
            KeyRef::Member(object, member) => module
                .enums
                .get(object)
                .and_then(|e| e.get(member))
                .cloned(),
            KeyRef::Unknown => None,
        };
        if let Some(found) = local(module, key) {
            return Some(found);
        }
        let (name, member) = match key {
            KeyRef::Ident(name) => (name, None),
            KeyRef::Member(object, member) => (object, Some(member)),
            _ => return None,
        };
        let (source, imported) = module.imports.get(name)?;
        let target = resolve_import(&rels[index], source, &known, aliases)?;
        let other = modules[target].as_ref()?;
        match member {
            None => other.consts.get(imported).cloned(),
            Some(member) => other.enums.get(imported)?.get(member).cloned(),
        }
    };

    rels.iter()
        .enumerate()
        .map(|(index, rel)| {
            let mut facts = FileFacts {
                file: rel.clone(),
                crate_name: crate::discover::NO_CRATE.to_owned(),
                ..FileFacts::default()
            };
            let text = texts[index].as_deref();
            match (&modules[index], text) {
                (_, None) => {
                    facts.failure = Some(ParseFailure {
                        location: Location {
                            file: rel.clone(),
                            line: 1,
                            column: 1,
                        },
                        message: "could not read the file as UTF-8 text".to_owned(),
                    });
                }
                (None, Some(text))
                    if (!prefilter || text.contains(PREFILTER)) && text.len() > MAX_BYTES =>
                {
                    facts.failure = Some(ParseFailure {
                        location: Location {
                            file: rel.clone(),
                            line: 1,
                            column: 1,
                        },
                        message: format!(
                            "front-end file too large to parse: {:.1} MiB (the limit is {} MiB); a bundle? exclude it",
                            text.len() as f64 / (1024.0 * 1024.0),
                            MAX_BYTES / (1024 * 1024)
                        ),
                    });
                }
                (None, Some(_)) => facts.skipped = true,
                (Some(module), Some(_)) => {
                    if let Some((offset, message)) = &module.failure {
                        let (line, column) = line_column(&module.text, *offset);
                        facts.failure = Some(ParseFailure {
                            location: Location {
                                file: rel.clone(),
                                line,
                                column,
                            },
                            message: message.clone(),
                        });
                        return facts;
                    }
                    facts.functions = (0..module.handlers)
                        .map(|_| FnFact {
                            name: "{closure}".to_owned(),
                            owner: None,
                            module: vec![crate::discover::NO_CRATE.to_owned(), rel.clone()],
                            params: Vec::new(),
                            param_types: Vec::new(),
                            returns: None,
                        })
                        .collect();
                    for site in &module.sites {
                        let (line, column) = line_column(&module.text, site.offset);
                        let key = lookup(index, &site.key).map_or(KeyExpr::Unknown, KeyExpr::Str);
                        facts.sites.push(RawSite {
                            location: Location {
                                file: rel.clone(),
                                line,
                                column,
                            },
                            kind: site.kind,
                            key,
                            key_text: site.key_text.clone(),
                            holder: Holder::Type(rel.clone()),
                            function: None,
                            body: match site.kind {
                                SiteKind::Publish => site.body.map(Body::Fn),
                                SiteKind::Subscribe => None,
                            },
                            handler: site.handler.clone(),
                            handler_ref: site.handler.as_ref().map(|_| match site.body {
                                Some(body) => HandlerRef::Fn(body),
                                None => HandlerRef::Opaque,
                            }),
                            payload: None,
                            name_only: false,
                            method_key: None,
                        });
                    }
                }
            }
            facts
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vue_script_blocks_keep_their_places() {
        let text = "<template>\n  <div/>\n</template>\n<script setup lang=\"ts\">\nconst a = 1;\n</script>\n";
        let masked = script_text("App.vue", text);
        assert_eq!(masked.len(), text.len());
        assert!(masked.contains("const a = 1;"));
        assert!(!masked.contains("template"));
        assert_eq!(masked.lines().count(), text.lines().count());
    }

    #[test]
    fn relative_imports() {
        let known: BTreeMap<String, usize> = [
            ("src/events.ts".to_owned(), 3),
            ("src/lib/index.ts".to_owned(), 4),
        ]
        .into_iter()
        .collect();
        let none = Aliases::default();
        assert_eq!(
            resolve_import("src/App.vue", "./events", &known, &none),
            Some(3)
        );
        assert_eq!(
            resolve_import("src/a/b.ts", "../events.js", &known, &none),
            Some(3)
        );
        assert_eq!(
            resolve_import("src/App.vue", "./lib", &known, &none),
            Some(4)
        );
        assert_eq!(
            resolve_import("src/App.vue", "@/events", &known, &none),
            None
        );
        let aliases = Aliases {
            entries: vec![(
                "".to_owned(),
                "@/".to_owned(),
                false,
                vec!["src/".to_owned()],
            )],
        };
        assert_eq!(
            resolve_import("src/a/b.tsx", "@/events", &known, &aliases),
            Some(3)
        );
    }

    #[test]
    fn tsconfig_is_jsonc() {
        let text = "{\n  // comment\n  \"compilerOptions\": { /* x */ \"paths\": { \"@/*\": [\"./src/*\"], }, },\n}";
        let value: serde_json::Value = serde_json::from_str(&strip_jsonc(text)).unwrap();
        assert_eq!(value["compilerOptions"]["paths"]["@/*"][0], "./src/*");
    }

    #[test]
    fn line_and_column() {
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("é\nx", 3), (2, 1));
    }
}
