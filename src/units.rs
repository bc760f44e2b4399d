//! Resolution units: the crates of a tree that can name each other. A Cargo workspace's
//! members, and the packages a `path` dependency (or a `[patch]` by path) links, form one
//! unit; workspaces and packages that nothing links are units of their own, and the files
//! outside every package and workspace form one more. A dependency given by name alone
//! comes from a registry in Cargo, never from a directory beside it, so it links nothing.
//!
//! Names are resolved inside a unit only (`resolve`, and the lazy analysis's wanted
//! names), so what a crate's sites, keys and handlers are does not depend on what else
//! sits in the tree: two workspaces side by side are analyzed as each would be alone, and
//! a handler that calls `.run()` is not followed into another repository's `fn run`. The
//! event graph still joins every unit: a key published in one and subscribed in another
//! is one event.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// A manifest's directory and what it says about linking, relative to the root.
struct Manifest {
    package: bool,
    /// `[workspace] exclude` entries, relative to this directory.
    workspace: Option<Vec<PathBuf>>,
    /// Directories named by `path = ".."` in dependency and patch tables.
    paths: Vec<PathBuf>,
}

/// The unit of each of `files` (paths relative to `root`), numbered from 0 in the order of
/// the sorted manifest directories, the files outside every manifest's directory last.
/// `manifests` are the `Cargo.toml` files of the tree.
pub fn assign(root: &Path, manifests: &[PathBuf], files: &[&str]) -> Vec<usize> {
    let mut dirs: BTreeMap<PathBuf, Manifest> = BTreeMap::new();
    for manifest in manifests {
        let Ok(text) = std::fs::read_to_string(manifest) else {
            continue;
        };
        let Ok(value) = text.parse::<toml::Table>() else {
            continue;
        };
        let dir = manifest.parent().unwrap_or(root);
        let rel = dir
            .strip_prefix(root)
            .unwrap_or(Path::new(""))
            .to_path_buf();
        let workspace = value.get("workspace").map(|workspace| {
            workspace
                .get("exclude")
                .and_then(toml::Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(toml::Value::as_str)
                        .map(normalize)
                        .collect()
                })
                .unwrap_or_default()
        });
        let mut paths = Vec::new();
        dependency_paths(&value, false, &mut paths);
        let paths = paths.iter().map(|p| normalize_in(&rel, p)).collect();
        dirs.insert(
            rel,
            Manifest {
                package: value.contains_key("package"),
                workspace,
                paths,
            },
        );
    }
    let index: BTreeMap<&Path, usize> = dirs
        .keys()
        .enumerate()
        .map(|(i, dir)| (dir.as_path(), i))
        .collect();
    let mut sets = Sets::new(dirs.len() + 1);
    let loose = dirs.len();
    for (dir, manifest) in &dirs {
        let me = index[dir.as_path()];
        // The workspace a package belongs to: the nearest enclosing `[workspace]` that
        // does not exclude it (Cargo's own search).
        if manifest.package {
            let root = dir.ancestors().skip(1).find_map(|up| {
                let found = dirs.get(up)?;
                let exclude = found.workspace.as_ref()?;
                let inner = dir.strip_prefix(up).ok()?;
                (!exclude.iter().any(|e| inner.starts_with(e))).then_some(up)
            });
            if let Some(root) = root {
                sets.union(me, index[root]);
            }
        }
        for target in &manifest.paths {
            if let Some(&other) = index.get(target.as_path()) {
                sets.union(me, other);
            }
        }
    }
    let mut number: BTreeMap<usize, usize> = BTreeMap::new();
    let mut numbered = |set: usize| {
        let next = number.len();
        *number.entry(set).or_insert(next)
    };
    // Numbers in manifest order, so they do not depend on the files.
    for i in 0..=loose {
        numbered(sets.find(i));
    }
    files
        .iter()
        .map(|rel| {
            let owner = Path::new(rel)
                .ancestors()
                .skip(1)
                .find_map(|dir| index.get(dir).copied())
                .unwrap_or(loose);
            number[&sets.find(owner)]
        })
        .collect()
}

