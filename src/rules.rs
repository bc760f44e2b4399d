//! Which calls are publish and subscribe sites: the presets of DESIGN.md and the user's
//! `[[publish]]`/`[[subscribe]]` rules, compiled into one `RuleSet` that `extract` consults.

use regex::Regex;

use crate::model::SiteKind;

/// What a rule matches on.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// The last name of a method call, path call or macro (`publish`).
    Name(String),
    /// A path call, bare call or macro whose path, after `use` imports, ends with these
    /// segments (`helix_event::dispatch`).
    Path(Vec<String>),
}

/// Which call forms a rule accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forms {
    pub method: bool,
    pub path: bool,
    pub bare: bool,
    pub r#macro: bool,
}

impl Forms {
    pub const ALL: Forms = Forms {
        method: true,
        path: true,
        bare: true,
        r#macro: true,
    };

    /// What a preset's names are matched on (DESIGN.md "Presets"): method calls, path
    /// calls and macros. A bare `listen(callback)` is another crate's function imported by
    /// name (`use rdev::listen`), never the bus's.
    pub const PRESET: Forms = Forms {
        bare: false,
        ..Forms::ALL
    };
}

/// The shape of a call, as a rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Method,
    Path,
    Bare,
    Macro,
}

impl Forms {
    pub fn accepts(self, form: Form) -> bool {
        match form {
            Form::Method => self.method,
            Form::Path => self.path,
            Form::Bare => self.bare,
            Form::Macro => self.r#macro,
        }
    }
}

/// Where a rule finds the event key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventArg {
    /// The N-th argument; a turbofish or a typed closure parameter stands in when the call
    /// has generic arguments or its key argument is the handler closure.
    Arg(usize),
    /// The N-th turbofish type.
    Turbofish(usize),
    /// The type of the first argument.
    TypeOfArg0,
}

/// One publish or subscribe rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub kind: SiteKind,
    pub matcher: Matcher,
    /// A regex searched in the receiver's text (whitespace removed).
    pub receiver: Option<Regex>,
    /// The generic preset's everyday names count only when the receiver has a bus word.
    pub needs_bus_word: bool,
    /// A rule of the generic preset: its names are shared with unrelated APIs
    /// (`registry.publish(&krate, tarball)`), so a site only it finds, on a receiver
    /// without a bus word, is a site only if its key resolves (see [`RuleSet::name_only`]).
    pub generic: bool,
    /// A rule of the `nats`, `mqtt` or `redis` preset: a client's method
    /// (`client.subscribe("x")`). A path or bare call of that name
    /// (`wasmtime_wasi_io::poll::subscribe(self.table, this)`) is another API's unless its key
    /// resolves (see [`RuleSet::name_only`]).
    pub client: bool,
    pub forms: Forms,
    pub event: EventArg,
    /// The handler's argument; `None` means the last argument.
    pub handler: Option<usize>,
    /// How many arguments the API's function takes, when it takes a fixed number: a call
    /// with another count is another function of the same name (Tauri's `emit(event,
    /// payload)` against an app's own `self.emit(progress)` or a stream's `once(future)`).
    pub arity: Option<usize>,
}

/// A call as the extractor sees it, reduced to what rules match on.
#[derive(Debug, Clone)]
pub struct CallShape<'a> {
    pub form: Form,
    /// The last name (`publish` for `bus.publish(..)` and `bus::publish(..)`).
    pub name: &'a str,
    /// The receiver's text without whitespace; `None` for bare calls and macros.
    pub receiver: Option<&'a str>,
    /// For path calls, bare calls and macros: the path after `use` imports were applied.
    pub full_path: &'a [String],
    /// How many arguments the call has.
    pub args: usize,
}

/// A path call into the standard library (`std::iter::once(0)`, also as `iter::once(0)`
/// after `use std::iter`): the standard library has no event bus, so no rule makes it a site.
fn in_std(call: &CallShape<'_>) -> bool {
    call.form != Form::Method
        && call
            .full_path
            .first()
            .is_some_and(|root| matches!(root.as_str(), "std" | "core" | "alloc"))
}

impl Rule {
    fn simple(kind: SiteKind, name: &str) -> Rule {
        Rule {
            kind,
            matcher: Matcher::Name(name.to_owned()),
            receiver: None,
            needs_bus_word: false,
            generic: false,
            client: false,
            forms: Forms::PRESET,
            event: EventArg::Arg(0),
            handler: None,
            arity: None,
        }
    }

