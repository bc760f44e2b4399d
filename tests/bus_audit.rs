//! The audit trail: record contents, hash chain, crash recovery, tamper detection, replay.

use choreo::bus::audit::{self, BreakKind, Outcome, VerifyError};
use choreo::bus::{
    replay, replay_simulated, verify, verify_anchored, BreakerPolicy, Bus, Clock, Contract, Event,
    FsyncPolicy, HandlerError, Handlers, ReplayError,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::Duration;

fn sha_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut s = lines.join("\n");
    if !lines.is_empty() {
        s.push('\n');
    }
    std::fs::write(path, s).unwrap();
}

/// Re-hashes every line from `from` on, as a forger who edited a record would.
fn rechain(lines: &mut [String]) {
    let mut prev = audit::GENESIS.to_owned();
    for line in lines.iter_mut() {
        let body = &line[..line.len() - 75]; // `,"hash":"` + 64 + `"}`
        let body = format!("{}{prev}\"", &body[..body.len() - 65]);
        let own = sha_hex(body.as_bytes());
        *line = format!("{body},\"hash\":\"{own}\"}}");
        prev = sha_hex(line.as_bytes());
    }
}

/// A bus session exercising every outcome, on a manual clock.
fn busy_session(path: &Path) -> Bus {
    let (clock, time) = Clock::manual();
    let bus = Bus::builder()
        .clock(clock)
        .audit_trail(path, FsyncPolicy::Never)
        .storm(4, Duration::from_secs(1))
        .max_handler_failures(2)
        .breaker(BreakerPolicy::CoolDown(Duration::from_secs(5)))
        .contract("order", Contract::required_fields(["id"]))
        .build()
        .unwrap();
    handlers_for_busy().install(&bus);
    for i in 0..3 {
        bus.publish(Event::new("order", json!({ "id": i })))
            .unwrap();
        time.advance(Duration::from_millis(10));
    }
    let _ = bus.publish(Event::new("order", json!({})));
    let _ = bus.publish(Event::new("nobody", json!({ "x": true })));
    for _ in 0..3 {
        let _ = bus.publish(Event::new("fragile", json!({})));
        time.advance(Duration::from_secs(3));
    }
    bus.reset("fragile");
    let _ = bus.publish(Event::new("fragile", json!({})));
    // A loop that storms.
    let _ = bus.publish(Event::new("ping", json!({})));
    bus.flush_audit().unwrap();
    bus
}

/// The handlers of `busy_session`, installable on a bus or usable for replay.
struct Busy;

impl Busy {
    fn install(&self, bus: &Bus) {
        bus.subscribe("order", "billing", billing);
        bus.subscribe("order", "audit", |_, _| Ok(()));
        bus.subscribe("order", "fussy", brittle);
        bus.subscribe("invoice", "mailer", mailer);
        bus.subscribe("fragile", "brittle", brittle);
        bus.subscribe("ping", "on_ping", ping);
        bus.subscribe("pong", "on_pong", pong);
    }

    fn handlers(&self) -> Handlers {
        Handlers::new()
            .with("order", "billing", billing)
            .with("order", "audit", |_, _| Ok(()))
            .with("order", "fussy", brittle)
            .with("invoice", "mailer", mailer)
            .with("fragile", "brittle", brittle)
            .with("ping", "on_ping", ping)
            .with("pong", "on_pong", pong)
    }
}

fn handlers_for_busy() -> Busy {
    Busy
}

fn billing(e: &Event, bus: &Bus) -> Result<(), HandlerError> {
    bus.publish(Event::new("invoice", json!({ "order": e.payload["id"] })))?;
    Ok(())
}

fn mailer(e: &Event, _: &Bus) -> Result<(), HandlerError> {
    if e.payload["order"] == json!(1) {
        panic!("smtp down");
    }
    Ok(())
}

fn brittle(_: &Event, _: &Bus) -> Result<(), HandlerError> {
    Err(HandlerError::new("always"))
}

