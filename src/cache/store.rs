//! The cache's SQLite file: its schema, and every read and write, synchronous. The async
//! handle in `cache::mod` runs these on tokio's blocking threads.
//!
//! One table, `entries`, holds everything, each row keyed by (kind, origin, region, id,
//! part): a run's finished status, its call tree levels, status, task logs, metadata files
//! and triage result, and the lists a dashboard shows at start. A trigger keeps the total of
//! their sizes in `meta`, so the size bound is checked without a scan; `used_at` orders
//! them for eviction, oldest first.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use super::{Key, Kind};

/// The schema this omtop writes (`PRAGMA user_version`). A file with a higher version was
/// made by a newer omtop: it is neither read nor changed.
pub const SCHEMA: i64 = 1;
/// `PRAGMA application_id`: "omtp", so `file` and `sqlite3` can tell what the file is.
pub const APPLICATION_ID: i64 = 0x6f6d_7470;
/// How long a write waits for another omtop process's write to finish.
const BUSY: Duration = Duration::from_secs(5);
/// A row's size beyond its body: key columns, times, digest and SQLite's own bookkeeping.
const ROW_OVERHEAD: i64 = 96;
/// `used_at` is moved on a read only when it is older than this: a read stays a read.
const TOUCH_SECS: i64 = 3600;

/// What opening found.
#[derive(Debug)]
pub enum Opened {
    Ready(Connection),
    /// Written by a newer omtop (its schema version).
    Newer(i64),
}

/// Opens (creating when missing) the cache file; an error here may mean a corrupt file.
///
/// Two omtop processes may start at once on a cache that does not exist yet; one creates it
/// while the other looks. Locks the other holds for a moment (switching the new file to WAL
/// takes it whole) are waited out here, up to the busy timeout, rather than taken for a
/// cache that cannot be opened.
pub fn open(path: &Path) -> rusqlite::Result<Opened> {
    let deadline = std::time::Instant::now() + BUSY;
    loop {
        // Each attempt waits for locks only as long as is left of the whole wait.
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match open_once(path, left.max(Duration::from_millis(10))) {
            Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(Opened::Ready(conn)) => {
                // Opened: a write waits the whole time for another process's write.
                conn.busy_timeout(BUSY)?;
                return Ok(Opened::Ready(conn));
            }
            other => return other,
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn open_once(path: &Path, wait: Duration) -> rusqlite::Result<Opened> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(wait)?;
    // The header and the table count are read in one read transaction: read one by one, a
    // file another process creates in between would show tables and no version, and be
    // taken for something else. A file that is not a database fails here.
    let (version, app, tables) = {
        let tx = conn.transaction()?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let app: i64 = tx.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let tables: i64 = tx.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        tx.commit()?;
        (version, app, tables)
    };
    if version > SCHEMA {
        return Ok(Opened::Newer(version));
    }
    if version == SCHEMA && app == APPLICATION_ID {
        set_session_pragmas(&conn)?;
        return Ok(Opened::Ready(conn));
    }
    if tables > 0 || (version != 0 && version != SCHEMA) {
        // Something else, or an older layout this omtop cannot read: set aside by the caller.
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_NOTADB),
            Some(format!(
                "not an omtop cache of schema {SCHEMA} (schema {version}, application id {app:#x})"
            )),
        ));
    }
    create(conn)
}

/// WAL: readers never wait for the writer, and a write is one atomic commit to the log, so
/// a process killed mid-write leaves the last commit intact. NORMAL sync keeps commits
/// through a crash of omtop; a power cut may lose the latest few, never the file.
fn set_session_pragmas(conn: &Connection) -> rusqlite::Result<()> {
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(mode, "the cache could not switch to WAL mode");
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Entries are read whole and seldom twice: a small page cache is enough (the default,
    // 2 MB, would sit in the dashboard's memory for nothing).
    conn.pragma_update(None, "cache_size", -256)?;
    // The log is emptied at each checkpoint; this keeps it from staying large on disk.
    conn.pragma_update(None, "journal_size_limit", 4 << 20)?;
    Ok(())
}

fn create(mut conn: Connection) -> rusqlite::Result<Opened> {
    // Before the first table: lets eviction give pages back to the file system.
    conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    set_session_pragmas(&conn)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have created it meanwhile.
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version == 0 {
        tx.execute_batch(&format!(
            "CREATE TABLE entries (
                kind TEXT NOT NULL,
                origin TEXT NOT NULL,
                region TEXT NOT NULL,
                id TEXT NOT NULL,
                part TEXT NOT NULL,
                project TEXT NOT NULL,
                body BLOB NOT NULL,
                digest BLOB NOT NULL,
                bytes INTEGER NOT NULL,
                stored_at INTEGER NOT NULL,
                used_at INTEGER NOT NULL,
                UNIQUE (kind, origin, region, id, part)
            );
            CREATE INDEX entries_by_use ON entries (used_at);
            CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
            INSERT INTO meta VALUES ('bytes', 0);
            CREATE TRIGGER entries_added AFTER INSERT ON entries BEGIN
                UPDATE meta SET value = value + new.bytes WHERE key = 'bytes';
            END;
            CREATE TRIGGER entries_removed AFTER DELETE ON entries BEGIN
                UPDATE meta SET value = value - old.bytes WHERE key = 'bytes';
            END;
            CREATE TRIGGER entries_replaced AFTER UPDATE OF bytes ON entries BEGIN
                UPDATE meta SET value = value - old.bytes + new.bytes WHERE key = 'bytes';
            END;
            PRAGMA application_id = {APPLICATION_ID};
            PRAGMA user_version = {SCHEMA};"
        ))?;
    }
    tx.commit()?;
    Ok(Opened::Ready(conn))
}

