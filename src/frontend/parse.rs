//! One front-end module parsed: the `<script>` blocks of `.vue`/`.svelte` files cut out in
//! place, the text parsed with oxc, and what the module declares (consts, string enums,
//! imports) and does (event sites, inline handlers) collected in a [`Module`], with keys as
//! written ([`KeyRef`]): names are looked up later, across modules, by the caller.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, ArrowFunctionExpression, BindingPattern, CallExpression, ChainElement,
    ExportDefaultDeclaration, ExportDefaultDeclarationKind, Expression, FormalParameters, Function,
    ImportDeclaration, ImportDeclarationSpecifier, ModuleExportName, ObjectExpression,
    ObjectPropertyKind, PropertyDefinition, PropertyKey, PropertyKind, ReturnStatement, Statement,
    TSEnumDeclaration, TSEnumMemberName, VariableDeclaration, VariableDeclarator,
};
use oxc_ast_visit::{walk, Visit};
use oxc_parser::Parser;
use oxc_span::{GetSpan, SourceType};
use oxc_syntax::scope::ScopeFlags;

use crate::model::SiteKind;

/// The module Tauri's event functions come from.
const EVENT_MODULE: &str = "@tauri-apps/api/event";

/// The function tauri-specta's generated bindings build their typed events with: the
/// calls inside it are its plumbing (keyed by a lookup at run time), and the sites are
/// the typed calls of its result.
const TYPED_EVENTS_FN: &str = "__makeEvents__";

/// The modules `invoke` comes from: v2's `core`, v1's `tauri`, and v1's package root
/// (`import { invoke } from "@tauri-apps/api"`).
const INVOKE_MODULES: &[&str] = &["@tauri-apps/api/core", "@tauri-apps/api/tauri", ROOT_MODULE];

/// The package root: its `event`, `core` and `tauri` exports are the modules' namespaces.
const ROOT_MODULE: &str = "@tauri-apps/api";

/// A key as written, before names are looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum KeyRef {
    Str(String),
    /// `EVENT` (a const of the module or an import).
    Ident(String),
    /// `Events.Saved` (a member of a string enum or of a `const` object literal).
    Member(String, String),
    /// A template literal with substitutions (`` `${prefix}_changed` ``): its pieces and a
    /// key per substitution. Like Rust's `format!`, a pattern (DESIGN.md key form 6).
    Template(Vec<String>, Vec<KeyRef>),
    Unknown,
}

