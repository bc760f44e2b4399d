//! Event-key expressions: what an argument says about its event key, as far as one file
//! can tell (DESIGN.md "Event keys"). Consts and aliases are left as paths for `resolve`.

use std::collections::BTreeMap;

use syn::{Expr, Lit, Type};

use super::{Callee, Receiver, Scope};

/// An event key as written at a site or in a const.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyExpr {
    /// A string literal.
    Str(String),
    /// A path to a `const` or `static` (`events::EDGE_ADDED`, `Self::TOPIC`).
    Const { segments: Vec<String>, scope: Scope },
    /// A type (`EdgeAdded`, `Pointer<Click>`) or enum variant (`Event::EdgeAdded`): `name`
    /// is the type's last segment, read through type aliases by `resolve`; `args` are its
    /// type arguments, each a type key (DESIGN.md precise rule 4).
    Type {
        name: String,
        variant: Option<String>,
        args: Vec<KeyExpr>,
        /// The path's first segment when it has more than one (`unlocks_events` in
        /// `unlocks_events::Done`): with the module's imports, it says which crate the type
        /// is from.
        head: Option<String>,
        scope: Scope,
    },
    /// A variant turned into its string (`IPCEvent::GoToLibrary.as_ref()`, `.to_string()`,
    /// `.into()`): the string strum's derives give the variant when its enum has them
    /// (`GoToLibrary`), else the variant key itself.
    Stringified(Box<KeyExpr>),
    /// A tauri-specta typed event (`PinnedEvent::listen(app, ..)`, `pinned.emit(app)`): the
    /// event name the type's `tauri_specta::Event` derive gives it; no key for another type.
    TypedEvent(Box<KeyExpr>),
    /// An event wrapper written as a struct literal with a key field
    /// (`Event { event_type: "x", .. }`): its key is `inner` when that is a string key,
    /// else the type.
    Wrapper {
        inner: Box<KeyExpr>,
        ty: Box<KeyExpr>,
    },
    /// A `new`-style constructor (`UserCreated::new("alice")`): keyed like a `Wrapper` when
    /// the type is a wrapper type (named `Event`, `Message` or `Envelope`, or defined with a
    /// key field), else by the type, whatever its arguments (DESIGN.md key form 4).
    Constructor {
        inner: Box<KeyExpr>,
        ty: Box<KeyExpr>,
    },
    /// A value bound by a pattern `Enum::Variant(x)`: the variant's one field, keyed by its
    /// type when the enum wraps a type named like the variant (`enum Event { Saved(Saved) }`),
    /// else unknown.
    VariantField {
        name: String,
        variant: String,
        scope: Scope,
    },
    /// A call of a function of the tree (`topic()`, `self.state_topic()`): keyed by what
    /// the function's body returns, followed once (DESIGN.md key form 7).
    Call { callee: Callee, scope: Scope },
    /// An `if`/`match` value: the key its every branch yields, if they agree. As what a
    /// function returns (key form 7), the keys of its branches, each a key of the call.
    Branches(Vec<KeyExpr>),
    /// A tuple with a key among its elements (`("profile-changed", payload)`): no key
    /// itself, but the element a tuple pattern binds is ([`KeyExpr::Element`]).
    Tuple(Vec<KeyExpr>),
    /// The `index`-th element of a tuple value, bound by a tuple pattern
    /// (`let (name, payload) = Self::serialize_event(e);`).
    Element { of: Box<KeyExpr>, index: usize },
    /// `format!("user.{}.created", id)`: the literal pieces between placeholders, and per
    /// placeholder the key its argument is when it is a string by key forms 1–3
    /// (`format!("{}.{}", PREFIX, id)`: `PREFIX`, inlined by `resolve`), else `Unknown`.
    Format {
        pieces: Vec<String>,
        args: Vec<KeyExpr>,
    },
    /// The N-th parameter of the enclosing function (`self` not counted): resolved at
    /// the function's call sites.
    Param(usize),
    /// The N-th type parameter of the enclosing function (`E` in `fn relay<E: Event>(r:
    /// EventReader<E>)`): resolved where the function is used with a turbofish
    /// (`relay::<Ping>`), DESIGN.md precise rule 4.
    TypeParam(usize),
    /// Something no rule can resolve.
    Unknown,
}

