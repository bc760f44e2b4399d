//! Which `.rs` files an analysis reads: sorted, `.gitignore`-aware at every level, with
//! `target/` and hidden directories skipped and `[analysis] exclude` applied. Also finds the
//! crates of the tree (their `Cargo.toml` package names), which name module paths.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::GlobSet;

/// A source file to analyze.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceFile {
    /// Where to read it.
    pub path: PathBuf,
    /// Relative to the analyzed root, `/`-separated; what reports show.
    pub rel: String,
    /// The crate the file belongs to (`-` read as `_`), or `crate` outside any package.
    pub crate_name: String,
    /// The file's module path inside its crate (`["graph", "builder"]`).
    pub module: Vec<String>,
    /// The resolution unit it belongs to (`units`): names resolve only inside one.
    pub unit: usize,
    /// The package directory (relative to the root, `/`-separated; `""` for the root) when
    /// the file is inside a package: then only what its module tree reaches is compiled.
    pub package: Option<String>,
    /// When the file is one of its package's crate roots (`src/lib.rs`, `tests/x.rs`, a
    /// `[[bin]]` path, ..): the role of the crates it roots.
    pub root: Option<Role>,
    /// What the file is, as far as its path tells: outside packages this is final; inside
    /// one, [`crate::modtree::roles`] decides from the module tree.
    pub role: Role,
}

/// What a file is compiled into, if anything (DESIGN.md precise rules 8 and 13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Role {
    /// A library, binary or build script.
    #[default]
    Main,
    /// An example (`examples/`).
    Example,
    /// Test code: `tests/`, `benches/`, or reached only through `#[cfg(test)] mod x;`.
    Test,
    /// Inside a package, but no `mod` of its module tree reaches it: never compiled.
    Unreachable,
}

impl Role {
    /// Whether `[analysis] tests = false` leaves the file out.
    pub fn is_test_or_example(self) -> bool {
        matches!(self, Role::Example | Role::Test)
    }
}

/// A directory entry that could not be read during discovery.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WalkError {
    pub rel: String,
    pub message: String,
}

/// The result of walking a tree.
#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<SourceFile>,
    pub errors: Vec<WalkError>,
    /// How many crates (packages) the tree holds.
    pub crates: usize,
    /// How many resolution units (`units`) the files fall into; 0 or 1 for most trees.
    pub units: usize,
    /// With [`discover_all`]'s `front_end`: a Tauri front end's files, found in the same walk.
    pub front_end: crate::frontend::Files,
    /// Every crate the tree's manifests depend on, sorted (`tauri-plugin-store`).
    pub dependencies: Vec<String>,
}

/// The crate name for files outside any package.
pub const NO_CRATE: &str = "crate";

/// Walks `root` (a directory or a single `.rs` file) on as many threads as there are cores.
pub fn discover(root: &Path, exclude: &GlobSet) -> Discovery {
    discover_on(root, exclude, None)
}

/// What the walk found, before crates are known.
#[derive(Default)]
struct Found {
    rs_files: Vec<(PathBuf, String)>,
    manifests: Vec<PathBuf>,
    errors: Vec<WalkError>,
    front_end: crate::frontend::Files,
}

/// [`discover`] on `threads` walker threads (all cores when `None`). The result does not
/// depend on it: everything is sorted afterwards.
pub fn discover_on(root: &Path, exclude: &GlobSet, threads: Option<usize>) -> Discovery {
    discover_all(root, exclude, threads, false)
}

