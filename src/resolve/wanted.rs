//! What the lazy analysis still has to read: the definitions and uses that files not
//! parsed yet may hold and that would change the result if they did. Each is a literal
//! pattern of whole words: `fn on_edge` for a function a handler calls (only its
//! definition matters, and a definition always reads `fn name`), `type Hit` for a type
//! that may be an alias, a bare `EDGE_ADDED` for a const (defined or re-exported), a bare
//! wrapper name (its callers give its key), `Detector` and `fn check` together for a call
//! of `Detector::check`. Every file holding one of these patterns is
//! parsed in the next round, so resolution by name (uniqueness included) sees the same
//! definitions it would see with every file parsed.

use std::collections::{BTreeSet, VecDeque};

use super::paths::{Paths, STD_METHODS, STD_TYPES};
use crate::extract::{Body, Callee, FileFacts, HandlerRef, Holder, KeyExpr, WRAPPER_TYPES};

/// The definition of a function.
fn function(name: &str) -> String {
    format!("fn {name}")
}

/// Separates the words of a pattern that needs all of them in one file.
pub const AND: char = '\u{0}';

fn all_of(words: &[&str]) -> String {
    words.join(&AND.to_string())
}

/// What the facts so far depend on and unparsed files may hold.
#[derive(Debug, Default)]
pub struct Wanted {
    /// Patterns of definitions and uses, for `prefilter::Patterns`.
    pub names: BTreeSet<String>,
    /// Absolute module paths (`[crate, events]`) that a lookup needed and no parsed file
    /// defines: a glob re-export there (`pub use short::*;`) may hold a definition without
    /// naming it, so the file of the module, or of the module around it, must be parsed.
    pub modules: BTreeSet<Vec<String>>,
}