fn digest(body: &[u8]) -> Vec<u8> {
    Sha256::digest(body).to_vec()
}

/// A stored body, if present and intact. A body whose digest does not match is deleted and
/// reported as missing: a damaged entry is fetched again, never served.
pub fn get(conn: &Connection, key: &Key, now: i64) -> rusqlite::Result<Option<Vec<u8>>> {
    let row = conn
        .prepare_cached(
            "SELECT rowid, body, digest, used_at FROM entries
             WHERE kind = ?1 AND origin = ?2 AND region = ?3 AND id = ?4 AND part = ?5",
        )?
        .query_row(
            params![key.kind.name(), key.origin, key.region, key.id, key.part],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            },
        )
        .optional()?;
    let Some((rowid, body, sum, used_at)) = row else {
        return Ok(None);
    };
    if digest(&body) != sum {
        tracing::warn!(kind = key.kind.name(), "a damaged cache entry was dropped");
        conn.execute("DELETE FROM entries WHERE rowid = ?1", [rowid])?;
        return Ok(None);
    }
    if now - used_at > TOUCH_SECS {
        conn.execute(
            "UPDATE entries SET used_at = ?1 WHERE rowid = ?2",
            params![now, rowid],
        )?;
    }
    Ok(Some(body))
}

/// When a stored entry was written (Unix seconds), with its body.
pub fn get_dated(
    conn: &Connection,
    key: &Key,
    now: i64,
) -> rusqlite::Result<Option<(i64, Vec<u8>)>> {
    let Some(body) = get(conn, key, now)? else {
        return Ok(None);
    };
    let at: i64 = conn
        .prepare_cached(
            "SELECT stored_at FROM entries
             WHERE kind = ?1 AND origin = ?2 AND region = ?3 AND id = ?4 AND part = ?5",
        )?
        .query_row(
            params![key.kind.name(), key.origin, key.region, key.id, key.part],
            |r| r.get(0),
        )?;
    Ok(Some((at, body)))
}

/// Whether an entry exists (no body read).
pub fn has(conn: &Connection, key: &Key) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM entries
         WHERE kind = ?1 AND origin = ?2 AND region = ?3 AND id = ?4 AND part = ?5",
    )?
    .query_row(
        params![key.kind.name(), key.origin, key.region, key.id, key.part],
        |_| Ok(()),
    )
    .optional()
    .map(|r| r.is_some())
}

fn size_of(key: &Key, body: &[u8]) -> i64 {
    let text = key.origin.len() + key.region.len() + key.id.len() + key.part.len();
    i64::try_from(body.len() + text + key.project.len()).unwrap_or(i64::MAX) + ROW_OVERHEAD
}

/// Writes entries in one transaction, then drops the least recently used until the total is
/// within `max_bytes` (to 90 % of it, so the next few writes do not each evict). An entry
/// larger than the bound on its own is not stored.
pub fn put(
    conn: &mut Connection,
    entries: &[(Key, &[u8])],
    now: i64,
    max_bytes: u64,
) -> rusqlite::Result<()> {
    let max = i64::try_from(max_bytes).unwrap_or(i64::MAX);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO entries
                 (kind, origin, region, id, part, project, body, digest, bytes, stored_at, used_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
             ON CONFLICT (kind, origin, region, id, part) DO UPDATE SET
                 project = excluded.project, body = excluded.body, digest = excluded.digest,
                 bytes = excluded.bytes, stored_at = excluded.stored_at,
                 used_at = excluded.used_at",
        )?;
        for (key, body) in entries {
            let bytes = size_of(key, body);
            if bytes > max {
                continue;
            }
            insert.execute(params![
                key.kind.name(),
                key.origin,
                key.region,
                key.id,
                key.part,
                key.project,
                body,
                digest(body),
                bytes,
                now,
            ])?;
        }
    }
    let evicted = evict(&tx, max)?;
    tx.commit()?;
    if evicted > 0 {
        // Gives the freed pages back, so the file follows the bound.
        conn.execute_batch("PRAGMA incremental_vacuum")?;
    }
    Ok(())
}

/// The total size of the entries, as the trigger keeps it.
pub fn total(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT value FROM meta WHERE key = 'bytes'", [], |r| {
        r.get(0)
    })
}

