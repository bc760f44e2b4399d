//! Byte-level prefilters for the lazy analysis: which files can hold a site (a rule's call
//! name, or an everyday name next to a bus word), and which files mention a name the
//! resolution still needs. Both are conservative: a file they pass may hold nothing; a file
//! they reject cannot matter.

use aho_corasick::AhoCorasick;

use crate::rules::RuleSet;

/// Bevy's sites are typed parameters, `trigger` calls, events resources and run
/// conditions, not rule names.
const BEVY_WORDS: &[&str] = &[
    "EventReader",
    "EventWriter",
    "MessageReader",
    "MessageWriter",
    "Trigger",
    "On",
    "trigger",
    "trigger_targets",
    "Events",
    "Messages",
    "on_event",
    "on_message",
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
    /// The rules' call names.
    calls: CallNames,
    /// Type names that make a site (bevy's `EventReader<E>` parameters).
    types: Option<regex::bytes::Regex>,
    bus: Option<regex::bytes::Regex>,
    /// Tauri: `#[tauri::command]` attributes, `generate_handler!` lists, tauri-specta's
    /// `collect_commands!`/`collect_events!` and a plugin build script's
    /// `tauri_plugin::Builder`.
    commands: Option<regex::bytes::Regex>,
}

/// How a regex's words must stand.
#[derive(Clone, Copy)]
enum Shape {
    /// Anywhere, even inside a longer word.
    Within,
    /// As a whole word (ASCII word boundaries: conservative around other bytes).
    Word,
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
    };
    regex::bytes::RegexBuilder::new(&pattern)
        .case_insensitive(case_insensitive)
        .unicode(false)
        .build()
        .ok()
}

impl SiteFilter {
    pub fn new(rules: &RuleSet) -> SiteFilter {
        let mut types: Vec<String> = Vec::new();
        if rules.bevy {
            types.extend(BEVY_WORDS.iter().map(|w| (*w).to_owned()));
        }
        let bus: Vec<String> = BUS_WORDS.iter().map(|w| (*w).to_owned()).collect();
        SiteFilter {
            calls: CallNames::new(rules),
            types: word_regex(&types, false, Shape::Word),
            bus: word_regex(&bus, true, Shape::Within),
            commands: rules.tauri.then(|| {
                regex::bytes::Regex::new(
                    r"#\s*\[\s*(?:tauri\s*::\s*)?command\b|generate_handler|collect_commands|collect_events|tauri_plugin\s*::\s*Builder",
                )
                .expect("a valid regex")
            }),
        }
    }

    pub fn may_hold_site(&self, text: &[u8]) -> bool {
        let found =
            |regex: &Option<regex::bytes::Regex>| regex.as_ref().is_some_and(|r| r.is_match(text));
        if found(&self.commands) {
            return true;
        }
        match self.calls.scan(text) {
            Called::Strong => true,
            Called::Everyday => found(&self.types) || found(&self.bus),
            Called::Nothing => found(&self.types),
        }
    }
}

/// What [`CallNames::scan`] saw called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Called {
    Nothing,
    /// Only everyday names (`on`, `emit`), which make a site only on a bus.
    Everyday,
    /// A name that makes a site on its own (`publish`).
    Strong,
}

/// The rules' call names, found where they are called: before an argument list, a macro's
/// `!` or a turbofish, with any whitespace and comments between (`bus.publish\n    (e)`,
/// `publish /* why */ (e)`), and not after `fn` (a definition is not a call). A rule name in
/// prose (`// emit on every change`) does not count: on real code the everyday names are
/// common English words.
///
/// Rather than search for every name, the scan looks back from each `(`, `!` and `<` for
/// the identifier before it: one pass of `memchr`, several times faster than a regex whose
/// literals (`on`) occur everywhere.
struct CallNames {
    /// Each name, and whether it is an everyday one.
    names: Vec<(Vec<u8>, bool)>,
    /// Bit `n` is set when a name is `n` bytes long (63 for longer ones).
    lengths: u64,
}

/// A byte that can be part of an identifier (any non-ASCII byte may be).
fn ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

