//! One small in-memory tree per lint (and per trap of the subtler ones), through
//! `analyze_sources`: what each lint reports, where, and what it must not report.

use choreo::config::Config;
use choreo::report::{Finding, Report};

fn analyze_with(config: &str, sources: &[(&str, &str)]) -> Report {
    let config = Config::parse("choreo.toml", config).unwrap();
    let sources: Vec<(String, String)> = sources
        .iter()
        .map(|(path, text)| ((*path).to_owned(), (*text).to_owned()))
        .collect();
    choreo::analyze_sources(&sources, &config, &config.levels).report
}

fn analyze(sources: &[(&str, &str)]) -> Report {
    analyze_with("", sources)
}

fn findings<'a>(report: &'a Report, lint: &str) -> Vec<&'a Finding> {
    report.findings.iter().filter(|f| f.lint == lint).collect()
}

#[test]
fn orphaned_event_with_a_typo_hint() {
    let report = analyze(&[(
        "src/lib.rs",
        "fn a(bus: &Bus) { bus.publish(\"graph.edge_add\", 1); }\n\
         fn b(bus: &Bus) { bus.subscribe(\"graph.edge_added\", |e| f(e)); }\n",
    )]);
    let orphans = findings(&report, "orphaned_event");
    assert_eq!(orphans.len(), 1);
    assert_eq!(orphans[0].event.as_deref(), Some("graph.edge_add"));
    assert_eq!(orphans[0].help, "did you mean `graph.edge_added`?");
    assert_eq!((orphans[0].line, orphans[0].column), (1, 23));
    let unused = findings(&report, "unused_subscription");
    assert_eq!(unused[0].help, "did you mean `graph.edge_add`?");
}

#[test]
fn typo_hints_need_a_close_key() {
    let report = analyze(&[(
        "src/lib.rs",
        "fn a(bus: &Bus) { bus.publish(\"user_created\", 1); bus.publish(\"ab\", 1); }\n\
         fn b(bus: &Bus) { bus.subscribe(\"user.created\", |e| f(e)); bus.subscribe(\"cd\", |e| f(e)); }\n",
    )]);
    let mut helps: Vec<(&str, &str)> = findings(&report, "orphaned_event")
        .iter()
        .map(|f| (f.event.as_deref().unwrap(), f.help.as_str()))
        .collect();
    helps.sort();
    assert_eq!(helps[0], ("ab", "subscribe to it, fix the key if it is a typo, or declare it in `[events] external_subscribers`"));
    assert_eq!(helps[1], ("user_created", "did you mean `user.created`?"));
}

#[test]
fn one_finding_per_event_at_its_first_site() {
    let report = analyze(&[
        (
            "src/a.rs",
            "fn a(bus: &Bus) {\n    bus.publish(\"x\", 1);\n}\n",
        ),
        (
            "src/b.rs",
            "fn b(bus: &Bus) {\n    bus.publish(\"x\", 2);\n}\n",
        ),
    ]);
    let orphans = findings(&report, "orphaned_event");
    assert_eq!(orphans.len(), 1);
    assert_eq!((orphans[0].file.as_str(), orphans[0].line), ("src/a.rs", 2));
    assert_eq!(orphans[0].related.len(), 1);
}

#[test]
fn high_fan_out_counts_wildcards() {
    let report = analyze_with(
        "[analysis]\ntopic_syntax = \"nats\"\nfan_out_threshold = 2\n",
        &[(
            "src/lib.rs",
            "fn a(bus: &Bus) { bus.publish(\"job.done\", 1); }\n\
             fn b(bus: &Bus) { bus.subscribe(\"job.done\", |e| f(e)); bus.subscribe(\"job.*\", |e| f(e)); bus.subscribe(\"job.>\", |e| f(e)); }\n",
        )],
    );
    let fan = findings(&report, "high_fan_out");
    assert_eq!(fan.len(), 1);
    assert_eq!(fan[0].event.as_deref(), Some("job.done"));
    assert!(
        fan[0].message.contains("3 subscribers"),
        "{}",
        fan[0].message
    );
}