/// What the extractor knows about local names while it reads a function.
///
/// Bindings follow Rust's scoping (DESIGN.md key form 3): a block, a closure or a match arm
/// takes a [`Locals::mark`] on entry and [`Locals::restore`]s it on exit, which undoes the
/// bindings made inside, so a shadowing `let` in an inner block does not outlive it.
#[derive(Debug, Default, Clone)]
pub struct Locals {
    /// `let` bindings whose value is a key, by name; `None` shadows an outer binding.
    pub bindings: BTreeMap<String, Option<KeyExpr>>,
    /// The enclosing function's parameter names, in order.
    pub params: Vec<String>,
    /// What each binding replaced, newest last: popped by `restore`.
    undo: Vec<(String, Option<Option<KeyExpr>>)>,
}

impl Locals {
    /// No parameters, no bindings: outside every function.
    pub const EMPTY: Locals = Locals {
        bindings: BTreeMap::new(),
        params: Vec::new(),
        undo: Vec::new(),
    };

    /// The parameters of a function, no binding yet.
    pub fn with_params(params: Vec<String>) -> Locals {
        Locals {
            params,
            ..Locals::default()
        }
    }

    /// Binds `name` (to a key, or `None` to shadow an outer key) until the enclosing scope
    /// ends.
    pub fn bind(&mut self, name: String, value: Option<KeyExpr>) {
        let previous = self.bindings.insert(name.clone(), value);
        self.undo.push((name, previous));
    }

    /// Where the current scope starts.
    pub fn mark(&self) -> usize {
        self.undo.len()
    }

    /// Ends the scope that started at `mark`: its bindings are undone.
    pub fn restore(&mut self, mark: usize) {
        while self.undo.len() > mark {
            let Some((name, previous)) = self.undo.pop() else {
                break;
            };
            match previous {
                Some(value) => {
                    self.bindings.insert(name, value);
                }
                None => {
                    self.bindings.remove(&name);
                }
            }
        }
    }
}

const SEE_THROUGH_METHODS: &[&str] =
    &["into", "to_string", "to_owned", "clone", "as_str", "as_ref"];
const SEE_THROUGH_CALLS: &[[&str; 2]] = &[
    ["String", "from"],
    ["Box", "new"],
    ["Arc", "new"],
    ["Rc", "new"],
    ["Cow", "from"],
    ["Cow", "Borrowed"],
    ["Cow", "Owned"],
];
/// The fields that make a struct an event wrapper (DESIGN.md key form 4).
pub const WRAPPER_FIELDS: &[&str] = &["event_type", "event_name", "topic", "kind", "event"];
/// The type names that make a type an event wrapper, whatever its fields.
pub const WRAPPER_TYPES: &[&str] = &["Event", "Message", "Envelope"];

/// Peels `&`, parentheses, `.into()`-style conversions and `Box::new`-style wrappers.
pub fn see_through(expr: &Expr) -> &Expr {
    match expr {
        Expr::Reference(r) => see_through(&r.expr),
        Expr::Paren(p) => see_through(&p.expr),
        Expr::Group(g) => see_through(&g.expr),
        Expr::MethodCall(m)
            if m.args.is_empty()
                && SEE_THROUGH_METHODS.contains(&m.method.to_string().as_str()) =>
        {
            see_through(&m.receiver)
        }
        Expr::Call(call) if call.args.len() == 1 => match &*call.func {
            Expr::Path(path) if is_see_through_call(&path.path) => see_through(&call.args[0]),
            _ => expr,
        },
        _ => expr,
    }
}

fn is_see_through_call(path: &syn::Path) -> bool {
    let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    names.len() >= 2
        && SEE_THROUGH_CALLS
            .iter()
            .any(|[ty, f]| names[names.len() - 2] == *ty && names[names.len() - 1] == *f)
}

