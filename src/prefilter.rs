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
    strong: Words,
    everyday: Words,
    bus: AhoCorasick,
}

impl SiteFilter {
    pub fn new(rules: &RuleSet) -> SiteFilter {
        let mut strong: Vec<String> = Vec::new();
        let mut everyday: Vec<String> = Vec::new();
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
            strong.extend(BEVY_WORDS.iter().map(|w| (*w).to_owned()));
        }
        SiteFilter {
            strong: Words::new(strong),
            everyday: Words::new(everyday),
            bus: AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(BUS_WORDS)
                .unwrap_or_else(|_| {
                    AhoCorasick::new(["\u{0}"]).expect("a one-byte pattern builds")
                }),
        }
    }

    pub fn may_hold_site(&self, text: &[u8]) -> bool {
        self.strong.any_in(text) || (self.everyday.any_in(text) && self.bus.is_match(text))
    }
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
            AhoCorasick::new(&words).ok()
        };
        Words { matcher, words }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether one of the words occurs in `text` with no identifier character on either
    /// side. Overlapping matches are checked, so `on` inside `one on` is still found.
    pub fn any_in(&self, text: &[u8]) -> bool {
        let Some(matcher) = &self.matcher else {
            return false;
        };
        let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
        matcher.find_overlapping_iter(text).any(|m| {
            let before = m.start().checked_sub(1).map(|i| text[i]);
            let after = text.get(m.end()).copied();
            !before.is_some_and(ident) && !after.is_some_and(ident)
        })
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
    }

    #[test]
    fn whole_words() {
        let words = Words::new(vec!["EDGE".into(), "on".into()]);
        assert!(words.any_in(b"use events::EDGE;"));
        assert!(!words.any_in(b"EDGE_ADDED function"));
        assert!(words.any_in(b"one on"));
        assert!(!Words::new(Vec::new()).any_in(b"anything"));
    }
}
