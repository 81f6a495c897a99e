//! The on-disk cache: what cannot change once a run has finished (its call tree, status,
//! task logs, metadata files and triage result), and the lists a dashboard showed last, so
//! the next start draws them at once and sends no request for what it already has.
//!
//! Why SQLite (through `rusqlite`, with the SQLite it bundles, so every build has the same
//! one): it is the embedded store most people can open and check themselves (`sqlite3
//! cache-v1.sqlite .tables`), it lets two omtop processes (two SSH sessions) share one file
//! safely (WAL mode: readers never block, one writer at a time, a busy timeout between
//! them), and its transactions make a write all or nothing, so `kill -9` mid-write loses at
//! most that write. A key-value store in pure Rust (redb, sled) would do the storing, but
//! not the inspecting, and sled's file format is still unstable.
//!
//! Safety: the file is created 0600 (SQLite gives its `-wal` and `-shm` the same mode), and
//! holds no secret: answers as the service sent them (never a presigned URL: the files'
//! content is kept instead), run ids and names. A file from a newer omtop (its
//! `user_version` is higher) is left untouched and the session runs without a cache; a
//! corrupt or unreadable one is moved aside, reported once, and a new one started. No error
//! of the cache ever fails a request: the request is sent as if there were no cache.
//!
//! Every SQLite call of a running omtop runs on the cache's own thread ([`Cache::get`] and
//! friends), never on the async runtime, and the dashboard never reads the cache while
//! drawing.

mod store;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use rusqlite::Connection;

pub use store::{Contents, SCHEMA};

/// The file's name: its format is in the name, so an omtop whose format differs keeps its
/// own file beside this one instead of reading this one.
pub const FILE_NAME: &str = "cache-v1.sqlite";
/// The bound on the entries' total size unless configured (`cache_max_mb`).
pub const DEFAULT_MAX_BYTES: u64 = 300 * 1_000_000;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The fact that a run has finished, and its final status.
    Finished,
    /// One GetRunCalls answer (one path of the tree).
    Calls,
    /// The GetRunStatus answer of a finished run.
    Status,
    /// One GetRunJobLog answer.
    JobLog,
    /// A downloaded metadata file (its content, never its URL).
    File,
    /// The deep pass's finding for a failed run.
    Triage,
    /// A list a dashboard shows (projects, run groups, runs), with the time it was fetched.
    List,
}

/// Where an entry belongs: the service (`origin`, the endpoint's host), the region, the id
/// (a run's uuid, or a list's name) and the part of it (a call tree's path, a log's job).
/// The project is kept beside it, not in the key: a run's uuid names it in any project the
/// request named, so the CLI (which may leave the project to the region's default) and the
/// dashboard (which always names it) share one entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub kind: Kind,
    pub origin: String,
    pub region: String,
    pub id: String,
    pub part: String,
    pub project: String,
}

/// The cache file's state in this process.
enum Conn {
    Open {
        conn: Connection,
        /// (device, inode) of the file opened, so a process never sets aside a file that
        /// another has already replaced.
        file: Option<(u64, u64)>,
    },
    /// Not used this session, and why.
    Off,
}

/// Work for the cache's thread.
type Job = Box<dyn FnOnce() + Send>;

struct Inner {
    path: PathBuf,
    max_bytes: u64,
    /// The one thread that runs this process's SQLite work, started at the first use.
    jobs: Mutex<Option<std::sync::mpsc::Sender<Job>>>,
    conn: Mutex<Conn>,
    /// Problems to tell the user about, once each.
    reports: Mutex<Vec<String>>,
    /// Whether an error other than corruption has been reported this session.
    told_of_error: Mutex<bool>,
}

/// A handle on the cache file, shared by the client's clones. `origin` scopes its keys.
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
    origin: Arc<str>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("path", &self.inner.path)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Whether an error means the file itself is damaged or not a database.
fn is_corrupt(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(_: &Path) -> Option<(u64, u64)> {
    None
}

/// Creates the file readable by its owner only before SQLite opens it (SQLite gives the
/// `-wal` and `-shm` files the database file's mode), and tightens an existing one.
fn private_file(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path)?;
        let mode = file.metadata()?.permissions().mode();
        if mode & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    options.open(path)?;
    Ok(())
}