impl CallNames {
    fn new(rules: &RuleSet) -> CallNames {
        let mut names: Vec<(Vec<u8>, bool)> = rules
            .rules
            .iter()
            .map(|rule| {
                let name = match &rule.matcher {
                    crate::rules::Matcher::Name(name) => name.as_str(),
                    crate::rules::Matcher::Path(path) => path.last().map_or("", String::as_str),
                };
                (name.as_bytes().to_vec(), rule.needs_bus_word)
            })
            .filter(|(name, _)| !name.is_empty())
            .collect();
        // A name that some rule takes alone is strong.
        names.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        names.dedup_by(|b, a| a.0 == b.0);
        let lengths = names
            .iter()
            .fold(0u64, |bits, (name, _)| bits | length_bit(name.len()));
        CallNames { names, lengths }
    }

    fn scan(&self, text: &[u8]) -> Called {
        let mut seen = Called::Nothing;
        if self.names.is_empty() {
            return seen;
        }
        for at in memchr::memchr3_iter(b'(', b'!', b'<', text) {
            let end = if text[at] == b'<' {
                // `name::<T>(..)`
                let end = skip_space_back(text, at).0;
                if end < 2 || &text[end - 2..end] != b"::" {
                    continue;
                }
                end - 2
            } else {
                at
            };
            match self.called_before(text, end) {
                Some(Called::Strong) => return Called::Strong,
                Some(Called::Everyday) => seen = Called::Everyday,
                Some(Called::Nothing) | None => {}
            }
        }
        seen
    }

    /// Which name, if any, stands before `end` (whitespace and comments skipped).
    fn called_before(&self, text: &[u8], end: usize) -> Option<Called> {
        let (mut end, mut crossed_line) = skip_space_back(text, end);
        loop {
            if let Some(called) = self.name_at(text, end) {
                return Some(called);
            }
            if !crossed_line {
                return None;
            }
            // The line before may end in a `//` comment with the name before it. Any `//`
            // on the line may start the comment (the others sit in strings); one at the
            // start of the line makes the whole line a comment: go on to the line before.
            let line = memchr::memrchr(b'\n', &text[..end]).map_or(0, |i| i + 1);
            let mut before = None;
            for comment in memchr::memmem::find_iter(&text[line..end], b"//") {
                match skip_space_back(text, line + comment) {
                    (at, true) => before = Some(at),
                    (at, false) => {
                        if let Some(called) = self.name_at(text, at) {
                            return Some(called);
                        }
                    }
                }
            }
            end = before?;
            crossed_line = true;
        }
    }

    /// The name that ends at `end`, if it is one of ours and not being defined.
    fn name_at(&self, text: &[u8], end: usize) -> Option<Called> {
        if end >= 2 && &text[end - 2..end] == b"*/" {
            // A block comment between the name and its arguments: rare enough to take as
            // a call without looking further.
            return Some(Called::Strong);
        }
        let start = end
            - text[..end]
                .iter()
                .rev()
                .take_while(|&&b| ident_byte(b))
                .count();
        self.lookup(&text[start..end])
            .filter(|_| !defines(&text[..start]))
    }

    fn lookup(&self, word: &[u8]) -> Option<Called> {
        if word.is_empty() || self.lengths & length_bit(word.len()) == 0 {
            return None;
        }
        self.names
            .iter()
            .find(|(name, _)| name == word)
            .map(|&(_, everyday)| {
                if everyday {
                    Called::Everyday
                } else {
                    Called::Strong
                }
            })
    }
}

/// Where the whitespace before `end` starts, and whether it holds a line break.
fn skip_space_back(text: &[u8], end: usize) -> (usize, bool) {
    let space = text[..end]
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    let start = end - space;
    (start, text[start..end].contains(&b'\n'))
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
    matcher: Option<WordMatcher>,
    words: Vec<String>,
}

enum WordMatcher {
    /// Every word is made of identifier bytes, so a whole-word occurrence is exactly a
    /// maximal run of identifier bytes: the text is cut into runs and each run that could
    /// be a word (by length and first byte) is looked up. About three times faster than
    /// the automaton on the lazy analysis's later rounds, which read every file not parsed
    /// yet for hundreds of names.
    Runs {
        index: std::collections::HashMap<Box<[u8]>, usize>,
        /// Bit `n` is set when a word is `n` bytes long (bit 63: 63 or more).
        lengths: u64,
        /// Whether a word starts with the byte.
        first: Box<[bool; 256]>,
    },
    /// Words with other bytes in them (`fn new`): every match, checked for identifier
    /// bytes around it.
    Automaton(AhoCorasick),
}

