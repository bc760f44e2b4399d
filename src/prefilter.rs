//! Byte-level prefilters for the lazy analysis: which files can hold a site (a rule's call
//! name, or an everyday name next to a bus word), and which files mention a name the
//! resolution still needs. Both are conservative: a file they pass may hold nothing; a file
//! they reject cannot matter.

use aho_corasick::AhoCorasick;

use crate::rules::RuleSet;

/// Bevy's sites are typed parameters and `trigger` calls, not rule names.
const BEVY_WORDS: &[&str] = &[
    "EventReader",
    "EventWriter",
    "MessageReader",
    "MessageWriter",
    "Trigger",
    "On",
    "trigger",
];

/// Receiver words of the generic preset's everyday names, matched case-insensitively as
/// substrings (`eventBus`, `EVENT_HUB`).
const BUS_WORDS: &[&str] = &[
    "bus",
    "event",
    "emitter",
    "dispatcher",
    "broker",
    "hub",
    "pubsub",
    "topic",
];

/// Decides whether a file can hold a publish or subscribe site.
pub struct SiteFilter {
    /// Rule names that make a site on their own.
    strong: Option<regex::bytes::Regex>,
    /// Type names that make a site (bevy's `EventReader<E>` parameters).
    types: Option<regex::bytes::Regex>,
    everyday: Option<regex::bytes::Regex>,
    bus: Option<regex::bytes::Regex>,
}

/// How a word must be followed to be a call's name: by an argument list, a macro's `!` or
/// a path's `::` (`publish::<Edge>(..)`), with any whitespace and comments between. A rule
/// name in prose (`// emit on every change`) does not count: on real code the everyday
/// names are common English words.
const CALLED: &str = r"(?:\s|//[^\n]*\n|/\*(?s:.)*?\*/)*(?:\(|!|::)";

/// How a regex's words must stand.
#[derive(Clone, Copy)]
enum Shape {
    /// Anywhere, even inside a longer word.
    Within,
    /// As a whole word (ASCII word boundaries: conservative around other bytes).
    Word,
    /// As a whole word called as a function, method or macro.
    Called,
}

/// One regex for a set of words. The regex crate finds the literals with SIMD before it
/// looks at what surrounds them.
fn word_regex(
    words: &[String],
    case_insensitive: bool,
    shape: Shape,
) -> Option<regex::bytes::Regex> {
    let mut words: Vec<&String> = words.iter().filter(|w| !w.is_empty()).collect();
    words.sort();
    words.dedup();
    if words.is_empty() {
        return None;
    }
    let alternatives = words
        .iter()
        .map(|w| regex::escape(w))
        .collect::<Vec<_>>()
        .join("|");
    let pattern = match shape {
        Shape::Within => format!("(?:{alternatives})"),
        Shape::Word => format!(r"(?-u:\b)(?:{alternatives})(?-u:\b)"),
        Shape::Called => format!(r"(?-u:\b)(?:{alternatives})(?-u:\b){CALLED}"),
    };
    regex::bytes::RegexBuilder::new(&pattern)
        .case_insensitive(case_insensitive)
        .unicode(false)
        .build()
        .ok()
}

impl SiteFilter {
    pub fn new(rules: &RuleSet) -> SiteFilter {
        let mut strong: Vec<String> = Vec::new();
        let mut everyday: Vec<String> = Vec::new();
        let mut types: Vec<String> = Vec::new();
        for rule in &rules.rules {
            let name = match &rule.matcher {
                crate::rules::Matcher::Name(name) => name.clone(),
                crate::rules::Matcher::Path(path) => path.last().cloned().unwrap_or_default(),
            };
            if rule.needs_bus_word {
                everyday.push(name);
            } else {
                strong.push(name);
            }
        }
        if rules.bevy {
            types.extend(BEVY_WORDS.iter().map(|w| (*w).to_owned()));
        }
        let bus: Vec<String> = BUS_WORDS.iter().map(|w| (*w).to_owned()).collect();
        SiteFilter {
            strong: word_regex(&strong, false, Shape::Called),
            types: word_regex(&types, false, Shape::Word),
            everyday: word_regex(&everyday, false, Shape::Called),
            bus: word_regex(&bus, true, Shape::Within),
        }
    }

