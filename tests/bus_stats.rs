//! Stats and their Prometheus text exposition.

use choreo::bus::{BreakerState, Bus, Event, HandlerError};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

fn sample_bus() -> Bus {
    let bus = Bus::builder().max_handler_failures(1).build().unwrap();
    bus.subscribe("a\"b\\c\nd", "h\"1", |_, _| Ok(()));
    bus.subscribe("fail", "bad", |_, _| Err(HandlerError::new("x")));
    bus.publish(Event::new("a\"b\\c\nd", json!({}))).unwrap();
    bus.publish(Event::new("fail", json!({}))).unwrap();
    let _ = bus.publish(Event::new("fail", json!({})));
    bus.publish(Event::new("nobody", json!({}))).unwrap();
    bus
}

#[test]
fn stats_count_per_type_and_per_handler() {
    let stats = sample_bus().stats();
    let fail = &stats.types["fail"];
    assert_eq!(
        (fail.published, fail.failed, fail.refused_total()),
        (1, 1, 1)
    );
    assert_eq!(fail.refused["circuit_open"], 1);
    assert_eq!(fail.breaker, BreakerState::Open);
    assert_eq!(stats.types["nobody"].dead_lettered, 1);
    let bad = stats.handlers.iter().find(|h| h.handler == "bad").unwrap();
    assert_eq!((bad.failures, bad.skipped), (1, true));
    assert_eq!(stats.queue_peak, 1);
    assert_eq!(stats.dead_letters_total, 1);
    #[cfg(target_os = "linux")]
    assert!(stats.peak_resident_bytes.unwrap() > 1024 * 1024);
}

/// A strict reading of the text exposition format (0.0.4) for what we emit: HELP then TYPE
/// before a metric's samples, samples of a metric contiguous, valid names, escaped labels,
/// counters named `_total`, no duplicate series.
fn check_exposition(text: &str) -> Result<BTreeMap<String, f64>, String> {
    fn is_name(s: &str, first: fn(char) -> bool) -> bool {
        let mut cs = s.chars();
        cs.next().is_some_and(first)
            && cs.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    }
    let metric_first = |c: char| c.is_ascii_alphabetic() || c == '_' || c == ':';
    let label_first = |c: char| c.is_ascii_alphabetic() || c == '_';
    let mut seen_metrics = BTreeSet::new();
    let mut current: Option<(String, String)> = None; // (name, type)
    let mut pending_help: Option<String> = None;
    let mut series = BTreeMap::new();
    if !text.ends_with('\n') {
        return Err("no final newline".into());
    }
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest
                .split_once(' ')
                .ok_or(format!("{n}: HELP without text"))?;
            if !is_name(name, metric_first) || !name.starts_with("choreo_bus_") {
                return Err(format!("{n}: bad metric name {name}"));
            }
            if help.contains('\\') && !help.contains("\\\\") && !help.contains("\\n") {
                return Err(format!("{n}: bad escape in help"));
            }
            if !seen_metrics.insert(name.to_owned()) {
                return Err(format!("{n}: metric {name} described twice"));
            }
            pending_help = Some(name.to_owned());
            current = None;
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest
                .split_once(' ')
                .ok_or(format!("{n}: TYPE without type"))?;
            if pending_help.take().as_deref() != Some(name) {
                return Err(format!("{n}: TYPE {name} not right after its HELP"));
            }
            if !matches!(kind, "counter" | "gauge") {
                return Err(format!("{n}: unknown type {kind}"));
            }
            if kind == "counter" && !name.ends_with("_total") {
                return Err(format!("{n}: counter {name} not named _total"));
            }
            current = Some((name.to_owned(), kind.to_owned()));
        } else if line.starts_with('#') || line.is_empty() {
            return Err(format!("{n}: unexpected line {line:?}"));
        } else {
            let (name, _) = current.as_ref().ok_or(format!("{n}: sample before TYPE"))?;
            let rest = line
                .strip_prefix(name.as_str())
                .ok_or(format!("{n}: sample of another metric than {name}"))?;
            let mut chars = rest.chars().peekable();
            let mut key = name.clone();
            if chars.peek() == Some(&'{') {
                chars.next();
                key.push('{');
                loop {
                    let mut label = String::new();
                    while let Some(&c) = chars.peek() {
                        if c == '=' {
                            break;
                        }
                        label.push(c);
                        chars.next();
                    }
                    if !is_name(&label, label_first) {
                        return Err(format!("{n}: bad label name {label:?}"));
                    }
                    if chars.next() != Some('=') || chars.next() != Some('"') {
                        return Err(format!("{n}: label {label} without =\""));
                    }
                    let mut value = String::new();
                    loop {
                        match chars.next() {
                            Some('\\') => match chars.next() {
                                Some('\\') => value.push('\\'),
                                Some('"') => value.push('"'),
                                Some('n') => value.push('\n'),
                                other => return Err(format!("{n}: bad escape \\{other:?}")),
                            },
                            Some('"') => break,
                            Some('\n') | None => return Err(format!("{n}: unterminated label")),
                            Some(c) => value.push(c),
                        }
                    }
                    key.push_str(&format!("{label}={value:?},"));
                    match chars.next() {
                        Some(',') => continue,
                        Some('}') => break,
                        other => return Err(format!("{n}: expected , or }} got {other:?}")),
                    }
                }
                key.push('}');
            }
            if chars.next() != Some(' ') {
                return Err(format!("{n}: no space before value"));
            }
            let value: String = chars.collect();
            let v: f64 = value
                .parse()
                .map_err(|_| format!("{n}: bad value {value:?}"))?;
            if series.insert(key.clone(), v).is_some() {
                return Err(format!("{n}: duplicate series {key}"));
            }
        }
    }
    if let Some(name) = pending_help {
        return Err(format!("HELP {name} without TYPE"));
    }
    Ok(series)
}