fn ping(_: &Event, bus: &Bus) -> Result<(), HandlerError> {
    bus.publish(Event::new("pong", json!({})))?;
    bus.publish(Event::new("pong", json!({})))?;
    Ok(())
}

fn pong(_: &Event, bus: &Bus) -> Result<(), HandlerError> {
    bus.publish(Event::new("ping", json!({})))?;
    Ok(())
}

#[test]
fn the_trail_records_every_outcome_in_a_hash_chain_from_zeros() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let bus = busy_session(&path);
    let records = audit::read_records(&path).unwrap();
    let outcomes: std::collections::BTreeSet<_> =
        records.iter().map(|r| format!("{:?}", r.outcome)).collect();
    for o in [
        "Opened",
        "Subscribed",
        "Published",
        "Delivered",
        "Failed",
        "Panicked",
        "Skipped",
        "DeadLetter",
        "Refused",
        "Dropped",
        "Reset",
    ] {
        assert!(outcomes.contains(o), "no {o} record in {outcomes:?}");
    }
    let text = lines(&path);
    assert_eq!(records[0].prev, audit::GENESIS);
    for k in 1..text.len() {
        assert_eq!(
            records[k].prev,
            sha_hex(text[k - 1].as_bytes()),
            "line {}",
            k + 1
        );
    }
    assert_eq!(
        bus.audit_head().unwrap(),
        sha_hex(text.last().unwrap().as_bytes())
    );
    // Published records carry seq, id, type, payload; nested ones name their publisher.
    let invoice = records
        .iter()
        .find(|r| r.outcome == Outcome::Published && r.event_type == "invoice")
        .unwrap();
    assert_eq!(invoice.handler.as_deref(), Some("billing"));
    assert_eq!(invoice.parent, Some(1));
    assert_eq!(invoice.payload, json!({ "order": 0 }));
    let refused = records
        .iter()
        .find(|r| r.outcome == Outcome::Refused && r.event_type == "order")
        .unwrap();
    assert_eq!(refused.seq, None);
    assert!(refused
        .detail
        .as_deref()
        .unwrap()
        .contains("missing fields id"));
    let published: Vec<u64> = records
        .iter()
        .filter(|r| r.outcome == Outcome::Published)
        .filter_map(|r| r.seq)
        .collect();
    assert_eq!(published, (1..=published.len() as u64).collect::<Vec<_>>());
    assert_eq!(verify(&path).unwrap().records, text.len() as u64);
}

#[test]
fn reopening_continues_the_chain_and_the_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let first_last_seq = {
        let bus = Bus::builder()
            .audit_trail(&path, FsyncPolicy::Always)
            .build()
            .unwrap();
        bus.publish(Event::new("a", json!({}))).unwrap();
        bus.publish(Event::new("a", json!({}))).unwrap().seq
    };
    let bus = Bus::builder()
        .audit_trail(&path, FsyncPolicy::Always)
        .build()
        .unwrap();
    assert_eq!(
        bus.publish(Event::new("a", json!({}))).unwrap().seq,
        first_last_seq + 1
    );
    drop(bus);
    let v = verify(&path).unwrap();
    // opened, published, dead_letter x2, then opened, published, dead_letter.
    assert_eq!(v.records, 8);
}

#[test]
fn a_trail_cut_at_any_byte_of_its_last_records_reopens_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    busy_session(&path);
    let full = std::fs::read(&path).unwrap();
    let text = lines(&path);
    let tail: usize = text.iter().rev().take(3).map(|l| l.len() + 1).sum();
    for cut in full.len() - tail..=full.len() {
        // A fresh file per cut: rewriting one file hundreds of times is slow on ext4.
        let cut_path = dir.path().join(format!("cut-{cut}.jsonl"));
        std::fs::write(&cut_path, &full[..cut]).unwrap();
        let complete = full[..cut].iter().filter(|&&b| b == b'\n').count() as u64;
        {
            let bus = Bus::builder()
                .audit_trail(&cut_path, FsyncPolicy::Never)
                .build()
                .unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
            bus.publish(Event::new("after", json!({}))).unwrap();
        }
        let v = verify(&cut_path).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        // Complete records kept, plus opened, published and dead_letter of the new session.
        assert_eq!(v.records, complete + 3, "cut at {cut}");
    }
}

