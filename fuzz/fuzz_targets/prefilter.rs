//! Arbitrary bytes through the byte-level prefilters the lazy analysis runs on every file
//! before parsing anything: the site scan (under every config's presets) and the wanted
//! patterns (built from identifiers of the input itself, so they do match). Nothing may
//! panic, and a file that holds one of the wanted words as a whole identifier must be found.
#![no_main]

use choreo::prefilter::{Patterns, SiteFilter};
use choreo::rules::RuleSet;
use libfuzzer_sys::fuzz_target;

/// One site filter per fuzz config, built once: building compiles regexes.
fn filters() -> &'static [SiteFilter] {
    static FILTERS: std::sync::OnceLock<Vec<SiteFilter>> = std::sync::OnceLock::new();
    FILTERS.get_or_init(|| {
        (0..4)
            .map(|choice| {
                let config = choreo_fuzz::config(choice);
                SiteFilter::new(&RuleSet::new(&config.presets, &config.rules))
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    for filter in filters() {
        let _ = filter.may_hold_site(data);
    }
    let text = String::from_utf8_lossy(data);
    let words: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(8)
        .map(str::to_owned)
        .collect();
    let mut patterns: Vec<String> = words.clone();
    patterns.extend(words.iter().map(|w| format!("fn {w}")));
    patterns.extend(words.iter().map(|w| format!("type {w}")));
    patterns.extend(words.windows(2).map(|pair| pair.join("\0")));
    let found = Patterns::new(patterns, '\0').any_in(text.as_bytes());
    // The first word is a whole ASCII identifier of the text when the bytes around it in
    // the lossily decoded text are not identifier bytes.
    if let Some(first) = words.first() {
        let bytes = text.as_bytes();
        let whole = memchr_find(bytes, first.as_bytes()).is_some_and(|at| {
            let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
            !(at > 0 && ident(bytes[at - 1]))
                && !bytes.get(at + first.len()).is_some_and(|&b| ident(b))
        });
        if whole {
            assert!(found, "{first:?} is in the text");
        }
    }
});

fn memchr_find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
