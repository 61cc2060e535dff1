//! Reliability of the ledger file under real concurrent processes and
//! crashes:
//! - two writers running the real binary (`modelvet approve`, 500 times
//!   each, in two concurrent shell loops) on one ledger;
//! - two long-lived processes appending 500 entries each through the library
//!   (each is this test executable re-run as a worker: a real process doing
//!   real appends, see `worker`);
//! - a process killed with SIGKILL while appending.

#[path = "ledgersupport/mod.rs"]
mod common;

use common::*;
use modelvet::ledger::{Decision, KeyStore, Ledger, Scope, view};
use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const WORKER_ENV: &str = "MODELVET_TEST_LEDGER_WORKER";

/// Worker mode: when started by a test below with `WORKER_ENV` set, append
/// `count` approvals of the demo model to the ledger, tagged with `tag`,
/// each through the same library call `modelvet approve` uses. In a normal
/// test run the variable is unset and this returns at once.
#[test]
fn worker() {
    let Ok(spec) = std::env::var(WORKER_ENV) else { return };
    let mut parts = spec.splitn(3, '|');
    let (ledger, count, tag) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    let count: u64 = count.parse().unwrap();
    let store = KeyStore::from_env().unwrap();
    let reviewer = store.load_reviewer(None).unwrap();
    let key = store.ledger_key_or_create().unwrap();
    let report = demo_report();
    let mut ledger = Ledger::open_or_create(Path::new(ledger), &key).unwrap();
    for i in 0..count {
        let req = view::request(Decision::Approve, Scope::Ops, format!("{tag} {i}"), false);
        view::record_review(&store, &mut ledger, &report, &req, &reviewer).unwrap();
    }
}

fn spawn_worker(sb: &Sandbox, ledger: &Path, count: u64, tag: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "worker", "--nocapture", "--test-threads", "1"])
        .env(WORKER_ENV, format!("{}|{count}|{tag}", ledger.display()))
        .env("MODELVET_CONFIG_DIR", sb.config())
        .env("MODELVET_DATA_DIR", sb.data())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Checks the ledger with `ledger verify` and returns the notes in order.
fn verified_notes(sb: &Sandbox, ledger: &Path) -> Vec<String> {
    let (code, v) = sb.verify_json(ledger, &["--strict"]);
    assert_eq!(code, 0, "ledger does not verify: {v:#}");
    assert_eq!(v["entries"], v["checkpoints"], "one checkpoint per entry");
    let out = sb.run(&["ledger", "--ledger", ledger.to_str().unwrap(), "log", "--format", "json"]);
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entries = log["entries"].as_array().unwrap();
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e["index"], i as u64, "indexes are 0..n-1");
        assert_eq!(e["mark"], "verified");
    }
    entries.iter().map(|e| e["note"].as_str().unwrap().to_string()).collect()
}

#[test]
fn two_worker_processes_append_500_entries_each() {
    let sb = Sandbox::new();
    sb.init_reviewer("Alice");
    let ledger = sb.ledger(); // does not exist yet: both race to create it
    let per = 500u64;
    let started = Instant::now();
    let a = spawn_worker(&sb, &ledger, per, "A");
    let b = spawn_worker(&sb, &ledger, per, "B");
    for (name, child) in [("A", a), ("B", b)] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "worker {name} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    eprintln!("1000 concurrent appends in {:?}", started.elapsed());
    let notes = verified_notes(&sb, &ledger);
    assert_eq!(notes.len(), 1000);
    let unique: HashSet<&String> = notes.iter().collect();
    assert_eq!(unique.len(), 1000, "every append is there exactly once");
    for tag in ["A", "B"] {
        // Each writer's own appends keep their order.
        let mine: Vec<u64> = notes
            .iter()
            .filter_map(|n| n.strip_prefix(&format!("{tag} ")).map(|i| i.parse().unwrap()))
            .collect();
        assert_eq!(mine, (0..per).collect::<Vec<_>>());
    }
    // They really interleaved (both were writing at the same time).
    let switches = notes.windows(2).filter(|w| w[0].as_bytes()[0] != w[1].as_bytes()[0]).count();
    assert!(switches > 1, "the two writers never interleaved");
}

#[test]
fn two_cli_processes_append_500_entries_each() {
    let sb = Sandbox::new();
    sb.init_reviewer("Alice");
    let ledger = sb.ledger();
    let per = 500;
    let script = format!(
        "i=0; while [ $i -lt {per} ]; do \"$0\" approve \"$1\" --key \"$2\" --ledger \"$3\" --note \"$4 $i\" >/dev/null || exit 1; i=$((i+1)); done"
    );
    let spawn = |tag: &str| {
        let mut c = Command::new("sh");
        sb.apply_env(&mut c);
        c.arg("-c")
            .arg(&script)
            .arg(BIN)
            .arg(demo_model())
            .arg(demo_pub())
            .arg(&ledger)
            .arg(tag)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("A"), spawn("B"));
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let notes = verified_notes(&sb, &ledger);
    assert_eq!(notes.len(), 2 * per);
    assert_eq!(notes.iter().collect::<HashSet<_>>().len(), 2 * per);
}

fn bodies(ledger: &Path) -> Vec<Vec<u8>> {
    let c = rusqlite::Connection::open_with_flags(ledger, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    let mut s = c.prepare("SELECT body FROM entries ORDER BY idx").unwrap();
    s.query_map([], |r| r.get::<_, Vec<u8>>(0)).unwrap().map(Result::unwrap).collect()
}

#[test]
fn sigkill_in_the_middle_of_appending_loses_no_committed_entry() {
    let sb = Sandbox::new();
    sb.init_reviewer("Alice");
    let ledger = sb.ledger();
    let mut before: Vec<Vec<u8>> = Vec::new();
    for (round, target) in [3usize, 20, 45, 80].into_iter().enumerate() {
        let mut child = spawn_worker(&sb, &ledger, 1_000_000, &format!("round{round}"));
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if ledger.exists() && bodies(&ledger).len() >= target {
                break;
            }
            assert!(Instant::now() < deadline, "worker made no progress");
            assert!(child.try_wait().unwrap().is_none(), "worker exited early");
            std::thread::sleep(Duration::from_millis(5));
        }
        // Vary where in an append the kill lands.
        std::thread::sleep(Duration::from_micros(1_700 * round as u64));
        let seen = bodies(&ledger);
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert!(!status.success());
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(status.signal(), Some(9));
        }
        let after = bodies(&ledger);
        assert!(after.len() >= seen.len(), "committed entries were lost");
        assert_eq!(&after[..seen.len()], &seen[..], "committed entries changed");
        assert_eq!(&after[..before.len()], &before[..]);
        let notes = verified_notes(&sb, &ledger);
        assert_eq!(notes.len(), after.len());
        before = after;
    }
}