/// The bit for a word of `len` bytes in a set of word lengths (`CallNames::lengths`,
/// `WordMatcher::Runs`' `lengths`); bit 63 stands for 63 bytes or more.
fn length_bit(len: usize) -> u64 {
    1 << len.min(63)
}

impl Words {
    pub fn new(mut words: Vec<String>) -> Words {
        words.retain(|w| !w.is_empty());
        words.sort();
        words.dedup();
        let matcher = if words.is_empty() {
            None
        } else if words.iter().all(|w| w.bytes().all(ident_byte)) {
            let mut first = Box::new([false; 256]);
            let mut lengths = 0;
            for word in &words {
                first[usize::from(word.as_bytes()[0])] = true;
                lengths |= length_bit(word.len());
            }
            let index = words
                .iter()
                .enumerate()
                .map(|(i, word)| (word.as_bytes().into(), i))
                .collect();
            Some(WordMatcher::Runs {
                index,
                lengths,
                first,
            })
        } else {
            // Every match, overlapping ones included: `fn on` and `on` in `fn on`, `EDGE`
            // and `EDGE_ADDED` at one start (with non-overlapping matches `EDGE` hid
            // `EDGE_ADDED`, found by the `prefilter` fuzz target).
            AhoCorasick::builder()
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(&words)
                .or_else(|_| AhoCorasick::new(&words))
                .ok()
                .map(WordMatcher::Automaton)
        };
        Words { matcher, words }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether one of the words occurs in `text` with no identifier character on either
    /// side. Overlapping words are all found: `on` in `one on`, `new` and `fn new` in
    /// `fn new`.
    pub fn any_in(&self, text: &[u8]) -> bool {
        self.matches(text).next().is_some()
    }

    /// The words (indices into the sorted, deduplicated list) that occur in `text`.
    pub fn found_in(&self, text: &[u8]) -> std::collections::BTreeSet<usize> {
        self.matches(text).collect()
    }

    fn matches<'t>(&'t self, text: &'t [u8]) -> Box<dyn Iterator<Item = usize> + 't> {
        match &self.matcher {
            None => Box::new(std::iter::empty()),
            Some(WordMatcher::Runs {
                index,
                lengths,
                first,
            }) => {
                let mut at = 0;
                Box::new(std::iter::from_fn(move || {
                    while at < text.len() {
                        let start = at + text[at..].iter().take_while(|&&b| !ident_byte(b)).count();
                        let end =
                            start + text[start..].iter().take_while(|&&b| ident_byte(b)).count();
                        at = end;
                        if end > start
                            && first[usize::from(text[start])]
                            && lengths & length_bit(end - start) != 0
                        {
                            if let Some(&word) = index.get(&text[start..end]) {
                                return Some(word);
                            }
                        }
                    }
                    None
                }))
            }
            Some(WordMatcher::Automaton(matcher)) => Box::new(
                matcher
                    .find_overlapping_iter(text)
                    .filter(|found| {
                        let before = found.start().checked_sub(1).map(|i| text[i]);
                        let after = text.get(found.end()).copied();
                        !before.is_some_and(ident_byte) && !after.is_some_and(ident_byte)
                    })
                    .map(|found| found.pattern().as_usize()),
            ),
        }
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
    /// Wanted names after `fn `, `type `, `struct `, `enum ` and `union `, each with its
    /// word index.
    definitions: [(&'static str, std::collections::HashMap<String, usize>); 5],
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
        let keywords = ["fn ", "type ", "struct ", "enum ", "union "];
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
        let found = self.found(text);
        self.needs
            .iter()
            .any(|need| !need.is_empty() && need.iter().all(|w| found.contains(w)))
    }

    /// The patterns (indices into the list given to [`Patterns::new`]) that occur in
    /// `text`, for `--timings`.
    pub fn matching(&self, text: &[u8]) -> Vec<usize> {
        let found = self.found(text);
        self.needs
            .iter()
            .enumerate()
            .filter(|(_, need)| !need.is_empty() && need.iter().all(|w| found.contains(w)))
            .map(|(i, _)| i)
            .collect()
    }

    /// The words and definitions found in `text`.
    fn found(&self, text: &[u8]) -> std::collections::BTreeSet<usize> {
        let mut found = self.words.found_in(text);
        for (keyword, names) in &self.definitions {
            if names.is_empty() {
                continue;
            }
            for at in memchr::memmem::find_iter(text, keyword.trim_end().as_bytes()) {
                if at > 0 && ident_byte(text[at - 1]) {
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
                let len = text[start..].iter().take_while(|&&b| ident_byte(b)).count();
                let name = std::str::from_utf8(&text[start..start + len]).unwrap_or_default();
                if let Some(&id) = names.get(name) {
                    found.insert(id);
                }
            }
        }
        found
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
            "bus.publish\n// the edge\n// and more\n(e)",
            "let u = \"http://x\"; bus.publish // the edge\n(e)",
            "bus.publish :: <Edge>(e)",
            "bus.r#publish(e)",
        ] {
            assert!(filter.may_hold_site(called.as_bytes()), "{called}");
        }
        assert!(!filter.may_hold_site(b"pub fn subscribe(&self) -> Pollable {"));
        assert!(filter.may_hold_site(b"pub fn subscribe(&self) { self.bus.subscribe(h) }"));
        assert!(filter.may_hold_site(b"let f = xfn subscribe(h);"));
        for not_called in [
            "bus.publish; (e)",
            "bus.publish_all(e)",
            "bus.épublish(e)",
            "// the edge\n(e) publish",
            "emit::log(x)",
            "bus.publish.len() < 3",
        ] {
            assert!(!filter.may_hold_site(not_called.as_bytes()), "{not_called}");
        }
        let bevy = SiteFilter::new(&RuleSet::new(&[Preset::Bevy], &[]));
        assert!(bevy.may_hold_site(b"fn f(mut r: EventReader<Hit>) {}"));
    }

    /// Texts of a number of `pieces` in `lengths`, from a xorshift generator: the same
    /// texts on every run.
    fn random_texts<'p>(
        seed: u64,
        pieces: &'p [&'p str],
        lengths: std::ops::Range<u64>,
    ) -> impl FnMut() -> String + 'p {
        let mut state = seed;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        move || {
            let len = lengths.start + next() % (lengths.end - lengths.start);
            (0..len)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect()
        }
    }