#[test]
fn dynamic_keys() {
    let report = analyze(&[(
        "src/lib.rs",
        "fn a(bus: &Bus, id: u32) {\n    let t = std::env::var(\"T\").unwrap();\n    bus.publish(&t, 1);\n    bus.publish(format!(\"user.{}.created\", id), 1);\n}\n",
    )]);
    let dynamic = findings(&report, "dynamic_event_key");
    assert_eq!(dynamic.len(), 2);
    assert_eq!(dynamic[0].event, None);
    assert_eq!(dynamic[0].line, 3);
    assert_eq!(dynamic[1].event.as_deref(), Some("user.*.created"));
    assert!(
        report.orphaned_events.is_empty(),
        "a pattern is never an orphan"
    );
}

#[test]
fn feedback_loop_and_its_witness() {
    let report = analyze(&[(
        "src/lib.rs",
        "impl D {\n    fn attach(&self, bus: &Bus) {\n        bus.subscribe(\"b\", |e| self.on_b(e));\n        bus.subscribe(\"a\", Self::on_a);\n    }\n    fn on_a(&self) { self.helper(); }\n    fn helper(&self) { self.bus.publish(\"b\", 1); }\n    fn on_b(&self, e: &E) { self.bus.publish(\"a\", 1); }\n}\n",
    )]);
    let loops = findings(&report, "feedback_loop");
    assert_eq!(loops.len(), 1);
    assert_eq!(loops[0].event.as_deref(), Some("a"));
    assert_eq!(loops[0].line, 4, "at the smallest key's subscription");
    let path = &report.feedback_loops[0].path;
    assert_eq!(path[0].handler, "D::on_a");
    // `via` lists the calls the handler makes on the way to the publish.
    assert_eq!(path[0].via, ["D::helper"]);
    assert_eq!(path[1].handler, "D::on_b");
    assert_eq!(
        path[1].via,
        ["D::on_b"],
        "the closure calls on_b, which publishes"
    );
    assert_eq!(path[1].publishes, "a");
}

#[test]
fn unresolved_handler_when_turned_on() {
    let report = analyze_with(
        "[lints]\nunresolved_handler = \"warn\"\n",
        &[(
            "src/lib.rs",
            "fn a(bus: &Bus, h: Handler) { bus.subscribe(\"x\", h); bus.subscribe(\"y\", |e| f(e)); }\n",
        )],
    );
    let unresolved = findings(&report, "unresolved_handler");
    assert_eq!(unresolved.len(), 1);
    assert_eq!(unresolved[0].event.as_deref(), Some("x"));
}

#[test]
fn payload_contract_and_missing_subscription() {
    let report = analyze_with(
        "[contracts.\"e\"]\nrequired_fields = [\"id\"]\n[components.Watcher]\nmust_subscribe = [\"e\", \"f\"]\n",
        &[(
            "src/lib.rs",
            "impl Watcher { fn w(&self, bus: &Bus) { bus.subscribe(\"e\", |e| g(e)); } }\n\
             fn p(bus: &Bus) { bus.publish(\"e\", json!({\"name\": 1})); bus.publish(\"e\", opaque()); }\n",
        )],
    );
    let payload = findings(&report, "payload_contract");
    assert_eq!(payload.len(), 1, "an opaque payload is not checked");
    assert!(payload[0].message.contains("lacks `id`"));
    let missing = findings(&report, "missing_subscription");
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].event.as_deref(), Some("f"));
}

const COUPLING: &str = "[lints]\ndirect_coupling = \"warn\"\n";