/// [`discover_on`], and with `front_end` (the `tauri` preset) also the front end's files
/// ([`crate::frontend::Files`]), in the same walk: one walk of a large front end, not two.
pub fn discover_all(
    root: &Path,
    exclude: &GlobSet,
    threads: Option<usize>,
    front_end: bool,
) -> Discovery {
    if root.is_file() {
        let name = root
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = root.parent().unwrap_or(Path::new(""));
        let (crates, dependencies) =
            find_crates(dir, std::slice::from_ref(&dir.join("Cargo.toml")));
        let file = source_file(root.to_path_buf(), name, Path::new(""), &crates);
        return Discovery {
            files: vec![file],
            errors: Vec::new(),
            crates: crates.len(),
            units: 1,
            front_end: crate::frontend::Files::default(),
            dependencies,
        };
    }

    let walker = walker(root)
        .threads(threads.unwrap_or(0))
        .filter_entry(|entry| {
            !(entry.file_type().is_some_and(|t| t.is_dir())
                && entry.file_name() == "target"
                && entry.depth() > 0)
        })
        .build_parallel();

    // Each walker thread fills its own `Found`; they are merged when the threads end.
    let all = std::sync::Mutex::new(Found::default());
    walker.run(|| {
        struct Local<'a> {
            found: Found,
            all: &'a std::sync::Mutex<Found>,
        }
        impl Drop for Local<'_> {
            fn drop(&mut self) {
                let mut all = self.all.lock().unwrap_or_else(|e| e.into_inner());
                let found = std::mem::take(&mut self.found);
                all.rs_files.extend(found.rs_files);
                all.manifests.extend(found.manifests);
                all.errors.extend(found.errors);
                all.front_end.sources.extend(found.front_end.sources);
                all.front_end.configs.extend(found.front_end.configs);
            }
        }
        let mut local = Local {
            found: Found::default(),
            all: &all,
        };
        Box::new(move |entry| {
            let found = &mut local.found;
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    found.errors.push(walk_error(root, &error));
                    return ignore::WalkState::Continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return ignore::WalkState::Continue;
            }
            let rel = relative(root, entry.path());
            if exclude.is_match(&rel) {
                return ignore::WalkState::Continue;
            }
            if entry.file_name() == "Cargo.toml" {
                found.manifests.push(entry.into_path());
            } else if entry.path().extension().is_some_and(|ext| ext == "rs") {
                found.rs_files.push((entry.into_path(), rel));
            } else if front_end {
                found.front_end.add(entry.into_path(), rel);
            }
            ignore::WalkState::Continue
        })
    });
    let Found {
        rs_files,
        mut manifests,
        mut errors,
        mut front_end,
    } = all.into_inner().unwrap_or_else(|e| e.into_inner());
    front_end.sources.sort_unstable_by(|a, b| a.1.cmp(&b.1));
    front_end.configs.sort_unstable_by(|a, b| a.1.cmp(&b.1));

    manifests.sort();
    let (crates, dependencies) = find_crates(root, &manifests);
    let mut files: Vec<SourceFile> = rs_files
        .into_iter()
        .map(|(path, rel)| source_file(path, rel.clone(), Path::new(&rel), &crates))
        .collect();
    files.sort();
    let rels: Vec<&str> = files.iter().map(|file| file.rel.as_str()).collect();
    let units = crate::units::assign(root, &manifests, &rels);
    for (file, unit) in files.iter_mut().zip(units) {
        file.unit = unit;
    }
    errors.sort();
    Discovery {
        units: files.iter().map(|file| file.unit + 1).max().unwrap_or(0),
        files,
        errors,
        crates: crates.len(),
        front_end,
        dependencies,
    }
}

fn walk_error(root: &Path, error: &ignore::Error) -> WalkError {
    // The walker's errors carry the path in their text; keep it relative.
    let message = error
        .to_string()
        .replace(&format!("{}/", root.display()), "");
    let rel = match error {
        ignore::Error::WithPath { path, .. } => relative(root, path),
        ignore::Error::WithDepth { err, .. } => match err.as_ref() {
            ignore::Error::WithPath { path, .. } => relative(root, path),
            _ => String::new(),
        },
        ignore::Error::Loop { child, .. } => relative(root, child),
        _ => String::new(),
    };
    WalkError { rel, message }
}

/// The walk every discovery makes (the Rust sources here, a Tauri front end in
/// `frontend`): hidden entries skipped, `.gitignore` honoured at every level inside or
/// outside a git repository, nothing above `root` or global read, symlinks not followed.
pub(crate) fn walker(root: &Path) -> ignore::WalkBuilder {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .hidden(true)
        .git_ignore(true)
        .require_git(false)
        .git_global(false)
        .git_exclude(false)
        .parents(false)
        .ignore(false)
        .follow_links(false);
    builder
}