impl KeyRef {
    /// The names a key looks up: what must be defined in the module or imported.
    pub(super) fn names(&self) -> Vec<&str> {
        match self {
            KeyRef::Ident(name) | KeyRef::Member(name, _) => vec![name],
            KeyRef::Template(_, substitutions) => {
                substitutions.iter().flat_map(KeyRef::names).collect()
            }
            KeyRef::Str(_) | KeyRef::Unknown => Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct RawFrontSite {
    pub(super) kind: SiteKind,
    pub(super) key: KeyRef,
    pub(super) key_text: String,
    pub(super) offset: u32,
    pub(super) handler: Option<String>,
    /// For a subscription whose handler is an inline function: its index in
    /// `Module::handlers`; for a publish: the innermost such handler around it.
    pub(super) body: Option<usize>,
    /// The key is a parameter of this function of the module (a wrapper): the site is
    /// its callers' (DESIGN.md precise rule 6), and its own only if no call resolves.
    pub(super) wrapper: Option<String>,
}

/// A function of the module that passes one of its parameters to an event function as the
/// key (`const useTauriListen = (event, handler) => listen(event, ..)`): each call of it
/// is a site (DESIGN.md precise rule 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Wrapper {
    pub(super) kind: SiteKind,
    /// The position of the parameter that is the key.
    pub(super) key_param: usize,
    /// For a listener: the position of the parameter that is the handler, if it is one.
    pub(super) handler_param: Option<usize>,
    /// The parameter is a tauri-specta typed event (`listener.listen(cb)`): only a call
    /// that passes one (`events.x`) is a site.
    pub(super) typed: bool,
}

/// A call of a plain name (`useTauriListen(KEYS.Saved, onSaved)`), which may be a wrapper's.
#[derive(Debug, Clone)]
pub(super) struct Call {
    pub(super) callee: String,
    /// The first arguments: the key each would be, its text, and the handler it would name
    /// (an identifier's name, else `{closure}`).
    pub(super) args: Vec<(KeyRef, String, String)>,
    pub(super) offset: u32,
    /// The innermost inline handler around the call (for a publishing wrapper).
    pub(super) body: Option<usize>,
}

/// How many leading arguments of a plain call are kept: a wrapper's key and handler
/// parameters are among the first.
const CALL_ARGS: usize = 4;

/// What one module declares and does.
#[derive(Debug, Default)]
pub(super) struct Module {
    pub(super) consts: HashMap<String, String>,
    /// String enums and `const` object literals with static-string members:
    /// name → member → key.
    pub(super) enums: HashMap<String, HashMap<String, String>>,
    /// Local name → (module specifier, imported name; `*` for a namespace).
    pub(super) imports: HashMap<String, (String, String)>,
    pub(super) sites: Vec<RawFrontSite>,
    /// Inline handler functions of listeners (arrow functions, function expressions).
    pub(super) handlers: usize,
    /// Functions of the module that are event wrappers, by name (`default` for an
    /// anonymous default export).
    pub(super) wrappers: HashMap<String, Vec<Wrapper>>,
    /// The name the module's default export is bound to (`export default NAME`).
    pub(super) default_export: Option<String>,
    /// Calls of plain names that are local wrappers or imports (candidates for wrapper calls).
    pub(super) calls: Vec<Call>,
    /// Locals destructured from a call's result: local → (the called name, the property):
    /// `const { addListener } = useListen()` → `addListener` → (`useListen`, `addListener`).
    pub(super) hook_members: HashMap<String, (String, String)>,
    /// Class fields bound to a function of the module (`class Tauri { listen = tauriListen }`):
    /// member name → function name. A call `this.listen(..)` or `this.backend.listen(..)`
    /// in a module that has or imports such a class calls that function.
    pub(super) class_members: HashMap<String, String>,
    /// `invoke(NAME, ..)` calls: the name as written and where the call is.
    pub(super) invokes: Vec<(KeyRef, String, u32)>,
    /// Modules re-exported from (`export * from "./bindings.gen"`, `export { x } from
    /// "./x"`), by specifier; a named re-export is also in `imports`.
    pub(super) star_exports: Vec<String>,
    /// Consts bound to tauri-specta's typed events (`export const events =
    /// __makeEvents__({ savedEvent: "saved-event" })`): their members are in `enums`.
    pub(super) typed_events: HashSet<String>,
    /// Calls of a typed event (`events.savedEvent.listen(h)`, `events.savedEvent(win)
    /// .emit(p)`), keyed `Member(events, savedEvent)`: sites once the object is known to
    /// be typed events, here or in the module it is imported from.
    pub(super) typed_sites: Vec<RawFrontSite>,
    /// The text oxc read (`.vue`/`.svelte` masked), for lines and columns.
    pub(super) text: String,
    pub(super) failure: Option<(u32, String)>,
}

/// The text oxc reads: a script file as it is; for `.vue`/`.svelte`, every byte outside the
/// `<script>` blocks blanked (newlines kept), so offsets, lines and columns are the file's.
pub(super) fn script_text(rel: &str, text: &str) -> String {
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

thread_local! {
    /// One arena per thread, reset between modules: a fresh arena per module would fault
    /// in new pages for every file (a third of a 2,000-file front end's cost).
    static ALLOCATOR: RefCell<Allocator> = RefCell::new(Allocator::default());
}

pub(super) fn parse_module(rel: &str, text: &str) -> Module {
    ALLOCATOR.with_borrow_mut(|allocator| {
        allocator.reset();
        parse_in(allocator, rel, text)
    })
}

fn parse_in(allocator: &Allocator, rel: &str, text: &str) -> Module {
    let text = script_text(rel, text);
    let parsed = Parser::new(allocator, &text, source_type(rel)).parse();
    let mut visitor = Collector {
        module: Module::default(),
        windows: Vec::new(),
        text: &text,
        inside: Vec::new(),
        scopes: Vec::new(),
        pending_name: None,
        invoke_getters: Vec::new(),
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
        // Imports are hoisted: a generated `bindings.ts` may import `invoke` at its end.
        for statement in &parsed.program.body {
            match statement {
                Statement::ImportDeclaration(import) => visitor.visit_import_declaration(import),
                // `export * from "./bindings.gen"` (a package's index re-exporting).
                Statement::ExportAllDeclaration(all) if all.exported.is_none() => {
                    visitor
                        .module
                        .star_exports
                        .push(all.source.value.to_string());
                }
                // `export { events } from "./bindings.gen"`: looked up like an import.
                Statement::ExportFromDeclaration(from) => {
                    for specifier in &from.specifiers {
                        visitor.module.imports.insert(
                            export_name(&specifier.exported),
                            (from.source.value.to_string(), export_name(&specifier.local)),
                        );
                    }
                    visitor
                        .module
                        .star_exports
                        .push(from.source.value.to_string());
                }
                _ => {}
            }
        }
        visitor.visit_program(&parsed.program);
    }
    let mut module = visitor.module;
    let Module {
        wrappers,
        imports,
        calls,
        hook_members,
        ..
    } = &mut module;
    calls.retain(|call| {
        wrappers.contains_key(&call.callee)
            || imports.contains_key(&call.callee)
            || hook_members.contains_key(&call.callee)
            || call.callee.starts_with(CLASS_MEMBER)
    });
    module.text = text;
    module
}

/// A function being visited: its name (from its declaration or the `const` it is bound to;
/// none for a callback) and its parameters by position (`None` for a destructured one).
struct Scope {
    name: Option<String>,
    params: Vec<Option<String>>,
    rest: Option<String>,
}

impl Scope {
    fn new(name: Option<String>, params: &FormalParameters<'_>) -> Self {
        let binding = |pattern: &BindingPattern<'_>| match pattern {
            BindingPattern::BindingIdentifier(id) => Some(id.name.to_string()),
            _ => None,
        };
        Self {
            name,
            params: params.items.iter().map(|p| binding(&p.pattern)).collect(),
            rest: params
                .rest
                .as_ref()
                .and_then(|rest| binding(&rest.rest.argument)),
        }
    }
}

struct Collector<'t> {
    module: Module,
    /// Local names bound to a window or webview object.
    windows: Vec<String>,
    text: &'t str,
    /// The inline handlers whose bodies enclose the current node, innermost last.
    inside: Vec<usize>,
    /// The functions enclosing the current node, innermost last.
    scopes: Vec<Scope>,
    /// The name the next function is bound to: `(its start, name)`, set by its `const`.
    pending_name: Option<(u32, String)>,
    /// Functions of the module that return the global Tauri `invoke`
    /// (`function getTauriInvoke() { const invoke = window.__TAURI__?.core?.invoke; return invoke }`).
    invoke_getters: Vec<String>,
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
                    if matches!(self.imported(o.name.as_str()),
                        Some((EVENT_MODULE, "*") | (ROOT_MODULE, "event"))));
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

