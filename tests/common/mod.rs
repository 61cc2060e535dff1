//! Helpers shared by integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `../shared` beside the checkout, with the upstream fixtures. In CI
/// (`CI` set) a missing folder fails the test; elsewhere the test is skipped.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.join("fixtures").is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!("CI is set but {} is missing: the shared fixtures are required in CI", dir.display());
    }
    eprintln!("skipping: {} not found", dir.display());
    None
}

/// Copies a directory tree (symlinks are recreated, not followed).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let src = entry.path();
        let dst = to.join(entry.file_name());
        let ft = entry.file_type().unwrap();
        if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if ft.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
            let mut perm = std::fs::metadata(&dst).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            std::fs::set_permissions(&dst, perm).unwrap();
        }
    }
}

/// The repository's demo model and its signer key.
pub fn demo_model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/model")
}

pub fn demo_pub_key() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/keys/demo-signer.pub.pem")
}

pub fn demo_private_key() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/keys/demo-signer.key.pem")
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_modelvet"))
}

/// `node` plus the interop script, when `scripts/interop/node_modules` has
/// been installed (`npm ci --prefix scripts/interop`, done by `.ci/run`).
pub fn sigstore_js() -> Option<(PathBuf, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/interop");
    let script = dir.join("verify-sigstore-bundle.mjs");
    let installed = dir.join("node_modules/@sigstore/verify").is_dir();
    let node = std::process::Command::new("node").arg("--version").output().ok().filter(|o| o.status.success());
    if installed && node.is_some() {
        return Some((PathBuf::from("node"), script));
    }
    if std::env::var_os("CI").is_some() {
        panic!("CI is set but node or scripts/interop/node_modules is missing (run npm ci --prefix scripts/interop)");
    }
    eprintln!("skipping: sigstore-js interop verifier not installed");
    None
}

/// An isolated home for running the real binary: its own config, data and
/// cache directories and no Docker credentials (never the user's), with a
/// reviewer key already created.
pub struct CliHome {
    pub dir: tempfile::TempDir,
}

impl CliHome {
    pub fn with_reviewer() -> Self {
        let home = CliHome { dir: tempfile::tempdir().unwrap() };
        home.cmd().args(["reviewer", "init", "--name", "Ada Auditor", "--email", "ada@example.com"]).assert().code(0);
        home
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    /// The binary with this home's environment, run from inside it.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::new(bin());
        c.env("MODELVET_CONFIG_DIR", self.path("cfg"))
            .env("MODELVET_DATA_DIR", self.path("data"))
            .env("MODELVET_CACHE_DIR", self.path("cache"))
            .env("DOCKER_CONFIG", self.path("no-docker"))
            .current_dir(self.dir.path());
        c
    }
}
