//! The ledger file: one SQLite database holding one append-only RFC 6962 log.
//!
//! Durability and concurrency choices (see docs: registries-ledger §B.4):
//! WAL with `synchronous=FULL` (a committed append survives power loss),
//! a busy timeout, and `BEGIN IMMEDIATE` for every append so two processes
//! queue on the write lock instead of failing when a read transaction tries
//! to upgrade. An append inserts the entry, its new tree nodes and the signed
//! checkpoint of the new size in one transaction: there is never an entry
//! without its checkpoint or half an entry.
//!
//! The stored tree nodes (`nodes`) make appends O(log n); they are a cache
//! that `ledger verify` recomputes and compares, never trusted. The
//! triggers that forbid UPDATE/DELETE guard against bugs, not attackers:
//! detection of tampering is the job of signatures and checkpoints.

use super::LedgerError;
use super::entry::{self, OpenedEntry, SeenState, SignedEntry};
use super::merkle::{self, Hash};
use super::note::{Checkpoint, CheckpointBody, NoteVerifier};
use ed25519_dalek::SigningKey;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `PRAGMA application_id` of ledger files: "MVLG".
pub const APPLICATION_ID: i32 = 0x4D56_4C47;
/// Schema version (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i32 = 1;
/// How long an append waits for another process's write lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries(
    idx INTEGER PRIMARY KEY,
    body BLOB NOT NULL,
    leaf_hash BLOB NOT NULL CHECK(length(leaf_hash) = 32),
    model_digest TEXT NOT NULL,
    decision TEXT NOT NULL,
    signer TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_model ON entries(model_digest);
CREATE TABLE IF NOT EXISTS nodes(
    level INTEGER NOT NULL, idx INTEGER NOT NULL, h BLOB NOT NULL CHECK(length(h) = 32),
    PRIMARY KEY(level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints(
    size INTEGER PRIMARY KEY,
    root BLOB NOT NULL CHECK(length(root) = 32),
    note TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS entries_no_update BEFORE UPDATE ON entries BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
CREATE TRIGGER IF NOT EXISTS entries_no_delete BEFORE DELETE ON entries BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
CREATE TRIGGER IF NOT EXISTS checkpoints_no_update BEFORE UPDATE ON checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER IF NOT EXISTS checkpoints_no_delete BEFORE DELETE ON checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
";

/// Identity of a ledger file, from its `meta` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerMeta {
    /// The log origin (and checkpoint key name).
    pub origin: String,
    /// The checkpoint verifier key recorded at creation. Informational: a
    /// verifier must compare it with a key kept outside the file.
    pub vkey: String,
    pub created: String,
}

/// One stored row of `entries`, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEntry {
    pub idx: i64,
    pub body: Vec<u8>,
    pub leaf_hash: Vec<u8>,
    pub model_digest: String,
    pub decision: String,
    pub signer: String,
    pub created: String,
}

/// One stored row of `checkpoints`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCheckpoint {
    pub size: i64,
    pub root: Vec<u8>,
    pub note: String,
}

/// What an append produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendReceipt {
    pub index: u64,
    pub leaf_hash: Hash,
    pub checkpoint: Checkpoint,
}

/// An open ledger file.
#[derive(Debug)]
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
    meta: LedgerMeta,
}

/// Checks that an existing file looks like an intact SQLite database
/// *before* SQLite touches it, so a wrong path or a damaged file is reported
/// and never rewritten. Returns false when the file does not exist.
///
/// While another process checkpoints the WAL into the file, the header can
/// briefly announce more pages than the file has yet; a size mismatch is
/// therefore only final when no WAL file exists or it persists for a while.
fn check_existing_file(path: &Path) -> Result<bool, LedgerError> {
    let wal = {
        let mut p = path.as_os_str().to_owned();
        p.push("-wal");
        PathBuf::from(p)
    };
    let mut attempt = 0;
    loop {
        match check_file_once(path) {
            Err(LedgerError::NotALedger { reason, .. }) if reason.starts_with("truncated") && attempt < 80 && wal.exists() => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(25));
            }
            other => return other,
        }
    }
}