    pub fn may_hold_site(&self, text: &[u8]) -> bool {
        let found =
            |regex: &Option<regex::bytes::Regex>| regex.as_ref().is_some_and(|r| r.is_match(text));
        // A definition (`pub fn subscribe(&self) -> Pollable`) is not a call.
        let called = |regex: &Option<regex::bytes::Regex>| {
            regex
                .as_ref()
                .is_some_and(|r| r.find_iter(text).any(|m| !defines(&text[..m.start()])))
        };
        called(&self.strong) || found(&self.types) || (found(&self.bus) && called(&self.everyday))
    }
}

/// Whether text ends with the `fn` keyword and whitespace: what follows is the name of a
/// definition.
fn defines(before: &[u8]) -> bool {
    let trimmed = before.trim_ascii_end();
    trimmed.len() < before.len()
        && trimmed.ends_with(b"fn")
        && !trimmed[..trimmed.len() - 2]
            .last()
            .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A set of identifiers, matched as whole words.
pub struct Words {
    matcher: Option<AhoCorasick>,
    words: Vec<String>,
}

impl Words {
    pub fn new(mut words: Vec<String>) -> Words {
        words.retain(|w| !w.is_empty());
        words.sort();
        words.dedup();
        let matcher = if words.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(&words)
                .or_else(|_| AhoCorasick::new(&words))
                .ok()
        };
        Words { matcher, words }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether one of the words occurs in `text` with no identifier character on either
    /// side. Overlapping matches are checked, so `on` inside `one on` is still found.
    pub fn any_in(&self, text: &[u8]) -> bool {
        self.matches(text).next().is_some()
    }

    /// The words (indices into the sorted, deduplicated list) that occur in `text`.
    pub fn found_in(&self, text: &[u8]) -> std::collections::BTreeSet<usize> {
        self.matches(text).collect()
    }

    fn matches<'t>(&'t self, text: &'t [u8]) -> impl Iterator<Item = usize> + 't {
        let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
        let mut at = 0;
        std::iter::from_fn(move || {
            let matcher = self.matcher.as_ref()?;
            // The earliest match; when it is part of a longer word, search again from the
            // next byte, so a word overlapping it (`new` in `afn new`) is still found.
            while at < text.len() {
                let found = matcher.find(aho_corasick::Input::new(text).span(at..text.len()))?;
                let before = found.start().checked_sub(1).map(|i| text[i]);
                let after = text.get(found.end()).copied();
                if !before.is_some_and(ident) && !after.is_some_and(ident) {
                    at = found.end();
                    return Some(found.pattern().as_usize());
                }
                at = found.start() + 1;
            }
            None
        })
    }

    fn index(&self, word: &str) -> Option<usize> {
        self.words.binary_search_by(|w| w.as_str().cmp(word)).ok()
    }
}

/// Patterns of whole words, each a word or several that must all occur in one file
/// (joined by `and` in the input: `Detector` and `fn check`). Definitions (`fn name`,
/// `type Name`) are found by looking for the keyword and then the name in a set, which stays
/// fast however many names are wanted; other words go through one automaton.
pub struct Patterns {
    words: Words,
    /// Wanted names after `fn ` and after `type `, each with its word index.
    definitions: [(&'static str, std::collections::HashMap<String, usize>); 2],
    /// Per pattern, the words it needs: indices into `words`, then definitions numbered
    /// after them.
    needs: Vec<Vec<usize>>,
}

impl Patterns {
    pub fn new(patterns: Vec<String>, and: char) -> Patterns {
        let split: Vec<Vec<String>> = patterns
            .iter()
            .map(|p| p.split(and).map(str::to_owned).collect())
            .collect();
        let keywords = ["fn ", "type "];
        let is_definition = |w: &str| keywords.iter().any(|k| w.starts_with(k));
        let words = Words::new(
            split
                .iter()
                .flatten()
                .filter(|w| !is_definition(w))
                .cloned()
                .collect(),
        );
        let mut definitions = keywords.map(|k| (k, std::collections::HashMap::new()));
        let mut next = words.words.len();
        let mut id = |word: &str| -> Option<usize> {
            for (keyword, names) in definitions.iter_mut() {
                if let Some(name) = word.strip_prefix(*keyword) {
                    return Some(*names.entry(name.to_owned()).or_insert_with(|| {
                        next += 1;
                        next - 1
                    }));
                }
            }
            words.index(word)
        };
        let needs = split
            .iter()
            .map(|parts| parts.iter().filter_map(|w| id(w)).collect())
            .collect();
        Patterns {
            words,
            definitions,
            needs,
        }
    }

    /// Whether a pattern occurs in `text`.
    pub fn any_in(&self, text: &[u8]) -> bool {
        let mut found = self.words.found_in(text);
        let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
        for (keyword, names) in &self.definitions {
            if names.is_empty() {
                continue;
            }
            for at in memchr::memmem::find_iter(text, keyword.trim_end().as_bytes()) {
                if at > 0 && ident(text[at - 1]) {
                    continue;
                }
                // `fn name`, also with other or more whitespace between.
                let after = at + keyword.trim_end().len();
                let gap = text[after..]
                    .iter()
                    .take_while(|b| b.is_ascii_whitespace())
                    .count();
                if gap == 0 {
                    continue;
                }
                let start = after + gap;
                let len = text[start..].iter().take_while(|&&b| ident(b)).count();
                let name = std::str::from_utf8(&text[start..start + len]).unwrap_or_default();
                if let Some(&id) = names.get(name) {
                    found.insert(id);
                }
            }
        }
        self.needs
            .iter()
            .any(|need| !need.is_empty() && need.iter().all(|w| found.contains(w)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Preset;

    #[test]
    fn site_filter() {
        let filter = SiteFilter::new(&RuleSet::new(&[Preset::Generic], &[]));
        assert!(filter.may_hold_site(b"bus.publish(\"a\", p)"));
        assert!(!filter.may_hold_site(b"fn publish_docs() {}"));
        assert!(filter.may_hold_site(b"self.event_bus.on(\"x\", h)"));
        assert!(
            !filter.may_hold_site(b"router.on(get(h)); json on"),
            "no bus word"
        );
        assert!(!filter.may_hold_site(b"struct Point { x: f64 }"));
        assert!(
            !filter.may_hold_site(b"// publish on every event bus change"),
            "rule names in prose are not calls"
        );
        for called in [
            "bus.publish::<Edge>(e)",
            "publish!(bus, e)",
            "bus.publish\n    (e)",
            "bus.publish /* the edge */ (e)",
            "bus.publish // the edge\n (e)",
            "Bus::publish(&bus, e)",
            "event_bus.emit (x)",
        ] {
            assert!(filter.may_hold_site(called.as_bytes()), "{called}");
        }
        assert!(!filter.may_hold_site(b"pub fn subscribe(&self) -> Pollable {"));
        assert!(filter.may_hold_site(b"pub fn subscribe(&self) { self.bus.subscribe(h) }"));
        assert!(filter.may_hold_site(b"let f = xfn subscribe(h);"));
        let bevy = SiteFilter::new(&RuleSet::new(&[Preset::Bevy], &[]));
        assert!(bevy.may_hold_site(b"fn f(mut r: EventReader<Hit>) {}"));
    }

    #[test]
    fn patterns_with_several_words() {
        let patterns = Patterns::new(vec!["Detector\u{0}fn check".into(), "EDGE".into()], '\u{0}');
        assert!(patterns.any_in(b"impl Detector { fn check(&self) {} }"));
        assert!(!patterns.any_in(b"impl Other { fn check(&self) {} }"));
        assert!(!patterns.any_in(b"impl Detector { fn checks(&self) {} }"));
        let defs = Patterns::new(vec!["fn on_edge".into(), "type Hit".into()], '\u{0}');
        assert!(defs.any_in(b"pub fn on_edge(&self)"));
        assert!(defs.any_in(b"pub type Hit = Collision;"));
        assert!(
            defs.any_in(b"fn\n    on_edge()"),
            "any whitespace after the keyword"
        );
        assert!(!defs.any_in(b"self.on_edge(e); let Hit = 1; xfn on_edge"));
        assert!(patterns.any_in(b"use events::EDGE;"));
        assert!(!Patterns::new(Vec::new(), '\u{0}').any_in(b"EDGE"));
    }

    #[test]
    fn whole_words() {
        let words = Words::new(vec!["EDGE".into(), "on".into()]);
        assert!(words.any_in(b"use events::EDGE;"));
        assert!(!words.any_in(b"EDGE_ADDED function"));
        assert!(words.any_in(b"one on"));
        let overlapping = Words::new(vec!["fn new".into(), "new".into()]);
        assert_eq!(overlapping.found_in(b"afn new").len(), 1, "`new` alone");
        assert!(!Words::new(Vec::new()).any_in(b"anything"));
    }
}
