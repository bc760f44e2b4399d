//! Which files a crate compiles (DESIGN.md precise rule 13): from the crate's roots
//! (`src/lib.rs`, `src/main.rs`, `src/bin/*`, `tests/*`, `examples/*`, `benches/*`,
//! `build.rs` and the manifest's target paths) through `mod x;` declarations (with
//! `#[path]`) and `include!("..")`. A file no declaration reaches is never compiled and
//! holds no sites. Also tells test code from the rest: files reached only from `tests/`
//! and `benches/` or through `#[cfg(test)] mod x;`.
//!
//! The declarations come from a token scan of each file's bytes ([`scan`]), done while the
//! prefilter reads the file anyway: comments and string literals are skipped, so a
//! commented-out `// mod stale;` reaches nothing. A declaration a macro writes with a
//! literal name (`cfg_if! { mod unix; }`) is seen; one it writes from a variable is not.

use std::collections::{BTreeMap, HashMap};

use crate::discover::{normalize, Discovery, Role};

/// A `mod name;` declaration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModDecl {
    pub name: String,
    /// `#[path = ".."]` (also inside `cfg_attr`): where the file is instead.
    pub paths: Vec<String>,
    /// The inline modules around the declaration (`mod a { mod b; }` → `["a"]`).
    pub inline: Vec<String>,
    /// Declared under `#[cfg(test)]` (or inside an inline module that is).
    pub test: bool,
}

/// What one file declares.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scan {
    pub mods: Vec<ModDecl>,
    /// `include!("x.rs")` paths, relative to the file's directory.
    pub includes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok<'a> {
    Ident(&'a str),
    Str(String),
    Punct(u8),
}

/// The tokens of Rust source that matter here, with comments, numbers, lifetimes and
/// char literals dropped. Never fails: malformed input ends the scan early.
fn tokens(text: &[u8]) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = text.len();
    let ident_start = |b: u8| b == b'_' || b.is_ascii_alphabetic() || b >= 0x80;
    let ident_cont = |b: u8| b == b'_' || b.is_ascii_alphanumeric() || b >= 0x80;
    while i < n {
        let b = text[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'/' if text.get(i + 1) == Some(&b'/') => {
                i = memchr_from(text, b'\n', i).unwrap_or(n);
            }
            b'/' if text.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                while i < n {
                    if text[i] == b'/' && text.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if text[i] == b'*' && text.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => {
                let (value, end) = quoted(text, i + 1);
                out.push(Tok::Str(value));
                i = end;
            }
            b'\'' => {
                // A char literal (`'a'`, `'\n'`, `'é'`) or a lifetime (`'a`).
                if text.get(i + 1) == Some(&b'\\') {
                    i += 2;
                    while i < n && text[i] != b'\'' {
                        i += 1;
                    }
                    i += 1;
                } else {
                    let mut j = i + 1;
                    if j < n {
                        j += utf8_len(text[j]);
                    }
                    if text.get(j) == Some(&b'\'') {
                        i = j + 1;
                    } else {
                        i += 1;
                        while i < n && ident_cont(text[i]) {
                            i += 1;
                        }
                    }
                }
            }
            b'0'..=b'9' => {
                while i < n && ident_cont(text[i]) {
                    i += 1;
                }
            }
            _ if ident_start(b) => {
                let start = i;
                while i < n && ident_cont(text[i]) {
                    i += 1;
                }
                let word = &text[start..i];
                // String prefixes: b"..", c"..", r"..", r#".."#, br#".."#.
                let raw = matches!(word, b"r" | b"br" | b"cr");
                if raw && matches!(text.get(i), Some(b'"' | b'#')) {
                    let mut hashes = 0;
                    while text.get(i) == Some(&b'#') {
                        hashes += 1;
                        i += 1;
                    }
                    if text.get(i) == Some(&b'"') {
                        let body = i + 1;
                        let mut j = body;
                        loop {
                            match memchr_from(text, b'"', j) {
                                Some(q)
                                    if text[q + 1..]
                                        .iter()
                                        .take(hashes)
                                        .filter(|&&c| c == b'#')
                                        .count()
                                        == hashes =>
                                {
                                    out.push(Tok::Str(
                                        String::from_utf8_lossy(&text[body..q]).into_owned(),
                                    ));
                                    i = q + 1 + hashes;
                                    break;
                                }
                                Some(q) => j = q + 1,
                                None => return out,
                            }
                        }
                    } else if hashes == 1 && word == b"r" {
                        // A raw identifier: `r#mod`.
                        let start = i;
                        while i < n && ident_cont(text[i]) {
                            i += 1;
                        }
                        if let Ok(word) = std::str::from_utf8(&text[start..i]) {
                            out.push(Tok::Ident(word));
                        }
                    }
                } else if matches!(word, b"b" | b"c") && text.get(i) == Some(&b'"') {
                    let (value, end) = quoted(text, i + 1);
                    out.push(Tok::Str(value));
                    i = end;
                } else if matches!(word, b"b") && text.get(i) == Some(&b'\'') {
                    // A byte literal: `b'x'`, `b'\''`.
                    i += 1;
                    if text.get(i) == Some(&b'\\') {
                        i += 2;
                    } else {
                        i += 1;
                    }
                    while i < n && text[i] != b'\'' {
                        i += 1;
                    }
                    i += 1;
                } else if let Ok(word) = std::str::from_utf8(word) {
                    out.push(Tok::Ident(word));
                }
            }
            _ => {
                out.push(Tok::Punct(b));
                i += 1;
            }
        }
    }
    out
}