#[test]
fn direct_coupling_one_finding_per_pair() {
    let report = analyze_with(
        COUPLING,
        &[(
            "src/lib.rs",
            "struct Updater { bus: Bus }\nimpl Updater { fn recompute(&self) { self.bus.publish(\"p\", 1); } }\n\
             struct Detector { bus: Bus, updater: Arc<Updater> }\n\
             impl Detector {\n    fn run(&self) { self.bus.subscribe(\"p\", |e| f(e)); self.updater.recompute(); Updater::recompute(&self.updater); }\n}\n",
        )],
    );
    let coupling = findings(&report, "direct_coupling");
    assert_eq!(coupling.len(), 1);
    assert!(coupling[0].message.contains("`Detector` uses `Updater`"));
    assert!(coupling[0].message.contains("they already share `p`"));
    assert_eq!(coupling[0].line, 3, "at the field, the first place");
    assert_eq!(coupling[0].related.len(), 2);
    assert_eq!(coupling[0].event, None);
}

#[test]
fn direct_coupling_traps() {
    // A component owning the bus, data types both use, trait objects and `Self::` calls
    // are not coupling.
    let report = analyze_with(
        COUPLING,
        &[(
            "src/lib.rs",
            "struct Edge { a: u32 }\nstruct EventBus;\nimpl EventBus { fn publish(&self) {} }\n\
             struct A { bus: EventBus, edges: Vec<Edge>, peer: Box<dyn Reactor> }\n\
             impl A { fn go(&self) { self.bus.publish(\"x\", Edge { a: 1 }); Self::helper(); self.peer.react(); } fn helper() {} }\n\
             struct B { bus: EventBus, last: Option<Edge> }\n\
             impl B { fn on(&self) { self.bus.subscribe(\"x\", |e| f(e)); let e = Edge { a: 2 }; } }\n",
        )],
    );
    assert!(
        findings(&report, "direct_coupling").is_empty(),
        "{:?}",
        report.findings
    );
}

#[test]
fn unused_suppression_and_suppressed_findings() {
    let report = analyze(&[(
        "src/lib.rs",
        "fn a(bus: &Bus) {\n    // choreo: allow(orphaned_event) -- the UI listens\n    bus.publish(\"x\", 1);\n    // choreo: allow(feedback_loop)\n    let y = 1;\n    // choreo: allow(no_such_lint)\n}\n",
    )]);
    assert!(findings(&report, "orphaned_event").is_empty());
    assert_eq!(report.orphaned_events, ["x"], "the graph still says so");
    let unused = findings(&report, "unused_suppression");
    assert_eq!(unused.len(), 2);
    assert!(unused[0].message.contains("suppresses nothing"));
    assert!(unused[1].message.contains("names no lint"));
}

#[test]
fn parse_error_keeps_the_rest() {
    let report = analyze(&[
        ("src/a.rs", "fn broken( {\n"),
        ("src/b.rs", "fn b(bus: &Bus) { bus.publish(\"x\", 1); }\n"),
    ]);
    let errors = findings(&report, "parse_error");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].file, "src/a.rs");
    assert_eq!(report.orphaned_events, ["x"]);
}

#[test]
fn methods_resolve_within_their_own_crate() {
    // Two crates each define `Relay::forward`; only crate b's publishes `b.out`, so only
    // crate b's handler of `b.in` reaches it.
    let relay = |crate_: &str, publish: &str| {
        format!(
            "impl Relay {{\n    fn attach(&self, bus: &Bus) {{ bus.subscribe(\"{crate_}.in\", |e| self.forward(e)); }}\n    fn forward(&self, e: &E) {{ {publish} }}\n}}\n"
        )
    };
    let a = relay("a", "log(e);");
    let b = relay(
        "b",
        "self.bus.publish(\"b.out\", 1); self.bus.publish(\"b.in\", 1);",
    );
    let report = analyze(&[("a/src/lib.rs", a.as_str()), ("b/src/lib.rs", b.as_str())]);
    assert_eq!(report.feedback_loops.len(), 1);
    assert_eq!(report.feedback_loops[0].events, ["b.in"]);
    assert_eq!(
        report.feedback_loops[0].path[0].handler,
        "b::Relay::forward"
    );
}