/// Every `path` string of a dependency or patch table, anywhere in the manifest
/// (`[dependencies]`, `[dev-dependencies]`, `[target.'cfg(..)'.dependencies]`,
/// `[workspace.dependencies]`, `[patch.crates-io]`, `[replace]`).
fn dependency_paths(table: &toml::Table, inside: bool, out: &mut Vec<String>) {
    for (key, value) in table {
        let Some(inner) = value.as_table() else {
            continue;
        };
        let section = key.ends_with("dependencies") || key == "patch" || key == "replace";
        if inside {
            if let Some(path) = inner.get("path").and_then(toml::Value::as_str) {
                out.push(path.to_owned());
            }
        }
        // A dependency table's entries are dependencies; other tables (`target`, `patch`'s
        // sources, `workspace`) may hold dependency tables.
        dependency_paths(inner, section || (inside && key != "path"), out);
    }
}

/// `dir/path` with `.` and `..` folded, relative to the root.
fn normalize_in(dir: &Path, path: &str) -> PathBuf {
    normalize(&dir.join(path).to_string_lossy())
}

fn normalize(path: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for component in Path::new(path).components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(part) => out.push(part),
            _ => {}
        }
    }
    out
}

/// Disjoint sets over `0..n`.
struct Sets(Vec<usize>);

impl Sets {
    fn new(n: usize) -> Sets {
        Sets((0..n).collect())
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        // The smaller index stays the root, so the result does not depend on the order.
        self.0[a.max(b)] = a.min(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn workspaces_and_path_dependencies_link_crates_names_do_not() {
        let dir = tree(&[
            ("one/Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\nexclude = [\"fixtures\"]\n"),
            ("one/a/Cargo.toml", "[package]\nname = \"a\"\n"),
            ("one/b/Cargo.toml", "[package]\nname = \"b\"\n[dependencies]\nserde = \"1\"\n"),
            ("one/fixtures/c/Cargo.toml", "[package]\nname = \"c\"\n"),
            ("two/Cargo.toml", "[package]\nname = \"two\"\n[dependencies]\na = \"1\"\n"),
            (
                "three/Cargo.toml",
                "[package]\nname = \"three\"\n[target.'cfg(unix)'.dev-dependencies]\nv = { path = \"../vendor/v\" }\n",
            ),
            ("vendor/v/Cargo.toml", "[package]\nname = \"v\"\n"),
        ]);
        let mut manifests: Vec<PathBuf> = [
            "one",
            "one/a",
            "one/b",
            "one/fixtures/c",
            "two",
            "three",
            "vendor/v",
        ]
        .iter()
        .map(|d| dir.path().join(d).join("Cargo.toml"))
        .collect();
        manifests.sort();
        let files = [
            "one/a/src/lib.rs",
            "one/b/src/lib.rs",
            "one/tools/x.rs",
            "one/fixtures/c/src/lib.rs",
            "two/src/main.rs",
            "three/src/lib.rs",
            "vendor/v/src/lib.rs",
            "loose/src/lib.rs",
            "stray.rs",
        ];
        let units = assign(dir.path(), &manifests, &files);
        let [a, b, tools, c, two, three, v, loose, stray] = units[..] else {
            panic!("{units:?}")
        };
        assert_eq!((a, b, tools), (a, a, a), "one workspace");
        assert_ne!(c, a, "excluded from the workspace");
        assert_ne!(two, a, "a dependency by name links nothing");
        assert_eq!(three, v, "a path dependency links");
        assert_eq!(loose, stray, "the files outside every package");
        let distinct: std::collections::BTreeSet<usize> = units.iter().copied().collect();
        assert_eq!(distinct.len(), 5);
    }
}