    /// A call of a typed event, tauri-specta's `events.savedEvent.listen(h)` (also `once`,
    /// `emit`, and on a window: `events.savedEvent(win).listen(h)`): its kind and key
    /// (`Member(events, savedEvent)`), when `events` is a name of the module or an import.
    fn typed_event_call(&mut self, call: &CallExpression<'_>) -> Option<(SiteKind, KeyRef, u32)> {
        let Expression::StaticMemberExpression(method) = call.callee.get_inner_expression() else {
            return None;
        };
        let kind = match method.property.name.as_str() {
            "listen" | "once" => SiteKind::Subscribe,
            "emit" => SiteKind::Publish,
            _ => return None,
        };
        let event = match method.object.get_inner_expression() {
            Expression::CallExpression(on_window) => on_window.callee.get_inner_expression(),
            event => event,
        };
        // `function onEvent(listener, cb) { listener.listen(..) }`: a wrapper whose
        // parameter is the typed event, a site at each call given one (`onEvent(events.x,
        // cb)`, precise rule 6).
        if let Expression::Identifier(param) = event {
            let (function, at, rest) = self.param(param.name.as_str())?;
            if rest {
                return None;
            }
            let wrapper = Wrapper {
                kind,
                key_param: at,
                handler_param: None,
                typed: true,
            };
            let known = self.module.wrappers.entry(function).or_default();
            if !known.contains(&wrapper) {
                known.push(wrapper);
            }
            return Some((kind, KeyRef::Unknown, method.property.span.start));
        }
        let Expression::StaticMemberExpression(event) = event else {
            return None;
        };
        let Expression::Identifier(object) = event.object.get_inner_expression() else {
            return None;
        };
        let object = object.name.as_str();
        (self.module.typed_events.contains(object) || self.imported(object).is_some()).then(|| {
            (
                kind,
                KeyRef::Member(object.to_owned(), event.property.name.to_string()),
                method.property.span.start,
            )
        })
    }

