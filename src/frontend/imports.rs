//! How a front-end module names another: relative specifiers (`./events`, `../lib`) and
//! the `compilerOptions.paths` aliases of tsconfig/jsconfig files (`@/types`), resolved
//! to a file among those found.

use std::cell::RefCell;
use std::collections::HashMap;
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
            let dir = rel.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned();
            if rel == "package.json" || rel.ends_with("/package.json") {
                entries.extend(package_entries(&dir, &value));
                continue;
            }
            let Some(options) = value.get("compilerOptions") else {
                continue;
            };
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

/// A workspace package of the tree (`plugins/x/package.json` named `@app/plugin-x`): what
/// another package's `import { .. } from "@app/plugin-x"` names, as alias entries: the
/// package's entry (`exports["."]`, `module`, `main`, `types`, else `index`) and its
/// subpaths (`@app/plugin-x/utils` → `plugins/x/utils`).
fn package_entries(
    dir: &str,
    package: &serde_json::Value,
) -> Vec<(String, String, bool, Vec<String>)> {
    let Some(name) = package.get("name").and_then(|n| n.as_str()) else {
        return Vec::new();
    };
    let exported = package.get("exports").and_then(|exports| match exports {
        serde_json::Value::String(entry) => Some(entry.as_str()),
        serde_json::Value::Object(map) => match map.get(".") {
            Some(serde_json::Value::String(entry)) => Some(entry.as_str()),
            Some(serde_json::Value::Object(conditions)) => ["import", "default", "types"]
                .iter()
                .find_map(|c| conditions.get(*c).and_then(|v| v.as_str())),
            _ => None,
        },
        _ => None,
    });
    let entry = exported
        .or_else(|| {
            ["module", "main", "types"]
                .iter()
                .find_map(|field| package.get(*field).and_then(|v| v.as_str()))
        })
        .unwrap_or("index");
    let Some(entry) = normalize(&format!("{dir}/{entry}")) else {
        return Vec::new();
    };
    let root = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    vec![
        (String::new(), name.to_owned(), true, vec![entry]),
        (String::new(), format!("{name}/"), false, vec![root]),
    ]
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

/// Resolves the specifiers of the front end's imports to its files, each (directory,
/// specifier) once: a 2,000-file front end imports the same few modules from every file.
pub(super) struct Resolver<'a> {
    known: HashMap<&'a str, usize>,
    aliases: &'a Aliases,
    cache: RefCell<HashMap<(String, String), Option<usize>>>,
}

impl<'a> Resolver<'a> {
    /// A resolver among the files `rels` (a module's index is its position).
    pub(super) fn new(rels: &'a [String], aliases: &'a Aliases) -> Self {
        Resolver {
            known: rels
                .iter()
                .enumerate()
                .map(|(index, rel)| (rel.as_str(), index))
                .collect(),
            aliases,
            cache: RefCell::default(),
        }
    }

    /// The module a relative or aliased specifier names, for the file at `from`.
    pub(super) fn resolve(&self, from: &str, specifier: &str) -> Option<usize> {
        let dir = from.rsplit_once('/').map_or("", |(dir, _)| dir);
        let key = (dir.to_owned(), specifier.to_owned());
        if let Some(found) = self.cache.borrow().get(&key) {
            return *found;
        }
        let found = self.resolve_uncached(dir, specifier);
        self.cache.borrow_mut().insert(key, found);
        found
    }

    fn resolve_uncached(&self, dir: &str, specifier: &str) -> Option<usize> {
        if !(specifier.starts_with("./") || specifier.starts_with("../")) {
            return self
                .aliases
                .expand(&format!("{dir}/"), specifier)
                .iter()
                .find_map(|base| self.module_file(base));
        }
        self.module_file(&normalize(&format!("{dir}/{specifier}"))?)
    }

    /// The file a module path names: itself, with an extension, or its directory's index.
    fn module_file(&self, base: &str) -> Option<usize> {
        use std::fmt::Write;
        let mut candidate = String::with_capacity(base.len() + 12);
        let mut probe = |args: std::fmt::Arguments<'_>| {
            candidate.clear();
            let _ = candidate.write_fmt(args);
            self.known.get(candidate.as_str()).copied()
        };
        if let Some(found) = self.known.get(base) {
            return Some(*found);
        }
        EXTENSIONS
            .iter()
            .find_map(|ext| probe(format_args!("{base}.{ext}")))
            .or_else(|| {
                ["ts", "js", "tsx", "jsx"]
                    .iter()
                    .find_map(|ext| probe(format_args!("{base}/index.{ext}")))
            })
            .or_else(|| {
                // `./events.js` written for `events.ts` (TypeScript's ESM imports).
                let stem = base.strip_suffix(".js")?;
                probe(format_args!("{stem}.ts")).or_else(|| probe(format_args!("{stem}.tsx")))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_imports() {
        let rels: Vec<String> = ["a.ts", "b.ts", "c.ts", "src/events.ts", "src/lib/index.ts"]
            .iter()
            .map(|rel| (*rel).to_owned())
            .collect();
        let none = Aliases::default();
        let known = Resolver::new(&rels, &none);
        assert_eq!(known.resolve("src/App.vue", "./events"), Some(3));
        assert_eq!(known.resolve("src/a/b.ts", "../events.js"), Some(3));
        assert_eq!(known.resolve("src/App.vue", "./lib"), Some(4));
        assert_eq!(known.resolve("src/App.vue", "@/events"), None);
        let aliases = Aliases {
            entries: vec![(
                "".to_owned(),
                "@/".to_owned(),
                false,
                vec!["src/".to_owned()],
            )],
        };
        let known = Resolver::new(&rels, &aliases);
        assert_eq!(known.resolve("src/a/b.tsx", "@/events"), Some(3));
    }

    #[test]
    fn tsconfig_is_jsonc() {
        let text = "{\n  // comment\n  \"compilerOptions\": { /* x */ \"paths\": { \"@/*\": [\"./src/*\"], }, },\n}";
        let value: serde_json::Value = serde_json::from_str(&strip_jsonc(text)).unwrap();
        assert_eq!(value["compilerOptions"]["paths"]["@/*"][0], "./src/*");
    }
}