/// `a/b/../c/./d` → `a/c/d`, `/`-separated, no leading `./`; `None` when it climbs above
/// the root.
pub(crate) fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// `path` relative to `root`, with `/`.
pub(crate) fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A package found in the tree.
#[derive(Debug, Clone, Default)]
struct Crate {
    name: String,
    /// Target paths the manifest names (`[lib] path`, `[[bin]] path`, `package.build`, ..),
    /// relative to the package directory, with the role of each.
    targets: Vec<(PathBuf, Role)>,
}

/// Package directories (relative to the root) mapped to their crates, and every crate the
/// manifests depend on.
fn find_crates(root: &Path, manifests: &[PathBuf]) -> (BTreeMap<PathBuf, Crate>, Vec<String>) {
    let mut crates = BTreeMap::new();
    let mut dependencies = std::collections::BTreeSet::new();
    for manifest in manifests {
        let Ok(text) = std::fs::read_to_string(manifest) else {
            continue;
        };
        let Ok(value) = text.parse::<toml::Table>() else {
            continue;
        };
        dependencies.extend(crate::init::dependency_names(&value));
        let Some(name) = value
            .get("package")
            .and_then(|package| package.get("name"))
            .and_then(|name| name.as_str())
        else {
            continue;
        };
        let dir = manifest.parent().unwrap_or(root);
        let rel = dir
            .strip_prefix(root)
            .unwrap_or(Path::new(""))
            .to_path_buf();
        let mut targets = Vec::new();
        let path_of = |table: &toml::Value| {
            table
                .get("path")
                .and_then(|p| p.as_str())
                .map(PathBuf::from)
        };
        if let Some(lib) = value.get("lib") {
            targets.extend(path_of(lib).map(|p| (p, Role::Main)));
        }
        for (section, role) in [
            ("bin", Role::Main),
            ("example", Role::Example),
            ("test", Role::Test),
            ("bench", Role::Test),
        ] {
            for target in value
                .get(section)
                .and_then(|t| t.as_array())
                .into_iter()
                .flatten()
            {
                targets.extend(path_of(target).map(|p| (p, role)));
            }
        }
        if let Some(build) = value
            .get("package")
            .and_then(|package| package.get("build"))
            .and_then(|build| build.as_str())
        {
            targets.push((PathBuf::from(build), Role::Main));
        }
        crates.insert(
            rel,
            Crate {
                name: name.replace('-', "_"),
                targets,
            },
        );
    }
    (crates, dependencies.into_iter().collect())
}

/// The role of the crates a file roots, given its path inside its package: `src/lib.rs`,
/// `src/main.rs`, `src/bin/*.rs`, `src/bin/*/main.rs`, `build.rs`, `tests/*`,
/// `examples/*`, `benches/*` (a file or a directory's `main.rs`), or a manifest target.
fn root_role(inner: &Path, targets: &[(PathBuf, Role)]) -> Option<Role> {
    if let Some((_, role)) = targets
        .iter()
        .find(|(path, _)| normal(path) == normal(inner))
    {
        return Some(*role);
    }
    let parts: Vec<&str> = inner.iter().filter_map(|part| part.to_str()).collect();
    let dir_role = |dir: &str| match dir {
        "tests" | "benches" => Some(Role::Test),
        "examples" => Some(Role::Example),
        _ => None,
    };
    match parts.as_slice() {
        ["src", "lib.rs" | "main.rs"] | ["build.rs"] => Some(Role::Main),
        ["src", "bin", file] if file.ends_with(".rs") => Some(Role::Main),
        ["src", "bin", _, "main.rs"] => Some(Role::Main),
        [dir, file] if file.ends_with(".rs") => dir_role(dir),
        [dir, _, "main.rs"] => dir_role(dir),
        _ => None,
    }
}