/// `EDGE_ADDED`, `ÉVÉNEMENT`, `注文`: letters of any script but no lower-case one.
pub fn is_const_name(name: &str) -> bool {
    name.chars().any(char::is_alphabetic) && !name.chars().any(char::is_lowercase)
}

/// The prelude's `Option` and `Result` variants: `publish(Ok(result))` is keyed by no
/// event type named `Ok`.
const PRELUDE_VARIANTS: &[&str] = &["Ok", "Err", "Some", "None"];

pub fn is_type_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_uppercase()) && !is_const_name(name)
}

/// The receiver of a conversion of a value to its string (`x.as_ref()`, `x.to_string()`,
/// `x.into()`), through `&` and parentheses.
fn stringified(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::Reference(r) => stringified(&r.expr),
        Expr::Paren(p) => stringified(&p.expr),
        Expr::Group(g) => stringified(&g.expr),
        Expr::MethodCall(m)
            if m.args.is_empty()
                && matches!(
                    m.method.to_string().as_str(),
                    "as_ref" | "to_string" | "into"
                ) =>
        {
            Some(&m.receiver)
        }
        _ => None,
    }
}

/// The key of an expression.
pub fn key_of(expr: &Expr, locals: &Locals, scope: &Scope) -> KeyExpr {
    // `IPCEvent::GoToLibrary.as_ref()`: the variant's string, if its enum derives one.
    if let Some(receiver) = stringified(expr) {
        if let key @ KeyExpr::Type {
            variant: Some(_), ..
        } = key_of(receiver, locals, scope)
        {
            return KeyExpr::Stringified(Box::new(key));
        }
    }
    let expr = see_through(expr);
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(s) => KeyExpr::Str(s.value()),
            _ => KeyExpr::Unknown,
        },
        Expr::Path(path) if path.qself.is_none() => {
            let segments = segments(&path.path);
            let Some(last) = segments.last() else {
                return KeyExpr::Unknown;
            };
            if segments.len() == 1 && !last.starts_with(|c: char| c.is_uppercase()) {
                return match locals.bindings.get(last) {
                    Some(binding) => binding.clone().unwrap_or(KeyExpr::Unknown),
                    None => match locals.params.iter().position(|p| p == last) {
                        Some(index) => KeyExpr::Param(index),
                        // A name of a script without case (`注文`) may be a const.
                        None if is_const_name(last) => KeyExpr::Const {
                            segments,
                            scope: scope.clone(),
                        },
                        None => KeyExpr::Unknown,
                    },
                };
            }
            if is_const_name(last) {
                KeyExpr::Const {
                    segments,
                    scope: scope.clone(),
                }
            } else if segments.len() == 1 && PRELUDE_VARIANTS.contains(&last.as_str()) {
                KeyExpr::Unknown
            } else if is_type_name(last) {
                type_key(&segments, scope)
            } else {
                KeyExpr::Unknown
            }
        }
        Expr::Struct(s) if s.qself.is_none() => {
            let ty = type_key(&segments(&s.path), scope);
            let field = s.fields.iter().find(|field| match &field.member {
                syn::Member::Named(name) => WRAPPER_FIELDS.contains(&name.to_string().as_str()),
                syn::Member::Unnamed(_) => false,
            });
            match field {
                Some(field) => KeyExpr::Wrapper {
                    inner: Box::new(key_of(&field.expr, locals, scope)),
                    ty: Box::new(ty),
                },
                None => ty,
            }
        }
        Expr::Call(call) => {
            let Expr::Path(func) = &*call.func else {
                return KeyExpr::Unknown;
            };
            if func.qself.is_some() {
                return KeyExpr::Unknown;
            }
            let segments = segments(&func.path);
            let Some(last) = segments.last() else {
                return KeyExpr::Unknown;
            };
            if segments.len() == 1 && PRELUDE_VARIANTS.contains(&last.as_str()) {
                return KeyExpr::Unknown;
            }
            if is_type_name(last) {
                // A tuple struct or tuple variant: `EdgeAdded(..)`, `Event::EdgeAdded(..)`.
                return type_key(&segments, scope);
            }
            let owner = segments.len() >= 2 && is_type_name(&segments[segments.len() - 2]);
            if owner && (last == "new" || last.starts_with("new_")) {
                let ty = Box::new(type_key(&segments[..segments.len() - 1], scope));
                return match call.args.first() {
                    Some(first) => KeyExpr::Constructor {
                        inner: Box::new(key_of(first, locals, scope)),
                        ty,
                    },
                    None => *ty,
                };
            }
            if is_const_name(last) || (owner && !is_value_fn(last)) {
                return KeyExpr::Unknown;
            }
            KeyExpr::Call {
                callee: Callee::Path(segments),
                scope: scope.clone(),
            }
        }
        // `self.state_topic()`: what the method returns.
        Expr::MethodCall(call) => KeyExpr::Call {
            callee: Callee::Method {
                name: call.method.to_string(),
                receiver: Receiver::Other,
            },
            scope: scope.clone(),
        },
        Expr::Block(block) if block.label.is_none() => tail_key(&block.block, locals, scope),
        Expr::If(node) => {
            let Some((_, otherwise)) = &node.else_branch else {
                return KeyExpr::Unknown;
            };
            let mut branches = Vec::new();
            if !block_diverges(&node.then_branch) {
                branches.push(tail_key(&node.then_branch, locals, scope));
            }
            if !diverges(otherwise) {
                branches.push(key_of(otherwise, locals, scope));
            }
            branches_key(branches)
        }
        Expr::Match(node) => branches_key(
            node.arms
                .iter()
                .filter(|arm| !diverges(&arm.body))
                .map(|arm| key_of(&arm.body, locals, scope))
                .collect(),
        ),
        Expr::Macro(m) => format_key(&m.mac, locals, scope),
        Expr::Tuple(tuple) => {
            let elements: Vec<KeyExpr> = tuple
                .elems
                .iter()
                .map(|element| key_of(element, locals, scope))
                .collect();
            if elements.iter().all(|element| *element == KeyExpr::Unknown) {
                KeyExpr::Unknown
            } else {
                KeyExpr::Tuple(elements)
            }
        }
        _ => KeyExpr::Unknown,
    }
}

