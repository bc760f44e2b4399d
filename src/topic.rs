//! Topic matching under the configured syntax (DESIGN.md precise rule 7): which concrete
//! keys a wildcard subscription, an `[events] external_*` pattern or a `format!` pattern
//! stands for.

use crate::config::TopicSyntax;

/// Whether `key` contains a wildcard of `syntax`.
pub fn is_wildcard(key: &str, syntax: TopicSyntax) -> bool {
    match syntax {
        TopicSyntax::Exact => false,
        TopicSyntax::Nats => key.split('.').any(|t| t == "*" || t == ">"),
        TopicSyntax::Mqtt => key.split('/').any(|t| t == "+" || t == "#"),
        TopicSyntax::Glob => key.contains(['*', '?']),
    }
}

/// Whether the wildcard `pattern` matches `key` under `syntax`; `exact` compares equal.
pub fn matches(pattern: &str, key: &str, syntax: TopicSyntax) -> bool {
    match syntax {
        TopicSyntax::Exact => pattern == key,
        TopicSyntax::Nats => tokens_match(pattern.split('.'), key.split('.'), "*", ">", false),
        TopicSyntax::Mqtt => tokens_match(pattern.split('/'), key.split('/'), "+", "#", true),
        TopicSyntax::Glob => glob_match(pattern.as_bytes(), key.as_bytes()),
    }
}

/// Whether a `[events] external_*` pattern matches: the topic syntax, or glob under `exact`.
pub fn external_matches(pattern: &str, key: &str, syntax: TopicSyntax) -> bool {
    match syntax {
        TopicSyntax::Exact => glob_match(pattern.as_bytes(), key.as_bytes()),
        _ => matches(pattern, key, syntax),
    }
}

/// Whether a `format!` pattern (placeholders written as the one-token wildcard) can
/// produce `key`: a placeholder is one token under nats and mqtt, any run otherwise.
pub fn pattern_produces(pattern: &str, key: &str, syntax: TopicSyntax) -> bool {
    match syntax {
        TopicSyntax::Nats | TopicSyntax::Mqtt => matches(pattern, key, syntax),
        TopicSyntax::Exact | TopicSyntax::Glob => star_match(pattern.as_bytes(), key.as_bytes()),
    }
}

/// The placeholder written for a `format!` argument.
pub fn placeholder(syntax: TopicSyntax) -> &'static str {
    match syntax {
        TopicSyntax::Mqtt => "+",
        _ => "*",
    }
}

fn tokens_match<'a>(
    pattern: impl Iterator<Item = &'a str>,
    key: impl Iterator<Item = &'a str>,
    one: &str,
    rest: &str,
    rest_may_be_empty: bool,
) -> bool {
    let pattern: Vec<&str> = pattern.collect();
    let key: Vec<&str> = key.collect();
    for (i, token) in pattern.iter().enumerate() {
        if *token == rest && i == pattern.len() - 1 {
            let remaining = key.len().saturating_sub(i);
            return key.len() >= i && (remaining >= 1 || rest_may_be_empty);
        }
        match key.get(i) {
            Some(k) if token == k || *token == one => {}
            _ => return false,
        }
    }
    pattern.len() == key.len()
}

fn glob_match(pattern: &[u8], key: &[u8]) -> bool {
    wildcard_match(pattern, key, true)
}

fn star_match(pattern: &[u8], key: &[u8]) -> bool {
    wildcard_match(pattern, key, false)
}

/// Iterative `*` (any run) and optionally `?` (one byte) matching with backtracking to the
/// last star: linear in practice, never recursive. A star is a star before it is a byte
/// equal to the key's, so `a:*` matches the `format!` pattern `a:*:*` (whose stars are runs
/// too); `?` stands for one byte, never for a pattern's run.
fn wildcard_match(pattern: &[u8], key: &[u8], question: bool) -> bool {
    let (mut p, mut k) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while k < key.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, k));
            p += 1;
        } else if p < pattern.len()
            && (pattern[p] == key[k] || (question && pattern[p] == b'?' && key[k] != b'*'))
        {
            p += 1;
            k += 1;
        } else if let Some((sp, sk)) = star {
            p = sp + 1;
            k = sk + 1;
            star = Some((sp, sk + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use TopicSyntax::*;

    #[test]
    fn nats() {
        assert!(matches("user.*.created", "user.42.created", Nats));
        assert!(!matches("user.*.created", "user.42.x.created", Nats));
        assert!(matches("user.>", "user.42.created", Nats));
        assert!(matches("user.>", "user.42", Nats));
        assert!(!matches("user.>", "user", Nats));
        assert!(is_wildcard("a.>", Nats) && !is_wildcard("a.b*", Nats));
    }

    #[test]
    fn mqtt() {
        assert!(matches("a/+/c", "a/b/c", Mqtt));
        assert!(matches("a/#", "a", Mqtt));
        assert!(matches("a/#", "a/b/c", Mqtt));
        assert!(!matches("a/+", "a/b/c", Mqtt));
        assert!(matches("#", "x/y", Mqtt));
    }

    #[test]
    fn glob() {
        assert!(matches("user.*", "user.a.b", Glob));
        assert!(matches("user.?", "user.a", Glob));
        assert!(!matches("user.?", "user.ab", Glob));
        assert!(external_matches("frontend.*", "frontend.ready", Exact));
        // A wildcard against a `format!` pattern: it covers every key the pattern makes.
        assert!(matches("af:awareness:*", "af:awareness:*:*", Glob));
        assert!(matches("*", "*", Glob));
        assert!(!matches("af:?", "af:*", Glob));
        assert!(!matches("af:x:*", "af:*:*", Glob));
        assert!(!matches("frontend.*", "frontend.ready", Exact));
    }

    #[test]
    fn patterns() {
        assert!(pattern_produces("user.*.created", "user.42.created", Exact));
        assert!(pattern_produces(
            "user.*.created",
            "user.a.b.created",
            Exact
        ));
        assert!(!pattern_produces(
            "user.*.created",
            "user.a.b.created",
            Nats
        ));
        assert!(pattern_produces("*", "anything", Exact));
    }
}
