//! Payloads as far as the source shows them (DESIGN.md precise rule 3): the fields of a
//! `json!({..})` literal or a struct literal, with the JSON type of each literal value, for
//! `payload_contract` and the report's `payload_keys`.

use std::collections::BTreeMap;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::{Expr, Lit};

use super::keys::see_through;
use crate::model::{Field, Payload, ValueKind};

/// Payloads bound by `let` in the current function, by name.
pub type Bindings = BTreeMap<String, Payload>;

/// The payload of a publish: the argument after the key, a wrapper's `payload`/`data`
/// field, a constructor's argument after the key, or a typed event's own fields. `None`
/// when the fields cannot be known.
pub fn payload_of(args: &[&Expr], key_index: Option<usize>, bound: &Bindings) -> Option<Payload> {
    match key_index.and_then(|i| args.get(i)).map(|e| see_through(e)) {
        Some(Expr::Struct(s)) => {
            let payload = s.fields.iter().find(
                |f| matches!(&f.member, syn::Member::Named(n) if n == "payload" || n == "data"),
            );
            match payload {
                Some(field) => fields_of(&field.expr, bound),
                None => struct_fields(s),
            }
        }
        Some(Expr::Call(call)) if call.args.len() >= 2 => fields_of(&call.args[1], bound),
        _ => fields_of(args.get(key_index? + 1)?, bound),
    }
}

/// The fields of a `json!` object, a struct literal, or a `let` binding to one.
pub fn fields_of(expr: &Expr, bound: &Bindings) -> Option<Payload> {
    match see_through(expr) {
        Expr::Struct(s) => struct_fields(s),
        Expr::Macro(m)
            if m.mac
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "json") =>
        {
            let mut tokens = m.mac.tokens.clone().into_iter();
            match (tokens.next(), tokens.next()) {
                (Some(TokenTree::Group(group)), None) if group.delimiter() == Delimiter::Brace => {
                    Some(json_object(group.stream()))
                }
                _ => None,
            }
        }
        Expr::Path(path) => path
            .path
            .get_ident()
            .and_then(|ident| bound.get(&ident.to_string()))
            .cloned(),
        _ => None,
    }
}

/// A struct literal's fields; unknown when it fills the rest from elsewhere (`..x`).
fn struct_fields(s: &syn::ExprStruct) -> Option<Payload> {
    if s.rest.is_some() {
        return None;
    }
    let fields = s.fields.iter().filter_map(|f| match &f.member {
        syn::Member::Named(name) => Some(Field {
            name: name.to_string(),
            kind: literal_kind(&f.expr),
        }),
        syn::Member::Unnamed(_) => None,
    });
    Some(sorted(fields.collect()))
}

fn literal_kind(expr: &Expr) -> ValueKind {
    match see_through(expr) {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(_) => ValueKind::String,
            Lit::Int(_) => ValueKind::Integer,
            Lit::Float(_) => ValueKind::Number,
            Lit::Bool(_) => ValueKind::Boolean,
            _ => ValueKind::Unknown,
        },
        _ => ValueKind::Unknown,
    }
}

/// The entries of a `json!` object body: `"key": value` pairs separated by commas.
fn json_object(body: TokenStream) -> Payload {
    let mut fields = Vec::new();
    let mut entry: Vec<TokenTree> = Vec::new();
    let mut flush = |entry: &mut Vec<TokenTree>| {
        if let Some(field) = json_entry(entry) {
            fields.push(field);
        }
        entry.clear();
    };
    for token in body {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ',' => flush(&mut entry),
            _ => entry.push(token),
        }
    }
    flush(&mut entry);
    sorted(fields)
}

fn json_entry(entry: &[TokenTree]) -> Option<Field> {
    let (key, rest) = entry.split_first()?;
    let name = syn::parse2::<syn::LitStr>(key.clone().into()).ok()?.value();
    let (colon, value) = rest.split_first()?;
    if !matches!(colon, TokenTree::Punct(p) if p.as_char() == ':') {
        return None;
    }
    Some(Field {
        name,
        kind: json_value_kind(value),
    })
}

fn json_value_kind(value: &[TokenTree]) -> ValueKind {
    let value = match value {
        [TokenTree::Punct(minus), rest @ ..] if minus.as_char() == '-' => rest,
        other => other,
    };
    match value {
        [TokenTree::Literal(literal)] => {
            match syn::parse2::<Lit>(TokenTree::Literal(literal.clone()).into()) {
                Ok(Lit::Str(_)) => ValueKind::String,
                Ok(Lit::Int(_)) => ValueKind::Integer,
                Ok(Lit::Float(_)) => ValueKind::Number,
                _ => ValueKind::Unknown,
            }
        }
        [TokenTree::Ident(ident)] if ident == "true" || ident == "false" => ValueKind::Boolean,
        [TokenTree::Ident(ident)] if ident == "null" => ValueKind::Null,
        [TokenTree::Group(group)] if group.delimiter() == Delimiter::Brace => {
            ValueKind::Object(json_object(group.stream()))
        }
        [TokenTree::Group(group)] if group.delimiter() == Delimiter::Bracket => ValueKind::Array,
        _ => ValueKind::Unknown,
    }
}

fn sorted(mut fields: Payload) -> Payload {
    fields.sort();
    fields.dedup_by(|a, b| a.name == b.name);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(src: &str) -> Option<Payload> {
        fields_of(&syn::parse_str(src).unwrap(), &Bindings::new())
    }

    #[test]
    fn json_literal_fields_and_kinds() {
        let fields = payload(r#"json!({ "source": a, "target": "b", "w": -1.5, "n": 3, "ok": true, "none": null, "tags": [1], "at": { "x": 1 } })"#).unwrap();
        let kinds: Vec<(&str, &ValueKind)> =
            fields.iter().map(|f| (f.name.as_str(), &f.kind)).collect();
        assert_eq!(
            kinds,
            [
                (
                    "at",
                    &ValueKind::Object(vec![Field {
                        name: "x".into(),
                        kind: ValueKind::Integer
                    }])
                ),
                ("n", &ValueKind::Integer),
                ("none", &ValueKind::Null),
                ("ok", &ValueKind::Boolean),
                ("source", &ValueKind::Unknown),
                ("tags", &ValueKind::Array),
                ("target", &ValueKind::String),
                ("w", &ValueKind::Number),
            ]
        );
    }

    #[test]
    fn structs_and_unknowns() {
        let fields = payload("EdgeAdded { source: 1, target }").unwrap();
        assert_eq!(fields.len(), 2);
        assert!(payload("EdgeAdded { source: 1, ..Default::default() }").is_none());
        assert!(payload("make_payload()").is_none());
        assert!(payload("json!(value)").is_none());
    }
}