    fn everyday(kind: SiteKind, name: &str) -> Rule {
        Rule {
            needs_bus_word: true,
            ..Rule::simple(kind, name)
        }
    }

    fn generic(mut self) -> Rule {
        self.generic = true;
        self
    }

    fn client(mut self) -> Rule {
        self.client = true;
        self
    }

    fn with_event(mut self, event: EventArg) -> Rule {
        self.event = event;
        self
    }

    fn with_handler(mut self, handler: usize) -> Rule {
        self.handler = Some(handler);
        self
    }

    fn with_arity(mut self, arity: usize) -> Rule {
        self.arity = Some(arity);
        self
    }

    /// Whether this rule makes the call a site (the key argument is checked later).
    pub fn matches(&self, call: &CallShape<'_>) -> bool {
        if !self.forms.accepts(call.form)
            || in_std(call)
            || self.arity.is_some_and(|arity| arity != call.args)
        {
            return false;
        }
        let name_ok = match &self.matcher {
            Matcher::Name(name) => name == call.name,
            Matcher::Path(path) => {
                call.form != Form::Method
                    && call.full_path.len() >= path.len()
                    && call.full_path[call.full_path.len() - path.len()..] == path[..]
            }
        };
        if !name_ok {
            return false;
        }
        if self.needs_bus_word && !call.receiver.is_some_and(has_bus_word) {
            return false;
        }
        match (&self.receiver, call.receiver) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(regex), Some(text)) => regex.is_match(text),
        }
    }
}

const BUS_WORDS: &[&str] = &[
    "bus",
    "eventbus",
    "event",
    "events",
    "emitter",
    "dispatcher",
    "broker",
    "hub",
    "pubsub",
    "topic",
    "topics",
];

/// Whether a receiver's text has a word that names an event bus. Words are split on
/// punctuation (`.`, `::`, `_`, brackets) and on lower→upper case changes.
pub fn has_bus_word(receiver: &str) -> bool {
    let mut words = Vec::new();
    for chunk in receiver.split(|c: char| !c.is_alphanumeric()) {
        let mut word = String::new();
        let mut previous_lower = false;
        for c in chunk.chars() {
            if c.is_uppercase() && previous_lower {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = c.is_lowercase() || c.is_ascii_digit();
            word.push(c);
        }
        words.push(word);
    }
    words
        .iter()
        .any(|word| BUS_WORDS.contains(&word.to_lowercase().as_str()))
}

/// A named group of rules (DESIGN.md "Presets").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Preset {
    Generic,
    Tauri,
    Bevy,
    Nats,
    Mqtt,
    Redis,
}