fn memchr_from(text: &[u8], byte: u8, from: usize) -> Option<usize> {
    text.get(from..)?
        .iter()
        .position(|&b| b == byte)
        .map(|at| from + at)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// A `".."` literal's text from `start` (after the quote), escapes kept as written but for
/// `\"` and `\\`; and where the literal ends.
fn quoted(text: &[u8], start: usize) -> (String, usize) {
    let mut value = Vec::new();
    let mut i = start;
    while i < text.len() {
        match text[i] {
            b'\\' if i + 1 < text.len() => {
                value.push(text[i + 1]);
                i += 2;
            }
            b'"' => return (String::from_utf8_lossy(&value).into_owned(), i + 1),
            b => {
                value.push(b);
                i += 1;
            }
        }
    }
    (String::from_utf8_lossy(&value).into_owned(), i)
}

/// What an outer attribute says about the item after it.
#[derive(Default)]
struct Attrs {
    paths: Vec<String>,
    test: bool,
}

/// Reads `#[..]` starting at the `[` (index `at`); returns where it ends.
fn attribute(toks: &[Tok<'_>], at: usize, attrs: &mut Attrs) -> usize {
    let mut depth = 0usize;
    let mut end = at;
    while end < toks.len() {
        match toks[end] {
            Tok::Punct(b'[' | b'(') => depth += 1,
            Tok::Punct(b']' | b')') => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        end += 1;
    }
    let body = &toks[(at + 1).min(end)..end];
    match body.first() {
        Some(Tok::Ident("path")) => {
            if let [_, Tok::Punct(b'='), Tok::Str(path), ..] = body {
                attrs.paths.push(path.clone());
            }
        }
        Some(Tok::Ident("cfg_attr")) => {
            for window in body.windows(3) {
                if let [Tok::Ident("path"), Tok::Punct(b'='), Tok::Str(path)] = window {
                    attrs.paths.push(path.clone());
                }
            }
        }
        Some(Tok::Ident("cfg")) => attrs.test |= cfg_is_test(&body[1..]),
        _ => {}
    }
    end + 1
}

/// Whether `(test)` or `(all(.., test, ..))` (without any `not`): code compiled only for tests.
fn cfg_is_test(toks: &[Tok<'_>]) -> bool {
    match toks {
        [Tok::Punct(b'('), Tok::Ident("test"), Tok::Punct(b')'), ..] => true,
        [Tok::Punct(b'('), Tok::Ident("all"), rest @ ..] => {
            rest.contains(&Tok::Ident("test"))
                && !rest.iter().any(|t| matches!(t, Tok::Ident("not" | "any")))
        }
        _ => false,
    }
}

/// The `mod` declarations and `include!`s of one file.
pub fn scan(text: &[u8]) -> Scan {
    let toks = tokens(text);
    let mut scan = Scan::default();
    // Per open brace: the inline module it opened, with whether it is test-only.
    let mut braces: Vec<Option<(String, bool)>> = Vec::new();
    let mut attrs = Attrs::default();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Punct(b'#') => {
                let at = if toks.get(i + 1) == Some(&Tok::Punct(b'!')) {
                    i + 2
                } else {
                    i + 1
                };
                if toks.get(at) == Some(&Tok::Punct(b'[')) {
                    let inner = at != i + 1;
                    let mut scratch = Attrs::default();
                    i = attribute(&toks, at, if inner { &mut scratch } else { &mut attrs });
                    continue;
                }
            }
            Tok::Punct(b'{') => {
                braces.push(None);
                attrs = Attrs::default();
            }
            Tok::Punct(b'}') => {
                braces.pop();
                attrs = Attrs::default();
            }
            Tok::Punct(b';') => attrs = Attrs::default(),
            Tok::Ident("mod") => {
                if let Some(Tok::Ident(name)) = toks.get(i + 1) {
                    let inline: Vec<String> =
                        braces.iter().flatten().map(|(n, _)| n.clone()).collect();
                    let outer_test = braces.iter().flatten().any(|(_, test)| *test);
                    let test = attrs.test || outer_test;
                    match toks.get(i + 2) {
                        Some(Tok::Punct(b';')) => {
                            scan.mods.push(ModDecl {
                                name: (*name).to_owned(),
                                paths: std::mem::take(&mut attrs.paths),
                                inline,
                                test,
                            });
                            attrs = Attrs::default();
                            i += 3;
                            continue;
                        }
                        Some(Tok::Punct(b'{')) => {
                            braces.push(Some(((*name).to_owned(), test)));
                            attrs = Attrs::default();
                            i += 3;
                            continue;
                        }
                        _ => {}
                    }
                }
            }
            Tok::Ident("include") => {
                if let [Tok::Punct(b'!'), Tok::Punct(b'('), Tok::Str(path), ..] =
                    &toks[i + 1..toks.len().min(i + 4)]
                {
                    scan.includes.push(path.clone());
                }
            }
            _ => {}
        }
        i += 1;
    }
    scan
}

fn join(dir: &str, rest: &str) -> String {
    if dir.is_empty() {
        rest.to_owned()
    } else {
        format!("{dir}/{rest}")
    }
}

fn parent(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// The files a declaration in `rel` may name, relative to the analyzed root.
fn candidates(rel: &str, root_file: bool, decl: &ModDecl) -> Vec<String> {
    let dir = parent(rel);
    let file_name = rel.rsplit('/').next().unwrap_or(rel);
    let mod_rs = root_file || file_name == "mod.rs";
    // Where a non-`mod.rs` file's children live: `src/a.rs` → `src/a/`.
    let own = if mod_rs {
        dir.to_owned()
    } else {
        join(dir, file_name.strip_suffix(".rs").unwrap_or(file_name))
    };
    let inline = decl.inline.join("/");
    let nested = if inline.is_empty() {
        own.clone()
    } else {
        join(&own, &inline)
    };
    let mut out = Vec::new();
    for path in &decl.paths {
        let base = if decl.inline.is_empty() { dir } else { &nested };
        out.extend(normalize(&join(base, path)));
    }
    out.push(join(&nested, &format!("{}.rs", decl.name)));
    out.push(join(&nested, &format!("{}/mod.rs", decl.name)));
    out
}

/// Each discovered file's role: `Unreachable` for files of a crate that its module tree
/// does not reach; otherwise `Main`, `Example` or `Test`, by the roots that reach it (a file
/// reached from a library or binary root through a declaration that is not `#[cfg(test)]`
/// is `Main`, whatever else reaches it). `scans[i]` is file `i`'s scan, `None` when it
/// could not be read (such a file is reachable if named, and declares nothing).
pub fn roles(discovery: &Discovery, scans: &[Option<Scan>]) -> Vec<Role> {
    let files = &discovery.files;
    let mut roles: Vec<Role> = files.iter().map(|file| file.role).collect();
    let by_rel: HashMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, file)| (file.rel.as_str(), i))
        .collect();
    // Files per package, and the package's roots among them.
    let mut packages: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, file) in files.iter().enumerate() {
        if let Some(package) = &file.package {
            packages.entry(package.as_str()).or_default().push(i);
        }
    }
    let mut best: Vec<Option<Role>> = vec![None; files.len()];
    for members in packages.values() {
        let roots: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| files[i].root.is_some())
            .collect();
        if roots.is_empty() {
            // No root among the files found (excluded, or an unusual layout): nothing can
            // be told apart, so the package is analyzed whole.
            continue;
        }
        for &i in members {
            best[i] = Some(Role::Unreachable);
        }
        // Best role first: a file reached as `Main` is never made `Test` by another path.
        for role in [Role::Main, Role::Example, Role::Test] {
            let mut stack: Vec<usize> = roots
                .iter()
                .copied()
                .filter(|&i| files[i].root == Some(role))
                .collect();
            if role == Role::Test {
                // Test-only modules of every reached file, too.
                stack.extend(
                    members
                        .iter()
                        .copied()
                        .filter(|&i| best[i].is_some_and(|r| r != Role::Unreachable)),
                );
            }
            let mut seen: Vec<bool> = vec![false; files.len()];
            while let Some(i) = stack.pop() {
                if std::mem::replace(&mut seen[i], true) {
                    continue;
                }
                if best[i] == Some(Role::Unreachable) {
                    best[i] = Some(role);
                }
                let Some(scan) = &scans[i] else { continue };
                let rel = files[i].rel.as_str();
                let root_file = files[i].root.is_some();
                for decl in &scan.mods {
                    if decl.test && role != Role::Test {
                        continue;
                    }
                    for candidate in candidates(rel, root_file, decl) {
                        if let Some(&j) = by_rel.get(candidate.as_str()) {
                            stack.push(j);
                        }
                    }
                }
                for include in &scan.includes {
                    if let Some(path) = normalize(&join(parent(rel), include)) {
                        if let Some(&j) = by_rel.get(path.as_str()) {
                            stack.push(j);
                        }
                    }
                }
            }
        }
    }
    for (role, best) in roles.iter_mut().zip(best) {
        if let Some(best) = best {
            *role = best;
        }
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(String, Vec<String>, bool)> {
        scan(text.as_bytes())
            .mods
            .into_iter()
            .map(|d| (d.name, d.inline, d.test))
            .collect()
    }

    #[test]
    fn finds_declarations_but_not_in_comments_or_strings() {
        let text = r##"
            // mod stale;
            /* mod also_stale; /* nested */ mod still_comment; */
            const S: &str = "mod in_string;";
            const R: &str = r#"mod in_raw; "quoted""#;
            const C: char = '"';
            fn f<'a>(x: &'a str) {}
            pub(crate) mod real;
            #[cfg(test)]
            mod tests;
            mod outer { pub mod inner; #[cfg(test)] mod t { mod deep; } }
            cfg_if::cfg_if! { if #[cfg(unix)] { mod unix; } }
            mod inline_only { fn g() {} }
        "##;
        assert_eq!(
            names(text),
            [
                ("real".to_owned(), vec![], false),
                ("tests".to_owned(), vec![], true),
                ("inner".to_owned(), vec!["outer".to_owned()], false),
                (
                    "deep".to_owned(),
                    vec!["outer".to_owned(), "t".to_owned()],
                    true
                ),
                ("unix".to_owned(), vec![], false),
            ]
        );
    }

    #[test]
    fn path_attributes_and_includes() {
        let found = scan(
            br#"
            #[path = "sys/linux.rs"]
            mod platform;
            #[cfg_attr(windows, path = "win.rs")]
            mod other;
            include!("generated.rs");
            "#,
        );
        assert_eq!(found.mods[0].paths, ["sys/linux.rs"]);
        assert_eq!(found.mods[1].paths, ["win.rs"]);
        assert_eq!(found.includes, ["generated.rs"]);
    }

    #[test]
    fn cfg_forms() {
        let test = |text: &str| scan(format!("{text} mod m;").as_bytes()).mods[0].test;
        assert!(test("#[cfg(test)]"));
        assert!(test("#[cfg(all(test, feature = \"x\"))]"));
        assert!(!test("#[cfg(not(test))]"));
        assert!(!test("#[cfg(any(test, feature = \"x\"))]"));
        assert!(!test("#[cfg(feature = \"test\")]"));
    }

    #[test]
    fn candidate_files() {
        let decl = |name: &str, inline: &[&str], paths: &[&str]| ModDecl {
            name: name.to_owned(),
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
            inline: inline.iter().map(|p| (*p).to_owned()).collect(),
            test: false,
        };
        assert_eq!(
            candidates("c/src/lib.rs", true, &decl("a", &[], &[])),
            ["c/src/a.rs", "c/src/a/mod.rs"]
        );
        assert_eq!(
            candidates("src/a.rs", false, &decl("b", &[], &[])),
            ["src/a/b.rs", "src/a/b/mod.rs"]
        );
        assert_eq!(
            candidates("src/a/mod.rs", false, &decl("b", &["x"], &[])),
            ["src/a/x/b.rs", "src/a/x/b/mod.rs"]
        );
        assert_eq!(
            candidates("src/a.rs", false, &decl("p", &[], &["../other.rs"])),
            ["other.rs", "src/a/p.rs", "src/a/p/mod.rs"]
        );
        assert_eq!(
            candidates("src/a.rs", false, &decl("p", &["x"], &["y.rs"]))[0],
            "src/a/x/y.rs"
        );
    }

    #[test]
    fn malformed_input_does_not_panic() {
        for text in [
            "\"unterminated",
            "r#\"open",
            "'",
            "b'",
            "/* open",
            "#[",
            "mod",
            "r#",
        ] {
            scan(text.as_bytes());
        }
    }
}