/// Patterns whose definitions or uses the facts so far depend on.
/// `files` are the parsed files of one resolution unit (`units`).
pub fn wanted_names(files: &[&FileFacts], coupling: bool) -> Wanted {
    let paths = Paths::new(files);
    let mut names = BTreeSet::new();
    let mut modules = BTreeSet::new();
    let mut starts: Vec<(usize, Body)> = Vec::new();
    // Functions whose parameter is a site's key: their callers give the key.
    let mut wrappers: BTreeSet<&str> = BTreeSet::new();
    for (index, file) in files.iter().enumerate() {
        // Whether a field use is a site depends on the `SystemParam` struct's definition.
        for used in &file.field_uses {
            names.extend(used.types.iter().map(|ty| format!("struct {ty}")));
            if let Some(HandlerRef::Fn(function)) = used.site.handler_ref {
                starts.push((index, Body::Fn(function)));
            }
        }
        for param in &file.system_params {
            for field in &param.fields {
                want_key(&paths, index, &field.key, &mut names, &mut modules);
            }
        }
    }
    for (index, file) in files.iter().enumerate() {
        for site in &file.sites {
            want_key(&paths, index, &site.key, &mut names, &mut modules);
            // A key that may not resolve: the tree's own methods of that name tell
            // whether the argument is a key at all (`Paths::takes_bytes`).
            if let Some((method, _, options)) = &site.method_key {
                if !options.is_empty()
                    && matches!(site.key, KeyExpr::Unknown | KeyExpr::Call { .. })
                {
                    names.insert(function(method));
                }
            }
            if matches!(site.key, KeyExpr::Param(_) | KeyExpr::TypeParam(_)) {
                if let Some(Body::Fn(function)) = site.body {
                    wrappers.insert(&file.functions[function].name);
                }
            }
            // A parameter key of one of the tree's own types is no topic (resolve drops
            // it): whether the tree defines the type is in the type's definition.
            if let (KeyExpr::Param(param), Some(Body::Fn(function))) = (&site.key, site.body) {
                let types = file.functions[function].param_types.get(*param);
                for ty in types.into_iter().flatten() {
                    if ty.starts_with(char::is_uppercase) && !STD_TYPES.contains(&ty.as_str()) {
                        for kind in ["struct", "enum", "union", "type"] {
                            names.insert(format!("{kind} {ty}"));
                        }
                    }
                }
            }
            if let Some(handler) = &site.handler_ref {
                match handler {
                    HandlerRef::Closure(id) => {
                        starts.push((index, Body::Closure(*id)));
                        if let Some(name) = &site.handler {
                            names.insert(function(name));
                        }
                    }
                    HandlerRef::Fn(function) => starts.push((index, Body::Fn(*function))),
                    HandlerRef::Stream {
                        body: Some(body), ..
                    }
                    | HandlerRef::Bound {
                        body: Some(body), ..
                    } => starts.push((index, *body)),
                    HandlerRef::Path { segments, scope } => {
                        names.extend(segments.last().map(|name| function(name)));
                        paths.missing_modules(index, scope, segments, &mut modules);
                        for (file, function) in paths.fn_path(index, scope, segments) {
                            starts.push((file, Body::Fn(function)));
                        }
                    }
                    HandlerRef::Stream { body: None, .. }
                    | HandlerRef::Bound { body: None, .. }
                    | HandlerRef::Opaque => {}
                }
            }
            if coupling {
                if let Holder::Type(name) = &site.holder {
                    names.insert(name.clone());
                }
            }
        }
    }
    // Only what a key depends on is wanted, never every const and alias the parsed files
    // mention: on real code that chases `libc`'s thousands of consts through the tree.
    loop {
        let before = (names.len(), wrappers.len());
        for (index, file) in files.iter().enumerate() {
            for call in &file.calls {
                if !wrappers.contains(call.callee.name()) {
                    continue;
                }
                for arg in &call.type_args {
                    want_key(&paths, index, arg, &mut names, &mut modules);
                }
                for arg in &call.args {
                    match arg {
                        // A wrapper of a wrapper.
                        KeyExpr::Param(_) => {
                            if let Some(Body::Fn(caller)) = call.body {
                                wrappers.insert(&file.functions[caller].name);
                            }
                        }
                        _ => {
                            want_key(&paths, index, arg, &mut names, &mut modules);
                        }
                    }
                }
            }
            for fact in &file.consts {
                if fact.path.last().is_some_and(|name| names.contains(name)) {
                    want_key(&paths, index, &fact.value, &mut names, &mut modules);
                }
            }
            // An alias of an alias.
            for alias in &file.aliases {
                let name = alias.path.last().map(|name| format!("type {name}"));
                if name.is_some_and(|name| names.contains(&name)) {
                    names.insert(format!("type {}", alias.target));
                }
            }
        }
        if (names.len(), wrappers.len()) == before {
            break;
        }
    }
    names.extend(wrappers.iter().map(|name| (*name).to_owned()));

    // Every call made on the way from a handler may reach a function in another file.
    let mut seen: BTreeSet<(usize, Body)> = BTreeSet::new();
    let mut queue: VecDeque<(usize, Body)> = starts.into();
    while let Some((file, body)) = queue.pop_front() {
        if !seen.insert((file, body)) {
            continue;
        }
        for call in files[file]
            .calls
            .iter()
            .filter(|call| call.body == Some(body))
        {
            match &call.callee {
                Callee::Method { name, .. } if STD_METHODS.contains(&name.as_str()) => continue,
                Callee::Method { name, .. } => {
                    names.insert(function(name));
                }
                Callee::Path(segments) => {
                    let (Some(name), owner) = (
                        segments.last(),
                        segments.len().checked_sub(2).map(|i| &segments[i]),
                    ) else {
                        continue;
                    };
                    // `Type::f` resolves among `Type`'s methods only: files that mention the
                    // type and define `f` (`Self::f`: the impl's own type).
                    let owner = match owner.map(String::as_str) {
                        Some(owner) if STD_TYPES.contains(&owner) => continue,
                        Some("Self") => call.scope.self_type.as_deref(),
                        Some(owner) if owner.starts_with(|c: char| c.is_uppercase()) => Some(owner),
                        _ => None,
                    };
                    names.insert(match owner {
                        Some(owner) => all_of(&[owner, &function(name)]),
                        None => {
                            paths.missing_modules(file, &call.scope, segments, &mut modules);
                            function(name)
                        }
                    });
                }
            }
            for (at, function) in paths.callees(file, &call.scope, &call.callee) {
                queue.push_back((at, Body::Fn(function)));
            }
        }
    }
    Wanted { names, modules }
}

