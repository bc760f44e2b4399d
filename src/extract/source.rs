//! Reading a file's text, and the cheap byte-level passes that run before the parser:
//! suppression comments, Cargo-script frontmatter, nesting depth.

use std::path::Path;

use crate::model::{Location, ParseFailure, Suppression};

/// A failure before parsing, located in a file once the caller knows its name.
pub struct EarlyFailure {
    line: u32,
    column: u32,
    message: String,
}

impl EarlyFailure {
    pub fn at(self, file: &str) -> ParseFailure {
        ParseFailure {
            location: Location {
                file: file.to_owned(),
                line: self.line,
                column: self.column,
            },
            message: self.message,
        }
    }
}

/// The file's text, or why it cannot be had.
pub fn read(path: &Path) -> Result<String, EarlyFailure> {
    let bytes = std::fs::read(path).map_err(|error| EarlyFailure {
        line: 1,
        column: 1,
        message: format!("could not read file: {}", io_message(&error)),
    })?;
    String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        let column = valid.iter().rev().take_while(|&&b| b != b'\n').count() as u32 + 1;
        EarlyFailure {
            line,
            column,
            message: "file is not valid UTF-8".to_owned(),
        }
    })
}

fn io_message(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::NotFound => "file not found".to_owned(),
        _ if error.raw_os_error() == Some(21) => "is a directory".to_owned(),
        _ => error.to_string(),
    }
}

/// Cargo-script frontmatter (`---` fences at the top of the file) is not Rust; blank it
/// out, keeping line numbers.
pub fn blank_frontmatter(text: &str) -> std::borrow::Cow<'_, str> {
    let mut lines = text.split_inclusive('\n');
    let mut prefix = 0;
    let mut first = lines.next();
    if first.is_some_and(|line| line.starts_with("#!") && !line.starts_with("#![")) {
        prefix += first.map_or(0, str::len);
        first = lines.next();
    }
    if !first.is_some_and(|line| line.trim_end().starts_with("---")) {
        return text.into();
    }
    let mut end = prefix + first.map_or(0, str::len);
    let mut closed = false;
    for line in lines {
        end += line.len();
        if line.trim_end() == "---" {
            closed = true;
            break;
        }
    }
    if !closed {
        return text.into();
    }
    let blanked: String = text[prefix..end]
        .chars()
        .map(|c| if c == '\n' { '\n' } else { ' ' })
        .collect();
    format!("{}{}{}", &text[..prefix], blanked, &text[end..]).into()
}

/// Operators and keywords that nest without brackets (`|| || x`, `&&&x`, `!!x`,
/// `Vec<Vec<..>>`, `return return x`) allowed in one stretch of code between `;`, `,`, `{`
/// and `}`. A real expression stays far below; syn recurses once for each.
pub const MAX_PREFIX_RUN: usize = 4096;

/// Reports code that would make the parser recurse deeper than is safe: brackets nested
/// deeper than `limit`, or a stretch of code with more than [`MAX_PREFIX_RUN`] operators
/// that nest without brackets. Comments, strings (raw and byte strings too) and char
/// literals are skipped; lifetimes are told from chars.
pub fn too_deep(text: &str, limit: usize) -> Option<EarlyFailure> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut run = 0usize;
    let mut line = 1u32;
    let mut line_start = 0usize;
    let mut i = 0;
    let fail = |line: u32, line_start: usize, at: usize, message: String| {
        Some(EarlyFailure {
            line,
            column: text[line_start..at].chars().count() as u32 + 1,
            message,
        })
    };
    // Skips to the end of a literal, counting the lines it spans; returns the index after it.
    let skip = |from: usize, to: usize, line: &mut u32, line_start: &mut usize| {
        for (k, &b) in bytes[from..to.min(bytes.len())].iter().enumerate() {
            if b == b'\n' {
                *line += 1;
                *line_start = from + k + 1;
            }
        }
        to
    };
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    while i < bytes.len() {
        let byte = bytes[i];
        if matches!(byte, b'r' | b'b' | b'c') && (i == 0 || !ident(bytes[i - 1])) {
            if let Some(end) = raw_string_end(bytes, i) {
                i = skip(i, end, &mut line, &mut line_start);
                continue;
            }
        }
        match byte {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                // Block comments nest.
                let mut open = 1;
                let mut k = i + 2;
                while k < bytes.len() && open > 0 {
                    if bytes[k] == b'/' && bytes.get(k + 1) == Some(&b'*') {
                        open += 1;
                        k += 1;
                    } else if bytes[k] == b'*' && bytes.get(k + 1) == Some(&b'/') {
                        open -= 1;
                        k += 1;
                    }
                    k += 1;
                }
                i = skip(i, k, &mut line, &mut line_start);
                continue;
            }
            b'"' => {
                let mut k = i + 1;
                while k < bytes.len() && bytes[k] != b'"' {
                    k += if bytes[k] == b'\\' { 2 } else { 1 };
                }
                i = skip(i, k + 1, &mut line, &mut line_start);
                continue;
            }
            b'\'' => {
                // A char literal ('x', '\n', '\u{..}', 'é') or a lifetime ('a).
                let rest = &text[i + 1..];
                let mut chars = rest.char_indices();
                match chars.next() {
                    Some((_, '\\')) => {
                        let close = rest[1..].find('\'').map_or(rest.len(), |c| c + 2);
                        i += 1 + close;
                        continue;
                    }
                    Some((_, c)) if rest[c.len_utf8()..].starts_with('\'') => {
                        i += 1 + c.len_utf8() + 1;
                        continue;
                    }
                    _ => {}
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return fail(
                        line,
                        line_start,
                        i,
                        format!("nesting too deep: more than {limit} nested brackets"),
                    );
                }
                if byte == b'{' {
                    run = 0;
                }
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if byte == b'}' {
                    run = 0;
                }
            }
            b';' | b',' => run = 0,
            b'|' | b'&' | b'!' | b'-' | b'*' | b'<' => {
                run += 1;
                if run > MAX_PREFIX_RUN {
                    return fail(
                        line,
                        line_start,
                        i,
                        format!("nesting too deep: more than {MAX_PREFIX_RUN} operators that nest without brackets"),
                    );
                }
            }
            b if ident(b) => {
                let end = i + bytes[i..].iter().take_while(|&&b| ident(b)).count();
                if matches!(
                    &text[i..end],
                    "return" | "break" | "yield" | "move" | "box" | "dyn" | "impl"
                ) {
                    run += 1;
                    if run > MAX_PREFIX_RUN {
                        return fail(
                            line,
                            line_start,
                            i,
                            format!("nesting too deep: more than {MAX_PREFIX_RUN} operators that nest without brackets"),
                        );
                    }
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Where a raw string (`r".."`, `r#".."#`, `br".."`, `cr".."`) starting at `start` ends.
fn raw_string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut k = start + 1;
    if bytes[start] != b'r' {
        if bytes.get(k) != Some(&b'r') {
            return None;
        }
        k += 1;
    }
    let hashes = bytes[k..].iter().take_while(|&&b| b == b'#').count();
    if bytes.get(k + hashes) != Some(&b'"') {
        return None;
    }
    let close: Vec<u8> = std::iter::once(b'"')
        .chain(std::iter::repeat_n(b'#', hashes))
        .collect();
    let body = k + hashes + 1;
    let end = bytes[body..]
        .windows(close.len())
        .position(|w| w == close.as_slice())
        .map_or(bytes.len(), |p| body + p + close.len());
    Some(end)
}

/// Every `// choreo: allow(LINT, ..)` comment, optionally followed by ` -- reason`.
pub fn suppressions(text: &str, file: &str) -> Vec<Suppression> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let Some(at) = comment_start(line) else {
            continue;
        };
        let comment = line[at + 2..].trim_start_matches('/').trim_start();
        let Some(rest) = comment.strip_prefix("choreo:") else {
            continue;
        };
        let Some(inner) = rest.trim_start().strip_prefix("allow(") else {
            continue;
        };
        let Some(close) = inner.find(')') else {
            continue;
        };
        let lints = inner[..close]
            .split(',')
            .map(|lint| lint.trim().to_owned())
            .filter(|lint| !lint.is_empty())
            .collect();
        found.push(Suppression {
            location: Location {
                file: file.to_owned(),
                line: index as u32 + 1,
                column: line[..at].chars().count() as u32 + 1,
            },
            lints,
        });
    }
    found
}