impl Preset {
    pub const NAMES: &'static [&'static str] =
        &["generic", "tauri", "bevy", "nats", "mqtt", "redis"];

    /// The key prefix of the events the framework's runtime emits itself: Tauri's window and
    /// webview events (`tauri://focus`, `tauri://resize`, `tauri://close-requested`, ..).
    /// The key prefixes of the events a framework's plugins emit themselves, for the
    /// plugins among `dependencies`: tauri-plugin-store's `store://change`,
    /// tauri-plugin-log's `log://log`, tauri-plugin-deep-link's `deep-link://new-url`,
    /// tauri-plugin-oauth's `oauth://url`.
    pub fn plugin_prefixes(self, dependencies: &[String]) -> Vec<&'static str> {
        const TAURI_PLUGINS: &[(&str, &str)] = &[
            ("tauri-plugin-deep-link", "deep-link://"),
            ("tauri-plugin-log", "log://"),
            ("tauri-plugin-oauth", "oauth://"),
            ("tauri-plugin-store", "store://"),
        ];
        match self {
            Preset::Tauri => TAURI_PLUGINS
                .iter()
                .filter(|(plugin, _)| dependencies.iter().any(|dep| dep == plugin))
                .map(|(_, prefix)| *prefix)
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn framework_prefix(self) -> Option<&'static str> {
        match self {
            Preset::Tauri => Some("tauri://"),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Preset::Generic => "generic",
            Preset::Tauri => "tauri",
            Preset::Bevy => "bevy",
            Preset::Nats => "nats",
            Preset::Mqtt => "mqtt",
            Preset::Redis => "redis",
        }
    }

    pub fn parse(name: &str) -> Option<Preset> {
        Some(match name {
            "generic" => Preset::Generic,
            "tauri" => Preset::Tauri,
            "bevy" => Preset::Bevy,
            "nats" => Preset::Nats,
            "mqtt" => Preset::Mqtt,
            "redis" => Preset::Redis,
            _ => return None,
        })
    }

    /// The call rules of the preset. Bevy's sites are typed parameters, not calls, so its
    /// rules live in the extractor.
    pub fn rules(self) -> Vec<Rule> {
        use SiteKind::{Publish, Subscribe};
        match self {
            Preset::Generic => {
                let mut rules: Vec<Rule> = ["publish", "publish_event"]
                    .iter()
                    .map(|name| Rule::simple(Publish, name))
                    .collect();
                rules.extend(
                    ["emit", "post", "dispatch"]
                        .iter()
                        .map(|name| Rule::everyday(Publish, name)),
                );
                rules.extend(
                    [
                        "subscribe",
                        "subscribe_event",
                        "add_listener",
                        "register_handler",
                    ]
                    .iter()
                    .map(|name| Rule::simple(Subscribe, name)),
                );
                rules.extend(
                    ["on", "listen"]
                        .iter()
                        .map(|name| Rule::everyday(Subscribe, name)),
                );
                rules.into_iter().map(Rule::generic).collect()
            }
            // Tauri's functions take fixed arguments (v1 and v2): `emit(event, payload)`,
            // `emit_to(target, event, payload)`, `emit_filter(event, payload, filter)`,
            // `listen(event, handler)`; a call with another count is not Tauri's.
            Preset::Tauri => {
                let mut rules = vec![
                    Rule::simple(Publish, "emit_to")
                        .with_event(EventArg::Arg(1))
                        .with_arity(3),
                    Rule::simple(Publish, "emit_filter").with_arity(3),
                ];
                rules.extend(
                    ["emit", "emit_all", "trigger", "trigger_global"]
                        .iter()
                        .map(|name| Rule::simple(Publish, name).with_arity(2)),
                );
                rules.extend(
                    [
                        "listen",
                        "listen_any",
                        "listen_global",
                        "once",
                        "once_any",
                        "once_global",
                    ]
                    .iter()
                    .map(|name| Rule::simple(Subscribe, name).with_handler(1).with_arity(2)),
                );
                rules
            }
            Preset::Bevy => Vec::new(),
            Preset::Nats | Preset::Mqtt | Preset::Redis => vec![
                Rule::simple(Publish, "publish").client(),
                Rule::simple(Subscribe, "subscribe").client(),
                Rule::simple(Subscribe, "psubscribe").client(),
            ],
        }
    }
}

/// Every active rule, presets first, then the user's.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub bevy: bool,
    /// The `tauri` preset: `#[tauri::command]` functions and `generate_handler!` lists are
    /// collected too (DESIGN.md "Tauri front ends", commands).
    pub tauri: bool,
    /// `[analysis] tests = false`: `#[cfg(test)]` items and `#[test]` functions are not
    /// visited at all.
    pub skip_tests: bool,
}

impl RuleSet {
    pub fn new(presets: &[Preset], user: &[Rule]) -> RuleSet {
        let mut rules: Vec<Rule> = presets.iter().flat_map(|preset| preset.rules()).collect();
        rules.extend(user.iter().cloned());
        RuleSet {
            rules,
            bevy: presets.contains(&Preset::Bevy),
            tauri: presets.contains(&Preset::Tauri),
            skip_tests: false,
        }
    }

    /// The first rule that makes this call a site.
    pub fn find(&self, call: &CallShape<'_>) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.matches(call))
    }

    /// Whether a call that [`RuleSet::find`] made a site is one only by a name it shares
    /// with other APIs: its receiver has no bus word and every rule that matches it is the
    /// generic preset's, or a client preset's matching a path or bare call (the clients'
    /// APIs are methods). Such a call is a site only when its key resolves; with an
    /// unresolvable key (`entity.publish(&state, client)`, `self.add_listener(addr)`,
    /// `poll::subscribe(self.table, this)`) it is no site and no finding (DESIGN.md
    /// "Presets").
    pub fn name_only(&self, call: &CallShape<'_>) -> bool {
        !call.receiver.is_some_and(has_bus_word)
            && self
                .rules
                .iter()
                .filter(|rule| rule.matches(call))
                .all(|rule| rule.generic || (rule.client && call.form != Form::Method))
    }

