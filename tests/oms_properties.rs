//! Property tests: signing any tree and verifying it round-trips; flipping
//! any byte of any file makes exactly that file `modified`.

use modelvet::crypto::PrivateKey;
use modelvet::hashing::{HashType, NoopObserver, Serialization};
use modelvet::oms::sign::{SignOptions, sign_to_file};
use modelvet::oms::{Trust, VerifyOptions, prepare};
use modelvet::report::{FileStatus, Verdict};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::OnceLock;

fn key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(PrivateKey::generate_p256)
}

/// Relative file paths (1–3 components) with contents.
fn tree() -> impl Strategy<Value = BTreeMap<String, Vec<u8>>> {
    let name = "[a-zA-Z0-9_.-]{1,8}".prop_filter("not . or ..", |s| s != "." && s != "..");
    let path = prop::collection::vec(name, 1..=3).prop_map(|parts| parts.join("/"));
    prop::collection::btree_map(path, prop::collection::vec(any::<u8>(), 0..3000), 1..8).prop_filter(
        "no file may also be a directory, nor use a git name",
        |m| {
            m.keys().all(|k| {
                !m.keys().any(|o| o.starts_with(&format!("{k}/")))
                    && ![".git", ".github", ".gitignore", ".gitattributes", "model.sig"].contains(&k.split('/').next().unwrap())
            })
        },
    )
}

fn serialization() -> impl Strategy<Value = Serialization> {
    prop_oneof![
        Just(Serialization::Files { hash: HashType::Sha256 }),
        Just(Serialization::Files { hash: HashType::Blake2b }),
        Just(Serialization::Files { hash: HashType::Blake3 }),
        (1u64..2048).prop_map(|s| Serialization::Shards { hash: HashType::Sha256, shard_size: s }),
    ]
}

fn write_tree(root: &std::path::Path, files: &BTreeMap<String, Vec<u8>>) {
    for (rel, data) in files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
}

/// Writes `files` into a fresh model folder and signs it with `ser`.
fn signed_tree(files: &BTreeMap<String, Vec<u8>>, ser: Serialization) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m");
    std::fs::create_dir(&model).unwrap();
    write_tree(&model, files);
    let opts = SignOptions {
        model: model.clone(),
        signature: model.join("model.sig"),
        serialization: ser,
        ignore_paths: vec![],
        ignore_git_paths: true,
        allow_symlinks: false,
    };
    sign_to_file(&opts, key(), &NoopObserver).unwrap();
    (dir, model)
}

fn verify(model: &std::path::Path) -> modelvet::report::VerificationReport {
    let mut opts = VerifyOptions::new(model);
    opts.trust = Trust::Key(key().public_key());
    prepare(&opts).unwrap().run(&NoopObserver, &Default::default())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn sign_verify_round_trip(files in tree(), ser in serialization()) {
        let (_dir, model) = signed_tree(&files, ser);
        let r = verify(&model);
        prop_assert_eq!(r.verdict, Verdict::Verified, "{:?}", r.reasons);
    }

    #[test]
    fn flipping_any_byte_reports_that_file(files in tree(), pick in any::<prop::sample::Index>(), byte in any::<prop::sample::Index>(), ser in serialization()) {
        let nonempty: Vec<_> = files.iter().filter(|(_, d)| !d.is_empty()).collect();
        prop_assume!(!nonempty.is_empty());
        let (_dir, model) = signed_tree(&files, ser);
        let (victim, data) = nonempty[pick.index(nonempty.len())];
        let mut data = data.clone();
        let i = byte.index(data.len());
        data[i] ^= 0x80;
        std::fs::write(model.join(victim), &data).unwrap();
        let r = verify(&model);
        prop_assert_eq!(r.verdict, Verdict::Failed);
        let bad: Vec<_> = r.files.iter().filter(|f| f.status.is_problem()).map(|f| (f.path.clone(), f.status)).collect();
        prop_assert_eq!(bad, vec![(victim.clone(), FileStatus::Modified)]);
    }
}