#[test]
fn every_single_byte_change_is_caught_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    {
        let bus = Bus::builder()
            .audit_trail(&path, FsyncPolicy::Never)
            .build()
            .unwrap();
        bus.subscribe("t", "h", |_, _| Ok(()));
        bus.publish(Event::new("t", json!({ "a": "b c", "n": 1.5 })))
            .unwrap();
        bus.publish(Event::new("u", json!([1, null]))).unwrap();
    }
    let full = std::fs::read(&path).unwrap();
    // The file-based check agrees with the in-memory one.
    let mut bytes = full.clone();
    bytes[10] ^= 1;
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, &bytes).unwrap();
    assert_eq!(verify(&bad).unwrap_err().line(), Some(1));
    let mut checked = 0;
    for pos in 0..full.len() {
        let line = full[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
        for flip in [0x01u8, 0x20, 0x80] {
            let mut bytes = full.clone();
            bytes[pos] ^= flip;
            // In memory: rewriting one file thousands of times is slow on some filesystems.
            match audit::verify_bytes(&bytes) {
                Err(e) => assert_eq!(e.line, line, "byte {pos} ^ {flip:#x}: {e}"),
                Ok(_) => panic!("byte {pos} ^ {flip:#x} not caught"),
            }
            checked += 1;
        }
    }
    assert!(checked > 1000);
}

#[test]
fn deletion_reordering_and_insertion_of_records_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let head = busy_session(&path).audit_head().unwrap();
    let text = lines(&path);
    let n = text.len();
    let bad = dir.path().join("bad.jsonl");
    // In memory (rewriting one file thousands of times is slow on some filesystems); the
    // anchor check is what `verify_anchored` adds on top.
    let broken_line = |ls: &[String]| -> Result<usize, String> {
        let bytes: String = ls.iter().map(|l| format!("{l}\n")).collect();
        match audit::verify_bytes(bytes.as_bytes()) {
            Err(broken) => Ok(broken.line),
            Ok(v) if v.head != head => Ok(usize::MAX),
            Ok(_) => Err("verified".into()),
        }
    };
    let mut ls = text.clone();
    ls.pop();
    write_lines(&bad, &ls);
    assert!(matches!(
        verify_anchored(&bad, &head),
        Err(VerifyError::HeadMismatch { .. })
    ));
    write_lines(&bad, &text);
    verify_anchored(&bad, &head).unwrap();
    for k in 0..n {
        let mut ls = text.clone();
        ls.remove(k);
        // Removing the last record leaves a valid shorter chain: only the anchor sees it.
        let want = if k == n - 1 { usize::MAX } else { k + 1 };
        assert_eq!(broken_line(&ls), Ok(want), "deleting line {}", k + 1);
    }
    for i in 0..n {
        for j in i + 1..n {
            let mut ls = text.clone();
            ls.swap(i, j);
            assert_eq!(
                broken_line(&ls),
                Ok(i + 1),
                "swapping {} and {}",
                i + 1,
                j + 1
            );
        }
    }
    for src in 0..n {
        for at in 0..=n {
            let mut ls = text.clone();
            ls.insert(at, text[src].clone());
            let line = broken_line(&ls).unwrap_or_else(|e| panic!("copy of {src} at {at}: {e}"));
            assert!(
                line <= at + 2,
                "copy of {src} at {at} caught late, at {line}"
            );
        }
    }
    // A self-consistent edit is tampering, not corruption.
    let mut ls = text.clone();
    ls[3] = ls[3].replace("\"outcome\":\"subscribed\"", "\"outcome\":\"reset\"");
    let end = ls[3].len() - 75;
    let body = ls[3][..end].to_owned();
    let own = sha_hex(body.as_bytes());
    ls[3] = format!("{body},\"hash\":\"{own}\"}}");
    write_lines(&bad, &ls);
    match verify(&bad) {
        Err(VerifyError::Broken { broken, .. }) => {
            assert_eq!((broken.line, broken.kind), (5, BreakKind::Tampering));
        }
        other => panic!("expected tampering, got {other:?}"),
    }
}