    /// Whether the current node is inside tauri-specta's `__makeEvents__`.
    fn in_typed_events_fn(&self) -> bool {
        self.scopes
            .iter()
            .any(|scope| scope.name.as_deref() == Some(TYPED_EVENTS_FN))
    }

    /// Whether a call calls Tauri's `invoke`: imported from `@tauri-apps/api/core` (v2),
    /// `@tauri-apps/api/tauri` or `@tauri-apps/api` (v1), as a member of such a namespace (`core.invoke`, with
    /// `import { core } from "@tauri-apps/api"`), or of the global `window.__TAURI__`.
    fn is_invoke(&self, call: &CallExpression<'_>) -> bool {
        match call.callee.get_inner_expression() {
            Expression::Identifier(ident) => self
                .imported(ident.name.as_str())
                .is_some_and(|(source, name)| INVOKE_MODULES.contains(&source) && name == "invoke"),
            Expression::StaticMemberExpression(member) if member.property.name == "invoke" => {
                let namespace = match member.object.get_inner_expression() {
                    Expression::Identifier(object) => self
                        .imported(object.name.as_str())
                        .is_some_and(|(source, name)| {
                            (INVOKE_MODULES.contains(&source) && name == "*")
                                || (source == ROOT_MODULE && matches!(name, "core" | "tauri"))
                        }),
                    _ => false,
                };
                namespace || is_global_invoke(&call.callee)
            }
            Expression::ChainExpression(_) => is_global_invoke(&call.callee),
            _ => false,
        }
    }

    /// The source text of a span.
    fn source(&self, span: oxc_span::Span) -> String {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
            .to_owned()
    }

    /// The function that `name` is a parameter of, its position, and whether it is the rest
    /// parameter: the innermost function declaring it, if that function has a name (a
    /// callback's parameter cannot be traced to calls).
    fn param(&self, name: &str) -> Option<(String, usize, bool)> {
        for scope in self.scopes.iter().rev() {
            if let Some(at) = scope.params.iter().position(|p| p.as_deref() == Some(name)) {
                return scope.name.clone().map(|function| (function, at, false));
            }
            if scope.rest.as_deref() == Some(name) {
                return scope
                    .name
                    .clone()
                    .map(|function| (function, scope.params.len(), true));
            }
        }
        None
    }