/// An associated function that may return a key: not a `Type::new`-style constructor
/// (handled above) nor a conversion such as `Type::from`, `Type::default`.
fn is_value_fn(name: &str) -> bool {
    !matches!(name, "from" | "default" | "try_from" | "with_capacity")
}

/// The key of a block's value: its tail expression.
pub fn tail_key(block: &syn::Block, locals: &Locals, scope: &Scope) -> KeyExpr {
    match block.stmts.last() {
        Some(syn::Stmt::Expr(tail, None)) => key_of(tail, locals, scope),
        _ => KeyExpr::Unknown,
    }
}

/// Whether an expression never yields a value: `return`, `continue`, `break`, `panic!()`
/// and the like. Such a branch says nothing about the key of an `if`/`match`.
fn diverges(expr: &Expr) -> bool {
    match expr {
        Expr::Return(_) | Expr::Continue(_) | Expr::Break(_) => true,
        Expr::Macro(m) => m.mac.path.segments.last().is_some_and(|s| {
            matches!(
                s.ident.to_string().as_str(),
                "panic" | "unreachable" | "todo" | "unimplemented" | "bail"
            )
        }),
        Expr::Block(block) => block_diverges(&block.block),
        _ => false,
    }
}

fn block_diverges(block: &syn::Block) -> bool {
    match block.stmts.last() {
        Some(syn::Stmt::Expr(tail, _)) => diverges(tail),
        Some(syn::Stmt::Macro(m)) => diverges(&Expr::Macro(syn::ExprMacro {
            attrs: Vec::new(),
            mac: m.mac.clone(),
        })),
        _ => false,
    }
}

