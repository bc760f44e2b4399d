//! Crash safety of the audit trail: a child process writing records is killed with SIGKILL
//! at random points, over and over, and the trail must recover every time.
//!
//! The child is this test binary re-invoked on the `crash_child` test with an environment
//! variable naming the trail; it prints `ACK <seq>` after each publish returns.

use choreo::bus::audit::{self, Outcome};
use choreo::bus::{verify, Bus, Event, FsyncPolicy};
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

const TRAIL_ENV: &str = "CHOREO_BUS_CRASH_TRAIL";
const MODE_ENV: &str = "CHOREO_BUS_CRASH_MODE";

/// The child's body; a no-op in a normal test run.
#[test]
fn crash_child() {
    let Ok(path) = std::env::var(TRAIL_ENV) else {
        return;
    };
    let policy = match std::env::var(MODE_ENV).as_deref() {
        Ok("always") => FsyncPolicy::Always,
        _ => FsyncPolicy::Batched {
            records: 16,
            interval: Duration::from_millis(5),
        },
    };
    let bus = Bus::builder()
        .audit_trail(&path, policy)
        .without_storm_detection()
        .build()
        .unwrap();
    bus.subscribe("tick", "counter", |e, bus| {
        if e.seq() % 3 == 0 {
            bus.publish(Event::new("tock", json!({ "of": e.seq() })))?;
        }
        Ok(())
    });
    let mut out = std::io::stdout().lock();
    // Bounded so that an orphaned child cannot run forever.
    for i in 0..200_000u64 {
        let r = bus
            .publish(Event::new("tick", json!({ "i": i, "pad": "x".repeat(40) })))
            .unwrap();
        writeln!(out, "ACK {}", r.seq).unwrap();
        out.flush().unwrap();
    }
}

/// xorshift64*: deterministic delays without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn kill_loop(mode: &str, kills: usize, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut rng = Rng(seed);
    let mut path = dir.path().join("trail-0.jsonl");
    let mut total_acked = 0usize;
    for round in 0..kills {
        // A fresh trail every 20 kills keeps verification cheap; within a group, each child
        // reopens the trail its killed predecessor left.
        if round % 20 == 0 {
            path = dir.path().join(format!("trail-{round}.jsonl"));
        }
        let mut child = Command::new(&exe)
            .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(TRAIL_ENV, &path)
            .env(MODE_ENV, mode)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the child is writing, then let it run a random while longer, so
        // that every kill lands mid-run at a random record.
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut stdout = String::new();
        while !stdout.contains("ACK ") {
            if reader.read_line(&mut stdout).unwrap() == 0 {
                panic!("{mode} round {round}: child exited early: {stdout}");
            }
        }
        std::thread::sleep(Duration::from_micros(rng.below(20_000)));
        child.kill().unwrap(); // SIGKILL on Unix
        reader.read_to_string(&mut stdout).unwrap();
        child.wait().unwrap();
        let acked: Vec<u64> = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("ACK "))
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        total_acked += acked.len();

        let recovery =
            audit::recover(&path).unwrap_or_else(|e| panic!("{mode} round {round}: recover: {e}"));
        verify(&path).unwrap_or_else(|e| panic!("{mode} round {round}: verify: {e}"));
        let records = audit::read_records(&path).unwrap();
        assert_eq!(recovery.records, records.len() as u64);
        let published: Vec<u64> = records
            .iter()
            .filter(|r| r.outcome == Outcome::Published)
            .filter_map(|r| r.seq)
            .collect();
        // An exact prefix: sequence numbers 1..=k, no gaps, in order.
        let expect: Vec<u64> = (1..=published.len() as u64).collect();
        assert_eq!(published, expect, "{mode} round {round}: gap in the trail");
        if mode == "always" {
            let last = published.last().copied().unwrap_or(0);
            for seq in &acked {
                assert!(
                    *seq <= last,
                    "{mode} round {round}: acknowledged {seq} lost"
                );
            }
        }
    }
    eprintln!("{mode}: {kills} kills, all mid-run, {total_acked} publishes acknowledged");
}

#[test]
fn sigkill_mid_write_keeps_every_acknowledged_record_under_fsync_always() {
    kill_loop("always", 120, 0x9e37_79b9_7f4a_7c15);
}

#[test]
fn sigkill_mid_write_recovers_an_exact_prefix_under_batched_fsync() {
    kill_loop("batched", 100, 0xdead_beef_cafe_f00d);
}