fn evict(conn: &Connection, max: i64) -> rusqlite::Result<usize> {
    let mut total = total(conn)?;
    if total <= max {
        return Ok(0);
    }
    let target = max / 10 * 9;
    let mut doomed = Vec::new();
    {
        let mut oldest =
            conn.prepare_cached("SELECT rowid, bytes FROM entries ORDER BY used_at, rowid")?;
        let mut rows = oldest.query([])?;
        while total > target {
            let Some(r) = rows.next()? else { break };
            doomed.push(r.get::<_, i64>(0)?);
            total -= r.get::<_, i64>(1)?;
        }
    }
    let mut delete = conn.prepare_cached("DELETE FROM entries WHERE rowid = ?1")?;
    for id in &doomed {
        delete.execute([id])?;
    }
    Ok(doomed.len())
}

/// Removes every entry and shrinks the file.
pub fn clear(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute("DELETE FROM entries", [])?;
    tx.commit()?;
    conn.execute_batch("VACUUM")?;
    Ok(())
}

/// What `omtop cache` shows about the entries.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Contents {
    /// Entries and their bytes, by kind.
    pub kinds: Vec<(String, i64, i64)>,
    pub bytes: i64,
    pub oldest: Option<i64>,
    pub newest: Option<i64>,
}

pub fn contents(conn: &Connection) -> rusqlite::Result<Contents> {
    let mut kinds = Vec::new();
    let mut q = conn.prepare(
        "SELECT kind, count(*), coalesce(sum(bytes), 0) FROM entries GROUP BY kind ORDER BY kind",
    )?;
    let mut rows = q.query([])?;
    while let Some(r) = rows.next()? {
        kinds.push((r.get(0)?, r.get(1)?, r.get(2)?));
    }
    let (oldest, newest) = conn.query_row(
        "SELECT min(stored_at), max(stored_at) FROM entries",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(Contents {
        kinds,
        bytes: total(conn)?,
        oldest,
        newest,
    })
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Finished => "finished",
            Self::Calls => "calls",
            Self::Status => "status",
            Self::JobLog => "job-log",
            Self::File => "file",
            Self::Triage => "triage",
            Self::List => "list",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> Key {
        Key {
            kind: Kind::Calls,
            origin: "o".into(),
            region: "ap-guangzhou".into(),
            id: id.into(),
            part: "/".into(),
            project: String::new(),
        }
    }

    fn fresh() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().expect("dir");
        match open(&dir.path().join("c.sqlite")).expect("opens") {
            Opened::Ready(c) => (dir, c),
            Opened::Newer(v) => panic!("newer {v}"),
        }
    }

    #[test]
    fn the_oldest_entries_go_first_and_the_total_stays_within_the_bound() {
        let (_dir, mut c) = fresh();
        let body = vec![b'x'; 1000];
        let max = 5_000;
        for i in 0..10 {
            put(&mut c, &[(key(&format!("r{i}")), &body)], i, max).expect("put");
            assert!(total(&c).expect("total") <= 5_000, "after {i}");
        }
        // Read r8 at a later time: it is used again, so r9 goes before it.
        assert!(get(&c, &key("r8"), 10_000).expect("get").is_some());
        for i in 10..13 {
            put(&mut c, &[(key(&format!("r{i}")), &body)], 10_000 + i, max).expect("put");
        }
        let present: Vec<usize> = (0..13)
            .filter(|i| has(&c, &key(&format!("r{i}"))).expect("has"))
            .collect();
        assert_eq!(present, [8, 10, 11, 12]);
        let sum: i64 = c
            .query_row("SELECT sum(bytes) FROM entries", [], |r| r.get(0))
            .expect("sum");
        assert_eq!(
            sum,
            total(&c).expect("total"),
            "the trigger's total is exact"
        );
        // An entry larger than the bound is not stored at all.
        put(&mut c, &[(key("big"), &vec![0; 6_000])], 10_002, max).expect("put");
        assert!(!has(&c, &key("big")).expect("has"));
    }

    #[test]
    fn a_damaged_body_is_dropped_not_served() {
        let (_dir, mut c) = fresh();
        put(&mut c, &[(key("a"), b"{\"Response\":{}}")], 1, 1 << 20).expect("put");
        c.execute("UPDATE entries SET body = x'00'", [])
            .expect("damage");
        assert_eq!(get(&c, &key("a"), 2).expect("get"), None);
        assert!(!has(&c, &key("a")).expect("has"), "and it is gone");
    }

    #[test]
    fn a_replaced_entry_is_counted_once() {
        let (_dir, mut c) = fresh();
        put(&mut c, &[(key("a"), &[1; 100])], 1, 1 << 20).expect("put");
        put(&mut c, &[(key("a"), &[2; 300])], 2, 1 << 20).expect("put");
        let one = size_of(&key("a"), &[0; 300]);
        assert_eq!(total(&c).expect("total"), one);
        assert_eq!(get(&c, &key("a"), 3).expect("get"), Some(vec![2; 300]));
        clear(&mut c).expect("clear");
        assert_eq!(total(&c).expect("total"), 0);
    }
}