/// What a key written in `file` depends on: the names of its consts and types (a type only
/// as an alias: `type Name`), and the modules its const paths need that no parsed file
/// defines.
fn want_key(
    paths: &Paths<'_>,
    file: usize,
    key: &KeyExpr,
    names: &mut BTreeSet<String>,
    modules: &mut BTreeSet<Vec<String>>,
) {
    match key {
        KeyExpr::Const { segments, scope } => {
            names.extend(segments.last().cloned());
            paths.missing_modules(file, scope, segments, modules);
        }
        // A type key changes only if the name is an alias, or, for a variant, if its enum
        // wraps the type of the variant's name.
        // Whether it is defined in the tree at all decides whether it is external
        // (DESIGN.md precise rule 9).
        KeyExpr::Type {
            name,
            variant,
            args,
            ..
        } => {
            names.insert(format!("type {name}"));
            names.insert(format!("struct {name}"));
            names.insert(format!("enum {name}"));
            names.insert(format!("union {name}"));
            if let Some(variant) = variant {
                names.insert(format!("type {variant}"));
            }
            for arg in args {
                want_key(paths, file, arg, names, modules);
            }
        }
        KeyExpr::VariantField { name, variant, .. } => {
            names.insert(format!("type {name}"));
            names.insert(format!("enum {name}"));
            names.insert(format!("struct {variant}"));
            names.insert(format!("enum {variant}"));
            names.insert(format!("type {variant}"));
        }
        KeyExpr::Stringified(inner) => want_key(paths, file, inner, names, modules),
        KeyExpr::Wrapper { inner, ty } => {
            want_key(paths, file, inner, names, modules);
            want_key(paths, file, ty, names, modules);
        }
        // Whether the type is a wrapper depends on its definition's fields.
        KeyExpr::Constructor { inner, ty } => {
            if let KeyExpr::Type { name, .. } = &**ty {
                if !WRAPPER_TYPES.contains(&name.as_str()) {
                    names.insert(format!("struct {name}"));
                }
            }
            want_key(paths, file, inner, names, modules);
            want_key(paths, file, ty, names, modules);
        }
        KeyExpr::Call { callee, scope } => {
            let name = callee.name();
            if !(matches!(callee, Callee::Method { .. }) && STD_METHODS.contains(&name)) {
                names.insert(function(name));
            }
            if let Callee::Path(segments) = callee {
                paths.missing_modules(file, scope, segments, modules);
            }
            for (at, returns) in paths.returned(file, scope, callee) {
                // Followed once: a call the callee returns is not followed.
                if !matches!(returns, KeyExpr::Call { .. }) {
                    want_key(paths, at, returns, names, modules);
                }
            }
        }
        KeyExpr::Branches(branches) | KeyExpr::Tuple(branches) => {
            for branch in branches {
                want_key(paths, file, branch, names, modules);
            }
        }
        KeyExpr::Element { of, .. } | KeyExpr::TypedEvent(of) => {
            want_key(paths, file, of, names, modules);
        }
        KeyExpr::Format { args, .. } => {
            for arg in args {
                want_key(paths, file, arg, names, modules);
            }
        }
        KeyExpr::Str(_) | KeyExpr::Param(_) | KeyExpr::TypeParam(_) | KeyExpr::Unknown => {}
    }
}
