//! The strings strum's derives give an enum's variants (`#[derive(strum::AsRefStr)]`): the
//! key of `IPCEvent::GoToLibrary.as_ref()` is `GoToLibrary`, not the variant key
//! `IPCEvent::GoToLibrary` (a Tauri app emits the string; its front end listens to it).

use syn::punctuated::Punctuated;
use syn::{Meta, Token};

/// strum's derives that turn a variant into a string: `as_ref()`, `into()`, `to_string()`.
const STRINGIFYING: &[&str] = &["AsRefStr", "IntoStaticStr", "Display"];

/// Derive names only strum has: beside one of them, a bare `Display` is strum's too.
const STRUM_ONLY: &[&str] = &[
    "AsRefStr",
    "IntoStaticStr",
    "EnumString",
    "EnumIter",
    "EnumCount",
    "EnumDiscriminants",
    "EnumMessage",
    "EnumProperty",
    "VariantNames",
    "EnumVariantNames",
    "VariantArray",
    "FromRepr",
    "EnumIs",
    "EnumTryAs",
    "EnumTable",
];

/// Each variant's string, sorted by variant, when the enum derives one of strum's string
/// conversions; empty otherwise, or when a `serialize_all` case is one this does not know.
/// `Display` counts only as `strum::Display` or beside another strum derive: derive_more
/// and thiserror have a `Display` of their own.
pub fn strings(node: &syn::ItemEnum) -> Vec<(String, String)> {
    let derived = derived(&node.attrs);
    let strum = derived.iter().any(|(head, name)| {
        head == "strum" || head == "strum_macros" || STRUM_ONLY.contains(&name.as_str())
    });
    if !strum
        || !derived
            .iter()
            .any(|(_, name)| STRINGIFYING.contains(&name.as_str()))
    {
        return Vec::new();
    }
    let mut case = None;
    for (key, value) in strum_args(&node.attrs) {
        if key == "serialize_all" {
            case = Some(value);
        }
    }
    let mut out = Vec::new();
    for variant in &node.variants {
        let name = variant.ident.to_string();
        let mut to_string = None;
        let mut serialize: Option<String> = None;
        for (key, value) in strum_args(&variant.attrs) {
            match key.as_str() {
                "to_string" => to_string = Some(value),
                // strum uses the longest `serialize` when there is no `to_string`.
                "serialize" if serialize.as_ref().is_none_or(|s| s.len() < value.len()) => {
                    serialize = Some(value);
                }
                _ => {}
            }
        }
        let string = match (to_string.or(serialize), &case) {
            (Some(explicit), _) => explicit,
            (None, Some(case)) => match convert(&name, case) {
                Some(converted) => converted,
                None => return Vec::new(),
            },
            (None, None) => name.clone(),
        };
        out.push((name, string));
    }
    out.sort();
    out
}

/// The derives of an item: (first path segment when there are several, last segment).
fn derived(attrs: &[syn::Attribute]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
        else {
            continue;
        };
        for path in paths {
            let head = match path.segments.len() {
                1 => String::new(),
                _ => path.segments[0].ident.to_string(),
            };
            if let Some(last) = path.segments.last() {
                out.push((head, last.ident.to_string()));
            }
        }
    }
    out
}

/// The `key = "value"` arguments of `#[strum(..)]` attributes.
fn strum_args(attrs: &[syn::Attribute]) -> Vec<(String, String)> {
    string_args(attrs, "strum")
}

/// The `key = "value"` arguments of the attributes named `name` (`#[strum(..)]`,
/// `#[tauri_specta(..)]`).
pub(super) fn string_args(attrs: &[syn::Attribute], name: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident(name)) {
        let Ok(metas) = attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
        else {
            continue;
        };
        for meta in metas {
            if let Meta::NameValue(pair) = meta {
                if let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(value),
                    ..
                }) = &pair.value
                {
                    if let Some(key) = pair.path.get_ident() {
                        out.push((key.to_string(), value.value()));
                    }
                }
            }
        }
    }
    out
}