    /// Every name a site's call can have, for cheap prefilters.
    pub fn names(&self) -> Vec<&str> {
        self.rules
            .iter()
            .map(|rule| match &rule.matcher {
                Matcher::Name(name) => name.as_str(),
                Matcher::Path(path) => path.last().map(String::as_str).unwrap_or_default(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bus_words() {
        for yes in [
            "bus",
            "self.event_bus",
            "eventBus",
            "eventbus",
            "self.hub[0]",
            "EventBus::global()",
        ] {
            assert!(has_bus_word(yes), "{yes}");
        }
        for no in [
            "client",
            "github",
            "business",
            "self.app",
            "reqwest::Client::new()",
        ] {
            assert!(!has_bus_word(no), "{no}");
        }
    }

    fn shape<'a>(form: Form, name: &'a str, receiver: Option<&'a str>) -> CallShape<'a> {
        CallShape {
            form,
            name,
            receiver,
            full_path: &[],
            args: 2,
        }
    }

    #[test]
    fn everyday_names_need_a_bus_receiver() {
        let rules = RuleSet::new(&[Preset::Generic], &[]);
        assert!(rules
            .find(&shape(Form::Method, "emit", Some("bus")))
            .is_some());
        assert!(rules
            .find(&shape(Form::Method, "post", Some("client")))
            .is_none());
        assert!(rules.find(&shape(Form::Bare, "on", None)).is_none());
        assert!(rules.find(&shape(Form::Macro, "emit", None)).is_none());
        assert!(rules
            .find(&shape(Form::Macro, "emit", Some("eventbus")))
            .is_some());
        assert!(rules
            .find(&shape(Form::Method, "publish", Some("client")))
            .is_some());
        assert!(rules
            .find(&shape(Form::Method, "publish_docs", Some("bus")))
            .is_none());
    }

    #[test]
    fn preset_names_are_no_bare_calls() {
        for preset in [Preset::Generic, Preset::Tauri, Preset::Nats] {
            let rules = RuleSet::new(&[preset], &[]);
            assert!(rules.find(&shape(Form::Bare, "listen", None)).is_none());
            assert!(rules.find(&shape(Form::Bare, "publish", None)).is_none());
            assert!(rules.find(&shape(Form::Bare, "subscribe", None)).is_none());
        }
        let tauri = RuleSet::new(&[Preset::Tauri], &[]);
        assert!(tauri
            .find(&shape(Form::Method, "listen", Some("app")))
            .is_some());
    }

    #[test]
    fn generic_names_alone_on_a_receiver_without_a_bus_word() {
        let generic = RuleSet::new(&[Preset::Generic], &[]);
        let registry = shape(Form::Method, "publish", Some("registry"));
        assert!(generic.find(&registry).is_some());
        assert!(generic.name_only(&registry));
        assert!(!generic.name_only(&shape(Form::Method, "publish", Some("self.event_bus"))));
        assert!(generic.name_only(&shape(Form::Method, "add_listener", Some("self"))));
        // Another preset that knows the name makes the call a site of its own.
        let both = RuleSet::new(&[Preset::Generic, Preset::Nats], &[]);
        assert!(!both.name_only(&shape(Form::Method, "publish", Some("client"))));
        let user = Rule {
            receiver: Some(Regex::new("registry").unwrap()),
            ..Rule::simple(SiteKind::Publish, "publish")
        };
        let with_user = RuleSet::new(&[Preset::Generic], &[user]);
        assert!(!with_user.name_only(&registry));
    }

    #[test]
    fn path_rules_match_the_end_of_the_imported_path() {
        let rule = Rule {
            matcher: Matcher::Path(vec!["helix_event".into(), "dispatch".into()]),
            forms: Forms::ALL,
            ..Rule::simple(SiteKind::Publish, "")
        };
        let full = ["helix_event".to_owned(), "dispatch".to_owned()];
        let call = CallShape {
            form: Form::Bare,
            name: "dispatch",
            receiver: None,
            full_path: &full,
            args: 2,
        };
        assert!(rule.matches(&call));
        let other = ["other".to_owned(), "dispatch".to_owned()];
        let call = CallShape {
            full_path: &other,
            ..call
        };
        assert!(!rule.matches(&call));
    }
}