/// Where a `//` comment starts on a line, outside string literals.
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i + 1 < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes[i + 1] == b'/' => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_suppressions_not_in_strings() {
        let text = "let a = 1; // choreo: allow(orphaned_event) -- sent to the UI\n\
                    let s = \"// choreo: allow(x)\";\n\
                    // choreo: allow(a, b)\n";
        let found = suppressions(text, "f.rs");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].lints, ["orphaned_event"]);
        assert_eq!(found[0].location.line, 1);
        assert_eq!(found[1].lints, ["a", "b"]);
        assert_eq!(found[1].location.line, 3);
    }

    #[test]
    fn frontmatter_is_blanked_keeping_lines() {
        let text = "---\n[dependencies]\n---\nfn main() {}\n";
        let blanked = blank_frontmatter(text);
        assert_eq!(blanked.lines().count(), 4);
        assert!(syn::parse_file(&blanked).is_ok());
        assert_eq!(blank_frontmatter("fn a() {}\n"), "fn a() {}\n");
    }

    #[test]
    fn literals_do_not_count() {
        let deep = |open: &str, close: &str| {
            format!(
                "fn f() {{ let x = {}1{}; }}",
                open.repeat(300),
                close.repeat(300)
            )
        };
        assert!(
            too_deep(
                &format!("fn f() {{ let s = r\"\\\"; {} }}", deep("(", ")")),
                256
            )
            .is_some(),
            "a raw string ending in a backslash"
        );
        assert!(too_deep(
            "fn f() { let c = (')', ']', '}'); let l: &'a str = r#\"(((\"#; /* ((( /* ( */ */ }",
            2
        )
        .is_none());
        assert!(too_deep(&deep("(')', ", ")"), 256).is_some());
        assert!(
            too_deep(
                &format!("fn f() {{ let c = {}1; }}", "|| ".repeat(5000)),
                256
            )
            .is_some(),
            "closures"
        );
        assert!(
            too_deep(
                &format!("type A = {}u8{};", "Vec<".repeat(5000), ">".repeat(5000)),
                256
            )
            .is_some(),
            "generics"
        );
        assert!(too_deep(&format!("fn f() {{ {}1 }}", "return ".repeat(5000)), 256).is_some());
        let lines = "let x = a < b && c || !d;\n".repeat(5000);
        assert!(
            too_deep(&format!("fn f() {{ {lines} }}"), 256).is_none(),
            "operators in many statements are fine"
        );
    }

    #[test]
    fn nesting_limit() {
        let deep = format!(
            "fn f() {{ let x = {}1{}; }}",
            "(".repeat(300),
            ")".repeat(300)
        );
        assert!(too_deep(&deep, 256).is_some());
        assert!(too_deep("fn f() { (((1))) }", 256).is_none());
        assert!(too_deep("fn f() { \"((((\" }", 2).is_none());
    }
}