/// Branches of an `if`/`match` (those that never yield left out): one key when every
/// branch gives the same one; `Branches` when they may agree only after resolution
/// (`X::new("a")` and `X::new("b")` are both `X` unless `X` is a wrapper type).
fn branches_key(branches: Vec<KeyExpr>) -> KeyExpr {
    let mut branches = branches;
    branches.dedup();
    if branches.is_empty() || branches.contains(&KeyExpr::Unknown) {
        return KeyExpr::Unknown;
    }
    if branches.len() == 1 {
        return branches.pop().unwrap_or(KeyExpr::Unknown);
    }
    KeyExpr::Branches(branches)
}

/// A type or variant key from a path: `a::EdgeAdded` → `EdgeAdded`,
/// `Event::EdgeAdded` → `Event::EdgeAdded`, `Self::X` in `impl Event` → `Event::X`.
pub fn type_key(segments: &[String], scope: &Scope) -> KeyExpr {
    let resolve_self = |name: &str| -> String {
        if name == "Self" {
            scope.self_type.as_deref().unwrap_or(name).to_owned()
        } else {
            name.to_owned()
        }
    };
    match segments {
        [] => KeyExpr::Unknown,
        [.., owner, variant] if owner.starts_with(|c: char| c.is_uppercase()) => KeyExpr::Type {
            name: resolve_self(owner),
            variant: Some(variant.clone()),
            args: Vec::new(),
            head: (segments.len() > 2).then(|| segments[0].clone()),
            scope: scope.clone(),
        },
        [.., last] => KeyExpr::Type {
            name: resolve_self(last),
            variant: None,
            args: Vec::new(),
            head: (segments.len() > 1).then(|| segments[0].clone()),
            scope: scope.clone(),
        },
    }
}

/// The key of a type as written (`&EdgeAdded`, `events::EdgeAdded<'a>`,
/// `bevy::picking::Pointer<Click>`): type arguments are part of it, lifetimes and const
/// arguments are not; a type argument that is no type key (`()`, `[u8]`) makes the whole
/// key unknown.
pub fn key_of_type(ty: &Type, scope: &Scope) -> KeyExpr {
    match ty {
        Type::Reference(r) => key_of_type(&r.elem, scope),
        Type::Paren(p) => key_of_type(&p.elem, scope),
        Type::Group(g) => key_of_type(&g.elem, scope),
        Type::Path(path) if path.qself.is_none() => {
            let mut key = type_key(&segments(&path.path), scope);
            let generics = match path.path.segments.last().map(|last| &last.arguments) {
                Some(syn::PathArguments::AngleBracketed(generics)) => generics,
                _ => return key,
            };
            let mut keys = Vec::new();
            for arg in &generics.args {
                if let syn::GenericArgument::Type(ty) = arg {
                    match key_of_type(ty, scope) {
                        KeyExpr::Unknown => return KeyExpr::Unknown,
                        arg => keys.push(arg),
                    }
                }
            }
            if let KeyExpr::Type { args, .. } = &mut key {
                *args = keys;
            }
            key
        }
        _ => KeyExpr::Unknown,
    }
}

impl KeyExpr {
    /// This key with each leaf of its type tree (a type key without arguments, a
    /// [`KeyExpr::TypeParam`], anything else) replaced by what `leaf` makes of it; a type
    /// key with arguments is rebuilt around its mapped arguments. `None` when `leaf` gives
    /// `None` for one of them.
    pub fn map_type_leaves(
        &self,
        leaf: &mut impl FnMut(&KeyExpr) -> Option<KeyExpr>,
    ) -> Option<KeyExpr> {
        match self {
            KeyExpr::Type {
                name,
                variant,
                args,
                head,
                scope,
            } if !args.is_empty() => Some(KeyExpr::Type {
                name: name.clone(),
                variant: variant.clone(),
                args: args
                    .iter()
                    .map(|arg| arg.map_type_leaves(leaf))
                    .collect::<Option<Vec<_>>>()?,
                head: head.clone(),
                scope: scope.clone(),
            }),
            other => leaf(other),
        }
    }
}

