//! The bundled demo model: a real model signed by the reference
//! model-signing implementation (see `fixtures/generate.sh`), opened when
//! modelvet starts without a SOURCE.
//!
//! In a source checkout the files are used in place; an installed binary
//! carries a copy and writes it once into the platform cache directory.

use std::path::PathBuf;

/// (relative path, contents) of every demo file.
const FILES: &[(&str, &[u8])] = &[
    ("model/README.md", include_bytes!("../fixtures/demo/model/README.md")),
    ("model/config.json", include_bytes!("../fixtures/demo/model/config.json")),
    ("model/generation_config.json", include_bytes!("../fixtures/demo/model/generation_config.json")),
    ("model/model.safetensors", include_bytes!("../fixtures/demo/model/model.safetensors")),
    ("model/tokenizer.json", include_bytes!("../fixtures/demo/model/tokenizer.json")),
    ("model/tokenizer_config.json", include_bytes!("../fixtures/demo/model/tokenizer_config.json")),
    ("model/model.sig", include_bytes!("../fixtures/demo/model/model.sig")),
    ("keys/demo-signer.pub.pem", include_bytes!("../fixtures/demo/keys/demo-signer.pub.pem")),
];

/// The demo model directory, extracting the embedded copy if needed.
pub fn demo_model_dir() -> PathBuf {
    let in_tree = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/model");
    if in_tree.join("model.sig").is_file() {
        return in_tree;
    }
    let base = directories::ProjectDirs::from("dev", "modelvet", "modelvet")
        .map(|d| d.cache_dir().to_path_buf())
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("demo-{}", env!("CARGO_PKG_VERSION")));
    for (rel, bytes) in FILES {
        let path = base.join(rel);
        if std::fs::read(&path).ok().as_deref() != Some(*bytes) {
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = std::fs::write(&path, bytes);
        }
    }
    base.join("model")
}

/// The demo signer's public key.
pub fn demo_public_key() -> PathBuf {
    demo_model_dir().join("../keys/demo-signer.pub.pem")
}