#[test]
fn prometheus_text_follows_the_exposition_grammar() {
    let text = sample_bus().stats().to_prometheus();
    let series = check_exposition(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let get = |k: &str| {
        series
            .get(k)
            .copied()
            .unwrap_or_else(|| panic!("no {k}\n{text}"))
    };
    assert_eq!(
        get("choreo_bus_events_published_total{event_type=\"a\\\"b\\\\c\\nd\",}"),
        1.0
    );
    assert_eq!(
        get("choreo_bus_breaker_state{event_type=\"fail\",state=\"open\",}"),
        1.0
    );
    assert_eq!(
        get("choreo_bus_events_refused_total{event_type=\"fail\",reason=\"circuit_open\",}"),
        1.0
    );
    assert_eq!(
        get("choreo_bus_handler_skipped{event_type=\"fail\",handler=\"bad\",subscription=\"2\",}"),
        1.0
    );
    assert_eq!(
        get("choreo_bus_dead_letters_total{event_type=\"nobody\",}"),
        1.0
    );
    assert_eq!(get("choreo_bus_queue_peak"), 1.0);
    // The raw text escapes the label, never breaks a line inside it.
    assert!(text.contains(r#"event_type="a\"b\\c\nd""#));
}

#[test]
fn the_grammar_check_rejects_what_prometheus_would() {
    for bad in [
        "choreo_bus_x 1\n",                                                     // no TYPE
        "# HELP choreo_bus_x h\n# TYPE choreo_bus_x counter\nchoreo_bus_x 1\n", // counter not _total
        "# HELP choreo_bus_x h\n# TYPE choreo_bus_x gauge\nchoreo_bus_x{a=\"\\q\"} 1\n",
        "# HELP choreo_bus_x h\n# TYPE choreo_bus_x gauge\nchoreo_bus_x{a=\"x} 1\n",
        "# HELP choreo_bus_x h\n# TYPE choreo_bus_x gauge\nchoreo_bus_x one\n",
        "# HELP other h\n# TYPE other gauge\nother 1\n",
    ] {
        assert!(check_exposition(bad).is_err(), "accepted {bad:?}");
    }
}
