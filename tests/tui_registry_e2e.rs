//! The workbench on an OCI reference, end to end: the real binary in tmux
//! against a real registry on loopback. It fetches and pins the model,
//! shows the pinned reference and the signatures found, exports the
//! evidence bundle with `e` (which then verifies offline), and refuses to
//! record an approval after the tag has moved to other content.
//!
//! Without tmux or the registry the test fails when `CI` is set and is
//! skipped otherwise.

mod netsupport;
#[path = "tuisupport/tmux.rs"]
mod tmux;

use modelvet::sources::oci::push;
use modelvet::sources::{self, ResolveOptions};
use netsupport::{Registry, copy_dir, demo_key, demo_model, runtime};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use tmux::{Tmux, tmux_available};

fn push_dir(reg: &Registry, tag: &str, dir: &Path) -> String {
    let r = match sources::parse(&format!("oci://{}/models/demo", reg.host())).unwrap() {
        sources::SourceRef::Oci(r) => r,
        _ => unreachable!(),
    };
    let c = sources::oci::client_for(&r, &ResolveOptions { insecure_http: true, ..Default::default() }).unwrap();
    runtime().block_on(push::push_model_dir(&c, &reg.host(), "models/demo", tag, dir)).unwrap().digest
}

#[test]
fn oci_reference_in_a_real_terminal_exports_evidence_and_refuses_a_moved_tag() {
    if !tmux_available() {
        if std::env::var_os("CI").is_some() {
            panic!("tmux is required for the end-to-end test in CI (.ci/run installs it)");
        }
        eprintln!("skipping: tmux is not installed (set CI=1 to make this a failure)");
        return;
    }
    let Some(reg) = Registry::start() else { return };
    let digest = push_dir(&reg, "v1", &demo_model());
    let home = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_modelvet");
    let envs = [
        ("MODELVET_CONFIG_DIR", home.path().join("cfg")),
        ("MODELVET_DATA_DIR", home.path().join("data")),
        ("MODELVET_CACHE_DIR", home.path().join("cache")),
        ("DOCKER_CONFIG", home.path().join("docker")),
    ];
    let run = |args: &[&str]| {
        let out = Command::new(bin).args(args).envs(envs.iter().map(|(k, v)| (k, v))).current_dir(home.path()).output().unwrap();
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    assert_eq!(run(&["reviewer", "init", "--name", "Tui Tester", "--email", "t@example.com"]).0, 0);

    let reference = format!("oci://{}/models/demo:v1", reg.host());
    let env_prefix: String = envs.iter().map(|(k, v)| format!("{k}='{}' ", v.display())).collect();
    let shell = format!(
        "env -u NO_COLOR {env_prefix}'{bin}' '{reference}' --key '{}' --insecure-http; echo EXIT=$?; sleep 60",
        demo_key().display()
    );
    let tmux = Tmux { socket: format!("modelvet-e2e-oci-{}-{}", std::process::id(), Instant::now().elapsed().as_nanos()) };
    let dir = home.path().to_string_lossy().into_owned();
    let out = tmux.cmd(&["new-session", "-d", "-s", "e2e", "-x", "140", "-y", "45", "-c", &dir, &shell]);
    assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
    let timeout = Duration::from_secs(60);

    // Fetched, pinned, verified.
    let short = &digest[..20];
    let screen = tmux.wait_for("the verified, pinned model", timeout, |s| s.contains("VERIFIED") && s.contains("done: hashed"));
    assert!(screen.contains("Pinned") && screen.contains(short), "{screen}");
    // The Signature pane lists what was found with the source.
    tmux.keys(&["3"]);
    tmux.wait_for("the source checks", timeout, |s| s.contains("source.resolve") && s.contains("OMS model.sig"));

    // `e`: the confirm dialog, then the bundle is written and verifies.
    tmux.keys(&["e"]);
    tmux.wait_for("the export dialog", timeout, |s| s.contains("Export evidence"));
    tmux.keys(&["y"]);
    let screen = tmux.wait_for("the export toast", timeout, |s| s.contains("wrote") || s.contains("export failed"));
    assert!(!screen.contains("export failed"), "{screen}");
    let bundle = std::fs::read_dir(home.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .expect("the bundle was written in the working directory");
    let (code, out) = run(&["evidence", "verify", bundle.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");

    // The tag moves to other content; approving what was opened is refused.
    let other = tempfile::tempdir().unwrap();
    copy_dir(&demo_model(), other.path(), &[]);
    std::fs::write(other.path().join("README.md"), "changed after review\n").unwrap();
    assert_ne!(push_dir(&reg, "v1", other.path()), digest);
    tmux.keys(&["7"]);
    tmux.wait_for("the ledger pane", timeout, |s| s.contains("a approve"));
    tmux.keys(&["a"]);
    tmux.wait_for("the note prompt", timeout, |s| s.contains("Approve: note and scope"));
    tmux.keys(&["-l", "looks fine"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the approve dialog", timeout, |s| s.contains("Approve model"));
    tmux.keys(&["y"]);
    tmux.wait_for("the refusal", timeout, |s| s.contains("moved"));
    let (_, log) = run(&["ledger", "log", "--format", "json"]);
    let entries = serde_json::from_str::<serde_json::Value>(&log).ok().and_then(|v| v["entries"].as_array().map(Vec::len)).unwrap_or(0);
    assert_eq!(entries, 0, "nothing may be recorded for a moved tag: {log}");

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the exit code", timeout, |s| s.contains("EXIT="));
    assert!(screen.contains("EXIT=0"), "{screen}");
}