fn check_file_once(path: &Path) -> Result<bool, LedgerError> {
    let not = |reason: String| LedgerError::NotALedger { path: path.to_path_buf(), reason };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(LedgerError::io(path, e)),
    };
    if !meta.is_file() {
        return Err(not("not a regular file".into()));
    }
    let len = meta.len();
    if len == 0 {
        return Err(not("the file is empty".into()));
    }
    let mut header = [0u8; 100];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(path).map_err(|e| LedgerError::io(path, e))?;
        let mut got = 0;
        while got < header.len() {
            match f.read(&mut header[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) => return Err(LedgerError::io(path, e)),
            }
        }
        if got < header.len() {
            return Err(not(format!("only {len} bytes, shorter than an SQLite header (truncated?)")));
        }
    }
    if &header[..16] != b"SQLite format 3\0" {
        return Err(not("not an SQLite database (wrong file header)".into()));
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65536u64,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes([header[28], header[29], header[30], header[31]]));
    let header_valid = header[24..28] == header[92..96];
    if header_valid && pages > 0 && pages * page_size > len {
        return Err(not(format!("truncated: the header says {} bytes but the file has {len}", pages * page_size)));
    }
    if len % page_size != 0 {
        return Err(not(format!("truncated: {len} bytes is not a whole number of {page_size}-byte pages")));
    }
    Ok(true)
}

fn map_open_error(path: &Path, e: rusqlite::Error) -> LedgerError {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => {
            LedgerError::NotALedger { path: path.to_path_buf(), reason: e.to_string() }
        }
        _ => LedgerError::Sqlite(e),
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        // e.g. a read-only or network filesystem; keep going with the rollback journal.
        conn.execute_batch("PRAGMA journal_mode=DELETE")?;
    }
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
    Ok(())
}

fn read_meta(conn: &Connection, path: &Path) -> Result<LedgerMeta, LedgerError> {
    let get = |k: &str| -> Result<Option<String>, LedgerError> {
        Ok(conn.query_row("SELECT v FROM meta WHERE k = ?1", [k], |r| r.get(0)).optional()?)
    };
    let missing = |k: &str| LedgerError::NotALedger { path: path.to_path_buf(), reason: format!("meta '{k}' is missing") };
    Ok(LedgerMeta {
        origin: get("origin")?.ok_or_else(|| missing("origin"))?,
        vkey: get("vkey")?.ok_or_else(|| missing("vkey"))?,
        created: get("created")?.unwrap_or_default(),
    })
}

fn blob32(v: Vec<u8>, what: &str) -> Result<Hash, LedgerError> {
    v.try_into().map_err(|_| LedgerError::Inconsistent(format!("{what} is not 32 bytes")))
}