#[test]
fn replay_with_the_same_handlers_gives_the_same_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    busy_session(&path);
    // A second session on the same trail.
    busy_session(&path);
    let report = replay(&path, &handlers_for_busy().handlers()).unwrap();
    assert_eq!(report.sessions, 2);
    assert!(report.records_compared > 50);
    let sim = replay_simulated(&path).unwrap();
    assert_eq!(sim, report);
}

#[test]
fn replay_reports_the_first_line_a_changed_handler_does_not_reproduce() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    busy_session(&path);
    let handlers = handlers_for_busy()
        .handlers()
        .with("order", "audit", |e, _| {
            if e.payload["id"] == json!(2) {
                Err(HandlerError::new("regression"))
            } else {
                Ok(())
            }
        });
    let recorded = audit::read_records(&path).unwrap();
    let want = recorded
        .iter()
        .position(|r| {
            r.outcome == Outcome::Delivered
                && r.handler.as_deref() == Some("audit")
                && r.payload["id"] == json!(2)
        })
        .unwrap()
        + 1;
    match replay(&path, &handlers) {
        Err(ReplayError::Diverged { line, actual, .. }) => {
            assert_eq!(line, want);
            assert!(actual.contains("regression"), "{actual}");
        }
        other => panic!("expected a divergence, got {other:?}"),
    }
    // A missing handler is named.
    assert!(matches!(
        replay(&path, &Handlers::new()),
        Err(ReplayError::MissingHandler { .. })
    ));
}

#[test]
fn simulated_replay_catches_a_rehashed_edit_of_a_bus_decision() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    busy_session(&path);
    let mut ls = lines(&path);
    // Claim that the skipped handler ran: the chain is re-hashed so verify passes, but the
    // bus would have skipped it.
    let k = ls
        .iter()
        .position(|l| l.contains("\"outcome\":\"skipped\""))
        .unwrap();
    ls[k] = ls[k].replace("\"outcome\":\"skipped\"", "\"outcome\":\"delivered\"");
    rechain(&mut ls);
    write_lines(&path, &ls);
    verify(&path).unwrap();
    match replay_simulated(&path) {
        Err(ReplayError::Diverged { line, .. }) => assert_eq!(line, k + 1),
        other => panic!("expected a divergence, got {other:?}"),
    }
}

#[test]
fn replay_refuses_a_trail_that_does_not_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    busy_session(&path);
    let mut ls = lines(&path);
    ls.swap(2, 3);
    write_lines(&path, &ls);
    assert!(matches!(
        replay_simulated(&path),
        Err(ReplayError::Verify(VerifyError::Broken { .. }))
    ));
}

#[test]
fn a_trail_whose_last_complete_record_is_damaged_is_not_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    busy_session(&path);
    let mut ls = lines(&path);
    let n = ls.len();
    ls.swap(n - 2, n - 1);
    write_lines(&path, &ls);
    let err = Bus::builder()
        .audit_trail(&path, FsyncPolicy::Never)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains(&format!("line {n}")), "{err}");
    ls[n - 1] = ls[n - 1].replacen('1', "2", 1);
    write_lines(&path, &ls);
    assert!(Bus::builder()
        .audit_trail(&path, FsyncPolicy::Never)
        .build()
        .is_err());
}

#[test]
fn reopening_does_not_hide_an_earlier_break() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    busy_session(&path);
    let mut ls = lines(&path);
    ls.swap(2, 3);
    write_lines(&path, &ls);
    // Reopening checks only the end of the trail (in time independent of its length)...
    busy_session(&path);
    // ...and the earlier break is still reported by verify.
    assert_eq!(verify(&path).unwrap_err().line(), Some(3));
}
