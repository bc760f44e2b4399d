//! Components that use each other directly (DESIGN.md `direct_coupling`): a field whose
//! type mentions another component, or a call of another component's method or associated
//! function through a field, a parameter of its type, or its type's path.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::paths::Paths;
use crate::extract::{Body, Callee, FileFacts, Holder, Receiver};
use crate::model::Coupling;

/// `components` maps the type names that hold sites to their component names.
pub fn couplings(paths: &Paths<'_>, components: &BTreeMap<String, String>) -> Vec<Coupling> {
    let files = paths.files();
    // Field types of every struct that is a component, merged across definitions.
    let mut fields: BTreeMap<&str, BTreeMap<&str, BTreeSet<&str>>> = BTreeMap::new();
    let mut out = Vec::new();
    for file in files {
        for structure in &file.structs {
            if !components.contains_key(&structure.name) {
                continue;
            }
            for field in &structure.fields {
                let mentioned = fields
                    .entry(&structure.name)
                    .or_default()
                    .entry(&field.name)
                    .or_default();
                mentioned.extend(field.types.iter().map(String::as_str));
                for used in other_components(&structure.name, &field.types, components) {
                    out.push(coupling(
                        components,
                        &structure.name,
                        used,
                        field.location.clone(),
                    ));
                }
            }
        }
    }

    // Per file on the parser threads: a large tree has tens of thousands of calls.
    let through_calls = files.par_iter().flat_map_iter(|file| {
        let mut out = Vec::new();
        for call in &file.calls {
            let Holder::Type(user) = &*call.holder else {
                continue;
            };
            if !components.contains_key(user) {
                continue;
            }
            let used: Vec<&str> = match &call.callee {
                Callee::Method { name, receiver } => {
                    let candidates: Vec<&str> = match receiver {
                        Receiver::SelfField(field) => fields
                            .get(user.as_str())
                            .and_then(|f| f.get(field.as_str()))
                            .map(|types| types.iter().copied().collect())
                            .unwrap_or_default(),
                        Receiver::Local(local) => param_types(file, call.body, local),
                        Receiver::Other => Vec::new(),
                    };
                    candidates
                        .into_iter()
                        .filter(|ty| {
                            *ty != user
                                && components.contains_key(*ty)
                                && paths.has_method(ty, name)
                        })
                        .collect()
                }
                Callee::Path(segments) if segments.len() >= 2 => {
                    let owner = segments[segments.len() - 2].as_str();
                    let name = &segments[segments.len() - 1];
                    if owner != user
                        && owner != "Self"
                        && components.contains_key(owner)
                        && paths.has_method(owner, name)
                    {
                        vec![owner]
                    } else {
                        Vec::new()
                    }
                }
                Callee::Path(_) => Vec::new(),
            };
            for used in used {
                out.push(coupling(components, user, used, call.location(&file.file)));
            }
        }
        out
    });
    out.par_extend(through_calls);
    out.sort();
    out.dedup();
    out
}

fn coupling(
    components: &BTreeMap<String, String>,
    user: &str,
    used: &str,
    location: crate::model::Location,
) -> Coupling {
    Coupling {
        user: components[user].clone(),
        used: components[used].clone(),
        location,
    }
}

fn other_components<'a>(
    owner: &'a str,
    types: &'a [String],
    components: &'a BTreeMap<String, String>,
) -> impl Iterator<Item = &'a str> {
    types
        .iter()
        .map(String::as_str)
        .filter(move |ty| *ty != owner && components.contains_key(*ty))
}

/// The type names of a parameter of the function a call is in.
fn param_types<'a>(file: &'a FileFacts, body: Option<Body>, local: &str) -> Vec<&'a str> {
    let Some(Body::Fn(function)) = body else {
        return Vec::new();
    };
    let function = &file.functions[function];
    function
        .params
        .iter()
        .position(|param| param == local)
        .and_then(|index| function.param_types.get(index))
        .map(|types| types.iter().map(String::as_str).collect())
        .unwrap_or_default()
}