/// The files SQLite keeps beside the database.
fn companions(path: &Path) -> [PathBuf; 2] {
    let with = |suffix: &str| {
        let mut s = path.as_os_str().to_owned();
        s.push(suffix);
        PathBuf::from(s)
    };
    [with("-wal"), with("-shm")]
}

impl Cache {
    /// The cache in `dir` (its file is [`FILE_NAME`]), bounded to `max_bytes`. Never fails:
    /// a file that cannot be used is reported (see [`Cache::take_reports`]) and the session
    /// runs without it.
    pub fn open(dir: &Path, max_bytes: u64) -> Self {
        let inner = Inner {
            path: dir.join(FILE_NAME),
            max_bytes,
            jobs: Mutex::new(None),
            conn: Mutex::new(Conn::Off),
            reports: Mutex::new(Vec::new()),
            told_of_error: Mutex::new(false),
        };
        let cache = Self {
            inner: Arc::new(inner),
            origin: Arc::from(""),
        };
        let opened = cache.connect(true);
        *lock(&cache.inner.conn) = opened;
        cache
    }

    /// The same cache, its keys scoped to the service at `origin` (the endpoint's host).
    pub fn for_origin(&self, origin: &str) -> Self {
        Self {
            inner: self.inner.clone(),
            origin: Arc::from(origin),
        }
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub fn max_bytes(&self) -> u64 {
        self.inner.max_bytes
    }

    /// Whether the file is in use this session.
    pub fn is_open(&self) -> bool {
        matches!(*lock(&self.inner.conn), Conn::Open { .. })
    }

    /// What went wrong with the cache since the last call, each told once.
    pub fn take_reports(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.inner.reports))
    }

    fn report(&self, text: String) {
        tracing::warn!("{text}");
        lock(&self.inner.reports).push(text);
    }

    /// Opens the file; a corrupt one is set aside and a new one made (once).
    fn connect(&self, may_set_aside: bool) -> Conn {
        let path = &self.inner.path;
        if let Err(e) = private_file(path) {
            self.report(format!(
                "the cache {} cannot be created ({e}); this session runs without it",
                path.display()
            ));
            return Conn::Off;
        }
        match store::open(path) {
            Ok(store::Opened::Ready(conn)) => Conn::Open {
                conn,
                file: identity(path),
            },
            Ok(store::Opened::Newer(version)) => {
                self.report(format!(
                    "the cache {} was written by a newer omtop (schema {version}, this one reads {SCHEMA}); it is left as it is, and this session runs without a cache",
                    path.display()
                ));
                Conn::Off
            }
            Err(e) if is_corrupt(&e) && may_set_aside => {
                self.set_aside(&e.to_string(), identity(path));
                self.connect(false)
            }
            Err(e) => {
                self.report(format!(
                    "the cache {} cannot be opened ({e}); this session runs without it",
                    path.display()
                ));
                Conn::Off
            }
        }
    }

    /// Moves a damaged file (and its `-wal` and `-shm`) aside, unless another process has
    /// already replaced it, and says so once.
    fn set_aside(&self, why: &str, file: Option<(u64, u64)>) {
        let path = &self.inner.path;
        if file.is_some() && identity(path) != file {
            tracing::info!("the damaged cache was already replaced by another omtop");
            return;
        }
        let mut aside = path.as_os_str().to_owned();
        aside.push(format!(".unreadable-{}", now()));
        let aside = PathBuf::from(aside);
        let moved = std::fs::rename(path, &aside);
        for (from, to) in companions(path).iter().zip(companions(&aside)) {
            let _ = std::fs::rename(from, to);
        }
        match moved {
            Ok(()) => self.report(format!(
                "the cache {} could not be read ({why}); it was moved to {} and a new one started",
                path.display(),
                aside.display()
            )),
            Err(e) => self.report(format!(
                "the cache {} could not be read ({why}) nor moved aside ({e})",
                path.display()
            )),
        }
    }

    /// Runs `f` on the open file. An error is a miss: a corrupt file is set aside and a new
    /// one opened; any other error is logged (and told once).
    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Option<T> {
        let mut conn = lock(&self.inner.conn);
        let Conn::Open { conn: c, file } = &mut *conn else {
            return None;
        };
        let file = *file;
        match f(c) {
            Ok(v) => Some(v),
            Err(e) if is_corrupt(&e) => {
                // Close it before moving it.
                *conn = Conn::Off;
                self.set_aside(&e.to_string(), file);
                *conn = self.connect(false);
                None
            }
            Err(e) => {
                let mut told = lock(&self.inner.told_of_error);
                if *told {
                    tracing::warn!("cache: {e}");
                } else {
                    *told = true;
                    self.report(format!(
                        "the cache {} failed ({e}); omtop asks the service instead",
                        self.inner.path.display()
                    ));
                }
                None
            }
        }
    }

    /// Runs `f` on the cache's own thread (SQLite blocks; the runtime must not). One thread,
    /// not tokio's pool of blocking threads: SQLite's memory then stays in one place, where
    /// it is reused, instead of a little left behind in each thread's heap.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let this = self.clone();
        let job: Job = Box::new(move || {
            let _ = tx.send(this.with(f));
        });
        if !self.submit(job) {
            return None;
        }
        rx.await.ok().flatten()
    }

    /// Hands a job to the cache's thread, starting it if need be.
    fn submit(&self, job: Job) -> bool {
        let mut jobs = lock(&self.inner.jobs);
        if jobs.is_none() {
            let (tx, rx) = std::sync::mpsc::channel::<Job>();
            let started = std::thread::Builder::new()
                .name("omtop-cache".into())
                // Ends when the last handle (and so the sender) is gone.
                .spawn(move || rx.into_iter().for_each(|job| job()));
            if let Err(e) = started {
                self.report(format!("the cache's thread cannot start ({e})"));
                return false;
            }
            *jobs = Some(tx);
        }
        jobs.as_ref().is_some_and(|tx| tx.send(job).is_ok())
    }

    /// A key of this cache's origin.
    pub fn key(&self, kind: Kind, region: &str, id: &str, part: &str, project: &str) -> Key {
        Key {
            kind,
            origin: self.origin.to_string(),
            region: region.to_string(),
            id: id.to_string(),
            part: part.to_string(),
            project: project.to_string(),
        }
    }

    /// A stored body, if there is an intact one.
    pub async fn get(&self, key: Key) -> Option<Vec<u8>> {
        self.run(move |c| store::get(c, &key, now()))
            .await
            .flatten()
    }

    /// A stored body and when it was stored (Unix seconds).
    pub async fn get_dated(&self, key: Key) -> Option<(i64, Vec<u8>)> {
        self.run(move |c| store::get_dated(c, &key, now()))
            .await
            .flatten()
    }

    /// Whether an entry exists.
    pub async fn has(&self, key: Key) -> bool {
        self.run(move |c| store::has(c, &key))
            .await
            .unwrap_or(false)
    }

    /// Stores entries, all in one transaction, evicting the least recently used beyond
    /// the bound. Done when it returns (a CLI command may exit right after).
    pub async fn put(&self, entries: Vec<(Key, Bytes)>) {
        if entries.is_empty() {
            return;
        }
        let max = self.inner.max_bytes;
        self.run(move |c| {
            let refs: Vec<(Key, &[u8])> =
                entries.iter().map(|(k, b)| (k.clone(), &b[..])).collect();
            store::put(c, &refs, now(), max)
        })
        .await;
    }

    /// What the file holds (for `omtop cache`), read on this thread.
    pub fn contents(&self) -> Option<Contents> {
        self.with(|c| store::contents(c))
    }

    /// Empties the cache, on this thread. False when the file was not in use.
    pub fn clear(&self) -> bool {
        self.with(store::clear).is_some()
    }

    /// Files of this cache set aside as unreadable, beside it.
    pub fn set_aside_files(&self) -> Vec<PathBuf> {
        let path = &self.inner.path;
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return Vec::new();
        };
        let prefix = format!("{}.unreadable-", name.to_string_lossy());
        let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
            })
            .collect();
        out.sort();
        out
    }

    /// The bytes the cache takes on disk: the file and its `-wal` and `-shm`.
    pub fn disk_bytes(&self) -> u64 {
        let path = &self.inner.path;
        std::iter::once(path.clone())
            .chain(companions(path))
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum()
    }
}

#[cfg(test)]
mod tests;