    /// What the scan must find, said as regexes: a rule name as a whole identifier, then
    /// whitespace and comments, then `(`, `!` or `::<`, and no `fn` before it.
    struct Reference {
        strong: regex::bytes::Regex,
        everyday: regex::bytes::Regex,
        bus: regex::bytes::Regex,
    }

    impl Reference {
        fn new(rules: &RuleSet) -> Reference {
            let called = |everyday: bool| {
                let names: Vec<String> = rules
                    .rules
                    .iter()
                    .filter(|rule| rule.needs_bus_word == everyday)
                    .filter_map(|rule| match &rule.matcher {
                        crate::rules::Matcher::Name(name) => Some(regex::escape(name)),
                        crate::rules::Matcher::Path(path) => path.last().map(|n| regex::escape(n)),
                    })
                    .collect();
                let pattern = format!(
                    r"(?:^|[^A-Za-z0-9_\x80-\xFF])((?:{}))(?:\s|//[^\n]*\n|/\*(?s:.)*?\*/)*(?:\(|!|::\s*<)",
                    names.join("|")
                );
                regex::bytes::RegexBuilder::new(&pattern)
                    .unicode(false)
                    .build()
                    .unwrap()
            };
            Reference {
                strong: called(false),
                everyday: called(true),
                bus: regex::bytes::RegexBuilder::new(&BUS_WORDS.join("|"))
                    .case_insensitive(true)
                    .build()
                    .unwrap(),
            }
        }

        fn may_hold_site(&self, text: &[u8]) -> bool {
            let called = |regex: &regex::bytes::Regex| {
                // A definition's match may hide a call that starts inside it: search
                // again from the byte after the name's start.
                let mut at = 0;
                while let Some(found) = regex.captures_at(text, at) {
                    let name = found.get(1).unwrap();
                    if !defines(&text[..name.start()]) {
                        return true;
                    }
                    at = name.start() + 1;
                }
                false
            };
            called(&self.strong) || (self.bus.is_match(text) && called(&self.everyday))
        }
    }