impl Ledger {
    /// Opens an existing ledger.
    pub fn open(path: &Path) -> Result<Self, LedgerError> {
        if !check_existing_file(path)? {
            return Err(LedgerError::Missing { path: path.to_path_buf() });
        }
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| map_open_error(path, e))?;
        Self::from_connection(conn, path)
    }

    /// Opens a ledger read-only (nothing, not even WAL setup, is written).
    pub fn open_read_only(path: &Path) -> Result<Self, LedgerError> {
        if !check_existing_file(path)? {
            return Err(LedgerError::Missing { path: path.to_path_buf() });
        }
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| map_open_error(path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let meta = Self::check_identity(&conn, path)?;
        Ok(Ledger { conn, path: path.to_path_buf(), meta })
    }

    fn check_identity(conn: &Connection, path: &Path) -> Result<LedgerMeta, LedgerError> {
        let app: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0)).map_err(|e| map_open_error(path, e))?;
        if app != APPLICATION_ID {
            return Err(LedgerError::NotALedger {
                path: path.to_path_buf(),
                reason: "an SQLite database, but not a modelvet ledger (application_id differs)".into(),
            });
        }
        let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version != SCHEMA_VERSION {
            return Err(LedgerError::NotALedger {
                path: path.to_path_buf(),
                reason: format!("ledger schema version {version}, this modelvet reads version {SCHEMA_VERSION}"),
            });
        }
        read_meta(conn, path)
    }

    fn from_connection(conn: Connection, path: &Path) -> Result<Self, LedgerError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let meta = Self::check_identity(&conn, path)?;
        configure(&conn).map_err(|e| map_open_error(path, e))?;
        Ok(Ledger { conn, path: path.to_path_buf(), meta })
    }

    /// Opens the ledger at `path`, creating it (with `key` as its checkpoint
    /// key) if the file does not exist. A new ledger is built completely in
    /// a temporary file and then linked into place, which fails if the name
    /// exists: two processes creating the same ledger at once never see a
    /// half-initialised file, and the loser simply opens the winner's.
    pub fn open_or_create(path: &Path, key: &SigningKey) -> Result<Self, LedgerError> {
        if check_existing_file(path)? {
            return Self::open(path);
        }
        if let Some(parent) = path.parent() {
            super::paths::create_private_dir(parent)?;
        }
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = path.with_file_name(format!(".{file_name}.new-{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let built = Self::build_new(&tmp, key);
        let linked = built.and_then(|()| match std::fs::hard_link(&tmp, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(LedgerError::io(path, e)),
        });
        let _ = std::fs::remove_file(&tmp);
        linked?;
        Self::open(path)
    }

    fn build_new(tmp: &Path, key: &SigningKey) -> Result<(), LedgerError> {
        let conn = Connection::open_with_flags(
            tmp,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn)?;
        let origin = new_origin()?;
        let vkey = NoteVerifier::new(&origin, key.verifying_key())?.to_vkey();
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        conn.execute_batch("BEGIN IMMEDIATE")?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION};"))?;
        for (k, v) in [("origin", origin.as_str()), ("vkey", vkey.as_str()), ("created", now.as_str()), ("format", "modelvet-ledger/1")] {
            conn.execute("INSERT INTO meta(k, v) VALUES (?1, ?2)", params![k, v])?;
        }
        conn.execute_batch("COMMIT")?;
        // Fold the WAL into the file so the linked file is complete on its own.
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        conn.close().map_err(|(_, e)| LedgerError::Sqlite(e))?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn meta(&self) -> &LedgerMeta {
        &self.meta
    }

    /// The checkpoint verifier recorded in the file.
    pub fn recorded_verifier(&self) -> Result<NoteVerifier, LedgerError> {
        Ok(NoteVerifier::from_vkey(&self.meta.vkey)?)
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Number of entries.
    pub fn size(&self) -> Result<u64, LedgerError> {
        let n: i64 = self.conn.query_row("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// `PRAGMA data_version`: changes when another connection commits, so a
    /// long-lived view (the TUI) knows when to reload.
    pub fn data_version(&self) -> Result<i64, LedgerError> {
        Ok(self.conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// The newest checkpoint row.
    pub fn latest_checkpoint(&self) -> Result<Option<RawCheckpoint>, LedgerError> {
        Ok(self
            .conn
            .query_row("SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1", [], |r| {
                Ok(RawCheckpoint { size: r.get(0)?, root: bytes_at(r, 1)?, note: text_at(r, 2)? })
            })
            .optional()?)
    }

    /// The ledger state to show a reviewer (and bind into their entry).
    pub fn seen_state(&self) -> Result<SeenState, LedgerError> {
        match self.latest_checkpoint()? {
            None => Ok(SeenState { tree_size: 0, root: merkle::empty_root() }),
            Some(cp) => Ok(SeenState { tree_size: cp.size as u64, root: blob32(cp.root, "checkpoint root")? }),
        }
    }

    /// Every entry row in index order.
    pub fn raw_entries(&self) -> Result<Vec<RawEntry>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare("SELECT idx, body, leaf_hash, model_digest, decision, signer, created FROM entries ORDER BY idx")?;
        let rows = stmt.query_map([], |r| {
            Ok(RawEntry {
                idx: r.get(0)?,
                body: bytes_at(r, 1)?,
                leaf_hash: bytes_at(r, 2)?,
                model_digest: text_at(r, 3)?,
                decision: text_at(r, 4)?,
                signer: text_at(r, 5)?,
                created: text_at(r, 6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every checkpoint row in size order.
    pub fn raw_checkpoints(&self) -> Result<Vec<RawCheckpoint>, LedgerError> {
        let mut stmt = self.conn.prepare("SELECT size, root, note FROM checkpoints ORDER BY size")?;
        let rows = stmt.query_map([], |r| Ok(RawCheckpoint { size: r.get(0)?, root: bytes_at(r, 1)?, note: text_at(r, 2)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every stored tree node as (level, index, hash).
    pub fn raw_nodes(&self) -> Result<Vec<(i64, i64, Vec<u8>)>, LedgerError> {
        let mut stmt = self.conn.prepare("SELECT level, idx, h FROM nodes ORDER BY level, idx")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, bytes_at(r, 2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Appends a signed entry and the checkpoint of the new tree in one
    /// `BEGIN IMMEDIATE` transaction. The entry is verified first (signature,
    /// origin, seen-state), so the library never writes an entry that
    /// `ledger verify` would reject.
    pub fn append(&mut self, entry: &SignedEntry, key: &SigningKey) -> Result<AppendReceipt, LedgerError> {
        let verifier = NoteVerifier::new(&self.meta.origin, key.verifying_key())?;
        if verifier.to_vkey() != self.meta.vkey {
            return Err(LedgerError::ForeignLedgerKey { ledger: self.meta.vkey.clone(), ours: verifier.to_vkey() });
        }
        let opened: OpenedEntry =
            entry::open_entry(&entry.bytes, &entry::KeyCache::default())?;
        if opened.claims.ledger != self.meta.origin {
            return Err(LedgerError::Inconsistent(format!(
                "entry was drafted for ledger '{}', this is '{}'",
                opened.claims.ledger, self.meta.origin
            )));
        }
        let seen = opened.claims.seen_state()?;
        let leaf = merkle::leaf_hash(&entry.bytes);

        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n: i64 = tx.query_row("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries", [], |r| r.get(0))?;
        let last_cp: i64 = tx.query_row("SELECT COALESCE(MAX(size), 0) FROM checkpoints", [], |r| r.get(0))?;
        if last_cp != n {
            return Err(LedgerError::Inconsistent(format!("{n} entries but the newest checkpoint is for size {last_cp}")));
        }
        if seen.tree_size > n as u64 {
            return Err(LedgerError::Inconsistent(format!(
                "entry says the reviewer saw {} entries, the ledger has {n}",
                seen.tree_size
            )));
        }
        let seen_root = if seen.tree_size == 0 {
            merkle::empty_root()
        } else {
            let r: Vec<u8> = tx.query_row("SELECT root FROM checkpoints WHERE size = ?1", [seen.tree_size as i64], |r| r.get(0))?;
            blob32(r, "checkpoint root")?
        };
        if seen_root != seen.root {
            return Err(LedgerError::Inconsistent(format!(
                "the ledger state the reviewer saw (size {}) is not this ledger's history",
                seen.tree_size
            )));
        }
        tx.execute(
            "INSERT INTO entries(idx, body, leaf_hash, model_digest, decision, signer, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                n,
                entry.bytes,
                leaf.as_slice(),
                opened.claims.model.digest,
                opened.claims.decision.word(),
                opened.claims.reviewer.key_fingerprint,
                opened.claims.timestamp
            ],
        )?;
        // New nodes: the leaf, then every subtree it completes.
        tx.execute("INSERT INTO nodes(level, idx, h) VALUES (0, ?1, ?2)", params![n, leaf.as_slice()])?;
        let (mut level, mut i, mut h) = (0i64, n, leaf);
        while i & 1 == 1 {
            let left: Vec<u8> =
                tx.query_row("SELECT h FROM nodes WHERE level = ?1 AND idx = ?2", params![level, i - 1], |r| r.get(0))?;
            h = merkle::node_hash(&blob32(left, "tree node")?, &h);
            level += 1;
            i >>= 1;
            tx.execute("INSERT INTO nodes(level, idx, h) VALUES (?1, ?2, ?3)", params![level, i, h.as_slice()])?;
        }
        // Root of n+1 leaves from its perfect subtrees, largest first.
        let size = (n + 1) as u64;
        let mut parts: Vec<Hash> = Vec::new();
        let mut offset = 0u64;
        for bit in (0..64).rev() {
            if size & (1u64 << bit) != 0 {
                let v: Vec<u8> = tx.query_row(
                    "SELECT h FROM nodes WHERE level = ?1 AND idx = ?2",
                    params![bit as i64, (offset >> bit) as i64],
                    |r| r.get(0),
                )?;
                parts.push(blob32(v, "tree node")?);
                offset += 1u64 << bit;
            }
        }
        let mut root = parts.pop().unwrap_or_else(merkle::empty_root);
        while let Some(left) = parts.pop() {
            root = merkle::node_hash(&left, &root);
        }
        let checkpoint = Checkpoint::sign(CheckpointBody { origin: self.meta.origin.clone(), size, root }, key)?;
        tx.execute(
            "INSERT INTO checkpoints(size, root, note) VALUES (?1, ?2, ?3)",
            params![size as i64, root.as_slice(), checkpoint.note],
        )?;
        tx.commit()?;
        Ok(AppendReceipt { index: n as u64, leaf_hash: leaf, checkpoint })
    }
}

/// A column as bytes whatever its storage class: a tampered row may hold
/// TEXT where BLOB belongs, and verification must report that, not fail.
fn bytes_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Vec<u8>> {
    use rusqlite::types::ValueRef;
    Ok(match r.get_ref(i)? {
        ValueRef::Blob(b) | ValueRef::Text(b) => b.to_vec(),
        ValueRef::Integer(n) => n.to_string().into_bytes(),
        ValueRef::Real(x) => x.to_string().into_bytes(),
        ValueRef::Null => Vec::new(),
    })
}

/// A column as text, lossily, whatever its storage class.
fn text_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<String> {
    Ok(String::from_utf8_lossy(&bytes_at(r, i)?).into_owned())
}

/// A fresh origin: `modelvet.local/ledger/<16 random hex>`.
fn new_origin() -> Result<String, LedgerError> {
    let mut id = [0u8; 8];
    getrandom::fill(&mut id).map_err(|e| LedgerError::Inconsistent(format!("no OS randomness: {e}")))?;
    Ok(format!("modelvet.local/ledger/{}", hex::encode(id)))
}