/// A relative path without `.` components, for comparing manifest paths with found ones.
fn normal(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

/// The role a path alone gives a file outside any package: under a `tests/` or `benches/`
/// directory it is test code, under `examples/` an example.
fn path_role(rel_path: &Path) -> Role {
    let mut role = Role::Main;
    for part in rel_path.parent().into_iter().flat_map(Path::iter) {
        match part.to_str() {
            Some("tests" | "benches") => return Role::Test,
            Some("examples") => role = Role::Example,
            _ => {}
        }
    }
    role
}

fn source_file(
    path: PathBuf,
    rel: String,
    rel_path: &Path,
    crates: &BTreeMap<PathBuf, Crate>,
) -> SourceFile {
    // The nearest enclosing package names the crate; the path inside it names the module.
    let package = rel_path
        .ancestors()
        .skip(1)
        .find_map(|dir| crates.get(dir).map(|krate| (dir.to_path_buf(), krate)));
    let (crate_dir, crate_name) = package
        .as_ref()
        .map(|(dir, krate)| (dir.clone(), krate.name.clone()))
        .unwrap_or_else(|| {
            // Without a manifest, a `src/` directory's parent is a crate named after it.
            let root = src_root(rel_path);
            let name = root
                .file_name()
                .map(|name| name.to_string_lossy().replace(['-', '.', ' '], "_"))
                .unwrap_or_else(|| NO_CRATE.to_owned());
            (root, name)
        });
    let inner = rel_path.strip_prefix(&crate_dir).unwrap_or(rel_path);
    let (package, root, role) = match package {
        Some((dir, krate)) => {
            let root = root_role(inner, &krate.targets);
            let role = root.unwrap_or_else(|| path_role(inner));
            let dir = dir
                .iter()
                .map(|part| part.to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            (Some(dir), root, role)
        }
        None => (None, None, path_role(rel_path)),
    };
    SourceFile {
        path,
        rel,
        crate_name,
        module: module_path(inner),
        unit: 0,
        package,
        root,
        role,
    }
}

/// A file given only by its relative path, outside any package (for in-memory sources).
pub fn loose_file(rel: &str) -> SourceFile {
    source_file(
        PathBuf::from(rel),
        rel.to_owned(),
        Path::new(rel),
        &BTreeMap::new(),
    )
}

/// Outside any package, a directory that holds a `src/` directory is taken for a crate's
/// root (named after the directory), so `app/src/events.rs` is the module `app::events`
/// even without `app/Cargo.toml`.
fn src_root(rel_path: &Path) -> PathBuf {
    rel_path
        .ancestors()
        .skip(1)
        .find(|dir| dir.file_name().is_some_and(|name| name == "src"))
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The module path of a file given its path inside its crate: `src/a/b.rs` and
/// `src/a/b/mod.rs` are `a::b`; `src/lib.rs`, `src/main.rs`, `src/bin/*.rs`, `build.rs` and
/// files under `tests/`, `examples/` or `benches/` are crate roots.
pub fn module_path(inner: &Path) -> Vec<String> {
    let parts: Vec<String> = inner
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let parts: &[String] = match parts.first().map(String::as_str) {
        Some("src") => &parts[1..],
        Some("tests" | "examples" | "benches") if parts.len() == 2 => return Vec::new(),
        _ => &parts,
    };
    if parts.first().is_some_and(|first| first == "bin") {
        return Vec::new();
    }
    let mut module: Vec<String> = parts.to_vec();
    if let Some(last) = module.pop() {
        let stem = last.strip_suffix(".rs").unwrap_or(&last).to_owned();
        let is_root = module.is_empty() && (stem == "lib" || stem == "main");
        if stem != "mod" && !is_root {
            module.push(stem);
        }
    }
    module
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(path: &str) -> Vec<String> {
        module_path(Path::new(path))
    }

    #[test]
    fn module_paths() {
        assert!(module("src/lib.rs").is_empty());
        assert!(module("src/main.rs").is_empty());
        assert_eq!(module("src/graph/builder.rs"), ["graph", "builder"]);
        assert_eq!(module("src/graph/mod.rs"), ["graph"]);
        assert!(module("src/bin/tool.rs").is_empty());
        assert!(module("tests/cli.rs").is_empty());
        assert_eq!(module("events.rs"), ["events"]);
    }

    #[test]
    fn without_a_manifest_src_marks_the_crate_root() {
        assert_eq!(
            src_root(Path::new("app/src/graph/builder.rs")),
            Path::new("app")
        );
        assert_eq!(src_root(Path::new("src/lib.rs")), Path::new(""));
        assert_eq!(src_root(Path::new("scripts/tool.rs")), Path::new(""));
    }
}
