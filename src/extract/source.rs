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

/// Reports brackets nested deeper than `limit`. Strings, chars and comments are skipped
/// roughly; the check only needs to be conservative for real code.
pub fn too_deep(text: &str, limit: usize) -> Option<EarlyFailure> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut line = 1u32;
    let mut line_start = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
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
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    } else if bytes[i] == b'\n' {
                        line += 1;
                        line_start = i + 1;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(EarlyFailure {
                        line,
                        column: (i - line_start) as u32 + 1,
                        message: format!("nesting too deep: more than {limit} nested brackets"),
                    });
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
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