/// Whether a type key names one of `params` (type parameters of the enclosing function or
/// `impl`), itself or in a type argument: such a key is known only where the function is
/// used (DESIGN.md precise rule 4).
pub fn mentions_type_param(key: &KeyExpr, params: &[String]) -> bool {
    match key {
        KeyExpr::Type {
            name,
            variant: None,
            args,
            ..
        } => params.contains(name) || args.iter().any(|arg| mentions_type_param(arg, params)),
        KeyExpr::Type { args, .. } => args.iter().any(|arg| mentions_type_param(arg, params)),
        _ => false,
    }
}

/// The names of a path's segments, without generics.
pub fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// `format!("user.{}.created", id)` → the pieces `["user.", ".created"]`; a format string
/// without placeholders is a plain string key. A placeholder's argument that is a string
/// literal, a const (`PREFIX`, also inline: `{PREFIX}`) or a local bound to one is kept
/// for `resolve` to inline.
pub fn format_key(mac: &syn::Macro, locals: &Locals, scope: &Scope) -> KeyExpr {
    if mac.path.segments.last().is_none_or(|s| s.ident != "format") {
        return KeyExpr::Unknown;
    }
    let Ok(args) =
        mac.parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)
    else {
        return KeyExpr::Unknown;
    };
    let Some(Expr::Lit(syn::ExprLit {
        lit: Lit::Str(template),
        ..
    })) = args.first()
    else {
        return KeyExpr::Unknown;
    };
    let (pieces, specs) = format_pieces(&template.value());
    if pieces.len() == 1 {
        return KeyExpr::Str(pieces.into_iter().next().unwrap_or_default());
    }
    let rest: Vec<&Expr> = args.iter().skip(1).collect();
    let named = |name: &str| {
        rest.iter().find_map(|arg| match arg {
            Expr::Assign(assign) => match &*assign.left {
                Expr::Path(path) if path.path.is_ident(name) => Some(&*assign.right),
                _ => None,
            },
            _ => None,
        })
    };
    let mut next = 0;
    let args: Vec<KeyExpr> = specs
        .iter()
        .map(|spec| {
            let arg = match spec {
                Spec::Next => {
                    next += 1;
                    rest.get(next - 1).copied()
                }
                Spec::Index(i) => rest.get(*i).copied(),
                Spec::Name(name) => match named(name) {
                    Some(arg) => Some(arg),
                    // An inline capture: `{PREFIX}` names a const (or a local).
                    None => {
                        return match locals.bindings.get(name.as_str()) {
                            Some(Some(key)) => string_key(key.clone()),
                            Some(None) => KeyExpr::Unknown,
                            None if is_const_name(name) => KeyExpr::Const {
                                segments: vec![name.clone()],
                                scope: scope.clone(),
                            },
                            None => KeyExpr::Unknown,
                        };
                    }
                },
            };
            arg.map_or(KeyExpr::Unknown, |arg| {
                string_key(key_of(arg, locals, scope))
            })
        })
        .collect();
    // `format!("{:?}", e)`: no literal text, so nothing is known about the key; as a
    // pattern it would cover every subscription.
    if pieces.iter().all(String::is_empty) && args.iter().all(|a| *a == KeyExpr::Unknown) {
        return KeyExpr::Unknown;
    }
    KeyExpr::Format { pieces, args }
}

/// A placeholder argument's key, if it can be a string: a literal, a const, or a binding
/// to one (types, wrappers and calls are not inlined into a pattern).
fn string_key(key: KeyExpr) -> KeyExpr {
    match key {
        key @ (KeyExpr::Str(_) | KeyExpr::Const { .. }) => key,
        _ => KeyExpr::Unknown,
    }
}

/// Which argument a `format!` placeholder takes.
enum Spec {
    /// `{}`, `{:?}`: the next positional one.
    Next,
    /// `{0}`.
    Index(usize),
    /// `{name}`: a named argument, else an inline capture.
    Name(String),
}