    /// Random texts made of the pieces that matter, to check the scan never misses what
    /// the reference finds.
    #[test]
    fn site_filter_finds_what_the_reference_finds() {
        let rules = RuleSet::new(&[Preset::Generic], &[]);
        let filter = SiteFilter::new(&rules);
        let reference = Reference::new(&rules);
        let pieces = [
            "publish",
            "on",
            "emit",
            "bus",
            "fn",
            "fn ",
            " ",
            "\n",
            "// c",
            "//",
            "/* x */",
            "(",
            "!",
            "::",
            "<",
            "x",
            ".",
            "\"http://a\"",
            "_",
            "é",
            "*/",
            "r#",
        ];
        let mut texts = random_texts(0x9E37_79B9_7F4A_7C15, &pieces, 1..13);
        let mut missed = Vec::new();
        let mut found = 0;
        for _ in 0..20_000 {
            let text = texts();
            if reference.may_hold_site(text.as_bytes()) {
                found += 1;
                if !filter.may_hold_site(text.as_bytes()) {
                    missed.push(text);
                }
            }
        }
        assert!(missed.is_empty(), "missed: {missed:#?}");
        assert!(found > 300, "only {found} texts hold a call");
    }

    /// The same on every Rust file of the fixtures.
    #[test]
    fn site_filter_on_the_fixtures() {
        let rules = RuleSet::new(&[Preset::Generic], &[]);
        let filter = SiteFilter::new(&rules);
        let reference = Reference::new(&rules);
        let mut dirs = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
        let mut checked = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|ext| ext == "rs") {
                    let text = std::fs::read(&path).unwrap();
                    assert!(
                        !reference.may_hold_site(&text) || filter.may_hold_site(&text),
                        "{}",
                        path.display()
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 50, "{checked} files");
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

    /// Both matchers against a naive search, on random texts: the run matcher (identifier
    /// words) and the automaton (a word with a space in it).
    #[test]
    fn words_match_like_a_naive_search() {
        let naive = |words: &[&str], text: &[u8]| -> std::collections::BTreeSet<usize> {
            let mut sorted: Vec<&str> = words.to_vec();
            sorted.sort();
            sorted.dedup();
            (0..sorted.len())
                .filter(|&i| {
                    let word = sorted[i].as_bytes();
                    (0..=text.len().saturating_sub(word.len())).any(|at| {
                        text[at..].starts_with(word)
                            && !at.checked_sub(1).is_some_and(|b| ident_byte(text[b]))
                            && !text.get(at + word.len()).is_some_and(|&b| ident_byte(b))
                    })
                })
                .collect()
        };
        let identifiers = ["EDGE", "EDGE_ADDED", "on", "n", "é", "x1", "_"];
        let with_space = ["EDGE", "EDGE_ADDED", "fn on", "on"];
        let pieces = [
            "EDGE", "_ADDED", "on", "n", "é", "x", "1", "_", " ", "fn ", "::", "(", "\n",
        ];
        let mut texts = random_texts(0x2545_F491_4F6C_DD1D, &pieces, 0..10);
        for words in [&identifiers[..], &with_space[..]] {
            let matcher = Words::new(words.iter().map(|w| w.to_string()).collect());
            assert_eq!(
                matches!(matcher.matcher, Some(WordMatcher::Runs { .. })),
                words == identifiers
            );
            let mut hits = 0;
            for _ in 0..5_000 {
                let text = texts();
                let expected = naive(words, text.as_bytes());
                hits += expected.len();
                assert_eq!(matcher.found_in(text.as_bytes()), expected, "{text:?}");
            }
            assert!(hits > 500, "only {hits} words found");
        }
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
        // One word a prefix of another, both starting at one place.
        let prefixed = Words::new(vec!["EDGE".into(), "EDGE_ADDED".into()]);
        assert!(prefixed.any_in(b"bus.publish(EDGE_ADDED, e)"));
        assert!(prefixed.any_in(b"EDGE_ADDEDX EDGE"));
        assert!(!prefixed.any_in(b"EDGE_ADDEDX EDGES"));
        let prefixed = Words::new(vec!["u".into(), "use".into(), "n".into()]);
        assert!(prefixed.any_in(b"use serde_json::json;"));
    }
}
