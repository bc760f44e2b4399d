//! Event-key expressions: what an argument says about its event key, as far as one file
//! can tell (DESIGN.md "Event keys"). Consts and aliases are left as paths for `resolve`.

use std::collections::BTreeMap;

use syn::{Expr, Lit, Type};

use super::Scope;

/// An event key as written at a site or in a const.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyExpr {
    /// A string literal.
    Str(String),
    /// A path to a `const` or `static` (`events::EDGE_ADDED`, `Self::TOPIC`).
    Const { segments: Vec<String>, scope: Scope },
    /// A type (`EdgeAdded`) or enum variant (`Event::EdgeAdded`): `name` is the type's last
    /// segment, read through type aliases by `resolve`.
    Type {
        name: String,
        variant: Option<String>,
        scope: Scope,
    },
    /// An event wrapper: its key is `inner` when that is a string key, else the type.
    Wrapper {
        inner: Box<KeyExpr>,
        ty: Box<KeyExpr>,
    },
    /// `format!("user.{}.created", id)`: the literal pieces between placeholders.
    Format(Vec<String>),
    /// The N-th parameter of the enclosing function (`self` not counted): resolved at
    /// the function's call sites.
    Param(usize),
    /// Something no rule can resolve.
    Unknown,
}

/// What the extractor knows about local names while it reads a function.
#[derive(Debug, Default, Clone)]
pub struct Locals {
    /// `let` bindings whose value is a key, by name; `None` shadows an outer binding.
    pub bindings: BTreeMap<String, Option<KeyExpr>>,
    /// The enclosing function's parameter names, in order.
    pub params: Vec<String>,
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
const WRAPPER_FIELDS: &[&str] = &["event_type", "event_name", "topic", "kind", "event"];

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

fn is_const_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn is_type_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_uppercase()) && !is_const_name(name)
}

/// The key of an expression.
pub fn key_of(expr: &Expr, locals: &Locals, scope: &Scope) -> KeyExpr {
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
                        None => KeyExpr::Unknown,
                    },
                };
            }
            if is_const_name(last) {
                KeyExpr::Const {
                    segments,
                    scope: scope.clone(),
                }
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
            if is_type_name(last) {
                // A tuple struct or tuple variant: `EdgeAdded(..)`, `Event::EdgeAdded(..)`.
                return type_key(&segments, scope);
            }
            let owner = segments.len() >= 2 && is_type_name(&segments[segments.len() - 2]);
            if owner && (last == "new" || last.starts_with("new_")) {
                if let Some(first) = call.args.first() {
                    return KeyExpr::Wrapper {
                        inner: Box::new(key_of(first, locals, scope)),
                        ty: Box::new(type_key(&segments[..segments.len() - 1], scope)),
                    };
                }
            }
            KeyExpr::Unknown
        }
        Expr::Macro(m) => format_key(&m.mac),
        _ => KeyExpr::Unknown,
    }
}

/// A type or variant key from a path: `a::EdgeAdded` → `EdgeAdded`,
/// `Event::EdgeAdded` → `Event::EdgeAdded`, `Self::X` in `impl Event` → `Event::X`.
pub fn type_key(segments: &[String], scope: &Scope) -> KeyExpr {
    let resolve_self = |name: &str| -> String {
        if name == "Self" {
            scope.self_type.clone().unwrap_or_else(|| name.to_owned())
        } else {
            name.to_owned()
        }
    };
    match segments {
        [] => KeyExpr::Unknown,
        [.., owner, variant] if owner.starts_with(|c: char| c.is_uppercase()) => KeyExpr::Type {
            name: resolve_self(owner),
            variant: Some(variant.clone()),
            scope: scope.clone(),
        },
        [.., last] => KeyExpr::Type {
            name: resolve_self(last),
            variant: None,
            scope: scope.clone(),
        },
    }
}

/// The key of a type as written (`&EdgeAdded`, `events::EdgeAdded<'a>`).
pub fn key_of_type(ty: &Type, scope: &Scope) -> KeyExpr {
    match ty {
        Type::Reference(r) => key_of_type(&r.elem, scope),
        Type::Paren(p) => key_of_type(&p.elem, scope),
        Type::Group(g) => key_of_type(&g.elem, scope),
        Type::Path(path) if path.qself.is_none() => type_key(&segments(&path.path), scope),
        _ => KeyExpr::Unknown,
    }
}

/// The names of a path's segments, without generics.
pub fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// `format!("user.{}.created", id)` → the pieces `["user.", ".created"]`; a format string
/// without placeholders is a plain string key.
pub fn format_key(mac: &syn::Macro) -> KeyExpr {
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
    let pieces = format_pieces(&template.value());
    if pieces.len() == 1 {
        KeyExpr::Str(pieces.into_iter().next().unwrap_or_default())
    } else {
        KeyExpr::Format(pieces)
    }
}

fn format_pieces(template: &str) -> Vec<String> {
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
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                }
                pieces.push(String::new());
            }
            c => {
                if let Some(piece) = pieces.last_mut() {
                    piece.push(c);
                }
            }
        }
    }
    pieces
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
        assert_eq!(key("crate::ev::EdgeAdded(1)"), ty("EdgeAdded", None));
        assert_eq!(key("Event::EdgeAdded(e)"), ty("Event", Some("EdgeAdded")));
        assert_eq!(key("Self::Ready"), ty("Detector", Some("Ready")));
        assert_eq!(key("some_function(1)"), KeyExpr::Unknown);
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
            KeyExpr::Wrapper {
                inner: Box::new(KeyExpr::Str("x".into())),
                ty: Box::new(ty("Event", None))
            }
        );
    }

    #[test]
    fn format_patterns() {
        assert_eq!(
            key("format!(\"user.{}.created\", id)"),
            KeyExpr::Format(vec!["user.".into(), ".created".into()])
        );
        assert_eq!(key("format!(\"a{{b}}\")"), KeyExpr::Str("a{b}".into()));
        assert_eq!(
            key("format!(\"{id}/x\")"),
            KeyExpr::Format(vec!["".into(), "/x".into()])
        );
    }
}
