//! Where the ledger's files live. Both directories can be moved with an
//! environment variable so tests (and CI, and people with several roles)
//! never touch the real home directory.

use super::LedgerError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Overrides the config directory (reviewer key, ledger key, trust lists).
pub const CONFIG_ENV: &str = "MODELVET_CONFIG_DIR";
/// Overrides the data directory (the default ledger file).
pub const DATA_ENV: &str = "MODELVET_DATA_DIR";
/// File name of the default ledger inside the data directory.
pub const LEDGER_FILE: &str = "ledger.sqlite";

fn project() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("dev", "modelvet", "modelvet")
}

fn from_env(var: &str) -> Option<PathBuf> {
    std::env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// `$MODELVET_CONFIG_DIR`, else the platform config dir.
pub fn config_dir() -> Result<PathBuf, LedgerError> {
    from_env(CONFIG_ENV)
        .or_else(|| project().map(|p| p.config_dir().to_path_buf()))
        .ok_or(LedgerError::NoDir("config", CONFIG_ENV))
}

/// `$MODELVET_DATA_DIR`, else the platform data dir.
pub fn data_dir() -> Result<PathBuf, LedgerError> {
    from_env(DATA_ENV)
        .or_else(|| project().map(|p| p.data_dir().to_path_buf()))
        .ok_or(LedgerError::NoDir("data", DATA_ENV))
}

/// The ledger used when no `--ledger PATH` is given.
pub fn default_ledger_path() -> Result<PathBuf, LedgerError> {
    Ok(data_dir()?.join(LEDGER_FILE))
}

/// Writes a secret file readable only by its owner (mode 0600 from the
/// moment it exists, never widened later). Refuses to replace an existing
/// file unless `overwrite`; a replacement is written beside it and renamed
/// so a crash never leaves half a key.
pub fn write_private(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), LedgerError> {
    if path.exists() && !overwrite {
        return Err(LedgerError::Exists(path.to_path_buf()));
    }
    if let Some(parent) = path.parent() {
        create_private_dir(parent)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let _ = std::fs::remove_file(&tmp);
    let mut f = opts.open(&tmp).map_err(|e| LedgerError::io(&tmp, e))?;
    f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| LedgerError::io(&tmp, e))?;
    drop(f);
    if overwrite {
        return std::fs::rename(&tmp, path).map_err(|e| LedgerError::io(path, e));
    }
    // Linking fails if the name exists: two processes creating the same
    // key at once cannot overwrite each other's.
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(LedgerError::Exists(path.to_path_buf())),
        Err(e) => Err(LedgerError::io(path, e)),
    }
}

/// Creates a directory (and parents) with mode 0700 for new directories.
pub fn create_private_dir(dir: &Path) -> Result<(), LedgerError> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|e| LedgerError::io(dir, e))
}