    /// The key of an event call whose key argument is at `key_at`, its text, and the wrapper
    /// it makes of the enclosing function when the key is that function's parameter
    /// (`listen(event, ..)`, or `listen(...args)` with a rest parameter).
    fn event_key(
        &mut self,
        call: &CallExpression<'_>,
        kind: SiteKind,
        key_at: usize,
    ) -> Option<(KeyRef, String, Option<String>)> {
        let text = |span: oxc_span::Span| self.source(span);
        let ident = |expr: &Expression<'_>| match expr.get_inner_expression() {
            Expression::Identifier(ident) => Some(ident.name.to_string()),
            _ => None,
        };
        let (key, key_text, wrapper) = match call.arguments.first() {
            Some(Argument::SpreadElement(spread)) => {
                let key_text = text(spread.span);
                let wrapper = ident(&spread.argument)
                    .and_then(|name| self.param(&name))
                    .filter(|(_, _, rest)| *rest)
                    .map(|(function, at, _)| {
                        let handler_param = (kind == SiteKind::Subscribe).then_some(at + 1);
                        (function, at + key_at, handler_param)
                    });
                (KeyRef::Unknown, key_text, wrapper)
            }
            _ => {
                let arg = call.arguments.get(key_at)?.as_expression()?;
                let key = self.key_of(arg);
                let wrapper =
                    match &key {
                        KeyRef::Ident(name) => self.param(name).filter(|(_, _, rest)| !rest).map(
                            |(function, at, _)| {
                                let handler_param = call
                                    .arguments
                                    .get(1)
                                    .and_then(Argument::as_expression)
                                    .and_then(ident)
                                    .and_then(|handler| self.param(&handler))
                                    .filter(|(of, _, rest)| *of == function && !rest)
                                    .map(|(_, at, _)| at)
                                    .filter(|_| kind == SiteKind::Subscribe);
                                (function, at, handler_param)
                            },
                        ),
                        _ => None,
                    };
                (key, text(arg.span()), wrapper)
            }
        };
        let Some((function, key_param, handler_param)) = wrapper else {
            return Some((key, key_text, None));
        };
        let wrapper = Wrapper {
            kind,
            key_param,
            handler_param,
            typed: false,
        };
        let known = self.module.wrappers.entry(function.clone()).or_default();
        if !known.contains(&wrapper) {
            known.push(wrapper);
        }
        Some((KeyRef::Unknown, key_text, Some(function)))
    }

    /// A call of a plain name, kept in case it calls a wrapper.
    fn record_call(&mut self, call: &CallExpression<'_>) {
        // `this.listen(..)`, `this.backend.listen(..)`: a class member, which a class field
        // may bind to a wrapper (`listen = tauriListen`), named `.listen`.
        let (callee, offset) = match call.callee.get_inner_expression() {
            Expression::Identifier(callee) => (callee.name.to_string(), callee.span.start),
            Expression::StaticMemberExpression(member) if on_this(&member.object) => (
                format!("{CLASS_MEMBER}{}", member.property.name),
                member.property.span.start,
            ),
            _ => return,
        };
        let args = call
            .arguments
            .iter()
            .take(CALL_ARGS)
            .map(|arg| {
                let key = arg
                    .as_expression()
                    .map_or(KeyRef::Unknown, |e| self.key_of(e));
                (key, self.source(arg.span()), handler_name(Some(arg)))
            })
            .collect();
        self.module.calls.push(Call {
            callee,
            args,
            offset,
            body: self.inside.last().copied(),
        });
    }

    fn key_of(&self, expr: &Expression<'_>) -> KeyRef {
        match expr.get_inner_expression() {
            Expression::StringLiteral(lit) => KeyRef::Str(lit.value.to_string()),
            Expression::TemplateLiteral(tpl) if tpl.expressions.is_empty() => tpl
                .quasis
                .first()
                .and_then(|q| q.value.cooked.as_ref())
                .map_or(KeyRef::Unknown, |cooked| KeyRef::Str(cooked.to_string())),
            Expression::TemplateLiteral(tpl) => {
                let pieces: Option<Vec<String>> = tpl
                    .quasis
                    .iter()
                    .map(|q| q.value.cooked.as_ref().map(|cooked| cooked.to_string()))
                    .collect();
                match pieces {
                    Some(pieces) => KeyRef::Template(
                        pieces,
                        tpl.expressions.iter().map(|e| self.key_of(e)).collect(),
                    ),
                    None => KeyRef::Unknown,
                }
            }
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
    /// The members of an object literal whose values are static strings, by key
    /// (`{ Saved: "saved", "on-close": `close` }`); computed keys and spreads are left out.
    fn string_members(&self, object: &ObjectExpression<'_>) -> HashMap<String, String> {
        let mut members = HashMap::new();
        for property in &object.properties {
            let ObjectPropertyKind::ObjectProperty(property) = property else {
                continue;
            };
            if property.computed || property.kind != PropertyKind::Init {
                continue;
            }
            let key = match &property.key {
                PropertyKey::StaticIdentifier(name) => name.name.to_string(),
                PropertyKey::StringLiteral(lit) => lit.value.to_string(),
                _ => continue,
            };
            if let KeyRef::Str(value) = self.key_of(&property.value) {
                members.insert(key, value);
            }
        }
        members
    }

    /// `const EVENT = "x"` (a key), `const win = getCurrentWindow()` (a window object).
    fn declare(&mut self, it: &VariableDeclarator<'_>, is_const: bool) {
        if let (BindingPattern::BindingIdentifier(id), Some(init)) = (&it.id, &it.init) {
            let name = id.name.to_string();
            if let (KeyRef::Str(value), true) = (self.key_of(init), is_const) {
                self.module.consts.insert(name.clone(), value);
            }
            if let (Expression::ObjectExpression(object), true) =
                (init.get_inner_expression(), is_const)
            {
                // `const Events = { Saved: "saved" } as const`: its members are keys
                // like a string enum's (`Events.Saved`).
                let members = self.string_members(object);
                if !members.is_empty() {
                    self.module.enums.insert(name.clone(), members);
                }
            }
            // `const events = __makeEvents__<{..}>({ savedEvent: "saved-event" })`.
            if let (Expression::CallExpression(call), true) =
                (init.get_inner_expression(), is_const)
            {
                let typed = matches!(call.callee.get_inner_expression(),
                    Expression::Identifier(callee) if callee.name == TYPED_EVENTS_FN);
                let object = call
                    .arguments
                    .first()
                    .and_then(Argument::as_expression)
                    .map(Expression::get_inner_expression);
                if let (true, Some(Expression::ObjectExpression(object))) = (typed, object) {
                    let members = self.string_members(object);
                    self.module.enums.insert(name.clone(), members);
                    self.module.typed_events.insert(name.clone());
                }
            }
            // The function a `const` names: itself, or the one a call wraps and returns
            // (`useCallback(async (event, handler) => .., [])`, `memoize(fn)`).
            let function = match init.get_inner_expression() {
                Expression::CallExpression(call) if self.event_call(call).is_none() => call
                    .arguments
                    .first()
                    .and_then(Argument::as_expression)
                    .map(Expression::get_inner_expression),
                init => Some(init),
            };
            match function {
                Some(Expression::ArrowFunctionExpression(f)) => {
                    self.pending_name = Some((f.span.start, name.clone()));
                }
                Some(Expression::FunctionExpression(f)) => {
                    self.pending_name = Some((f.span.start, name.clone()));
                }
                _ => {}
            }
            if self.is_window(init) {
                self.windows.push(name);
            }
        }
        // `const invoke = window.__TAURI__?.core?.invoke ?? window.__TAURI_INTERNALS__?.invoke`,
        // or a call of a function returning one: Tauri's `invoke` under a local name.
        if let (BindingPattern::BindingIdentifier(local), Some(init)) = (&it.id, &it.init) {
            let getter = match init.get_inner_expression() {
                Expression::CallExpression(call) => matches!(
                    call.callee.get_inner_expression(),
                    Expression::Identifier(callee)
                        if self.invoke_getters.iter().any(|g| g == callee.name.as_str())
                ),
                _ => false,
            };
            if getter || is_global_invoke(init) {
                self.module.imports.insert(
                    local.name.to_string(),
                    (INVOKE_MODULES[0].to_owned(), "invoke".to_owned()),
                );
                return;
            }
        }
        // `const { listen } = await import("@tauri-apps/api/event")` binds like `import {
        // listen } from ..`; `const event = await import(..)` like `import * as event`.
        if let Some(source) = it.init.as_ref().and_then(dynamic_import) {
            match &it.id {
                BindingPattern::ObjectPattern(pattern) => {
                    for property in &pattern.properties {
                        if let (
                            PropertyKey::StaticIdentifier(key),
                            BindingPattern::BindingIdentifier(local),
                        ) = (&property.key, &property.value)
                        {
                            self.module.imports.insert(
                                local.name.to_string(),
                                (source.clone(), key.name.to_string()),
                            );
                        }
                    }
                }
                BindingPattern::BindingIdentifier(local) => {
                    self.module
                        .imports
                        .insert(local.name.to_string(), (source, "*".to_owned()));
                }
                _ => {}
            }
            return;
        }
        // `const { addListener } = useListen()`: the hook returns its wrappers by name.
        if let (BindingPattern::ObjectPattern(pattern), Some(init)) = (&it.id, &it.init) {
            let hook = match init.get_inner_expression() {
                Expression::CallExpression(call) => match call.callee.get_inner_expression() {
                    Expression::Identifier(callee) => Some(callee.name.to_string()),
                    _ => None,
                },
                _ => None,
            };
            for property in pattern.properties.iter().filter(|_| hook.is_some()) {
                let (PropertyKey::StaticIdentifier(key), BindingPattern::BindingIdentifier(local)) =
                    (&property.key, &property.value)
                else {
                    continue;
                };
                self.module.hook_members.insert(
                    local.name.to_string(),
                    (hook.clone().unwrap_or_default(), key.name.to_string()),
                );
            }
        }
    }
}

/// What a [`Call`]'s callee starts with when it is a member of `this` (`this.listen`).
pub(super) const CLASS_MEMBER: &str = ".";

/// `this`, or a member chain on it (`this.backend`).
fn on_this(expr: &Expression<'_>) -> bool {
    match expr.get_inner_expression() {
        Expression::ThisExpression(_) => true,
        Expression::StaticMemberExpression(member) => on_this(&member.object),
        _ => false,
    }
}

/// The global `invoke` as a value: `window.__TAURI__.core.invoke` (optional chaining too),
/// `window.__TAURI_INTERNALS__.invoke`, or either side of a `??`/`||` between such.
fn is_global_invoke(expr: &Expression<'_>) -> bool {
    let member = match expr.get_inner_expression() {
        Expression::LogicalExpression(logical) => {
            return is_global_invoke(&logical.left) || is_global_invoke(&logical.right);
        }
        Expression::ChainExpression(chain) => match &chain.expression {
            ChainElement::StaticMemberExpression(member) => member,
            _ => return false,
        },
        Expression::StaticMemberExpression(member) => member,
        _ => return false,
    };
    if member.property.name != "invoke" {
        return false;
    }
    let object = member.object.get_inner_expression();
    is_global_tauri(object)
        || matches!(object, Expression::Identifier(o) if matches!(o.name.as_str(), "__TAURI__" | "__TAURI_INTERNALS__"))
        || matches!(object, Expression::StaticMemberExpression(m)
            if m.property.name == "__TAURI_INTERNALS__"
                && matches!(m.object.get_inner_expression(), Expression::Identifier(o) if matches!(o.name.as_str(), "window" | "globalThis")))
}

/// The module a dynamic import loads, awaited: `await import("@tauri-apps/api/event")`.
fn dynamic_import(init: &Expression<'_>) -> Option<String> {
    let Expression::AwaitExpression(await_) = init.get_inner_expression() else {
        return None;
    };
    let Expression::ImportExpression(import) = await_.argument.get_inner_expression() else {
        return None;
    };
    match import.source.get_inner_expression() {
        Expression::StringLiteral(source) => Some(source.value.to_string()),
        _ => None,
    }
}

/// The name an import or export specifier writes (`x`, `"x"`).
fn export_name(name: &ModuleExportName<'_>) -> String {
    match name {
        ModuleExportName::IdentifierName(name) => name.name.to_string(),
        ModuleExportName::IdentifierReference(name) => name.name.to_string(),
        ModuleExportName::StringLiteral(lit) => lit.value.to_string(),
    }
}

/// The handler an argument names: an identifier's name, else `{closure}`.
fn handler_name(arg: Option<&Argument<'_>>) -> String {
    match arg
        .and_then(Argument::as_expression)
        .map(Expression::get_inner_expression)
    {
        Some(Expression::Identifier(ident)) => ident.name.to_string(),
        _ => "{closure}".to_owned(),
    }
}

/// `window.__TAURI__`, `window.__TAURI__.core`, `window.__TAURI__.tauri`, `__TAURI__.core`.
fn is_global_tauri(expr: &Expression<'_>) -> bool {
    let Expression::StaticMemberExpression(member) = expr else {
        return false;
    };
    let object = member.object.get_inner_expression();
    match member.property.name.as_str() {
        "__TAURI__" => {
            matches!(object, Expression::Identifier(o) if matches!(o.name.as_str(), "window" | "globalThis"))
        }
        "core" | "tauri" => {
            matches!(object, Expression::Identifier(o) if o.name == "__TAURI__")
                || is_global_tauri(object)
        }
        _ => false,
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
                    (s.local.name.to_string(), export_name(&s.imported))
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

    fn visit_property_definition(&mut self, it: &PropertyDefinition<'a>) {
        if let (PropertyKey::StaticIdentifier(key), Some(Expression::Identifier(value))) = (
            &it.key,
            it.value.as_ref().map(Expression::get_inner_expression),
        ) {
            self.module
                .class_members
                .insert(key.name.to_string(), value.name.to_string());
        }
        walk::walk_property_definition(self, it);
    }

    fn visit_return_statement(&mut self, it: &ReturnStatement<'a>) {
        // `return invoke` or `return typeof invoke === "function" ? invoke : undefined`
        // of Tauri's `invoke`: the function is a getter of it.
        let is_invoke = |expr: &Expression<'_>| {
            matches!(expr.get_inner_expression(), Expression::Identifier(ident)
            if self.imported(ident.name.as_str()).is_some_and(|(source, name)| {
                INVOKE_MODULES.contains(&source) && name == "invoke"
            }))
        };
        let returned = it
            .argument
            .as_ref()
            .is_some_and(|arg| match arg.get_inner_expression() {
                Expression::ConditionalExpression(cond) => {
                    is_invoke(&cond.consequent) || is_invoke(&cond.alternate)
                }
                arg => is_invoke(arg),
            });
        if let (true, Some(name)) = (returned, self.scopes.last().and_then(|s| s.name.clone())) {
            self.invoke_getters.push(name);
        }
        walk::walk_return_statement(self, it);
    }

    fn visit_variable_declaration(&mut self, it: &VariableDeclaration<'a>) {
        for declarator in &it.declarations {
            self.declare(declarator, it.kind.is_const());
            self.visit_variable_declarator(declarator);
        }
    }

    fn visit_function(&mut self, it: &Function<'a>, flags: ScopeFlags) {
        let name = it.id.as_ref().map(|id| id.name.to_string()).or_else(|| {
            self.pending_name
                .take_if(|(start, _)| *start == it.span.start)
                .map(|(_, name)| name)
        });
        self.scopes.push(Scope::new(name, &it.params));
        walk::walk_function(self, it, flags);
        self.scopes.pop();
    }

    fn visit_arrow_function_expression(&mut self, it: &ArrowFunctionExpression<'a>) {
        let name = self
            .pending_name
            .take_if(|(start, _)| *start == it.span.start)
            .map(|(_, name)| name);
        self.scopes.push(Scope::new(name, &it.params));
        walk::walk_arrow_function_expression(self, it);
        self.scopes.pop();
    }

    fn visit_export_default_declaration(&mut self, it: &ExportDefaultDeclaration<'a>) {
        match &it.declaration {
            ExportDefaultDeclarationKind::FunctionDeclaration(f) => match &f.id {
                Some(id) => self.module.default_export = Some(id.name.to_string()),
                None => self.pending_name = Some((f.span.start, "default".to_owned())),
            },
            ExportDefaultDeclarationKind::ArrowFunctionExpression(f) => {
                self.pending_name = Some((f.span.start, "default".to_owned()));
            }
            ExportDefaultDeclarationKind::Identifier(id) => {
                self.module.default_export = Some(id.name.to_string());
            }
            _ => {}
        }
        walk::walk_export_default_declaration(self, it);
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
        if self.is_invoke(it) {
            if let Some(arg) = it.arguments.first().and_then(Argument::as_expression) {
                let text = self.source(arg.span());
                self.module
                    .invokes
                    .push((self.key_of(arg), text, it.callee.span().start));
            }
        }
        // tauri-specta's plumbing looks its keys up at run time; its typed calls are the sites.
        let event_call = self.event_call(it).filter(|_| !self.in_typed_events_fn());
        if event_call.is_none() && !self.is_invoke(it) {
            self.record_call(it);
        }
        let mut site = None;
        if let Some(function) = event_call {
            let (kind, key_at) = match function {
                "listen" | "once" => (SiteKind::Subscribe, 0),
                "emitTo" => (SiteKind::Publish, 1),
                _ => (SiteKind::Publish, 0),
            };
            if let Some((key, key_text, wrapper)) = self.event_key(it, kind, key_at) {
                let offset = match it.callee.get_inner_expression() {
                    Expression::StaticMemberExpression(member) => member.property.span.start,
                    callee => callee.span().start,
                };
                site = Some((kind, key, key_text, offset, wrapper, 1, false));
            }
        } else if let Some((kind, key, offset)) = self.typed_event_call(it) {
            let key_text = self.source(it.callee.span());
            site = Some((kind, key, key_text, offset, None, 0, true));
        }
        if let Some((kind, key, key_text, offset, wrapper, handler_at, typed)) = site {
            let handler =
                (kind == SiteKind::Subscribe).then(|| handler_name(it.arguments.get(handler_at)));
            // An inline handler is a body of its own: what it emits is the listener's (for
            // loops across the border).
            let inline = kind == SiteKind::Subscribe
                && matches!(
                    it.arguments
                        .get(handler_at)
                        .and_then(Argument::as_expression),
                    Some(
                        Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_)
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
            let site = RawFrontSite {
                kind,
                key,
                key_text,
                offset,
                handler,
                body,
                wrapper,
            };
            if typed {
                self.module.typed_sites.push(site);
            } else {
                self.module.sites.push(site);
            }
            if let (true, Some(body)) = (inline, body) {
                self.inside.push(body);
                walk::walk_call_expression(self, it);
                self.inside.pop();
                return;
            }
        }
        walk::walk_call_expression(self, it);
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(super) fn line_column(text: &str, offset: u32) -> (u32, u32) {
    let offset = (offset as usize).min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.bytes().filter(|&b| b == b'\n').count() as u32 + 1;
    let start = before.rfind('\n').map_or(0, |at| at + 1);
    let column = before[start..].chars().count() as u32 + 1;
    (line, column)
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
    fn line_and_column() {
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("é\nx", 3), (2, 1));
    }
}
