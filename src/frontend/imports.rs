//! How a front-end module names another: relative specifiers (`./events`, `../lib`) and
//! the `compilerOptions.paths` aliases of tsconfig/jsconfig files (`@/types`), resolved
//! to a file among those found.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::EXTENSIONS;
use crate::discover::normalize;

/// Import aliases from the `compilerOptions.paths` of the `tsconfig*.json` and
/// `jsconfig.json` files of the front end (`"@/*": ["./src/*"]`), each applying to the
/// files under its directory: a pattern's prefix (before `*`) and the targets' prefixes,
/// relative to the analyzed root (through `baseUrl`).
#[derive(Debug, Default)]
pub(super) struct Aliases {
    /// (directory of the config, pattern prefix, exact pattern?, target prefixes)
    entries: Vec<(String, String, bool, Vec<String>)>,
}

impl Aliases {
    /// Reads the configs among `configs` (`(path, relative path)`).
    pub(super) fn read(configs: &[(PathBuf, String)]) -> Aliases {
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
pub(super) fn resolve_import(
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