/// A variant name in one of strum's `serialize_all` cases; `None` for a case not known here.
pub(super) fn convert(name: &str, case: &str) -> Option<String> {
    let words = words(name);
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let capitalized: Vec<String> = lower.iter().map(|w| capitalize(w)).collect();
    Some(match case {
        "snake_case" => lower.join("_"),
        "kebab-case" => lower.join("-"),
        "SCREAMING_SNAKE_CASE" | "shouty_snake_case" => lower.join("_").to_uppercase(),
        "SCREAMING-KEBAB-CASE" => lower.join("-").to_uppercase(),
        "lowercase" => name.to_lowercase(),
        "UPPERCASE" => name.to_uppercase(),
        "PascalCase" | "UpperCamelCase" => capitalized.concat(),
        "camelCase" | "lowerCamelCase" => {
            let mut out = lower.first().cloned().unwrap_or_default();
            out.push_str(&capitalized[1.min(capitalized.len())..].concat());
            out
        }
        "title_case" | "Title Case" => capitalized.join(" "),
        "Train-Case" => capitalized.join("-"),
        "verbatim" => name.to_owned(),
        _ => return None,
    })
}

/// `GoToLibrary` → `Go`, `To`, `Library`; `HTTPServer2Up` → `HTTP`, `Server2`, `Up`.
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    for (at, &c) in chars.iter().enumerate() {
        if c == '_' {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        let starts = c.is_uppercase()
            && !word.is_empty()
            && (chars[at - 1].is_lowercase()
                || chars[at - 1].is_ascii_digit()
                || chars.get(at + 1).is_some_and(|next| next.is_lowercase()));
        if starts {
            words.push(std::mem::take(&mut word));
        }
        word.push(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(src: &str) -> Vec<(String, String)> {
        strings(&syn::parse_str::<syn::ItemEnum>(src).unwrap())
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn variant_names_by_default() {
        assert_eq!(
            of("#[derive(Debug, strum::Display, strum::AsRefStr)] enum E<'a> { GoToLibrary, Unknown(&'a str) }"),
            pairs(&[("GoToLibrary", "GoToLibrary"), ("Unknown", "Unknown")])
        );
    }

    #[test]
    fn cases_and_explicit_strings() {
        assert_eq!(
            of(
                "#[derive(AsRefStr)] #[strum(serialize_all = \"kebab-case\")] enum E { \
                SyncProgress, HTTPServerUp, #[strum(serialize = \"a\", serialize = \"bee\")] Two, \
                #[strum(to_string = \"t\")] Three }"
            ),
            pairs(&[
                ("HTTPServerUp", "http-server-up"),
                ("SyncProgress", "sync-progress"),
                ("Three", "t"),
                ("Two", "bee"),
            ])
        );
        assert_eq!(
            of("#[derive(IntoStaticStr)] #[strum(serialize_all = \"camelCase\")] enum E { SyncProgress }"),
            pairs(&[("SyncProgress", "syncProgress")])
        );
        assert_eq!(
            of("#[derive(IntoStaticStr)] #[strum(serialize_all = \"SCREAMING_SNAKE_CASE\")] enum E { SyncProgress }"),
            pairs(&[("SyncProgress", "SYNC_PROGRESS")])
        );
    }

    #[test]
    fn other_displays_and_unknown_cases_give_nothing() {
        assert!(of("#[derive(Display)] enum E { A }").is_empty());
        assert!(of("#[derive(derive_more::Display)] enum E { A }").is_empty());
        assert!(
            of("#[derive(AsRefStr)] #[strum(serialize_all = \"nonsense\")] enum E { A }")
                .is_empty()
        );
        assert!(of("#[derive(Debug, Clone)] enum E { A }").is_empty());
        assert_eq!(
            of("#[derive(Display, EnumString)] enum E { A }"),
            pairs(&[("A", "A")])
        );
    }
}