fn format_pieces(template: &str) -> (Vec<String>, Vec<Spec>) {
    let mut specs = Vec::new();
    let mut pieces = vec![String::new()];
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                if let Some(piece) = pieces.last_mut() {
                    piece.push('{');
                }
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                if let Some(piece) = pieces.last_mut() {
                    piece.push('}');
                }
            }
            '{' => {
                let mut inside = String::new();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    inside.push(c);
                }
                let name = inside.split(':').next().unwrap_or_default().trim();
                specs.push(if name.is_empty() {
                    Spec::Next
                } else if let Ok(index) = name.parse() {
                    Spec::Index(index)
                } else {
                    Spec::Name(name.to_owned())
                });
                pieces.push(String::new());
            }
            c => {
                if let Some(piece) = pieces.last_mut() {
                    piece.push(c);
                }
            }
        }
    }
    (pieces, specs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            module: 0,
            self_type: Some("Detector".into()),
        }
    }

    fn key(src: &str) -> KeyExpr {
        key_of(&syn::parse_str(src).unwrap(), &Locals::default(), &scope())
    }

    fn ty(name: &str, variant: Option<&str>) -> KeyExpr {
        KeyExpr::Type {
            name: name.into(),
            variant: variant.map(Into::into),
            args: Vec::new(),
            head: None,
            scope: scope(),
        }
    }

    #[test]
    fn literals_seen_through_wrappers() {
        for src in [
            "\"a.b\"",
            "\"a.b\".into()",
            "\"a.b\".to_string()",
            "String::from(\"a.b\")",
            "&\"a.b\".to_owned()",
            "Box::new(\"a.b\")",
            "Arc::new(\"a.b\".clone())",
        ] {
            assert_eq!(key(src), KeyExpr::Str("a.b".into()), "{src}");
        }
    }

    #[test]
    fn consts_and_types() {
        assert_eq!(
            key("events::EDGE_ADDED"),
            KeyExpr::Const {
                segments: vec!["events".into(), "EDGE_ADDED".into()],
                scope: scope()
            }
        );
        assert_eq!(key("EdgeAdded { a: 1 }"), ty("EdgeAdded", None));
        assert_eq!(
            key("crate::ev::EdgeAdded(1)"),
            KeyExpr::Type {
                name: "EdgeAdded".into(),
                variant: None,
                args: Vec::new(),
                head: Some("crate".into()),
                scope: scope(),
            }
        );
        assert_eq!(key("Event::EdgeAdded(e)"), ty("Event", Some("EdgeAdded")));
        assert_eq!(key("Self::Ready"), ty("Detector", Some("Ready")));
        assert!(matches!(key("some_function(1)"), KeyExpr::Call { .. }));
        assert_eq!(
            key("ÉVÉNEMENT"),
            KeyExpr::Const {
                segments: vec!["ÉVÉNEMENT".into()],
                scope: scope()
            }
        );
        assert_eq!(key("topic"), KeyExpr::Unknown);
    }

    #[test]
    fn wrappers() {
        assert_eq!(
            key("Event { event_type: \"x\".into(), payload }"),
            KeyExpr::Wrapper {
                inner: Box::new(KeyExpr::Str("x".into())),
                ty: Box::new(ty("Event", None))
            }
        );
        assert_eq!(
            key("Event::new(\"x\", p)"),
            KeyExpr::Constructor {
                inner: Box::new(KeyExpr::Str("x".into())),
                ty: Box::new(ty("Event", None))
            }
        );
    }

    #[test]
    fn format_patterns() {
        assert_eq!(
            key("format!(\"user.{}.created\", id)"),
            KeyExpr::Format {
                pieces: vec!["user.".into(), ".created".into()],
                args: vec![KeyExpr::Unknown],
            }
        );
        assert_eq!(key("format!(\"a{{b}}\")"), KeyExpr::Str("a{b}".into()));
        assert_eq!(
            key("format!(\"{id}/x\")"),
            KeyExpr::Format {
                pieces: vec!["".into(), "/x".into()],
                args: vec![KeyExpr::Unknown],
            }
        );
        // No literal text: nothing is known of the key.
        assert_eq!(key("format!(\"{:?}\", e)"), KeyExpr::Unknown);
        assert_eq!(key("format!(\"{}{}\", a, b)"), KeyExpr::Unknown);
    }
}
